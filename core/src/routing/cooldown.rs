//! How long a failing connection cools down: `checkFallbackError` and `getQuotaCooldown`
//! (reference §6.3), `extractProviderResetCooldownMs` (§6.5) and `formatRetryAfter` (§6.2).
//! Pure functions: the current time is always an argument (`now`, epoch milliseconds).
//!
//! # Errors handed over from JavaScript
//!
//! The router reads an `Error` instance differently from any other value: its text is
//! `error.message`, and `message` is not one of its enumerable keys, while any other non-string
//! value is read as `JSON.stringify(value)`. JSON cannot carry a prototype, so a JS host passes
//! an `Error` as `{"__pieError": true, "message": err.message, ...own enumerable properties}`
//! (see [`ERROR_MARKER_KEY`]) and every other value as plain JSON. An object without the marker
//! is a plain object even when it has a `message`; that is what keeps plain objects exact.
//!
//! # Deliberate difference from the reference
//!
//! For an HTTP-date `retry_after`, the reference subtracts the real clock (`Date.now()`) even
//! when a `now` is passed; here it subtracts `now`, like everything else.

pub(crate) mod fallback;
mod reset;
pub(crate) mod retry_after;
mod text;

use serde_json::{Map, Value};

pub use fallback::{check_fallback_error, get_quota_cooldown, FallbackDecision};
pub use reset::extract_provider_reset_cooldown_ms;
pub use retry_after::format_retry_after;

/// First backoff cooldown (`ROUTER_BACKOFF_CONFIG.base`).
pub const ROUTER_BACKOFF_BASE_MS: f64 = 2000.0;
/// Longest backoff cooldown (`ROUTER_BACKOFF_CONFIG.max`), reached at level 9.
pub const ROUTER_BACKOFF_MAX_MS: f64 = 300_000.0;
/// Highest stored backoff level (`ROUTER_BACKOFF_CONFIG.maxLevel`).
pub const ROUTER_BACKOFF_MAX_LEVEL: f64 = 15.0;
/// Cooldown when no rule matches: the failure is assumed to be transient.
pub const ROUTER_TRANSIENT_COOLDOWN_MS: f64 = 30_000.0;
/// Default cap on a provider-announced reset (30 minutes).
pub const ROUTER_MAX_RATE_LIMIT_COOLDOWN_MS: f64 = 1_800_000.0;
/// Prefix of the per-model lock keys on a connection (`modelLock_<model>`).
pub const MODEL_LOCK_PREFIX: &str = "modelLock_";
/// Lock key used when a failure is marked without a model.
pub const MODEL_LOCK_ALL: &str = "modelLock___all";

/// Key whose value `true` marks an object as a JS `Error` (module docs).
pub const ERROR_MARKER_KEY: &str = "__pieError";

/// Whether `map` is a marked JS `Error` (module docs).
fn is_error_object(map: &Map<String, Value>) -> bool {
    map.get(ERROR_MARKER_KEY) == Some(&Value::Bool(true))
}

/// The router's `normalizeErrorText`: a string as is, an `Error`'s `message`, anything else
/// `JSON.stringify(value ?? "")` (so `null` reads as `""`, two quote characters).
fn error_text(error: &Value) -> String {
    match error {
        Value::String(s) => s.clone(),
        Value::Object(map) if is_error_object(map) => match map.get("message") {
            Some(Value::String(s)) => s.clone(),
            // `new Error()` inherits `message: ""`; other values are read as `String(v)`.
            None => String::new(),
            Some(other) => crate::js_value::to_js_string(other),
        },
        Value::Null => "\"\"".to_owned(),
        other => crate::json::to_js_string(other),
    }
}

