//! `GET /models/availability` (§7.4): every connection with its active model cooldowns, and
//! the cooldowns grouped by provider and model, soonest first.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::connections::Object;
use crate::routing::cooldown::{MODEL_LOCK_ALL, MODEL_LOCK_PREFIX};
use crate::routing::format_retry_after;
use crate::time::{parse_js_date, to_iso_string};
use crate::usage::collate::locale_compare;

#[derive(Clone)]
struct Lock {
    key: String,
    model: Option<String>,
    until_ms: f64,
    until: String,
}

fn locks_of(connection: &Object, now: f64) -> Vec<Lock> {
    let mut locks: Vec<Lock> = connection
        .iter()
        .filter(|(key, _)| key.starts_with(MODEL_LOCK_PREFIX))
        .filter_map(|(key, v)| {
            let until = v.as_str()?;
            let until_ms = parse_js_date(until).filter(|t| *t > now)?;
            let model = (key != MODEL_LOCK_ALL).then(|| key[MODEL_LOCK_PREFIX.len()..].to_owned());
            Some(Lock {
                key: key.clone(),
                model,
                until_ms,
                until: until.to_owned(),
            })
        })
        .collect();
    locks.sort_by(|a, b| {
        a.until_ms
            .partial_cmp(&b.until_ms)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| locale_compare(&a.key, &b.key))
    });
    locks
}

fn scope(lock: &Lock) -> &'static str {
    if lock.model.is_some() {
        "model"
    } else {
        "all"
    }
}

const SHOWN: [&str; 12] = [
    "id",
    "provider",
    "authType",
    "name",
    "displayName",
    "email",
    "isActive",
    "testStatus",
    "lastError",
    "lastErrorAt",
    "errorCode",
    "backoffLevel",
];

/// The availability response for `connections` at `now` (epoch ms).
///
/// ```
/// use pie_storage_core::admin::model_availability;
/// let c = serde_json::json!([{"id": "a", "provider": "openai", "modelLock_gpt": "2030-01-01T00:00:00.000Z"}]);
/// let out = model_availability(c.as_array().unwrap(), 0.0);
/// assert_eq!(out["lockedModelCount"], 1);
/// assert_eq!(out["lockedModels"][0]["connectionIds"][0], "a");
/// ```
pub fn model_availability(connections: &[Value], now: f64) -> Value {
    let mut data = Vec::new();
    let mut groups: BTreeMap<(String, String), (Value, Vec<String>, usize, Lock)> = BTreeMap::new();
    let mut locked = 0;
    for c in connections.iter().filter_map(Value::as_object) {
        let locks = locks_of(c, now);
        locked += usize::from(!locks.is_empty());
        let mut row = Map::new();
        for key in SHOWN {
            row.insert(key.into(), c.get(key).cloned().unwrap_or(Value::Null));
        }
        let provider = c
            .get("provider")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let id = c.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
        let active = c.get("isActive") != Some(&Value::Bool(false));
        let shown: Vec<Value> = locks
            .iter()
            .map(|l| {
                json!({"key": l.key, "scope": scope(l), "model": l.model, "until": l.until,
                    "retryAfterMs": l.until_ms - now,
                    "retryAfterHuman": format_retry_after(Some(&l.until), now)})
            })
            .collect();
        for l in locks {
            let key = (
                provider.clone(),
                l.model.clone().unwrap_or_else(|| "__all".into()),
            );
            let entry = groups
                .entry(key)
                .or_insert_with(|| (Value::from(l.model.clone()), Vec::new(), 0, l.clone()));
            entry.1.push(id.clone());
            entry.2 += usize::from(active);
            if l.until_ms < entry.3.until_ms {
                entry.3 = l;
            }
        }
        row.insert("locks".into(), Value::from(shown));
        data.push(Value::Object(row));
    }
    let mut locked_models: Vec<((String, String), Value)> = groups
        .into_iter()
        .map(|((provider, key), (model, ids, active, earliest))| {
            let value = json!({"provider": provider, "model": model, "scope": scope(&earliest),
                "activeConnectionCount": active, "connectionIds": ids,
                "earliestRetryAfter": earliest.until,
                "earliestRetryAfterHuman": format_retry_after(Some(&earliest.until), now)});
            ((provider, key), value)
        })
        .collect();
    locked_models.sort_by(|(a, _), (b, _)| {
        locale_compare(&a.0, &b.0).then_with(|| locale_compare(&a.1, &b.1))
    });
    json!({
        "generatedAt": to_iso_string(now),
        "count": data.len(),
        "lockedConnectionCount": locked,
        "lockedModelCount": locked_models.len(),
        "data": data,
        "lockedModels": locked_models.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
    })
}
