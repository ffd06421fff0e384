//! Usage history: the records every routed attempt writes, and the queries and summaries the
//! server and dashboard run over them.

pub(crate) mod collate;
pub(crate) mod columns;
pub(crate) mod facts;
mod fnv;
pub(crate) mod id;
pub(crate) mod index;
pub(crate) mod jsonl;
pub(crate) mod query;
pub(crate) mod record;
pub(crate) mod scan;
pub(crate) mod series;
pub(crate) mod store;
pub(crate) mod summary;
mod usage_store;
pub(crate) mod validate;

pub use id::{create_usage_record_id, usage_record_id_from_bytes};
pub use index::persist::{saved_index_health, saved_index_path, SavedIndexHealth};
pub use jsonl::{read_jsonl, DiagnosticCode, JsonlRead, LineDiagnostic};
pub use query::{query_usage_records, DateBound, Order, TextFilter, UsageRecordQuery};
pub use record::{
    ErrorCodeValue, RoutingMode, UsageCost, UsageMedia, UsageRecord, UsageRecordStatus,
    UsageTokenSaver, UsageTokens, UsageTraceEvent, PRICING_SOURCES,
};
pub use series::{
    summarize_usage_jsonl_by_time, summarize_usage_records_by_time, SeriesBucket, UsageSeries,
    UsageSeriesOptions, MAX_BUCKETS,
};
pub use store::{InMemoryUsageStore, JsonlUsageStore, UsageLog};
pub use summary::{
    summarize_usage_records, summarize_usage_records_with, SummaryGroupBy, SummaryOptions,
    UsageSummary, UsageSummaryGroup, OTHER_KEY,
};
pub use usage_store::UsageStore;
pub use validate::{validate_usage_record, validate_usage_record_json};

// The crate's own short paths to internals (not part of the public API).
#[allow(unused_imports)]
pub(crate) use columns::{TextColumn, UsageColumns, AMOUNT_FIELDS, TEXT_FIELDS};
#[allow(unused_imports)]
pub(crate) use facts::{Amounts, FactSource, UsageFacts};
#[allow(unused_imports)]
pub(crate) use query::{filter_by_fields, order_by_time, query_indices};
#[allow(unused_imports)]
pub(crate) use summary::{summarize_facts, summarize_facts_with};
