//! The typed result of [`explain_provider_connection_selection`]: what the selection decided
//! for one provider and model and, for every account, which checks it passed (reference §7.4,
//! `/account-selection`). [`SelectionExplanation::to_json`] is the router's JSON, key for key.
//!
//! The values are computed in `select/explain.rs`, next to the selection they report on; this
//! module only holds the types and their JSON.
//!
//! [`explain_provider_connection_selection`]: super::explain_provider_connection_selection

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::budget::js_to_fixed;
use super::QuotaStrategy;
use crate::connections::{FallbackStrategy, ProviderConnection};
use crate::js_value::{number_value, to_js_string};

/// How the router selects among one provider's accounts (§6.2 step 4): the provider's
/// `providerStrategies` override, else the global setting, else the router's default, each
/// parsed as the router parses it. Built by [`SelectionPolicy::resolve`].
#[derive(Clone, Debug, PartialEq)]
pub struct SelectionPolicy {
    /// `fallbackStrategy` (default fill-first); only round-robin changes how the pick is made.
    pub strategy: FallbackStrategy,
    /// The quota filter and ranking; defaults to prefer-remaining under quota-aware, else off.
    pub quota_strategy: QuotaStrategy,
    /// Snapshots older than this are stale (`parseInt`; negative or invalid gives 300000).
    pub quota_max_age_ms: f64,
    /// Minimum `remainingPercentage` under require-remaining (`parseFloat`, clamped to
    /// [0, 100]; invalid gives 0).
    pub quota_min_remaining_percentage: f64,
    /// Round-robin picks of one account in a row (`parseInt`; not positive gives 3).
    pub sticky_round_robin_limit: f64,
}

/// The outcome, as `selectProviderConnection`'s `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SelectionStatus {
    /// No usable account, and none that would become usable by waiting.
    Missing,
    /// Every remaining account is locked (the message says until when).
    Unavailable,
    /// An account was picked.
    Selected,
}

impl SelectionStatus {
    /// The wire string (`"missing"`, `"unavailable"`, `"selected"`).
    pub fn as_str(self) -> &'static str {
        match self {
            SelectionStatus::Missing => "missing",
            SelectionStatus::Unavailable => "unavailable",
            SelectionStatus::Selected => "selected",
        }
    }
}

/// One reason in a candidate's `reasons`; [`fmt::Display`] gives the router's text (its own
/// tests match the texts, §7.4).
#[derive(Clone, Debug, PartialEq)]
pub enum CandidateReason {
    /// `"selected by account strategy"`: always first on the picked account.
    SelectedByStrategy,
    /// `"inactive connection"` (`isActive === false`).
    Inactive,
    /// `"excluded by current fallback attempt"`.
    Excluded,
    /// `"model cooldown for <model>"`: the model's (or the account-wide) lock holds.
    ModelCooldown {
        /// The requested model.
        model: String,
    },
    /// `"provider cooldown"`: the account-wide lock holds and no model was given.
    ProviderCooldown,
    /// `"quota snapshot is missing or stale"`; blocking only under require-remaining.
    QuotaMissingOrStale,
    /// `"quota snapshot is depleted"`.
    QuotaDepleted,
    /// `"remaining quota is below <min>%"` (require-remaining).
    QuotaBelowMinimum {
        /// The minimum percentage of the policy.
        min_percentage: f64,
    },
    /// `"quota score <score, 2 decimals>"`: the snapshot passes; it ranks by this score.
    QuotaScore {
        /// The ranking score, in [-1, 1].
        score: f64,
    },
    /// `"preferred connection requested"`.
    Preferred,
    /// `"not the requested preferred connection"`.
    NotPreferred,
    /// `"available but lower priority than selected connection"`.
    LowerPriorityThanSelected,
}

