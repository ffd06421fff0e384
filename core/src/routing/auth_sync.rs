//! auth.json import (reference §6.6, `syncAuthStorageProviderConnection(s)`): the credentials of
//! the coding agent's `auth.json` become provider connections marked
//! `providerSpecificData.source = "auth.json"`, and a credential deleted from the file
//! deactivates its connection. Manual connections are never touched.
//!
//! Reading `auth.json` is the host's job; it passes the parsed JSON (`null` for a missing file).
//! Every provider is synced in one locked read-modify-write of the store, so a sync never
//! interleaves with another writer, and nothing is written when nothing changes.
//!
//! # Decisions where the reference is silent
//!
//! - An entry is a credential only if it is an object with `"type": "api_key"` and a non-blank
//!   string `key`, or `"type": "oauth"` with non-blank strings `access` and `refresh`. Anything
//!   else (unknown type, missing or non-string fields, a non-object) counts as **no
//!   credential**, so it deactivates the provider's synced connections: a broken entry must not
//!   keep routing to a stale secret.
//! - An OAuth `expires` is copied when it is a JSON number; otherwise the credential has no
//!   expiry and `providerSpecificData.expires` is removed.
//! - `auth.json` that is neither an object nor `null` is rejected (`PIE_INVALID_INPUT`) before the
//!   store is touched, as is a blank `provider`. Blank keys in `auth.json` are ignored.
//! - Without a provider, the providers are the `auth.json` keys in file order, then the providers
//!   of synced connections in `getProviderConnections()` order. Connections without a string
//!   `id` or `provider` are never treated as synced (the store cannot address them).
//! - Updates are applied by position, as `{...existing, ...updates, updatedAt: now}`, so a
//!   manual connection that happens to share an id with a synced one is never written.

use serde::Serialize;
use serde_json::{Map, Value};

use super::cooldown::MODEL_LOCK_PREFIX;
use crate::connections::state::{sort_priority, Stamp};
use crate::connections::{
    ConnectionState, Object, Patch, ProviderConnectionStore, ProviderConnectionStoreExt,
};
use crate::error::{Error, ErrorCode, Result};
use crate::js_value::js_trim;

/// `providerSpecificData.source` of connections owned by the sync (`PIE_LAB_AUTH_STORAGE_SOURCE`).
pub const AUTH_JSON_SOURCE: &str = "auth.json";
/// Name of a connection created from an API-key entry.
pub const API_KEY_CONNECTION_NAME: &str = "auth.json API key";
/// Name of a connection created from an OAuth entry.
pub const OAUTH_CONNECTION_NAME: &str = "auth.json OAuth";
/// `providerSpecificData` keys holding quota snapshots, dropped when the credential changes.
const QUOTA_SNAPSHOT_KEYS: [&str; 2] = ["pieLabQuotaSelection", "pieAdkQuotaSelection"];

/// One usable `auth.json` entry.
#[derive(Clone, Debug, PartialEq)]
pub enum AuthCredential {
    /// `{"type": "api_key", "key": ...}`.
    ApiKey { key: String },
    /// `{"type": "oauth", "access": ..., "refresh": ..., "expires": epoch ms}`.
    OAuth {
        access: String,
        refresh: String,
        /// The JSON number as written, if there is one.
        expires: Option<Value>,
    },
}

impl AuthCredential {
    /// Reads an entry; `None` when it is not a usable credential (module docs).
    pub fn from_entry(entry: &Value) -> Option<Self> {
        let text = |key: &str| {
            entry
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !js_trim(s).is_empty())
                .map(str::to_owned)
        };
        match entry.get("type").and_then(Value::as_str)? {
            "api_key" => Some(AuthCredential::ApiKey { key: text("key")? }),
            "oauth" => Some(AuthCredential::OAuth {
                access: text("access")?,
                refresh: text("refresh")?,
                expires: entry.get("expires").filter(|v| v.is_number()).cloned(),
            }),
            _ => None,
        }
    }

    fn default_name(&self) -> &'static str {
        match self {
            AuthCredential::ApiKey { .. } => API_KEY_CONNECTION_NAME,
            AuthCredential::OAuth { .. } => OAUTH_CONNECTION_NAME,
        }
    }

    /// `authType`, `apiKey`, `accessToken`, `refreshToken` as stored for this credential.
    fn fields(&self) -> [(&'static str, Value); 4] {
        match self {
            AuthCredential::ApiKey { key } => [
                ("authType", Value::from("apikey")),
                ("apiKey", Value::from(key.as_str())),
                ("accessToken", Value::Null),
                ("refreshToken", Value::Null),
            ],
            AuthCredential::OAuth {
                access, refresh, ..
            } => [
                ("authType", Value::from("oauth")),
                ("apiKey", Value::Null),
                ("accessToken", Value::from(access.as_str())),
                ("refreshToken", Value::from(refresh.as_str())),
            ],
        }
    }

    fn expires(&self) -> Option<&Value> {
        match self {
            AuthCredential::ApiKey { .. } => None,
            AuthCredential::OAuth { expires, .. } => expires.as_ref(),
        }
    }

    /// Whether the connection does not hold exactly this credential (`credentialChanged`).
    fn differs_from(&self, c: &Object) -> bool {
        let nullish = |key: &str| matches!(c.get(key), None | Some(Value::Null));
        let is = |key: &str, want: &str| c.get(key).and_then(Value::as_str) == Some(want);
        let holds = match self {
            AuthCredential::ApiKey { key } => {
                is("authType", "apikey")
                    && is("apiKey", key)
                    && nullish("accessToken")
                    && nullish("refreshToken")
            }
            AuthCredential::OAuth {
                access,
                refresh,
                expires,
            } => {
                let stored = c.get("providerSpecificData").and_then(|d| d.get("expires"));
                let same_expiry = match (stored, expires) {
                    (None, None) => true,
                    (Some(a), Some(b)) => same_value(Some(a), b),
                    _ => false,
                };
                is("authType", "oauth")
                    && nullish("apiKey")
                    && is("accessToken", access)
                    && is("refreshToken", refresh)
                    && same_expiry
            }
        };
        !holds
    }
}

