//! Model cooldowns as operators see them (§7.4 `GET /models/availability`) and the
//! operator's clear (`POST /models/availability {action: "clearCooldown"}`), which differs from
//! what a success clears (§6.4): only the one model's key, on every connection of the provider.

use std::cmp::Ordering;

use serde::Serialize;
use serde_json::Value;

use super::cooldown::{format_retry_after, MODEL_LOCK_ALL, MODEL_LOCK_PREFIX};
use super::health::lock_key;
use crate::connections::{ConnectionState, Object, Patch, ProviderConnection, Stamp};
use crate::js_value::truthy;
use crate::time::{parse_js_date, to_iso_string};
use crate::usage::collate::locale_compare;

/// One future lock of a connection.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LockView {
    /// The key as stored (`modelLock_gpt-5`, `modelLock___all`).
    pub key: String,
    /// `"model"`, or `"all"` for the account-wide lock.
    pub scope: &'static str,
    /// The locked model; `None` for the account-wide lock.
    pub model: Option<String>,
    /// The expiry as stored.
    pub until: String,
    /// Milliseconds from `now` to the expiry.
    pub retry_after_ms: f64,
    /// `"reset after 1m 5s"`.
    pub retry_after_human: String,
}

/// A connection's row: its safe fields and its future locks (never a credential).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionAvailability {
    /// Connection id.
    pub id: Value,
    /// Provider.
    pub provider: Value,
    /// `authType` as stored.
    pub auth_type: Value,
    /// Name.
    pub name: Value,
    /// Display name.
    pub display_name: Value,
    /// E-mail.
    pub email: Value,
    /// `isActive !== false`.
    pub is_active: bool,
    /// Last test status.
    pub test_status: Value,
    /// Last error (redacted as stored).
    pub last_error: Value,
    /// When it failed.
    pub last_error_at: Value,
    /// Its HTTP status.
    pub error_code: Value,
    /// Backoff level.
    pub backoff_level: Value,
    /// Future locks, by expiry then key.
    pub locks: Vec<LockView>,
}

/// One locked model of a provider, over its connections.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LockedModel {
    /// Provider.
    pub provider: String,
    /// Model, `None` for account-wide locks.
    pub model: Option<String>,
    /// `"model"` or `"all"`.
    pub scope: &'static str,
    /// How many of the locked connections are active.
    pub active_connection_count: usize,
    /// The locked connections, in store order.
    pub connection_ids: Vec<String>,
    /// The first expiry.
    pub earliest_retry_after: String,
    /// Its human form.
    pub earliest_retry_after_human: String,
}

/// The `/models/availability` view.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelAvailability {
    /// `now` as ISO.
    pub generated_at: String,
    /// Rows in `data`.
    pub count: usize,
    /// Connections with at least one future lock.
    pub locked_connection_count: usize,
    /// Rows in `locked_models`.
    pub locked_model_count: usize,
    /// Every connection (of the provider, when one is given), in store order.
    pub data: Vec<ConnectionAvailability>,
    /// Locked models by provider, then model (`__all` for account-wide locks).
    pub locked_models: Vec<LockedModel>,
}

fn field(c: &ProviderConnection, key: &str) -> Value {
    c.get(key).cloned().unwrap_or(Value::Null)
}

/// The future string locks of a connection at `now`, by expiry, then key.
fn future_locks(c: &ProviderConnection, now: f64) -> Vec<(f64, LockView)> {
    let mut locks: Vec<(f64, LockView)> = c
        .model_locks()
        .filter_map(|lock| {
            let until = lock.until?;
            let time = parse_js_date(until).filter(|t| *t > now)?;
            Some((
                time,
                LockView {
                    key: lock.key.to_owned(),
                    scope: if lock.key == MODEL_LOCK_ALL {
                        "all"
                    } else {
                        "model"
                    },
                    model: lock.model.map(str::to_owned),
                    until: until.to_owned(),
                    retry_after_ms: time - now,
                    retry_after_human: format_retry_after(Some(until), now),
                },
            ))
        })
        .collect();
    locks.sort_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then_with(|| locale_compare(&a.1.key, &b.1.key))
    });
    locks
}

