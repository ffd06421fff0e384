//! `extractProviderResetCooldownMs` (reference §6.5): the cooldown a provider announced itself,
//! as a reset time, a duration or a sentence, found anywhere in the error.

use serde_json::Value;

use super::{error_text, is_error_object, js_min, text, ERROR_MARKER_KEY};
use crate::js_value::{js_trim, string_to_number};
use crate::json::js_key_order;
use crate::time::parse_js_date;

/// Keys (lowercased) holding the time the limit resets.
const RESET_AT_KEYS: [&str; 6] = [
    "resetsatms",
    "resetatms",
    "resets_at",
    "reset_at",
    "resetat",
    "ratelimitreset",
];

/// Keys (lowercased) holding a duration: in ms when the key ends in `ms`, else in seconds.
const DURATION_KEYS: [&str; 7] = [
    "resetsinseconds",
    "resets_in_seconds",
    "retryafterseconds",
    "retry_after_seconds",
    "retryafterms",
    "retry_after_ms",
    "x-ratelimit-reset-after",
];

/// Keys (lowercased) holding a `Retry-After` value: seconds, an HTTP date or a sentence.
const RETRY_AFTER_KEYS: [&str; 2] = ["retryafter", "retry_after"];

/// Objects nested deeper than this below the error are not read (the error itself is depth 0,
/// so a key inside `{a: {b: {c: {d: {key}}}}}` is still found, one level more is not).
const MAX_DEPTH: usize = 4;

/// The provider's announced cooldown in ms, capped at `max`, or `None`.
///
/// 1. The first reset-time key (in walk order, see below) holding a *future* time wins:
///    `min(reset − now, max)`. Numbers below 1e12 are seconds, others ms; a digit-only string
///    is read as such a number; any other string goes through `Date.parse`.
/// 2. Otherwise the first duration or `retry_after` key holding a usable value gives the
///    duration; this first value is final, so a zero or negative one (`"-5"`) means `None`
///    without looking further. Unusable values (non-numeric strings, `null`, a past HTTP date)
///    are skipped.
/// 3. Without such a key, the error's text is read for `reset after …` / `try again in …`:
///    a string as is, an `Error`'s message, else the JSON text of the value (see the
///    `cooldown` module docs for how an `Error` is marked).
///
/// A duration counts only when `> 0`; the result is then `min(duration, max)`.
///
/// Walk order is that of the reference: depth-first, each key before the keys nested under
/// it, keys in JS enumeration order (array indices first), arrays included, nested objects
/// read down to depth 4 (the error itself is depth 0). Keys are compared lowercased.
pub fn extract_provider_reset_cooldown_ms(error: &Value, now: f64, max: f64) -> Option<f64> {
    let entries = walk(error);
    let reset = entries
        .iter()
        .filter(|(key, _)| RESET_AT_KEYS.contains(&key.as_str()))
        .find_map(|(_, value)| reset_timestamp(value, now));
    if let Some(reset) = reset {
        return Some(js_min(reset - now, max));
    }
    let duration = entries
        .iter()
        .find_map(|(key, value)| {
            if DURATION_KEYS.contains(&key.as_str()) {
                duration_value(value, key.ends_with("ms"))
            } else if RETRY_AFTER_KEYS.contains(&key.as_str()) {
                retry_after_value(value, now)
            } else {
                None
            }
        })
        .or_else(|| text::reset_duration_from_text(&error_text(error)));
    duration.filter(|&d| d > 0.0).map(|d| js_min(d, max))
}

/// Every `(lowercased key, value)` pair of the error, in walk order.
fn walk(error: &Value) -> Vec<(String, &Value)> {
    let mut entries = Vec::new();
    visit(error, 0, &mut entries);
    entries
}

