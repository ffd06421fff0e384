//! `recordUsage` input validation against the declared `UsageRecord` types.
//!
//! The reference writes whatever it is given; a typo there poisons every later summary. We
//! reject a record that does not match the declared types, naming the field path (never the
//! value: it may be a secret), and write nothing.

use serde_json::{Map, Value};

use super::record::{RoutingMode, UsageRecordStatus, PRICING_SOURCES};
use crate::error::{Error, ErrorCode, Result};

/// Validates a record given as JSON text (what the JavaScript hosts send) and returns the object.
pub fn validate_usage_record_json(text: &str) -> Result<Map<String, Value>> {
    let value = crate::json::parse(text).map_err(|e| {
        Error::new(
            ErrorCode::InvalidJson,
            format!("usage record is not valid JSON: {e}"),
        )
    })?;
    validate_usage_record(&value)?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(invalid("", "must be an object")),
    }
}

/// Checks required fields, enums, finite non-negative amounts and a parseable timestamp.
pub fn validate_usage_record(value: &Value) -> Result<()> {
    let record = value
        .as_object()
        .ok_or_else(|| invalid("", "must be an object"))?;
    let r = Fields {
        map: record,
        prefix: "",
    };
    for key in [
        "id",
        "requestId",
        "requestedModel",
        "resolvedProvider",
        "resolvedModel",
    ] {
        r.required_string(key)?;
    }
    r.required_timestamp("timestamp")?;
    r.required_enum("routingMode", &RoutingMode::ALL)?;
    r.optional_enum("routeSource", &RoutingMode::ALL)?;
    r.required_enum("status", &UsageRecordStatus::ALL)?;
    r.required_amount("attemptIndex")?;
    r.required_amount("attemptCount")?;
    for key in [
        "connectionId",
        "endpoint",
        "clientOrigin",
        "apiKeyId",
        "agentRunId",
        "errorMessage",
    ] {
        r.optional_string(key)?;
    }
    for key in ["inputTokens", "outputTokens", "costUsd"] {
        r.optional_amount(key)?;
    }
    if let Some(code) = record.get("errorCode") {
        if !(code.is_string() || is_finite_number(code)) {
            return Err(invalid("errorCode", "must be a string or a finite number"));
        }
    }
    if let Some(usage) = r.optional_object("usage")? {
        validate_tokens(&usage)?;
    }
    if let Some(cost) = r.optional_object("cost")? {
        validate_cost(&cost)?;
    }
    if let Some(media) = r.optional_object("media")? {
        validate_media(&media)?;
    }
    if let Some(saver) = r.optional_object("tokenSaver")? {
        validate_token_saver(&saver)?;
    }
    if let Some(trace) = record.get("trace") {
        validate_trace(trace)?;
    }
    Ok(())
}

fn validate_tokens(u: &Fields) -> Result<()> {
    for key in ["input", "output", "cacheRead", "cacheWrite", "totalTokens"] {
        u.required_amount(key)?;
    }
    u.optional_amount("reasoning")?;
    u.optional_bool("estimated")
}

fn validate_cost(c: &Fields) -> Result<()> {
    for key in ["input", "output", "cacheRead", "cacheWrite", "total"] {
        c.required_amount(key)?;
    }
    c.optional_amount("reasoning")?;
    c.required_enum("currency", &["USD"])?;
    c.required_enum("pricingSource", &PRICING_SOURCES)
}

fn validate_media(m: &Fields) -> Result<()> {
    m.required_string("kind")?;
    for key in [
        "inputBytes",
        "outputBytes",
        "inputChars",
        "audioSeconds",
        "billableSeconds",
        "billableTokens",
    ] {
        m.optional_amount(key)?;
    }
    m.optional_string("billingUnit")?;
    m.optional_string("pricingVersion")?;
    m.optional_bool("cached")?;
    m.optional_bool("estimated")
}

fn validate_token_saver(t: &Fields) -> Result<()> {
    t.required_string("provider")?;
    for key in ["bytesBefore", "bytesAfter", "bytesSaved", "hits"] {
        t.required_amount(key)?;
    }
    let filters = t
        .map
        .get("filters")
        .ok_or_else(|| t.err("filters", "is required"))?;
    let list = filters
        .as_array()
        .ok_or_else(|| t.err("filters", "must be an array of strings"))?;
    match list.iter().position(|f| !f.is_string()) {
        Some(i) => Err(t.err(&format!("filters[{i}]"), "must be a string")),
        None => Ok(()),
    }
}

fn validate_trace(trace: &Value) -> Result<()> {
    let events = trace
        .as_array()
        .ok_or_else(|| invalid("trace", "must be an array"))?;
    for (i, event) in events.iter().enumerate() {
        let prefix = format!("trace[{i}].");
        let map = event
            .as_object()
            .ok_or_else(|| invalid(&format!("trace[{i}]"), "must be an object"))?;
        let e = Fields {
            map,
            prefix: &prefix,
        };
        e.required_string("timestamp")?;
        e.required_string("phase")?;
        for key in ["message", "provider", "model", "connectionId", "status"] {
            e.optional_string(key)?;
        }
        e.optional_amount("attemptIndex")?;
        e.optional_object("metadata")?;
    }
    Ok(())
}

/// The fields of one object under validation, with the path prefix used in errors.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: &'a str,
}

impl<'a> Fields<'a> {
    fn err(&self, key: &str, what: &str) -> Error {
        invalid(&format!("{}{}", self.prefix, key), what)
    }

