//! `explainProviderConnectionSelection`: the `/account-selection` view (§7.4) — what the
//! selection decided and, for every connection of the provider, which checks it passed.

use serde_json::{Map, Value};

use super::quota::{QuotaStrategy, Verdict};
use super::{evaluate, Candidate, Empty, Evaluation, Pick, SelectOptions, Selection};
use crate::js_value::{number_value, to_js_string};
use crate::routing::budget::fixed::js_to_fixed;

/// The entry of `/account-selection` for one provider and model:
/// `{provider, model, status, selectedConnectionId, strategy, quotaStrategy, quotaMaxAgeMs,
/// quotaMinRemainingPercentage, candidates, message}`.
///
/// `candidates` lists *every* connection of the provider, inactive ones included, in priority
/// order: `{id, provider, isActive, priority, selected, selectable, reasons, lastUsedAt,
/// consecutiveUseCount, modelLockUntil, quotaSelection, quotaFresh, quotaScore,
/// remainingPercentage}`.
/// * `isActive` is the effective flag (`isActive !== false`); absent fields read `null`.
/// * `reasons` are the router's texts, in its order: `"inactive connection"`, `"excluded by
///   current fallback attempt"`, `"model cooldown for <model>"` (`"provider cooldown"` without a
///   model), then, unless quota is off, one of `"quota snapshot is missing or stale"`, `"quota
///   snapshot is depleted"`, `"remaining quota is below <min>%"`, `"quota score <0.00>"`, then
///   `"preferred connection requested"` / `"not the requested preferred connection"` when a
///   preferred id is given. The selected connection gets `"selected by account strategy"`
///   first; another selectable one with no reason gets `"available but lower priority than
///   selected connection"`.
/// * `modelLockUntil` is when the lock for this model ends (the later of the model's and the
///   account-wide active lock), else `null`.
/// * `quotaScore` is the ranking score (-1 without a fresh snapshot), also when ranking is off;
///   `remainingPercentage` is the snapshot's number, fresh or not, else `null` (§7.4: only a
///   finite value is reported).
pub fn explain_provider_connection_selection(options: &SelectOptions) -> Value {
    let eval = evaluate(options);
    let picked = eval.picked;
    let candidates: Vec<Value> = eval
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| candidate(c, &eval, options, picked.is_some_and(|p| p.0 == i)))
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
                Pick::FirstRanked if eval.policy.quota == QuotaStrategy::Off => {
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

/// The candidate's `reasons`, with the router's texts and order (§7.4; its own tests match
/// them): every check that fails, the quota verdict when quota matters, the preferred-id match,
/// and how the selected connection compares. `selectable` is decided by the same checks the
/// selection makes, so the texts never disagree with the outcome.
fn reasons(
    c: &Candidate,
    eval: &Evaluation,
    options: &SelectOptions,
    selected: bool,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if !c.active {
        out.push("inactive connection".into());
    }
    if c.excluded {
        out.push("excluded by current fallback attempt".into());
    }
    if c.lock_until.is_some() {
        out.push(match options.model.as_deref() {
            Some(model) => format!("model cooldown for {model}"),
            None => "provider cooldown".into(),
        });
    }
    if eval.policy.quota != QuotaStrategy::Off {
        out.push(if !c.quota.fresh {
            // Blocking only under require-remaining; under prefer-remaining it ranks last.
            "quota snapshot is missing or stale".into()
        } else {
            match c.quota.verdict {
                Verdict::Depleted => "quota snapshot is depleted".into(),
                Verdict::BelowMinimum => format!(
                    "remaining quota is below {}%",
                    to_js_string(&number_value(eval.policy.quota_min_remaining))
                ),
                Verdict::Pass | Verdict::NotFresh => {
                    format!("quota score {}", js_to_fixed(c.quota.score, 2))
                }
            }
        });
    }
    // "Given" as the router tests it: a non-empty id.
    if let Some(preferred) = options
        .preferred_connection_id
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        out.push(if c.id() == Some(preferred) {
            "preferred connection requested".into()
        } else {
            "not the requested preferred connection".into()
        });
    }
    if selected {
        out.insert(0, "selected by account strategy".into());
    } else if eval.picked.is_some() && c.selectable() && out.is_empty() {
        out.push("available but lower priority than selected connection".into());
    }
    out
}

fn candidate(c: &Candidate, eval: &Evaluation, options: &SelectOptions, selected: bool) -> Value {
    let conn = c.connection;
    let field = |key: &str| conn.get(key).cloned().unwrap_or(Value::Null);
    let reasons = reasons(c, eval, options, selected)
        .into_iter()
        .map(Value::from)
        .collect();
    let snapshot = c.quota.snapshot;
    let mut out = Map::new();
    out.insert("id".into(), field("id"));
    out.insert("provider".into(), field("provider"));
    out.insert("isActive".into(), c.active.into());
    out.insert("priority".into(), field("priority"));
    out.insert("selected".into(), selected.into());
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
            .filter(|v| v.is_number())
            .cloned()
            .unwrap_or(Value::Null),
    );
    Value::Object(out)
}
