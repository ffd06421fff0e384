//! `formatRetryAfter` (reference §6.2): the human form of a lock's expiry, as shown in
//! "All provider connections … are unavailable (reset after 1m 5s)".

use serde_json::Value;

use crate::js_value::to_js_string;
use crate::json::write_js_number;
use crate::time::parse_js_date;

/// Largest magnitude of a JS time value.
const MAX_TIME_MS: f64 = 8.64e15;

/// `formatRetryAfter(iso)` with the clock at `now`:
/// * `""` for `None` or `""` (falsy);
/// * `"reset after 0s"` when the time is not after `now`;
/// * otherwise, with `s = ceil((t − now) / 1000)`, `"reset after "` and the non-zero parts of
///   `Nh`, `Nm`, `Ns` joined by spaces, seconds also shown when they are the only part.
///
/// An unparseable date is NaN in JS, which is not `<= 0`, and every part is then NaN; NaN is
/// not `> 0`, so the result is `"reset after NaNs"`, as in the reference.
pub fn format_retry_after(iso: Option<&str>, now: f64) -> String {
    match iso {
        Some(s) if !s.is_empty() => {
            format_retry_after_time(parse_js_date(s).unwrap_or(f64::NAN), now)
        }
        _ => String::new(),
    }
}

/// The text for a time value (NaN allowed) that was given as a truthy argument.
pub(crate) fn format_retry_after_time(time: f64, now: f64) -> String {
    let diff = time - now;
    if diff <= 0.0 {
        return "reset after 0s".to_owned();
    }
    let total = (diff / 1000.0).ceil();
    let hours = (total / 3600.0).floor();
    let minutes = ((total % 3600.0) / 60.0).floor();
    let seconds = total % 60.0;
    let mut parts = Vec::with_capacity(3);
    if hours > 0.0 {
        parts.push(format!("{}h", js_number_string(hours)));
    }
    if minutes > 0.0 {
        parts.push(format!("{}m", js_number_string(minutes)));
    }
    if seconds > 0.0 || parts.is_empty() {
        parts.push(format!("{}s", js_number_string(seconds)));
    }
    format!("reset after {}", parts.join(" "))
}

/// `new Date(v).getTime()` for a JSON argument: strings are parsed, numbers and booleans are
/// time values (`TimeClip`), arrays and objects go through their string form.
pub(crate) fn date_value(v: &Value) -> f64 {
    match v {
        Value::String(s) => parse_js_date(s).unwrap_or(f64::NAN),
        Value::Number(n) => time_clip(n.as_f64().unwrap_or(f64::NAN)),
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Null => 0.0,
        Value::Array(_) | Value::Object(_) => parse_js_date(&to_js_string(v)).unwrap_or(f64::NAN),
    }
}

/// ECMAScript `TimeClip`: NaN beyond ±8.64e15, else truncated towards zero.
fn time_clip(t: f64) -> f64 {
    if !t.is_finite() || t.abs() > MAX_TIME_MS {
        f64::NAN
    } else {
        t.trunc() + 0.0
    }
}

/// `String(n)` (NaN and the infinities included, which JSON writers turn into `null`).
fn js_number_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let mut out = String::new();
    write_js_number(n, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 2026-05-22T00:00:00.000Z.
    const NOW: f64 = 1_779_408_000_000.0;

    fn after_ms(ms: f64) -> String {
        format_retry_after_time(NOW + ms, NOW)
    }

    #[test]
    fn falsy_input_is_empty() {
        assert_eq!(format_retry_after(None, NOW), "");
        assert_eq!(format_retry_after(Some(""), NOW), "");
    }

    #[test]
    fn past_and_present_are_zero_seconds() {
        assert_eq!(
            format_retry_after(Some("2026-05-21T23:59:59.000Z"), NOW),
            "reset after 0s"
        );
        assert_eq!(
            format_retry_after(Some("2026-05-22T02:00:00+02:00"), NOW),
            "reset after 0s"
        );
    }

    #[test]
    fn seconds_round_up_and_zero_parts_are_left_out() {
        let cases: &[(f64, &str)] = &[
            (1.0, "reset after 1s"),
            (1000.0, "reset after 1s"),
            (1001.0, "reset after 2s"),
            (10_000.0, "reset after 10s"),
            (59_200.0, "reset after 1m"),
            (60_000.0, "reset after 1m"),
            (61_000.0, "reset after 1m 1s"),
            (3_600_000.0, "reset after 1h"),
            (3_605_000.0, "reset after 1h 5s"),
            (3_660_000.0, "reset after 1h 1m"),
            (3_661_000.0, "reset after 1h 1m 1s"),
            (5_400_000.0, "reset after 1h 30m"),
            (86_399_999.0, "reset after 24h"),
            (90_000_000.0, "reset after 25h"),
            (0.5, "reset after 1s"),
        ];
        for (ms, want) in cases {
            assert_eq!(after_ms(*ms), *want, "{ms}");
        }
        assert_eq!(
            format_retry_after(Some("2026-05-22T00:00:30.500Z"), NOW),
            "reset after 31s"
        );
        assert_eq!(
            format_retry_after(Some("2026-05-23"), NOW),
            "reset after 24h"
        );
    }

    #[test]
    fn unparseable_dates_give_nan_seconds() {
        assert_eq!(
            format_retry_after(Some("not a date"), NOW),
            "reset after NaNs"
        );
        assert_eq!(
            format_retry_after_time(f64::INFINITY, NOW),
            "reset after Infinityh"
        );
    }

    #[test]
    fn date_values_follow_new_date() {
        assert_eq!(date_value(&json!(1.9)), 1.0);
        assert_eq!(date_value(&json!(-1.9)), -1.0);
        assert!(date_value(&json!(9e15)).is_nan());
        assert_eq!(date_value(&json!(true)), 1.0);
        assert!(date_value(&json!({})).is_nan());
        assert_eq!(date_value(&json!(["2026-05-22T00:00:00.000Z"])), NOW);
        assert_eq!(date_value(&json!("2026-05-22T00:00:00.000Z")), NOW);
    }
}
