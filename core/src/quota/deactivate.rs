//! The opt-in deactivation rule (9router #3583): after a refresh, a connection whose fresh
//! `remainingPercentage` is below the threshold is set `isActive: false` and marked
//! `providerSpecificData.pieLabQuotaDeactivation`; a marked connection is reactivated (mark
//! removed) once `now >= resetAt`, or when a fresh snapshot is at or above the threshold.
//! Reactivation runs even when the rule has since been disabled (the mark says the rule did
//! it). A connection an operator disabled carries no mark and is never reactivated; a mark
//! left on a connection that is active again (an operator re-enabled it) is removed, so a later
//! manual disable is not undone. Every change is an event in the quota file's log.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::snapshot::{QuotaSelection, QuotaStatus};
use crate::connections::Object;
use crate::error::{Error, ErrorCode, Result};
use crate::time::parse_js_date;

/// The key of the mark on `providerSpecificData`.
pub const DEACTIVATION_MARK: &str = "pieLabQuotaDeactivation";
/// The reason of a deactivation.
pub const BELOW_THRESHOLD: &str = "quota-below-threshold";
/// The reason of a reactivation after the window reset.
pub const RESET_REACHED: &str = "quota-reset";
/// The reason of a reactivation on a fresh snapshot at or above the threshold.
pub const ABOVE_THRESHOLD: &str = "quota-above-threshold";

/// The rule's config, kept in `provider-quota.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeactivationRule {
    /// Off unless turned on.
    pub enabled: bool,
    /// Deactivate below this remaining percentage (0–100).
    pub threshold_percentage: f64,
    /// Only these providers (`None`: every provider).
    pub providers: Option<Vec<String>>,
}

impl Default for DeactivationRule {
    fn default() -> Self {
        DeactivationRule {
            enabled: false,
            threshold_percentage: 10.0,
            providers: None,
        }
    }
}

impl DeactivationRule {
    /// The rule from `{enabled?, thresholdPercentage?, providers?}` over the defaults; a
    /// non-boolean flag, a threshold outside [0, 100] or providers that are not strings is
    /// `PIE_INVALID_INPUT`.
    ///
    /// ```
    /// use pie_storage_core::quota::DeactivationRule;
    /// let rule = DeactivationRule::from_json(&serde_json::json!({"enabled": true}))?;
    /// assert_eq!((rule.enabled, rule.threshold_percentage), (true, 10.0));
    /// assert!(DeactivationRule::from_json(&serde_json::json!({"thresholdPercentage": 101})).is_err());
    /// # Ok::<(), pie_storage_core::Error>(())
    /// ```
    pub fn from_json(v: &Value) -> Result<Self> {
        let invalid =
            |field: &str, m: &str| Error::new(ErrorCode::InvalidInput, m).with_field(field);
        let o = v
            .as_object()
            .ok_or_else(|| invalid("rule", "the rule is an object"))?;
        let mut rule = DeactivationRule::default();
        match o.get("enabled") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => rule.enabled = *b,
            Some(_) => return Err(invalid("enabled", "enabled is a boolean")),
        }
        match o.get("thresholdPercentage") {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) if (0.0..=100.0).contains(&n.as_f64().unwrap_or(-1.0)) => {
                rule.threshold_percentage = n.as_f64().unwrap_or_default()
            }
            Some(_) => {
                return Err(invalid(
                    "thresholdPercentage",
                    "the threshold is a number in [0, 100]",
                ))
            }
        }
        match o.get("providers") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                rule.providers = Some(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                )
            }
            Some(_) => return Err(invalid("providers", "providers is a list of provider ids")),
        }
        Ok(rule)
    }

    fn covers(&self, provider: &str) -> bool {
        self.providers
            .as_ref()
            .is_none_or(|list| list.iter().any(|p| p == provider))
    }
}

/// What the rule did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuotaAction {
    /// Set `isActive: false`.
    Deactivated,
    /// Set `isActive: true` again.
    Reactivated,
}

