//! Routing decisions over the stored accounts (reference §6): which connection serves a request,
//! how long a failing one cools down, what success clears. Pure functions; the current time is
//! always an argument.

pub mod acquire;
pub mod auth_sync;
pub mod budget;
pub mod cooldown;
pub mod health;
pub mod plan;
pub mod select;

use serde_json::Value;

use crate::error::{Error, ErrorCode, Result};

/// Calls a decision function by its npm name with positional JSON arguments (the form the wasm
/// glue and the conformance vectors use), so the name-to-function mapping exists once.
pub fn call(name: &str, args: &[Value]) -> Result<Value> {
    cooldown::call(name, args)
        .or_else(|| select::call(name, args))
        .or_else(|| plan::call(name, args))
        .or_else(|| budget::call(name, args))
        .unwrap_or_else(|| {
            Err(Error::new(
                ErrorCode::InvalidInput,
                format!("unknown routing function {name}"),
            ))
        })
}
