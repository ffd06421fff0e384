//! Portable core of `@pie-lab/storage`: the usage history (`usage.jsonl`) and the provider
//! accounts (`provider-connections.json`) of pie-lab, with the same rules and the same files as
//! the TypeScript package.
//!
//! Everything here is pure: records, validation, queries, summaries and the stores are written
//! against the [`ByteStorage`] trait, so the same rules run natively, in Node and in browsers.
//! Hosts supply bytes, time and randomness; nothing in this crate touches the OS unless the `fs`
//! feature is enabled ([`FileStorage`]).
//!
//! Where to start:
//! - usage history: [`JsonlUsageStore`] (a file) or [`InMemoryUsageStore`], both
//!   [`UsageStore`]s; records are [`UsageRecord`]s, queries [`UsageRecordQuery`], answers
//!   [`UsageSummary`] (module [`usage`]);
//! - provider accounts, proxy pools and settings: [`JsonProviderConnectionStore`] or
//!   [`InMemoryProviderConnectionStore`], both [`ProviderConnectionStore`]s (module
//!   [`connections`]); records read as [`ProviderConnection`], [`ProxyPool`] and
//!   [`ProviderConnectionSettings`] through [`ProviderConnectionStoreExt`];
//! - request details (what each attempt sent and got back, redacted): [`RequestDetailsStore`]
//!   (module [`details`]);
//! - routing decisions, pure functions of the stored accounts: [`routing`];
//! - every failure is an [`Error`] with a stable [`ErrorCode`].
//!
//! The README's example, summarizing a usage file:
//!
//! ```
//! use pie_storage_core::usage::{JsonlUsageStore, UsageRecordQuery};
//!
//! fn main() -> Result<(), pie_storage_core::Error> {
//!     # let dir = tempfile::tempdir().expect("temp dir");
//!     # let path = dir.path().join("usage.jsonl");
//!     # std::fs::write(&path, concat!(
//!     #     r#"{"id":"usage_1","requestId":"r1","timestamp":"2026-05-22T00:00:00.000Z","requestedModel":"m","routingMode":"fixed","resolvedProvider":"anthropic","resolvedModel":"m","attemptIndex":0,"attemptCount":1,"status":"success","costUsd":0.5}"#,
//!     #     "\n{torn\n",
//!     # )).expect("write");
//!     # let path = path.to_str().expect("utf-8");
//!     # /*
//!     let path = "/home/me/.pie/agent/usage.jsonl";
//!     # */
//!     // `open` saves the index beside the file; `JsonlUsageStore::new(FileStorage::new(path))`
//!     // keeps it in memory only.
//!     let store = JsonlUsageStore::open(path);
//!     let summary = store.summarize_usage(&UsageRecordQuery {
//!         provider: Some("anthropic".into()),
//!         ..Default::default()
//!     })?;
//!     println!("{} attempts, ${}", summary.total.records, summary.total.cost_usd);
//!     for skipped in store.diagnostics() {
//!         eprintln!("line {} skipped: {:?}", skipped.line, skipped.code);
//!     }
//!     # assert_eq!((summary.total.records, store.diagnostics().len()), (1.0, 1));
//!     Ok(())
//! }
//! ```
#![warn(missing_docs)]

pub mod admin;
pub(crate) mod bindings;
pub mod chat;
pub mod connections;
pub mod details;
pub mod doctor;
pub mod env;
pub mod error;
pub mod io;
pub(crate) mod js_value;
pub mod json;
pub mod paths;
pub mod pricing;
pub mod proxy;
pub mod quota;
pub mod routing;
pub mod secrets;
pub(crate) mod sort;
pub mod storage;
pub mod time;
pub mod usage;

pub use connections::{
    InMemoryProviderConnectionStore, JsonProviderConnectionStore, ProviderConnection,
    ProviderConnectionSettings, ProviderConnectionStore, ProviderConnectionStoreExt, ProxyPool,
};
pub use details::{RequestDetailsOptions, RequestDetailsQuery, RequestDetailsStore};
pub use error::{Error, ErrorCode, Result};
#[cfg(feature = "fs")]
pub use storage::FileStorage;
pub use storage::{ByteStorage, MemoryStorage};
pub use usage::{
    InMemoryUsageStore, JsonlUsageStore, Order, UsageRecord, UsageRecordQuery, UsageStore,
    UsageSummary,
};

/// What the `pie-storage-wasm` crate (and this crate's own conformance tests and benches) need
/// beyond the embedder API: the JavaScript name tables, the column layout the JS encoder fills,
/// the index and lock machinery the JS storage drives.
///
/// **Not a stable API**: anything here may change or go away in any release. Embedders use the
/// items re-exported at the crate root and in the public modules.
#[doc(hidden)]
pub mod bindings_support {
    pub use crate::bindings::{
        admin_call, chat_call, chat_function, decode_value, dispatch, operator_call, override_call,
        pricing_call, proxy_test_call, quota_call, quota_store_call, routing_call, state_call,
        Args,
    };
    pub use crate::usage::collate::set_host_collator;
    pub use crate::usage::columns::{ColumnLayout, COLUMN_LAYOUT};
    pub use crate::usage::columns::{TextColumn, UsageColumns, AMOUNT_FIELDS, TEXT_FIELDS};
    pub use crate::usage::index::shared::after_panic;
    pub use crate::usage::index::{StreamingIndex, UsageIndex};
    pub use crate::usage::jsonl::{each_line, parse_line, records_array_text};
    pub use crate::usage::query::{
        filter_by_fields, limit_from_js_number, order_by_time, query_indices,
    };
    pub use crate::usage::series::series_of_columns;
    pub use crate::usage::summary::{summarize_facts, summarize_facts_with};
}

#[cfg(test)]
mod test_rng;
