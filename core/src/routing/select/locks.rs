//! Model locks: `modelLock_<model>` / `modelLock___all` keys holding an ISO expiry (§6.2 step 2).

use serde_json::Value;

use super::super::cooldown::{MODEL_LOCK_ALL, MODEL_LOCK_PREFIX};
use crate::connections::Object;
use crate::time::parse_js_date;

/// The expiry held under `key` when it is a string that parses to a time after `now`.
pub(crate) fn active_at<'a>(connection: &'a Object, key: &str, now: f64) -> Option<(f64, &'a str)> {
    let text = connection.get(key)?.as_str()?;
    let until = parse_js_date(text)?;
    (until > now).then_some((until, text))
}

/// The lock key of `model`; a falsy model (none or `""`) means the account-wide key.
fn model_key(model: Option<&str>) -> String {
    match model {
        Some(m) if !m.is_empty() => format!("{MODEL_LOCK_PREFIX}{m}"),
        _ => MODEL_LOCK_ALL.to_owned(),
    }
}

/// Whether `connection` is locked for `model` at `now`: its model key or `modelLock___all`
/// holds a future time.
///
/// Deliberate fix (TV-29): the reference reads `c[key] ?? c.modelLock___all`, so an *expired*
/// model key shadows an active account-wide lock and the connection is picked while it is
/// locked. Here either active lock counts; a `null` model key behaves as in the reference.
pub fn is_model_lock_active(connection: &Object, model: Option<&str>, now: f64) -> bool {
    model_lock_until(connection, model, now).is_some()
}

/// When the lock for `model` ends: the later of the active model lock and the active
/// account-wide lock (the connection is usable again only when both are over).
pub(crate) fn model_lock_until<'a>(
    connection: &'a Object,
    model: Option<&str>,
    now: f64,
) -> Option<(f64, &'a str)> {
    let own = active_at(connection, &model_key(model), now);
    let all = active_at(connection, MODEL_LOCK_ALL, now);
    match (own, all) {
        (Some(a), Some(b)) => Some(if b.0 > a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// The earliest future expiry over every `modelLock_*` key of the connection, any model
/// (`getEarliestModelLockUntil`), compared as times; the original string is returned. On equal
/// times the key that comes first in the object wins.
pub fn earliest_model_lock_until(connection: &Object, now: f64) -> Option<String> {
    earliest_lock(connection, now).map(|(_, text)| text.to_owned())
}

pub(super) fn earliest_lock(connection: &Object, now: f64) -> Option<(f64, &str)> {
    connection
        .iter()
        .filter(|(key, _)| key.starts_with(MODEL_LOCK_PREFIX))
        .filter_map(|(key, _)| active_at(connection, key, now))
        .fold(None, |best: Option<(f64, &str)>, lock| match best {
            Some(b) if b.0 <= lock.0 => Some(b),
            _ => Some(lock),
        })
}

/// A model name as the reference's template string would print it; falsy values mean none.
pub(crate) fn model_name(v: Option<&Value>) -> Option<String> {
    match v {
        Some(v) if crate::js_value::truthy(Some(v)) => Some(crate::js_value::to_js_string(v)),
        _ => None,
    }
}
