//! Usage stores: an append-only JSONL file over any [`ByteStorage`], and a plain in-memory list.

use std::sync::Mutex;

use serde_json::{Map, Value};

use super::jsonl::{self, JsonlRead, LineDiagnostic};
use super::query::{query_indices, UsageRecordQuery};
use super::record::UsageRecord;
use super::summary::{summarize_facts, UsageSummary};
use super::validate::validate_usage_record;
use crate::error::Result;
use crate::json::to_js_string;
use crate::storage::{with_lock, ByteStorage};

/// `JsonlUsageStore`: one `JSON.stringify(record)` line per attempt, appended in one write.
///
/// Reads never modify the file. Bad lines are skipped and kept as diagnostics of the last read.
pub struct JsonlUsageStore<S: ByteStorage> {
    storage: S,
    last_diagnostics: Mutex<Vec<LineDiagnostic>>,
}

impl<S: ByteStorage> JsonlUsageStore<S> {
    pub fn new(storage: S) -> Self {
        JsonlUsageStore {
            storage,
            last_diagnostics: Mutex::new(Vec::new()),
        }
    }

    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Validates and appends a typed record.
    pub fn record_usage(&self, record: &UsageRecord) -> Result<()> {
        self.record_usage_object(&record.to_object())
    }

    /// Validates and appends a record held as a JSON object, keeping its key order.
    pub fn record_usage_object(&self, record: &Map<String, Value>) -> Result<()> {
        let value = Value::Object(record.clone());
        validate_usage_record(&value)?;
        let line = to_js_string(&value);
        self.append_line(line.as_bytes())
    }

    /// Appends one serialized line in one write. If the file ends without a newline (a torn
    /// write from a crash), the torn line is terminated first so the new record never glues onto
    /// garbage. The tail check and the append run under the storage lock: a concurrent append
    /// can be observed half-copied by the kernel, which would look torn.
    fn append_line(&self, line: &[u8]) -> Result<()> {
        with_lock(&self.storage, || {
            let torn = match self.storage.size()? {
                Some(size) if size > 0 => self.storage.read_range(size - 1, 1)? != b"\n",
                _ => false,
            };
            let mut buf = Vec::with_capacity(line.len() + 2);
            if torn {
                buf.push(b'\n');
            }
            buf.extend_from_slice(line);
            buf.push(b'\n');
            self.storage.append(&buf)
        })
    }

    /// Reads every record (file order) and the skipped lines. A missing file reads as empty.
    pub fn read(&self) -> Result<JsonlRead> {
        let read = match self.storage.read_all()? {
            Some(bytes) => jsonl::read_jsonl(&bytes),
            None => JsonlRead::default(),
        };
        self.set_diagnostics(read.diagnostics.clone());
        Ok(read)
    }

    /// `getUsageRecords()`.
    pub fn get_usage_records(&self) -> Result<Vec<Map<String, Value>>> {
        Ok(self.read()?.records)
    }

    /// The records as one JSON array text, for JavaScript hosts (see [`jsonl::records_array_text`]).
    pub fn read_records_array_text(&self) -> Result<String> {
        let (text, diagnostics) = match self.storage.read_all()? {
            Some(bytes) => jsonl::records_array_text(&bytes),
            None => ("[]".to_owned(), Vec::new()),
        };
        self.set_diagnostics(diagnostics);
        Ok(text)
    }

    /// `queryUsageRecords(await getUsageRecords(), query)`.
    pub fn query_usage(&self, query: &UsageRecordQuery) -> Result<Vec<Map<String, Value>>> {
        let mut records = self.get_usage_records()?;
        let picked = query_indices(records.as_slice(), query);
        Ok(take_in_order(&mut records, &picked))
    }

    /// `summarizeUsageRecords(queryUsageRecords(records, query))`, with `limit` ignored. Reads
    /// only the fields a summary needs.
    pub fn summarize_usage(&self, query: &UsageRecordQuery) -> Result<UsageSummary> {
        let (columns, diagnostics) = match self.storage.read_all()? {
            Some(bytes) => jsonl::index_jsonl(&bytes),
            None => jsonl::index_jsonl(&[]),
        };
        self.set_diagnostics(diagnostics);
        let unlimited = UsageRecordQuery {
            limit: None,
            ..query.clone()
        };
        let picked = query_indices(&columns, &unlimited);
        Ok(summarize_facts(&columns, picked))
    }

