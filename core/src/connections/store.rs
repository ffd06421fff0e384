//! The provider-connection stores: `provider-connections.json` over any [`ByteStorage`], and an
//! in-memory store with the reference's in-memory semantics.
//!
//! Unlike the reference (read, mutate, overwrite, no lock: last writer wins), every mutation of
//! the JSON store is one read-modify-write under the storage's exclusive lock, written with an
//! atomic replace. Reads never write and never create the file. A file that cannot be parsed is
//! reported (code `PIE_CORRUPT_FILE`, with the file and position) and never overwritten.

use std::sync::Mutex;

use serde_json::Value;

use super::state::{ConnectionState, Stamp};
use super::Object;
use crate::env::{uuid_v4, Clock, Random, SystemClock, SystemRandom};
use crate::error::Result;
use crate::storage::{with_lock, ByteStorage};
use crate::time::to_iso_string;

/// Time and randomness for one store.
struct Env {
    clock: Box<dyn Clock>,
    random: Box<dyn Random>,
}

impl Env {
    fn system() -> Self {
        Env {
            clock: Box::new(SystemClock),
            random: Box::new(SystemRandom),
        }
    }

    fn stamp<T>(&self, f: impl FnOnce(&mut Stamp<'_>) -> T) -> T {
        let now = self.clock.now_ms();
        let now_iso = to_iso_string(now).unwrap_or_else(|| "1970-01-01T00:00:00.000Z".into());
        let mut uuid = || uuid_v4(self.random.bytes16());
        f(&mut Stamp {
            now_ms: now,
            now_iso,
            uuid: &mut uuid,
        })
    }
}

/// The operations both stores offer, so hosts and tests can drive either the same way.
pub trait ProviderConnectionStore {
    /// Runs a read-only operation on the current state.
    fn read<T>(&self, f: impl FnOnce(&ConnectionState) -> T) -> Result<T>;
    /// Runs a mutation; it returns its result and whether the state changed (to be written).
    fn mutate<T>(
        &self,
        f: impl FnOnce(&mut ConnectionState, &mut Stamp<'_>) -> (T, bool),
    ) -> Result<T>;

    /// `getProviderConnections(filter)`: sorted by priority; `filter` keys must equal.
    fn get_provider_connections(&self, filter: &Object) -> Result<Vec<Object>> {
        self.read(|s| s.connections(filter))
    }
    /// `getProviderConnectionById(id)`.
    fn get_provider_connection_by_id(&self, id: &str) -> Result<Option<Object>> {
        self.read(|s| s.connection(id))
    }
    /// `createProviderConnection(data)`: normalized, stamped with an id and times.
    fn create_provider_connection(&self, data: &Object) -> Result<Object> {
        self.mutate(|s, stamp| (s.create_connection(data, stamp), true))
    }
    /// `updateProviderConnection(id, data)`: merges `data`; `None` when no such id.
    fn update_provider_connection(&self, id: &str, data: &Object) -> Result<Option<Object>> {
        self.mutate(|s, stamp| written_if_found(s.update_connection(id, data, stamp)))
    }
    /// `deleteProviderConnection(id)`: the removed connection, `None` when no such id.
    fn delete_provider_connection(&self, id: &str) -> Result<Option<Object>> {
        self.mutate(|s, _| written_if_found(s.delete_connection(id)))
    }
    /// `getSettings()`: every key, defaults filled in.
    fn get_settings(&self) -> Result<Object> {
        self.read(ConnectionState::settings)
    }
    /// `updateSettings(updates)`: merged and normalized; returns the new settings.
    fn update_settings(&self, updates: &Object) -> Result<Object> {
        self.mutate(|s, _| (s.update_settings(updates), true))
    }
    /// `getProxyPools(filter)`.
    fn get_proxy_pools(&self, filter: &Object) -> Result<Vec<Object>> {
        self.read(|s| s.proxy_pools(filter))
    }
    /// `getProxyPoolById(id)`.
    fn get_proxy_pool_by_id(&self, id: &str) -> Result<Option<Object>> {
        self.read(|s| s.proxy_pool(id))
    }
    /// `createProxyPool(data)`.
    fn create_proxy_pool(&self, data: &Object) -> Result<Object> {
        self.mutate(|s, stamp| (s.create_proxy_pool(data, stamp), true))
    }
    /// `updateProxyPool(id, data)`: `None` when no such id.
    fn update_proxy_pool(&self, id: &str, data: &Object) -> Result<Option<Object>> {
        self.mutate(|s, stamp| written_if_found(s.update_proxy_pool(id, data, stamp)))
    }
    /// `deleteProxyPool(id)`: the removed pool, `None` when no such id.
    fn delete_proxy_pool(&self, id: &str) -> Result<Option<Object>> {
        self.mutate(|s, _| written_if_found(s.delete_proxy_pool(id)))
    }
}

/// A mutation of one record changes the state only when the record exists.
fn written_if_found(out: Option<Object>) -> (Option<Object>, bool) {
    let found = out.is_some();
    (out, found)
}

/// `JsonProviderConnectionStore`: the state lives in one JSON file.
pub struct JsonProviderConnectionStore<S: ByteStorage> {
    storage: S,
    env: Env,
}

impl<S: ByteStorage> JsonProviderConnectionStore<S> {
    /// A store over `storage` (usually a [`FileStorage`](crate::FileStorage)) with the system clock and randomness.
    pub fn new(storage: S) -> Self {
        JsonProviderConnectionStore {
            storage,
            env: Env::system(),
        }
    }