impl fmt::Display for CandidateReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CandidateReason::SelectedByStrategy => f.write_str("selected by account strategy"),
            CandidateReason::Inactive => f.write_str("inactive connection"),
            CandidateReason::Excluded => f.write_str("excluded by current fallback attempt"),
            CandidateReason::ModelCooldown { model } => write!(f, "model cooldown for {model}"),
            CandidateReason::ProviderCooldown => f.write_str("provider cooldown"),
            CandidateReason::QuotaMissingOrStale => {
                f.write_str("quota snapshot is missing or stale")
            }
            CandidateReason::QuotaDepleted => f.write_str("quota snapshot is depleted"),
            CandidateReason::QuotaBelowMinimum { min_percentage } => write!(
                f,
                "remaining quota is below {}%",
                to_js_string(&number_value(*min_percentage))
            ),
            CandidateReason::QuotaScore { score } => {
                write!(f, "quota score {}", js_to_fixed(*score, 2))
            }
            CandidateReason::Preferred => f.write_str("preferred connection requested"),
            CandidateReason::NotPreferred => f.write_str("not the requested preferred connection"),
            CandidateReason::LowerPriorityThanSelected => {
                f.write_str("available but lower priority than selected connection")
            }
        }
    }
}

/// One account of the provider and what the selection made of it.
#[derive(Clone, Debug, PartialEq)]
pub struct CandidateExplanation {
    /// The account as given to the selection (the JSON reports its `id`, `provider`,
    /// `priority`, `lastUsedAt` and `consecutiveUseCount` as they are, `null` when absent).
    pub connection: ProviderConnection,
    /// `isActive !== false`.
    pub is_active: bool,
    /// This is the account the selection picked.
    pub selected: bool,
    /// It passes every check (active, not excluded, not locked, quota filter).
    pub selectable: bool,
    /// Why, in the router's order.
    pub reasons: Vec<CandidateReason>,
    /// When the lock for the requested model ends (the later of the model's and the
    /// account-wide active lock), as stored.
    pub model_lock_until: Option<String>,
    /// The quota snapshot (`pieLabQuotaSelection`, else the legacy `pieAdkQuotaSelection`),
    /// fresh or not.
    pub quota_selection: Option<Map<String, Value>>,
    /// The snapshot is recent enough to count.
    pub quota_fresh: bool,
    /// The ranking score: the fresh snapshot's `score` clamped to [-1, 1], else -1 (also when
    /// quota ranking is off).
    pub quota_score: f64,
}

impl CandidateExplanation {
    /// The keys of a candidate's JSON ([`CandidateExplanation::to_json`]), in its order. The
    /// npm package's `ProviderConnectionCandidate` declares exactly these
    /// (`tests/types/fields.json`).
    pub const FIELDS: &'static [&'static str] = &[
        "id",
        "provider",
        "isActive",
        "priority",
        "selected",
        "selectable",
        "reasons",
        "lastUsedAt",
        "consecutiveUseCount",
        "modelLockUntil",
        "quotaSelection",
        "quotaFresh",
        "quotaScore",
        "remainingPercentage",
    ];

    fn remaining_percentage_value(&self) -> Option<&Value> {
        self.quota_selection
            .as_ref()?
            .get("remainingPercentage")
            .filter(|v| v.is_number())
    }

    /// The snapshot's `remainingPercentage` when it is a number, fresh or not.
    pub fn remaining_percentage(&self) -> Option<f64> {
        self.remaining_percentage_value().and_then(Value::as_f64)
    }

    /// `{id, provider, isActive, priority, selected, selectable, reasons, lastUsedAt,
    /// consecutiveUseCount, modelLockUntil, quotaSelection, quotaFresh, quotaScore,
    /// remainingPercentage}`.
    pub fn to_json(&self) -> Value {
        let field = |key: &str| self.connection.get(key).cloned().unwrap_or(Value::Null);
        let reasons = self
            .reasons
            .iter()
            .map(|r| Value::from(r.to_string()))
            .collect();
        let mut out = Map::new();
        out.insert("id".into(), field("id"));
        out.insert("provider".into(), field("provider"));
        out.insert("isActive".into(), self.is_active.into());
        out.insert("priority".into(), field("priority"));
        out.insert("selected".into(), self.selected.into());
        out.insert("selectable".into(), self.selectable.into());
        out.insert("reasons".into(), Value::Array(reasons));
        out.insert("lastUsedAt".into(), field("lastUsedAt"));
        out.insert("consecutiveUseCount".into(), field("consecutiveUseCount"));
        out.insert(
            "modelLockUntil".into(),
            self.model_lock_until
                .as_deref()
                .map_or(Value::Null, Value::from),
        );
        out.insert(
            "quotaSelection".into(),
            self.quota_selection
                .clone()
                .map_or(Value::Null, Value::Object),
        );
        out.insert("quotaFresh".into(), self.quota_fresh.into());
        out.insert("quotaScore".into(), number_value(self.quota_score));
        out.insert(
            "remainingPercentage".into(),
            self.remaining_percentage_value()
                .cloned()
                .unwrap_or(Value::Null),
        );
        Value::Object(out)
    }
}