fn visit<'a>(value: &'a Value, depth: usize, entries: &mut Vec<(String, &'a Value)>) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            // An Error's `message` is not enumerable, and the marker is not a JS property.
            let error_like = is_error_object(map);
            for (key, nested) in js_key_order(map) {
                if error_like && (key == ERROR_MARKER_KEY || key == "message") {
                    continue;
                }
                entries.push((key.to_lowercase(), nested));
                visit(nested, depth + 1, entries);
            }
        }
        Value::Array(items) => {
            for (index, nested) in items.iter().enumerate() {
                entries.push((index.to_string(), nested));
                visit(nested, depth + 1, entries);
            }
        }
        _ => {}
    }
}

/// A reset time in ms if it is after `now`.
fn reset_timestamp(value: &Value, now: f64) -> Option<f64> {
    match value {
        Value::Number(n) => timestamp_from_number(n.as_f64()?, now),
        Value::String(s) => {
            let trimmed = js_trim(s);
            if trimmed.is_empty() {
                None
            } else if trimmed.bytes().all(|b| b.is_ascii_digit()) {
                timestamp_from_number(string_to_number(s), now)
            } else {
                // `Date.parse` of the untrimmed value, as the reference does.
                parse_js_date(s).filter(|&t| t > now)
            }
        }
        _ => None,
    }
}

/// Seconds below 1e12 (year 33658 in seconds, 2001 in ms), ms from there on.
fn timestamp_from_number(n: f64, now: f64) -> Option<f64> {
    if !n.is_finite() {
        return None;
    }
    let ms = if n < 1e12 { n * 1000.0 } else { n };
    (ms > now).then_some(ms)
}

/// A duration key's value in ms: a finite number, or a string matching `-?\d+(\.\d+)?` once
/// trimmed. Zero and negative results are returned (and end the search).
fn duration_value(value: &Value, in_ms: bool) -> Option<f64> {
    let n = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => {
            let trimmed = js_trim(s);
            let unsigned = trimmed.strip_prefix('-').unwrap_or(trimmed);
            if !is_plain_decimal(unsigned) {
                return None;
            }
            string_to_number(trimmed)
        }
        _ => return None,
    };
    if !n.is_finite() {
        return None;
    }
    Some(if in_ms { n } else { n * 1000.0 })
}

/// A `retry_after` value in ms: a number of seconds; a string of seconds (`\d+(\.\d+)?`, no
/// sign); else an HTTP date, counted only when after `now`; else the sentence forms.
fn retry_after_value(value: &Value, now: f64) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64().map(|s| s * 1000.0),
        Value::String(s) => {
            let trimmed = js_trim(s);
            if trimmed.is_empty() {
                None
            } else if is_plain_decimal(trimmed) {
                Some(string_to_number(trimmed) * 1000.0)
            } else if let Some(at) = parse_js_date(trimmed) {
                // The reference subtracts the real clock here, not its `now`.
                let diff = at - now;
                (diff > 0.0).then_some(diff)
            } else {
                text::reset_duration_from_text(trimmed)
            }
        }
        _ => None,
    }
}

