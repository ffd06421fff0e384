//! Provider-connection store bindings: `operation(op, argsJson)` turns an npm method into the
//! core's steps (JSON in, JSON text out); the host drives them.

use std::rc::Rc;

use pie_storage_core::bindings_support::{decode_value, state_call, Args};
use pie_storage_core::connections::{
    mask_proxy_url as core_mask_proxy_url, to_provider_connection_summary, ConnectionFile,
    InMemoryProviderConnectionStore, ProviderConnectionStore,
};
use pie_storage_core::env::{uuid_v4, FixedClock, Random, SequenceRandom, SystemRandom};
use pie_storage_core::io::Operation;
use pie_storage_core::json::to_js_string;
use pie_storage_core::{Error, ErrorCode};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::errors::{to_js, JsResult};
use crate::operation::JsOperation;

enum Store {
    File(Rc<ConnectionFile>),
    Memory(InMemoryProviderConnectionStore),
}

#[wasm_bindgen(js_name = ProviderConnectionStoreCore)]
pub struct JsProviderConnectionStore {
    store: Store,
}

/// JSON text from the glue, in the core's wire form for arguments (`undefined` marked; see
/// `bindings_support::Args`).
fn parse_wire(text: &str) -> Result<Value, Error> {
    pie_storage_core::json::parse(text)
        .map_err(|e| Error::new(ErrorCode::InvalidJson, e.to_string()))
}

/// A seed or a single value from the glue, decoded (`undefined` resolved).
fn parse_value(text: &str) -> Result<Option<Value>, Error> {
    Ok(decode_value(&parse_wire(text)?))
}

/// An in-memory store's initial state, if one was given.
fn seed_of(initial: Option<&str>) -> Result<Option<Value>, Error> {
    Ok(initial.map(parse_value).transpose()?.flatten())
}

fn json_out(value: Value) -> Result<JsValue, Error> {
    Ok(JsValue::from(to_js_string(&value)))
}

#[wasm_bindgen(js_class = ProviderConnectionStoreCore)]
impl JsProviderConnectionStore {
    /// A store on the file `name` (for messages); the host carries out its I/O steps.
    #[wasm_bindgen(js_name = openFile)]
    pub fn open_file(name: String) -> JsProviderConnectionStore {
        JsProviderConnectionStore {
            store: Store::File(Rc::new(ConnectionFile::new(name))),
        }
    }

    /// A file store with a fixed clock and sequential ids (`...-000000000001`, ...), for
    /// reproducible files and tests.
    #[wasm_bindgen(js_name = openFileFixed)]
    pub fn open_file_fixed(name: String, now_ms: f64) -> JsProviderConnectionStore {
        let file = ConnectionFile::with_env(
            name,
            Box::new(FixedClock(now_ms)),
            Box::new(SequenceRandom::default()),
        );
        JsProviderConnectionStore {
            store: Store::File(Rc::new(file)),
        }
    }

    /// An in-memory store with a fixed clock and sequential ids.
    #[wasm_bindgen(js_name = inMemoryFixed)]
    pub fn in_memory_fixed(
        initial: Option<String>,
        now_ms: f64,
    ) -> JsResult<JsProviderConnectionStore> {
        let seed = seed_of(initial.as_deref()).map_err(to_js)?;
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
        let seed = seed_of(initial.as_deref()).map_err(to_js)?;
        Ok(JsProviderConnectionStore {
            store: Store::Memory(InMemoryProviderConnectionStore::new(seed.as_ref())),
        })
    }

    /// Store operation `op` with `args` (a JSON array) as steps for the host to drive; its
    /// value is the result as JSON text. In-memory stores finish at the first step.
    pub fn operation(&self, op: &str, args: &str) -> JsResult<JsOperation> {
        let args = match parse_wire(args).map_err(to_js)? {
            Value::Array(items) => items,
            other => vec![other],
        };
        let args = Args::from_wire(op, args);
        let rotation = match &self.store {
            Store::File(file) => file.combo_rotation(),
            Store::Memory(store) => store.combo_rotation(),
        };
        let call = state_call(&args, rotation).map_err(to_js)?;
        let operation = match &self.store {
            Store::File(file) => file.operation(call).map(json_out),
            Store::Memory(store) => Operation::ready(call.run_on(store).and_then(json_out)),
        };
        Ok(JsOperation::new(operation))
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
    let value = parse_value(connection).map_err(to_js)?;
    let object = value
        .as_ref()
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
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
