//! The routing-policy routes' edits (§7.4): a combo, alias or intent saved or deleted, over
//! the stored policy. The result is normalized as the store normalizes `routerPolicy`.

use serde_json::{json, Map, Value};

use super::bodies::BodyError;
use crate::connections::settings::normalize_router_policy;
use crate::js_value::js_trim;

/// Which part of the policy a route edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyPart {
    /// `combos` (a list; a saved combo replaces its namesake and moves to the end).
    Combo,
    /// `aliases` (a record of model lists).
    Alias,
    /// `intents` (a record of model lists).
    Intent,
}

impl PolicyPart {
    /// `combo`, `alias` or `intent`.
    pub fn parse(part: &str) -> Option<PolicyPart> {
        Some(match part {
            "combo" => PolicyPart::Combo,
            "alias" => PolicyPart::Alias,
            "intent" => PolicyPart::Intent,
            _ => return None,
        })
    }

    fn record_key(self) -> &'static str {
        match self {
            PolicyPart::Combo => "combos",
            PolicyPart::Alias => "aliases",
            PolicyPart::Intent => "intents",
        }
    }

    fn result_key(self) -> &'static str {
        match self {
            PolicyPart::Combo => "combo",
            PolicyPart::Alias => "alias",
            PolicyPart::Intent => "intent",
        }
    }
}

/// A model list from an array or a comma/newline separated string, trimmed, blanks dropped.
fn models_of(v: Option<&Value>) -> Vec<String> {
    let items: Vec<String> = match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => s.split([',', '\n']).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    items
        .iter()
        .map(|s| js_trim(s).to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn name_of(body: &Map<String, Value>, keys: &[&str]) -> Result<String, BodyError> {
    keys.iter()
        .find_map(|k| {
            body.get(*k)
                .and_then(Value::as_str)
                .map(js_trim)
                .filter(|s| !s.is_empty())
        })
        .map(str::to_owned)
        .ok_or_else(|| BodyError {
            status: 400,
            body: json!({"error": {"message": "name is required"}}),
        })
}

/// Saves the entry `body` describes into `policy`; returns the new (normalized) policy and
/// the response body `{policy, combo|alias|intent}`.
pub fn save_policy_entry(
    part: PolicyPart,
    policy: &Value,
    body: &Value,
) -> Result<(Value, Value), BodyError> {
    let body = body.as_object().cloned().unwrap_or_default();
    let mut policy = normalize_router_policy(Some(policy));
    let (entry, shown) = match part {
        PolicyPart::Combo => {
            let name = name_of(&body, &["name"])?;
            let mut combo = json!({"name": name, "models": models_of(body.get("models"))});
            for key in ["kind", "strategy", "stickyLimit"] {
                if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
                    combo[key] = v.clone();
                }
            }
            let combos = policy["combos"].as_array_mut().expect("normalized combos");
            combos.retain(|c| c["name"].as_str() != Some(name.as_str()));
            combos.push(combo.clone());
            (None, combo)
        }
        PolicyPart::Alias | PolicyPart::Intent => {
            let name = name_of(&body, &["name", "intent", "alias"])?;
            let mut models = models_of(body.get("models"));
            if models.is_empty() {
                models = models_of(body.get("model"));
            }
            let stored = if models.len() == 1 {
                Value::from(models[0].clone())
            } else {
                Value::from(models)
            };
            (
                Some((name.clone(), stored.clone())),
                json!({"name": name, "models": stored}),
            )
        }
    };
    if let Some((name, stored)) = entry {
        policy[part.record_key()][name] = stored;
    }
    let policy = normalize_router_policy(Some(&policy));
    let mut response = json!({"policy": policy});
    response[part.result_key()] = shown;
    Ok((policy, response))
}

/// Deletes the entry `name` (a combo also loses its `comboStrategies` entry); returns the new
/// policy and `{policy, deleted}`.
pub fn delete_policy_entry(part: PolicyPart, policy: &Value, name: &str) -> (Value, Value) {
    let mut policy = normalize_router_policy(Some(policy));
    let deleted = match part {
        PolicyPart::Combo => {
            let combos = policy["combos"].as_array_mut().expect("normalized combos");
            let before = combos.len();
            combos.retain(|c| c["name"].as_str() != Some(name));
            let strategies = policy
                .get_mut("comboStrategies")
                .and_then(Value::as_object_mut);
            let had_strategy = strategies.is_some_and(|s| s.remove(name).is_some());
            before != policy["combos"].as_array().map_or(0, Vec::len) || had_strategy
        }
        _ => policy[part.record_key()]
            .as_object_mut()
            .is_some_and(|r| r.remove(name).is_some()),
    };
    let policy = normalize_router_policy(Some(&policy));
    (
        policy.clone(),
        json!({"policy": policy, "deleted": deleted}),
    )
}