/// One entry of the event log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuotaEvent {
    /// When (ISO).
    pub at: String,
    /// Which connection.
    pub connection_id: String,
    /// Its provider.
    pub provider: String,
    /// Deactivated or reactivated.
    pub action: QuotaAction,
    /// [`BELOW_THRESHOLD`], [`RESET_REACHED`] or [`ABOVE_THRESHOLD`].
    pub reason: String,
    /// The snapshot's remaining percentage (`None` on a reactivation by time).
    pub remaining_percentage: Option<f64>,
    /// The threshold in force.
    pub threshold_percentage: f64,
    /// The reset time of the deactivation.
    pub reset_at: Option<String>,
}

/// The change the rule makes to one connection: its new `isActive` and mark (`None` removes it).
pub(crate) struct RuleChange {
    pub is_active: Option<bool>,
    pub mark: Option<Option<Value>>,
    pub event: Option<QuotaEvent>,
}

fn mark_of(connection: &Object) -> Option<&Object> {
    connection
        .get("providerSpecificData")?
        .as_object()?
        .get(DEACTIVATION_MARK)?
        .as_object()
}

/// What the rule does to `connection` given this refresh's snapshot (`fresh`, if it was
/// fetched now) at `now`; `None` when nothing changes.
pub(crate) fn decide(
    rule: &DeactivationRule,
    connection: &Object,
    provider: &str,
    fresh: Option<&QuotaSelection>,
    now_ms: f64,
    now_iso: &str,
) -> Option<RuleChange> {
    let id = connection
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let active = connection.get("isActive") != Some(&Value::Bool(false));
    let measured = fresh
        .filter(|s| matches!(s.status, QuotaStatus::Available | QuotaStatus::Depleted))
        .and_then(|s| s.remaining_percentage.map(|p| (p, s)));
    let event = |action, reason: &str, pct, threshold, reset_at| QuotaEvent {
        at: now_iso.into(),
        connection_id: id.into(),
        provider: provider.into(),
        action,
        reason: reason.into(),
        remaining_percentage: pct,
        threshold_percentage: threshold,
        reset_at,
    };
    if let Some(mark) = mark_of(connection) {
        if active {
            return Some(RuleChange {
                is_active: None,
                mark: Some(None),
                event: None,
            });
        }
        let threshold = mark
            .get("thresholdPercentage")
            .and_then(Value::as_f64)
            .unwrap_or(rule.threshold_percentage);
        let reset_at = mark
            .get("resetAt")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let reason = match measured {
            Some((pct, _)) if pct >= threshold => Some((ABOVE_THRESHOLD, Some(pct))),
            // A fresh snapshot still below the threshold keeps it off, whatever the old reset said.
            Some(_) => None,
            None => reset_at
                .as_deref()
                .and_then(parse_js_date)
                .filter(|reset| now_ms >= *reset)
                .map(|_| (RESET_REACHED, None)),
        };
        let (reason, pct) = reason?;
        let e = event(QuotaAction::Reactivated, reason, pct, threshold, reset_at);
        return Some(RuleChange {
            is_active: Some(true),
            mark: Some(None),
            event: Some(e),
        });
    }
    let (pct, snapshot) = measured?;
    if !(rule.enabled && active && rule.covers(provider) && pct < rule.threshold_percentage) {
        return None;
    }
    let threshold = rule.threshold_percentage;
    let mut m = Map::new();
    m.insert("at".into(), Value::from(now_iso));
    m.insert("reason".into(), Value::from(BELOW_THRESHOLD));
    m.insert(
        "remainingPercentage".into(),
        crate::js_value::number_value(pct),
    );
    m.insert(
        "thresholdPercentage".into(),
        crate::js_value::number_value(threshold),
    );
    let reset = snapshot.reset_at.clone();
    m.insert(
        "resetAt".into(),
        reset.clone().map_or(Value::Null, Value::from),
    );
    let e = event(
        QuotaAction::Deactivated,
        BELOW_THRESHOLD,
        Some(pct),
        threshold,
        reset,
    );
    Some(RuleChange {
        is_active: Some(false),
        mark: Some(Some(Value::Object(m))),
        event: Some(e),
    })
}
