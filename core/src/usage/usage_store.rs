//! The `UsageStore` contract of the TypeScript package, as an object-safe trait, so a server can
//! hold `Box<dyn UsageStore>` and swap the file store for the in-memory one in tests.

use serde_json::{Map, Value};

use super::query::{query_indices, query_usage_records, UsageRecordQuery};
use super::record::UsageRecord;
use super::series::{summarize_usage_records_by_time, unlimited, UsageSeries, UsageSeriesOptions};
use super::store::{InMemoryUsageStore, JsonlUsageStore};
use super::summary::{summarize_facts_with, summarize_usage_records, SummaryOptions, UsageSummary};
use crate::error::Result;
use crate::storage::ByteStorage;

/// Records usage and answers queries over it, whatever holds the records.
///
/// Every implementation validates records the same way, and
/// `summarize_usage(q)` equals `summarize_usage_records(&query_usage(q without limit)?)`.
///
/// ```
/// use pie_storage_core::usage::{
///     InMemoryUsageStore, JsonlUsageStore, UsageRecord, UsageRecordQuery, UsageStore,
/// };
/// use pie_storage_core::MemoryStorage;
///
/// fn busiest(store: &dyn UsageStore) -> pie_storage_core::Result<f64> {
///     Ok(store.summarize_usage(&UsageRecordQuery::default())?.total.records)
/// }
///
/// let record = UsageRecord::new("usage_1", "req_1", "2026-05-22T00:00:00.000Z", "openai", "gpt-5.4");
/// let stores: Vec<Box<dyn UsageStore>> = vec![
///     Box::new(InMemoryUsageStore::new()),
///     Box::new(JsonlUsageStore::new(MemoryStorage::new())),
/// ];
/// for store in &stores {
///     store.record_usage(&record)?;
///     assert_eq!(busiest(store.as_ref())?, 1.0);
/// }
/// # Ok::<(), pie_storage_core::Error>(())
/// ```
pub trait UsageStore {
    /// Validates and stores a typed record.
    fn record_usage(&self, record: &UsageRecord) -> Result<()>;

    /// Validates and stores a record held as a JSON object, keeping its key order and unknown
    /// keys.
    fn record_usage_object(&self, record: &Map<String, Value>) -> Result<()>;

    /// Every readable record, in storage order.
    fn get_usage_records(&self) -> Result<Vec<Map<String, Value>>>;

    /// `queryUsageRecords(await getUsageRecords(), query)`.
    fn query_usage(&self, query: &UsageRecordQuery) -> Result<Vec<Map<String, Value>>>;

    /// `summarizeUsageRecords(queryUsageRecords(records, query))`, with `limit` ignored.
    fn summarize_usage(&self, query: &UsageRecordQuery) -> Result<UsageSummary>;

    /// [`UsageStore::summarize_usage`] with extra groups and a top-N cut. The default reads
    /// every record; the file store answers from its index.
    fn summarize_usage_with(
        &self,
        query: &UsageRecordQuery,
        options: &SummaryOptions,
    ) -> Result<UsageSummary> {
        let records = self.get_usage_records()?;
        let rows = query_indices(records.as_slice(), &unlimited(query));
        Ok(summarize_facts_with(records.as_slice(), rows, options))
    }

    /// `summarizeUsageByTime(query, options)`: usage per calendar bucket. The default reads
    /// every record; the file store answers from its index.
    fn summarize_usage_by_time(
        &self,
        query: &UsageRecordQuery,
        options: &UsageSeriesOptions,
    ) -> Result<UsageSeries> {
        summarize_usage_records_by_time(&self.get_usage_records()?, query, options)
    }
}

impl<S: ByteStorage> UsageStore for JsonlUsageStore<S> {
    fn record_usage(&self, record: &UsageRecord) -> Result<()> {
        JsonlUsageStore::record_usage(self, record)
    }

    fn record_usage_object(&self, record: &Map<String, Value>) -> Result<()> {
        JsonlUsageStore::record_usage_object(self, record)
    }

    fn get_usage_records(&self) -> Result<Vec<Map<String, Value>>> {
        JsonlUsageStore::get_usage_records(self)
    }

