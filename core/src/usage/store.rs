//! Usage stores: an append-only JSONL file over any [`ByteStorage`], and a plain in-memory list.

use std::rc::Rc;
use std::sync::Mutex;

use serde_json::{Map, Value};

use super::index::records::RowLines;
use super::index::{persist, shared_index, IndexGuard, SharedIndex, UsageIndex};
use super::jsonl::{self, JsonlRead, Line, LineDiagnostic};
use super::query::{query_indices, UsageRecordQuery};
use super::record::UsageRecord;
use super::series::{summarize_usage_records_by_time, unlimited, UsageSeries, UsageSeriesOptions};
use super::summary::{summarize_facts_with, SummaryOptions, UsageSummary};
use super::validate::validate_usage_record;
use crate::env::{Random, SystemRandom};
use crate::error::Result;
use crate::io::lock::beside_file;
use crate::io::replace::replace_file;
use crate::io::{Blob, Host, Io, LockTiming, Operation};
use crate::json::to_js_string;
use crate::storage::ByteStorage;

/// The I/O-free half of a JSONL usage store: its index, what the last read skipped, and the
/// steps of every operation. [`JsonlUsageStore`] runs these steps on a [`ByteStorage`]; the
/// Node host runs the same steps, awaiting each read and write.
pub struct UsageLog {
    index: SharedIndex,
    /// Whether the index is also kept in the store's [`Blob::SavedIndex`].
    saves_index: bool,
    lock: LockTiming,
    random: Box<dyn Random>,
    last_diagnostics: Mutex<Vec<LineDiagnostic>>,
}

/// Rows added since the last save that make saving the index again worth it: a new process
/// then parses at most this many records.
fn save_threshold(rows: usize) -> usize {
    (rows / 16).max(1024)
}

impl UsageLog {
    /// The log of the file `name` (an absolute path: stores of one process that name the same
    /// file share one index; `None` keeps the index private). With `saves_index`, the index is
    /// also saved in the store's second blob.
    pub fn new(name: Option<&str>, saves_index: bool) -> Self {
        UsageLog {
            index: name.map(shared_index).unwrap_or_default(),
            saves_index,
            lock: LockTiming::default(),
            random: Box::new(SystemRandom),
            last_diagnostics: Mutex::new(Vec::new()),
        }
    }

    /// Validates a record held as a JSON object (keeping its key order) and appends its line.
    pub(crate) async fn record(&self, io: &Io, record: &Map<String, Value>) -> Result<()> {
        let value = Value::Object(record.clone());
        validate_usage_record(&value)?;
        self.append_line(io, to_js_string(&value).into_bytes())
            .await
    }

    /// Appends one serialized line in one write under `<path>.lock`, terminating a torn tail
    /// first (the shared append steps of `io/append.rs`).
    pub(crate) async fn append_line(&self, io: &Io, line: Vec<u8>) -> Result<()> {
        crate::io::append::append_line(io, self.lock, beside_file, line).await
    }

    /// Reads every record (file order) and the skipped lines. A missing file reads as empty.
    pub(crate) async fn read(&self, io: &Io) -> Result<JsonlRead> {
        let read = match io.read_all(Blob::Data).await? {
            Some(bytes) => jsonl::read_jsonl(&bytes),
            None => JsonlRead::default(),
        };
        self.set_diagnostics(read.diagnostics.clone());
        Ok(read)
    }

    /// The records as one JSON array text, for JavaScript hosts (see [`jsonl::records_array_text`]).
    pub(crate) async fn records_array_text(&self, io: &Io) -> Result<String> {
        let (text, diagnostics) = match io.read_all(Blob::Data).await? {
            Some(bytes) => jsonl::records_array_text(&bytes),
            None => ("[]".to_owned(), Vec::new()),
        };
        self.set_diagnostics(diagnostics);
        Ok(text)
    }