    /// A store with an injected clock and random source.
    pub fn with_env(storage: S, clock: Box<dyn Clock>, random: Box<dyn Random>) -> Self {
        JsonProviderConnectionStore {
            storage,
            env: Env { clock, random },
        }
    }

    /// The storage the state is read from and written to.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    fn load(&self, stamp: &mut Stamp<'_>) -> Result<ConnectionState> {
        match self.storage.read_all()? {
            None => Ok(ConnectionState::empty()),
            Some(bytes) => {
                let name = self
                    .storage
                    .name()
                    .unwrap_or_else(|| "provider-connections.json".into());
                ConnectionState::from_file(&bytes, &name, stamp)
            }
        }
    }
}

impl<S: ByteStorage> ProviderConnectionStore for JsonProviderConnectionStore<S> {
    fn read<T>(&self, f: impl FnOnce(&ConnectionState) -> T) -> Result<T> {
        self.env
            .stamp(|stamp| self.load(stamp).map(|state| f(&state)))
    }

    fn mutate<T>(
        &self,
        f: impl FnOnce(&mut ConnectionState, &mut Stamp<'_>) -> (T, bool),
    ) -> Result<T> {
        with_lock(&self.storage, || {
            self.env.stamp(|stamp| {
                let mut state = self.load(stamp)?;
                let (out, changed) = f(&mut state, stamp);
                if changed {
                    self.storage.replace(&state.to_file(stamp))?;
                }
                Ok(out)
            })
        })
    }
}

/// `InMemoryProviderConnectionStore`: the reference's in-memory semantics (seed connections are
/// kept as given, not normalized).
pub struct InMemoryProviderConnectionStore {
    state: Mutex<ConnectionState>,
    env: Env,
}

impl InMemoryProviderConnectionStore {
    /// `createInMemoryProviderConnectionStore(initial?)`.
    pub fn new(seed: Option<&Value>) -> Self {
        Self::with_env(seed, Box::new(SystemClock), Box::new(SystemRandom))
    }

    /// A store with an injected clock and random source (reproducible ids and times).
    pub fn with_env(seed: Option<&Value>, clock: Box<dyn Clock>, random: Box<dyn Random>) -> Self {
        let env = Env { clock, random };
        let state = env.stamp(|stamp| ConnectionState::from_seed(seed, stamp));
        InMemoryProviderConnectionStore {
            state: Mutex::new(state),
            env,
        }
    }

