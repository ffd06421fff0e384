//! `acquireProviderConnection`: select a connection and persist its round-robin bookkeeping in
//! one locked step, so N processes acquiring at once produce exactly the sequence one process
//! would (the reference selects, then writes `updates` separately, and two routers racing can
//! both pick the same "next" account).

use serde_json::Value;

use super::select::{select_provider_connection, SelectOptions, Selection, SelectionUpdates};
use crate::connections::state::Stamp;
use crate::connections::{
    ConnectionState, Object, Patch, ProviderConnectionStore, ProviderConnectionStoreExt,
};
use crate::error::Result;
use crate::time::{parse_js_date, to_iso_string};

/// What to exclude or prefer, and an optional explicit time (else the store's clock).
#[derive(Clone, Debug, Default)]
pub struct AcquireOptions {
    /// Connections not to hand out (already tried for this request).
    pub exclude_connection_ids: Vec<String>,
    /// The connection to use when it is selectable.
    pub preferred_connection_id: Option<String>,
    /// Epoch ms to decide at; `None` reads the store's clock.
    pub now: Option<f64>,
}

/// How far ahead of the clock a `lastUsedAt` still counts as a turn. Bursts within one
/// millisecond step `lastUsedAt` ahead 1 ms at a time, and those steps must keep their order; a
/// use further ahead comes from a skewed clock or a restored file and is read as "just now".
const TURN_SKEW_TOLERANCE_MS: f64 = 60_000.0;

/// Selects among the provider's active connections with the stored settings and writes the
/// selection's `updates` before releasing the lock.
///
/// Every check (locks, quota freshness) uses the real time: `options.now`, else the store's
/// clock. Only the turn order is adjusted. The `lastUsedAt` written is that time, or 1 ms after
/// the latest use if that is later: two acquisitions in the same millisecond would otherwise tie,
/// and round-robin would pick by priority instead of by turn. A use more than
/// [`TURN_SKEW_TOLERANCE_MS`] ahead is read as a use at `now`, both for the order and for that
/// 1 ms step, so a skewed time is neither copied to the other accounts nor keeps its account
/// "most recent" (and so skipped) until the clock catches up.
pub fn acquire_provider_connection<S: ProviderConnectionStore + ?Sized>(
    store: &S,
    provider: &str,
    model: Option<&str>,
    options: &AcquireOptions,
) -> Result<Selection> {
    store.mutate(|state, stamp| acquire_in(state, stamp, provider, model, options))
}

/// [`acquire_provider_connection`] on a state the caller holds.
pub fn acquire_in(
    state: &mut ConnectionState,
    stamp: &mut Stamp<'_>,
    provider: &str,
    model: Option<&str>,
    options: &AcquireOptions,
) -> (Selection, bool) {
    let mut filter = Object::new();
    filter.insert("provider".into(), Value::from(provider));
    filter.insert("isActive".into(), Value::Bool(true));
    let connections = state.connections(&filter);
    let now = options.now.unwrap_or(stamp.now_ms);
    let (turns, latest_use) = turn_view(&connections, now);
    let selection = select_provider_connection(&SelectOptions {
        provider: provider.to_owned(),
        model: model.map(str::to_owned),
        connections: turns,
        settings: state.settings(),
        exclude_connection_ids: options.exclude_connection_ids.clone(),
        preferred_connection_id: options.preferred_connection_id.clone(),
        now,
    });
    let Selection::Selected {
        connection: picked,
        updates,
    } = selection
    else {
        return (selection, false);
    };
    let id = picked.get("id").cloned().unwrap_or(Value::Null);
    // The stored connection, not the turn view (which may carry a clamped `lastUsedAt`).
    let original = connections
        .into_iter()
        .find(|c| c.get("id") == Some(&id))
        .unwrap_or(picked);
    let Some(updates) = updates else {
        return (
            Selection::Selected {
                connection: original,
                updates: None,
            },
            false,
        );
    };
    let updates = SelectionUpdates {
        // Out of the JS date range (a bad `options.now`): keep what the selection wrote.
        last_used_at: to_iso_string(now.max(latest_use + 1.0)).unwrap_or(updates.last_used_at),
        consecutive_use_count: updates.consecutive_use_count,
    };
    let mut fields = Object::new();
    fields.insert(
        "lastUsedAt".into(),
        Value::from(updates.last_used_at.clone()),
    );
    fields.insert(
        "consecutiveUseCount".into(),
        crate::js_value::number_value(updates.consecutive_use_count),
    );
    let stored = state
        .update_connection(id.as_str().unwrap_or_default(), &Patch::from(fields), stamp)
        .unwrap_or(original);
    (
        Selection::Selected {
            connection: stored,
            updates: Some(updates),
        },
        true,
    )
}

/// The connections as round-robin should order them at `now`, and the latest use among them
/// (`-inf` if none): a `lastUsedAt` beyond the skew tolerance is replaced by `now`.
fn turn_view(connections: &[Object], now: f64) -> (Vec<Object>, f64) {
    let mut latest = f64::NEG_INFINITY;
    let turns = connections
        .iter()
        .map(|c| {
            let used = c
                .get("lastUsedAt")
                .and_then(Value::as_str)
                .and_then(parse_js_date);
            match used {
                Some(t) if t > now + TURN_SKEW_TOLERANCE_MS => {
                    latest = latest.max(now);
                    let mut c = c.clone();
                    c.insert(
                        "lastUsedAt".into(),
                        to_iso_string(now).map_or(Value::Null, Value::from),
                    );
                    c
                }
                Some(t) => {
                    latest = latest.max(t);
                    c.clone()
                }
                None => c.clone(),
            }
        })
        .collect();
    (turns, latest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections::InMemoryProviderConnectionStore;
    use crate::env::{FixedClock, SequenceRandom};
    use serde_json::json;

    #[test]
    fn sticky_round_robin_sequence_with_a_frozen_clock() {
        let clock = Box::new(FixedClock(1_779_408_000_000.0));
        let store = InMemoryProviderConnectionStore::with_env(
            None,
            clock,
            Box::new(SequenceRandom::default()),
        );
        for name in ["a", "b", "c"] {
            let input = json!({"provider": "p", "name": name});
            store
                .create_provider_connection(&input.as_object().unwrap().into())
                .unwrap();
        }
        let settings = json!({"fallbackStrategy": "round-robin", "stickyRoundRobinLimit": 2});
        store
            .update_settings(&settings.as_object().unwrap().into())
            .unwrap();
        let picked: Vec<String> = (0..8)
            .map(|_| {
                match acquire_provider_connection(
                    &store,
                    "p",
                    Some("m"),
                    &AcquireOptions::default(),
                )
                .unwrap()
                {
                    Selection::Selected { connection, .. } => {
                        connection["name"].as_str().unwrap().to_owned()
                    }
                    other => panic!("unexpected {other:?}"),
                }
            })
            .collect();
        assert_eq!(picked, ["a", "a", "b", "b", "c", "c", "a", "a"]);
    }
}
