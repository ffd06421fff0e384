//! `ProviderConnectionJsonState` and every store operation of §3.4 as plain functions over it.
//!
//! The JSON and in-memory stores differ only in how they load and keep this state, so the rules
//! (generated names and priorities, protected fields, sort orders, filters) exist once.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::normalize::{normalize_connection, normalize_proxy_pool};
use super::settings::{merge_settings, update_settings};
use super::Object;
use crate::error::{Error, ErrorCode, Result};
use crate::js_value::{is_undefined, nullish_or, strip_undefined, to_number, truthy};
use crate::json::{parse, to_js_string_pretty};
use crate::time::parse_js_date;

/// What a mutation needs from its environment: the time and fresh UUIDs.
pub struct Stamp<'a> {
    /// The store clock's time in epoch ms, and the same as an ISO string.
    pub now_ms: f64,
    /// The same time as an ISO string, as the reference writes `createdAt`/`updatedAt`.
    pub now_iso: String,
    /// A fresh v4 UUID per call (the store's random source).
    pub uuid: &'a mut dyn FnMut() -> String,
}

/// `{connections, settings, proxyPools}`.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectionState {
    /// Connections in file order; each keeps unknown keys and key order.
    pub connections: Vec<Object>,
    /// Always fully materialized (the 11 keys).
    pub settings: Object,
    /// Proxy pools in file order.
    pub proxy_pools: Vec<Object>,
}

impl ConnectionState {
    /// The state of a missing file.
    pub fn empty() -> Self {
        ConnectionState {
            connections: Vec::new(),
            settings: merge_settings(None),
            proxy_pools: Vec::new(),
        }
    }

