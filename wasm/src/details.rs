//! Request-details bindings: the store whose I/O the host carries out, step by step. Options,
//! records and queries cross as JSON text; the core reads them (`RequestDetailsOptions`,
//! `RequestDetailsQuery`), so no rule is decided here.

use std::rc::Rc;

use pie_storage_core::details::{RequestDetailsLog, RequestDetailsOptions, RequestDetailsQuery};
use pie_storage_core::{Error, ErrorCode};
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

/// A request-details store (a folder of segments) whose I/O the host carries out.
#[wasm_bindgen(js_name = RequestDetailsStoreCore)]
pub struct JsRequestDetailsStore {
    log: Rc<RequestDetailsLog>,
}

#[wasm_bindgen(js_class = RequestDetailsStoreCore)]
impl JsRequestDetailsStore {
    /// The store with `options` (JSON text of `{enabled, maxRecords, ...}`).
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> JsResult<JsRequestDetailsStore> {
        let options = RequestDetailsOptions::from_json(&parse(options, "the options")?)
            .and_then(|o| o.resolve())
            .map_err(to_js)?;
        Ok(JsRequestDetailsStore {
            log: Rc::new(RequestDetailsLog::new(options)),
        })
    }

    /// The configuration in effect.
    pub fn config(&self) -> JsResult<JsValue> {
        to_js_value(self.log.config())
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
        Ok(JsOperation::new(
            self.log.record_operation(map).map(|w| Ok(JsValue::from(w))),
        ))
    }

    /// One page (`JSON.stringify(query)`) as 9router's response JSON text, as steps.
    #[wasm_bindgen(js_name = pageOperation)]
    pub fn page_operation(&self, query: &str) -> JsResult<JsOperation> {
        let query = RequestDetailsQuery::from_json(&parse(query, "the query")?).map_err(to_js)?;
        Ok(JsOperation::new(
            self.log
                .page_text_operation(query)
                .map(|t| Ok(JsValue::from(t))),
        ))
    }

    /// The latest state of `id` as JSON text (`null` when not shown), as steps.
    #[wasm_bindgen(js_name = detailOperation)]
    pub fn detail_operation(&self, id: String) -> JsOperation {
        JsOperation::new(
            self.log
                .detail_text_operation(id)
                .map(|t| Ok(JsValue::from(t))),
        )
    }

    /// The distinct providers shown, as steps.
    #[wasm_bindgen(js_name = providersOperation)]
    pub fn providers_operation(&self) -> JsOperation {
        JsOperation::new(self.log.providers_operation().map(|p| {
            to_js_value(&p).map_err(|_| Error::storage("the providers cannot cross to JavaScript"))
        }))
    }

    /// The lines skipped by the last read.
    pub fn diagnostics(&self) -> JsResult<JsValue> {
        to_js_value(&self.log.diagnostics())
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
