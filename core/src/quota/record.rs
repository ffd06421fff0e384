//! What `provider-quota.json` keeps: per connection the fetched windows with `checkedAt`, plan
//! and message (a bounded history, newest last), the deactivation rule's config and its
//! bounded event log. No credential is ever kept: messages are redacted before they are stored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::deactivate::{DeactivationRule, QuotaEvent};
use super::snapshot::{derive_quota_selection, raw_windows, result_message, QuotaStatus};
use crate::error::{Error, ErrorCode, Result};
use crate::js_value::to_number;
use crate::secrets::redact_text;

/// The file's name in the agent folder.
pub const PROVIDER_QUOTA_FILE: &str = "provider-quota.json";
/// Fetches kept per connection unless `maxHistory` says otherwise (the last 48 refreshes).
pub const DEFAULT_MAX_HISTORY: usize = 48;
/// Deactivation events kept unless `maxEvents` says otherwise.
pub const DEFAULT_MAX_EVENTS: usize = 200;

/// One quota window as stored: numbers that are not finite numbers (or numeric strings) are
/// `null`; `unlimited` is `unlimited === true`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuotaWindow {
    /// The window's name (`session`, `weekly`, ...).
    pub name: String,
    /// Used amount.
    pub used: Option<f64>,
    /// Total amount.
    pub total: Option<f64>,
    /// Remaining amount.
    pub remaining: Option<f64>,
    /// Remaining share in percent, when the provider reports it.
    pub remaining_percentage: Option<f64>,
    /// When the window resets (as the provider wrote it).
    pub reset_at: Option<String>,
    /// No limit.
    pub unlimited: bool,
}

/// One fetch of a connection's quota.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuotaEntry {
    /// When it was fetched.
    pub checked_at: String,
    /// The derived snapshot's status.
    pub status: QuotaStatus,
    /// The derived snapshot's `remainingPercentage`.
    pub remaining_percentage: Option<f64>,
    /// The provider's plan name.
    pub plan: Option<String>,
    /// The result's or the error's message, redacted.
    pub message: Option<String>,
    /// The provider's `limitReached` flag.
    pub limit_reached: Option<bool>,
    /// The windows, in the result's order.
    pub windows: Vec<QuotaWindow>,
}

/// What a host's fetcher gave for one connection: the result, or the message it threw.
#[derive(Clone, Debug, PartialEq)]
pub enum FetchOutcome {
    /// The fetched result (9router §7.7 shape).
    Fetched(Value),
    /// The fetcher threw or timed out; its message (redacted before it is kept).
    Failed(String),
}

/// One fetch to record.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedFetch {
    /// The connection's id.
    pub connection_id: String,
    /// When it was fetched (ISO).
    pub checked_at: String,
    /// What the fetcher gave.
    pub outcome: FetchOutcome,
}

fn finite(v: Option<&Value>) -> Option<f64> {
    let n = match v? {
        Value::Number(_) | Value::String(_) => to_number(v?),
        _ => return None,
    };
    n.is_finite().then_some(n)
}

impl QuotaWindow {
    fn of(name: String, w: &serde_json::Map<String, Value>) -> Self {
        QuotaWindow {
            name,
            used: finite(w.get("used")),
            total: finite(w.get("total")),
            remaining: finite(w.get("remaining")),
            remaining_percentage: finite(w.get("remainingPercentage")),
            reset_at: w.get("resetAt").and_then(Value::as_str).map(str::to_owned),
            unlimited: w.get("unlimited") == Some(&Value::Bool(true)),
        }
    }
}