/// What one sync did, by connection id, each id in exactly one list. Serializes as
/// `{"created": [...], "updated": [...], "deactivated": [...], "unchanged": [...]}`.
///
/// - `created`: connections made for a credential that had none;
/// - `updated`: primaries rewritten to match their credential;
/// - `deactivated`: synced connections rewritten because their credential is gone or they are
///   duplicates (including already inactive ones whose leftovers, such as a lock, were reset);
/// - `unchanged`: synced connections already in the wanted state (not written).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Ids of connections created.
    pub created: Vec<String>,
    /// Ids of connections rewritten to match their credential.
    pub updated: Vec<String>,
    /// Ids of connections deactivated.
    pub deactivated: Vec<String>,
    /// Ids of connections already as wanted.
    pub unchanged: Vec<String>,
}

impl SyncReport {
    /// Whether the sync wrote anything.
    pub fn changed(&self) -> bool {
        !(self.created.is_empty() && self.updated.is_empty() && self.deactivated.is_empty())
    }

    /// The report as JSON (the serialized shape above).
    pub fn to_json(&self) -> Value {
        let list =
            |ids: &[String]| Value::Array(ids.iter().map(|id| Value::from(id.as_str())).collect());
        let mut out = Map::new();
        out.insert("created".into(), list(&self.created));
        out.insert("updated".into(), list(&self.updated));
        out.insert("deactivated".into(), list(&self.deactivated));
        out.insert("unchanged".into(), list(&self.unchanged));
        Value::Object(out)
    }
}

/// `syncAuthStorageProviderConnections(provider?)` against a store: syncs `provider`, or every
/// provider of `auth_json` and of the synced connections, in one locked step.
pub fn sync_auth_json_connections<S: ProviderConnectionStore + ?Sized>(
    store: &S,
    auth_json: &Value,
    provider: Option<&str>,
) -> Result<SyncReport> {
    let entries = auth_entries(auth_json)?;
    if provider.is_some_and(|p| js_trim(p).is_empty()) {
        return Err(invalid("the provider to sync must not be blank"));
    }
    store.mutate(|state, stamp| {
        let report = sync_state(state, stamp, &entries, provider);
        let changed = report.changed();
        (report, changed)
    })
}

/// The sync over a state the caller already holds (for composing it with other steps under
/// one lock). `entries` is the `auth.json` object.
pub fn sync_state(
    state: &mut ConnectionState,
    stamp: &mut Stamp<'_>,
    entries: &Object,
    provider: Option<&str>,
) -> SyncReport {
    let providers = match provider {
        Some(p) => vec![p.to_owned()],
        None => all_providers(state, entries),
    };
    let mut report = SyncReport::default();
    for p in &providers {
        let credential = entries.get(p).and_then(AuthCredential::from_entry);
        sync_provider(state, stamp, p, credential.as_ref(), &mut report);
    }
    report
}

/// `auth.json` as an object: `null` (or a missing file) is `{}`; anything else is an error.
pub(crate) fn auth_entries(auth_json: &Value) -> Result<Object> {
    match auth_json {
        Value::Null => Ok(Object::new()),
        Value::Object(map) => Ok(map.clone()),
        _ => Err(invalid("auth.json must hold a JSON object")),
    }
}

pub(crate) fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