    /// Parses `provider-connections.json` and normalizes it as the JSON store does on read.
    /// A file that is not a JSON object with array-valued `connections`/`proxyPools` is an error
    /// naming the file (`name`) and the position; nothing is guessed, so nothing gets lost.
    pub fn from_file(bytes: &[u8], name: &str, stamp: &mut Stamp<'_>) -> Result<Self> {
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .map_err(|e| corrupt(name, &format!("is not UTF-8 (byte {})", e.valid_up_to())))?;
        let value = parse(text).map_err(|e| {
            corrupt(
                name,
                &format!(
                    "is not valid JSON at line {} column {}: {}",
                    e.line, e.column, e.message
                ),
            )
        })?;
        let Value::Object(root) = value else {
            return Err(corrupt(name, "does not hold a JSON object"));
        };
        let list = |key: &str| match root.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(_) => Err(corrupt(
                name,
                &format!("has a \"{key}\" that is not an array"),
            )),
        };
        let connections = list("connections")?;
        let pools = list("proxyPools")?;
        Ok(ConnectionState {
            connections: connections
                .iter()
                .map(|c| normalize_connection(c, &stamp.now_iso))
                .collect(),
            settings: merge_settings(root.get("settings")),
            proxy_pools: pools
                .iter()
                .map(|p| normalize_proxy_pool(p, &stamp.now_iso, stamp.uuid))
                .collect(),
        })
    }

    /// An in-memory store's initial state: connections kept exactly as given (the reference
    /// does not normalize them there), settings merged, pools normalized.
    pub fn from_seed(seed: Option<&Value>, stamp: &mut Stamp<'_>) -> Self {
        let objects = |key: &str| -> Vec<Value> {
            seed.and_then(|s| s.get(key))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        ConnectionState {
            connections: objects("connections")
                .iter()
                .map(|c| c.as_object().cloned().unwrap_or_default())
                .collect(),
            settings: merge_settings(seed.and_then(|s| s.get("settings"))),
            proxy_pools: objects("proxyPools")
                .iter()
                .map(|p| normalize_proxy_pool(p, &stamp.now_iso, stamp.uuid))
                .collect(),
        }
    }

    /// The file bytes: `JSON.stringify(normalizedState, null, 2) + "\n"`.
    pub fn to_file(&self, stamp: &mut Stamp<'_>) -> Vec<u8> {
        let connections = self
            .connections
            .iter()
            .map(|c| {
                Value::Object(normalize_connection(
                    &Value::Object(c.clone()),
                    &stamp.now_iso,
                ))
            })
            .collect();
        let pools = self
            .proxy_pools
            .iter()
            .map(|p| {
                Value::Object(normalize_proxy_pool(
                    &Value::Object(p.clone()),
                    &stamp.now_iso,
                    stamp.uuid,
                ))
            })
            .collect();
        let mut root = Map::new();
        root.insert("connections".into(), Value::Array(connections));
        root.insert(
            "settings".into(),
            Value::Object(merge_settings(Some(&Value::Object(self.settings.clone())))),
        );
        root.insert("proxyPools".into(), Value::Array(pools));
        let mut text = to_js_string_pretty(&Value::Object(root));
        text.push('\n');
        text.into_bytes()
    }

    // ---- connections ----

    /// `getProviderConnections(filter)`: exact `provider`, strict `isActive`, stable sort by
    /// `priority || 999`.
    pub fn connections(&self, filter: &Object) -> Vec<Object> {
        let mut out: Vec<&Object> = self
            .connections
            .iter()
            .filter(|c| {
                matches_filter(c, filter, "provider") && matches_filter(c, filter, "isActive")
            })
            .collect();
        crate::sort::stable_sort_by(&mut out, &|a, b| {
            sort_priority(a).total_cmp(&sort_priority(b))
        });
        out.into_iter().map(visible).collect()
    }

    /// A copy of the connection with this id.
    pub fn connection(&self, id: &str) -> Option<Object> {
        self.connections
            .iter()
            .find(|c| c.get("id").and_then(Value::as_str) == Some(id))
            .map(visible)
    }

    /// `createProviderConnection(data)`: `{...data}` with a new `conn_` id, `authType` default
    /// `"oauth"`, a generated name and the next priority for the provider, `isActive` default
    /// true, and `createdAt = updatedAt = now`.
    pub fn create_connection(&mut self, data: &Object, stamp: &mut Stamp<'_>) -> Object {
        let data = defined(data);
        let provider = data.get("provider").cloned().unwrap_or(Value::Null);
        let same: Vec<&Object> = self
            .connections
            .iter()
            .filter(|c| c.get("provider") == Some(&provider))
            .collect();
        let name = match data.get("name") {
            None | Some(Value::Null) => Value::from(generated_name(&data, same.len() + 1)),
            Some(name) => name.clone(),
        };
        let priority = match data.get("priority") {
            None | Some(Value::Null) => crate::js_value::number_value(next_priority(&same)),
            Some(p) => p.clone(),
        };
        let oauth = Value::from("oauth");
        let mut c = data.clone();
        let fields = [
            ("id", Value::from(format!("conn_{}", (stamp.uuid)()))),
            ("provider", provider),
            ("authType", nullish_or(data.get("authType"), &oauth).clone()),
            ("name", name),
            ("priority", priority),
            (
                "isActive",
                nullish_or(data.get("isActive"), &Value::Bool(true)).clone(),
            ),
            ("createdAt", Value::from(stamp.now_iso.clone())),
            ("updatedAt", Value::from(stamp.now_iso.clone())),
        ];
        for (key, value) in fields {
            c.insert(key.into(), value);
        }
        self.connections.push(c.clone());
        c
    }

    /// `updateProviderConnection(id, data)`: `{...existing, ...data}` with `id` and `createdAt`
    /// protected and `updatedAt = now`. `undefined` values delete their key. `None` for an
    /// unknown id.
    pub fn update_connection(
        &mut self,
        id: &str,
        data: &Object,
        stamp: &mut Stamp<'_>,
    ) -> Option<Object> {
        let at = position_of(&self.connections, id)?;
        let existing = &self.connections[at];
        let mut c = spread(existing, data);
        for key in ["id", "createdAt"] {
            match existing.get(key) {
                Some(v) => c.insert(key.into(), v.clone()),
                None => c.shift_remove(key),
            };
        }
        c.insert("updatedAt".into(), Value::from(stamp.now_iso.clone()));
        let out = visible(&c);
        self.connections[at] = c;
        Some(out)
    }

    /// Removes the connection with this id, returning it.
    pub fn delete_connection(&mut self, id: &str) -> Option<Object> {
        let at = position_of(&self.connections, id)?;
        Some(visible(&self.connections.remove(at)))
    }

    // ---- settings ----

    /// A copy of the settings (always every key).
    pub fn settings(&self) -> Object {
        self.settings.clone()
    }

    /// `updateSettings(updates)`: a shallow merge, then the full normalization (which also
    /// reads `undefined` markers the way the reference reads `undefined`).
    pub fn update_settings(&mut self, updates: &Object) -> Object {
        self.settings = update_settings(&self.settings, updates);
        self.settings.clone()
    }

    // ---- proxy pools ----

    /// `getProxyPools(filter)`: strict `isActive` and `testStatus`, stable sort by
    /// `Date.parse(updatedAt)` descending (unparseable = epoch).
    pub fn proxy_pools(&self, filter: &Object) -> Vec<Object> {
        let mut out: Vec<&Object> = self
            .proxy_pools
            .iter()
            .filter(|p| {
                matches_filter(p, filter, "isActive") && matches_filter(p, filter, "testStatus")
            })
            .collect();
        let time = |p: &Object| {
            let t = p
                .get("updatedAt")
                .and_then(Value::as_str)
                .and_then(parse_js_date)
                .unwrap_or(0.0);
            if t.is_nan() {
                0.0
            } else {
                t
            }
        };
        crate::sort::stable_sort_by(&mut out, &|a, b| {
            time(b).partial_cmp(&time(a)).unwrap_or(Ordering::Equal)
        });
        out.into_iter().cloned().collect()
    }

    /// A copy of the proxy pool with this id.
    pub fn proxy_pool(&self, id: &str) -> Option<Object> {
        self.proxy_pools
            .iter()
            .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
            .cloned()
    }

    /// `createProxyPool(data)`: the caller's id is honoured (trimmed; blank gets a UUID), then
    /// defaults and `normalizeProxyPool`.
    pub fn create_proxy_pool(&mut self, data: &Object, stamp: &mut Stamp<'_>) -> Object {
        let data = defined(data);
        let mut p = data.clone();
        let id = match data.get("id") {
            None | Some(Value::Null) => Value::from((stamp.uuid)()),
            Some(id) => id.clone(),
        };
        let null = Value::Null;
        let fields = [
            ("id", id),
            (
                "noProxy",
                nullish_or(data.get("noProxy"), &Value::from("")).clone(),
            ),
            (
                "type",
                nullish_or(data.get("type"), &Value::from("http")).clone(),
            ),
            (
                "isActive",
                data.get("isActive").cloned().unwrap_or(Value::Bool(true)),
            ),
            (
                "strictProxy",
                Value::Bool(data.get("strictProxy") == Some(&Value::Bool(true))),
            ),
            (
                "testStatus",
                nullish_or(data.get("testStatus"), &Value::from("unknown")).clone(),
            ),
            (
                "lastTestedAt",
                nullish_or(data.get("lastTestedAt"), &null).clone(),
            ),
            (
                "lastError",
                nullish_or(data.get("lastError"), &null).clone(),
            ),
            ("createdAt", Value::from(stamp.now_iso.clone())),
            ("updatedAt", Value::from(stamp.now_iso.clone())),
        ];
        for (key, value) in fields {
            p.insert(key.into(), value);
        }
        let p = normalize_proxy_pool(&Value::Object(p), &stamp.now_iso, stamp.uuid);
        self.proxy_pools.push(p.clone());
        p
    }

    /// `updateProxyPool(id, data)`: `normalizeProxyPool({...existing, ...data, id, createdAt,
    /// updatedAt: now})`.
    pub fn update_proxy_pool(
        &mut self,
        id: &str,
        data: &Object,
        stamp: &mut Stamp<'_>,
    ) -> Option<Object> {
        let at = position_of(&self.proxy_pools, id)?;
        let existing = &self.proxy_pools[at];
        let mut p = spread(existing, data);
        p.insert(
            "id".into(),
            existing.get("id").cloned().unwrap_or(Value::Null),
        );
        p.insert(
            "createdAt".into(),
            existing.get("createdAt").cloned().unwrap_or(Value::Null),
        );
        p.insert("updatedAt".into(), Value::from(stamp.now_iso.clone()));
        let p = normalize_proxy_pool(&Value::Object(p), &stamp.now_iso, stamp.uuid);
        self.proxy_pools[at] = p.clone();
        Some(p)
    }

    /// Removes the proxy pool with this id, returning it.
    pub fn delete_proxy_pool(&mut self, id: &str) -> Option<Object> {
        let at = position_of(&self.proxy_pools, id)?;
        Some(self.proxy_pools.remove(at))
    }
}

