//! The request-details store: the steps of each operation ([`RequestDetailsLog`], I/O-free,
//! driven by any host) and [`RequestDetailsStore`], which runs them on a [`ByteStorage`].
//!
//! Writes: one record is one line, appended in one write to the newest segment under the
//! folder's lock (`request-details.lock`, the protocol of the usage file): a crash loses at
//! most the line being written, and appenders of several processes never interleave. A torn
//! last line is terminated first, never removed. When the newest segment has reached
//! `segmentBytes` the line starts the next segment, and retention drops whole old segments.

use std::ops::{Deref, DerefMut};
use std::rc::Rc;
use std::sync::{Mutex, MutexGuard};

use serde_json::{Map, Value};

use super::config::{RequestDetailsConfig, RequestDetailsOptions};
use super::index::{DetailsIndex, Entry, SegmentDiagnostic};
use super::query::{
    page_entries, providers, Pagination, RequestDetailsPage, RequestDetailsQuery, Shown,
};
use super::record::prepare_request_detail;
use super::segments::{segment_file_name, segments_in, segments_to_drop};
use crate::error::{Error, Result};
use crate::io::lock::{with_lock, FileLock};
use crate::io::{join_all, Blob, Host, Io, LockTiming, Operation};
use crate::json::to_js_string;
use crate::storage::ByteStorage;

/// The I/O-free half of a request-details store: its configuration, its index, what the last
/// read skipped, and the steps of every operation.
pub struct RequestDetailsLog {
    config: RequestDetailsConfig,
    lock: LockTiming,
    /// The index, `None` while an operation has it out ([`IndexGuard`]).
    index: Mutex<Option<DetailsIndex>>,
    /// The folder's resolved path, once known (reads list it).
    folder: Mutex<Option<String>>,
    diagnostics: Mutex<Vec<SegmentDiagnostic>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl RequestDetailsLog {
    /// A log running with `config`.
    pub fn new(config: RequestDetailsConfig) -> Self {
        RequestDetailsLog {
            config,
            lock: LockTiming::default(),
            index: Mutex::new(Some(DetailsIndex::default())),
            folder: Mutex::new(None),
            diagnostics: Mutex::new(Vec::new()),
        }
    }

    /// The configuration in effect (what a dashboard shows).
    pub fn config(&self) -> &RequestDetailsConfig {
        &self.config
    }

    /// The lines skipped by the last read.
    pub fn diagnostics(&self) -> Vec<SegmentDiagnostic> {
        locked(&self.diagnostics).clone()
    }

    async fn now(&self, io: &Io) -> Result<f64> {
        match self.config.fixed_now_ms {
            Some(ms) => Ok(ms),
            None => io.now().await,
        }
    }

    fn shown(&self, now_ms: f64) -> Shown {
        Shown {
            max_records: self.config.max_records,
            oldest_ms: self.config.max_age_ms.map(|age| now_ms - age),
        }
    }

    async fn folder(&self, io: &Io) -> Result<String> {
        if let Some(folder) = locked(&self.folder).clone() {
            return Ok(folder);
        }
        let folder = io.locate(Blob::Data, true).await?.path;
        *locked(&self.folder) = Some(folder.clone());
        Ok(folder)
    }

    /// Prepares the record ([`prepare_request_detail`]) and appends its line; `false` (nothing
    /// written) when the store is not enabled.
    pub(crate) async fn record(&self, io: &Io, record: &Map<String, Value>) -> Result<bool> {
        if !self.config.enabled {
            return Ok(false);
        }
        let now = self.now(io).await?;
        let prepared = prepare_request_detail(record, now, &self.config)?;
        let line = to_js_string(&Value::Object(prepared)).into_bytes();
        with_lock(io, self.lock, async |lock, at| {
            *locked(&self.folder) = Some(at.path.clone());
            self.append_locked(io, lock, &at.path, line, now).await
        })
        .await?;
        Ok(true)
    }

    async fn append_locked(
        &self,
        io: &Io,
        lock: &mut FileLock,
        folder: &str,
        line: Vec<u8>,
        now: f64,
    ) -> Result<()> {
        let present = segments_in(&io.list_folder(Blob::Data, folder.to_owned()).await?);
        let newest = present.last().copied().unwrap_or(1);
        let size = io.stat(Blob::Segment(newest)).await?.map_or(0, |s| s.size);
        let rotate = size >= self.config.segment_bytes;
        let torn = !rotate
            && size > 0
            && io.read_range(Blob::Segment(newest), size - 1, 1).await? != b"\n";
        let mut buf = Vec::with_capacity(line.len() + 2);
        if torn {
            buf.push(b'\n');
        }
        buf.extend_from_slice(&line);
        buf.push(b'\n');
        lock.confirm(io).await?;
        if !rotate {
            return lock
                .last_write(io, io.append(Blob::Segment(newest), buf))
                .await;
        }
        io.append(Blob::Segment(newest + 1), buf).await?;
        self.retain(io, lock, folder, now).await
    }

    /// Drops the old segments retention no longer keeps (under the lock, after a rotation).
    async fn retain(&self, io: &Io, lock: &mut FileLock, folder: &str, now: f64) -> Result<()> {
        let mut index = self.fresh_index(io).await?;
        let present = segments_in(&io.list_folder(Blob::Data, folder.to_owned()).await?);
        let stats = join_all(present.iter().map(|&n| io.stat(Blob::Segment(n))).collect()).await;
        let mut sizes = Vec::with_capacity(present.len());
        for (&n, stat) in present.iter().zip(stats) {
            sizes.push((n, stat?.map_or(0, |s| s.size)));
        }
        let drop = segments_to_drop(&index.segment_facts(&sizes), &self.config, now);
        for n in drop {
            lock.confirm(io).await?;
            io.remove_file(Blob::Data, folder.to_owned(), segment_file_name(n))
                .await?;
        }
        index.refresh(io, folder).await
    }

    /// The index for this operation alone: another operation holding it (another thread's, or
    /// a paused one of this thread) is waited for a step at a time, never blocking the thread.
    async fn take_index(&self, io: &Io) -> Result<IndexGuard<'_>> {
        loop {
            if let Some(index) = locked(&self.index).take() {
                return Ok(IndexGuard {
                    slot: &self.index,
                    index,
                });
            }
            io.sleep(1).await?;
        }
    }