/// The availability view of `connections` (stored order) at `now`, of one provider if given.
///
/// ```
/// use pie_storage_core::routing::model_availability;
/// use serde_json::json;
/// let c = json!({"id": "a", "provider": "openai", "modelLock_gpt-5": "2026-01-01T00:01:00.000Z"});
/// let now = 1_767_225_600_000.0; // 2026-01-01T00:00:00Z
/// let view = model_availability(&[c.as_object().unwrap().clone()], None, now);
/// assert_eq!(view.locked_model_count, 1);
/// assert_eq!(view.data[0].locks[0].retry_after_ms, 60_000.0);
/// ```
pub fn model_availability(
    connections: &[Object],
    provider: Option<&str>,
    now: f64,
) -> ModelAvailability {
    let mut data = Vec::new();
    let mut models: Vec<(LockedModel, f64)> = Vec::new();
    for raw in connections {
        let c = ProviderConnection::from(raw.clone());
        let prov = c.provider().unwrap_or_default().to_owned();
        if provider.is_some_and(|p| p != prov) {
            continue;
        }
        let locks = future_locks(&c, now);
        for (time, lock) in &locks {
            let found = models.iter_mut().find(|(m, _)| {
                m.provider == prov && m.model == lock.model && m.scope == lock.scope
            });
            let id = c.id().unwrap_or_default().to_owned();
            match found {
                Some((m, earliest)) => {
                    m.connection_ids.push(id);
                    m.active_connection_count += usize::from(c.is_active());
                    if *time < *earliest {
                        *earliest = *time;
                        m.earliest_retry_after = lock.until.clone();
                    }
                }
                None => models.push((
                    LockedModel {
                        provider: prov.clone(),
                        model: lock.model.clone(),
                        scope: lock.scope,
                        active_connection_count: usize::from(c.is_active()),
                        connection_ids: vec![id],
                        earliest_retry_after: lock.until.clone(),
                        earliest_retry_after_human: String::new(),
                    },
                    *time,
                )),
            }
        }
        data.push(ConnectionAvailability {
            id: field(&c, "id"),
            provider: field(&c, "provider"),
            auth_type: field(&c, "authType"),
            name: field(&c, "name"),
            display_name: field(&c, "displayName"),
            email: field(&c, "email"),
            is_active: c.is_active(),
            test_status: field(&c, "testStatus"),
            last_error: field(&c, "lastError"),
            last_error_at: field(&c, "lastErrorAt"),
            error_code: field(&c, "errorCode"),
            backoff_level: field(&c, "backoffLevel"),
            locks: locks.into_iter().map(|(_, l)| l).collect(),
        });
    }
    let model_key = |m: &LockedModel| m.model.clone().unwrap_or_else(|| "__all".into());
    let mut locked_models: Vec<LockedModel> = models
        .into_iter()
        .map(|(mut m, _)| {
            m.earliest_retry_after_human = format_retry_after(Some(&m.earliest_retry_after), now);
            m
        })
        .collect();
    locked_models.sort_by(|a, b| match locale_compare(&a.provider, &b.provider) {
        Ordering::Equal => locale_compare(&model_key(a), &model_key(b)),
        other => other,
    });
    ModelAvailability {
        generated_at: to_iso_string(now).unwrap_or_default(),
        count: data.len(),
        locked_connection_count: data.iter().filter(|d| !d.locks.is_empty()).count(),
        locked_model_count: locked_models.len(),
        data,
        locked_models,
    }
}

/// What `clearCooldown` did.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClearedCooldown {
    /// Always `true`.
    pub ok: bool,
    /// The provider.
    pub provider: String,
    /// The model (`None` clears the account-wide key).
    pub model: Option<String>,
    /// The key set to `null`.
    pub lock_key: String,
    /// Connections changed.
    pub cleared_count: usize,
}

/// The operator's clear on a state the caller holds: `modelLock_<model>` becomes `null` on every
/// connection of `provider` where it is truthy (active or not, expired or not); one that was
/// `testStatus: "unavailable"` also becomes `"active"` with `lastError`, `lastErrorAt` cleared
/// and `backoffLevel: 0` (`errorCode` stays). Returns the report and whether anything changed.
pub fn clear_cooldown_in(
    state: &mut ConnectionState,
    stamp: &mut Stamp<'_>,
    provider: &str,
    model: Option<&str>,
) -> (ClearedCooldown, bool) {
    let key = lock_key(model);
    debug_assert!(key.starts_with(MODEL_LOCK_PREFIX));
    let filter: Object = [("provider".to_owned(), Value::from(provider))]
        .into_iter()
        .collect();
    let mut cleared = 0;
    for raw in state.connections(&filter) {
        if !truthy(raw.get(&key)) {
            continue;
        }
        let id = raw
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut patch = Patch::new().set(key.clone(), Value::Null);
        if raw.get("testStatus").and_then(Value::as_str) == Some("unavailable") {
            patch = patch
                .set("testStatus", Value::from("active"))
                .set("lastError", Value::Null)
                .set("lastErrorAt", Value::Null)
                .set("backoffLevel", Value::from(0));
        }
        if state.update_connection(&id, &patch, stamp).is_some() {
            cleared += 1;
        }
    }
    let report = ClearedCooldown {
        ok: true,
        provider: provider.to_owned(),
        model: model.filter(|m| !m.is_empty()).map(str::to_owned),
        lock_key: key,
        cleared_count: cleared,
    };
    (report, cleared > 0)
}