    /// `queryUsageRecords(await getUsageRecords(), query)`, reading from the file only the
    /// records returned.
    pub(crate) async fn query(
        &self,
        io: &Io,
        query: &UsageRecordQuery,
    ) -> Result<Vec<Map<String, Value>>> {
        let parse = |lines: &RowLines| {
            lines
                .iter()
                .map(|bytes| {
                    let line = Line {
                        number: 0,
                        offset: 0,
                        bytes,
                        terminated: true,
                    };
                    jsonl::parse_line(&line).ok()
                })
                .collect::<Option<Vec<_>>>()
        };
        match self.query_lines(io, query, parse).await? {
            Some(records) => Ok(records),
            None => self.query_by_full_read(io, query).await,
        }
    }

    /// The reference's way: read every record, then query them.
    async fn query_by_full_read(
        &self,
        io: &Io,
        query: &UsageRecordQuery,
    ) -> Result<Vec<Map<String, Value>>> {
        let mut records = self.read(io).await?.records;
        let picked = query_indices(records.as_slice(), query);
        Ok(take_in_order(&mut records, &picked))
    }

    /// [`UsageLog::query`] as one JSON array text of the lines, copied verbatim, for
    /// JavaScript hosts (one `JSON.parse` gives exactly the reference's objects).
    pub(crate) async fn query_array_text(
        &self,
        io: &Io,
        query: &UsageRecordQuery,
    ) -> Result<String> {
        let join = |lines: &RowLines| jsonl::join_object_lines(lines.iter());
        match self.query_lines(io, query, join).await? {
            Some(text) => Ok(text),
            None => {
                let records = self.query_by_full_read(io, query).await?;
                Ok(to_js_string(&Value::Array(
                    records.into_iter().map(Value::Object).collect(),
                )))
            }
        }
    }

    /// Runs a query on the index and hands the returned records' lines to `take`. If the
    /// lines are not where the index says (the file changed in between), the index is rebuilt
    /// and the query run again; `None` after that leaves the caller the full read.
    async fn query_lines<T>(
        &self,
        io: &Io,
        query: &UsageRecordQuery,
        take: impl Fn(&RowLines) -> Option<T>,
    ) -> Result<Option<T>> {
        for _ in 0..2 {
            let mut index = self.fresh_index(io, query.has_field_filters()).await?;
            let rows = index.query(query);
            if let Some(lines) = index.read_lines(io, &rows).await? {
                if let Some(out) = take(&lines) {
                    return Ok(Some(out));
                }
            }
            *index = UsageIndex::new();
        }
        Ok(None)
    }

    /// `summarizeUsageRecords(queryUsageRecords(records, query))`, with `limit` ignored, from
    /// the index alone.
    pub(crate) async fn summarize(
        &self,
        io: &Io,
        query: &UsageRecordQuery,
        options: &SummaryOptions,
    ) -> Result<UsageSummary> {
        Ok(self
            .fresh_index(io, true)
            .await?
            .summarize_with(query, options))
    }

    /// `summarizeUsageByTime(query, options)` from the index alone.
    pub(crate) async fn summarize_by_time(
        &self,
        io: &Io,
        query: &UsageRecordQuery,
        options: &UsageSeriesOptions,
    ) -> Result<UsageSeries> {
        self.fresh_index(io, true)
            .await?
            .summarize_by_time(query, options)
    }