/// The `/account-selection` entry for one provider and model.
///
/// ```
/// use pie_storage_core::routing::{
///     explain_provider_connection_selection, CandidateReason, SelectOptions, SelectionStatus,
/// };
/// use serde_json::json;
///
/// let connections = [
///     json!({"id": "a", "provider": "openai", "priority": 1, "modelLock_gpt-5.4": "2099-01-01T00:00:00.000Z"}),
///     json!({"id": "b", "provider": "openai", "priority": 2}),
/// ];
/// let explained = explain_provider_connection_selection(&SelectOptions {
///     provider: "openai".into(),
///     model: Some("gpt-5.4".into()),
///     connections: connections.iter().filter_map(|c| c.as_object().cloned()).collect(),
///     settings: Default::default(),
///     exclude_connection_ids: vec![],
///     preferred_connection_id: None,
///     now: 1_779_408_000_000.0,
/// });
/// assert_eq!(explained.status, SelectionStatus::Selected);
/// assert_eq!(explained.selected_connection_id(), Some("b"));
/// let a = &explained.candidates[0];
/// assert!(!a.selectable);
/// assert_eq!(a.reasons[0], CandidateReason::ModelCooldown { model: "gpt-5.4".into() });
/// assert_eq!(a.reasons[0].to_string(), "model cooldown for gpt-5.4");
/// // The router's JSON, as `/account-selection` returns it.
/// assert_eq!(explained.to_json()["candidates"][1]["reasons"][0], "selected by account strategy");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SelectionExplanation {
    /// The provider asked about.
    pub provider: String,
    /// The model asked about; `None` consults only the account-wide lock.
    pub model: Option<String>,
    /// What `selectProviderConnection` returns for the same options.
    pub status: SelectionStatus,
    /// The strategy the selection ran with.
    pub policy: SelectionPolicy,
    /// Every account of the provider, inactive ones included, in priority order.
    pub candidates: Vec<CandidateExplanation>,
    /// One sentence for people: how the account was picked, or why none was.
    pub message: String,
}

impl SelectionExplanation {
    /// The keys of the JSON ([`SelectionExplanation::to_json`]), in its order. The npm
    /// package's `ProviderConnectionSelectionExplanation` declares exactly these
    /// (`tests/types/fields.json`).
    pub const FIELDS: &'static [&'static str] = &[
        "provider",
        "model",
        "status",
        "selectedConnectionId",
        "strategy",
        "quotaStrategy",
        "quotaMaxAgeMs",
        "quotaMinRemainingPercentage",
        "candidates",
        "message",
    ];

    /// The picked candidate, when the status is selected.
    pub fn selected(&self) -> Option<&CandidateExplanation> {
        self.candidates.iter().find(|c| c.selected)
    }

    /// The picked account's id.
    pub fn selected_connection_id(&self) -> Option<&str> {
        self.selected()?.connection.id()
    }

    /// `{provider, model, status, selectedConnectionId, strategy, quotaStrategy,
    /// quotaMaxAgeMs, quotaMinRemainingPercentage, candidates, message}`, the router's JSON.
    pub fn to_json(&self) -> Value {
        let selected_id = self
            .selected()
            .and_then(|c| c.connection.get("id").cloned())
            .unwrap_or(Value::Null);
        let mut out = Map::new();
        out.insert("provider".into(), self.provider.as_str().into());
        out.insert(
            "model".into(),
            self.model.as_deref().map_or(Value::Null, Value::from),
        );
        out.insert("status".into(), self.status.as_str().into());
        out.insert("selectedConnectionId".into(), selected_id);
        out.insert("strategy".into(), self.policy.strategy.to_value());
        out.insert(
            "quotaStrategy".into(),
            self.policy.quota_strategy.as_str().into(),
        );
        out.insert(
            "quotaMaxAgeMs".into(),
            number_value(self.policy.quota_max_age_ms),
        );
        out.insert(
            "quotaMinRemainingPercentage".into(),
            number_value(self.policy.quota_min_remaining_percentage),
        );
        out.insert(
            "candidates".into(),
            Value::Array(self.candidates.iter().map(|c| c.to_json()).collect()),
        );
        out.insert("message".into(), self.message.as_str().into());
        Value::Object(out)
    }
}

