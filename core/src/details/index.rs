//! The latest line of each id, with the facts reads filter on, kept in memory.
//!
//! Built once by reading the segments, then refreshed by reading only what was appended since
//! (the newest segments are the only ones that grow: appends go to the newest under the lock).
//! A segment that disappeared (retention) drops its entries; one that shrank or was replaced
//! makes the index start again. Lines that are not records are skipped and reported.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

use super::record::TEXT_FIELDS;
use super::segments::{segment_file_name, segments_in, SegmentFacts};
use crate::error::{Error, Result};
use crate::io::{join_all, Blob, Io};
use crate::usage::DiagnosticCode;

/// How much of a segment one read takes.
const READ_CHUNK: usize = 4 << 20;

/// A line of a segment that is not a record, skipped by reads (the file is never changed).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentDiagnostic {
    /// The segment's file name.
    pub segment: String,
    /// 1-based line number in the segment.
    pub line: usize,
    /// Byte offset of the line in the segment.
    pub byte_offset: u64,
    /// Why it was skipped.
    pub code: DiagnosticCode,
    /// For people; never quotes the line.
    pub message: String,
}

/// One line of one id.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) segment: u32,
    pub(crate) offset: u64,
    pub(crate) len: u32,
    /// `Date.parse(timestamp)`.
    pub(crate) time_ms: f64,
    pub(crate) id: Box<str>,
    /// [`TEXT_FIELDS`], in order, as ids in the index's dictionary of each (0: missing).
    pub(crate) facts: [u32; 5],
    /// Whether this is the latest line of its id.
    pub(crate) live: bool,
}

/// The distinct values of one text field, numbered from 1 (0 is "missing"): entries hold
/// numbers, so a filter compares integers and each value is stored once.
#[derive(Debug, Default)]
pub(crate) struct Dictionary {
    ids: HashMap<Box<str>, u32>,
    values: Vec<Box<str>>,
}

impl Dictionary {
    fn intern(&mut self, value: Option<Box<str>>) -> u32 {
        let Some(value) = value else { return 0 };
        if let Some(&id) = self.ids.get(&value) {
            return id;
        }
        self.values.push(value.clone());
        let id = self.values.len() as u32;
        self.ids.insert(value, id);
        id
    }

    /// The number of `value` (`None`: no entry has it).
    pub(crate) fn find(&self, value: &str) -> Option<u32> {
        self.ids.get(value).copied()
    }

    /// The value of number `id` (`None` for 0).
    pub(crate) fn value(&self, id: u32) -> Option<&str> {
        id.checked_sub(1)
            .and_then(|i| self.values.get(i as usize))
            .map(|v| &**v)
    }

    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }
}

#[derive(Debug, Default)]
struct SegmentState {
    /// Bytes indexed: up to the end of the last complete line.
    indexed: u64,
    lines: usize,
}

/// The live entries in time order, with the facts filters read, side by side (a filter reads
/// one small array, not the entries).
#[derive(Debug, Default)]
pub(crate) struct Order {
    /// Positions in the index's entries.
    pub(crate) entry: Vec<u32>,
    pub(crate) time_ms: Vec<f64>,
    pub(crate) facts: Vec<[u32; 5]>,
}

impl Order {
    fn push(&mut self, at: u32, entry: &Entry) {
        self.entry.push(at);
        self.time_ms.push(entry.time_ms);
        self.facts.push(entry.facts);
    }

    fn clear(&mut self) {
        self.entry.clear();
        self.time_ms.clear();
        self.facts.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.entry.len()
    }
}

/// The index of one store's folder.
#[derive(Debug, Default)]
pub(crate) struct DetailsIndex {
    segments: BTreeMap<u32, SegmentState>,
    /// Every line, in write order.
    entries: Vec<Entry>,
    by_id: HashMap<Box<str>, usize>,
    /// The values of [`TEXT_FIELDS`].
    dictionaries: [Dictionary; 5],
    /// The live entries, oldest first by (`timestamp`, write order); rebuilt when stale.
    order: Order,
    order_stale: bool,
    diagnostics: Vec<SegmentDiagnostic>,
}

/// What the index keeps of a line: its id, its time, its [`TEXT_FIELDS`].
type LineFacts = (Box<str>, f64, [Option<Box<str>>; 5]);