    /// The index for this operation alone. While another operation has it (another thread's,
    /// or a paused one of this thread that only this thread's host can resume), this one
    /// pauses a step at a time until it is back, never blocking the thread; waiters are served
    /// in the order they came.
    async fn take_index(&self, io: &Io) -> Result<IndexGuard<'_>> {
        let turn = self.index.turn();
        loop {
            if let Some(index) = self.index.try_lock_turn(&turn) {
                return Ok(index);
            }
            io.sleep(1).await?;
        }
    }

    /// The index, brought up to date with the file (loaded from its saved copy first when this
    /// process has not read the file yet; saved again when enough rows were added). `columns`:
    /// whether the caller reads more than times and line ranges.
    async fn fresh_index(&self, io: &Io, columns: bool) -> Result<IndexGuard<'_>> {
        let mut index = self.take_index(io).await?;
        if self.saves_index {
            if index.is_unread() {
                // A saved index that cannot be read is ignored like a damaged one. A caller that
                // reads every column reads both parts in one pass.
                if let Ok(Some(loaded)) = persist::load(io, columns).await {
                    *index = loaded;
                }
            }
            if index.is_deferred() {
                // New rows need every column too.
                let grown = columns
                    || io.stat(Blob::Data).await?.map(|s| s.size) != Some(index.indexed_len());
                if grown && !matches!(persist::load_deferred(&mut index, io).await, Ok(true)) {
                    *index = UsageIndex::new();
                }
            }
        }
        index.refresh(io).await?;
        if self.saves_index
            && !index.is_deferred()
            && index.unsaved_rows() >= save_threshold(index.rows())
        {
            // Saving is an optimization: a read-only folder must not fail the query. A failed
            // save counts as done too, so the next attempt waits for as many new rows.
            let _ = self.save_index(io, persist::encode(&index)).await;
            index.mark_saved();
        }
        self.set_diagnostics(index.diagnostics().to_vec());
        Ok(index)
    }

    /// Replaces the saved index. It is derived data: written at its own path, never through a
    /// symbolic link planted there.
    async fn save_index(&self, io: &Io, bytes: Vec<u8>) -> Result<()> {
        let at = io.locate(Blob::SavedIndex, false).await?;
        replace_file(io, Blob::SavedIndex, &at, bytes, &self.random.bytes16()).await
    }

    /// `recordUsage(record)` as an operation its host drives step by step ([`crate::io`]).
    pub fn record_operation(self: &Rc<Self>, record: Map<String, Value>) -> Operation<'static, ()> {
        let log = self.clone();
        Operation::new(move |io| async move { log.record(&io, &record).await })
    }

    /// `getUsageRecords()` as one JSON array text, as an operation.
    pub fn records_text_operation(self: &Rc<Self>) -> Operation<'static, String> {
        let log = self.clone();
        Operation::new(move |io| async move { log.records_array_text(&io).await })
    }

    /// `queryUsage(query)` as one JSON array text, as an operation.
    pub fn query_text_operation(
        self: &Rc<Self>,
        query: UsageRecordQuery,
    ) -> Operation<'static, String> {
        let log = self.clone();
        Operation::new(move |io| async move { log.query_array_text(&io, &query).await })
    }

    /// `summarizeUsage(query)` as an operation.
    pub fn summarize_operation(
        self: &Rc<Self>,
        query: UsageRecordQuery,
    ) -> Operation<'static, UsageSummary> {
        self.summarize_with_operation(query, SummaryOptions::default())
    }

    /// `summarizeUsage(query, options)` as an operation.
    pub fn summarize_with_operation(
        self: &Rc<Self>,
        query: UsageRecordQuery,
        options: SummaryOptions,
    ) -> Operation<'static, UsageSummary> {
        let log = self.clone();
        Operation::new(move |io| async move { log.summarize(&io, &query, &options).await })
    }

    /// `summarizeUsageByTime(query, options)` as an operation.
    pub fn summarize_by_time_operation(
        self: &Rc<Self>,
        query: UsageRecordQuery,
        options: UsageSeriesOptions,
    ) -> Operation<'static, UsageSeries> {
        let log = self.clone();
        Operation::new(move |io| async move { log.summarize_by_time(&io, &query, &options).await })
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

/// `JsonlUsageStore`: one `JSON.stringify(record)` line per attempt, appended in one write.
///
/// Reads never modify the file. Bad lines are skipped and kept as diagnostics of the last read.
/// Queries and summaries run over the file's columnar index ([`UsageIndex`]): shared by the
/// stores of one process that name the same file, brought up to date by parsing only new
/// bytes, and optionally saved beside the file so the next process starts warm.
pub struct JsonlUsageStore<S: ByteStorage> {
    storage: S,
    /// Where the index is saved, if it is.
    saved_index: Option<S>,
    log: UsageLog,
}

impl<S: ByteStorage> JsonlUsageStore<S> {
    /// A store whose index lives in memory only (shared by stores of the same file name).
    pub fn new(storage: S) -> Self {
        let log = UsageLog::new(storage.name().as_deref(), false);
        JsonlUsageStore {
            storage,
            saved_index: None,
            log,
        }
    }

