//! The store operations by npm method name: the one table from the names JavaScript calls to
//! the typed operations of [`crate::connections`] and [`crate::routing`].

use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::Args;
use crate::connections::store::written_if_found;
use crate::connections::{ConnectionState, Object, ProviderConnectionStore, StateCall};
use crate::error::{Error, ErrorCode, Result};
use crate::routing::acquire::{acquire_in, AcquireOptions};
use crate::routing::auth_sync::{auth_entries, invalid, sync_state};
use crate::routing::health::{clear_error_in, mark_unavailable_in};
use crate::routing::{clear_cooldown_in, resolve_route_plan, ComboRotation};

/// Runs a store operation by its npm method name, returning the result as JSON (`null` for a
/// missing record).
pub fn dispatch<S: ProviderConnectionStore + ?Sized>(store: &S, args: &Args) -> Result<Value> {
    state_call(args, store.combo_rotation())?.run_on(store)
}

fn list(items: Vec<Object>) -> Value {
    Value::Array(items.into_iter().map(Value::Object).collect())
}

fn one(item: Option<Object>) -> Value {
    item.map(Value::Object).unwrap_or(Value::Null)
}

fn read(f: impl FnOnce(&ConnectionState) -> Value + 'static) -> StateCall {
    StateCall::read(move |s| Ok(f(s)))
}

