//! One request-details record: its shape, checked before anything is written, and the form in
//! which it is written (redacted, truncated, stamped).
//!
//! `{id, requestId, provider, model, connectionId, attemptIndex, timestamp, status,
//! latency {ttft, total}, tokens, request, providerRequest, providerResponse, response}`;
//! unknown keys are kept (room for what 9router records), in the caller's key order. A record
//! without an `id` takes its attempt's own, `<requestId>:<attemptIndex>` ([`attempt_id`]).

use serde_json::{Map, Value};

use super::config::RequestDetailsConfig;
use super::redact::redact_request_detail;
use super::truncate::truncate_field;
use crate::error::{Error, ErrorCode, Result};

/// The payload fields truncation applies to (9router's four).
pub const PAYLOAD_FIELDS: [&str; 4] =
    ["request", "providerRequest", "providerResponse", "response"];

/// The text fields reads filter on.
pub(crate) const TEXT_FIELDS: [&str; 5] =
    ["requestId", "provider", "model", "connectionId", "status"];

fn invalid(field: &str, rule: &str) -> Error {
    Error::new(
        ErrorCode::InvalidRequestDetail,
        format!("request detail {field} must be {rule}"),
    )
    .with_field(field)
}

fn absent(v: Option<&Value>) -> bool {
    v.is_none_or(Value::is_null)
}

fn non_negative(v: &Value) -> bool {
    v.as_f64().is_some_and(|n| n.is_finite() && n >= 0.0)
}

/// The id of a record that names none: `<requestId>:<attemptIndex>` (attempt 0 when absent).
/// It is derived from the attempt itself, so the start and the end of a streaming attempt
/// written without an id still land on one row (9router drew a new random id per write and
/// left a 0-token orphan); `None` without a non-empty `requestId`.
pub fn attempt_id(record: &Map<String, Value>) -> Option<String> {
    let request = record
        .get("requestId")?
        .as_str()
        .filter(|s| !s.is_empty())?;
    let attempt = match record.get("attemptIndex") {
        None | Some(Value::Null) => "0".to_owned(),
        Some(v) => crate::json::to_js_string(v),
    };
    Some(format!("{request}:{attempt}"))
}

/// Checks the declared types: `id` a non-empty string; the text fields strings (or absent);
/// `timestamp` a date string `Date.parse` accepts (or absent); `attemptIndex` a non-negative
/// integer; `latency` an object of non-negative `ttft`/`total`; `tokens` an object.
pub fn validate_request_detail(record: &Map<String, Value>) -> Result<()> {
    if record
        .get("id")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(invalid(
            "id",
            "a non-empty string (or left out with a requestId)",
        ));
    }
    for field in TEXT_FIELDS {
        let v = record.get(field);
        if !(absent(v) || v.is_some_and(Value::is_string)) {
            return Err(invalid(field, "a string"));
        }
    }
    match record.get("timestamp") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if crate::time::parse_js_date(s).is_some() => {}
        Some(_) => return Err(invalid("timestamp", "an ISO date string")),
    }
    let index = record.get("attemptIndex");
    if !(absent(index)
        || index.is_some_and(|v| non_negative(v) && v.as_f64() == v.as_f64().map(f64::trunc)))
    {
        return Err(invalid("attemptIndex", "a non-negative integer"));
    }
    match record.get("latency") {
        None | Some(Value::Null) => {}
        Some(Value::Object(latency)) => {
            for key in ["ttft", "total"] {
                let v = latency.get(key);
                if !(absent(v) || v.is_some_and(non_negative)) {
                    return Err(invalid(
                        &format!("latency.{key}"),
                        "a non-negative number of ms",
                    ));
                }
            }
        }
        Some(_) => return Err(invalid("latency", "an object")),
    }
    let tokens = record.get("tokens");
    if !(absent(tokens) || tokens.is_some_and(Value::is_object)) {
        return Err(invalid("tokens", "an object"));
    }
    Ok(())
}

/// The record as it is written: its `id` taken from the attempt when missing ([`attempt_id`]),
/// validated, `timestamp` set to `now_ms` when missing, every
/// credential redacted, then each payload field larger than `maxFieldSize` truncated (so a
/// preview never shows a secret).
///
/// ```
/// use pie_storage_core::details::{prepare_request_detail, RequestDetailsConfig};
/// use serde_json::json;
///
/// let config = RequestDetailsConfig { max_field_size: 20, ..Default::default() };
/// let detail = json!({"id": "d1", "request": {"messages": ["a long enough prompt"]}});
/// let written = prepare_request_detail(detail.as_object().unwrap(), 0.0, &config)?;
/// assert_eq!(written["timestamp"], "1970-01-01T00:00:00.000Z");
/// assert_eq!(written["request"]["_truncated"], true);
/// let bad = json!({"id": "d2", "latency": {"total": "slow"}});
/// let err = prepare_request_detail(bad.as_object().unwrap(), 0.0, &config).unwrap_err();
/// assert_eq!(err.code.as_str(), "PIE_INVALID_REQUEST_DETAIL");
/// # Ok::<(), pie_storage_core::Error>(())
/// ```
pub fn prepare_request_detail(
    record: &Map<String, Value>,
    now_ms: f64,
    config: &RequestDetailsConfig,
) -> Result<Map<String, Value>> {
    let mut out = record.clone();
    if absent(out.get("id")) {
        if let Some(id) = attempt_id(record) {
            out.shift_insert(0, "id".into(), Value::String(id));
        }
    }
    validate_request_detail(&out)?;
    if absent(out.get("timestamp")) {
        let iso = crate::time::to_iso_string(now_ms)
            .ok_or_else(|| Error::storage("the clock is out of range"))?;
        out.insert("timestamp".into(), Value::String(iso));
    }
    redact_request_detail(&mut out);
    for field in PAYLOAD_FIELDS {
        if let Some(value) = out.get_mut(field) {
            if let Some(marker) = truncate_field(value, config.max_field_size) {
                *value = marker;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(v: Value) -> Result<()> {
        validate_request_detail(v.as_object().unwrap())
    }

    #[test]
    fn declared_types_are_checked() {
        assert!(
            check(json!({"id": "a", "status": "success", "latency": {"ttft": 1, "total": 2}}))
                .is_ok()
        );
        let field = |v: Value| check(v).unwrap_err().field_path().map(str::to_owned);
        assert_eq!(field(json!({"id": ""})).as_deref(), Some("id"));
        assert_eq!(
            field(json!({"id": "a", "provider": 3})).as_deref(),
            Some("provider")
        );
        assert_eq!(
            field(json!({"id": "a", "timestamp": "soon"})).as_deref(),
            Some("timestamp")
        );
        assert_eq!(
            field(json!({"id": "a", "attemptIndex": 1.5})).as_deref(),
            Some("attemptIndex")
        );
        assert_eq!(
            field(json!({"id": "a", "latency": {"total": -1}})).as_deref(),
            Some("latency.total")
        );
        assert_eq!(
            field(json!({"id": "a", "tokens": 3})).as_deref(),
            Some("tokens")
        );
        let e = check(json!({"id": 1})).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidRequestDetail);
    }

    #[test]
    fn prepared_records_are_stamped_and_keep_unknown_keys_in_order() {
        let r = json!({"zeta": 1, "id": "a", "alpha": 2});
        let out = prepare_request_detail(r.as_object().unwrap(), 0.0, &Default::default()).unwrap();
        let keys: Vec<_> = out.keys().cloned().collect();
        assert_eq!(keys, ["zeta", "id", "alpha", "timestamp"]);
        assert_eq!(out["timestamp"], "1970-01-01T00:00:00.000Z");
    }
}
