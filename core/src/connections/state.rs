//! `ProviderConnectionJsonState` and every store operation of §3.4 as plain functions over it.
//!
//! The JSON and in-memory stores differ only in how they load and keep this state, so the rules
//! (generated names and priorities, protected fields, sort orders, filters) exist once.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::normalize::{normalize_connection, normalize_proxy_pool};
use super::proxy_pool::strict_proxy_flag;
use super::settings::{merge_settings, update_settings};
use super::{Object, Patch};
use crate::error::{Error, ErrorCode, Result};
use crate::js_value::{nullish_or, to_number, truthy};
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
    /// Connections in file order; each keeps unknown keys and key order. A key an update set
    /// to `undefined` stays in place, unset, until the record is written or read (the JSON
    /// store's normalization on write fills `authType`/`isActive` there, as the reference's
    /// does).
    pub(crate) connections: Vec<Patch>,
    /// Always fully materialized (the 11 keys).
    pub(crate) settings: Object,
    /// Proxy pools in file order.
    pub(crate) proxy_pools: Vec<Object>,
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
                .map(|c| Patch::from(normalize_connection(record_of(c), &stamp.now_iso)))
                .collect(),
            settings: merge_settings(root.get("settings")),
            proxy_pools: pools
                .iter()
                .map(|p| normalize_proxy_pool(record_of(p), &stamp.now_iso, stamp.uuid))
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
                .map(|c| Patch::from(c.as_object().cloned().unwrap_or_default()))
                .collect(),
            settings: merge_settings(seed.and_then(|s| s.get("settings"))),
            proxy_pools: objects("proxyPools")
                .iter()
                .map(|p| normalize_proxy_pool(record_of(p), &stamp.now_iso, stamp.uuid))
                .collect(),
        }
    }

    /// The file bytes: `JSON.stringify(normalizedState, null, 2) + "\n"`.
    pub fn to_file(&self, stamp: &mut Stamp<'_>) -> Vec<u8> {
        let connections = self
            .connections
            .iter()
            .map(|c| Value::Object(normalize_connection(c.clone(), &stamp.now_iso)))
            .collect();
        let pools = self
            .proxy_pools
            .iter()
            .map(|p| Value::Object(normalize_proxy_pool(p.into(), &stamp.now_iso, stamp.uuid)))
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
        let mut out: Vec<&Patch> = self
            .connections
            .iter()
            .filter(|c| {
                matches_filter(c.get("provider"), filter, "provider")
                    && matches_filter(c.get("isActive"), filter, "isActive")
            })
            .collect();
        crate::sort::stable_sort_by(&mut out, &|a, b| {
            sort_priority(a.get("priority")).total_cmp(&sort_priority(b.get("priority")))
        });
        out.into_iter().map(Patch::to_record).collect()
    }

    /// A copy of the connection with this id.
    pub fn connection(&self, id: &str) -> Option<Object> {
        self.connections
            .iter()
            .find(|c| c.get("id").and_then(Value::as_str) == Some(id))
            .map(Patch::to_record)
    }

    /// `createProviderConnection(data)`: `{...data}` with a new `conn_` id, `authType` default
    /// `"oauth"`, a generated name and the next priority for the provider, `isActive` default
    /// true, and `createdAt = updatedAt = now`.
    pub fn create_connection(&mut self, data: &Patch, stamp: &mut Stamp<'_>) -> Object {
        let provider = data.get("provider").cloned().unwrap_or(Value::Null);
        let same: Vec<&Patch> = self
            .connections
            .iter()
            .filter(|c| c.get("provider") == Some(&provider))
            .collect();
        let name = match data.get("name") {
            None | Some(Value::Null) => Value::from(generated_name(data, same.len() + 1)),
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
            c.assign(key.into(), value);
        }
        let out = c.to_record();
        self.connections.push(c);
        out
    }

    /// `updateProviderConnection(id, data)`: `{...existing, ...data}` with `id` and `createdAt`
    /// protected and `updatedAt = now`. `undefined` values delete their key. `None` for an
    /// unknown id.
    pub fn update_connection(
        &mut self,
        id: &str,
        data: &Patch,
        stamp: &mut Stamp<'_>,
    ) -> Option<Object> {
        let at = position_of(&self.connections, id)?;
        let existing = &self.connections[at];
        let mut c = data.spread_over(existing);
        for key in ["id", "createdAt"] {
            match existing.get(key) {
                Some(v) => c.assign(key.into(), v.clone()),
                None => c.remove(key),
            };
        }
        c.assign("updatedAt".into(), Value::from(stamp.now_iso.clone()));
        let out = c.to_record();
        self.connections[at] = c;
        Some(out)
    }

    /// Removes the connection with this id, returning it.
    pub fn delete_connection(&mut self, id: &str) -> Option<Object> {
        let at = position_of(&self.connections, id)?;
        Some(self.connections.remove(at).into_record())
    }

    // ---- settings ----

    /// A copy of the settings (always every key).
    pub fn settings(&self) -> Object {
        self.settings.clone()
    }

    /// `updateSettings(updates)`: a shallow merge, then the full normalization (an unset key
    /// takes its default).
    pub fn update_settings(&mut self, updates: &Patch) -> Object {
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
                matches_filter(p.get("isActive"), filter, "isActive")
                    && matches_filter(p.get("testStatus"), filter, "testStatus")
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
    pub fn create_proxy_pool(&mut self, data: &Patch, stamp: &mut Stamp<'_>) -> Object {
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
                Value::Bool(strict_proxy_flag(data.get("strictProxy"))),
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
            p.assign(key.into(), value);
        }
        let p = normalize_proxy_pool(p, &stamp.now_iso, stamp.uuid);
        self.proxy_pools.push(p.clone());
        p
    }

    /// `updateProxyPool(id, data)`: `normalizeProxyPool({...existing, ...data, id, createdAt,
    /// updatedAt: now})`.
    pub fn update_proxy_pool(
        &mut self,
        id: &str,
        data: &Patch,
        stamp: &mut Stamp<'_>,
    ) -> Option<Object> {
        let at = self
            .proxy_pools
            .iter()
            .position(|r| r.get("id").and_then(Value::as_str) == Some(id))?;
        let existing = &self.proxy_pools[at];
        let mut p = data.spread_over(&Patch::from(existing));
        let kept = |key: &str| existing.get(key).cloned().unwrap_or(Value::Null);
        p.assign("id".into(), kept("id"));
        p.assign("createdAt".into(), kept("createdAt"));
        p.assign("updatedAt".into(), Value::from(stamp.now_iso.clone()));
        let p = normalize_proxy_pool(p, &stamp.now_iso, stamp.uuid);
        self.proxy_pools[at] = p.clone();
        Some(p)
    }

    /// Removes the proxy pool with this id, returning it.
    pub fn delete_proxy_pool(&mut self, id: &str) -> Option<Object> {
        let at = self
            .proxy_pools
            .iter()
            .position(|r| r.get("id").and_then(Value::as_str) == Some(id))?;
        Some(self.proxy_pools.remove(at))
    }
}

/// A record of the file as a working record (the reference spreads whatever is there; a
/// value that is not an object has no fields).
fn record_of(v: &Value) -> Patch {
    Patch::from(v.as_object().cloned().unwrap_or_default())
}

/// The position of the connection with this exact `id`.
fn position_of(records: &[Patch], id: &str) -> Option<usize> {
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
fn matches_filter(value: Option<&Value>, filter: &Object, key: &str) -> bool {
    match filter.get(key) {
        None => true,
        Some(want) => value == Some(want),
    }
}

/// `c.priority || 999` as the sort key (`0`, `null`, missing and NaN count as 999; values the
/// comparator cannot subtract also sort as 999, which keeps the order total).
pub(crate) fn sort_priority(priority: Option<&Value>) -> f64 {
    if !truthy(priority) {
        return 999.0;
    }
    let n = priority.map(to_number).unwrap_or(f64::NAN);
    if n.is_nan() {
        999.0
    } else {
        n
    }
}

/// The generated name: the email for OAuth/access-token input with an email, else
/// `API Key N` for API keys, else `Account N` (N counts the provider's connections, 1-based).
fn generated_name(data: &Patch, n: usize) -> String {
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
fn next_priority(same_provider: &[&Patch]) -> f64 {
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
