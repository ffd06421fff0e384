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
    /// The provider answered.
    Success,
    /// The attempt failed (the next route may be tried).
    Error,
    /// The client went away before the answer.
    Aborted,
    /// Not sent (budget, cooldown).
    Skipped,
}

impl UsageRecordStatus {
    /// The wire strings, in declaration order: what validation accepts.
    pub const ALL: [&'static str; 4] = ["success", "error", "aborted", "skipped"];
}

/// The routing mode of an attempt (`routingMode`, `routeSource`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoutingMode {
    /// The caller named the provider and model.
    Fixed,
    /// The router picked the account.
    Router,
    /// A fallback route after a failed attempt.
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
    /// Prompt tokens not read from the cache.
    pub input: f64,
    /// Completion tokens.
    pub output: f64,
    /// Prompt tokens served from the provider's cache.
    pub cache_read: f64,
    /// Prompt tokens written to the provider's cache.
    pub cache_write: f64,
    /// Reasoning tokens, when the provider reports them apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<f64>,
    /// As the provider reports it (not recomputed: providers count differently).
    pub total_tokens: f64,
    /// Counted locally because the provider reported nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated: Option<bool>,
}

/// `UsageCost`. `currency` is always `"USD"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageCost {
    /// USD for [`UsageTokens::input`].
    pub input: f64,
    /// USD for [`UsageTokens::output`].
    pub output: f64,
    /// USD for [`UsageTokens::cache_read`].
    pub cache_read: f64,
    /// USD for [`UsageTokens::cache_write`].
    pub cache_write: f64,
    /// USD for [`UsageTokens::reasoning`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<f64>,
    /// USD for the attempt: what summaries add up.
    pub total: f64,
    /// Always `"USD"` (validation rejects anything else).
    pub currency: String,
    /// One of [`PRICING_SOURCES`].
    pub pricing_source: String,
}

/// `UsageMedia` (speech, embeddings, web tools, images).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageMedia {
    /// What was billed (`"speech"`, `"embedding"`, `"image"`, ...).
    pub kind: String,
    /// Bytes sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_bytes: Option<f64>,
    /// Bytes received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_bytes: Option<f64>,
    /// Characters sent (text-to-speech bills by character).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_chars: Option<f64>,
    /// Length of the audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_seconds: Option<f64>,
    /// Seconds the provider bills (may round up [`audio_seconds`](Self::audio_seconds)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billable_seconds: Option<f64>,
    /// Tokens the provider bills for media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billable_tokens: Option<f64>,
    /// The unit the price is quoted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_unit: Option<String>,
    /// Served from a cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached: Option<bool>,
    /// Measured locally because the provider reported nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated: Option<bool>,
    /// Which price table priced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_version: Option<String>,
}

/// `UsageTokenSaver` (RTK output compression).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageTokenSaver {
    /// The compressor that ran.
    pub provider: String,
    /// Tool output before compression.
    pub bytes_before: f64,
    /// Tool output after compression.
    pub bytes_after: f64,
    /// `bytes_before - bytes_after`, as the compressor reports it.
    pub bytes_saved: f64,
    /// How many outputs were compressed.
    pub hits: f64,
    /// The filters that fired.
    pub filters: Vec<String>,
}

/// `UsageTraceEvent`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageTraceEvent {
    /// When, as an ISO 8601 string.
    pub timestamp: String,
    /// The step (`"attempt.start"`, `"attempt.error"`, ...).
    pub phase: String,
    /// Free text; must not hold secrets (it is shown in the dashboard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The provider of the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The model of the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The account of the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// Which attempt of the request, from 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_index: Option<f64>,
    /// The step's outcome, free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Anything else the router recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

/// `errorCode`: an HTTP status or a symbolic code such as `"budget_limit_exceeded"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorCodeValue {
    /// An HTTP status.
    Number(f64),
    /// A symbolic code.
    Text(String),
}

