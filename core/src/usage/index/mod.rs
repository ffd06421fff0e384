//! The in-memory columnar index of a usage file, kept current by reading only new bytes.
//!
//! One streaming pass turns `usage.jsonl` into columns (parsed times, dictionary-coded
//! provider/model/endpoint/origin/status/routing mode, amounts) plus each record's byte range.
//! Queries and summaries then run over the columns, and a query reads from the file only the
//! records it returns. Appends by any writer are picked up by parsing the new bytes; a file that
//! shrank or was replaced is detected ([`sync`]) and indexed again. The index may be saved beside
//! the file ([`persist`]) and is shared by the stores of one process ([`shared`]).

pub(crate) mod feed;
pub(crate) mod persist;
pub(crate) mod records;
pub(crate) mod shared;
pub(crate) mod sync;

use super::columns::{ColumnsBuilder, TimestampKeeping, UsageColumns};
use super::jsonl::{push_line_facts, Line, LineDiagnostic};
use super::query::{query_indices, UsageRecordQuery};
use super::series::{series_of, unlimited, UsageSeries, UsageSeriesOptions};
use super::summary::{summarize_facts_with, SummaryOptions, UsageSummary};
use crate::storage::BlobStat;

pub use feed::LineFeed;
pub use shared::{shared_index, IndexGuard, SharedIndex};

/// Bytes kept from the start and from the end of the indexed part of the file, to recognize
/// the same file later (see [`sync`]).
pub const ANCHOR_LEN: usize = 64;

/// The index of one usage file.
pub struct UsageIndex {
    columns: ColumnsBuilder,
    /// Byte offset and length (without the line terminator) of each row's line.
    offsets: Vec<u64>,
    lens: Vec<u32>,
    /// The skipped lines, in file order.
    diagnostics: Vec<LineDiagnostic>,
    /// Bytes `[0, complete)` are finished lines, all indexed.
    complete: u64,
    /// Lines in `[0, complete)`, blank ones included.
    lines: usize,
    /// Row and diagnostic counts before an unfinished last line was indexed: that line is
    /// dropped and read again once more bytes arrive.
    provisional: Option<(usize, usize)>,
    /// The file as it was when last read; `None` before the first read or when missing.
    seen: Option<BlobStat>,
    /// The file as the process that saved this index last read it, until the first refresh
    /// (a loaded `seen` has no modification time, so that refresh compares the anchors).
    saved_file: Option<BlobStat>,
    /// Up to [`ANCHOR_LEN`] bytes at the start and at the end of `[0, complete)`.
    head: Vec<u8>,
    tail: Vec<u8>,
    /// Rows added since the index was loaded or saved.
    unsaved_rows: usize,
    /// Columns of a saved index not loaded yet (see [`persist::load_deferred`]).
    deferred: Option<persist::Deferred>,
}

impl Default for UsageIndex {
    fn default() -> Self {
        UsageIndex {
            columns: ColumnsBuilder::new(TimestampKeeping::Parsed),
            offsets: Vec::new(),
            lens: Vec::new(),
            diagnostics: Vec::new(),
            complete: 0,
            lines: 0,
            provisional: None,
            seen: None,
            saved_file: None,
            head: Vec::new(),
            tail: Vec::new(),
            unsaved_rows: 0,
            deferred: None,
        }
    }
}

impl UsageIndex {
    /// An index of nothing: the first refresh reads the file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Indexes a whole buffer (a file read at once, or an export held in memory).
    pub fn of_bytes(bytes: &[u8]) -> Self {
        let mut stream = StreamingIndex::new();
        stream.push(bytes);
        stream.finish()
    }

    /// Whether the file was never read into this index (nor a saved copy loaded).
    pub fn is_unread(&self) -> bool {
        self.seen.is_none() && self.rows() == 0 && self.diagnostics.is_empty()
    }

    /// Whether only times and line ranges are loaded so far: enough for queries without field
    /// filters, not for summaries or new rows ([`persist::load_deferred`] loads the rest).
    pub fn is_deferred(&self) -> bool {
        self.deferred.is_some()
    }

    /// The length of the file's prefix made of finished, indexed lines.
    pub fn indexed_len(&self) -> u64 {
        self.complete
    }

    /// Rows added since the index was loaded or last saved.
    pub fn unsaved_rows(&self) -> usize {
        self.unsaved_rows
    }

    /// Records that the index was just saved.
    pub fn mark_saved(&mut self) {
        self.unsaved_rows = 0;
    }

    /// Records indexed.
    pub fn rows(&self) -> usize {
        self.columns.len()
    }

    /// The indexed records as columns.
    pub fn columns(&self) -> &UsageColumns {
        self.columns.columns()
    }

