//! Usage history: the records every routed attempt writes, and the queries and summaries the
//! server and dashboard run over them.

pub mod collate;
pub mod columns;
pub mod facts;
mod fnv;
pub mod id;
pub mod index;
pub mod jsonl;
pub mod query;
pub mod record;
pub mod scan;
pub mod store;
pub mod summary;
pub mod validate;

pub use columns::{
    ColumnLayout, TextColumn, UsageColumns, AMOUNT_FIELDS, COLUMN_LAYOUT, TEXT_FIELDS,
};
pub use facts::{Amounts, FactSource, UsageFacts};
pub use id::{create_usage_record_id, usage_record_id_from_bytes};
pub use jsonl::{DiagnosticCode, JsonlRead, LineDiagnostic};
pub use query::{
    filter_by_fields, order_by_time, query_indices, query_usage_records, DateBound, TextFilter,
    UsageRecordQuery,
};
pub use record::{
    ErrorCodeValue, RoutingMode, UsageCost, UsageMedia, UsageRecord, UsageRecordStatus,
    UsageTokenSaver, UsageTokens, UsageTraceEvent,
};
pub use store::{InMemoryUsageStore, JsonlUsageStore, UsageLog};
pub use summary::{summarize_facts, summarize_usage_records, UsageSummary, UsageSummaryGroup};
pub use validate::{validate_usage_record, validate_usage_record_json};