impl Serialize for SelectionExplanation {
    /// As [`SelectionExplanation::to_json`].
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::{explain_provider_connection_selection, SelectOptions};
    use serde_json::json;

    #[test]
    fn reasons_print_the_router_texts() {
        let texts: Vec<String> = [
            CandidateReason::SelectedByStrategy,
            CandidateReason::Inactive,
            CandidateReason::Excluded,
            CandidateReason::ModelCooldown { model: "m".into() },
            CandidateReason::ProviderCooldown,
            CandidateReason::QuotaMissingOrStale,
            CandidateReason::QuotaDepleted,
            CandidateReason::QuotaBelowMinimum {
                min_percentage: 12.5,
            },
            CandidateReason::QuotaBelowMinimum {
                min_percentage: 10.0,
            },
            CandidateReason::QuotaScore { score: 0.5 },
            CandidateReason::QuotaScore { score: -1.0 },
            CandidateReason::Preferred,
            CandidateReason::NotPreferred,
            CandidateReason::LowerPriorityThanSelected,
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            texts,
            [
                "selected by account strategy",
                "inactive connection",
                "excluded by current fallback attempt",
                "model cooldown for m",
                "provider cooldown",
                "quota snapshot is missing or stale",
                "quota snapshot is depleted",
                "remaining quota is below 12.5%",
                "remaining quota is below 10%",
                "quota score 0.50",
                "quota score -1.00",
                "preferred connection requested",
                "not the requested preferred connection",
                "available but lower priority than selected connection",
            ]
        );
    }

    /// The typed fields are what the JSON shows, for bare references with odd field types too.
    #[test]
    fn typed_fields_agree_with_the_json() {
        let connections = [
            json!({"id": 7, "provider": "p", "priority": "2", "isActive": "false",
                   "consecutiveUseCount": "x",
                   "providerSpecificData": {"pieLabQuotaSelection": {"checkedAt": "2026-05-22T00:00:00.000Z",
                       "status": "available", "score": 3, "remainingPercentage": 40}}}),
            json!({"id": "b", "provider": "p", "isActive": false, "apiKey": "sk-live-0123456789"}),
        ];
        let explained = explain_provider_connection_selection(&SelectOptions {
            provider: "p".into(),
            model: None,
            connections: connections
                .iter()
                .filter_map(|c| c.as_object().cloned())
                .collect(),
            settings: json!({"fallbackStrategy": 1, "quotaStrategy": "prefer-remaining"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            exclude_connection_ids: vec![],
            preferred_connection_id: None,
            now: 1_779_408_000_000.0,
        });
        let json = explained.to_json();
        assert_eq!(explained.status, SelectionStatus::Selected);
        assert_eq!(json["selectedConnectionId"], json!(7));
        assert_eq!(explained.selected_connection_id(), None); // not a string id
        assert_eq!(explained.policy.strategy, FallbackStrategy::Other(json!(1)));
        assert_eq!(json["strategy"], json!(1));
        let first = &explained.candidates[0];
        assert_eq!(
            first.reasons,
            [
                CandidateReason::SelectedByStrategy,
                CandidateReason::QuotaScore { score: 1.0 }
            ]
        );
        assert_eq!(
            (first.quota_score, first.remaining_percentage()),
            (1.0, Some(40.0))
        );
        assert_eq!(json["candidates"][0]["priority"], json!("2"));
        assert_eq!(json["candidates"][0]["consecutiveUseCount"], json!("x"));
        assert_eq!(json["candidates"][0]["remainingPercentage"], json!(40));
        assert_eq!(
            json["candidates"][1]["reasons"],
            json!(["inactive connection", "quota snapshot is missing or stale"])
        );
        // The JSON has the keys of FIELDS, in their order, for the entry and each candidate.
        let keys = |v: &Value| -> Vec<String> {
            v.as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        };
        assert_eq!(keys(&json), SelectionExplanation::FIELDS);
        for candidate in json["candidates"].as_array().into_iter().flatten() {
            assert_eq!(keys(candidate), CandidateExplanation::FIELDS);
        }
        assert_eq!(serde_json::to_value(&explained).ok(), Some(json));
        assert!(!format!("{explained:?}").contains("0123456789"));
    }
}
