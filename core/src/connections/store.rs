//! The provider-connection stores: `provider-connections.json` over any [`ByteStorage`], and an
//! in-memory store with the reference's in-memory semantics.
//!
//! Unlike the reference (read, mutate, overwrite, no lock: last writer wins), every mutation of
//! the JSON store is one read-modify-write under the storage's exclusive lock, written with an
//! atomic replace. Reads never write and never create the file. A file that cannot be parsed is
//! reported (code `PIE_CORRUPT_FILE`, with the file and position) and never overwritten.

use std::rc::Rc;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::state::{ConnectionState, Stamp};
use super::{Object, Patch, ProviderConnection, ProviderConnectionSettings, ProxyPool};
use crate::env::{uuid_v4, Clock, Random, SystemClock, SystemRandom};
use crate::error::Result;
use crate::io::lock::with_lock;
use crate::io::replace::{remove_leftovers, replace_file};
use crate::io::{Blob, Host, Io, LockTiming, Operation};
use crate::routing::{resolve_route_plan, ComboRotation, RoutePlan};
use crate::storage::ByteStorage;
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
        stamp!(self, stamp);
        f(&mut stamp)
    }

    /// The clock's time, and the same as an ISO string.
    fn now(&self) -> (f64, String) {
        let now = self.clock.now_ms();
        let iso = to_iso_string(now).unwrap_or_else(|| "1970-01-01T00:00:00.000Z".into());
        (now, iso)
    }

    fn uuid(&self) -> String {
        uuid_v4(self.random.bytes16())
    }
}

/// Binds `$stamp`, a [`Stamp`] of `$env`'s time and ids, in the caller's scope (also across
/// `.await`, which a closure-taking helper could not span).
macro_rules! stamp {
    ($env:expr, $stamp:ident) => {
        let (now_ms, now_iso) = $env.now();
        let mut uuid = || $env.uuid();
        let mut $stamp = Stamp {
            now_ms,
            now_iso,
            uuid: &mut uuid,
        };
    };
}
use stamp;

