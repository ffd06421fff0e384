//! Default file locations (reference §4.1), computed from an injected environment so the rule
//! is the same for every host.

/// `getDefaultUsageFilePath(env)`: the first non-empty trimmed `PIE_LAB_USAGE_PATH`,
/// `PIE_ADK_USAGE_PATH`, `PI_ADK_USAGE_PATH`; else `<agentDir>/usage.jsonl`.
pub fn default_usage_file_path(env: &dyn Fn(&str) -> Option<String>, home: &str) -> String {
    for key in [
        "PIE_LAB_USAGE_PATH",
        "PIE_ADK_USAGE_PATH",
        "PI_ADK_USAGE_PATH",
    ] {
        if let Some(value) = non_empty(env, key) {
            return value;
        }
    }
    join(&agent_dir(env, home), "usage.jsonl")
}

/// The agent folder: `PIE_CODING_AGENT_DIR`, else `PI_CODING_AGENT_DIR` (trimmed), else
/// `~/.pie/agent`.
pub fn agent_dir(env: &dyn Fn(&str) -> Option<String>, home: &str) -> String {
    non_empty(env, "PIE_CODING_AGENT_DIR")
        .or_else(|| non_empty(env, "PI_CODING_AGENT_DIR"))
        .unwrap_or_else(|| join(&join(home, ".pie"), "agent"))
}

/// The request-details folder: `<agentDir>/request-details` (the agent folder as
/// [`agent_dir`] finds it).
///
/// ```
/// use pie_storage_core::paths::default_request_details_folder;
///
/// let env = |key: &str| (key == "PIE_CODING_AGENT_DIR").then(|| "/srv/agent".to_owned());
/// assert_eq!(default_request_details_folder(&env, "/home/me"), "/srv/agent/request-details");
/// ```
pub fn default_request_details_folder(env: &dyn Fn(&str) -> Option<String>, home: &str) -> String {
    join(
        &agent_dir(env, home),
        crate::details::REQUEST_DETAILS_FOLDER,
    )
}

/// `getDefaultProviderConnectionFilePath(env)`: `<agentDir>/provider-connections.json`, where the
/// agent folder is `PIE_CODING_AGENT_DIR || PI_CODING_AGENT_DIR` with a leading `~` or `~/`
/// expanded to `home`, else `~/.pie/agent`.
pub fn default_provider_connection_file_path(
    env: &dyn Fn(&str) -> Option<String>,
    home: &str,
) -> String {
    join(&connections_dir(env, home), "provider-connections.json")
}

/// `<agentDir>/pricing-overrides.json`, beside `provider-connections.json` (same folder rule as
/// [`default_provider_connection_file_path`]).
///
/// ```
/// let path = pie_storage_core::paths::default_pricing_overrides_file_path(&|_| None, "/home/me");
/// assert_eq!(path, "/home/me/.pie/agent/pricing-overrides.json");
/// ```
pub fn default_pricing_overrides_file_path(
    env: &dyn Fn(&str) -> Option<String>,
    home: &str,
) -> String {
    join(
        &connections_dir(env, home),
        crate::pricing::PRICING_OVERRIDES_FILE,
    )
}

/// `<agentDir>/provider-quota.json`, beside `provider-connections.json`.
///
/// ```
/// let path = pie_storage_core::paths::default_provider_quota_file_path(&|_| None, "/home/me");
/// assert_eq!(path, "/home/me/.pie/agent/provider-quota.json");
/// ```
pub fn default_provider_quota_file_path(
    env: &dyn Fn(&str) -> Option<String>,
    home: &str,
) -> String {
    join(
        &connections_dir(env, home),
        crate::quota::PROVIDER_QUOTA_FILE,
    )
}

/// The folder of the provider-connection and pricing files.
fn connections_dir(env: &dyn Fn(&str) -> Option<String>, home: &str) -> String {
    env("PIE_CODING_AGENT_DIR")
        .filter(|v| !v.is_empty())
        .or_else(|| env("PI_CODING_AGENT_DIR").filter(|v| !v.is_empty()))
        .map(|dir| expand_home(&dir, home))
        .unwrap_or_else(|| join(&join(home, ".pie"), "agent"))
}

fn expand_home(dir: &str, home: &str) -> String {
    if dir == "~" {
        home.to_owned()
    } else if let Some(rest) = dir.strip_prefix("~/") {
        join(home, rest)
    } else {
        dir.to_owned()
    }
}

fn non_empty(env: &dyn Fn(&str) -> Option<String>, key: &str) -> Option<String> {
    env(key)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// POSIX `path.join` for two segments (the agent folder is always absolute or `~`-free here).
pub(crate) fn join(dir: &str, name: &str) -> String {
    let dir = dir.trim_end_matches('/');
    if dir.is_empty() && !name.is_empty() {
        return format!("/{name}");
    }
    format!("{dir}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn connection_path_expands_home() {
        let p = |pairs| default_provider_connection_file_path(&env(pairs), "/home/u");
        assert_eq!(
            p(&[("PIE_CODING_AGENT_DIR", "~/agent")]),
            "/home/u/agent/provider-connections.json"
        );
        assert_eq!(
            p(&[("PI_CODING_AGENT_DIR", "~")]),
            "/home/u/provider-connections.json"
        );
        assert_eq!(p(&[]), "/home/u/.pie/agent/provider-connections.json");
    }

    #[test]
    fn usage_path_precedence() {
        assert_eq!(
            default_usage_file_path(&env(&[("PIE_CODING_AGENT_DIR", "/tmp/pie-agent")]), "/h"),
            "/tmp/pie-agent/usage.jsonl"
        );
        assert_eq!(
            default_usage_file_path(
                &env(&[
                    ("PIE_LAB_USAGE_PATH", "  "),
                    ("PI_ADK_USAGE_PATH", " /x.jsonl ")
                ]),
                "/h"
            ),
            "/x.jsonl"
        );
        assert_eq!(
            default_usage_file_path(&env(&[]), "/home/u"),
            "/home/u/.pie/agent/usage.jsonl"
        );
        assert_eq!(
            default_usage_file_path(&env(&[("PI_CODING_AGENT_DIR", "/a/")]), "/h"),
            "/a/usage.jsonl"
        );
    }
}