    async fn fresh_index(&self, io: &Io) -> Result<IndexGuard<'_>> {
        let folder = self.folder(io).await?;
        let mut index = self.take_index(io).await?;
        index.refresh(io, &folder).await?;
        *locked(&self.diagnostics) = index.diagnostics().to_vec();
        Ok(index)
    }

    /// The lines of `entries`, read side by side (lines close together in one segment as one
    /// range); `None` when one is not where the index says (retention removed its segment, or
    /// the folder was replaced).
    async fn read_lines(io: &Io, entries: &[&Entry]) -> Result<Option<Vec<Vec<u8>>>> {
        let ranges = read_ranges(entries);
        let reads = ranges.iter().map(|r| {
            io.read_range(
                Blob::Segment(r.segment),
                r.start,
                (r.end - r.start) as usize,
            )
        });
        let mut bytes_of = Vec::with_capacity(ranges.len());
        for bytes in join_all(reads.collect()).await {
            match bytes {
                Ok(bytes) => bytes_of.push(bytes),
                Err(_) => return Ok(None),
            }
        }
        let mut out = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let Some(r) = ranges.iter().position(|r| r.members.contains(&i)) else {
                return Ok(None);
            };
            let from = (e.offset - ranges[r].start) as usize;
            let Some(line) = bytes_of[r].get(from..from + e.len as usize) else {
                return Ok(None);
            };
            let same = crate::usage::scan::scan_strings(line, [b"id".as_slice()])
                .is_some_and(|[id]| id.as_deref() == Some(&*e.id));
            if !same {
                return Ok(None);
            }
            out.push(line.to_vec());
        }
        Ok(Some(out))
    }

    /// Runs `pick` on a fresh index and reads the lines it picks; once more on a rebuilt
    /// index if they moved.
    async fn picked_lines<T>(
        &self,
        io: &Io,
        pick: impl Fn(&mut DetailsIndex, f64) -> Result<(Vec<&Entry>, T)>,
    ) -> Result<(Vec<Vec<u8>>, T)> {
        let now = self.now(io).await?;
        for _ in 0..2 {
            let mut index = self.fresh_index(io).await?;
            let (entries, extra) = pick(&mut index, now)?;
            if let Some(lines) = Self::read_lines(io, &entries).await? {
                return Ok((lines, extra));
            }
            *index = DetailsIndex::default();
        }
        Err(Error::storage(
            "request details changed while they were read; try again",
        ))
    }

    /// One page of records as their lines, and the pagination.
    pub(crate) async fn page_lines(
        &self,
        io: &Io,
        query: &RequestDetailsQuery,
    ) -> Result<(Vec<Vec<u8>>, Pagination)> {
        let shown = |now| self.shown(now);
        self.picked_lines(io, |index, now| page_entries(index, query, &shown(now)))
            .await
    }

    /// The latest line of `id`, if it is shown.
    pub(crate) async fn detail_line(&self, io: &Io, id: &str) -> Result<Option<Vec<u8>>> {
        let (mut lines, ()) = self
            .picked_lines(io, |index, now| {
                let visible = self.shown(now).shows(index, id);
                let entries = if visible {
                    index.latest(id).into_iter().collect()
                } else {
                    Vec::new()
                };
                Ok((entries, ()))
            })
            .await?;
        Ok(lines.pop())
    }

    /// The distinct providers of the shown records.
    pub(crate) async fn providers(&self, io: &Io) -> Result<Vec<String>> {
        let now = self.now(io).await?;
        let mut index = self.fresh_index(io).await?;
        Ok(providers(&mut index, &self.shown(now)))
    }

    /// [`RequestDetailsLog::page_lines`] as 9router's response text
    /// (`{"details":[...],"pagination":{...}}`), the lines copied verbatim.
    pub(crate) async fn page_text(&self, io: &Io, query: &RequestDetailsQuery) -> Result<String> {
        let (lines, pagination) = self.page_lines(io, query).await?;
        let mut out = String::from("{\"details\":[");
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&String::from_utf8_lossy(line));
        }
        out.push_str("],\"pagination\":");
        out.push_str(&serde_json::to_string(&pagination).unwrap_or_default());
        out.push('}');
        Ok(out)
    }

    /// `recordRequestDetail(record)` as an operation its host drives step by step.
    pub fn record_operation(
        self: &Rc<Self>,
        record: Map<String, Value>,
    ) -> Operation<'static, bool> {
        let log = self.clone();
        Operation::new(move |io| async move { log.record(&io, &record).await })
    }

    /// `getRequestDetails(query)` as its response text, as an operation.
    pub fn page_text_operation(
        self: &Rc<Self>,
        query: RequestDetailsQuery,
    ) -> Operation<'static, String> {
        let log = self.clone();
        Operation::new(move |io| async move { log.page_text(&io, &query).await })
    }

    /// `getRequestDetail(id)` as its line's text (`null` when not shown), as an operation.
    pub fn detail_text_operation(self: &Rc<Self>, id: String) -> Operation<'static, String> {
        let log = self.clone();
        Operation::new(move |io| async move {
            Ok(match log.detail_line(&io, &id).await? {
                Some(line) => String::from_utf8_lossy(&line).into_owned(),
                None => "null".to_owned(),
            })
        })
    }

    /// `getRequestDetailProviders()`, as an operation.
    pub fn providers_operation(self: &Rc<Self>) -> Operation<'static, Vec<String>> {
        let log = self.clone();
        Operation::new(move |io| async move { log.providers(&io).await })
    }
}