    fn query_usage(&self, query: &UsageRecordQuery) -> Result<Vec<Map<String, Value>>> {
        JsonlUsageStore::query_usage(self, query)
    }

    fn summarize_usage(&self, query: &UsageRecordQuery) -> Result<UsageSummary> {
        JsonlUsageStore::summarize_usage(self, query)
    }

    fn summarize_usage_with(
        &self,
        query: &UsageRecordQuery,
        options: &SummaryOptions,
    ) -> Result<UsageSummary> {
        JsonlUsageStore::summarize_usage_with(self, query, options)
    }

    fn summarize_usage_by_time(
        &self,
        query: &UsageRecordQuery,
        options: &UsageSeriesOptions,
    ) -> Result<UsageSeries> {
        JsonlUsageStore::summarize_usage_by_time(self, query, options)
    }
}

impl UsageStore for InMemoryUsageStore {
    fn record_usage(&self, record: &UsageRecord) -> Result<()> {
        InMemoryUsageStore::record_usage(self, record)
    }

    fn record_usage_object(&self, record: &Map<String, Value>) -> Result<()> {
        InMemoryUsageStore::record_usage_object(self, record)
    }

    fn get_usage_records(&self) -> Result<Vec<Map<String, Value>>> {
        Ok(InMemoryUsageStore::get_usage_records(self))
    }

    fn query_usage(&self, query: &UsageRecordQuery) -> Result<Vec<Map<String, Value>>> {
        let records = InMemoryUsageStore::get_usage_records(self);
        Ok(query_usage_records(&records, query)
            .into_iter()
            .cloned()
            .collect())
    }

    fn summarize_usage(&self, query: &UsageRecordQuery) -> Result<UsageSummary> {
        let unlimited = UsageRecordQuery {
            limit: None,
            ..query.clone()
        };
        let records = InMemoryUsageStore::get_usage_records(self);
        let picked: Vec<Map<String, Value>> = query_usage_records(&records, &unlimited)
            .into_iter()
            .cloned()
            .collect();
        Ok(summarize_usage_records(&picked))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemoryStorage;
    use crate::usage::UsageRecordStatus;

    fn record(i: usize, provider: &str) -> UsageRecord {
        UsageRecord {
            cost_usd: Some(0.25 * (i as f64 + 1.0)),
            status: if i.is_multiple_of(2) {
                UsageRecordStatus::Success
            } else {
                UsageRecordStatus::Error
            },
            ..UsageRecord::new(
                format!("usage_{i}"),
                format!("req_{i}"),
                format!("2026-05-22T00:00:0{i}.000Z"),
                provider,
                "m",
            )
        }
    }

    #[test]
    fn both_stores_answer_alike_through_the_trait() {
        let stores: [&dyn UsageStore; 2] = [
            &InMemoryUsageStore::new(),
            &JsonlUsageStore::new(MemoryStorage::new()),
        ];
        let query = UsageRecordQuery {
            provider: Some("a".into()),
            limit: Some(1),
            ..Default::default()
        };
        let answers: Vec<_> = stores
            .iter()
            .map(|store| {
                for (i, p) in ["a", "b", "a", "a"].iter().enumerate() {
                    store.record_usage(&record(i, p)).unwrap();
                }
                (
                    store.get_usage_records().unwrap(),
                    store.query_usage(&query).unwrap(),
                    store.summarize_usage(&query).unwrap(),
                )
            })
            .collect();
        // The same JSON text (a number read back from a file may be held as an integer).
        let text = |records: &[Map<String, Value>]| {
            crate::json::to_js_string(&Value::Array(
                records.iter().cloned().map(Value::Object).collect(),
            ))
        };
        assert_eq!(text(&answers[0].0), text(&answers[1].0));
        assert_eq!(text(&answers[0].1), text(&answers[1].1));
        assert_eq!(answers[0].2, answers[1].2);
        let (all, newest, summary) = &answers[0];
        assert_eq!(all.len(), 4);
        assert_eq!(newest.len(), 1);
        assert_eq!(newest[0]["id"], "usage_3");
        assert_eq!(summary.total.records, 3.0);
        assert_eq!(
            *summary,
            summarize_usage_records(&[all[0].clone(), all[2].clone(), all[3].clone()])
        );
    }
}