/// The operations both stores offer, so hosts and tests can drive either the same way. The
/// trait is object-safe (`&dyn ProviderConnectionStore`); generic reads and mutations with a
/// result are [`ProviderConnectionStoreExt`], available on every store.
pub trait ProviderConnectionStore {
    /// Runs `f` once on the current state.
    fn read_state(&self, f: &mut dyn FnMut(&ConnectionState)) -> Result<()>;
    /// Runs the mutation `f` once; it says whether the state changed (to be written).
    fn mutate_state(
        &self,
        f: &mut dyn FnMut(&mut ConnectionState, &mut Stamp<'_>) -> bool,
    ) -> Result<()>;

    /// `getProviderConnections(filter)`: sorted by priority; `filter` keys must equal.
    /// This store's combo rotation state: round-robin combos take turns per store, never per
    /// process (the reference keeps one global).
    fn combo_rotation(&self) -> &Arc<Mutex<ComboRotation>>;

    /// The routes for `requested_model` under the stored routing policy, advancing this store's
    /// combo rotation (`planRoutes`, the `/routing-policy/preview` shape).
    fn plan_routes(&self, requested_model: &str) -> Result<RoutePlan> {
        let settings = Value::Object(self.get_settings()?);
        let mut rotation = self
            .combo_rotation()
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        resolve_route_plan(requested_model, Some(&settings), &mut rotation)
    }

    /// Forgets the rotation of combo `name`, or of every combo (`resetComboRotation`).
    fn reset_combo_rotation(&self, name: Option<&str>) {
        let mut rotation = self
            .combo_rotation()
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        rotation.reset(name);
    }

    /// Every connection matching `filter` (`getProviderConnections`).
    fn get_provider_connections(&self, filter: &Object) -> Result<Vec<Object>> {
        self.read(|s| s.connections(filter))
    }
    /// `getProviderConnectionById(id)`.
    fn get_provider_connection_by_id(&self, id: &str) -> Result<Option<Object>> {
        self.read(|s| s.connection(id))
    }
    /// `createProviderConnection(data)`: normalized, stamped with an id and times.
    fn create_provider_connection(&self, data: &Patch) -> Result<Object> {
        self.mutate(|s, stamp| (s.create_connection(data, stamp), true))
    }
    /// `updateProviderConnection(id, data)`: merges `data`; `None` when no such id.
    fn update_provider_connection(&self, id: &str, data: &Patch) -> Result<Option<Object>> {
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
    fn update_settings(&self, updates: &Patch) -> Result<Object> {
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
    fn create_proxy_pool(&self, data: &Patch) -> Result<Object> {
        self.mutate(|s, stamp| (s.create_proxy_pool(data, stamp), true))
    }
    /// `updateProxyPool(id, data)`: `None` when no such id.
    fn update_proxy_pool(&self, id: &str, data: &Patch) -> Result<Option<Object>> {
        self.mutate(|s, stamp| written_if_found(s.update_proxy_pool(id, data, stamp)))
    }
    /// `deleteProxyPool(id)`: the removed pool, `None` when no such id.
    fn delete_proxy_pool(&self, id: &str) -> Result<Option<Object>> {
        self.mutate(|s, _| written_if_found(s.delete_proxy_pool(id)))
    }
}

/// Reads and mutations with a result, over [`ProviderConnectionStore`]'s object-safe ones.
pub trait ProviderConnectionStoreExt: ProviderConnectionStore {
    /// Runs a read-only operation on the current state.
    fn read<T>(&self, f: impl FnOnce(&ConnectionState) -> T) -> Result<T> {
        let (mut f, mut out) = (Some(f), None);
        self.read_state(&mut |state| {
            if let Some(f) = f.take() {
                out = Some(f(state));
            }
        })?;
        out.ok_or_else(|| crate::error::Error::storage("the store did not run the read"))
    }

    /// Runs a mutation; it returns its result and whether the state changed (to be written).
    fn mutate<T>(
        &self,
        f: impl FnOnce(&mut ConnectionState, &mut Stamp<'_>) -> (T, bool),
    ) -> Result<T> {
        let (mut f, mut out) = (Some(f), None);
        self.mutate_state(&mut |state, stamp| match f.take() {
            Some(f) => {
                let (value, changed) = f(state, stamp);
                out = Some(value);
                changed
            }
            None => false,
        })?;
        out.ok_or_else(|| crate::error::Error::storage("the store did not run the mutation"))
    }

    /// [`get_provider_connections`](ProviderConnectionStore::get_provider_connections) as
    /// typed views (same order: by priority, `filter` keys must equal).
    fn provider_connections(&self, filter: &Object) -> Result<Vec<ProviderConnection>> {
        let all = self.get_provider_connections(filter)?;
        Ok(all.into_iter().map(ProviderConnection::from).collect())
    }

    /// [`get_provider_connection_by_id`](ProviderConnectionStore::get_provider_connection_by_id)
    /// as a typed view.
    fn provider_connection(&self, id: &str) -> Result<Option<ProviderConnection>> {
        Ok(self
            .get_provider_connection_by_id(id)?
            .map(ProviderConnection::from))
    }

    /// [`get_proxy_pools`](ProviderConnectionStore::get_proxy_pools) as typed views.
    fn proxy_pools(&self, filter: &Object) -> Result<Vec<ProxyPool>> {
        let all = self.get_proxy_pools(filter)?;
        Ok(all.into_iter().map(ProxyPool::from).collect())
    }

    /// [`get_proxy_pool_by_id`](ProviderConnectionStore::get_proxy_pool_by_id) as a typed
    /// view.
    fn proxy_pool(&self, id: &str) -> Result<Option<ProxyPool>> {
        Ok(self.get_proxy_pool_by_id(id)?.map(ProxyPool::from))
    }

    /// [`get_settings`](ProviderConnectionStore::get_settings) as a typed view.
    fn settings(&self) -> Result<ProviderConnectionSettings> {
        Ok(ProviderConnectionSettings::from(self.get_settings()?))
    }
}

impl<S: ProviderConnectionStore + ?Sized> ProviderConnectionStoreExt for S {}

/// A mutation of one record changes the state only when the record exists.
pub(crate) fn written_if_found(out: Option<Object>) -> (Option<Object>, bool) {
    let found = out.is_some();
    (out, found)
}

/// The I/O-free half of the JSON store: the steps of a read and of a locked
/// read-modify-write of `provider-connections.json`. [`JsonProviderConnectionStore`] runs them on
/// a [`ByteStorage`]; the Node host runs the same steps, awaiting each one.
pub struct ConnectionFile {
    /// The file's name in messages.
    name: String,
    env: Env,
    lock: LockTiming,
    rotation: Arc<Mutex<ComboRotation>>,
}

impl ConnectionFile {
    /// The file called `name` in messages, on the system clock and random source.
    pub fn new(name: impl Into<String>) -> Self {
        ConnectionFile {
            name: name.into(),
            env: Env::system(),
            lock: LockTiming::default(),
            rotation: Arc::default(),
        }
    }

    /// The same with an injected clock and random source.
    pub fn with_env(
        name: impl Into<String>,
        clock: Box<dyn Clock>,
        random: Box<dyn Random>,
    ) -> Self {
        ConnectionFile {
            env: Env { clock, random },
            ..ConnectionFile::new(name)
        }
    }

    async fn load(&self, io: &Io, stamp: &mut Stamp<'_>) -> Result<ConnectionState> {
        match io.read_all(Blob::Data).await? {
            None => Ok(ConnectionState::empty()),
            Some(bytes) => ConnectionState::from_file(&bytes, &self.name, stamp),
        }
    }

    /// Reads the file (never writing or creating it) and runs `f` on its state.
    pub(crate) async fn read<T>(
        &self,
        io: &Io,
        f: impl FnOnce(&ConnectionState) -> T,
    ) -> Result<T> {
        stamp!(self.env, stamp);
        Ok(f(&self.load(io, &mut stamp).await?))
    }

    /// One read-modify-write under the file's lock: removes what crashed writers left, reads,
    /// runs `f`, and replaces the file (through a symbolic link, keeping it) when `f` changed
    /// the state. The lock is confirmed just before the replace.
    pub(crate) async fn mutate<T>(
        &self,
        io: &Io,
        f: impl FnOnce(&mut ConnectionState, &mut Stamp<'_>) -> (T, bool),
    ) -> Result<T> {
        with_lock(io, self.lock, async |lock, at| {
            remove_leftovers(io, Blob::Data, at).await;
            stamp!(self.env, stamp);
            let mut state = self.load(io, &mut stamp).await?;
            let (out, changed) = f(&mut state, &mut stamp);
            if changed {
                let bytes = state.to_file(&mut stamp);
                lock.confirm(io).await?;
                let random = self.env.random.bytes16();
                replace_file(io, Blob::Data, at, bytes, &random).await?;
            }
            Ok(out)
        })
        .await
    }

    /// Runs a [`StateCall`] as a read or a locked mutation.
    async fn call(&self, io: &Io, call: StateCall) -> Result<Value> {
        match call {
            StateCall::Read(f) => self.read(io, f).await?,
            StateCall::Mutate(f) => self.mutate(io, f).await?,
            StateCall::Local(f) => f(),
        }
    }

    /// [`StateCall`] `call` as an operation its host drives step by step (the Node host awaits
    /// each step; see [`crate::io`]).
    pub fn operation(self: &Rc<Self>, call: StateCall) -> Operation<'static, Value> {
        let file = self.clone();
        Operation::new(move |io| async move { file.call(&io, call).await })
    }

    /// This store's combo rotation (process-local state, never written to the file).
    pub fn combo_rotation(&self) -> &Arc<Mutex<ComboRotation>> {
        &self.rotation
    }
}

/// `JsonProviderConnectionStore`: the state lives in one JSON file.
pub struct JsonProviderConnectionStore<S: ByteStorage> {
    storage: S,
    file: ConnectionFile,
}

impl<S: ByteStorage> JsonProviderConnectionStore<S> {
    /// A store over `storage` (usually a [`FileStorage`](crate::FileStorage)) with the system clock and randomness.
    pub fn new(storage: S) -> Self {
        let file = ConnectionFile::new(Self::name_of(&storage));
        JsonProviderConnectionStore { storage, file }
    }

    /// A store with an injected clock and random source.
    pub fn with_env(storage: S, clock: Box<dyn Clock>, random: Box<dyn Random>) -> Self {
        let file = ConnectionFile::with_env(Self::name_of(&storage), clock, random);
        JsonProviderConnectionStore { storage, file }
    }

    fn name_of(storage: &S) -> String {
        storage
            .name()
            .unwrap_or_else(|| "provider-connections.json".into())
    }

    /// The storage the state is read from and written to.
    pub fn storage(&self) -> &S {
        &self.storage
    }
}

impl<S: ByteStorage> ProviderConnectionStore for JsonProviderConnectionStore<S> {
    fn combo_rotation(&self) -> &Arc<Mutex<ComboRotation>> {
        self.file.combo_rotation()
    }

    fn read_state(&self, f: &mut dyn FnMut(&ConnectionState)) -> Result<()> {
        let io = Io::default();
        Host::of(&self.storage).run(&io, self.file.read(&io, f))
    }

    fn mutate_state(
        &self,
        f: &mut dyn FnMut(&mut ConnectionState, &mut Stamp<'_>) -> bool,
    ) -> Result<()> {
        let io = Io::default();
        let f = |state: &mut ConnectionState, stamp: &mut Stamp<'_>| ((), f(state, stamp));
        Host::of(&self.storage).run(&io, self.file.mutate(&io, f))
    }
}

/// `InMemoryProviderConnectionStore`: the reference's in-memory semantics (seed connections are
/// kept as given, not normalized).
pub struct InMemoryProviderConnectionStore {
    state: Mutex<ConnectionState>,
    env: Env,
    rotation: Arc<Mutex<ComboRotation>>,
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
            rotation: Arc::default(),
        }
    }

    /// `clear()`: no connections, no pools, default settings.
    pub fn clear(&self) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = ConnectionState::empty();
    }
}

impl ProviderConnectionStore for InMemoryProviderConnectionStore {
    fn combo_rotation(&self) -> &Arc<Mutex<ComboRotation>> {
        &self.rotation
    }

    fn read_state(&self, f: &mut dyn FnMut(&ConnectionState)) -> Result<()> {
        f(&self.state.lock().unwrap_or_else(|e| e.into_inner()));
        Ok(())
    }

    fn mutate_state(
        &self,
        f: &mut dyn FnMut(&mut ConnectionState, &mut Stamp<'_>) -> bool,
    ) -> Result<()> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.env.stamp(|stamp| f(&mut state, stamp));
        Ok(())
    }
}

/// The read of a [`StateCall`].
pub type ReadCall = Box<dyn FnOnce(&ConnectionState) -> Result<Value>>;
/// The mutation of a [`StateCall`]: its JSON result and whether the state changed.
pub type MutateCall =
    Box<dyn FnOnce(&mut ConnectionState, &mut Stamp<'_>) -> (Result<Value>, bool)>;

/// A store operation on the state alone, whatever holds the state (a file, memory): a read,
/// or a mutation that reports whether it changed anything (to be written).
pub enum StateCall {
    /// Reads the state; the JSON result.
    Read(ReadCall),
    /// Changes the state; the JSON result and whether anything changed.
    Mutate(MutateCall),
    /// Touches only the store's own process-local state (its combo rotation).
    Local(Box<dyn FnOnce() -> Result<Value>>),
}

impl StateCall {
    pub(crate) fn read(f: impl FnOnce(&ConnectionState) -> Result<Value> + 'static) -> Self {
        StateCall::Read(Box::new(f))
    }

    pub(crate) fn mutate(
        f: impl FnOnce(&mut ConnectionState, &mut Stamp<'_>) -> (Result<Value>, bool) + 'static,
    ) -> Self {
        StateCall::Mutate(Box::new(f))
    }

    /// Runs it on `store`.
    pub fn run_on<S: ProviderConnectionStore + ?Sized>(self, store: &S) -> Result<Value> {
        match self {
            StateCall::Read(f) => store.read(f)?,
            StateCall::Mutate(f) => store.mutate(f)?,
            StateCall::Local(f) => f(),
        }
    }
}

#[cfg(test)]
mod rotation_tests {
    use super::*;
    use crate::bindings::{dispatch, Args};
    use serde_json::json;

    /// A store's combo rotation is its own: `plan_routes` advances it, another store is not
    /// moved, and a reset starts over; the same holds through the npm name table.
    #[test]
    fn plan_routes_rotate_per_store() {
        let policy = json!({"routerPolicy": {"combos": [{"name": "coding",
            "models": ["a/1", "b/2"], "strategy": "round-robin", "stickyLimit": 1}]}});
        let (a, b) = (
            InMemoryProviderConnectionStore::new(None),
            InMemoryProviderConnectionStore::new(None),
        );
        for store in [&a, &b] {
            store
                .update_settings(&Patch::from(policy.as_object().unwrap()))
                .unwrap();
        }
        let first = |s: &InMemoryProviderConnectionStore| {
            s.plan_routes("combo:coding").unwrap().routes[0].id()
        };
        assert_eq!([first(&a), first(&a), first(&a)], ["a/1", "b/2", "a/1"]);
        assert_eq!(first(&b), "a/1");
        let call = |op: &str, args: &[Value]| dispatch(&a, &Args::plain(op, args)).unwrap();
        let via_name = call("planRoutes", &[json!("combo:coding")]);
        assert_eq!(via_name["routes"][0]["id"], json!("b/2"));
        call("resetComboRotation", &[]);
        assert_eq!(first(&a), "a/1");
    }
}
