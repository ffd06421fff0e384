//! The operator's cooldown clear (`POST /models/availability {action: "clearCooldown"}`) as
//! one locked state step, which differs from what a success clears (§6.4): only the one model's
//! key, on every connection of the provider. The view itself is `admin::model_availability`.

use serde::Serialize;
use serde_json::Value;

use super::cooldown::MODEL_LOCK_PREFIX;
use super::health::lock_key;
use crate::connections::{ConnectionState, Object, Patch, Stamp};
use crate::js_value::truthy;

/// What `clearCooldown` did.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClearedCooldown {
    /// Always `true`.
    pub ok: bool,
    /// The provider.
    pub provider: String,
    /// The model (`None` clears the account-wide key).
    pub model: Option<String>,
    /// The key set to `null`.
    pub lock_key: String,
    /// Connections changed.
    pub cleared_count: usize,
}

/// The operator's clear on a state the caller holds: `modelLock_<model>` becomes `null` on every
/// connection of `provider` where it is truthy (active or not, expired or not); one that was
/// `testStatus: "unavailable"` also becomes `"active"` with `lastError`, `lastErrorAt` cleared
/// and `backoffLevel: 0` (`errorCode` stays). Returns the report and whether anything changed.
pub fn clear_cooldown_in(
    state: &mut ConnectionState,
    stamp: &mut Stamp<'_>,
    provider: &str,
    model: Option<&str>,
) -> (ClearedCooldown, bool) {
    let key = lock_key(model);
    debug_assert!(key.starts_with(MODEL_LOCK_PREFIX));
    let filter: Object = [("provider".to_owned(), Value::from(provider))]
        .into_iter()
        .collect();
    let mut cleared = 0;
    for raw in state.connections(&filter) {
        if !truthy(raw.get(&key)) {
            continue;
        }
        let id = raw
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut patch = Patch::new().set(key.clone(), Value::Null);
        if raw.get("testStatus").and_then(Value::as_str) == Some("unavailable") {
            patch = patch
                .set("testStatus", Value::from("active"))
                .set("lastError", Value::Null)
                .set("lastErrorAt", Value::Null)
                .set("backoffLevel", Value::from(0));
        }
        if state.update_connection(&id, &patch, stamp).is_some() {
            cleared += 1;
        }
    }
    let report = ClearedCooldown {
        ok: true,
        provider: provider.to_owned(),
        model: model.filter(|m| !m.is_empty()).map(str::to_owned),
        lock_key: key,
        cleared_count: cleared,
    };
    (report, cleared > 0)
}