    /// `clear()`: no connections, no pools, default settings.
    pub fn clear(&self) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = ConnectionState::empty();
    }
}

impl ProviderConnectionStore for InMemoryProviderConnectionStore {
    fn read<T>(&self, f: impl FnOnce(&ConnectionState) -> T) -> Result<T> {
        Ok(f(&self.state.lock().unwrap_or_else(|e| e.into_inner())))
    }

    fn mutate<T>(
        &self,
        f: impl FnOnce(&mut ConnectionState, &mut Stamp<'_>) -> (T, bool),
    ) -> Result<T> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        Ok(self.env.stamp(|stamp| f(&mut state, stamp).0))
    }
}

/// Whether store operation `op` (an npm method name) takes the file's lock: every operation but
/// the reads. Hosts that take the lock without blocking ask this before running `op`.
pub fn operation_takes_lock(op: &str) -> bool {
    !matches!(
        op,
        "getProviderConnections"
            | "getProviderConnectionById"
            | "getSettings"
            | "getProxyPools"
            | "getProxyPoolById"
    )
}

/// Runs a store operation by its npm method name with positional JSON arguments, returning the
/// result as JSON (`null` for a missing record). Hosts that speak JSON (wasm, tests) use this so
/// the mapping from names to operations exists once.
pub fn dispatch<S: ProviderConnectionStore>(store: &S, op: &str, args: &[Value]) -> Result<Value> {
    let object = |at: usize| {
        args.get(at)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let id = |at: usize| match args.get(at) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => crate::js_value::to_js_string(other),
    };
    // Record data must be a JSON object (`null`/absent counts as `{}` for updates only): a string,
    // number or array would otherwise create or patch a record with nothing in it.
    let data = |at: usize, required: bool| match args.get(at) {
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(Value::Null) | None if !required => Ok(Object::new()),
        _ => Err(crate::error::Error::new(
            crate::error::ErrorCode::InvalidInput,
            format!("{op}: the record data must be an object"),
        )),
    };
    let list = |items: Vec<Object>| Value::Array(items.into_iter().map(Value::Object).collect());
    let one = |item: Option<Object>| item.map(Value::Object).unwrap_or(Value::Null);
    Ok(match op {
        "getProviderConnections" => list(store.get_provider_connections(&object(0))?),
        "getProviderConnectionById" => one(store.get_provider_connection_by_id(&id(0))?),
        "createProviderConnection" => {
            Value::Object(store.create_provider_connection(&data(0, true)?)?)
        }
        "updateProviderConnection" => {
            one(store.update_provider_connection(&id(0), &data(1, false)?)?)
        }
        "deleteProviderConnection" => one(store.delete_provider_connection(&id(0))?),
        "getSettings" => Value::Object(store.get_settings()?),
        "updateSettings" => Value::Object(store.update_settings(&data(0, false)?)?),
        "getProxyPools" => list(store.get_proxy_pools(&object(0))?),
        "getProxyPoolById" => one(store.get_proxy_pool_by_id(&id(0))?),
        "createProxyPool" => Value::Object(store.create_proxy_pool(&data(0, true)?)?),
        "updateProxyPool" => one(store.update_proxy_pool(&id(0), &data(1, false)?)?),
        "deleteProxyPool" => one(store.delete_proxy_pool(&id(0))?),
        other => match crate::routing::health::store_call(store, other, args)
            .or_else(|| crate::routing::acquire::store_call(store, other, args))
            .or_else(|| crate::routing::auth_sync::store_call(store, other, args))
        {
            Some(result) => result?,
            None => {
                return Err(crate::error::Error::new(
                    crate::error::ErrorCode::InvalidInput,
                    format!("unknown store operation {other}"),
                ))
            }
        },
    })
}