/// `UsageRecord`: one routed attempt.
///
/// Build one with [`UsageRecord::new`] and struct update syntax for the optional parts:
///
/// ```
/// use pie_storage_core::usage::{UsageRecord, UsageRecordStatus, UsageTokens};
///
/// let record = UsageRecord {
///     status: UsageRecordStatus::Error,
///     error_message: Some("rate limited".into()),
///     usage: Some(UsageTokens { input: 1200.0, output: 0.0, total_tokens: 1200.0, ..Default::default() }),
///     cost_usd: Some(0.0036),
///     ..UsageRecord::new("usage_1", "req_1", "2026-05-22T00:00:00.000Z", "anthropic", "claude-sonnet-4")
/// };
/// assert_eq!(record.requested_model, "claude-sonnet-4");
/// pie_storage_core::usage::validate_usage_record(&record.to_object().into())?;
/// # Ok::<(), pie_storage_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRecord {
    /// Unique per attempt (`create_usage_record_id("usage")`).
    pub id: String,
    /// Shared by every attempt of one client request.
    pub request_id: String,
    /// When the attempt started, as an ISO 8601 string: queries sort and bound by it.
    pub timestamp: String,
    /// The model the client asked for (a combo name, an alias, or a model).
    pub requested_model: String,
    /// How the route was chosen.
    pub routing_mode: RoutingMode,
    /// How this particular route was reached, when it differs from `routing_mode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_source: Option<RoutingMode>,
    /// The provider that served (or refused) the attempt: `byProvider` groups by it.
    pub resolved_provider: String,
    /// The model actually called: `byModel` groups by it.
    pub resolved_model: String,
    /// The provider account used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// Which attempt of the request, from 0.
    pub attempt_index: f64,
    /// How many attempts the request made in all.
    pub attempt_count: f64,
    /// The server route (`/v1/chat/completions`): `byEndpoint` groups by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Who called (a client name or origin): `byClientOrigin` groups by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_origin: Option<String>,
    /// The id (never the value) of the server API key the client used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<String>,
    /// The agent run the request belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_run_id: Option<String>,
    /// Token counts; summaries prefer these over the flat `input_tokens`/`output_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<UsageTokens>,
    /// Priced cost; summaries prefer `cost.total` over `cost_usd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<UsageCost>,
    /// Non-token billing (speech, embeddings, web tools, images).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<UsageMedia>,
    /// What output compression saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_saver: Option<UsageTokenSaver>,
    /// Legacy flat input count, used when `usage` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<f64>,
    /// Legacy flat output count, used when `usage` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<f64>,
    /// Legacy flat cost in USD, used when `cost` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// The attempt's outcome.
    pub status: UsageRecordStatus,
    /// Why it failed: an HTTP status or a symbolic code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<ErrorCodeValue>,
    /// Why it failed, in words; must not hold secrets (it is shown in the dashboard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The steps of the attempt, for debugging a route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<UsageTraceEvent>>,
    /// Keys this version does not know, in their original order.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl UsageRecord {
    /// A successful, fixed-route, single attempt (`attempt_index` 0 of 1) of `provider`/`model`,
    /// which is also the requested model; every optional part is absent. Change the rest with
    /// struct update syntax (`UsageRecord { status, ..UsageRecord::new(...) }`).
    pub fn new(
        id: impl Into<String>,
        request_id: impl Into<String>,
        timestamp: impl Into<String>,
        provider: impl Into<String>,
        model: impl Into<String>,
    ) -> Self {
        let model = model.into();
        UsageRecord {
            id: id.into(),
            request_id: request_id.into(),
            timestamp: timestamp.into(),
            requested_model: model.clone(),
            routing_mode: RoutingMode::Fixed,
            route_source: None,
            resolved_provider: provider.into(),
            resolved_model: model,
            connection_id: None,
            attempt_index: 0.0,
            attempt_count: 1.0,
            endpoint: None,
            client_origin: None,
            api_key_id: None,
            agent_run_id: None,
            usage: None,
            cost: None,
            media: None,
            token_saver: None,
            input_tokens: None,
            output_tokens: None,
            cost_usd: None,
            status: UsageRecordStatus::Success,
            error_code: None,
            error_message: None,
            trace: None,
            extra: Map::new(),
        }
    }

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
