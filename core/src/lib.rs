//! Portable core of `@pie-lab/storage`.
//!
//! Everything here is pure: records, validation, queries, summaries and the stores are written
//! against the [`storage::ByteStorage`] trait, so the same rules run natively, in Node and in
//! browsers. Hosts supply bytes, time and randomness; nothing in this crate touches the OS unless
//! the `fs` feature is enabled.

pub mod connections;
pub mod env;
pub mod error;
pub mod io;
pub mod js_value;
pub mod json;
pub mod paths;
pub mod routing;
pub mod secrets;
pub mod sort;
pub mod storage;
pub mod time;
pub mod usage;

pub use error::{Error, ErrorCode};

#[cfg(test)]
mod test_rng;
