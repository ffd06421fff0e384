//! Operator tool bindings: `operatorCall(name, argsJson)` for cooldowns, the pool in-use count
//! and the doctor's rules, and `savedIndexHealth(bytes, stat)` for a saved usage index.

use pie_storage_core::bindings_support::operator_call as core_operator_call;
use pie_storage_core::json::to_js_string;
use pie_storage_core::storage::BlobStat;
use pie_storage_core::usage::saved_index_health;
use pie_storage_core::{Error, ErrorCode};
use wasm_bindgen::prelude::*;

use crate::errors::{to_js, JsResult};
use crate::pricing::args_of;

/// Calls the operator function `name` with `args` (a JSON array); returns JSON text.
#[wasm_bindgen(js_name = operatorCall)]
pub fn operator_call(name: &str, args: &str) -> JsResult<String> {
    let args = args_of(name, args).map_err(to_js)?;
    core_operator_call(&args)
        .unwrap_or_else(|| {
            Err(Error::new(
                ErrorCode::InvalidInput,
                format!("unknown operator function {name}"),
            ))
        })
        .map(|v| to_js_string(&v))
        .map_err(to_js)
}

/// The health of a saved usage index (its bytes) for the usage file's current stat (`size`,
/// `mtimeMs`, `dev`, `ino`; all absent when the file is missing), as JSON text.
#[wasm_bindgen(js_name = savedIndexHealth)]
pub fn saved_index_health_js(
    saved: &[u8],
    size: Option<f64>,
    mtime_ms: Option<f64>,
    dev: Option<f64>,
    ino: Option<f64>,
) -> String {
    let stat = size.map(|size| BlobStat {
        size: size as u64,
        identity: dev.zip(ino).map(|(d, i)| (d as u64, i as u64)),
        modified_ms: mtime_ms,
    });
    let health = saved_index_health(saved, stat.as_ref());
    to_js_string(&serde_json::to_value(health).expect("serializes"))
}
