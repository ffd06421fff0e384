//! Which provider connection serves a request: `selectProviderConnection` of the router
//! (reference §6.2), and the per-candidate view behind `/account-selection` (§7.4).
//!
//! Differences from the reference, all deliberate:
//! * Time is only ever `options.now`. The reference checks locks and formats `retryAfterHuman`
//!   against the real clock while judging quota freshness with `options.now`.
//! * An active `modelLock___all` locks the connection even when the model's own key holds an
//!   expired time (TV-29; see [`is_model_lock_active`]).
//! * `retryAfter` is the earliest lock compared as *times*; the reference sorts the strings,
//!   which only agrees for canonical `toISOString` values.
//! * Options without `settings` get the store defaults (quota ranking on), which is what every
//!   real caller passes (`getSettings()` is always fully materialized).
//!
//! Where §6.2 is silent: an unparseable `lastUsedAt` counts as never used (last for "most
//! recent", first for "least recent"); only string `checkedAt`/`lastUsedAt`/lock values are read
//! as times; a fresh snapshot's `score` counts only when it is a JSON number; a missing
//! `remainingPercentage` passes `require-remaining` like `null`.

mod explain;
pub(crate) mod locks;
pub(crate) mod quota;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

pub use explain::explain_provider_connection_selection;
pub use locks::{earliest_model_lock_until, is_model_lock_active};
pub use quota::QuotaStrategy;

use crate::connections::state::sort_priority;
use crate::connections::Object;
use crate::js_value::{number_value, parse_float, parse_int, to_js_string, truthy};
use crate::time::{parse_js_date, to_iso_string};

/// Quota snapshots older than this are stale unless the settings say otherwise.
const DEFAULT_QUOTA_MAX_AGE_MS: f64 = 300_000.0;
/// Round-robin picks per connection before rotating, unless the settings say otherwise.
use crate::connections::settings::DEFAULT_STICKY_ROUND_ROBIN_LIMIT as DEFAULT_STICKY_LIMIT;

/// Input of [`select_provider_connection`].
#[derive(Clone, Debug)]
pub struct SelectOptions {
    /// The provider the request is for.
    pub provider: String,
    /// The bare model id; `None` (or `""`) consults only the account-wide lock.
    pub model: Option<String>,
    /// The candidates: stored connections or bare references (`id`, `provider`, ...).
    pub connections: Vec<Object>,
    /// Settings as stored (TV-2 shape), read as given: a partial object is not merged with the
    /// defaults, exactly as the router reads it.
    pub settings: Object,
    /// Connections not to pick (already tried).
    pub exclude_connection_ids: Vec<String>,
    /// The connection to pick when it is selectable.
    pub preferred_connection_id: Option<String>,
    /// Epoch milliseconds; must be a valid JS time (round-robin writes it as ISO).
    pub now: f64,
}

/// Round-robin bookkeeping the caller writes onto the selected connection.
#[derive(Clone, Debug, PartialEq)]
pub struct SelectionUpdates {
    /// `lastUsedAt` to write (ISO).
    pub last_used_at: String,
    /// `consecutiveUseCount` to write.
    pub consecutive_use_count: f64,
}

/// The result objects of `selectProviderConnection`.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    /// No usable connection, and none that would become usable by waiting.
    Missing,
    /// Every remaining connection is locked; values come from the locks and the
    /// highest-priority locked connection. `None` = the key was absent (JS `undefined`).
    Unavailable {
        /// When the first lock expires (ISO).
        retry_after: String,
        /// The same, for people (`"reset after 2s"`).
        retry_after_human: String,
        /// The `lastError` of the highest-priority locked connection.
        last_error: Option<Value>,
        /// Its `lastErrorCode`.
        last_error_code: Option<Value>,
    },
    /// A connection to use.
    Selected {
        /// The connection as stored.
        connection: Object,
        /// Round-robin bookkeeping to write onto it, when the strategy keeps any.
        updates: Option<SelectionUpdates>,
    },
}

impl Selection {
    /// The reference's JSON, keys in its order; absent values are left out as
    /// `JSON.stringify` drops `undefined`.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        match self {
            Selection::Missing => {
                out.insert("status".into(), "missing".into());
            }
            Selection::Unavailable {
                retry_after,
                retry_after_human,
                last_error,
                last_error_code,
            } => {
                out.insert("status".into(), "unavailable".into());
                out.insert("retryAfter".into(), retry_after.as_str().into());
                out.insert("retryAfterHuman".into(), retry_after_human.as_str().into());
                if let Some(v) = last_error {
                    out.insert("lastError".into(), v.clone());
                }
                if let Some(v) = last_error_code {
                    out.insert("lastErrorCode".into(), v.clone());
                }
            }
            Selection::Selected {
                connection,
                updates,
            } => {
                out.insert("status".into(), "selected".into());
                out.insert("connection".into(), Value::Object(connection.clone()));
                if let Some(u) = updates {
                    let mut map = Map::new();
                    map.insert("lastUsedAt".into(), u.last_used_at.as_str().into());
                    map.insert(
                        "consecutiveUseCount".into(),
                        number_value(u.consecutive_use_count),
                    );
                    out.insert("updates".into(), Value::Object(map));
                }
            }
        }
        Value::Object(out)
    }
}