/// Lines further apart than this are read separately.
const MERGE_GAP: u64 = 64 * 1024;
/// The largest range one read of a page takes.
const MERGE_MAX: u64 = 4 << 20;

/// One read of a page: a range of a segment holding the lines of `members` (indices into the
/// entries asked for).
struct ReadRange {
    segment: u32,
    start: u64,
    end: u64,
    members: Vec<usize>,
}

/// The reads that fetch `entries`: lines of one segment close together share one read.
fn read_ranges(entries: &[&Entry]) -> Vec<ReadRange> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| (entries[i].segment, entries[i].offset));
    let mut out: Vec<ReadRange> = Vec::new();
    for i in order {
        let e = entries[i];
        let end = e.offset + u64::from(e.len);
        match out.last_mut() {
            Some(r)
                if r.segment == e.segment
                    && e.offset <= r.end + MERGE_GAP
                    && end - r.start <= MERGE_MAX =>
            {
                r.end = r.end.max(end);
                r.members.push(i);
            }
            _ => out.push(ReadRange {
                segment: e.segment,
                start: e.offset,
                end,
                members: vec![i],
            }),
        }
    }
    out
}

/// The index taken out of its slot for one operation; put back when dropped (an empty one
/// after a panic, which may have left it half updated).
struct IndexGuard<'a> {
    slot: &'a Mutex<Option<DetailsIndex>>,
    index: DetailsIndex,
}

