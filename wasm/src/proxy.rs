//! Proxy pool test bindings: `proxyTestCall(name, argsJson)` over the core's name table (its
//! steps; the Node host makes the requests). JSON in, JSON text out.

use pie_storage_core::bindings_support::proxy_test_call;
use pie_storage_core::json::to_js_string;
use pie_storage_core::{Error, ErrorCode};
use wasm_bindgen::prelude::*;

use crate::errors::{to_js, JsResult};
use crate::pricing::args_of;

/// Calls the proxy test step `name` with `args` (a JSON array); returns JSON text.
#[wasm_bindgen(js_name = proxyTestCall)]
pub fn proxy_test_call_js(name: &str, args: &str) -> JsResult<String> {
    let args = args_of(name, args).map_err(to_js)?;
    proxy_test_call(&args)
        .unwrap_or_else(|| {
            Err(Error::new(
                ErrorCode::InvalidInput,
                format!("unknown proxy test step {name}"),
            ))
        })
        .map(|v| to_js_string(&v))
        .map_err(to_js)
}
