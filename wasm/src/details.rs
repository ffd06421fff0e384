//! Request-details bindings: the store whose I/O the host carries out, step by step. Options,
//! records and queries cross as JSON text; the core reads them (`RequestDetailsOptions`,
//! `RequestDetailsQuery`), so no rule is decided here.

use std::rc::Rc;

use pie_storage_core::details::{
    RequestDetailsLog, RequestDetailsOptions, RequestDetailsQuery, RequestDetailsStore,
};
use pie_storage_core::io::Operation;
use pie_storage_core::{Error, ErrorCode, MemoryStorage};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::errors::{coded, to_js, JsResult};
use crate::operation::JsOperation;

fn to_js_value<T: Serialize + ?Sized>(value: &T) -> JsResult<JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value
        .serialize(&serializer)
        .map_err(|e| coded("PIE_INTERNAL", &e.to_string()))
}

fn parse(json: &str, what: &str) -> JsResult<Value> {
    pie_storage_core::json::parse(json).map_err(|e| {
        coded(
            "PIE_INVALID_JSON",
            &format!("{what} is not valid JSON: {e}"),
        )
    })
}

/// A request-details store: a folder of segments whose I/O the host carries out, or segments
/// held in memory (for tests and browsers), whose operations are done at their first step.
#[wasm_bindgen(js_name = RequestDetailsStoreCore)]
pub struct JsRequestDetailsStore {
    inner: Inner,
}

enum Inner {
    Steps(Rc<RequestDetailsLog>),
    Memory(Box<RequestDetailsStore<MemoryStorage>>),
}

fn options_from(json: &str) -> JsResult<RequestDetailsOptions> {
    RequestDetailsOptions::from_json(&parse(json, "the options")?).map_err(to_js)
}

fn done<T: Into<JsValue>>(out: pie_storage_core::Result<T>) -> JsOperation {
    JsOperation::new(Operation::ready(out.map(Into::into)))
}

#[wasm_bindgen(js_class = RequestDetailsStoreCore)]
impl JsRequestDetailsStore {
    /// The store with `options` (JSON text of `{enabled, maxRecords, ...}`).
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> JsResult<JsRequestDetailsStore> {
        let config = options_from(options)?.resolve().map_err(to_js)?;
        Ok(JsRequestDetailsStore {
            inner: Inner::Steps(Rc::new(RequestDetailsLog::new(config))),
        })
    }

    /// A store whose segments are held in memory (the same rules, no files).
    #[wasm_bindgen(js_name = inMemory)]
    pub fn in_memory(options: &str) -> JsResult<JsRequestDetailsStore> {
        let store = RequestDetailsStore::new(MemoryStorage::new(), &options_from(options)?)
            .map_err(to_js)?;
        Ok(JsRequestDetailsStore {
            inner: Inner::Memory(Box::new(store)),
        })
    }

    /// The configuration in effect.
    pub fn config(&self) -> JsResult<JsValue> {
        match &self.inner {
            Inner::Steps(log) => to_js_value(log.config()),
            Inner::Memory(store) => to_js_value(store.config()),
        }
    }

    /// Appends `JSON.stringify(record)` (validated, redacted, truncated) as steps; the value
    /// is whether it was written.
    #[wasm_bindgen(js_name = recordOperation)]
    pub fn record_operation(&self, json: &str) -> JsResult<JsOperation> {
        let Value::Object(map) = parse(json, "the request detail")? else {
            return Err(to_js(Error::new(
                ErrorCode::InvalidRequestDetail,
                "a request detail must be an object",
            )));
        };
        Ok(match &self.inner {
            Inner::Steps(log) => {
                JsOperation::new(log.record_operation(map).map(|w| Ok(JsValue::from(w))))
            }
            Inner::Memory(store) => done(store.record_request_detail(&map)),
        })
    }

    /// One page (`JSON.stringify(query)`) as 9router's response JSON text, as steps.
    #[wasm_bindgen(js_name = pageOperation)]
    pub fn page_operation(&self, query: &str) -> JsResult<JsOperation> {
        let query = RequestDetailsQuery::from_json(&parse(query, "the query")?).map_err(to_js)?;
        Ok(match &self.inner {
            Inner::Steps(log) => {
                JsOperation::new(log.page_text_operation(query).map(|t| Ok(JsValue::from(t))))
            }
            Inner::Memory(store) => done(store.get_request_details_text(&query)),
        })
    }

    /// The latest state of `id` as JSON text (`null` when not shown), as steps.
    #[wasm_bindgen(js_name = detailOperation)]
    pub fn detail_operation(&self, id: String) -> JsOperation {
        match &self.inner {
            Inner::Steps(log) => {
                JsOperation::new(log.detail_text_operation(id).map(|t| Ok(JsValue::from(t))))
            }
            Inner::Memory(store) => done(store.get_request_detail(&id).map(|d| {
                d.map_or_else(
                    || "null".to_owned(),
                    |d| pie_storage_core::json::to_js_string(&Value::Object(d)),
                )
            })),
        }
    }

    /// The distinct providers shown, as steps.
    #[wasm_bindgen(js_name = providersOperation)]
    pub fn providers_operation(&self) -> JsOperation {
        let to_js = |p: Vec<String>| {
            to_js_value(&p).map_err(|_| Error::storage("the providers cannot cross to JavaScript"))
        };
        match &self.inner {
            Inner::Steps(log) => JsOperation::new(log.providers_operation().map(to_js)),
            Inner::Memory(store) => JsOperation::new(Operation::ready(
                store.get_request_detail_providers().and_then(to_js),
            )),
        }
    }

    /// The lines skipped by the last read.
    pub fn diagnostics(&self) -> JsResult<JsValue> {
        match &self.inner {
            Inner::Steps(log) => to_js_value(&log.diagnostics()),
            Inner::Memory(store) => to_js_value(&store.diagnostics()),
        }
    }
}

/// The default request-details folder: `<agentDir>/request-details`.
#[wasm_bindgen(js_name = defaultRequestDetailsFolder)]
pub fn default_request_details_folder(env: JsValue, home: &str) -> String {
    let lookup = |key: &str| {
        js_sys::Reflect::get(&env, &key.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    pie_storage_core::paths::default_request_details_folder(&lookup, home)
}