impl Serialize for Selection {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// The strategy knobs for one provider (§6.2 step 4), after per-provider overrides.
#[derive(Clone, Debug)]
struct Policy {
    /// `fallbackStrategy` as resolved, unvalidated (`"bogus"` behaves like fill-first).
    strategy: Value,
    quota: QuotaStrategy,
    quota_max_age_ms: f64,
    quota_min_remaining: f64,
    sticky_limit: f64,
}

impl Policy {
    fn round_robin(&self) -> bool {
        self.strategy.as_str() == Some("round-robin")
    }
}

/// `v` unless it is missing or `null` (the `??` test).
fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

fn resolve_policy(settings: &Object, provider: &str) -> Policy {
    // `settings.providerStrategies?.[provider] ?? {}`; a non-object entry has no fields.
    let over = settings
        .get("providerStrategies")
        .and_then(Value::as_object)
        .and_then(|all| all.get(provider))
        .and_then(Value::as_object);
    let pick =
        |key: &str| present(over.and_then(|o| o.get(key))).or_else(|| present(settings.get(key)));
    let strategy = pick("fallbackStrategy")
        .cloned()
        .unwrap_or_else(|| "fill-first".into());
    let quota_default = if strategy.as_str() == Some("quota-aware") {
        "prefer-remaining"
    } else {
        "off"
    };
    let quota = QuotaStrategy::normalize(Some(
        pick("quotaStrategy").unwrap_or(&Value::from(quota_default)),
    ));
    let text = |key: &str| pick(key).map(to_js_string).unwrap_or_default();
    let max_age = parse_int(&text("quotaMaxAgeMs"));
    let min_remaining = parse_float(&text("quotaMinRemainingPercentage"));
    let sticky =
        pick("stickyRoundRobinLimit").map_or(DEFAULT_STICKY_LIMIT, |v| parse_int(&to_js_string(v)));
    Policy {
        strategy,
        quota,
        quota_max_age_ms: if max_age.is_finite() && max_age >= 0.0 {
            max_age
        } else {
            DEFAULT_QUOTA_MAX_AGE_MS
        },
        // `Infinity` is not a percentage: it falls back to 0 like NaN.
        quota_min_remaining: if min_remaining.is_finite() {
            min_remaining.clamp(0.0, 100.0)
        } else {
            0.0
        },
        sticky_limit: if sticky.is_finite() && sticky > 0.0 {
            sticky
        } else {
            DEFAULT_STICKY_LIMIT
        },
    }
}

/// One connection of the provider, with every check the selection makes.
#[derive(Clone, Debug)]
struct Candidate<'a> {
    connection: &'a Object,
    /// `isActive !== false`.
    active: bool,
    excluded: bool,
    /// The active lock for the requested model: (time, original string).
    lock_until: Option<(f64, &'a str)>,
    quota: quota::Assessment<'a>,
}

impl Candidate<'_> {
    fn unlocked(&self) -> bool {
        self.active && !self.excluded && self.lock_until.is_none()
    }

    fn selectable(&self) -> bool {
        self.unlocked() && self.quota.verdict == quota::Verdict::Pass
    }

    fn id(&self) -> Option<&str> {
        self.connection.get("id").and_then(Value::as_str)
    }

    fn last_used(&self) -> Option<f64> {
        self.connection
            .get("lastUsedAt")
            .and_then(Value::as_str)
            .and_then(parse_js_date)
    }
}

/// How the selected connection was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pick {
    Preferred,
    FirstRanked,
    Sticky,
    LeastRecent,
}

/// Why nothing was selected (for the explanation's message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Empty {
    NoActive,
    AllLocked,
    AllExcluded,
    QuotaFiltered,
}

struct Evaluation<'a> {
    policy: Policy,
    /// The provider's connections (inactive ones too), stable-sorted by priority.
    candidates: Vec<Candidate<'a>>,
    selection: Selection,
    picked: Option<(usize, Pick)>,
    empty: Option<Empty>,
}

