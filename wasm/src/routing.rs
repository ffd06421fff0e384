//! Routing decision bindings: one entry point, `routingCall(name, argsJson)`, over the core's
//! `routing::call`. JSON in, JSON out.

use pie_storage_core::json::to_js_string;
use pie_storage_core::{Error, ErrorCode};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::errors::{to_js, JsResult};

/// Calls the routing function `name` with `args` (a JSON array); returns JSON text.
#[wasm_bindgen(js_name = routingCall)]
pub fn routing_call(name: &str, args: &str) -> JsResult<String> {
    let mut args = match pie_storage_core::json::parse(args) {
        Ok(Value::Array(items)) => items,
        Ok(other) => vec![other],
        Err(e) => return Err(to_js(Error::new(ErrorCode::InvalidJson, e.to_string()))),
    };
    // `undefined` arrives as `{"__pieUndefined": true}`.
    args.iter_mut()
        .for_each(pie_storage_core::bindings_support::decode_undefined_markers);
    pie_storage_core::bindings_support::routing_call(name, &args)
        .map(|v| to_js_string(&v))
        .map_err(to_js)
}
