//! The usage record types, field for field as the TypeScript package declares them.
//!
//! Stores keep records as JSON objects (`serde_json::Map`, insertion order kept) so that unknown
//! fields and key order survive a round trip byte for byte. These typed structs are the
//! convenient way for Rust embedders to build and inspect records; unknown keys land in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Result;

/// `UsageRecordStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UsageRecordStatus {
    Success,
    Error,
    Aborted,
    Skipped,
}

impl UsageRecordStatus {
    pub const ALL: [&'static str; 4] = ["success", "error", "aborted", "skipped"];
}

/// The routing mode of an attempt (`routingMode`, `routeSource`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoutingMode {
    Fixed,
    Router,
    Fallback,
}

impl RoutingMode {
    /// The strings a record may hold, in declaration order.
    pub const ALL: [&'static str; 3] = [
        RoutingMode::Fixed.as_str(),
        RoutingMode::Router.as_str(),
        RoutingMode::Fallback.as_str(),
    ];

    /// The string written in usage records and route plans (the serde name).
    pub const fn as_str(self) -> &'static str {
        match self {
            RoutingMode::Fixed => "fixed",
            RoutingMode::Router => "router",
            RoutingMode::Fallback => "fallback",
        }
    }
}

/// `UsagePricingSource`.
pub const PRICING_SOURCES: [&str; 5] = [
    "pie-metadata",
    "override",
    "provider",
    "estimated",
    "unknown",
];

/// `UsageTokens`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageTokens {
    pub input: f64,
    pub output: f64,
    pub cache_read: f64,
    pub cache_write: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<f64>,
    pub total_tokens: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated: Option<bool>,
}

/// `UsageCost`. `currency` is always `"USD"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageCost {
    pub input: f64,
    pub output: f64,
    pub cache_read: f64,
    pub cache_write: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<f64>,
    pub total: f64,
    pub currency: String,
    /// One of [`PRICING_SOURCES`].
    pub pricing_source: String,
}

/// `UsageMedia` (speech, embeddings, web tools, images).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageMedia {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_bytes: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_bytes: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_chars: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billable_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billable_tokens: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_version: Option<String>,
}

/// `UsageTokenSaver` (RTK output compression).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageTokenSaver {
    pub provider: String,
    pub bytes_before: f64,
    pub bytes_after: f64,
    pub bytes_saved: f64,
    pub hits: f64,
    pub filters: Vec<String>,
}

/// `UsageTraceEvent`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageTraceEvent {
    pub timestamp: String,
    pub phase: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_index: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

/// `errorCode`: an HTTP status or a symbolic code such as `"budget_limit_exceeded"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorCodeValue {
    Number(f64),
    Text(String),
}

/// `UsageRecord`: one routed attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRecord {
    pub id: String,
    pub request_id: String,
    pub timestamp: String,
    pub requested_model: String,
    pub routing_mode: RoutingMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_source: Option<RoutingMode>,
    pub resolved_provider: String,
    pub resolved_model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    pub attempt_index: f64,
    pub attempt_count: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<UsageTokens>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<UsageCost>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<UsageMedia>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_saver: Option<UsageTokenSaver>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    pub status: UsageRecordStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<ErrorCodeValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<UsageTraceEvent>>,
    /// Keys this version does not know, in their original order.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl UsageRecord {
    /// The record as the JSON object a store keeps (declared fields first, then `extra`).
    pub fn to_object(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            // A struct of plain fields always serializes to an object.
            _ => Map::new(),
        }
    }

    /// Validates a stored object and converts it to the typed form.
    pub fn from_object(object: &Map<String, Value>) -> Result<Self> {
        let value = Value::Object(object.clone());
        crate::usage::validate::validate_usage_record(&value)?;
        // serde's message may quote the offending value, which can be a secret: keep it out.
        serde_json::from_value(value).map_err(|_| {
            crate::error::Error::new(
                crate::error::ErrorCode::InvalidUsageRecord,
                "record does not match the UsageRecord type",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::RoutingMode;

    #[test]
    fn routing_mode_strings_are_the_serde_names() {
        for mode in [
            RoutingMode::Fixed,
            RoutingMode::Router,
            RoutingMode::Fallback,
        ] {
            assert_eq!(serde_json::to_value(mode).unwrap(), mode.as_str());
        }
    }
}
