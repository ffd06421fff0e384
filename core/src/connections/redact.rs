//! Secret hygiene for hosts that show connections and pools (the server's list views, §7.2 and
//! §7.3): what can be displayed without leaking a credential.

use serde_json::Value;

use super::Object;
use crate::js_value::truthy;

/// The credentials a connection holds in clear.
const SECRET_FIELDS: [&str; 3] = ["apiKey", "accessToken", "refreshToken"];

/// Whether a key names something secret (`/token|secret|key|password/i`).
fn is_secret_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    ["token", "secret", "key", "password"]
        .iter()
        .any(|word| lower.contains(word))
}

/// Replaces every value under a secret-looking key, at any depth, with `"[redacted]"`.
fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret_key(key) {
                    *v = Value::from("[redacted]");
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// `toProviderConnectionSummary(c)`: the connection without `apiKey`, `accessToken` and
/// `refreshToken`, with `hasApiKey`, `hasAccessToken`, `hasRefreshToken` booleans appended, and
/// secret-looking keys of `providerSpecificData` (and of any other unknown field) redacted.
pub fn to_provider_connection_summary(connection: &Object) -> Object {
    let mut out = Object::new();
    for (key, value) in connection {
        if SECRET_FIELDS.contains(&key.as_str()) {
            continue;
        }
        let mut value = value.clone();
        if is_secret_key(key) {
            value = Value::from("[redacted]");
        } else if key == "providerSpecificData" || !is_known_field(key) {
            redact(&mut value);
        }
        out.insert(key.clone(), value);
    }
    for (flag, field) in [
        ("hasApiKey", "apiKey"),
        ("hasAccessToken", "accessToken"),
        ("hasRefreshToken", "refreshToken"),
    ] {
        out.insert(flag.into(), Value::Bool(truthy(connection.get(field))));
    }
    out
}

/// Fields of `ProviderConnection` whose values are never secret.
fn is_known_field(key: &str) -> bool {
    matches!(
        key,
        "id" | "provider"
            | "authType"
            | "name"
            | "displayName"
            | "email"
            | "priority"
            | "isActive"
            | "projectId"
            | "lastUsedAt"
            | "consecutiveUseCount"
            | "testStatus"
            | "lastError"
            | "lastErrorAt"
            | "errorCode"
            | "backoffLevel"
            | "createdAt"
            | "updatedAt"
            | "expiresAt"
    ) || key.starts_with("modelLock_")
}

/// `maskProxyUrl(url)`: a URL with a password shows it as `****` (WHATWG serialization, as the
/// server's `new URL()` gives, e.g. `http://user:****@proxy.example:8080/`). Text the parser
/// rejects (including non-ASCII host names, which this build does not map) still has a
/// `scheme://user:password@` password masked in place, where the reference would show it;
/// anything else is returned unchanged.
pub fn mask_proxy_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            if parsed.set_password(Some("****")).is_ok() {
                parsed.to_string()
            } else {
                mask_userinfo_text(url)
            }
        }
        Ok(_) => url.to_owned(),
        Err(_) => mask_userinfo_text(url),
    }
}

/// Masks the password of `scheme://user:password@host...` without parsing the rest.
fn mask_userinfo_text(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let authority_end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    let Some(at) = url[start..authority_end].rfind('@').map(|i| start + i) else {
        return url.to_owned();
    };
    match url[start..at].find(':').map(|i| start + i) {
        Some(colon) => format!("{}****{}", &url[..colon + 1], &url[at..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::to_js_string;
    use serde_json::json;

    #[test]
    fn summary_hides_credentials() {
        let c = json!({"id": "c", "apiKey": "sk-1", "accessToken": "", "name": "n",
            "providerSpecificData": {"source": "auth.json", "clientSecret": "s", "nested": {"password": "p"}},
            "customToken": "t"});
        let s = to_provider_connection_summary(c.as_object().unwrap());
        let text = to_js_string(&Value::Object(s));
        assert_eq!(
            text,
            r#"{"id":"c","name":"n","providerSpecificData":{"source":"auth.json","clientSecret":"[redacted]","nested":{"password":"[redacted]"}},"customToken":"[redacted]","hasApiKey":true,"hasAccessToken":false,"hasRefreshToken":false}"#
        );
        assert!(!text.contains("sk-1"));
    }

    #[test]
    fn masks_only_passwords() {
        assert_eq!(
            mask_proxy_url("http://user:pass@proxy.example:8080"),
            "http://user:****@proxy.example:8080/"
        );
        assert_eq!(
            mask_proxy_url("http://proxy.example:8080"),
            "http://proxy.example:8080"
        );
        assert_eq!(mask_proxy_url("127.0.0.1:1"), "127.0.0.1:1");
        assert_eq!(mask_proxy_url("not a url"), "not a url");
        assert_eq!(
            mask_proxy_url("http://u:secret@bücher.example:1"),
            "http://u:****@bücher.example:1"
        );
        assert_eq!(mask_proxy_url("http://u@h:1"), "http://u@h:1");
    }
}