    /// A store that also saves its index in `saved_index` (derived data: checked before use,
    /// rebuilt when stale or damaged, never required).
    pub fn with_saved_index(storage: S, saved_index: S) -> Self {
        let log = UsageLog::new(storage.name().as_deref(), true);
        JsonlUsageStore {
            storage,
            saved_index: Some(saved_index),
            log,
        }
    }

    /// The storage holding the JSONL file.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Runs one operation's steps on this store's storages.
    fn run<'a, T>(&'a self, op: impl AsyncFnOnce(&'a UsageLog, &Io) -> Result<T>) -> Result<T> {
        let host = Host {
            data: &self.storage,
            saved_index: self.saved_index.as_ref().map(|s| s as &dyn ByteStorage),
        };
        let io = Io::default();
        host.run(&io, op(&self.log, &io))
    }

    /// Validates and appends a typed record.
    pub fn record_usage(&self, record: &UsageRecord) -> Result<()> {
        self.record_usage_object(&record.to_object())
    }

    /// Validates and appends a record held as a JSON object, keeping its key order.
    pub fn record_usage_object(&self, record: &Map<String, Value>) -> Result<()> {
        self.run(async |log, io| log.record(io, record).await)
    }

    /// Reads every record (file order) and the skipped lines. A missing file reads as empty.
    pub fn read(&self) -> Result<JsonlRead> {
        self.run(async |log, io| log.read(io).await)
    }

    /// `getUsageRecords()`.
    pub fn get_usage_records(&self) -> Result<Vec<Map<String, Value>>> {
        Ok(self.read()?.records)
    }

    /// `queryUsageRecords(await getUsageRecords(), query)`. Reads from the file only the
    /// records returned.
    pub fn query_usage(&self, query: &UsageRecordQuery) -> Result<Vec<Map<String, Value>>> {
        self.run(async |log, io| log.query(io, query).await)
    }

    /// `summarizeUsageRecords(queryUsageRecords(records, query))`, with `limit` ignored, from
    /// the index alone.
    pub fn summarize_usage(&self, query: &UsageRecordQuery) -> Result<UsageSummary> {
        self.summarize_usage_with(query, &SummaryOptions::default())
    }

    /// [`JsonlUsageStore::summarize_usage`] with extra groups and a top-N cut.
    pub fn summarize_usage_with(
        &self,
        query: &UsageRecordQuery,
        options: &SummaryOptions,
    ) -> Result<UsageSummary> {
        self.run(async |log, io| log.summarize(io, query, options).await)
    }

    /// `summarizeUsageByTime(query, options)`: the usage series of the records `query`
    /// matches, from the index alone (its cost follows the matching rows, not the file).
    ///
    /// ```
    /// use pie_storage_core::time::Bucket;
    /// use pie_storage_core::usage::{JsonlUsageStore, UsageRecord, UsageRecordQuery, UsageSeriesOptions};
    /// use pie_storage_core::MemoryStorage;
    /// let store = JsonlUsageStore::new(MemoryStorage::new());
    /// for t in ["2026-05-22T10:00:00.000Z", "2026-05-22T12:30:00.000Z"] {
    ///     store.record_usage(&UsageRecord::new("usage_1", "req_1", t, "openai", "gpt-5.4"))?;
    /// }
    /// let options = UsageSeriesOptions::new(Bucket::Hour, "UTC")?;
    /// let series = store.summarize_usage_by_time(&UsageRecordQuery::default(), &options)?;
    /// let counts: Vec<f64> = series.buckets.iter().map(|b| b.group.records).collect();
    /// assert_eq!(counts, [1.0, 0.0, 1.0]);
    /// # Ok::<(), pie_storage_core::Error>(())
    /// ```
    pub fn summarize_usage_by_time(
        &self,
        query: &UsageRecordQuery,
        options: &UsageSeriesOptions,
    ) -> Result<UsageSeries> {
        self.run(async |log, io| log.summarize_by_time(io, query, options).await)
    }

    /// [`JsonlUsageStore::get_usage_records`] as one JSON array text (what JavaScript hosts
    /// hand to `JSON.parse`).
    pub fn read_records_array_text(&self) -> Result<String> {
        self.run(async |log, io| log.records_array_text(io).await)
    }

