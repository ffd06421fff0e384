//! `acquireProviderConnection`: select a connection and persist its round-robin bookkeeping in
//! one locked step, so N processes acquiring at once produce exactly the sequence one process
//! would (the reference selects, then writes `updates` separately, and two routers racing can
//! both pick the same "next" account).

use serde_json::Value;

use super::select::{select_provider_connection, SelectOptions, Selection};
use crate::connections::{Object, ProviderConnectionStore};
use crate::error::Result;
use crate::time::parse_js_date;

/// What to exclude or prefer, and an optional explicit time (else the store's clock).
#[derive(Clone, Debug, Default)]
pub struct AcquireOptions {
    pub exclude_connection_ids: Vec<String>,
    pub preferred_connection_id: Option<String>,
    pub now: Option<f64>,
}

/// Selects among the provider's active connections with the stored settings and writes the
/// selection's `updates` before releasing the lock. The time used is never earlier than 1 ms
/// after the latest `lastUsedAt` of the provider's connections: two acquisitions in the same
/// millisecond would otherwise tie, and round-robin would pick by priority instead of by turn.
pub fn acquire_provider_connection<S: ProviderConnectionStore>(
    store: &S,
    provider: &str,
    model: Option<&str>,
    options: &AcquireOptions,
) -> Result<Selection> {
    store.mutate(|state, stamp| {
        let mut filter = Object::new();
        filter.insert("provider".into(), Value::from(provider));
        filter.insert("isActive".into(), Value::Bool(true));
        let connections = state.connections(&filter);
        let latest_use = connections
            .iter()
            .filter_map(|c| {
                c.get("lastUsedAt")
                    .and_then(Value::as_str)
                    .and_then(parse_js_date)
            })
            .fold(f64::NEG_INFINITY, f64::max);
        let now = options.now.unwrap_or(stamp.now_ms).max(latest_use + 1.0);
        let selection = select_provider_connection(&SelectOptions {
            provider: provider.to_owned(),
            model: model.map(str::to_owned),
            connections,
            settings: state.settings(),
            exclude_connection_ids: options.exclude_connection_ids.clone(),
            preferred_connection_id: options.preferred_connection_id.clone(),
            now,
        });
        match selection {
            Selection::Selected {
                connection,
                updates: Some(updates),
            } => {
                let id = connection
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
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
                    .update_connection(&id, &fields, stamp)
                    .unwrap_or(connection);
                (
                    Selection::Selected {
                        connection: stored,
                        updates: Some(updates),
                    },
                    true,
                )
            }
            other => (other, false),
        }
    })
}

/// `acquireProviderConnection [provider, model, {excludeConnectionIds?, preferredConnectionId?,
/// now?}]` by npm name, for [`crate::connections::dispatch`].
pub fn store_call<S: ProviderConnectionStore>(
    store: &S,
    op: &str,
    args: &[Value],
) -> Option<Result<Value>> {
    if op != "acquireProviderConnection" {
        return None;
    }
    let provider = args.first().and_then(Value::as_str).unwrap_or_default();
    let model = args.get(1).and_then(Value::as_str);
    let opts = args.get(2);
    let exclude = match opts.and_then(|o| o.get("excludeConnectionIds")) {
        Some(Value::String(id)) => vec![id.clone()],
        Some(Value::Array(ids)) => ids
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let options = AcquireOptions {
        exclude_connection_ids: exclude,
        preferred_connection_id: opts
            .and_then(|o| o.get("preferredConnectionId"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        now: opts.and_then(|o| o.get("now")).and_then(Value::as_f64),
    };
    Some(acquire_provider_connection(store, provider, model, &options).map(|s| s.to_json()))
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
                .create_provider_connection(input.as_object().unwrap())
                .unwrap();
        }
        let settings = json!({"fallbackStrategy": "round-robin", "stickyRoundRobinLimit": 2});
        store
            .update_settings(settings.as_object().unwrap())
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