/// The `auth.json` keys, then the providers of synced connections, without repeats.
fn all_providers(state: &ConnectionState, entries: &Object) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let synced = state
        .connections(&Object::new())
        .into_iter()
        .filter(|c| {
            is_synced(c.get("providerSpecificData")) && c.get("id").is_some_and(Value::is_string)
        })
        .filter_map(|c| c.get("provider").and_then(Value::as_str).map(str::to_owned));
    for p in entries.keys().cloned().chain(synced) {
        if !js_trim(&p).is_empty() && !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Whether a connection's `providerSpecificData` marks it as owned by the sync.
fn is_synced(specific_data: Option<&Value>) -> bool {
    specific_data
        .and_then(|d| d.get("source"))
        .and_then(Value::as_str)
        == Some(AUTH_JSON_SOURCE)
}

/// Positions of the provider's synced connections, in `getProviderConnections` order.
fn synced_positions(state: &ConnectionState, provider: &str) -> Vec<usize> {
    let mut at: Vec<usize> = (0..state.connections.len())
        .filter(|&i| {
            let c = &state.connections[i];
            c.get("provider").and_then(Value::as_str) == Some(provider)
                && c.get("id").is_some_and(Value::is_string)
                && is_synced(c.get("providerSpecificData"))
        })
        .collect();
    crate::sort::stable_sort_by(&mut at, &|&a, &b| {
        let priority = |i: usize| sort_priority(state.connections[i].get("priority"));
        priority(a).total_cmp(&priority(b))
    });
    at
}

fn sync_provider(
    state: &mut ConnectionState,
    stamp: &mut Stamp<'_>,
    provider: &str,
    credential: Option<&AuthCredential>,
    report: &mut SyncReport,
) {
    let synced = synced_positions(state, provider);
    let mut rest = synced.as_slice();
    if let Some(credential) = credential {
        match synced.split_first() {
            None => {
                let input = Patch::from(creation_input(provider, credential));
                let created = state.create_connection(&input, stamp);
                report.created.push(id_of(&created));
            }
            Some((&primary, others)) => {
                let current = state.connections[primary].to_record();
                let updates = primary_updates(&current, credential);
                if differs(&current, &updates) {
                    apply(state, primary, &updates, stamp);
                    report.updated.push(id_of(&current));
                } else {
                    report.unchanged.push(id_of(&current));
                }
                rest = others;
            }
        }
    }
    for &at in rest {
        let current = state.connections[at].to_record();
        let updates = deactivation_updates(&current, &stamp.now_iso);
        if differs(&current, &updates) {
            apply(state, at, &updates, stamp);
            report.deactivated.push(id_of(&current));
        } else {
            report.unchanged.push(id_of(&current));
        }
    }
}

/// The `createProviderConnection` input for a credential without a synced connection.
fn creation_input(provider: &str, credential: &AuthCredential) -> Object {
    let mut data = Object::new();
    data.insert("provider".into(), Value::from(provider));
    data.insert("name".into(), Value::from(credential.default_name()));
    data.insert("isActive".into(), Value::Bool(true));
    for (key, value) in credential.fields() {
        data.insert(key.into(), value);
    }
    let mut specific = Object::new();
    specific.insert("source".into(), Value::from(AUTH_JSON_SOURCE));
    if let Some(expires) = credential.expires() {
        specific.insert("expires".into(), expires.clone());
    }
    data.insert("providerSpecificData".into(), Value::Object(specific));
    insert_error_resets(&mut data);
    data
}

/// The primary's wanted fields: name, `isActive: true`, the credential, the cleaned
/// `providerSpecificData`, and the reset fields when the credential changed or it was inactive.
fn primary_updates(current: &Object, credential: &AuthCredential) -> Object {
    let changed = credential.differs_from(current);
    let mut updates = Object::new();
    let name = match current.get("name") {
        None | Some(Value::Null) => Value::from(credential.default_name()),
        Some(name) => name.clone(),
    };
    updates.insert("name".into(), name);
    updates.insert("isActive".into(), Value::Bool(true));
    for (key, value) in credential.fields() {
        updates.insert(key.into(), value);
    }
    let mut specific = specific_data(current);
    specific.shift_remove("authDeletedAt");
    if changed {
        for key in QUOTA_SNAPSHOT_KEYS {
            specific.shift_remove(key);
        }
    }
    match credential.expires() {
        Some(expires) => {
            specific.insert("expires".into(), expires.clone());
        }
        None => {
            specific.shift_remove("expires");
        }
    }
    updates.insert("providerSpecificData".into(), Value::Object(specific));
    if changed || current.get("isActive") != Some(&Value::Bool(true)) {
        insert_resets(&mut updates, current);
    }
    updates
}

/// A synced connection whose credential is gone: inactive, no secrets, reset, and
/// `authDeletedAt` (the first deletion time is kept).
fn deactivation_updates(current: &Object, now_iso: &str) -> Object {
    let mut updates = Object::new();
    updates.insert("isActive".into(), Value::Bool(false));
    for key in ["apiKey", "accessToken", "refreshToken"] {
        updates.insert(key.into(), Value::Null);
    }
    let mut specific = specific_data(current);
    let deleted_at = match specific.get("authDeletedAt") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => now_iso.to_owned(),
    };
    specific.insert("authDeletedAt".into(), Value::from(deleted_at));
    updates.insert("providerSpecificData".into(), Value::Object(specific));
    insert_resets(&mut updates, current);
    updates
}