/// The facts of one line, or why it is not a record.
fn read_line(line: &[u8]) -> std::result::Result<LineFacts, DiagnosticCode> {
    let keys = [
        b"id".as_slice(),
        b"timestamp",
        b"requestId",
        b"provider",
        b"model",
        b"connectionId",
        b"status",
    ];
    let texts: [Option<Box<str>>; 7] = match crate::usage::scan::scan_strings(line, keys) {
        Some(found) => found.map(|v| v.map(|c| c.into())),
        None => {
            let text = std::str::from_utf8(line).map_err(|_| DiagnosticCode::InvalidJson)?;
            let value = crate::json::parse(text).map_err(|_| DiagnosticCode::InvalidJson)?;
            let Value::Object(map) = value else {
                return Err(DiagnosticCode::NotAnObject);
            };
            keys.map(|k| {
                let k = std::str::from_utf8(k).unwrap_or_default();
                map.get(k).and_then(Value::as_str).map(Into::into)
            })
        }
    };
    let [id, timestamp, rest @ ..] = texts;
    let id = id
        .filter(|id| !id.is_empty())
        .ok_or(DiagnosticCode::NotARecord)?;
    let time_ms = timestamp
        .and_then(|t| crate::time::parse_js_date(&t))
        .ok_or(DiagnosticCode::NotARecord)?;
    Ok((id, time_ms, rest))
}

impl DetailsIndex {
    /// The dictionary of [`TEXT_FIELDS`] entry `slot`.
    pub(crate) fn dictionary(&self, slot: usize) -> &Dictionary {
        &self.dictionaries[slot]
    }

    pub(crate) fn diagnostics(&self) -> &[SegmentDiagnostic] {
        &self.diagnostics
    }

    /// Brings the index up to date with the folder `folder` (the store's [`Blob::Data`]).
    pub(crate) async fn refresh(&mut self, io: &Io, folder: &str) -> Result<()> {
        for _ in 0..3 {
            if self.try_refresh(io, folder).await? {
                return Ok(());
            }
            *self = DetailsIndex::default();
        }
        Err(Error::storage(
            "request-details segments kept changing while they were indexed; try again",
        ))
    }

    /// `false` when a segment changed in a way only a rebuild explains.
    async fn try_refresh(&mut self, io: &Io, folder: &str) -> Result<bool> {
        let present = segments_in(&io.list_folder(Blob::Data, folder.to_owned()).await?);
        let gone: Vec<u32> = self
            .segments
            .keys()
            .filter(|n| present.binary_search(n).is_err())
            .copied()
            .collect();
        if !gone.is_empty() {
            self.forget(&gone);
        }
        let newest_known = self.segments.keys().next_back().copied();
        if present
            .iter()
            .any(|n| !self.segments.contains_key(n) && Some(*n) < newest_known)
        {
            return Ok(false);
        }
        let newest = present.last().copied();
        // Only the newest segments can have grown: appends go to the newest under the lock.
        let fresh: Vec<u32> = present
            .iter()
            .copied()
            .filter(|n| Some(*n) >= newest_known)
            .collect();
        let stats = join_all(fresh.iter().map(|&n| io.stat(Blob::Segment(n))).collect()).await;
        for (&n, stat) in fresh.iter().zip(stats) {
            let size = stat?.map_or(0, |s| s.size);
            let state = self.segments.entry(n).or_default();
            if size < state.indexed {
                return Ok(false);
            }
            self.read_new(io, n, size, Some(n) == newest).await?;
        }
        Ok(true)
    }

    /// Indexes segment `n` from where it was left to `size`. An unterminated last line is left
    /// for later in the newest segment (an append may be under way), and is torn in older ones.
    async fn read_new(&mut self, io: &Io, n: u32, size: u64, newest: bool) -> Result<()> {
        let mut at = self.segments[&n].indexed;
        while at < size {
            let want = (size - at).min(READ_CHUNK as u64) as usize;
            let bytes = io.read_range(Blob::Segment(n), at, want).await?;
            if bytes.is_empty() {
                break;
            }
            let complete = match memchr::memrchr(b'\n', &bytes) {
                Some(last) => last + 1,
                // One line longer than a chunk: read it whole.
                None if at + (bytes.len() as u64) < size => {
                    let whole = io
                        .read_range(Blob::Segment(n), at, (size - at) as usize)
                        .await?;
                    match memchr::memchr(b'\n', &whole) {
                        Some(end) => {
                            self.add_lines(n, at, &whole[..=end]);
                            at += end as u64 + 1;
                            continue;
                        }
                        None => 0,
                    }
                }
                None => 0,
            };
            if complete == 0 {
                if !newest {
                    self.torn(n, at);
                    at = size;
                }
                break;
            }
            self.add_lines(n, at, &bytes[..complete]);
            at += complete as u64;
        }
        self.segments.entry(n).or_default().indexed = at;
        Ok(())
    }

