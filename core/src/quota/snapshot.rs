//! The quota snapshot rule (§6.7 step 3): from one fetched quota result (9router §7.7 shape)
//! derive the `pieLabQuotaSelection` object selection reads (§6.2), with JavaScript's number
//! semantics kept exactly (strings coerce, a missing `total` gives NaN, NaN propagates through
//! `Math.min` and is written as `null`).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::connections::Object;
use crate::js_value::{number_value, to_number};
use crate::secrets::redact_text;

/// The snapshot's `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuotaStatus {
    /// Every window has quota left (`score > 0`, or NaN: JavaScript's `NaN <= 0` is false).
    Available,
    /// Some window is used up (`score <= 0`).
    Depleted,
    /// The fetch gave no windows.
    Unknown,
    /// The fetch threw.
    Error,
}

/// `providerSpecificData.pieLabQuotaSelection`, in the key order written.
#[derive(Clone, Debug, PartialEq)]
pub struct QuotaSelection {
    /// When the quota was fetched (ISO time).
    pub checked_at: String,
    /// Available, depleted, unknown or error.
    pub status: QuotaStatus,
    /// The minimum window score in [0, 1]; NaN when a window's numbers are not numbers.
    pub score: f64,
    /// `round(score · 10000) / 100`; `None` for unknown and error snapshots (and NaN).
    pub remaining_percentage: Option<f64>,
    /// The earliest non-empty reset time among the windows.
    pub reset_at: Option<String>,
    /// The result's message (redacted), or the error's.
    pub message: Option<String>,
}

impl QuotaSelection {
    /// The snapshot of a fetch that threw: score 0, no percentage, the message redacted.
    pub fn error(checked_at: &str, message: &str) -> Self {
        QuotaSelection {
            checked_at: checked_at.into(),
            status: QuotaStatus::Error,
            score: 0.0,
            remaining_percentage: None,
            reset_at: None,
            message: Some(redact_text(message).into_owned()),
        }
    }

    /// The JSON object written to the connection (NaN written as `null`, as `JSON.stringify`).
    pub fn to_value(&self) -> Value {
        let mut o = Map::new();
        o.insert("checkedAt".into(), Value::from(self.checked_at.clone()));
        o.insert(
            "status".into(),
            serde_json::to_value(self.status).expect("status"),
        );
        o.insert("score".into(), number_value(self.score));
        let pct = self.remaining_percentage.map_or(Value::Null, number_value);
        o.insert("remainingPercentage".into(), pct);
        o.insert(
            "resetAt".into(),
            self.reset_at.clone().map_or(Value::Null, Value::from),
        );
        o.insert(
            "message".into(),
            self.message.clone().map_or(Value::Null, Value::from),
        );
        Value::Object(o)
    }
}

/// The windows of a result: `quotas` as an object (name → window, in JavaScript key order) or
/// an array of windows with `name`, or the result itself as such an array.
pub(crate) fn raw_windows(result: &Value) -> Vec<(String, &Object)> {
    let quotas = match result {
        Value::Array(_) => result,
        Value::Object(o) => o.get("quotas").unwrap_or(&Value::Null),
        _ => &Value::Null,
    };
    match quotas {
        Value::Object(map) => crate::json::js_key_order(map)
            .filter_map(|(k, v)| Some((k.clone(), v.as_object()?)))
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_object)
            .map(|w| (window_name(w), w))
            .collect(),
        _ => Vec::new(),
    }
}

fn window_name(w: &Object) -> String {
    match w.get("name") {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

/// `Math.min(1, Math.max(0, x))`: NaN stays NaN.
fn clamp01(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else {
        x.clamp(0.0, 1.0)
    }
}

/// One window's score: `unlimited === true` → 1; a present (non-null) `remainingPercentage`
/// → `Number(it)/100`; else `Number(remaining)/Number(total)` (missing reads as NaN); clamped.
pub(crate) fn window_score(w: &Object) -> f64 {
    if w.get("unlimited") == Some(&Value::Bool(true)) {
        return 1.0;
    }
    let num = |key: &str| w.get(key).map_or(f64::NAN, to_number);
    match w.get("remainingPercentage") {
        Some(v) if !v.is_null() => clamp01(to_number(v) / 100.0),
        _ => clamp01(num("remaining") / num("total")),
    }
}

/// `Math.min` over the scores: NaN as soon as one is NaN.
fn js_min(scores: impl Iterator<Item = f64>) -> f64 {
    scores.fold(f64::INFINITY, |a, b| {
        if a.is_nan() || b.is_nan() {
            f64::NAN
        } else {
            a.min(b)
        }
    })
}

/// JavaScript's `<` on strings: UTF-16 code units.
fn js_str_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// The result's `message` when it is a string, redacted.
pub(crate) fn result_message(result: &Value) -> Option<String> {
    let m = result.get("message")?.as_str()?;
    Some(redact_text(m).into_owned())
}

/// The snapshot of a fetched result (§6.7 step 3).
///
/// ```
/// use pie_storage_core::quota::{derive_quota_selection, QuotaStatus};
/// use serde_json::json;
/// let result = json!({"quotas": {"session": {"used": 30, "total": 100, "remaining": 70, "resetAt": "2026-01-01T05:00:00Z"},
///                                "weekly": {"remainingPercentage": 40, "resetAt": "2026-01-07T00:00:00Z"}}});
/// let s = derive_quota_selection(&result, "2026-01-01T00:00:00.000Z");
/// assert_eq!((s.status, s.score, s.remaining_percentage), (QuotaStatus::Available, 0.4, Some(40.0)));
/// assert_eq!(s.reset_at.as_deref(), Some("2026-01-01T05:00:00Z"));
/// ```
pub fn derive_quota_selection(result: &Value, checked_at: &str) -> QuotaSelection {
    let windows = raw_windows(result);
    let message = result_message(result);
    if windows.is_empty() {
        return QuotaSelection {
            checked_at: checked_at.into(),
            status: QuotaStatus::Unknown,
            score: 0.0,
            remaining_percentage: None,
            reset_at: None,
            message,
        };
    }
    let score = js_min(windows.iter().map(|(_, w)| window_score(w)));
    let pct = js_round(score * 10000.0) / 100.0;
    let reset_at = windows
        .iter()
        .filter_map(|(_, w)| w.get("resetAt")?.as_str())
        .filter(|s| !s.is_empty())
        .min_by(|a, b| js_str_cmp(a, b))
        .map(str::to_owned);
    QuotaSelection {
        checked_at: checked_at.into(),
        status: if score <= 0.0 {
            QuotaStatus::Depleted
        } else {
            QuotaStatus::Available
        },
        score,
        remaining_percentage: (!pct.is_nan()).then_some(pct),
        reset_at,
        message,
    }
}

/// `Math.round` for the small values here: halves round up (towards +∞), unlike Rust's
/// `round`; NaN stays NaN.
fn js_round(x: f64) -> f64 {
    (x + 0.5).floor()
}
