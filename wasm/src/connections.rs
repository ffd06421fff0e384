//! Provider-connection store bindings. One dispatcher (`call(op, argsJson)`) maps the npm
//! methods onto the core's `ProviderConnectionStore` trait: JSON in, JSON out, nothing else.

use pie_storage_core::connections::{
    mask_proxy_url as core_mask_proxy_url, to_provider_connection_summary,
    InMemoryProviderConnectionStore, JsonProviderConnectionStore, ProviderConnectionStore,
};
use pie_storage_core::env::{uuid_v4, FixedClock, Random, SequenceRandom, SystemRandom};
use pie_storage_core::json::to_js_string;
use pie_storage_core::{Error, ErrorCode};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::errors::{to_js, JsResult};
use crate::js_storage::JsStorage;

enum Store {
    File(JsonProviderConnectionStore<JsStorage>),
    Memory(InMemoryProviderConnectionStore),
}

#[wasm_bindgen(js_name = ProviderConnectionStoreCore)]
pub struct JsProviderConnectionStore {
    store: Store,
}

fn parse_json(text: &str) -> Result<Value, Error> {
    pie_storage_core::json::parse(text)
        .map_err(|e| Error::new(ErrorCode::InvalidJson, e.to_string()))
}

fn dispatch<S: ProviderConnectionStore>(
    store: &S,
    op: &str,
    args: &[Value],
) -> Result<String, Error> {
    pie_storage_core::bindings_support::dispatch(store, op, args).map(|v| to_js_string(&v))
}

#[wasm_bindgen(js_class = ProviderConnectionStoreCore)]
impl JsProviderConnectionStore {
    /// A store on `provider-connections.json` through a JS storage object (see js_storage.rs).
    #[wasm_bindgen(js_name = openFile)]
    pub fn open_file(storage: JsValue) -> JsProviderConnectionStore {
        JsProviderConnectionStore {
            store: Store::File(JsonProviderConnectionStore::new(JsStorage::new(storage))),
        }
    }

    /// A file store with a fixed clock and sequential ids (`...-000000000001`, ...), for
    /// reproducible files and tests.
    #[wasm_bindgen(js_name = openFileFixed)]
    pub fn open_file_fixed(storage: JsValue, now_ms: f64) -> JsProviderConnectionStore {
        let store = JsonProviderConnectionStore::with_env(
            JsStorage::new(storage),
            Box::new(FixedClock(now_ms)),
            Box::new(SequenceRandom::default()),
        );
        JsProviderConnectionStore {
            store: Store::File(store),
        }
    }

    /// An in-memory store with a fixed clock and sequential ids.
    #[wasm_bindgen(js_name = inMemoryFixed)]
    pub fn in_memory_fixed(
        initial: Option<String>,
        now_ms: f64,
    ) -> JsResult<JsProviderConnectionStore> {
        let seed = initial
            .as_deref()
            .map(parse_json)
            .transpose()
            .map_err(to_js)?;
        let store = InMemoryProviderConnectionStore::with_env(
            seed.as_ref(),
            Box::new(FixedClock(now_ms)),
            Box::new(SequenceRandom::default()),
        );
        Ok(JsProviderConnectionStore {
            store: Store::Memory(store),
        })
    }

    /// An in-memory store seeded with `initial` (JSON text of `{connections, settings, proxyPools}`).
    #[wasm_bindgen(js_name = inMemory)]
    pub fn in_memory(initial: Option<String>) -> JsResult<JsProviderConnectionStore> {
        let seed = initial
            .as_deref()
            .map(parse_json)
            .transpose()
            .map_err(to_js)?;
        Ok(JsProviderConnectionStore {
            store: Store::Memory(InMemoryProviderConnectionStore::new(seed.as_ref())),
        })
    }

    /// Runs store operation `op` with `args` (a JSON array); returns the result as JSON text.
    pub fn call(&self, op: &str, args: &str) -> JsResult<String> {
        let args = match parse_json(args).map_err(to_js)? {
            Value::Array(items) => items,
            other => vec![other],
        };
        let result = match &self.store {
            Store::File(s) => dispatch(s, op, &args),
            Store::Memory(s) => dispatch(s, op, &args),
        };
        result.map_err(to_js)
    }

    /// Whether `op` takes the file's lock (in-memory stores never do): the host then drives
    /// [`JsProviderConnectionStore::lock_step`] with awaits before calling `op`.
    #[wasm_bindgen(js_name = takesLock)]
    pub fn takes_lock(&self, op: &str) -> bool {
        matches!(self.store, Store::File(_))
            && pie_storage_core::bindings_support::operation_takes_lock(op)
    }

    /// One non-blocking attempt to take the lock for the next operation: `undefined` once held,
    /// else the milliseconds to wait before the next attempt (see `JsStorage::lock_step`).
    #[wasm_bindgen(js_name = lockStep)]
    pub fn lock_step(&self) -> JsResult<Option<u32>> {
        match &self.store {
            Store::File(s) => s.storage().lock_step().map_err(to_js),
            Store::Memory(_) => Ok(None),
        }
    }

    /// Releases a lock from `lockStep` that the operation did not use.
    #[wasm_bindgen(js_name = releaseUnusedLock)]
    pub fn release_unused_lock(&self) -> JsResult<()> {
        match &self.store {
            Store::File(s) => s.storage().release_unused().map_err(to_js),
            Store::Memory(_) => Ok(()),
        }
    }

    /// `clear()` of the in-memory store.
    pub fn clear(&self) {
        if let Store::Memory(s) = &self.store {
            s.clear();
        }
    }
}

/// `toProviderConnectionSummary(connection)` over JSON text.
#[wasm_bindgen(js_name = providerConnectionSummary)]
pub fn provider_connection_summary(connection: &str) -> JsResult<String> {
    let value = parse_json(connection).map_err(to_js)?;
    let object = value.as_object().cloned().unwrap_or_default();
    Ok(to_js_string(&Value::Object(
        to_provider_connection_summary(&object),
    )))
}

/// `maskProxyUrl(url)`.
#[wasm_bindgen(js_name = maskProxyUrl)]
pub fn mask_proxy_url(url: &str) -> String {
    core_mask_proxy_url(url)
}

/// `createProxyPoolId()`: a bare v4 UUID, as the reference gives new pools.
#[wasm_bindgen(js_name = createProxyPoolId)]
pub fn create_proxy_pool_id() -> String {
    uuid_v4(SystemRandom.bytes16())
}

/// `getDefaultProviderConnectionFilePath(env)`: `env` is a plain object of environment variables.
#[wasm_bindgen(js_name = defaultProviderConnectionFilePath)]
pub fn default_provider_connection_file_path(env: JsValue, home: &str) -> String {
    let lookup = |key: &str| {
        js_sys::Reflect::get(&env, &key.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    pie_storage_core::paths::default_provider_connection_file_path(&lookup, home)
}