/// The position of the record with this exact `id`.
fn position_of(records: &[Object], id: &str) -> Option<usize> {
    records
        .iter()
        .position(|r| r.get("id").and_then(Value::as_str) == Some(id))
}

fn corrupt(name: &str, what: &str) -> Error {
    Error::new(
        ErrorCode::CorruptFile,
        format!("{name} {what}; it was left untouched and writes are refused until it is repaired"),
    )
    .with_path(name)
}

/// `filter.key === undefined || record.key === filter.key` (strict equality on JSON values).
fn matches_filter(record: &Object, filter: &Object, key: &str) -> bool {
    match filter.get(key) {
        None => true,
        Some(v) if is_undefined(v) => true,
        Some(want) => record.get(key) == Some(want),
    }
}

/// `c.priority || 999` as the sort key (`0`, `null`, missing and NaN count as 999; values the
/// comparator cannot subtract also sort as 999, which keeps the order total).
pub(crate) fn sort_priority(c: &Object) -> f64 {
    if !truthy(c.get("priority")) {
        return 999.0;
    }
    let n = c.get("priority").map(to_number).unwrap_or(f64::NAN);
    if n.is_nan() {
        999.0
    } else {
        n
    }
}

/// The generated name: the email for OAuth/access-token input with an email, else
/// `API Key N` for API keys, else `Account N` (N counts the provider's connections, 1-based).
fn generated_name(data: &Object, n: usize) -> String {
    let auth = data.get("authType").and_then(Value::as_str);
    let email = data.get("email");
    if matches!(auth, Some("oauth" | "access_token")) && truthy(email) {
        if let Some(email) = email {
            return crate::js_value::to_js_string(email);
        }
    }
    if auth == Some("apikey") {
        format!("API Key {n}")
    } else {
        format!("Account {n}")
    }
}