fn evaluate(options: &SelectOptions) -> Evaluation<'_> {
    let policy = resolve_policy(&options.settings, &options.provider);
    let model = options.model.as_deref();
    let now = options.now;
    let mut connections: Vec<&Object> = options
        .connections
        .iter()
        .filter(|c| c.get("provider").and_then(Value::as_str) == Some(options.provider.as_str()))
        .collect();
    crate::sort::stable_sort_by(&mut connections, &|a, b| {
        sort_priority(a.get("priority")).total_cmp(&sort_priority(b.get("priority")))
    });
    let candidates: Vec<Candidate> = connections
        .into_iter()
        .map(|c| {
            let id = c.get("id").and_then(Value::as_str);
            Candidate {
                connection: c,
                active: crate::connections::connection::is_active_flag(c.get("isActive")),
                excluded: id
                    .is_some_and(|id| options.exclude_connection_ids.iter().any(|x| x == id)),
                lock_until: locks::model_lock_until(c, model, now),
                quota: quota::assess(
                    c,
                    policy.quota,
                    policy.quota_max_age_ms,
                    policy.quota_min_remaining,
                    now,
                ),
            }
        })
        .collect();
    let (selection, picked, empty) = choose(&candidates, &policy, options);
    Evaluation {
        policy,
        candidates,
        selection,
        picked,
        empty,
    }
}

type Choice = (Selection, Option<(usize, Pick)>, Option<Empty>);

fn choose(candidates: &[Candidate], policy: &Policy, options: &SelectOptions) -> Choice {
    let now = options.now;
    let missing = |why| (Selection::Missing, None, Some(why));
    let active: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].active)
        .collect();
    if active.is_empty() {
        return missing(Empty::NoActive);
    }
    if !active.iter().any(|&i| candidates[i].unlocked()) {
        // Locked connections count even when also excluded; excluded-only ones do not.
        let locked: Vec<&Candidate> = active
            .iter()
            .map(|&i| &candidates[i])
            .filter(|c| c.lock_until.is_some())
            .collect();
        let earliest = locked
            .iter()
            .filter_map(|c| locks::earliest_lock(c.connection, now))
            .fold(None, |best: Option<(f64, &str)>, lock| match best {
                Some(b) if b.0 <= lock.0 => Some(b),
                _ => Some(lock),
            });
        return match (earliest, locked.first()) {
            (Some((_, until)), Some(first)) => {
                let field = |key: &str| first.connection.get(key).cloned();
                (
                    Selection::Unavailable {
                        retry_after: until.to_owned(),
                        retry_after_human: super::cooldown::format_retry_after(Some(until), now),
                        last_error: field("lastError"),
                        last_error_code: field("errorCode"),
                    },
                    None,
                    Some(Empty::AllLocked),
                )
            }
            _ => missing(Empty::AllExcluded),
        };
    }
    let eligible: Vec<usize> = active
        .into_iter()
        .filter(|&i| candidates[i].selectable())
        .collect();
    let Some(&first) = eligible.first() else {
        return missing(Empty::QuotaFiltered);
    };
    let select = |i: usize, pick: Pick, count: Option<f64>| {
        let updates = count.map(|n| SelectionUpdates {
            // `options.now` is validated by the caller; an invalid time writes "".
            last_used_at: to_iso_string(now).unwrap_or_default(),
            consecutive_use_count: n,
        });
        (
            Selection::Selected {
                connection: candidates[i].connection.clone(),
                updates,
            },
            Some((i, pick)),
            None,
        )
    };

    if let Some(preferred) = options.preferred_connection_id.as_deref() {
        if let Some(&i) = eligible
            .iter()
            .find(|&&i| candidates[i].id() == Some(preferred))
        {
            return select(i, Pick::Preferred, None);
        }
    }

    if !policy.round_robin() {
        // Ranking keeps the priority order among equal scores (the list is already sorted).
        let best = if policy.quota == QuotaStrategy::Off {
            first
        } else {
            eligible.iter().copied().fold(first, |best, i| {
                if candidates[i].quota.score > candidates[best].quota.score {
                    i
                } else {
                    best
                }
            })
        };
        return select(best, Pick::FirstRanked, None);
    }

    // Sticky round-robin over the quota-filtered list in priority order.
    let current = eligible
        .iter()
        .copied()
        .fold(None, |best: Option<(usize, f64)>, i| {
            match (best, candidates[i].last_used()) {
                (Some(b), Some(t)) if t <= b.1 => Some(b),
                (_, Some(t)) => Some((i, t)),
                (b, None) => b,
            }
        })
        .map_or(first, |(i, _)| i);
    let conn = candidates[current].connection;
    let count = conn
        .get("consecutiveUseCount")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    if truthy(conn.get("lastUsedAt")) && count < policy.sticky_limit {
        return select(current, Pick::Sticky, Some(count + 1.0));
    }
    // Never-used (or unreadable) first, then the oldest; ties keep the priority order.
    let next = eligible
        .iter()
        .copied()
        .find(|&i| candidates[i].last_used().is_none())
        .unwrap_or_else(|| {
            eligible.iter().copied().fold(first, |best, i| {
                match (candidates[i].last_used(), candidates[best].last_used()) {
                    (Some(t), Some(b)) if t < b => i,
                    _ => best,
                }
            })
        });
    select(next, Pick::LeastRecent, Some(1.0))
}

/// `selectProviderConnection(options)` (§6.2).
pub fn select_provider_connection(options: &SelectOptions) -> Selection {
    evaluate(options).selection
}

#[cfg(test)]
mod tests;