/// `^\d+(\.\d+)?$`.
fn is_plain_decimal(s: &str) -> bool {
    let (int, frac) = match s.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (s, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 2026-05-22T00:00:00.000Z.
    const NOW: f64 = 1_779_408_000_000.0;
    const MAX: f64 = 1_800_000.0;

    fn extract(error: Value) -> Option<f64> {
        extract_provider_reset_cooldown_ms(&error, NOW, MAX)
    }

    #[test]
    fn repo_test_vectors() {
        assert_eq!(
            extract(
                json!({"error": {"type": "usage_limit_reached", "resets_at": NOW / 1000.0 + 120.0}})
            ),
            Some(120_000.0)
        );
        assert_eq!(
            extract(json!({"__pieError": true, "message": "Your quota will reset after 1h30m"})),
            Some(1_800_000.0)
        );
        assert_eq!(
            extract(json!({
                "__pieError": true,
                "message": "You have hit your ChatGPT usage limit. Try again in ~7 min."
            })),
            Some(420_000.0)
        );
    }

    #[test]
    fn reset_times_in_seconds_ms_digits_and_dates() {
        let secs = NOW / 1000.0;
        assert_eq!(
            extract(json!({"resetsAtMs": NOW + 60_000.0})),
            Some(60_000.0)
        );
        assert_eq!(extract(json!({"resetAtMs": NOW + 5000.0})), Some(5000.0));
        assert_eq!(extract(json!({"RESETS_AT": secs + 9.0})), Some(9000.0));
        assert_eq!(
            extract(json!({"rateLimitReset": secs + 45.0})),
            Some(45_000.0)
        );
        assert_eq!(extract(json!({"resets_at": "1779408300"})), Some(300_000.0));
        assert_eq!(
            extract(json!({"resetsAtMs": " 1779408030000 "})),
            Some(30_000.0)
        );
        assert_eq!(
            extract(json!({"reset_at": "2026-05-22T00:10:00.000Z"})),
            Some(600_000.0)
        );
        assert_eq!(
            extract(json!({"resetAt": "Fri, 22 May 2026 00:02:00 GMT"})),
            Some(120_000.0)
        );
        assert_eq!(extract(json!({"resets_at": secs + 1.5})), Some(1500.0));
        assert_eq!(extract(json!({"resets_at": secs + 7200.0})), Some(MAX));
        assert_eq!(
            extract_provider_reset_cooldown_ms(
                &json!({"resets_at": secs + 7200.0}),
                NOW,
                600_000.0
            ),
            Some(600_000.0)
        );
    }

    #[test]
    fn past_or_unreadable_reset_times_are_skipped() {
        let secs = NOW / 1000.0;
        assert_eq!(extract(json!({"resets_at": secs - 60.0})), None);
        assert_eq!(extract(json!({"resets_at": secs})), None);
        assert_eq!(extract(json!({"resets_at": "soon"})), None);
        assert_eq!(extract(json!({"resets_at": "  "})), None);
        assert_eq!(extract(json!({"resets_at": true})), None);
        assert_eq!(
            extract(
                json!({"resets_at": secs - 10.0, "reset_at": secs + 50.0, "resetat": secs + 90.0})
            ),
            Some(50_000.0)
        );
        assert_eq!(
            extract(json!({"resets_at": secs - 60.0, "retry_after_seconds": 30})),
            Some(30_000.0)
        );
    }

    #[test]
    fn a_reset_time_beats_an_earlier_duration() {
        assert_eq!(
            extract(json!({"retry_after_seconds": 5, "resets_at": NOW / 1000.0 + 100.0})),
            Some(100_000.0)
        );
    }

    #[test]
    fn duration_keys_in_seconds_and_ms() {
        assert_eq!(extract(json!({"resetsInSeconds": 90})), Some(90_000.0));
        assert_eq!(
            extract(
                json!({"status": 429, "error": {"type": "usage_limit_reached", "resets_in_seconds": 600}})
            ),
            Some(600_000.0)
        );
        assert_eq!(extract(json!({"retryAfterSeconds": "15"})), Some(15_000.0));
        assert_eq!(extract(json!({"retry_after_seconds": 2.5})), Some(2500.0));
        assert_eq!(extract(json!({"retry_after_seconds": " 7 "})), Some(7000.0));
        assert_eq!(extract(json!({"retryAfterMs": 1500})), Some(1500.0));
        assert_eq!(extract(json!({"retry_after_ms": "250.5"})), Some(250.5));
        assert_eq!(
            extract(json!({"x-ratelimit-reset-after": "12"})),
            Some(12_000.0)
        );
        assert_eq!(
            extract(json!({"headers": {"X-RateLimit-Reset-After": 3}})),
            Some(3000.0)
        );
        assert_eq!(extract(json!({"retry_after_seconds": 3600})), Some(MAX));
    }

    #[test]
    fn the_first_duration_is_final_even_when_not_positive() {
        assert_eq!(
            extract(json!({"retry_after_seconds": "-5", "retry_after_ms": 1000})),
            None
        );
        assert_eq!(
            extract(json!({"retryAfterMs": 0, "message": "try again in 5 s"})),
            None
        );
        assert_eq!(extract(json!({"retry_after": 0, "retryAfterMs": 10})), None);
        assert_eq!(
            extract(json!({"retry_after_seconds": "soon", "retry_after_ms": 700})),
            Some(700.0)
        );
        assert_eq!(
            extract(json!({"retry_after_ms": null, "retryAfterSeconds": 4})),
            Some(4000.0)
        );
        assert_eq!(
            extract(json!({"retry_after_seconds": "1e3", "retry_after_ms": 9})),
            Some(9.0)
        );
        assert_eq!(extract(json!({"retry_after_seconds": "+5"})), None);
    }

    #[test]
    fn retry_after_numbers_dates_and_sentences() {
        assert_eq!(extract(json!({"retry_after": 30})), Some(30_000.0));
        assert_eq!(extract(json!({"retryAfter": "45"})), Some(45_000.0));
        assert_eq!(extract(json!({"Retry_After": " 1.5 "})), Some(1500.0));
        assert_eq!(
            extract(json!({"retry_after": "Fri, 22 May 2026 00:05:00 GMT"})),
            Some(300_000.0)
        );
        assert_eq!(
            extract(json!({"retry_after": "Fri, 22 May 2026 00:00:00 GMT", "retry_after_ms": 800})),
            Some(800.0)
        );
        assert_eq!(
            extract(json!({"retry_after": "reset after 2m"})),
            Some(120_000.0)
        );
        assert_eq!(
            extract(json!({"retry_after": "try again in 10 seconds"})),
            Some(10_000.0)
        );
        assert_eq!(
            extract(json!({"retry_after": "later", "retry_after_ms": 800})),
            Some(800.0)
        );
        assert_eq!(extract(json!({"retry_after": "try again in 0 s"})), None);
    }

    #[test]
    fn text_of_strings_errors_and_plain_values() {
        assert_eq!(
            extract(json!("Rate limited; reset after 45s")),
            Some(45_000.0)
        );
        assert_eq!(
            extract(json!({"error": {"message": "Try again in ~7 min."}})),
            Some(420_000.0)
        );
        assert_eq!(
            extract(json!({"__pieError": true, "message": "reset after\n5s"})),
            Some(5000.0)
        );
        assert_eq!(extract(json!({"message": "reset after\n5s"})), None);
        assert_eq!(
            extract(
                json!({"__pieError": true, "message": "Too many requests", "status": 429, "retry_after_ms": 2500})
            ),
            Some(2500.0)
        );
        assert_eq!(extract(json!("nothing here")), None);
        assert_eq!(extract(Value::Null), None);
        assert_eq!(extract(json!(42)), None);
    }

    #[test]
    fn nested_keys_are_read_to_depth_four() {
        assert_eq!(
            extract(json!({"a": {"b": {"c": {"d": {"resets_in_seconds": 9}}}}})),
            Some(9000.0)
        );
        assert_eq!(
            extract(json!({"a": {"b": {"c": {"d": {"e": {"resets_in_seconds": 9}}}}}})),
            None
        );
        assert_eq!(
            extract(json!({"errors": [{"retry_after_ms": 1200}]})),
            Some(1200.0)
        );
        assert_eq!(extract(json!([[[[{"retry_after_ms": 5}]]]])), Some(5.0));
        assert_eq!(extract(json!([[[[[{"retry_after_ms": 5}]]]]])), None);
    }

    #[test]
    fn walk_order_is_depth_first_in_javascript_key_order() {
        assert_eq!(
            extract(json!({"outer": {"retry_after_ms": 100}, "retry_after_ms": 300})),
            Some(100.0)
        );
        assert_eq!(
            extract(json!({"retry_after_ms": 100, "1": {"retry_after_ms": 200}})),
            Some(200.0)
        );
    }

    #[test]
    fn plain_decimal_shape() {
        for ok in ["0", "12", "1.5", "007.250"] {
            assert!(is_plain_decimal(ok), "{ok}");
        }
        for bad in ["", ".5", "5.", "1e3", "-1", "+1", "1.2.3", " 1", "0x10"] {
            assert!(!is_plain_decimal(bad), "{bad}");
        }
    }
}