    /// The skipped lines, in file order.
    pub fn diagnostics(&self) -> &[LineDiagnostic] {
        &self.diagnostics
    }

    /// The byte range of a row's line (without its terminator).
    pub fn line_range(&self, row: usize) -> Option<(u64, usize)> {
        Some((*self.offsets.get(row)?, *self.lens.get(row)? as usize))
    }

    /// Whether the row is the unfinished last line of the file.
    pub fn is_provisional(&self, row: usize) -> bool {
        self.provisional.is_some_and(|(rows, _)| row >= rows)
    }

    /// Rows of `queryUsageRecords(records, query)`, in result order.
    pub fn query(&self, query: &UsageRecordQuery) -> Vec<usize> {
        query_indices(self.columns(), query)
    }

    /// `summarizeUsageRecords(queryUsageRecords(records, query))` with `limit` ignored.
    pub fn summarize(&self, query: &UsageRecordQuery) -> UsageSummary {
        self.summarize_with(query, &SummaryOptions::default())
    }

    /// [`UsageIndex::summarize`] with extra groups and a top-N cut.
    pub fn summarize_with(
        &self,
        query: &UsageRecordQuery,
        options: &SummaryOptions,
    ) -> UsageSummary {
        summarize_facts_with(self.columns(), self.query(&unlimited(query)), options)
    }

    /// `summarizeUsageByTime(query, options)` over the columns: the query finds the rows (a
    /// binary search on the times when the file is in time order), so the cost follows the
    /// matching rows, not the file.
    pub fn summarize_by_time(
        &self,
        query: &UsageRecordQuery,
        options: &UsageSeriesOptions,
    ) -> crate::error::Result<UsageSeries> {
        series_of(
            self.columns(),
            &self.query(&unlimited(query)),
            query,
            options,
        )
    }

    /// Adds one finished line.
    fn push_line(&mut self, line: &Line<'_>) {
        match push_line_facts(&mut self.columns, line) {
            Ok(()) => {
                self.offsets.push(line.offset);
                self.lens.push(line.bytes.len() as u32);
                self.unsaved_rows += 1;
            }
            Err(d) => self.diagnostics.push(d),
        }
    }

    /// Adds the unfinished last line, to be dropped when more bytes arrive.
    fn push_provisional(&mut self, line: &Line<'_>) {
        self.provisional = Some((self.rows(), self.diagnostics.len()));
        self.push_line(line);
    }

    /// Drops the unfinished last line, if one was indexed.
    fn drop_provisional(&mut self) {
        if let Some((rows, diagnostics)) = self.provisional.take() {
            self.truncate_rows(rows);
            self.diagnostics.truncate(diagnostics);
        }
    }

    fn truncate_rows(&mut self, rows: usize) {
        let dropped = self.rows().saturating_sub(rows);
        self.columns.truncate(rows);
        self.offsets.truncate(rows);
        self.lens.truncate(rows);
        self.unsaved_rows = self.unsaved_rows.saturating_sub(dropped);
    }

    /// Marks everything `feed` finished as indexed.
    fn complete_through(&mut self, feed: &LineFeed) {
        self.complete = feed.complete_offset();
        self.lines = feed.lines();
    }
}

/// An index built from a stream of chunks (an export being downloaded, a file read piece by
/// piece): only the unfinished line is kept between chunks.
#[derive(Default)]
pub struct StreamingIndex {
    index: UsageIndex,
    feed: LineFeed,
}

impl StreamingIndex {
    /// A stream with no bytes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Indexes the lines `chunk` finishes.
    pub fn push(&mut self, chunk: &[u8]) {
        let index = &mut self.index;
        self.feed.feed(chunk, |line| index.push_line(&line));
    }

    /// The end of the stream: an unfinished last line counts as the reader counts it.
    pub fn finish(mut self) -> UsageIndex {
        self.index.complete_through(&self.feed);
        let index = &mut self.index;
        self.feed.finish(|line| index.push_provisional(&line));
        self.index
    }
}

#[cfg(test)]
mod tests;

/// The steps of the index run at once on one storage, for tests.
#[cfg(test)]
impl UsageIndex {
    pub(crate) fn refresh_on(
        &mut self,
        storage: &dyn crate::storage::ByteStorage,
    ) -> crate::error::Result<sync::Refresh> {
        let io = crate::io::Io::default();
        crate::io::Host::of(storage).run(&io, self.refresh(&io))
    }

    pub(crate) fn read_lines_on(
        &self,
        storage: &dyn crate::storage::ByteStorage,
        rows: &[usize],
    ) -> crate::error::Result<Option<records::RowLines>> {
        let io = crate::io::Io::default();
        crate::io::Host::of(storage).run(&io, self.read_lines(&io, rows))
    }
}
