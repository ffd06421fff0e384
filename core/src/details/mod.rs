//! Request details: what was sent and answered for each routed attempt, kept so an operator can
//! open a failed request (9router's `request-details.json`, without its defects).
//!
//! Files: a folder (`request-details/` in the agent directory by default,
//! [`crate::paths::default_request_details_folder`]) of append-only JSONL segments
//! `segment-000001.jsonl`, `segment-000002.jsonl`, ... Each line is one state of one attempt;
//! an attempt written twice (a streaming request's start and end) keeps its `id`, and reads
//! show the latest line of each id. The reference package's files are never touched.
//!
//! Rules, one file each:
//! - `record`: the record's shape ([`validate_request_detail`]) and its written form
//!   ([`prepare_request_detail`]);
//! - `redact`: credentials replaced before anything is written ([`redact_request_detail`]);
//! - `truncate`: oversized payload fields replaced by a `_truncated` marker
//!   ([`truncate_field`]);
//! - `segments`: segment names, rotation and retention (whole oldest segments are dropped);
//! - `index`: the latest line of each id, with its filter facts, kept in memory and refreshed
//!   by reading only the bytes appended since;
//! - `query`: filters and pagination in the shape of 9router's `/api/usage/request-details`
//!   ([`RequestDetailsQuery`], [`RequestDetailsPage`]);
//! - `store`: the steps of every operation ([`RequestDetailsLog`]), and
//!   [`RequestDetailsStore`] over a [`ByteStorage`](crate::storage::ByteStorage);
//! - `config`: the options and their defaults ([`RequestDetailsOptions`]).

pub(crate) mod config;
pub(crate) mod index;
pub(crate) mod query;
pub(crate) mod record;
pub(crate) mod redact;
pub(crate) mod segments;
pub(crate) mod store;
pub(crate) mod truncate;

pub use config::{
    RequestDetailsConfig, RequestDetailsOptions, DEFAULT_MAX_AGE_MS, DEFAULT_MAX_BYTES,
    DEFAULT_MAX_FIELD_SIZE, DEFAULT_MAX_RECORDS,
};
pub use index::SegmentDiagnostic;
pub use query::{
    DateArg, Pagination, RequestDetailsPage, RequestDetailsQuery, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
};
pub use record::{attempt_id, prepare_request_detail, validate_request_detail, PAYLOAD_FIELDS};
pub use redact::redact_request_detail;
pub use store::{RequestDetailsLog, RequestDetailsStore};
pub use truncate::{truncate_field, PREVIEW_CHARS};

pub(crate) use segments::segment_file_name;

/// The folder's name in the agent directory.
pub const REQUEST_DETAILS_FOLDER: &str = "request-details";