    /// [`JsonlUsageStore::query_usage`] as one JSON array text of the lines, copied verbatim.
    pub fn query_usage_array_text(&self, query: &UsageRecordQuery) -> Result<String> {
        self.run(async |log, io| log.query_array_text(io, query).await)
    }

    /// The lines skipped by the last read.
    pub fn diagnostics(&self) -> Vec<LineDiagnostic> {
        self.log.diagnostics()
    }
}

#[cfg(feature = "fs")]
impl JsonlUsageStore<crate::storage::FileStorage> {
    /// The store of a usage file, with its index saved beside it
    /// ([`saved_index_path`](super::index::persist::saved_index_path)).
    pub fn open(path: impl AsRef<std::path::Path>) -> Self {
        use crate::storage::FileStorage;
        let path = std::path::absolute(path.as_ref()).unwrap_or_else(|_| path.as_ref().into());
        let saved = super::index::persist::saved_index_path(&path.display().to_string());
        JsonlUsageStore::with_saved_index(FileStorage::new(path), FileStorage::new(saved))
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
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Validates and keeps a typed record.
    pub fn record_usage(&self, record: &UsageRecord) -> Result<()> {
        self.record_usage_object(&record.to_object())
    }

    /// Validates and keeps a shallow copy of a JSON object record.
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

    /// `summarizeUsage(query, options)` over the records held.
    pub fn summarize_usage_with(
        &self,
        query: &UsageRecordQuery,
        options: &SummaryOptions,
    ) -> UsageSummary {
        let records = self.get_usage_records();
        let rows = query_indices(records.as_slice(), &unlimited(query));
        summarize_facts_with(records.as_slice(), rows, options)
    }

    /// `summarizeUsageByTime(query, options)` over the records held.
    pub fn summarize_usage_by_time(
        &self,
        query: &UsageRecordQuery,
        options: &UsageSeriesOptions,
    ) -> Result<UsageSeries> {
        summarize_usage_records_by_time(&self.get_usage_records(), query, options)
    }

    /// Drops every record.
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
            limit: Some(1),
            ..Default::default()
        };
        let fast = store.summarize_usage(&query).unwrap();
        let records = store.get_usage_records().unwrap();
        let all = UsageRecordQuery {
            limit: None,
            ..query.clone()
        };
        let slow = crate::usage::summarize_facts(
            records.as_slice(),
            query_indices(records.as_slice(), &all),
        );
        assert_eq!(fast, slow);
        assert_eq!(fast.total.records, 2.0);
        assert_eq!(store.diagnostics().len(), 1);
    }

    #[test]
    fn a_saved_index_serves_a_new_store_and_stays_correct() {
        use std::sync::Arc;
        let (file, saved) = (
            Arc::new(MemoryStorage::new()),
            Arc::new(MemoryStorage::new()),
        );
        let open = || JsonlUsageStore::with_saved_index(file.clone(), saved.clone());
        let first = open();
        for i in 0..1500 {
            let mut r = record(&i.to_string());
            r.insert("costUsd".into(), json!(i as f64 / 7.0));
            first.record_usage_object(&r).unwrap();
        }
        let all = UsageRecordQuery::default();
        let want = first.summarize_usage(&all).unwrap();
        assert!(saved.snapshot().is_some(), "the index was saved");

        let recent = UsageRecordQuery {
            limit: Some(3),
            ..Default::default()
        };
        let second = open();
        let records = second.get_usage_records().unwrap();
        let expected: Vec<_> = query_indices(records.as_slice(), &recent)
            .into_iter()
            .map(|i| records[i].clone())
            .collect();
        assert_eq!(second.query_usage(&recent).unwrap(), expected);
        assert_eq!(second.summarize_usage(&all).unwrap(), want);
        let third = open();
        third.record_usage_object(&record("late")).unwrap();
        assert_eq!(third.summarize_usage(&all).unwrap().total.records, 1501.0);
        // A damaged save is ignored.
        saved.rewrite_in_place(b"PIEUIDX2 damaged".to_vec());
        assert_eq!(open().summarize_usage(&all).unwrap().total.records, 1501.0);
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