impl Drop for IndexGuard<'_> {
    fn drop(&mut self) {
        let index = std::mem::take(&mut self.index);
        *locked(self.slot) = Some(if std::thread::panicking() {
            DetailsIndex::default()
        } else {
            index
        });
    }
}

impl Deref for IndexGuard<'_> {
    type Target = DetailsIndex;
    fn deref(&self) -> &DetailsIndex {
        &self.index
    }
}

impl DerefMut for IndexGuard<'_> {
    fn deref_mut(&mut self) -> &mut DetailsIndex {
        &mut self.index
    }
}

fn parse_line(line: &[u8]) -> Result<Map<String, Value>> {
    match serde_json::from_slice(line) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Error::storage(
            "a request-details line changed while it was read",
        )),
    }
}

/// Request details in a folder of segments over a [`ByteStorage`] (its member files are the
/// segments).
///
/// ```
/// use pie_storage_core::details::{RequestDetailsOptions, RequestDetailsQuery, RequestDetailsStore};
/// use pie_storage_core::MemoryStorage;
/// use serde_json::json;
///
/// let store = RequestDetailsStore::new(MemoryStorage::new(), &RequestDetailsOptions::default())?;
/// // No `timestamp`: the store stamps the time of writing (records older than `maxAgeMs`,
/// // 30 days by default, are not shown).
/// let start = json!({"id": "d1", "provider": "openai", "status": "pending",
///     "providerRequest": {"headers": {"Authorization": "Bearer sk-live-1234567890abcdef"}}});
/// store.record_request_detail(start.as_object().unwrap())?;
/// let mut end = store.get_request_detail("d1")?.map(serde_json::Value::Object).unwrap();
/// end["status"] = json!("success");
/// store.record_request_detail(end.as_object().unwrap())?;
///
/// let page = store.get_request_details(&RequestDetailsQuery::default())?;
/// assert_eq!(page.pagination.total_items, 1); // one id: no orphan start row
/// assert_eq!(page.details[0]["status"], "success");
/// assert_eq!(page.details[0]["providerRequest"]["headers"]["Authorization"], "[redacted]");
/// assert_eq!(store.get_request_detail_providers()?, ["openai"]);
/// # Ok::<(), pie_storage_core::Error>(())
/// ```
pub struct RequestDetailsStore<S: ByteStorage> {
    storage: S,
    log: RequestDetailsLog,
}

impl<S: ByteStorage> RequestDetailsStore<S> {
    /// A store over `storage` (the folder) with `options` resolved to their defaults.
    pub fn new(storage: S, options: &RequestDetailsOptions) -> Result<Self> {
        Ok(RequestDetailsStore {
            storage,
            log: RequestDetailsLog::new(options.resolve()?),
        })
    }

    fn run<'a, T>(
        &'a self,
        op: impl AsyncFnOnce(&'a RequestDetailsLog, &Io) -> Result<T>,
    ) -> Result<T> {
        let io = Io::default();
        Host::of(&self.storage).run(&io, op(&self.log, &io))
    }

    /// The storage of the folder.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The configuration in effect.
    pub fn config(&self) -> &RequestDetailsConfig {
        self.log.config()
    }

    /// Validates, redacts, truncates and appends one record; `false` when not enabled.
    pub fn record_request_detail(&self, record: &Map<String, Value>) -> Result<bool> {
        self.run(async |log, io| log.record(io, record).await)
    }

    /// One page of the latest state of each attempt, newest first.
    pub fn get_request_details(&self, query: &RequestDetailsQuery) -> Result<RequestDetailsPage> {
        let (lines, pagination) = self.run(async |log, io| log.page_lines(io, query).await)?;
        let details = lines.iter().map(|l| parse_line(l)).collect::<Result<_>>()?;
        Ok(RequestDetailsPage {
            details,
            pagination,
        })
    }

    /// [`RequestDetailsStore::get_request_details`] as 9router's response JSON text.
    pub fn get_request_details_text(&self, query: &RequestDetailsQuery) -> Result<String> {
        self.run(async |log, io| log.page_text(io, query).await)
    }

    /// The latest state of attempt `id`, if it is shown.
    pub fn get_request_detail(&self, id: &str) -> Result<Option<Map<String, Value>>> {
        let line = self.run(async |log, io| log.detail_line(io, id).await)?;
        line.map(|l| parse_line(&l)).transpose()
    }

