//! `explainProviderConnectionSelection`: the `/account-selection` view (§7.4) — what the
//! selection decided and, for every connection of the provider, which checks it passed.

use serde_json::Value;

use super::quota::{QuotaStrategy, Verdict};
use super::{
    evaluate, resolve_policy, Candidate, Empty, Evaluation, Pick, Policy, SelectOptions, Selection,
};
use crate::connections::{FallbackStrategy, Object, ProviderConnection};
use crate::js_value::{number_value, to_js_string};
use crate::routing::explanation::{
    CandidateExplanation, CandidateReason, SelectionExplanation, SelectionPolicy, SelectionStatus,
};

impl SelectionPolicy {
    /// The policy `provider`'s accounts are selected with under `settings`, read as given (as
    /// [`SelectOptions::settings`] is: a partial object is not merged with the store's
    /// defaults).
    pub fn resolve(settings: &Object, provider: &str) -> Self {
        policy_of(&resolve_policy(settings, provider))
    }
}

fn policy_of(policy: &Policy) -> SelectionPolicy {
    SelectionPolicy {
        strategy: FallbackStrategy::from_value(&policy.strategy),
        quota_strategy: policy.quota,
        quota_max_age_ms: policy.quota_max_age_ms,
        quota_min_remaining_percentage: policy.quota_min_remaining,
        sticky_round_robin_limit: policy.sticky_limit,
    }
}

/// The entry of `/account-selection` for one provider and model; its
/// [`to_json`](SelectionExplanation::to_json) is
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
pub fn explain_provider_connection_selection(options: &SelectOptions) -> SelectionExplanation {
    let eval = evaluate(options);
    let picked = eval.picked;
    let candidates: Vec<CandidateExplanation> = eval
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
        Selection::Missing => SelectionStatus::Missing,
        Selection::Unavailable { .. } => SelectionStatus::Unavailable,
        Selection::Selected { .. } => SelectionStatus::Selected,
    };
    SelectionExplanation {
        provider: provider.to_owned(),
        model: options.model.clone(),
        status,
        policy: policy_of(&eval.policy),
        candidates,
        message,
    }
}

/// The candidate's `reasons`, in the router's order (§7.4; its own tests match the texts,
/// which [`CandidateReason`]'s `Display` gives): every check that fails, the quota verdict
/// when quota matters, the preferred-id match, and how the selected connection compares.
/// `selectable` is decided by the same checks the selection makes, so the reasons never
/// disagree with the outcome.
fn reasons(
    c: &Candidate,
    eval: &Evaluation,
    options: &SelectOptions,
    selected: bool,
) -> Vec<CandidateReason> {
    let mut out: Vec<CandidateReason> = Vec::new();
    if !c.active {
        out.push(CandidateReason::Inactive);
    }
    if c.excluded {
        out.push(CandidateReason::Excluded);
    }
    if c.lock_until.is_some() {
        out.push(match options.model.as_deref() {
            Some(model) => CandidateReason::ModelCooldown {
                model: model.to_owned(),
            },
            None => CandidateReason::ProviderCooldown,
        });
    }
    if eval.policy.quota != QuotaStrategy::Off {
        out.push(if !c.quota.fresh {
            // Blocking only under require-remaining; under prefer-remaining it ranks last.
            CandidateReason::QuotaMissingOrStale
        } else {
            match c.quota.verdict {
                Verdict::Depleted => CandidateReason::QuotaDepleted,
                Verdict::BelowMinimum => CandidateReason::QuotaBelowMinimum {
                    min_percentage: eval.policy.quota_min_remaining,
                },
                Verdict::Pass | Verdict::NotFresh => CandidateReason::QuotaScore {
                    score: c.quota.score,
                },
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
            CandidateReason::Preferred
        } else {
            CandidateReason::NotPreferred
        });
    }
    if selected {
        out.insert(0, CandidateReason::SelectedByStrategy);
    } else if eval.picked.is_some() && c.selectable() && out.is_empty() {
        out.push(CandidateReason::LowerPriorityThanSelected);
    }
    out
}

fn candidate(
    c: &Candidate,
    eval: &Evaluation,
    options: &SelectOptions,
    selected: bool,
) -> CandidateExplanation {
    CandidateExplanation {
        connection: ProviderConnection::from(c.connection.clone()),
        is_active: c.active,
        selected,
        selectable: c.selectable(),
        reasons: reasons(c, eval, options, selected),
        model_lock_until: c.lock_until.map(|(_, until)| until.to_owned()),
        quota_selection: c.quota.snapshot.cloned(),
        quota_fresh: c.quota.fresh,
        quota_score: c.quota.score,
    }
}