    /// The lines skipped by the last read.
    pub fn diagnostics(&self) -> Vec<LineDiagnostic> {
        self.last_diagnostics
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_diagnostics(&self, diagnostics: Vec<LineDiagnostic>) {
        *self
            .last_diagnostics
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = diagnostics;
    }
}

fn take_in_order(records: &mut [Map<String, Value>], picked: &[usize]) -> Vec<Map<String, Value>> {
    picked
        .iter()
        .map(|&i| std::mem::take(&mut records[i]))
        .collect()
}

/// `InMemoryUsageStore`: validated records in insertion order.
#[derive(Default)]
pub struct InMemoryUsageStore {
    records: Mutex<Vec<Map<String, Value>>>,
}

impl InMemoryUsageStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn record_usage(&self, record: &UsageRecord) -> Result<()> {
        self.record_usage_object(&record.to_object())
    }

    pub fn record_usage_object(&self, record: &Map<String, Value>) -> Result<()> {
        validate_usage_record(&Value::Object(record.clone()))?;
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record.clone());
        Ok(())
    }

    /// Copies of the records in insertion order, unsorted.
    pub fn get_usage_records(&self) -> Vec<Map<String, Value>> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn clear(&self) {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemoryStorage;
    use serde_json::json;

    fn record(id: &str) -> Map<String, Value> {
        let v = json!({
            "id": id, "requestId": "r", "timestamp": "2026-05-22T00:00:00.000Z",
            "requestedModel": "m", "routingMode": "fixed", "resolvedProvider": "p",
            "resolvedModel": "m", "attemptIndex": 0, "attemptCount": 1, "status": "success",
            "zUnknown": 1, "aUnknown": 2
        });
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn appends_lines_and_reads_them_back_in_order() {
        let store = JsonlUsageStore::new(MemoryStorage::new());
        store.record_usage_object(&record("a")).unwrap();
        store.record_usage_object(&record("b")).unwrap();
        let text = String::from_utf8(store.storage().snapshot().unwrap()).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with("\"zUnknown\":1,\"aUnknown\":2}\n"));
        let records = store.get_usage_records().unwrap();
        assert_eq!(records, vec![record("a"), record("b")]);
    }

    #[test]
    fn terminates_a_torn_tail_before_appending() {
        let store = JsonlUsageStore::new(MemoryStorage::with_content(b"{\"id\":\"x\"".to_vec()));
        store.record_usage_object(&record("a")).unwrap();
        let read = store.read().unwrap();
        assert_eq!(read.records, vec![record("a")]);
        assert_eq!(read.diagnostics.len(), 1);
        assert_eq!(read.diagnostics[0].line, 1);
    }

    #[test]
    fn summarize_usage_equals_the_summary_of_the_query() {
        let store = JsonlUsageStore::new(MemoryStorage::with_content(b"{\"x\":1\n".to_vec()));
        for (i, p) in ["a", "b", "a"].iter().enumerate() {
            let mut r = record(&i.to_string());
            r.insert("resolvedProvider".into(), json!(p));
            r.insert("costUsd".into(), json!(0.1 * (i as f64 + 1.0)));
            store.record_usage_object(&r).unwrap();
        }
        let query = UsageRecordQuery {
            provider: Some("a".into()),
            limit: Some(1.0),
            ..Default::default()
        };
        let fast = store.summarize_usage(&query).unwrap();
        let records = store.get_usage_records().unwrap();
        let all = UsageRecordQuery {
            limit: None,
            ..query.clone()
        };
        let slow = summarize_facts(records.as_slice(), query_indices(records.as_slice(), &all));
        assert_eq!(fast, slow);
        assert_eq!(fast.total.records, 2.0);
        assert_eq!(store.diagnostics().len(), 1);
    }

    #[test]
    fn invalid_records_write_nothing() {
        let store = JsonlUsageStore::new(MemoryStorage::new());
        let mut bad = record("a");
        bad.insert("status".into(), json!("weird"));
        let err = store.record_usage_object(&bad).unwrap_err();
        assert_eq!(err.path.as_deref(), Some("status"));
        assert_eq!(store.storage().snapshot(), None);
    }
}
