//! The handful of record fields that queries and summaries read.
//!
//! Every source of records (JSON objects, JSONL lines, columns sent from JavaScript) is reduced to
//! [`UsageFacts`] first, so the filtering, sorting and summing rules exist once. A field that is
//! missing, `null` or of the wrong type is `None`: the summary's `??` fallbacks treat all three
//! alike (see the README's compatibility notes for non-numeric amounts).

use serde_json::{Map, Value};

/// Numeric fields the summary adds up, with their nesting flattened.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Amounts {
    pub usage_input: Option<f64>,
    pub usage_output: Option<f64>,
    pub usage_cache_read: Option<f64>,
    pub usage_cache_write: Option<f64>,
    pub usage_reasoning: Option<f64>,
    pub usage_total_tokens: Option<f64>,
    pub input_tokens: Option<f64>,
    pub output_tokens: Option<f64>,
    pub cost_total: Option<f64>,
    pub cost_usd: Option<f64>,
}

impl Amounts {
    /// `cost?.total ?? costUsd`: the record's cost in USD, `None` when neither is a number.
    pub fn cost(&self) -> Option<f64> {
        self.cost_total.or(self.cost_usd)
    }
}

/// The query- and summary-relevant view of one record.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct UsageFacts<'a> {
    pub timestamp: Option<&'a str>,
    pub status: Option<&'a str>,
    pub routing_mode: Option<&'a str>,
    pub provider: Option<&'a str>,
    pub model: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub agent_run_id: Option<&'a str>,
    pub endpoint: Option<&'a str>,
    pub client_origin: Option<&'a str>,
    pub connection_id: Option<&'a str>,
    pub api_key_id: Option<&'a str>,
    pub requested_model: Option<&'a str>,
    pub amounts: Amounts,
}

impl<'a> UsageFacts<'a> {
    /// Reads the facts of a record held as a JSON object.
    pub fn from_object(record: &'a Map<String, Value>) -> Self {
        // `1e400` is held as a marker string (see `crate::json`): a number, not a string.
        let text = |key: &str| record.get(key).and_then(crate::json::js_str);
        let num = |obj: Option<&Map<String, Value>>, key: &str| {
            obj.and_then(|o| o.get(key))
                .and_then(crate::json::js_number)
        };
        let usage = record.get("usage").and_then(Value::as_object);
        let cost = record.get("cost").and_then(Value::as_object);
        UsageFacts {
            timestamp: text("timestamp"),
            status: text("status"),
            routing_mode: text("routingMode"),
            provider: text("resolvedProvider"),
            model: text("resolvedModel"),
            request_id: text("requestId"),
            agent_run_id: text("agentRunId"),
            endpoint: text("endpoint"),
            client_origin: text("clientOrigin"),
            connection_id: text("connectionId"),
            api_key_id: text("apiKeyId"),
            requested_model: text("requestedModel"),
            amounts: Amounts {
                usage_input: num(usage, "input"),
                usage_output: num(usage, "output"),
                usage_cache_read: num(usage, "cacheRead"),
                usage_cache_write: num(usage, "cacheWrite"),
                usage_reasoning: num(usage, "reasoning"),
                usage_total_tokens: num(usage, "totalTokens"),
                input_tokens: num(Some(record), "inputTokens"),
                output_tokens: num(Some(record), "outputTokens"),
                cost_total: num(cost, "total"),
                cost_usd: num(Some(record), "costUsd"),
            },
        }
    }
}

impl<'a> UsageFacts<'a> {
    /// A text fact by its record field name (a name of `TEXT_FIELDS`).
    pub fn field(&self, name: &str) -> Option<&'a str> {
        match name {
            "timestamp" => self.timestamp,
            "status" => self.status,
            "routingMode" => self.routing_mode,
            "resolvedProvider" => self.provider,
            "resolvedModel" => self.model,
            "requestId" => self.request_id,
            "agentRunId" => self.agent_run_id,
            "endpoint" => self.endpoint,
            "clientOrigin" => self.client_origin,
            "connectionId" => self.connection_id,
            "apiKeyId" => self.api_key_id,
            "requestedModel" => self.requested_model,
            _ => None,
        }
    }
}

/// A source of facts addressable by position: records in memory, parsed lines or JS columns.
pub trait FactSource {
    fn len(&self) -> usize;
    fn facts(&self, index: usize) -> UsageFacts<'_>;
    /// The record's timestamp alone (sorting reads nothing else).
    fn timestamp(&self, index: usize) -> Option<&str> {
        self.facts(index).timestamp
    }
    /// `Date.parse` of the record's timestamp, NaN when missing or unparseable.
    fn time(&self, index: usize) -> f64 {
        super::query::time_of(self.timestamp(index))
    }
    /// The source as columns, when it is: queries and summaries then work column by column
    /// (filters evaluated once per dictionary entry, groups found by id) instead of per record.
    fn as_columns(&self) -> Option<&super::columns::UsageColumns> {
        None
    }
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl FactSource for [UsageFacts<'_>] {
    fn len(&self) -> usize {
        <[UsageFacts<'_>]>::len(self)
    }
    fn facts(&self, index: usize) -> UsageFacts<'_> {
        self[index]
    }
}

impl FactSource for [Map<String, Value>] {
    fn len(&self) -> usize {
        <[Map<String, Value>]>::len(self)
    }
    fn facts(&self, index: usize) -> UsageFacts<'_> {
        UsageFacts::from_object(&self[index])
    }
}