/// `{...old providerSpecificData, source: "auth.json"}`.
fn specific_data(current: &Object) -> Object {
    let mut specific = current
        .get("providerSpecificData")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    specific.insert("source".into(), Value::from(AUTH_JSON_SOURCE));
    specific
}

/// `testStatus`, `lastError`, `errorCode`, `lastErrorAt` = null and `backoffLevel` = 0.
fn insert_error_resets(updates: &mut Object) {
    for key in ["testStatus", "lastError", "errorCode", "lastErrorAt"] {
        updates.insert(key.into(), Value::Null);
    }
    updates.insert("backoffLevel".into(), Value::from(0));
}

/// The error resets plus every non-null `modelLock_*` of the connection set to null.
fn insert_resets(updates: &mut Object, current: &Object) {
    insert_error_resets(updates);
    for (key, value) in current {
        if key.starts_with(MODEL_LOCK_PREFIX) && !value.is_null() {
            updates.insert(key.clone(), Value::Null);
        }
    }
}

/// Whether any update differs from the stored value.
fn differs(current: &Object, updates: &Object) -> bool {
    updates
        .iter()
        .any(|(key, value)| !same_value(current.get(key), value))
}

/// `Object.is` for JSON values, with objects and arrays compared by their JSON text (key order
/// included). A missing key is `undefined`, which equals nothing here.
fn same_value(stored: Option<&Value>, wanted: &Value) -> bool {
    match (stored, wanted) {
        (None, _) => false,
        (Some(Value::Number(a)), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y && x.is_sign_negative() == y.is_sign_negative(),
            _ => false,
        },
        (
            Some(a @ (Value::Object(_) | Value::Array(_))),
            b @ (Value::Object(_) | Value::Array(_)),
        ) => crate::json::to_js_string(a) == crate::json::to_js_string(b),
        (Some(a), b) => a == b,
    }
}

/// `{...existing, ...updates, updatedAt: now}` at a position (updates never hold `id` or
/// `createdAt`, so this is `updateProviderConnection` without its id lookup).
fn apply(state: &mut ConnectionState, at: usize, updates: &Object, stamp: &Stamp<'_>) {
    if let Some(c) = state.connections.get_mut(at) {
        for (key, value) in updates {
            c.assign(key.clone(), value.clone());
        }
        c.assign("updatedAt".into(), Value::from(stamp.now_iso.as_str()));
    }
}