    fn required(&self, key: &str) -> Result<&'a Value> {
        self.map
            .get(key)
            .ok_or_else(|| self.err(key, "is required"))
    }

    fn required_string(&self, key: &str) -> Result<()> {
        match self.required(key)? {
            Value::String(_) => Ok(()),
            _ => Err(self.err(key, "must be a string")),
        }
    }

    fn optional_string(&self, key: &str) -> Result<()> {
        match self.map.get(key) {
            None | Some(Value::String(_)) => Ok(()),
            Some(_) => Err(self.err(key, "must be a string")),
        }
    }

    fn optional_bool(&self, key: &str) -> Result<()> {
        match self.map.get(key) {
            None | Some(Value::Bool(_)) => Ok(()),
            Some(_) => Err(self.err(key, "must be a boolean")),
        }
    }

    fn required_enum(&self, key: &str, allowed: &[&str]) -> Result<()> {
        match self.required(key)? {
            Value::String(s) if allowed.contains(&s.as_str()) => Ok(()),
            _ => Err(self.err(key, &format!("must be one of {}", quoted(allowed)))),
        }
    }

    fn optional_enum(&self, key: &str, allowed: &[&str]) -> Result<()> {
        match self.map.get(key) {
            None => Ok(()),
            Some(_) => self.required_enum(key, allowed),
        }
    }

    fn required_amount(&self, key: &str) -> Result<()> {
        if is_amount(self.required(key)?) {
            Ok(())
        } else {
            Err(self.err(key, "must be a finite non-negative number"))
        }
    }

    fn optional_amount(&self, key: &str) -> Result<()> {
        match self.map.get(key) {
            None => Ok(()),
            Some(_) => self.required_amount(key),
        }
    }

    fn required_timestamp(&self, key: &str) -> Result<()> {
        match self.required(key)? {
            Value::String(s) if crate::time::parse_js_date(s).is_some() => Ok(()),
            _ => Err(self.err(key, "must be a parseable date string (ISO 8601)")),
        }
    }

    fn optional_object(&self, key: &str) -> Result<Option<Fields<'a>>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Fields {
                map,
                prefix: nested_prefix(self.prefix, key),
            })),
            Some(_) => Err(self.err(key, "must be an object")),
        }
    }
}

/// Nested prefixes are only ever one level deep ("usage.", "cost.", ...); the known keys are
/// static, so map them without allocating a prefix that would outlive the borrow.
fn nested_prefix(parent: &str, key: &str) -> &'static str {
    match (parent, key) {
        ("", "usage") => "usage.",
        ("", "cost") => "cost.",
        ("", "media") => "media.",
        ("", "tokenSaver") => "tokenSaver.",
        _ => "",
    }
}

fn is_finite_number(v: &Value) -> bool {
    v.as_f64().is_some_and(f64::is_finite)
}

fn is_amount(v: &Value) -> bool {
    v.as_f64().is_some_and(|n| n.is_finite() && n >= 0.0)
}

fn quoted(allowed: &[&str]) -> String {
    allowed
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn invalid(path: &str, what: &str) -> Error {
    let shown = if path.is_empty() { "record" } else { path };
    Error::new(ErrorCode::InvalidUsageRecord, format!("{shown} {what}")).with_field(shown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "id": "usage_1", "requestId": "request_1", "timestamp": "2026-05-22T00:00:00.000Z",
            "requestedModel": "openai/gpt-5.4", "routingMode": "fixed",
            "resolvedProvider": "openai", "resolvedModel": "gpt-5.4",
            "attemptIndex": 0, "attemptCount": 1, "status": "success",
            "usage": {"input": 1, "output": 2, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 3},
            "cost": {"input": 0.1, "output": 0.2, "cacheRead": 0, "cacheWrite": 0, "total": 0.3,
                     "currency": "USD", "pricingSource": "pie-metadata"},
            "trace": [{"timestamp": "2026-05-22T00:00:00.000Z", "phase": "attempt.start"}],
            "somethingNew": {"kept": true}
        })
    }

    fn path_of(v: &Value) -> Option<String> {
        validate_usage_record(v)
            .err()
            .and_then(|e| e.field_path().map(str::to_owned))
    }

    #[test]
    fn accepts_a_valid_record() {
        assert!(validate_usage_record(&valid()).is_ok());
    }

    #[test]
    fn names_the_failing_field() {
        let mut v = valid();
        v["usage"]["input"] = json!(-1);
        assert_eq!(path_of(&v).as_deref(), Some("usage.input"));
        let mut v = valid();
        v["status"] = json!("weird");
        assert_eq!(path_of(&v).as_deref(), Some("status"));
        let mut v = valid();
        v["timestamp"] = json!("yesterday");
        assert_eq!(path_of(&v).as_deref(), Some("timestamp"));
        let mut v = valid();
        v["trace"][0]["phase"] = json!(1);
        assert_eq!(path_of(&v).as_deref(), Some("trace[0].phase"));
        let mut v = valid();
        v.as_object_mut().unwrap().remove("resolvedModel");
        assert_eq!(path_of(&v).as_deref(), Some("resolvedModel"));
    }

    #[test]
    fn messages_never_echo_values() {
        let mut v = valid();
        v["apiKeyId"] = json!({"secret": "sk-live-123"});
        let err = validate_usage_record(&v).unwrap_err();
        assert!(!err.message.contains("sk-live"));
        assert_eq!(err.code, ErrorCode::InvalidUsageRecord);
    }
}
