//! `GET /usage/:requestId` (§7.1): one request's attempts with their summary, a timeline (one
//! row per attempt) and a trace (every attempt's events, with the attempt's values filled in).

use std::cmp::Ordering;

use serde_json::{json, Map, Value};

use crate::usage::query::time_of;
use crate::usage::summarize_usage_records;

type Record = Map<String, Value>;

/// `a ?? b` over optional JSON values: `null` and missing fall through.
fn either<'a>(a: Option<&'a Value>, b: Option<&'a Value>) -> Option<&'a Value> {
    a.filter(|v| !v.is_null()).or(b)
}

fn number(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

fn by_attempt_then_time(a: &Record, b: &Record) -> Ordering {
    let index = |r: &Record| number(r.get("attemptIndex")).unwrap_or(0.0);
    let time = |r: &Record| time_of(r.get("timestamp").and_then(Value::as_str));
    index(a)
        .partial_cmp(&index(b))
        .unwrap_or(Ordering::Equal)
        .then(time(a).partial_cmp(&time(b)).unwrap_or(Ordering::Equal))
}

/// A record's tokens: `usage.totalTokens ?? (inputTokens ?? 0) + (outputTokens ?? 0)`.
pub(crate) fn record_tokens(r: &Record) -> Value {
    let usage = r.get("usage").and_then(Value::as_object);
    either(usage.and_then(|u| u.get("totalTokens")), None)
        .cloned()
        .unwrap_or_else(|| {
            let n = |k| number(either(r.get(k), None)).unwrap_or(0.0);
            json!(n("inputTokens") + n("outputTokens"))
        })
}

/// A record's cost: `cost.total ?? costUsd ?? 0`.
pub(crate) fn record_cost(r: &Record) -> Value {
    let cost = r.get("cost").and_then(Value::as_object);
    either(cost.and_then(|c| c.get("total")), r.get("costUsd"))
        .filter(|v| !v.is_null())
        .cloned()
        .unwrap_or(json!(0))
}

fn timeline_row(r: &Record) -> Value {
    let mut row = Map::new();
    for key in [
        "id",
        "timestamp",
        "status",
        "endpoint",
        "clientOrigin",
        "requestedModel",
        "resolvedProvider",
        "resolvedModel",
        "connectionId",
        "attemptIndex",
        "attemptCount",
    ] {
        if let Some(v) = r.get(key) {
            row.insert(key.into(), v.clone());
        }
    }
    if let Some(v) = either(r.get("routeSource"), r.get("routingMode")) {
        row.insert("routeSource".into(), v.clone());
    }
    row.insert("tokens".into(), record_tokens(r));
    row.insert("costUsd".into(), record_cost(r));
    if let Some(v) = r.get("errorMessage") {
        row.insert("errorMessage".into(), v.clone());
    }
    Value::Object(row)
}

fn trace_events(r: &Record) -> Vec<Record> {
    let events = r
        .get("trace")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    events
        .iter()
        .enumerate()
        .map(|(i, event)| {
            let mut out = event.as_object().cloned().unwrap_or_default();
            for key in ["id", "requestId"] {
                let name = if key == "id" { "recordId" } else { key };
                if let Some(v) = r.get(key) {
                    out.insert(name.into(), v.clone());
                }
            }
            out.insert("eventIndex".into(), json!(i));
            for (key, fallback) in [
                ("attemptIndex", "attemptIndex"),
                ("status", "status"),
                ("provider", "resolvedProvider"),
                ("model", "resolvedModel"),
                ("connectionId", "connectionId"),
            ] {
                if let Some(v) = either(event.get(key), r.get(fallback)).cloned() {
                    out.insert(key.into(), v);
                }
            }
            out
        })
        .collect()
}

/// The detail response for `records` (the request's attempts, oldest first).
///
/// ```
/// use pie_storage_core::admin::usage_detail;
/// let records = serde_json::json!([
///     {"id": "u2", "requestId": "r", "attemptIndex": 1, "status": "success", "costUsd": 0.5,
///      "timestamp": "2026-01-01T00:00:01Z", "trace": [{"phase": "attempt.start", "timestamp": "2026-01-01T00:00:01Z"}]},
///     {"id": "u1", "requestId": "r", "attemptIndex": 0, "status": "error", "routingMode": "fallback",
///      "timestamp": "2026-01-01T00:00:00Z", "inputTokens": 3}]);
/// let detail = usage_detail("r", records.as_array().unwrap());
/// assert_eq!(detail["count"], 2);
/// assert_eq!(detail["timeline"][0]["id"], "u1");
/// assert_eq!(detail["timeline"][0]["tokens"], 3.0);
/// assert_eq!(detail["trace"][0]["recordId"], "u2");
/// ```
pub fn usage_detail(request_id: &str, records: &[Value]) -> Value {
    let records: Vec<Record> = records
        .iter()
        .filter_map(|r| r.as_object().cloned())
        .collect();
    let summary = summarize_usage_records(&records);
    let mut attempts: Vec<&Record> = records.iter().collect();
    attempts.sort_by(|a, b| by_attempt_then_time(a, b));
    let timeline: Vec<Value> = attempts.iter().map(|r| timeline_row(r)).collect();
    let mut trace: Vec<Record> = records.iter().flat_map(trace_events).collect();
    trace.sort_by(|a, b| {
        by_attempt_then_time(a, b).then_with(|| {
            let i = |r: &Record| number(r.get("eventIndex")).unwrap_or(0.0);
            i(a).partial_cmp(&i(b)).unwrap_or(Ordering::Equal)
        })
    });
    json!({
        "requestId": request_id,
        "count": records.len(),
        "summary": serde_json::to_value(summary).expect("a summary serializes"),
        "records": records,
        "timeline": timeline,
        "trace": trace,
    })
}