fn id_of(c: &Object) -> String {
    c.get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections::{InMemoryProviderConnectionStore, JsonProviderConnectionStore};
    use crate::env::{FixedClock, SequenceRandom};
    use crate::json::to_js_string;
    use crate::storage::{ByteStorage, MemoryStorage};
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const NOW: f64 = 1_779_408_000_000.0; // 2026-05-22T00:00:00.000Z
    const NOW_ISO: &str = "2026-05-22T00:00:00.000Z";
    const ID1: &str = "conn_00000000-0000-4000-8000-000000000001";
    const ID2: &str = "conn_00000000-0000-4000-8000-000000000002";

    fn memory(seed: Value) -> InMemoryProviderConnectionStore {
        InMemoryProviderConnectionStore::with_env(
            Some(&seed),
            Box::new(FixedClock(NOW)),
            Box::new(SequenceRandom::default()),
        )
    }

    fn empty() -> InMemoryProviderConnectionStore {
        memory(json!({}))
    }

    fn all<S: ProviderConnectionStore>(store: &S) -> Vec<Object> {
        store.get_provider_connections(&Object::new()).unwrap()
    }

    fn by_id<S: ProviderConnectionStore>(store: &S, id: &str) -> Object {
        store.get_provider_connection_by_id(id).unwrap().unwrap()
    }

    fn report(
        created: &[&str],
        updated: &[&str],
        deactivated: &[&str],
        unchanged: &[&str],
    ) -> SyncReport {
        let own = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect();
        SyncReport {
            created: own(created),
            updated: own(updated),
            deactivated: own(deactivated),
            unchanged: own(unchanged),
        }
    }

    fn api_key(key: &str) -> Value {
        json!({"type": "api_key", "key": key})
    }

    /// A JSON store over memory that counts its writes.
    #[derive(Default)]
    struct Counting {
        inner: MemoryStorage,
        writes: AtomicUsize,
    }

    impl ByteStorage for Counting {
        fn read_all(&self) -> Result<Option<Vec<u8>>> {
            self.inner.read_all()
        }
        fn read_range(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
            self.inner.read_range(offset, len)
        }
        fn size(&self) -> Result<Option<u64>> {
            self.inner.size()
        }
        fn append(&self, bytes: &[u8]) -> Result<()> {
            self.writes.fetch_add(1, Ordering::SeqCst);
            self.inner.append(bytes)
        }
        fn replace_at(
            &self,
            at: &crate::io::Location,
            temp_name: &str,
            bytes: &[u8],
        ) -> crate::error::Result<()> {
            self.writes.fetch_add(1, Ordering::SeqCst);
            self.inner.replace_at(at, temp_name, bytes)
        }
        fn locate(&self, follow_links: bool) -> crate::error::Result<crate::io::Location> {
            self.inner.locate(follow_links)
        }
        fn lock_fs(&self) -> &dyn crate::storage::dir_lock::LockFs {
            self.inner.lock_fs()
        }
    }

    #[test]
    fn tv28_import_creates_the_connection() {
        let store = empty();
        let r = sync_auth_json_connections(
            &store,
            &json!({"openai": api_key("auth-json-key")}),
            Some("openai"),
        )
        .unwrap();
        assert_eq!(r, report(&[ID1], &[], &[], &[]));
        let got = all(&store);
        assert_eq!(got.len(), 1);
        assert_eq!(
            to_js_string(&Value::Object(got[0].clone())),
            format!(
                r#"{{"provider":"openai","name":"auth.json API key","isActive":true,"authType":"apikey","apiKey":"auth-json-key","accessToken":null,"refreshToken":null,"providerSpecificData":{{"source":"auth.json"}},"testStatus":null,"lastError":null,"errorCode":null,"lastErrorAt":null,"backoffLevel":0,"id":"{ID1}","priority":1,"createdAt":"{NOW_ISO}","updatedAt":"{NOW_ISO}"}}"#
            )
        );
    }

    #[test]
    fn tv28_removal_deactivates_and_keeps_manual_connections() {
        let manual = json!({"id": "manual", "provider": "openai", "authType": "apikey", "apiKey": "sk-manual",
            "isActive": true, "priority": 1, "testStatus": "unavailable", "modelLock_m": "2099-01-01T00:00:00.000Z"});
        let store = memory(json!({"connections": [manual.clone()]}));
        sync_auth_json_connections(
            &store,
            &json!({"openai": api_key("auth-json-key")}),
            Some("openai"),
        )
        .unwrap();
        assert_eq!(
            by_id(&store, ID1)["priority"],
            json!(2),
            "ranks after the manual one"
        );
        store
            .update_provider_connection(
                ID1,
                &json!({"testStatus": "unavailable", "lastError": "x", "errorCode": 429, "backoffLevel": 3,
                        "modelLock_gpt": "2099-01-01T00:00:00.000Z", "modelLock_old": null})
                .as_object()
                .cloned()
                .unwrap()
                .into(),
            )
            .unwrap();
        let r = sync_auth_json_connections(&store, &json!({}), Some("openai")).unwrap();
        assert_eq!(r, report(&[], &[], &[ID1], &[]));
        let c = by_id(&store, ID1);
        for (key, want) in [
            ("isActive", json!(false)),
            ("apiKey", json!(null)),
            ("accessToken", json!(null)),
            ("refreshToken", json!(null)),
            ("testStatus", json!(null)),
            ("lastError", json!(null)),
            ("errorCode", json!(null)),
            ("lastErrorAt", json!(null)),
            ("backoffLevel", json!(0)),
            ("modelLock_gpt", json!(null)),
            ("modelLock_old", json!(null)),
            (
                "providerSpecificData",
                json!({"source": "auth.json", "authDeletedAt": NOW_ISO}),
            ),
        ] {
            assert_eq!(c[key], want, "{key}");
        }
        assert_eq!(Value::Object(by_id(&store, "manual")), manual);
    }

    #[test]
    fn first_deletion_time_is_kept() {
        let seed = json!({"connections": [{"id": "a", "provider": "openai", "isActive": false, "apiKey": "left-over",
            "providerSpecificData": {"source": "auth.json", "authDeletedAt": "2026-01-01T00:00:00.000Z"}}]});
        let store = memory(seed);
        let r = sync_auth_json_connections(&store, &Value::Null, Some("openai")).unwrap();
        assert_eq!(r, report(&[], &[], &["a"], &[]));
        let c = by_id(&store, "a");
        assert_eq!(c["apiKey"], json!(null));
        assert_eq!(
            c["providerSpecificData"]["authDeletedAt"],
            json!("2026-01-01T00:00:00.000Z")
        );
        // An empty deletion time is replaced.
        let store = memory(json!({"connections": [{"id": "b", "provider": "openai",
            "providerSpecificData": {"authDeletedAt": "", "source": "auth.json"}}]}));
        sync_auth_json_connections(&store, &json!({}), None).unwrap();
        assert_eq!(
            to_js_string(&by_id(&store, "b")["providerSpecificData"]),
            format!(r#"{{"authDeletedAt":"{NOW_ISO}","source":"auth.json"}}"#)
        );
    }

    #[test]
    fn key_rotation_updates_the_primary_and_resets_it() {
        let store = empty();
        sync_auth_json_connections(&store, &json!({"openai": api_key("k1")}), Some("openai"))
            .unwrap();
        let mut marks = json!({"testStatus": "unavailable", "backoffLevel": 2, "modelLock___all": "2099-01-01T00:00:00.000Z",
            "name": "renamed", "providerSpecificData": {"source": "auth.json", "pieLabQuotaSelection": {"p": 1},
            "pieAdkQuotaSelection": {}, "keep": 1}});
        let marks = marks.as_object_mut().cloned().unwrap();
        store
            .update_provider_connection(ID1, &marks.into())
            .unwrap();
        let r =
            sync_auth_json_connections(&store, &json!({"openai": api_key("k2")}), Some("openai"))
                .unwrap();
        assert_eq!(r, report(&[], &[ID1], &[], &[]));
        let c = by_id(&store, ID1);
        assert_eq!(c["apiKey"], json!("k2"));
        assert_eq!(c["name"], json!("renamed"), "an existing name is kept");
        assert_eq!(c["testStatus"], json!(null));
        assert_eq!(c["backoffLevel"], json!(0));
        assert_eq!(c["modelLock___all"], json!(null));
        assert_eq!(
            c["providerSpecificData"],
            json!({"source": "auth.json", "keep": 1})
        );
    }

    #[test]
    fn an_unchanged_credential_keeps_errors_and_quota_snapshots() {
        let seed = json!({"connections": [{"id": "a", "provider": "openai", "name": "n", "isActive": true,
            "authType": "apikey", "apiKey": "k", "accessToken": null, "refreshToken": null,
            "providerSpecificData": {"source": "auth.json", "pieLabQuotaSelection": {"x": 1}},
            "testStatus": "unavailable", "modelLock_m": "2099-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z"}]});
        let store = memory(seed.clone());
        let r = sync_auth_json_connections(&store, &json!({"openai": api_key("k")}), None).unwrap();
        assert_eq!(r, report(&[], &[], &[], &["a"]));
        assert_eq!(Value::Object(by_id(&store, "a")), seed["connections"][0]);
    }

    #[test]
    fn an_inactive_primary_with_the_same_key_is_reactivated_and_reset() {
        let seed = json!({"connections": [{"id": "a", "provider": "openai", "isActive": false, "authType": "apikey",
            "apiKey": "k", "providerSpecificData": {"source": "auth.json", "pieLabQuotaSelection": {"x": 1}},
            "testStatus": "unavailable"}]});
        let store = memory(seed);
        let r = sync_auth_json_connections(&store, &json!({"openai": api_key("k")}), None).unwrap();
        assert_eq!(r, report(&[], &["a"], &[], &[]));
        let c = by_id(&store, "a");
        assert_eq!(c["isActive"], json!(true));
        assert_eq!(c["testStatus"], json!(null));
        assert_eq!(c["name"], json!("auth.json API key"));
        // Not a credential change, so the quota snapshot stays.
        assert_eq!(
            c["providerSpecificData"],
            json!({"source": "auth.json", "pieLabQuotaSelection": {"x": 1}})
        );
    }

    #[test]
    fn re_adding_a_deleted_key_reuses_the_connection() {
        let store = empty();
        let key = json!({"openai": api_key("k")});
        sync_auth_json_connections(&store, &key, None).unwrap();
        sync_auth_json_connections(&store, &json!({}), None).unwrap();
        let r = sync_auth_json_connections(&store, &key, None).unwrap();
        assert_eq!(r, report(&[], &[ID1], &[], &[]));
        let c = by_id(&store, ID1);
        assert_eq!(c["isActive"], json!(true));
        assert_eq!(c["apiKey"], json!("k"));
        assert_eq!(c["providerSpecificData"], json!({"source": "auth.json"}));
        assert_eq!(all(&store).len(), 1);
    }

    #[test]
    fn oauth_import_and_refresh() {
        let store = empty();
        let entry = json!({"codex": {"type": "oauth", "refresh": "r1", "access": "a1", "expires": 1779411600000u64, "accountId": "x"}});
        sync_auth_json_connections(&store, &entry, Some("codex")).unwrap();
        let c = by_id(&store, ID1);
        assert_eq!(
            to_js_string(&Value::Object(c)),
            format!(
                r#"{{"provider":"codex","name":"auth.json OAuth","isActive":true,"authType":"oauth","apiKey":null,"accessToken":"a1","refreshToken":"r1","providerSpecificData":{{"source":"auth.json","expires":1779411600000}},"testStatus":null,"lastError":null,"errorCode":null,"lastErrorAt":null,"backoffLevel":0,"id":"{ID1}","priority":1,"createdAt":"{NOW_ISO}","updatedAt":"{NOW_ISO}"}}"#
            )
        );
        // Only the expiry moved: still a credential change.
        store
            .update_provider_connection(
                ID1,
                &json!({"testStatus": "unavailable"})
                    .as_object()
                    .cloned()
                    .unwrap()
                    .into(),
            )
            .unwrap();
        let moved = json!({"codex": {"type": "oauth", "refresh": "r1", "access": "a1", "expires": 1779415200000u64}});
        let r = sync_auth_json_connections(&store, &moved, Some("codex")).unwrap();
        assert_eq!(r, report(&[], &[ID1], &[], &[]));
        let c = by_id(&store, ID1);
        assert_eq!(
            c["providerSpecificData"]["expires"],
            json!(1779415200000u64)
        );
        assert_eq!(c["testStatus"], json!(null));
        // A refreshed token pair.
        let refreshed = json!({"codex": {"type": "oauth", "refresh": "r2", "access": "a2", "expires": 1779415200000u64}});
        let r = sync_auth_json_connections(&store, &refreshed, None).unwrap();
        assert_eq!(r, report(&[], &[ID1], &[], &[]));
        let c = by_id(&store, ID1);
        assert_eq!(
            (c["accessToken"].clone(), c["refreshToken"].clone()),
            (json!("a2"), json!("r2"))
        );
        // No expiry any more: the key is removed.
        let no_expiry =
            json!({"codex": {"type": "oauth", "refresh": "r2", "access": "a2", "expires": "soon"}});
        sync_auth_json_connections(&store, &no_expiry, None).unwrap();
        assert_eq!(
            by_id(&store, ID1)["providerSpecificData"],
            json!({"source": "auth.json"})
        );
        assert_eq!(
            sync_auth_json_connections(&store, &no_expiry, None).unwrap(),
            report(&[], &[], &[], &[ID1])
        );
    }

    #[test]
    fn switching_from_oauth_to_an_api_key_drops_the_expiry() {
        let store = empty();
        let oauth = json!({"p": {"type": "oauth", "refresh": "r", "access": "a", "expires": 5}});
        sync_auth_json_connections(&store, &oauth, None).unwrap();
        sync_auth_json_connections(&store, &json!({"p": api_key("k")}), None).unwrap();
        let c = by_id(&store, ID1);
        assert_eq!(c["authType"], json!("apikey"));
        assert_eq!(
            c["name"],
            json!("auth.json OAuth"),
            "the existing name is kept"
        );
        assert_eq!(
            (c["accessToken"].clone(), c["refreshToken"].clone()),
            (json!(null), json!(null))
        );
        assert_eq!(c["providerSpecificData"], json!({"source": "auth.json"}));
    }

    #[test]
    fn duplicates_keep_only_the_primary() {
        let synced = |id: &str, priority: i64, key: &str| {
            json!({"id": id, "provider": "openai", "priority": priority, "isActive": true, "authType": "apikey",
                "apiKey": key, "providerSpecificData": {"source": "auth.json"}})
        };
        let seed = json!({"connections": [synced("second", 5, "old"), synced("first", 2, "k"),
            {"id": "manual", "provider": "openai", "priority": 1, "isActive": true, "apiKey": "m"}]});
        let store = memory(seed);
        let r =
            sync_auth_json_connections(&store, &json!({"openai": api_key("k")}), Some("openai"))
                .unwrap();
        assert_eq!(r, report(&[], &["first"], &["second"], &[]));
        let second = by_id(&store, "second");
        assert_eq!(second["isActive"], json!(false));
        assert_eq!(second["apiKey"], json!(null));
        assert_eq!(by_id(&store, "first")["apiKey"], json!("k"));
        assert_eq!(by_id(&store, "manual")["apiKey"], json!("m"));
        // Again: nothing left to do.
        let r =
            sync_auth_json_connections(&store, &json!({"openai": api_key("k")}), Some("openai"))
                .unwrap();
        assert_eq!(r, report(&[], &[], &[], &["first", "second"]));
    }

    #[test]
    fn idempotent_sync_writes_nothing() {
        let store = JsonProviderConnectionStore::with_env(
            Counting::default(),
            Box::new(FixedClock(NOW)),
            Box::new(SequenceRandom::default()),
        );
        let auth = json!({"openai": api_key("k"), "codex": {"type": "oauth", "refresh": "r", "access": "a", "expires": 1}});
        assert_eq!(
            sync_auth_json_connections(&store, &auth, None).unwrap(),
            report(&[ID1, ID2], &[], &[], &[])
        );
        assert_eq!(
            store.storage().writes.load(Ordering::SeqCst),
            1,
            "one locked write for all providers"
        );
        let file = store.storage().inner.snapshot();
        assert_eq!(
            sync_auth_json_connections(&store, &auth, None).unwrap(),
            report(&[], &[], &[], &[ID1, ID2])
        );
        assert_eq!(store.storage().writes.load(Ordering::SeqCst), 1);
        sync_auth_json_connections(&store, &json!({}), None).unwrap();
        assert_eq!(store.storage().writes.load(Ordering::SeqCst), 2);
        assert_eq!(
            sync_auth_json_connections(&store, &json!({}), None).unwrap(),
            report(&[], &[], &[], &[ID1, ID2])
        );
        assert_eq!(store.storage().writes.load(Ordering::SeqCst), 2);
        assert_ne!(store.storage().inner.snapshot(), file);
        // Nothing to sync on a missing file: the file is not created.
        let fresh = JsonProviderConnectionStore::with_env(
            Counting::default(),
            Box::new(FixedClock(NOW)),
            Box::new(SequenceRandom::default()),
        );
        assert_eq!(
            sync_auth_json_connections(&fresh, &Value::Null, None).unwrap(),
            SyncReport::default()
        );
        assert_eq!(fresh.storage().inner.snapshot(), None);
    }

    #[test]
    fn without_a_provider_the_union_is_synced() {
        let seed = json!({"connections": [
            {"id": "g", "provider": "gemini", "isActive": true, "apiKey": "gk", "providerSpecificData": {"source": "auth.json"}},
            {"id": "m", "provider": "mistral", "isActive": true, "apiKey": "mk", "providerSpecificData": {"source": "manual"}}]});
        let store = memory(seed);
        let auth = json!({"openai": api_key("ok"), "anthropic": {"type": "oauth", "refresh": "r", "access": "a", "expires": 9}});
        let r = sync_auth_json_connections(&store, &auth, None).unwrap();
        assert_eq!(r, report(&[ID1, ID2], &[], &["g"], &[]));
        assert_eq!(by_id(&store, ID1)["provider"], json!("openai"));
        assert_eq!(by_id(&store, ID2)["provider"], json!("anthropic"));
        assert_eq!(by_id(&store, "m")["isActive"], json!(true));
        // With a provider, only that provider is synced.
        let store = memory(
            json!({"connections": [{"id": "g", "provider": "gemini", "isActive": true,
            "providerSpecificData": {"source": "auth.json"}}]}),
        );
        let r = sync_auth_json_connections(&store, &auth, Some("openai")).unwrap();
        assert_eq!(r, report(&[ID1], &[], &[], &[]));
        assert_eq!(by_id(&store, "g")["isActive"], json!(true));
    }

    #[test]
    fn invalid_entries_count_as_no_credential() {
        for entry in [
            json!({"type": "api_key"}),
            json!({"type": "api_key", "key": ""}),
            json!({"type": "api_key", "key": "  "}),
            json!({"type": "api_key", "key": 5}),
            json!({"type": "bearer", "key": "k"}),
            json!({"type": "oauth", "access": "a"}),
            json!({"type": "oauth", "refresh": "r", "access": ""}),
            json!({"key": "k"}),
            json!("k"),
            json!(null),
        ] {
            assert_eq!(AuthCredential::from_entry(&entry), None, "{entry}");
            let store = memory(
                json!({"connections": [{"id": "a", "provider": "openai", "isActive": true,
                "apiKey": "k", "providerSpecificData": {"source": "auth.json"}}]}),
            );
            let r = sync_auth_json_connections(&store, &json!({"openai": entry}), None).unwrap();
            assert_eq!(r, report(&[], &[], &["a"], &[]), "{entry}");
            // And nothing is created for it.
            let store = empty();
            let r = sync_auth_json_connections(&store, &json!({"openai": entry}), None).unwrap();
            assert_eq!(r, SyncReport::default());
        }
    }

    #[test]
    fn malformed_arguments_are_rejected_without_writing() {
        let store = empty();
        for bad in [json!([]), json!("x"), json!(1)] {
            let e = sync_auth_json_connections(&store, &bad, None).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidInput);
        }
        assert_eq!(
            sync_auth_json_connections(&store, &json!({}), Some(" "))
                .unwrap_err()
                .code,
            ErrorCode::InvalidInput
        );
        assert!(all(&store).is_empty());
        let bad_provider = state_call("syncAuthJsonConnections", &[json!({}), json!(3)]);
        assert!(matches!(bad_provider, Err(e) if e.code == ErrorCode::InvalidInput));
    }

    /// The npm-name entry point, as the binding layer runs it.
    fn state_call(op: &str, args: &[Value]) -> Result<crate::connections::StateCall> {
        let args = crate::bindings::Args::from_wire(op, args.to_vec());
        crate::bindings::state_call(&args, &Default::default())
    }

    #[test]
    fn state_call_returns_the_report_json() {
        let store = empty();
        let call = |args: &[Value]| {
            state_call("syncAuthJsonConnections", args)
                .unwrap()
                .run_on(&store)
                .unwrap()
        };
        let got = call(&[json!({"openai": api_key("k")})]);
        assert_eq!(
            to_js_string(&got),
            format!(r#"{{"created":["{ID1}"],"updated":[],"deactivated":[],"unchanged":[]}}"#)
        );
        let got = call(&[json!(null), json!({"__pieUndefined": true})]);
        assert_eq!(got["deactivated"], json!([ID1]));
        assert_eq!(
            serde_json::to_value(report(&["a"], &[], &[], &["b"])).unwrap(),
            json!({"created": ["a"], "updated": [], "deactivated": [], "unchanged": ["b"]})
        );
    }
}
