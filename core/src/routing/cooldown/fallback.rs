//! `checkFallbackError` and `getQuotaCooldown` (reference §6.3): how long a connection is
//! locked after a failure whose provider did not announce a reset time.

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::{
    error_text, js_max, js_min, ROUTER_BACKOFF_BASE_MS, ROUTER_BACKOFF_MAX_LEVEL,
    ROUTER_BACKOFF_MAX_MS, ROUTER_TRANSIENT_COOLDOWN_MS,
};
use crate::js_value::{number_value, string_to_number, to_js_string};

/// Credential and request-shape failures: two minutes.
const LONG_COOLDOWN_MS: f64 = 120_000.0;
/// `request not allowed`: five seconds.
const SHORT_COOLDOWN_MS: f64 = 5000.0;

/// What `checkFallbackError` decides. Serializes as `{shouldFallback, cooldownMs,
/// newBackoffLevel?}`, with JS number formatting (NaN becomes `null`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FallbackDecision {
    /// Always `true` in this version of the router: every failure locks and falls back.
    pub should_fallback: bool,
    /// How long to lock the connection (or model), in ms.
    pub cooldown_ms: f64,
    /// The connection's new `backoffLevel`; `None` for fixed-cooldown outcomes, which leave
    /// the level unchanged.
    pub new_backoff_level: Option<f64>,
}

impl FallbackDecision {
    /// The JSON object the router returns; `newBackoffLevel` is absent when `None`.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("shouldFallback".into(), Value::Bool(self.should_fallback));
        map.insert("cooldownMs".into(), number_value(self.cooldown_ms));
        if let Some(level) = self.new_backoff_level {
            map.insert("newBackoffLevel".into(), number_value(level));
        }
        Value::Object(map)
    }

    fn fixed(cooldown_ms: f64) -> Self {
        FallbackDecision {
            should_fallback: true,
            cooldown_ms,
            new_backoff_level: None,
        }
    }
}