impl QuotaEntry {
    /// The entry a fetch gives (the snapshot rule decides its status and percentage).
    pub fn of(fetch: &RecordedFetch) -> Self {
        match &fetch.outcome {
            FetchOutcome::Failed(message) => QuotaEntry {
                checked_at: fetch.checked_at.clone(),
                status: QuotaStatus::Error,
                remaining_percentage: None,
                plan: None,
                message: Some(redact_text(message).into_owned()),
                limit_reached: None,
                windows: Vec::new(),
            },
            FetchOutcome::Fetched(result) => {
                let selection = derive_quota_selection(result, &fetch.checked_at);
                QuotaEntry {
                    checked_at: fetch.checked_at.clone(),
                    status: selection.status,
                    remaining_percentage: selection.remaining_percentage,
                    plan: result
                        .get("plan")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    message: result_message(result),
                    limit_reached: result.get("limitReached").and_then(Value::as_bool),
                    windows: raw_windows(result)
                        .into_iter()
                        .map(|(name, w)| QuotaWindow::of(name, w))
                        .collect(),
                }
            }
        }
    }
}

/// The content of `provider-quota.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuotaRecords {
    /// Connection id → its fetches, oldest first (the last is the latest).
    pub connections: BTreeMap<String, Vec<QuotaEntry>>,
    /// The opt-in deactivation rule.
    pub deactivation: DeactivationRule,
    /// Deactivations and reactivations, oldest first.
    pub events: Vec<QuotaEvent>,
}

/// How much the file keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaLimits {
    /// Fetches kept per connection (oldest dropped first); at least 1.
    pub max_history: usize,
    /// Events kept (oldest dropped first).
    pub max_events: usize,
}

impl Default for QuotaLimits {
    fn default() -> Self {
        QuotaLimits {
            max_history: DEFAULT_MAX_HISTORY,
            max_events: DEFAULT_MAX_EVENTS,
        }
    }
}

fn keep_last<T>(items: &mut Vec<T>, max: usize) {
    if items.len() > max {
        items.drain(..items.len() - max);
    }
}

impl QuotaRecords {
    /// Records fetches and events, dropping the oldest beyond `limits`.
    pub fn record(
        &mut self,
        fetches: &[RecordedFetch],
        events: &[QuotaEvent],
        limits: QuotaLimits,
    ) {
        for fetch in fetches {
            let history = self
                .connections
                .entry(fetch.connection_id.clone())
                .or_default();
            history.push(QuotaEntry::of(fetch));
            keep_last(history, limits.max_history.max(1));
        }
        self.events.extend(events.iter().cloned());
        keep_last(&mut self.events, limits.max_events);
    }

    /// The latest fetch of a connection.
    pub fn latest(&self, connection_id: &str) -> Option<&QuotaEntry> {
        self.connections.get(connection_id)?.last()
    }

    /// Forgets a connection's fetches and events; whether there were any.
    pub fn remove(&mut self, connection_id: &str) -> bool {
        let had = self.connections.remove(connection_id).is_some();
        let before = self.events.len();
        self.events.retain(|e| e.connection_id != connection_id);
        had || before != self.events.len()
    }

    /// Parses the file's content (`name` in errors); anything but the documented shape is
    /// [`ErrorCode::CorruptFile`].
    ///
    /// ```
    /// use pie_storage_core::quota::QuotaRecords;
    /// let empty = QuotaRecords::from_file(br#"{"connections":{},"deactivation":{"enabled":false,"thresholdPercentage":10,"providers":null},"events":[]}"#, "f")?;
    /// assert!(empty.connections.is_empty());
    /// assert!(QuotaRecords::from_file(b"[]", "f").is_err());
    /// # Ok::<(), pie_storage_core::Error>(())
    /// ```
    pub fn from_file(bytes: &[u8], name: &str) -> Result<Self> {
        serde_json::from_slice(bytes).map_err(|_| {
            Error::new(ErrorCode::CorruptFile, "quota file cannot be parsed").with_file(name)
        })
    }
}

impl crate::io::document::Document for QuotaRecords {
    fn from_file(bytes: &[u8], name: &str) -> Result<Self> {
        QuotaRecords::from_file(bytes, name)
    }

    /// `JSON.stringify(records, null, 2)` plus a newline.
    fn to_file(&self) -> Vec<u8> {
        let value = serde_json::to_value(self).expect("quota records serialize");
        let mut text = crate::json::to_js_string_pretty(&value);
        text.push('\n');
        text.into_bytes()
    }
}