/// One more than the highest `priority ?? 0` among the provider's connections (at least 1).
fn next_priority(same_provider: &[&Object]) -> f64 {
    let highest = same_provider.iter().fold(0.0f64, |max, c| {
        let p = match c.get("priority") {
            None | Some(Value::Null) => 0.0,
            Some(p) => to_number(p),
        };
        // Math.max propagates NaN.
        if max.is_nan() || p.is_nan() {
            f64::NAN
        } else {
            max.max(p)
        }
    });
    highest + 1.0
}

/// The input without keys whose value is `undefined` (they act as absent in a create).
fn defined(data: &Object) -> Object {
    let mut out = data.clone();
    out.retain(|_, v| !is_undefined(v));
    out.values_mut().for_each(strip_undefined);
    out
}

/// `{...existing, ...data}`. A key set to `undefined` keeps its position holding the marker, so
/// a later normalization assigns it in place as JavaScript would; [`visible`] drops it.
fn spread(existing: &Object, data: &Object) -> Object {
    let mut out = existing.clone();
    for (key, value) in data {
        let mut value = value.clone();
        strip_undefined(&mut value);
        out.insert(key.clone(), value);
    }
    out
}

/// A record as callers see it (`JSON.parse(JSON.stringify(x))`): `undefined` keys are gone.
fn visible(record: &Object) -> Object {
    let mut out = record.clone();
    out.retain(|_, v| !is_undefined(v));
    out
}
