//! Pricing bindings: `pricingCall(name, argsJson)` for the pure functions, and the override
//! store's steps (`PriceOverrideStoreCore.operation`), JSON in, JSON text out.

use std::rc::Rc;

use pie_storage_core::bindings_support::{override_call, pricing_call as core_pricing_call, Args};
use pie_storage_core::json::to_js_string;
use pie_storage_core::pricing::PriceOverrideFile;
use pie_storage_core::{Error, ErrorCode};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::errors::{to_js, JsResult};
use crate::operation::JsOperation;

pub(crate) fn args_of(name: &str, args: &str) -> Result<Args, Error> {
    let items = match pie_storage_core::json::parse(args) {
        Ok(Value::Array(items)) => items,
        Ok(other) => vec![other],
        Err(e) => return Err(Error::new(ErrorCode::InvalidJson, e.to_string())),
    };
    Ok(Args::from_wire(name, items))
}

/// Calls the pricing function `name` with `args` (a JSON array); returns JSON text.
#[wasm_bindgen(js_name = pricingCall)]
pub fn pricing_call(name: &str, args: &str) -> JsResult<String> {
    let args = args_of(name, args).map_err(to_js)?;
    core_pricing_call(&args)
        .unwrap_or_else(|| {
            Err(Error::new(
                ErrorCode::InvalidInput,
                format!("unknown pricing function {name}"),
            ))
        })
        .map(|v| to_js_string(&v))
        .map_err(to_js)
}

/// `pricing-overrides.json` as steps for the host.
#[wasm_bindgen(js_name = PriceOverrideStoreCore)]
pub struct JsPriceOverrideStore {
    file: Rc<PriceOverrideFile>,
}

#[wasm_bindgen(js_class = PriceOverrideStoreCore)]
impl JsPriceOverrideStore {
    /// A store on the file `name` (for messages); the host carries out its I/O steps.
    #[wasm_bindgen(js_name = openFile)]
    pub fn open_file(name: String) -> JsPriceOverrideStore {
        JsPriceOverrideStore {
            file: Rc::new(PriceOverrideFile::new(name)),
        }
    }

    /// Store operation `op` with `args` (a JSON array) as steps; its value is JSON text.
    pub fn operation(&self, op: &str, args: &str) -> JsResult<JsOperation> {
        let args = args_of(op, args).map_err(to_js)?;
        let call = override_call(&args).map_err(to_js)?;
        let operation = self
            .file
            .operation(call)
            .map(|v| Ok(JsValue::from(to_js_string(&v))));
        Ok(JsOperation::new(operation))
    }
}

/// `getDefaultPricingOverridesFilePath(env, home)`: `<agentDir>/pricing-overrides.json`.
#[wasm_bindgen(js_name = defaultPricingOverridesFilePath)]
pub fn default_pricing_overrides_file_path(env: JsValue, home: &str) -> String {
    let lookup = |key: &str| {
        js_sys::Reflect::get(&env, &key.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    pie_storage_core::paths::default_pricing_overrides_file_path(&lookup, home)
}

/// Calls the admin server rule `name` with `args` (a JSON array); returns JSON text.
#[wasm_bindgen(js_name = adminCall)]
pub fn admin_call(name: &str, args: &str) -> JsResult<String> {
    let args = args_of(name, args).map_err(to_js)?;
    pie_storage_core::bindings_support::admin_call(&args)
        .unwrap_or_else(|| {
            Err(Error::new(
                ErrorCode::InvalidInput,
                format!("unknown admin function {name}"),
            ))
        })
        .map(|v| to_js_string(&v))
        .map_err(to_js)
}