/// `Math.min(a, b)`: NaN wins, where `f64::min` would drop it.
fn js_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// `Math.max(a, b)`: NaN wins, where `f64::max` would drop it.
fn js_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    /// `undefined` as the JavaScript glue sends it.
    fn undefined() -> Value {
        json!({"__pieUndefined": true})
    }

    /// The npm-name entry point of this module's functions, as the binding layer runs it.
    fn call(name: &str, args: &[Value]) -> Option<crate::error::Result<Value>> {
        crate::bindings::routing::cooldown(&crate::bindings::Args::from_wire(name, args.to_vec()))
    }

    fn run(name: &str, args: Value) -> Value {
        let Value::Array(args) = args else {
            panic!("args must be an array")
        };
        match call(name, &args) {
            Some(Ok(v)) => v,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn dispatches_by_npm_name() {
        assert_eq!(
            run("checkFallbackError", json!([429, "rate limit", 0])),
            json!({"shouldFallback": true, "cooldownMs": 2000, "newBackoffLevel": 1})
        );
        assert_eq!(run("getQuotaCooldown", json!([3])), json!(8000));
        assert_eq!(
            run(
                "extractProviderResetCooldownMs",
                json!(["try again in 5 s", 1_779_408_000_000_i64])
            ),
            json!(5000)
        );
        assert_eq!(
            run(
                "formatRetryAfter",
                json!(["2026-05-22T00:00:10.000Z", 1_779_408_000_000_i64])
            ),
            json!("reset after 10s")
        );
        assert!(call("selectProviderConnection", &[]).is_none());
    }

    #[test]
    fn undefined_arguments_take_the_defaults() {
        let undefined = undefined();
        assert_eq!(
            run("checkFallbackError", json!([429, "x"])),
            json!({"shouldFallback": true, "cooldownMs": 2000, "newBackoffLevel": 1})
        );
        assert_eq!(
            run("checkFallbackError", json!([429, "x", undefined])),
            json!({"shouldFallback": true, "cooldownMs": 2000, "newBackoffLevel": 1})
        );
        assert_eq!(run("getQuotaCooldown", json!([])), json!(2000));
        assert_eq!(
            run(
                "extractProviderResetCooldownMs",
                json!([{"retry_after_seconds": 7200}, 0, undefined])
            ),
            json!(1_800_000)
        );
        assert_eq!(
            run("extractProviderResetCooldownMs", json!([undefined, 0])),
            Value::Null
        );
    }

    #[test]
    fn arguments_are_coerced_as_javascript_does() {
        // A string status never equals a number (`===`).
        assert_eq!(
            run("checkFallbackError", json!(["429", "x", 0])),
            json!({"shouldFallback": true, "cooldownMs": 30000})
        );
        // `null + 1` is 1; `"3" + 1` is "31", which Math.min reads as 31.
        assert_eq!(
            run("checkFallbackError", json!([429, "x", null])),
            json!({"shouldFallback": true, "cooldownMs": 2000, "newBackoffLevel": 1})
        );
        assert_eq!(
            run("checkFallbackError", json!([429, "x", "3"])),
            json!({"shouldFallback": true, "cooldownMs": 300000, "newBackoffLevel": 15})
        );
        // `{} + 1` is "[object Object]1": NaN level and cooldown, written as null.
        assert_eq!(
            run("checkFallbackError", json!([429, "x", {}])),
            json!({"shouldFallback": true, "cooldownMs": null, "newBackoffLevel": null})
        );
        assert_eq!(run("getQuotaCooldown", json!(["4"])), json!(16000));
        assert_eq!(run("getQuotaCooldown", json!([null])), json!(2000));
        assert_eq!(run("getQuotaCooldown", json!([{}])), Value::Null);
        // `Math.min(d, null)` is 0.
        assert_eq!(
            run(
                "extractProviderResetCooldownMs",
                json!([{"retry_after_ms": 500}, 0, null])
            ),
            json!(0)
        );
        assert_eq!(
            run(
                "extractProviderResetCooldownMs",
                json!([{"retry_after_ms": 500}, 0, "100"])
            ),
            json!(100)
        );
    }

    #[test]
    fn format_retry_after_reads_dates_like_new_date() {
        let now = 1_779_408_000_000_i64;
        for falsy in [json!(null), json!(""), json!(0), json!(false)] {
            assert_eq!(run("formatRetryAfter", json!([falsy, now])), json!(""));
        }
        assert_eq!(
            run("formatRetryAfter", json!([now + 61_000, now])),
            json!("reset after 1m 1s")
        );
        assert_eq!(
            run("formatRetryAfter", json!([{}, now])),
            json!("reset after NaNs")
        );
        assert_eq!(
            run(
                "formatRetryAfter",
                json!([["2026-05-22T00:00:05.000Z"], now])
            ),
            json!("reset after 5s")
        );
    }

    #[test]
    fn now_is_required() {
        for name in ["extractProviderResetCooldownMs", "formatRetryAfter"] {
            let result = call(name, &[json!("x")]);
            assert!(
                matches!(result, Some(Err(ref e)) if e.code == ErrorCode::InvalidInput),
                "{name}"
            );
            let result = call(name, &[json!("x"), json!("1779408000000")]);
            assert!(matches!(result, Some(Err(_))), "{name}");
        }
    }

    #[test]
    fn error_text_follows_normalize_error_text() {
        assert_eq!(error_text(&json!("Rate Limit")), "Rate Limit");
        assert_eq!(
            error_text(&json!({"__pieError": true, "message": "boom", "status": 429})),
            "boom"
        );
        assert_eq!(error_text(&json!({"__pieError": true})), "");
        assert_eq!(
            error_text(&json!({"message": "boom", "status": 429})),
            r#"{"message":"boom","status":429}"#
        );
        assert_eq!(
            error_text(&json!({"__pieError": false, "message": "m"})),
            r#"{"__pieError":false,"message":"m"}"#
        );
        assert_eq!(error_text(&Value::Null), "\"\"");
        assert_eq!(error_text(&json!(429)), "429");
        assert_eq!(error_text(&json!(["a", 1])), r#"["a",1]"#);
    }

    #[test]
    fn javascript_min_and_max_keep_nan() {
        assert!(js_min(f64::NAN, 1.0).is_nan());
        assert!(js_max(0.0, f64::NAN).is_nan());
        assert_eq!(js_min(3.0, 1.0), 1.0);
        assert_eq!(js_max(0.0, -1.0), 0.0);
    }
}
