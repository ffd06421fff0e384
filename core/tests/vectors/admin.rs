//! Admin server rule vectors (tests/vectors/admin.json): each rule by name through the binding
//! the Node server calls (`adminCall`).

use pie_storage_core::bindings_support::{admin_call, Args};
use serde_json::Value;

use super::subset_matches;

pub(super) fn run(case: &Value) -> Result<(), String> {
    let name = case["fn"].as_str().ok_or("fn")?;
    let args = case["args"].as_array().cloned().unwrap_or_default();
    let got = admin_call(&Args::plain(name, &args))
        .ok_or_else(|| format!("unknown admin function {name}"))?
        .map_err(|e| e.to_string())?;
    if let Some(want) = case.get("expect") {
        // Exact: both ways a subset (key order aside; numbers as numbers).
        subset_matches(want, &got, "result")?;
        subset_matches(&got, want, "result (extra)")
    } else {
        subset_matches(&case["expectSubset"], &got, "result")
    }
}
