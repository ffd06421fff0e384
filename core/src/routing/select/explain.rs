//! `explainProviderConnectionSelection`: the `/account-selection` view (§7.4) — what the
//! selection decided and, for every connection of the provider, which checks it passed.

use serde_json::{Map, Value};

use super::{evaluate, Candidate, Empty, Pick, SelectOptions, Selection};
use crate::js_value::{number_value, to_js_string};

/// The entry of `/account-selection` for one provider and model:
/// `{provider, model, status, selectedConnectionId, strategy, quotaStrategy, quotaMaxAgeMs,
/// quotaMinRemainingPercentage, candidates, message}`.
///
/// `candidates` lists *every* connection of the provider, inactive ones included, in priority
/// order: `{id, provider, isActive, priority, selected, selectable, reasons, lastUsedAt,
/// consecutiveUseCount, modelLockUntil, quotaSelection, quotaFresh, quotaScore,
/// remainingPercentage}`.
/// * `isActive` is the effective flag (`isActive !== false`); absent fields read `null`.
/// * `reasons` names every failed check — `"inactive"`, `"excluded"`, `"model-locked"`,
///   `"quota-not-fresh"`, `"quota-depleted"`, `"quota-below-minimum"` — and, for the selected
///   connection, how it won: `"preferred"`, `"first-ranked"`, `"round-robin-sticky"` or
///   `"round-robin-least-recent"`. A selectable connection that lost has none.
/// * `modelLockUntil` is when the lock for this model ends (the later of the model's and the
///   account-wide active lock), else `null`.
/// * `quotaScore` is the ranking score (-1 without a fresh snapshot), also when ranking is off;
///   `remainingPercentage` is the snapshot's, fresh or not.
pub fn explain_provider_connection_selection(options: &SelectOptions) -> Value {
    let eval = evaluate(options);
    let picked = eval.picked;
    let candidates: Vec<Value> = eval
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| candidate(c, picked.filter(|p| p.0 == i).map(|p| p.1)))
        .collect();
    let selected_id = match (&eval.selection, picked) {
        (Selection::Selected { connection, .. }, Some(_)) => {
            connection.get("id").cloned().unwrap_or(Value::Null)
        }
        _ => Value::Null,
    };
    let provider = options.provider.as_str();
    let message = match (&eval.selection, picked, eval.empty) {
        (Selection::Selected { .. }, Some((_, pick)), _) => {
            let how = match pick {
                Pick::Preferred => "the preferred connection".to_owned(),
                Pick::FirstRanked if eval.policy.quota == super::QuotaStrategy::Off => {
                    "first by priority".to_owned()
                }
                Pick::FirstRanked => "best quota score, then priority".to_owned(),
                Pick::Sticky => format!(
                    "round-robin, staying on the most recent connection below the sticky limit {}",
                    to_js_string(&number_value(eval.policy.sticky_limit))
                ),
                Pick::LeastRecent => "round-robin, least recently used".to_owned(),
            };
            format!(
                "Selected connection \"{}\": {how}.",
                to_js_string(&selected_id)
            )
        }
        (
            Selection::Unavailable {
                retry_after_human, ..
            },
            _,
            _,
        ) => {
            format!("All provider connections for \"{provider}\" are unavailable ({retry_after_human}).")
        }
        (_, _, Some(Empty::AllExcluded)) => {
            format!("Every unlocked connection for \"{provider}\" is excluded.")
        }
        (_, _, Some(Empty::QuotaFiltered)) => format!(
            "No connection for \"{provider}\" passes the quota filter ({}).",
            eval.policy.quota.as_str()
        ),
        _ => format!("No active connection for \"{provider}\"."),
    };
    let status = match &eval.selection {
        Selection::Missing => "missing",
        Selection::Unavailable { .. } => "unavailable",
        Selection::Selected { .. } => "selected",
    };

    let mut out = Map::new();
    out.insert("provider".into(), provider.into());
    out.insert(
        "model".into(),
        options.model.as_deref().map_or(Value::Null, Value::from),
    );
    out.insert("status".into(), status.into());
    out.insert("selectedConnectionId".into(), selected_id);
    out.insert("strategy".into(), eval.policy.strategy.clone());
    out.insert("quotaStrategy".into(), eval.policy.quota.as_str().into());
    out.insert(
        "quotaMaxAgeMs".into(),
        number_value(eval.policy.quota_max_age_ms),
    );
    out.insert(
        "quotaMinRemainingPercentage".into(),
        number_value(eval.policy.quota_min_remaining),
    );
    out.insert("candidates".into(), Value::Array(candidates));
    out.insert("message".into(), message.into());
    Value::Object(out)
}

fn candidate(c: &Candidate, pick: Option<Pick>) -> Value {
    let conn = c.connection;
    let field = |key: &str| conn.get(key).cloned().unwrap_or(Value::Null);
    let mut reasons: Vec<Value> = Vec::new();
    if !c.active {
        reasons.push("inactive".into());
    }
    if c.excluded {
        reasons.push("excluded".into());
    }
    if c.lock_until.is_some() {
        reasons.push("model-locked".into());
    }
    if let Some(r) = c.quota.verdict.reason() {
        reasons.push(r.into());
    }
    if let Some(pick) = pick {
        reasons.push(
            match pick {
                Pick::Preferred => "preferred",
                Pick::FirstRanked => "first-ranked",
                Pick::Sticky => "round-robin-sticky",
                Pick::LeastRecent => "round-robin-least-recent",
            }
            .into(),
        );
    }
    let snapshot = c.quota.snapshot;
    let mut out = Map::new();
    out.insert("id".into(), field("id"));
    out.insert("provider".into(), field("provider"));
    out.insert("isActive".into(), c.active.into());
    out.insert("priority".into(), field("priority"));
    out.insert("selected".into(), pick.is_some().into());
    out.insert("selectable".into(), c.selectable().into());
    out.insert("reasons".into(), Value::Array(reasons));
    out.insert("lastUsedAt".into(), field("lastUsedAt"));
    out.insert("consecutiveUseCount".into(), field("consecutiveUseCount"));
    out.insert(
        "modelLockUntil".into(),
        c.lock_until.map_or(Value::Null, |(_, until)| until.into()),
    );
    out.insert(
        "quotaSelection".into(),
        snapshot.map_or(Value::Null, |s| Value::Object(s.clone())),
    );
    out.insert("quotaFresh".into(), c.quota.fresh.into());
    out.insert("quotaScore".into(), number_value(c.quota.score));
    out.insert(
        "remainingPercentage".into(),
        snapshot
            .and_then(|s| s.get("remainingPercentage"))
            .cloned()
            .unwrap_or(Value::Null),
    );
    Value::Object(out)
}
