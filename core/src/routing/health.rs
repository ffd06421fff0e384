//! What a failure writes onto a connection (§6.3 `markProviderConnectionUnavailable`) and what a
//! success clears (§6.4 `clearProviderConnectionError`). The updates are computed here and
//! applied by the store in one locked read-modify-write, so concurrent marks and clears never
//! lose each other's fields.

use serde_json::Value;

use super::cooldown::{
    check_fallback_error, extract_provider_reset_cooldown_ms, ERROR_MARKER_KEY, MODEL_LOCK_ALL,
    MODEL_LOCK_PREFIX,
};
use crate::connections::{
    ConnectionState, Object, Patch, ProviderConnectionStore, ProviderConnectionStoreExt, Stamp,
};
use crate::error::Result;
use crate::js_value::{number_value, to_js_string};
use crate::time::{parse_js_date, to_iso_string};

/// Longest `lastError` kept, in UTF-16 units as `String.prototype.slice` counts.
const LAST_ERROR_UNITS: usize = 100;

/// The lock key of a model (`modelLock_<model>`), or the account-wide key without a model.
pub fn lock_key(model: Option<&str>) -> String {
    match model {
        Some(m) if !m.is_empty() => format!("{MODEL_LOCK_PREFIX}{m}"),
        _ => MODEL_LOCK_ALL.to_owned(),
    }
}

/// The HTTP status of an error: the first number among `status`, `statusCode`, `code` and
/// `response.status`.
pub fn error_status(error: &Value) -> Option<f64> {
    let candidates = [
        error.get("status"),
        error.get("statusCode"),
        error.get("code"),
        error.get("response").and_then(|r| r.get("status")),
    ];
    candidates.into_iter().flatten().find_map(Value::as_f64)
}

/// The error's text: a string as is, an `Error`'s `message` (JS hosts mark errors with
/// [`ERROR_MARKER_KEY`]), an object's truthy `errorMessage`, else `String(error)`.
pub fn error_message(error: &Value) -> String {
    match error {
        Value::String(s) => s.clone(),
        Value::Object(map) if map.get(ERROR_MARKER_KEY) == Some(&Value::Bool(true)) => {
            map.get("message").map(to_js_string).unwrap_or_default()
        }
        Value::Object(map) => map
            .get("errorMessage")
            .filter(|v| crate::js_value::truthy(Some(v)))
            .map(to_js_string)
            .unwrap_or_else(|| to_js_string(error)),
        other => to_js_string(other),
    }
}

/// The first `units` UTF-16 code units of `s` (a split surrogate pair is dropped whole).
fn slice_utf16(s: &str, units: usize) -> String {
    let mut used = 0;
    s.chars()
        .take_while(|c| {
            used += c.len_utf16();
            used <= units
        })
        .collect()
}

/// The fields a failure writes: the model lock until `now + cooldown`, `testStatus`,
/// `lastError` (first 100 characters), `errorCode`, `lastErrorAt` and `backoffLevel`. A
/// provider's own reset time wins over the backoff rules and resets the level to 0.
pub fn unavailable_updates(
    connection: &Object,
    model: Option<&str>,
    error: &Value,
    now: f64,
) -> Patch {
    let status = error_status(error);
    let message = error_message(error);
    let level = connection
        .get("backoffLevel")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let (cooldown, new_level) = match extract_provider_reset_cooldown_ms(error, now, 1_800_000.0) {
        Some(reset) => (reset, 0.0),
        None => {
            let decision = check_fallback_error(status, &Value::String(message.clone()), level);
            (
                decision.cooldown_ms,
                decision.new_backoff_level.unwrap_or(level),
            )
        }
    };
    let iso = |ms: f64| to_iso_string(ms).map(Value::from).unwrap_or(Value::Null);
    let updates = Patch::new()
        .set(lock_key(model), iso(now + cooldown))
        .set("testStatus", Value::from("unavailable"))
        .set(
            "lastError",
            Value::from(slice_utf16(&message, LAST_ERROR_UNITS)),
        );
    // An unknown status is written as `undefined`: the key disappears from the file.
    let updates = match status {
        Some(status) => updates.set("errorCode", number_value(status)),
        None => updates.unset("errorCode"),
    };
    updates
        .set("lastErrorAt", iso(now))
        .set("backoffLevel", number_value(new_level))
}

/// The fields a success clears, or `None` when nothing needs writing: the model's lock, the
/// account-wide lock and expired locks become `null`; when no other lock is still active, the
/// error fields are reset too.
pub fn clear_error_updates(connection: &Object, model: Option<&str>, now: f64) -> Option<Object> {
    let own = lock_key(model);
    let mut updates = Object::new();
    let mut other_active = false;
    for (key, value) in connection
        .iter()
        .filter(|(k, _)| k.starts_with(MODEL_LOCK_PREFIX))
    {
        let time = value.as_str().and_then(parse_js_date);
        let expired = time.is_some_and(|t| t <= now);
        if *key == own || key == MODEL_LOCK_ALL || expired {
            updates.insert(key.clone(), Value::Null);
        } else if time.is_some_and(|t| t > now) {
            other_active = true;
        }
    }
    if !other_active {
        for key in ["testStatus", "lastError", "errorCode", "lastErrorAt"] {
            updates.insert(key.into(), Value::Null);
        }
        updates.insert("backoffLevel".into(), Value::from(0));
    }
    (!updates.is_empty()).then_some(updates)
}