    fn add_lines(&mut self, n: u32, start: u64, bytes: &[u8]) {
        let mut offset = 0usize;
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            let at = start + offset as u64;
            offset += line.len();
            let state = self.segments.entry(n).or_default();
            state.lines += 1;
            let number = state.lines;
            let body = line.strip_suffix(b"\n").unwrap_or(line);
            let body = body.strip_suffix(b"\r").unwrap_or(body);
            if body.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match read_line(body) {
                Ok((id, time_ms, texts)) => {
                    let mut facts = [0; 5];
                    for (slot, (text, dictionary)) in
                        texts.into_iter().zip(&mut self.dictionaries).enumerate()
                    {
                        facts[slot] = dictionary.intern(text);
                    }
                    self.add_entry(Entry {
                        segment: n,
                        offset: at,
                        len: body.len() as u32,
                        time_ms,
                        id,
                        facts,
                        live: true,
                    })
                }
                Err(code) => self.diagnostics.push(SegmentDiagnostic {
                    segment: segment_file_name(n),
                    line: number,
                    byte_offset: at,
                    code,
                    message: "line skipped: not a request-details record".into(),
                }),
            }
        }
    }

    fn torn(&mut self, n: u32, at: u64) {
        let state = self.segments.entry(n).or_default();
        state.lines += 1;
        self.diagnostics.push(SegmentDiagnostic {
            segment: segment_file_name(n),
            line: state.lines,
            byte_offset: at,
            code: DiagnosticCode::TruncatedLine,
            message: "last line has no newline: an append that did not finish".into(),
        });
    }

    fn add_entry(&mut self, entry: Entry) {
        let at = self.entries.len();
        if let Some(old) = self.by_id.insert(entry.id.clone(), at) {
            self.entries[old].live = false;
            self.order_stale = true;
        }
        let after_last = self
            .order
            .time_ms
            .last()
            .is_none_or(|&t| t <= entry.time_ms);
        if after_last && !self.order_stale {
            self.order.push(at as u32, &entry);
        } else {
            self.order_stale = true;
        }
        self.entries.push(entry);
    }

    /// Drops the entries of segments that no longer exist.
    fn forget(&mut self, gone: &[u32]) {
        for n in gone {
            self.segments.remove(n);
        }
        self.diagnostics
            .retain(|d| !gone.iter().any(|n| segment_file_name(*n) == d.segment));
        let old = std::mem::take(&mut self.entries);
        self.by_id.clear();
        self.order.clear();
        self.order_stale = false;
        for mut e in old.into_iter().filter(|e| !gone.contains(&e.segment)) {
            e.live = true;
            self.add_entry(e);
        }
    }

    /// The live entries in time order (stale only after an id was written again, or lines
    /// came out of time order).
    pub(crate) fn sorted(&mut self) -> &Order {
        if self.order_stale {
            let entries = &self.entries;
            let mut live: Vec<u32> = (0..entries.len() as u32)
                .filter(|&i| entries[i as usize].live)
                .collect();
            // Stable: equal times keep write order.
            live.sort_by(|&a, &b| {
                entries[a as usize]
                    .time_ms
                    .total_cmp(&entries[b as usize].time_ms)
            });
            self.order.clear();
            for i in live {
                self.order.push(i, &self.entries[i as usize]);
            }
            self.order_stale = false;
        }
        &self.order
    }

    /// The entry at `position` of [`Self::sorted`].
    pub(crate) fn entry_at(&self, position: usize) -> &Entry {
        &self.entries[self.order.entry[position] as usize]
    }

    /// The latest line of `id`.
    pub(crate) fn latest(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// Where the latest line of `id` is in [`Self::sorted`].
    pub(crate) fn position_of(&mut self, id: &str) -> Option<usize> {
        let at = *self.by_id.get(id)? as u32;
        let time = self.entries[at as usize].time_ms;
        let order = self.sorted();
        let from = order.time_ms.partition_point(|t| *t < time);
        (from..order.len()).find(|&p| order.entry[p] == at)
    }

    /// What retention needs to know of each segment (`sizes`: number and size, oldest first).
    pub(crate) fn segment_facts(&self, sizes: &[(u32, u64)]) -> Vec<SegmentFacts> {
        let mut live: HashMap<u32, u64> = HashMap::new();
        let mut newest: HashMap<u32, f64> = HashMap::new();
        for e in &self.entries {
            if e.live {
                *live.entry(e.segment).or_default() += 1;
            }
            let at = newest.entry(e.segment).or_insert(f64::NEG_INFINITY);
            *at = at.max(e.time_ms);
        }
        sizes
            .iter()
            .map(|&(number, size)| SegmentFacts {
                number,
                size,
                newest_ms: newest.get(&number).copied(),
                live: live.get(&number).copied().unwrap_or(0),
            })
            .collect()
    }
}

/// The index of [`TEXT_FIELDS`] entry `name`.
pub(crate) fn fact_slot(name: &str) -> Option<usize> {
    TEXT_FIELDS.iter().position(|f| *f == name)
}
