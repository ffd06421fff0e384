//! `parseUsageRecordQuery` (§7.1): a URL's query parameters (or the CLI's flags, given as the
//! same pairs) as a usage query. Lenient as the reference: unknown enum values and bad numbers
//! drop the filter, never an error.

use serde_json::{Map, Value};

use crate::js_value::{js_trim, parse_int};

const STATUSES: [&str; 4] = ["success", "error", "aborted", "skipped"];
const ROUTING_MODES: [&str; 3] = ["fixed", "router", "fallback"];
const MAX_LIMIT: f64 = 1000.0;

/// The text filters and the parameter names each one reads, first match wins.
const TEXT_FILTERS: [(&str, &[&str]); 8] = [
    ("provider", &["provider", "resolvedProvider"]),
    ("model", &["model", "resolvedModel"]),
    ("requestId", &["requestId"]),
    ("agentRunId", &["agentRunId"]),
    ("endpoint", &["endpoint"]),
    ("clientOrigin", &["clientOrigin", "origin"]),
    ("from", &["from", "since"]),
    ("to", &["to", "until"]),
];

/// The query (a `UsageRecordQuery` object) of `params`. `default_limit` is the limit when none
/// (or a non-number) is given; `None` means the query has no limit at all (the summary route).
///
/// ```
/// use pie_storage_core::admin::parse_usage_record_query;
/// let p = |k: &str, v: &str| (k.to_owned(), v.to_owned());
/// let q = parse_usage_record_query(&[p("status", "error,bogus"), p("origin", " web "),
///     p("limit", "5000")], Some(100));
/// assert_eq!(q, serde_json::json!({"status": "error", "clientOrigin": "web", "limit": 1000}));
/// ```
pub fn parse_usage_record_query(
    params: &[(String, String)],
    default_limit: Option<usize>,
) -> Value {
    let values = |name: &str| -> Vec<String> {
        params
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(',').map(|s| js_trim(s).to_owned()))
            .filter(|s| !s.is_empty())
            .collect()
    };
    let mut query = Map::new();
    for (key, allowed) in [
        ("status", &STATUSES[..]),
        ("routingMode", &ROUTING_MODES[..]),
    ] {
        let kept: Vec<String> = values(key)
            .into_iter()
            .filter(|v| allowed.contains(&v.as_str()))
            .collect();
        match kept.len() {
            0 => {}
            1 => drop(query.insert(key.into(), Value::from(kept[0].clone()))),
            _ => drop(query.insert(key.into(), Value::from(kept))),
        }
    }
    for (key, names) in TEXT_FILTERS {
        if let Some(v) = names.iter().find_map(|n| values(n).into_iter().next()) {
            query.insert(key.into(), Value::from(v));
        }
    }
    if let Some(order) = values("order")
        .into_iter()
        .next()
        .filter(|o| o == "asc" || o == "desc")
    {
        query.insert("order".into(), Value::from(order));
    }
    if let Some(default) = default_limit {
        query.insert("limit".into(), Value::from(limit(params, default)));
    }
    Value::Object(query)
}

fn limit(params: &[(String, String)], default: usize) -> u64 {
    let raw = params
        .iter()
        .find(|(k, _)| k == "limit")
        .map(|(_, v)| v.as_str());
    let parsed = match raw {
        None | Some("") => return default as u64,
        Some(text) => parse_int(text),
    };
    if parsed.is_nan() {
        default as u64
    } else {
        parsed.clamp(0.0, MAX_LIMIT) as u64
    }
}