impl Serialize for FallbackDecision {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

/// What a rule looks at. No rule of the reference table tests both text and status.
enum Match {
    /// A substring of the lowercased error text.
    Text(&'static str),
    /// Strict equality with the status.
    Status(f64),
}

enum Outcome {
    Fixed(f64),
    Backoff,
}

/// The reference table, in order. All text rules precede all status rules, so any matching
/// text rule beats every status (`(403, "Request not allowed")` is 5000 ms, not 120000).
const RULES: [(Match, Outcome); 15] = [
    (
        Match::Text("no credentials"),
        Outcome::Fixed(LONG_COOLDOWN_MS),
    ),
    (
        Match::Text("request not allowed"),
        Outcome::Fixed(SHORT_COOLDOWN_MS),
    ),
    (
        Match::Text("improperly formed request"),
        Outcome::Fixed(LONG_COOLDOWN_MS),
    ),
    (Match::Text("rate limit"), Outcome::Backoff),
    (Match::Text("too many requests"), Outcome::Backoff),
    (Match::Text("quota exceeded"), Outcome::Backoff),
    (Match::Text("out of extra usage"), Outcome::Backoff),
    (Match::Text("usage limit"), Outcome::Backoff),
    (Match::Text("capacity"), Outcome::Backoff),
    (Match::Text("overloaded"), Outcome::Backoff),
    (Match::Status(401.0), Outcome::Fixed(LONG_COOLDOWN_MS)),
    (Match::Status(402.0), Outcome::Fixed(LONG_COOLDOWN_MS)),
    (Match::Status(403.0), Outcome::Fixed(LONG_COOLDOWN_MS)),
    (Match::Status(404.0), Outcome::Fixed(LONG_COOLDOWN_MS)),
    (Match::Status(429.0), Outcome::Backoff),
];

/// `getQuotaCooldown(level)`: `min(2000 · 2^max(0, level − 1), 300000)`, so levels 0 and 1 give
/// 2000 ms and level 9 onwards 300000 ms. NaN propagates as in JS. Integer levels are exact.
/// A fractional level (never written by the router itself) goes through the platform `pow`,
/// which is correctly rounded where V8's `Math.pow` can be one ulp off: `2 ** 1.5` is
/// 2.82842712474619 in Node and 2.8284271247461903 here.
pub fn get_quota_cooldown(level: f64) -> f64 {
    let exponent = js_max(0.0, level - 1.0);
    js_min(
        ROUTER_BACKOFF_BASE_MS * 2f64.powf(exponent),
        ROUTER_BACKOFF_MAX_MS,
    )
}

/// `checkFallbackError(status, errorText, backoffLevel)`: the first rule of the table that
/// matches decides. The error is read as the `cooldown` module docs describe, then
/// lowercased; an empty text matches no text rule. Backoff rules raise the level by one, up to
/// 15, and cool down for [`get_quota_cooldown`] of the new level; nothing matching means
/// 30000 ms.
pub fn check_fallback_error(
    status: Option<f64>,
    error: &Value,
    backoff_level: f64,
) -> FallbackDecision {
    decide(status, error, backoff_level + 1.0)
}

/// [`check_fallback_error`] given the already computed `backoffLevel + 1`, which JS may have
/// formed by string concatenation (see [`js_plus_one`]).
pub(crate) fn decide(status: Option<f64>, error: &Value, next_level: f64) -> FallbackDecision {
    let text = error_text(error).to_lowercase();
    for (matcher, outcome) in &RULES {
        let hit = match matcher {
            Match::Text(needle) => !text.is_empty() && text.contains(needle),
            Match::Status(code) => status == Some(*code),
        };
        if hit {
            return match outcome {
                Outcome::Fixed(ms) => FallbackDecision::fixed(*ms),
                Outcome::Backoff => {
                    let level = js_min(next_level, ROUTER_BACKOFF_MAX_LEVEL);
                    FallbackDecision {
                        should_fallback: true,
                        cooldown_ms: get_quota_cooldown(level),
                        new_backoff_level: Some(level),
                    }
                }
            };
        }
    }
    FallbackDecision::fixed(ROUTER_TRANSIENT_COOLDOWN_MS)
}

/// `v + 1` with JS `+`, as `Math.min` then reads it: a string concatenates (`"3" + 1` is
/// `"31"`), `null` counts as 0, and objects and arrays go through their string form.
pub(crate) fn js_plus_one(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN) + 1.0,
        Value::Null => 1.0,
        Value::Bool(b) => f64::from(u8::from(*b)) + 1.0,
        Value::String(s) => string_to_number(&format!("{s}1")),
        Value::Array(_) | Value::Object(_) => string_to_number(&format!("{}1", to_js_string(v))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn backoff(cooldown_ms: f64, level: f64) -> FallbackDecision {
        FallbackDecision {
            should_fallback: true,
            cooldown_ms,
            new_backoff_level: Some(level),
        }
    }

    fn fixed(cooldown_ms: f64) -> FallbackDecision {
        FallbackDecision::fixed(cooldown_ms)
    }

    fn check(status: Option<f64>, text: &str, level: f64) -> FallbackDecision {
        check_fallback_error(status, &json!(text), level)
    }

    #[test]
    fn quota_cooldown_doubles_up_to_five_minutes() {
        let expected = [
            2000.0, 2000.0, 4000.0, 8000.0, 16000.0, 32000.0, 64000.0, 128000.0, 256000.0,
            300000.0, 300000.0,
        ];
        for (level, want) in expected.iter().enumerate() {
            assert_eq!(get_quota_cooldown(level as f64), *want, "level {level}");
        }
        assert_eq!(get_quota_cooldown(15.0), 300000.0);
        assert_eq!(get_quota_cooldown(-4.0), 2000.0);
        assert_eq!(get_quota_cooldown(1e9), 300000.0);
        assert!(get_quota_cooldown(f64::NAN).is_nan());
    }

    #[test]
    fn repo_test_vectors() {
        assert_eq!(check(Some(429.0), "rate limit", 0.0), backoff(2000.0, 1.0));
        assert_eq!(
            check(Some(429.0), "quota exceeded", 1.0),
            backoff(4000.0, 2.0)
        );
        assert_eq!(
            check(
                Some(400.0),
                "You're out of extra usage. Add more at claude.ai/settings/usage and keep going.",
                0.0
            ),
            backoff(2000.0, 1.0)
        );
        assert_eq!(check(Some(401.0), "no credentials", 0.0), fixed(120000.0));
        assert_eq!(check(Some(500.0), "provider exploded", 0.0), fixed(30000.0));
    }

    #[test]
    fn every_text_rule_matches_case_insensitively() {
        assert_eq!(check(None, "No Credentials", 4.0), fixed(120000.0));
        assert_eq!(check(None, "REQUEST NOT ALLOWED", 4.0), fixed(5000.0));
        assert_eq!(
            check(None, "Improperly formed request", 4.0),
            fixed(120000.0)
        );
        for text in [
            "Rate limit reached",
            "Too Many Requests",
            "Quota exceeded for metric",
            "You're out of extra usage",
            "Usage limit reached",
            "At capacity",
            "Model is OVERLOADED",
        ] {
            assert_eq!(check(None, text, 4.0), backoff(32000.0, 5.0), "{text}");
        }
    }

    #[test]
    fn every_status_rule_applies_when_no_text_matches() {
        for status in [401.0, 402.0, 403.0, 404.0] {
            assert_eq!(check(Some(status), "nope", 3.0), fixed(120000.0));
        }
        assert_eq!(check(Some(429.0), "nope", 3.0), backoff(16000.0, 4.0));
        for status in [Some(400.0), Some(408.0), Some(500.0), Some(503.0), None] {
            assert_eq!(check(status, "nope", 3.0), fixed(30000.0), "{status:?}");
        }
    }

    #[test]
    fn text_rules_win_over_status_rules_and_keep_table_order() {
        assert_eq!(
            check(Some(403.0), "Request not allowed", 0.0),
            fixed(5000.0)
        );
        assert_eq!(check(Some(429.0), "no credentials", 5.0), fixed(120000.0));
        assert_eq!(check(Some(401.0), "rate limit", 0.0), backoff(2000.0, 1.0));
        assert_eq!(
            check(None, "rate limit, request not allowed", 0.0),
            fixed(5000.0)
        );
        assert_eq!(
            check(Some(403.0), "You exceeded your current quota", 0.0),
            fixed(120000.0)
        );
    }

    #[test]
    fn backoff_level_is_capped_at_fifteen() {
        assert_eq!(check(None, "overloaded", 8.0), backoff(300000.0, 9.0));
        assert_eq!(check(Some(429.0), "x", 14.0), backoff(300000.0, 15.0));
        assert_eq!(check(Some(429.0), "x", 15.0), backoff(300000.0, 15.0));
        assert_eq!(check(Some(429.0), "x", 40.0), backoff(300000.0, 15.0));
    }

    #[test]
    fn non_string_errors_are_json_text_unless_marked_as_error() {
        let decide_on = |error: Value| check_fallback_error(None, &error, 0.0);
        assert_eq!(
            decide_on(json!({"error": {"message": "Rate limit reached"}})),
            backoff(2000.0, 1.0)
        );
        assert_eq!(
            decide_on(json!({"message": "bad", "detail": "overloaded"})),
            backoff(2000.0, 1.0)
        );
        assert_eq!(
            decide_on(json!({"__pieError": true, "message": "bad", "detail": "overloaded"})),
            fixed(30000.0)
        );
        assert_eq!(
            decide_on(json!({"__pieError": true, "message": "Too many requests"})),
            backoff(2000.0, 1.0)
        );
        assert_eq!(decide_on(json!(["capacity"])), backoff(2000.0, 1.0));
        assert_eq!(decide_on(Value::Null), fixed(30000.0));
        assert_eq!(
            check_fallback_error(Some(402.0), &Value::Null, 0.0),
            fixed(120000.0)
        );
        assert_eq!(check(Some(429.0), "", 2.0), backoff(8000.0, 3.0));
    }

    #[test]
    fn plus_one_follows_javascript_addition() {
        assert_eq!(js_plus_one(&json!(2)), 3.0);
        assert_eq!(js_plus_one(&json!(null)), 1.0);
        assert_eq!(js_plus_one(&json!(true)), 2.0);
        assert_eq!(js_plus_one(&json!("3")), 31.0);
        assert_eq!(js_plus_one(&json!("")), 1.0);
        assert_eq!(js_plus_one(&json!([])), 1.0);
        assert!(js_plus_one(&json!("x")).is_nan());
        assert!(js_plus_one(&json!({})).is_nan());
    }

    #[test]
    fn decisions_serialize_without_absent_level() {
        assert_eq!(
            serde_json::to_value(backoff(2000.0, 1.0)).ok(),
            Some(json!({"shouldFallback": true, "cooldownMs": 2000, "newBackoffLevel": 1}))
        );
        assert_eq!(
            serde_json::to_string(&fixed(120000.0)).ok().as_deref(),
            Some(r#"{"shouldFallback":true,"cooldownMs":120000}"#)
        );
        assert_eq!(
            backoff(f64::NAN, f64::NAN).to_value(),
            json!({"shouldFallback": true, "cooldownMs": null, "newBackoffLevel": null})
        );
    }
}