/// A mutation with a JSON result that always changes the state.
fn write(
    f: impl FnOnce(&mut ConnectionState, &mut crate::connections::Stamp<'_>) -> Value + 'static,
) -> StateCall {
    StateCall::mutate(move |s, stamp| (Ok(f(s, stamp)), true))
}

/// A mutation of one record: it changes the state only when the record exists.
fn write_found(
    f: impl FnOnce(&mut ConnectionState, &mut crate::connections::Stamp<'_>) -> Option<Object> + 'static,
) -> StateCall {
    StateCall::mutate(move |s, stamp| {
        let (out, changed) = written_if_found(f(s, stamp));
        (Ok(one(out)), changed)
    })
}

/// The store operation `args.op()` names, with its arguments decoded; `rotation` is the
/// store's combo rotation (`planRoutes`, `resetComboRotation`).
pub fn state_call(args: &Args, rotation: &Arc<Mutex<ComboRotation>>) -> Result<StateCall> {
    if let Some(step) = super::quota::prepare_step(args) {
        return step;
    }
    Ok(match args.op() {
        "getProviderConnections" => {
            let filter = args.object_or_empty(0);
            read(move |s| list(s.connections(&filter)))
        }
        "getProviderConnectionById" => {
            let id = args.id(0);
            read(move |s| one(s.connection(&id)))
        }
        "createProviderConnection" => {
            let data = args.patch(0, true)?;
            write(move |s, stamp| Value::Object(s.create_connection(&data, stamp)))
        }
        "updateProviderConnection" => {
            let (id, data) = (args.id(0), args.patch(1, false)?);
            write_found(move |s, stamp| s.update_connection(&id, &data, stamp))
        }
        "deleteProviderConnection" => {
            let id = args.id(0);
            write_found(move |s, _| s.delete_connection(&id))
        }
        "getSettings" => read(|s| Value::Object(s.settings())),
        "updateSettings" => {
            let data = args.patch(0, false)?;
            write(move |s, _| Value::Object(s.update_settings(&data)))
        }
        "getProxyPools" => {
            let filter = args.object_or_empty(0);
            read(move |s| list(s.proxy_pools(&filter)))
        }
        "getProxyPoolById" => {
            let id = args.id(0);
            read(move |s| one(s.proxy_pool(&id)))
        }
        "createProxyPool" => {
            let data = args.patch(0, true)?;
            write(move |s, stamp| Value::Object(s.create_proxy_pool(&data, stamp)))
        }
        "updateProxyPool" => {
            let (id, data) = (args.id(0), args.patch(1, false)?);
            write_found(move |s, stamp| s.update_proxy_pool(&id, &data, stamp))
        }
        "deleteProxyPool" => {
            let id = args.id(0);
            write_found(move |s, _| s.delete_proxy_pool(&id))
        }
        "planRoutes" => {
            let requested = args.id(0);
            let rotation = rotation.clone();
            StateCall::read(move |s| {
                let settings = Value::Object(s.settings());
                let mut rotation = rotation.lock().unwrap_or_else(|e| e.into_inner());
                Ok(resolve_route_plan(&requested, Some(&settings), &mut rotation)?.to_value())
            })
        }
        "resetComboRotation" => {
            let name = args.text(0);
            let rotation = rotation.clone();
            StateCall::Local(Box::new(move || {
                let mut rotation = rotation.lock().unwrap_or_else(|e| e.into_inner());
                rotation.reset(name.as_deref());
                Ok(Value::Null)
            }))
        }
        // `now` defaults to the store's clock (read under the lock), as every store operation's.
        "markProviderConnectionUnavailable" => {
            let (id, model, now) = (
                args.text(0).unwrap_or_default(),
                args.text(1),
                args.number(3),
            );
            let error = args.get(2).cloned().unwrap_or(Value::Null);
            StateCall::mutate(move |state, stamp| {
                let now = now.unwrap_or(stamp.now_ms);
                let (c, changed) =
                    mark_unavailable_in(state, stamp, &id, model.as_deref(), &error, now);
                (Ok(one(c)), changed)
            })
        }
        "clearProviderConnectionError" => {
            let (id, model, now) = (
                args.text(0).unwrap_or_default(),
                args.text(1),
                args.number(2),
            );
            StateCall::mutate(move |state, stamp| {
                let now = now.unwrap_or(stamp.now_ms);
                let (c, changed) = clear_error_in(state, stamp, &id, model.as_deref(), now);
                (Ok(one(c)), changed)
            })
        }
        // `clearModelCooldown [provider, model?]`: the operator's clear (§7.4), in one locked step.
        "clearModelCooldown" => {
            let (provider, model) = (args.text(0).unwrap_or_default(), args.text(1));
            if crate::js_value::js_trim(&provider).is_empty() {
                return Err(invalid("the provider must not be blank"));
            }
            StateCall::mutate(move |state, stamp| {
                let (report, changed) =
                    clear_cooldown_in(state, stamp, &provider, model.as_deref());
                (
                    Ok(serde_json::to_value(report).expect("serializes")),
                    changed,
                )
            })
        }
        "acquireProviderConnection" => {
            let (provider, model) = (args.text(0).unwrap_or_default(), args.text(1));
            let opts = args.get(2);
            let field = |key: &str| opts.and_then(|o| o.get(key));
            let options = AcquireOptions {
                exclude_connection_ids: field("excludeConnectionIds")
                    .and_then(crate::js_value::string_or_list)
                    .unwrap_or_default(),
                preferred_connection_id: field("preferredConnectionId")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                now: field("now").and_then(Value::as_f64),
            };
            StateCall::mutate(move |state, stamp| {
                let (selection, changed) =
                    acquire_in(state, stamp, &provider, model.as_deref(), &options);
                (Ok(selection.to_json()), changed)
            })
        }
        // `syncAuthJsonConnections [authJson, provider?]`: a `null` or missing provider syncs
        // every provider.
        "syncAuthJsonConnections" => {
            let provider = match args.get(1) {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) => Some(p.clone()),
                Some(_) => return Err(invalid("the provider to sync must be a string")),
            };
            let entries = auth_entries(args.first().unwrap_or(&Value::Null))?;
            if provider
                .as_deref()
                .is_some_and(|p| crate::js_value::js_trim(p).is_empty())
            {
                return Err(invalid("the provider to sync must not be blank"));
            }
            StateCall::mutate(move |state, stamp| {
                let report = sync_state(state, stamp, &entries, provider.as_deref());
                let changed = report.changed();
                (Ok(report.to_json()), changed)
            })
        }
        other => {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("unknown store operation {other}"),
            ))
        }
    })
}
