//! Quota bindings: `quotaCall(name, argsJson)` for the pure quota and proxy functions, and the
//! quota file's steps (`QuotaStoreCore`: on a file the host drives, or in memory). JSON in, JSON
//! text out.

use std::rc::Rc;

use pie_storage_core::bindings_support::{quota_call as core_quota_call, quota_store_call};
use pie_storage_core::io::Operation;
use pie_storage_core::json::to_js_string;
use pie_storage_core::quota::{JsonQuotaStore, QuotaFile, QuotaLimits};
use pie_storage_core::storage::MemoryStorage;
use pie_storage_core::{Error, ErrorCode};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::errors::{to_js, JsResult};
use crate::operation::JsOperation;
use crate::pricing::args_of;

/// Calls the quota or proxy function `name` with `args` (a JSON array); returns JSON text.
#[wasm_bindgen(js_name = quotaCall)]
pub fn quota_call(name: &str, args: &str) -> JsResult<String> {
    let args = args_of(name, args).map_err(to_js)?;
    core_quota_call(&args)
        .unwrap_or_else(|| {
            Err(Error::new(
                ErrorCode::InvalidInput,
                format!("unknown quota function {name}"),
            ))
        })
        .map(|v| to_js_string(&v))
        .map_err(to_js)
}

fn limits(max_history: Option<u32>, max_events: Option<u32>) -> QuotaLimits {
    let d = QuotaLimits::default();
    QuotaLimits {
        max_history: max_history.map_or(d.max_history, |n| n as usize),
        max_events: max_events.map_or(d.max_events, |n| n as usize),
    }
}

enum Store {
    File(Rc<QuotaFile>),
    Memory(JsonQuotaStore<MemoryStorage>),
}

/// `provider-quota.json` as steps for the host, or the same store in memory.
#[wasm_bindgen(js_name = QuotaStoreCore)]
pub struct JsQuotaStore {
    store: Store,
}

#[wasm_bindgen(js_class = QuotaStoreCore)]
impl JsQuotaStore {
    /// A store on the file `name` (for messages); the host carries out its I/O steps.
    #[wasm_bindgen(js_name = openFile)]
    pub fn open_file(
        name: String,
        max_history: Option<u32>,
        max_events: Option<u32>,
    ) -> JsQuotaStore {
        let file = QuotaFile::new(name, limits(max_history, max_events));
        JsQuotaStore {
            store: Store::File(Rc::new(file)),
        }
    }

    /// A store in memory (its operations complete at once).
    #[wasm_bindgen(js_name = inMemory)]
    pub fn in_memory(max_history: Option<u32>, max_events: Option<u32>) -> JsQuotaStore {
        let store = JsonQuotaStore::new(MemoryStorage::new(), limits(max_history, max_events));
        JsQuotaStore {
            store: Store::Memory(store),
        }
    }

    /// Store operation `op` with `args` (a JSON array) as steps; its value is JSON text.
    pub fn operation(&self, op: &str, args: &str) -> JsResult<JsOperation> {
        let args = args_of(op, args).map_err(to_js)?;
        let call = quota_store_call(&args).map_err(to_js)?;
        let text = |v: Value| Ok(JsValue::from(to_js_string(&v)));
        let operation = match &self.store {
            Store::File(file) => file.operation(call).map(text),
            Store::Memory(store) => Operation::ready(store.call(call).and_then(text)),
        };
        Ok(JsOperation::new(operation))
    }
}

/// `getDefaultProviderQuotaFilePath(env, home)`: `<agentDir>/provider-quota.json`.
#[wasm_bindgen(js_name = defaultProviderQuotaFilePath)]
pub fn default_provider_quota_file_path(env: JsValue, home: &str) -> String {
    let lookup = |key: &str| {
        js_sys::Reflect::get(&env, &key.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    pie_storage_core::paths::default_provider_quota_file_path(&lookup, home)
}
