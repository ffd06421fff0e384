//! Quota snapshots on connections (§6.2 steps 5 and 7): which ones pass the quota filter and how
//! they rank. The snapshots are written by the quota preparer (§6.7).

use serde_json::Value;

use crate::connections::Object;
use crate::js_value::to_number;
use crate::time::parse_js_date;

/// `QuotaSelectionStrategy`; anything else (including `""`) normalizes to `Off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaStrategy {
    /// Quota snapshots are ignored.
    Off,
    /// Prefer connections with quota left.
    PreferRemaining,
    /// Only connections with quota left (and a fresh snapshot).
    RequireRemaining,
}

impl QuotaStrategy {
    /// `normalizeQuotaStrategy`: exact, case-sensitive names only.
    pub fn normalize(v: Option<&Value>) -> Self {
        match v.and_then(Value::as_str) {
            Some("prefer-remaining") => QuotaStrategy::PreferRemaining,
            Some("require-remaining") => QuotaStrategy::RequireRemaining,
            _ => QuotaStrategy::Off,
        }
    }

    /// The settings' string.
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaStrategy::Off => "off",
            QuotaStrategy::PreferRemaining => "prefer-remaining",
            QuotaStrategy::RequireRemaining => "require-remaining",
        }
    }
}

/// Why a connection fails the quota filter, if it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// `require-remaining` and no fresh snapshot.
    NotFresh,
    /// A fresh snapshot with `status: "depleted"`.
    Depleted,
    /// `require-remaining` and a fresh `remainingPercentage` below the minimum.
    BelowMinimum,
}

/// What the quota step sees of one connection.
#[derive(Clone, Debug)]
pub struct Assessment<'a> {
    pub snapshot: Option<&'a Object>,
    pub fresh: bool,
    /// Ranking score: the fresh snapshot's numeric `score` clamped to [-1, 1], else -1.
    pub score: f64,
    pub verdict: Verdict,
}

/// `providerSpecificData.pieLabQuotaSelection`, else the legacy `pieAdkQuotaSelection`; only a
/// non-array object counts (a malformed new key does not hide a valid legacy one).
pub fn snapshot(connection: &Object) -> Option<&Object> {
    let data = connection.get("providerSpecificData")?.as_object()?;
    ["pieLabQuotaSelection", "pieAdkQuotaSelection"]
        .into_iter()
        .find_map(|key| data.get(key).and_then(Value::as_object))
}

pub fn assess<'a>(
    connection: &'a Object,
    strategy: QuotaStrategy,
    max_age_ms: f64,
    min_remaining: f64,
    now: f64,
) -> Assessment<'a> {
    let snapshot = snapshot(connection);
    // Only a string `checkedAt` is read as a time, as `Date.parse` would.
    let fresh = snapshot
        .and_then(|s| s.get("checkedAt")?.as_str())
        .and_then(parse_js_date)
        .is_some_and(|checked| now - checked <= max_age_ms);
    let fresh_snapshot = snapshot.filter(|_| fresh);
    let score = fresh_snapshot
        .and_then(|s| s.get("score")?.as_f64())
        .map_or(-1.0, |s| s.clamp(-1.0, 1.0));
    let verdict = match (strategy, fresh_snapshot) {
        (QuotaStrategy::Off, _) => Verdict::Pass,
        (QuotaStrategy::RequireRemaining, None) => Verdict::NotFresh,
        (_, None) => Verdict::Pass,
        (_, Some(s)) if s.get("status").and_then(Value::as_str) == Some("depleted") => {
            Verdict::Depleted
        }
        (QuotaStrategy::RequireRemaining, Some(s)) => match s.get("remainingPercentage") {
            // Unknown remaining quota does not block (the preparer writes `null` for it).
            None | Some(Value::Null) => Verdict::Pass,
            // JS `>=` with its number coercion; NaN fails.
            Some(v) if to_number(v) >= min_remaining => Verdict::Pass,
            Some(_) => Verdict::BelowMinimum,
        },
        (QuotaStrategy::PreferRemaining, Some(_)) => Verdict::Pass,
    };
    Assessment {
        snapshot,
        fresh,
        score,
        verdict,
    }
}