    /// The distinct providers of the shown records, sorted.
    pub fn get_request_detail_providers(&self) -> Result<Vec<String>> {
        self.run(async |log, io| log.providers(io).await)
    }

    /// The lines skipped by the last read.
    pub fn diagnostics(&self) -> Vec<SegmentDiagnostic> {
        self.log.diagnostics()
    }
}

#[cfg(feature = "fs")]
impl RequestDetailsStore<crate::storage::FileStorage> {
    /// The store of the folder `folder` (created, 0700, at the first write).
    pub fn open(
        folder: impl AsRef<std::path::Path>,
        options: &RequestDetailsOptions,
    ) -> Result<Self> {
        let path = std::path::absolute(folder.as_ref()).unwrap_or_else(|_| folder.as_ref().into());
        Self::new(crate::storage::FileStorage::new(path), options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::Step;
    use crate::storage::MemoryStorage;
    use serde_json::json;

    fn detail(id: &str, second: u32) -> Map<String, Value> {
        let v = json!({"id": id, "provider": "p", "timestamp": format!("2026-05-22T00:00:{second:02}.000Z")});
        v.as_object().cloned().unwrap_or_default()
    }

    fn log(config: &RequestDetailsConfig) -> Rc<RequestDetailsLog> {
        let mut log = RequestDetailsLog::new(config.clone());
        // A crashed writer's lock is taken over quickly.
        log.lock = LockTiming {
            stale_ms: 30.0,
            timeout_ms: 5_000.0,
        };
        Rc::new(log)
    }

    /// Runs `op` on `storage` for at most `steps` I/O steps; `true` when it finished.
    fn run_for<T>(storage: &MemoryStorage, mut op: Operation<'_, T>, steps: usize) -> bool {
        let host = Host::of(storage);
        let mut reply = None;
        for _ in 0..=steps {
            match op.resume(reply.take()) {
                Step::Io(request) => reply = Some(host.perform(request)),
                Step::Done(out) => {
                    out.map(|_| ()).expect("the operation succeeds");
                    return true;
                }
            }
        }
        false
    }

    fn shown_ids(storage: &MemoryStorage, log: &Rc<RequestDetailsLog>) -> Vec<String> {
        let query = RequestDetailsQuery {
            page_size: Some(100.0),
            ..Default::default()
        };
        let mut op = log.page_text_operation(query);
        let host = Host::of(storage);
        let mut reply = None;
        let text = loop {
            match op.resume(reply.take()) {
                Step::Io(request) => reply = Some(host.perform(request)),
                Step::Done(out) => break out.expect("page"),
            }
        };
        let page: Value = serde_json::from_str(&text).expect("page JSON");
        page["details"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| d["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// A writer that dies after any step of an append (rotation and retention included) loses
    /// at most its own record; the next writer takes the stale lock over, finishes what
    /// retention left, and every record retention keeps is still there.
    #[test]
    fn a_crash_after_any_step_loses_at_most_the_record_being_written() {
        let config = RequestDetailsConfig {
            segment_bytes: 1,
            max_records: 3,
            max_age_ms: None,
            ..Default::default()
        };
        let mut k = 0;
        loop {
            let storage = MemoryStorage::new();
            let writer = log(&config);
            for i in 0..4 {
                assert!(run_for(
                    &storage,
                    writer.record_operation(detail(&format!("d{i}"), i)),
                    1000
                ));
            }
            let crashed = log(&config);
            let finished = run_for(&storage, crashed.record_operation(detail("x", 10)), k);
            std::thread::sleep(std::time::Duration::from_millis(40));
            let next = log(&config);
            assert!(run_for(
                &storage,
                next.record_operation(detail("y", 11)),
                10_000
            ));
            let ids = shown_ids(&storage, &log(&config));
            let want: &[&str] = if ids.contains(&"x".to_owned()) {
                &["y", "x", "d3"]
            } else {
                &["y", "d3", "d2"]
            };
            assert_eq!(ids, want, "crash after {k} steps");
            let segments = storage
                .list_folder("")
                .expect("list")
                .into_iter()
                .filter(|n| n.starts_with("segment-"))
                .count();
            assert!(
                segments <= 4,
                "retention finished after a crash at step {k}: {segments}"
            );
            if finished {
                break;
            }
            k += 1;
            assert!(k < 200, "an append takes a bounded number of steps");
        }
        assert!(
            k > 5,
            "the crash points covered the whole append ({k} steps)"
        );
    }
}
