//! Routing decision bindings: one entry point, `routingCall(name, argsJson)`, over the core's
//! binding layer's name table. JSON in, JSON out.

use pie_storage_core::json::to_js_string;
use pie_storage_core::{Error, ErrorCode};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::errors::{to_js, JsResult};

/// Calls the routing function `name` with `args` (a JSON array); returns JSON text.
#[wasm_bindgen(js_name = routingCall)]
pub fn routing_call(name: &str, args: &str) -> JsResult<String> {
    let args = match pie_storage_core::json::parse(args) {
        Ok(Value::Array(items)) => items,
        Ok(other) => vec![other],
        Err(e) => return Err(to_js(Error::new(ErrorCode::InvalidJson, e.to_string()))),
    };
    // In the wire form of arguments (`undefined` marked; see `bindings_support::Args`).
    let args = pie_storage_core::bindings_support::Args::from_wire(name, args);
    pie_storage_core::bindings_support::routing_call(&args)
        .map(|v| to_js_string(&v))
        .map_err(to_js)
}