/// `markProviderConnectionUnavailable(id, model, error, now)`: one locked update; `None` when
/// the connection does not exist.
pub fn mark_provider_connection_unavailable<S: ProviderConnectionStore + ?Sized>(
    store: &S,
    id: &str,
    model: Option<&str>,
    error: &Value,
    now: f64,
) -> Result<Option<Object>> {
    store.mutate(|state, stamp| mark_unavailable_in(state, stamp, id, model, error, now))
}

/// [`mark_provider_connection_unavailable`] on a state the caller holds: the result and
/// whether the state changed.
pub fn mark_unavailable_in(
    state: &mut ConnectionState,
    stamp: &mut Stamp<'_>,
    id: &str,
    model: Option<&str>,
    error: &Value,
    now: f64,
) -> (Option<Object>, bool) {
    let Some(connection) = state.connection(id) else {
        return (None, false);
    };
    let updates = unavailable_updates(&connection, model, error, now);
    (state.update_connection(id, &updates, stamp), true)
}

/// `clearProviderConnectionError(id, model, now)`: one locked update, written only when
/// something changes; returns the connection as stored afterwards.
pub fn clear_provider_connection_error<S: ProviderConnectionStore + ?Sized>(
    store: &S,
    id: &str,
    model: Option<&str>,
    now: f64,
) -> Result<Option<Object>> {
    store.mutate(|state, stamp| clear_error_in(state, stamp, id, model, now))
}

/// [`clear_provider_connection_error`] on a state the caller holds.
pub fn clear_error_in(
    state: &mut ConnectionState,
    stamp: &mut Stamp<'_>,
    id: &str,
    model: Option<&str>,
    now: f64,
) -> (Option<Object>, bool) {
    let Some(connection) = state.connection(id) else {
        return (None, false);
    };
    match clear_error_updates(&connection, model, now) {
        Some(updates) => (state.update_connection(id, &updates.into(), stamp), true),
        None => (Some(connection), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::to_js_string;
    use serde_json::json;

    fn conn(v: Value) -> Object {
        v.as_object().cloned().unwrap_or_default()
    }

    const NOW: f64 = 1_779_408_000_000.0; // 2026-05-22T00:00:00.000Z

    #[test]
    fn tv26_rate_limit_marks_the_model() {
        let c = conn(json!({"id": "openai_conn_1", "provider": "openai"}));
        let u = unavailable_updates(
            &c,
            Some("test-openai-model"),
            &json!({"__pieError": true, "message": "rate limit exceeded", "status": 429}),
            NOW,
        );
        assert_eq!(
            to_js_string(&Value::Object(u.into_record())),
            r#"{"modelLock_test-openai-model":"2026-05-22T00:00:02.000Z","testStatus":"unavailable","lastError":"rate limit exceeded","errorCode":429,"lastErrorAt":"2026-05-22T00:00:00.000Z","backoffLevel":1}"#
        );
    }

    #[test]
    fn tv26_reset_timing_wins_and_resets_the_level() {
        let c = conn(json!({"id": "c", "backoffLevel": 4}));
        let error = json!({"status": 429, "error": {"type": "usage_limit_reached", "resets_in_seconds": 600}});
        let u = unavailable_updates(&c, Some("m"), &error, NOW);
        assert_eq!(
            u.get("modelLock_m"),
            Some(&json!("2026-05-22T00:10:00.000Z"))
        );
        assert_eq!(u.get("backoffLevel"), Some(&json!(0)));
    }

    #[test]
    fn last_error_is_cut_to_100_units() {
        let long = "é".repeat(150);
        let u = unavailable_updates(&Object::new(), Some("m"), &Value::from(long), NOW);
        assert_eq!(
            u.get("lastError")
                .and_then(Value::as_str)
                .map(|s| s.chars().count()),
            Some(100)
        );
        assert!(u.is_unset("errorCode"));
    }

    #[test]
    fn clear_keeps_other_active_locks_and_error_fields() {
        let c = conn(
            json!({"modelLock_m": "2026-05-22T00:01:00.000Z", "modelLock_other": "2026-05-22T00:05:00.000Z",
                            "modelLock_old": "2026-05-21T00:00:00.000Z", "modelLock_bad": "garbage", "testStatus": "unavailable"}),
        );
        let u = clear_error_updates(&c, Some("m"), NOW).unwrap();
        assert_eq!(
            to_js_string(&Value::Object(u)),
            r#"{"modelLock_m":null,"modelLock_old":null}"#
        );
        let alone = conn(json!({"modelLock_m": "2026-05-22T00:01:00.000Z", "errorCode": 429}));
        let u = clear_error_updates(&alone, Some("m"), NOW).unwrap();
        assert_eq!(
            to_js_string(&Value::Object(u)),
            r#"{"modelLock_m":null,"testStatus":null,"lastError":null,"errorCode":null,"lastErrorAt":null,"backoffLevel":0}"#
        );
    }
}
