//! Saving the index beside the file, so a new process starts warm.
//!
//! The saved index is derived data: it is checked before use and ignored when anything is off
//! (another format, a bad checksum, a file it no longer describes), and the file is then
//! indexed from scratch. Layout, little-endian:
//!
//! ```text
//! header  64 bytes: magic "PIEUIDX2", format u32 (4), 4 zero bytes, rows u64, part A length u64,
//!         part B length u64, part A checksum u64, part B checksum u64, meta length u64
//! part A  meta (JSON: file anchors, line count, dictionaries, skipped lines), times f64,
//!         offsets u64, lengths u32: all that newest-first queries without filters need
//! part B  nine dictionary id columns u32, amounts f64 x 10, presence u16, and for requestId
//!         and agentRunId: starts u64 (rows + 1), missing u8, text
//! ```
//!
//! Every array is padded to 8 bytes. Loading reads the arrays straight into their vectors.
//! Nothing in the file is trusted: every length is checked against the bytes actually there
//! before anything is allocated (so memory stays within a small multiple of the file's
//! size), and every offset, range and dictionary id is checked against what it points into
//! (so a loaded index can never send a later read out of range). Whatever fails is simply
//! not a saved index.
//! Part B is only read when a query needs it ([`load_deferred`]): `{ limit: 100 }` in a new
//! process reads a tenth of the file.

use std::future::ready;

use serde::{Deserialize, Serialize};

use super::{UsageIndex, ANCHOR_LEN};
use crate::error::Result;
use crate::io::{Blob, Io};
use crate::storage::BlobStat;
use crate::usage::columns::{ColumnsBuilder, TextColumn, UsageColumns, AMOUNT_SLOTS};
use crate::usage::jsonl::LineDiagnostic;
use crate::usage::query::time_of;

const MAGIC: &[u8; 8] = b"PIEUIDX2";
/// 3: the meta records the file's size and modification time (an edit that keeps the size).
/// 4: three more dictionary columns (`connectionId`, `apiKeyId`, `requestedModel`).
const FORMAT: u32 = 4;
const HEADER_LEN: usize = 64;
/// Bytes read per step while loading. Small enough that the few buffers a host reads them
/// into are quickly reused (a fresh buffer costs a page fault per 4 KB, more than the copy).
#[cfg(not(test))]
const PIECE: usize = 1 << 20;
/// Small and odd in tests, so arrays, parts and checksum words all straddle pieces.
#[cfg(test)]
const PIECE: usize = 997;
/// The saved index is its store's derived blob.
const SAVED: Blob = Blob::SavedIndex;

const DICT_COLUMNS: [usize; 9] = [1, 2, 3, 4, 7, 8, 9, 10, 11];
const PLAIN_COLUMNS: [usize; 2] = [5, 6];

/// Everything that is not a column.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    complete: u64,
    lines: usize,
    identity: Option<(u64, u64)>,
    /// The file's size and modification time when it was last read.
    file_size: Option<u64>,
    file_modified_ms: Option<f64>,
    head: Vec<u8>,
    tail: Vec<u8>,
    dicts: Vec<Vec<String>>,
    diagnostics: Vec<LineDiagnostic>,
    zone_dependent: Vec<(usize, String)>,
}

/// Where the index of the usage file at `path` is saved: beside it, same name plus
/// `.pie-index`.
pub fn saved_index_path(path: &str) -> String {
    format!("{path}.pie-index")
}

/// The saved form of `index` (its finished lines only).
pub fn encode(index: &UsageIndex) -> Vec<u8> {
    let (rows, diagnostics) = index
        .provisional
        .unwrap_or((index.rows(), index.diagnostics.len()));
    let columns = index.columns();
    let meta = Meta {
        complete: index.complete,
        lines: index.lines,
        identity: index.seen.and_then(|s| s.identity),
        file_size: index.seen.map(|s| s.size),
        file_modified_ms: index.seen.and_then(|s| s.modified_ms),
        head: index.head.clone(),
        tail: index.tail.clone(),
        dicts: DICT_COLUMNS
            .iter()
            .map(|&c| match &columns.text[c] {
                Some(TextColumn::Dict { dict, .. }) => dict.clone(),
                _ => Vec::new(),
            })
            .collect(),
        diagnostics: index.diagnostics[..diagnostics].to_vec(),
        zone_dependent: index
            .columns
            .zone_dependent()
            .iter()
            .filter(|(row, _)| *row < rows)
            .cloned()
            .collect(),
    };
    let meta = serde_json::to_vec(&meta).unwrap_or_default();
    let mut a = Vec::with_capacity(rows * 20 + meta.len() + 8);
    a.extend_from_slice(&meta);
    pad(&mut a);
    let times = columns.times.as_deref().unwrap_or(&[]);
    put(&mut a, &times[..rows.min(times.len())], |x| x.to_le_bytes());
    put(&mut a, &index.offsets[..rows], |x| x.to_le_bytes());
    put(&mut a, &index.lens[..rows], |x| x.to_le_bytes());
    let mut b = Vec::with_capacity(rows * 170);
    for c in DICT_COLUMNS {
        let ids = match &columns.text[c] {
            Some(TextColumn::Dict { ids, .. }) => &ids[..rows],
            _ => &[],
        };
        put(&mut b, ids, |x| x.to_le_bytes());
    }
    put(&mut b, &columns.amounts[..rows * AMOUNT_SLOTS], |x| {
        x.to_le_bytes()
    });
    put(&mut b, &columns.present[..rows], |x| x.to_le_bytes());
    for c in PLAIN_COLUMNS {
        if let Some(TextColumn::Plain {
            text,
            starts,
            missing,
        }) = &columns.text[c]
        {
            put(&mut b, &starts[..=rows], |&x| (x as u64).to_le_bytes());
            put(&mut b, &missing[..rows], |&x| [u8::from(x)]);
            let end = starts[rows];
            b.extend_from_slice(&text.as_bytes()[..end]);
            pad(&mut b);
        }
    }
    let mut out = Vec::with_capacity(HEADER_LEN + a.len() + b.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    for n in [
        rows as u64,
        a.len() as u64,
        b.len() as u64,
        checksum(&a),
        checksum(&b),
    ] {
        out.extend_from_slice(&n.to_le_bytes());
    }
    out.extend_from_slice(&(meta.len() as u64).to_le_bytes());
    out.extend_from_slice(&a);
    out.extend_from_slice(&b);
    out
}

/// What a saved index is worth for the usage file beside it (`pie-storage doctor`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum SavedIndexHealth {
    /// It describes the file as it is now: the next process starts warm.
    Current {
        /// Records it holds.
        rows: u64,
    },
    /// It is intact but describes an older state of the file (appended, edited or replaced
    /// since): the next read that saves the index brings it up to date.
    Stale {
        /// Records it holds.
        rows: u64,
        /// What differs.
        reason: &'static str,
    },
    /// It cannot be used (another format, damaged): the file is indexed from scratch and the
    /// saved index is rewritten by the next read that saves it.
    Unusable {
        /// Why.
        reason: &'static str,
    },
}

/// Checks the bytes of a saved index (header, both checksums, meta) against the current stat
/// of its usage file (`None` when that file is missing). Reads nothing itself.
///
/// ```
/// use pie_storage_core::usage::{saved_index_health, SavedIndexHealth};
/// assert_eq!(
///     saved_index_health(b"not an index", None),
///     SavedIndexHealth::Unusable { reason: "not a saved index of this format" }
/// );
/// ```
pub fn saved_index_health(saved: &[u8], file: Option<&BlobStat>) -> SavedIndexHealth {
    let unusable = |reason| SavedIndexHealth::Unusable { reason };
    let Some(h) = saved
        .get(..HEADER_LEN)
        .and_then(|header| parse_header(header, saved.len() as u64))
    else {
        return unusable("not a saved index of this format");
    };
    let a_end = HEADER_LEN + h.a_len as usize;
    let (a, b) = (&saved[HEADER_LEN..a_end], &saved[a_end..]);
    if checksum(a) != h.a_sum || checksum(b) != h.b_sum {
        return unusable("damaged (checksum mismatch)");
    }
    let Ok(meta) = serde_json::from_slice::<Meta>(&a[..h.meta_len as usize]) else {
        return unusable("damaged (unreadable meta)");
    };
    let rows = h.rows as u64;
    let stale = |reason| SavedIndexHealth::Stale { rows, reason };
    let Some(file) = file else {
        return stale("the usage file is missing");
    };
    if let (Some(saved_id), Some(now_id)) = (meta.identity, file.identity) {
        if saved_id != now_id {
            return stale("the usage file was replaced");
        }
    }
    if meta.file_size != Some(file.size) {
        return stale("the usage file changed size");
    }
    if meta.file_modified_ms != file.modified_ms {
        return stale("the usage file was modified");
    }
    SavedIndexHealth::Current { rows }
}

/// The parts of a loaded index still in its saved file.
pub struct Deferred {
    /// The saved file's header when part A was read: part B must come from the same save.
    header: Vec<u8>,
    rows: usize,
    dicts: Vec<Vec<String>>,
}

/// The header's numbers.
struct Header {
    rows: usize,
    a_len: u64,
    b_len: u64,
    a_sum: u64,
    b_sum: u64,
    meta_len: u64,
}

/// The header of a saved index of `file_len` bytes, if its numbers describe that file: the
/// two parts fill the rest of it exactly, and the row count fits in part A (each row takes at
/// least 20 bytes of it).
fn parse_header(header: &[u8], file_len: u64) -> Option<Header> {
    if header.len() != HEADER_LEN || &header[..8] != MAGIC || u32_at(header, 8) != FORMAT {
        return None;
    }
    let rows = u64_at(header, 16);
    let h = Header {
        rows: usize::try_from(rows).ok()?,
        a_len: u64_at(header, 24),
        b_len: u64_at(header, 32),
        a_sum: u64_at(header, 40),
        b_sum: u64_at(header, 48),
        meta_len: u64_at(header, 56),
    };
    let body = file_len.checked_sub(HEADER_LEN as u64)?;
    let fits = h.a_len.checked_add(h.b_len) == Some(body)
        && rows.checked_mul(20).is_some_and(|n| n <= h.a_len)
        && h.meta_len <= h.a_len;
    fits.then_some(h)
}

/// The header of the saved index in `storage`, checked against its size.
async fn read_header(io: &Io) -> Result<Option<(Vec<u8>, Header)>> {
    let Some(file_len) = io.stat(SAVED).await?.map(|s| s.size) else {
        return Ok(None);
    };
    let header = io.read_range(SAVED, 0, HEADER_LEN).await?;
    Ok(parse_header(&header, file_len).map(|h| (header, h)))
}

/// Loads a saved index: part A, and part B too with `whole` (else it is read when
/// [`load_deferred`] is called). `Ok(None)` when there is none or it cannot be used; only
/// storage errors are errors. The result still has to be checked against the file: its first
/// [`UsageIndex::refresh`] does that (identity, size and modification time, anchor bytes)
/// before trusting it.
pub(crate) async fn load(io: &Io, whole: bool) -> Result<Option<UsageIndex>> {
    let Some((header, h)) = read_header(io).await? else {
        return Ok(None);
    };
    // The header was checked against the file's size: the parts fit in it.
    let len = if whole { h.a_len + h.b_len } else { h.a_len };
    let mut reader = Reader::new(io, HEADER_LEN as u64, len);
    reader.next_part(h.a_len);
    let Some(mut index) = read_part_a(&mut reader, h.rows, h.meta_len).await? else {
        return Ok(None);
    };
    if !reader.finished(h.a_sum) {
        return Ok(None);
    }
    if whole {
        reader.next_part(h.b_len);
        let complete = read_deferred(&mut index, &mut reader, h.b_sum).await?;
        return Ok(complete.then_some(index));
    }
    if let Some(deferred) = index.deferred.as_mut() {
        deferred.header = header;
    }
    Ok(Some(index))
}

/// Reads part B of the saved index `index` came from. `false` when it cannot (the saved file
/// was replaced or damaged since): the caller then indexes the file from scratch.
pub(crate) async fn load_deferred(index: &mut UsageIndex, io: &Io) -> Result<bool> {
    let Some(deferred) = index.deferred.as_ref() else {
        return Ok(true);
    };
    let Some((_, h)) = read_header(io)
        .await?
        .filter(|(header, _)| *header == deferred.header)
    else {
        index.deferred = None;
        return Ok(false);
    };
    let mut reader = Reader::new(io, HEADER_LEN as u64 + h.a_len, h.b_len);
    read_deferred(index, &mut reader, h.b_sum).await
}

/// Reads part B (the columns `index` defers) from `reader`, which is at its start.
async fn read_deferred(index: &mut UsageIndex, reader: &mut Reader<'_>, sum: u64) -> Result<bool> {
    let Some(deferred) = index.deferred.take() else {
        return Ok(true);
    };
    let columns = std::mem::take(&mut index.columns);
    let zone_dependent = columns.zone_dependent().to_vec();
    let mut columns = columns.finish();
    let complete = read_part_b(reader, &mut columns, deferred.rows, deferred.dicts).await?;
    if !complete || !reader.finished(sum) {
        return Ok(false);
    }
    index.columns = ColumnsBuilder::resume(columns, zone_dependent);
    Ok(true)
}

macro_rules! or_none {
    ($e:expr) => {
        match $e.await? {
            Some(v) => v,
            None => return Ok(None),
        }
    };
}

async fn read_part_a(r: &mut Reader<'_>, rows: usize, meta_len: u64) -> Result<Option<UsageIndex>> {
    let meta_len = or_none!(ready(Ok(usize::try_from(meta_len).ok())));
    let meta_bytes = or_none!(r.array::<u8>(meta_len));
    let Ok(meta) = serde_json::from_slice::<Meta>(&meta_bytes) else {
        return Ok(None);
    };
    drop(meta_bytes);
    let mut times = or_none!(r.array::<f64>(rows));
    let offsets = or_none!(r.array::<u64>(rows));
    let lens = or_none!(r.array::<u32>(rows));
    if !meta_fits(&meta, rows) || !line_ranges_fit(&offsets, &lens, meta.complete) {
        return Ok(None);
    }
    // Local times are read in this process's time zone, which may not be the writer's.
    for (row, text) in &meta.zone_dependent {
        times[*row] = time_of(Some(text));
    }
    let mut columns = UsageColumns::new(rows);
    columns.times = Some(times);
    let mut index = UsageIndex {
        columns: ColumnsBuilder::resume(columns, meta.zone_dependent),
        offsets,
        lens,
        diagnostics: meta.diagnostics,
        complete: meta.complete,
        lines: meta.lines,
        head: meta.head,
        tail: meta.tail,
        ..UsageIndex::default()
    };
    index.deferred = Some(Deferred {
        header: Vec::new(),
        rows,
        dicts: meta.dicts,
    });
    // Not `seen` as-is: the first refresh must compare identity and anchors with the file.
    index.seen = Some(BlobStat {
        size: index.complete,
        identity: meta.identity,
        modified_ms: None,
    });
    index.saved_file = meta.file_size.map(|size| BlobStat {
        size,
        identity: meta.identity,
        modified_ms: meta.file_modified_ms,
    });
    Ok(Some(index))
}

/// Whether the meta agrees with itself and with `rows`: anchors within the indexed bytes, a
/// line for every row and skipped line, zone-dependent rows that exist, six dictionaries.
fn meta_fits(meta: &Meta, rows: usize) -> bool {
    let anchor = ANCHOR_LEN.min(usize::try_from(meta.complete).unwrap_or(ANCHOR_LEN));
    meta.head.len() <= anchor
        && meta.tail.len() <= anchor
        && rows
            .checked_add(meta.diagnostics.len())
            .is_some_and(|n| n <= meta.lines)
        && meta.file_size.is_none_or(|size| size >= meta.complete)
        && meta.zone_dependent.iter().all(|(row, _)| *row < rows)
        && meta.dicts.len() == DICT_COLUMNS.len()
}

/// Whether the rows' lines lie in file order inside the first `complete` bytes, each followed
/// by at least its terminator.
fn line_ranges_fit(offsets: &[u64], lens: &[u32], complete: u64) -> bool {
    let mut free = 0u64;
    offsets
        .iter()
        .zip(lens)
        .all(|(&offset, &len)| match offset.checked_add(u64::from(len)) {
            Some(end) if offset >= free && end < complete => {
                free = end + 1;
                true
            }
            _ => false,
        })
}

/// Fills the columns of part B into `columns`; `false` when the data does not fit.
async fn read_part_b(
    r: &mut Reader<'_>,
    columns: &mut UsageColumns,
    rows: usize,
    dicts: Vec<Vec<String>>,
) -> Result<bool> {
    macro_rules! or_false {
        ($e:expr) => {
            match $e.await? {
                Some(v) => v,
                None => return Ok(false),
            }
        };
    }
    for (&c, dict) in DICT_COLUMNS.iter().zip(dicts) {
        let ids = or_false!(r.array::<u32>(rows));
        if ids.iter().any(|&id| id as usize > dict.len()) {
            return Ok(false);
        }
        columns.text[c] = Some(TextColumn::Dict { ids, dict });
    }
    let amounts = or_false!(ready(Ok(rows.checked_mul(AMOUNT_SLOTS))));
    columns.amounts = or_false!(r.array::<f64>(amounts));
    columns.present = or_false!(r.array::<u16>(rows));
    for c in PLAIN_COLUMNS {
        columns.text[c] = Some(or_false!(read_plain(r, rows)));
    }
    Ok(true)
}

/// One plain text column: starts (rows + 1, from 0, never decreasing, on character
/// boundaries), missing flags, text.
async fn read_plain(r: &mut Reader<'_>, rows: usize) -> Result<Option<TextColumn>> {
    let count = or_none!(ready(Ok(rows.checked_add(1))));
    let starts = or_none!(r.array::<u64>(count));
    let missing: Vec<bool> = or_none!(r.array::<u8>(rows))
        .into_iter()
        .map(|b| b != 0)
        .collect();
    let in_order = starts.first() == Some(&0) && starts.windows(2).all(|w| w[0] <= w[1]);
    let text_len = starts.last().and_then(|&n| usize::try_from(n).ok());
    let (true, Some(text_len)) = (in_order, text_len) else {
        return Ok(None);
    };
    let Ok(text) = String::from_utf8(or_none!(r.array::<u8>(text_len))) else {
        return Ok(None);
    };
    // Every start is at most `text_len`, which fits a usize.
    let starts: Vec<usize> = starts.into_iter().map(|s| s as usize).collect();
    if !starts.iter().all(|&s| text.is_char_boundary(s)) {
        return Ok(None);
    }
    Ok(Some(TextColumn::Plain {
        text,
        starts,
        missing,
    }))
}

/// Reads the arrays of the saved file's parts, summing each part's bytes. The file is read in
/// consecutive pieces of [`PIECE`] bytes whatever the arrays' sizes and the parts' boundaries
/// (so a host that reads ahead always guesses the next read), and the arrays are copied out.
struct Reader<'a> {
    io: &'a Io,
    /// The last piece read; `piece[used..]` is not consumed yet.
    piece: Vec<u8>,
    used: usize,
    /// Where the next piece starts, and where reading stops.
    at: u64,
    limit: u64,
    /// Where the part being read ends, and its bytes' checksum so far.
    part_end: u64,
    sum: Checksum,
}

impl<'a> Reader<'a> {
    /// A reader of the `len` bytes at `start` (one part, or consecutive parts read with
    /// [`Reader::next_part`]), which the caller checked are in the file.
    fn new(io: &'a Io, start: u64, len: u64) -> Self {
        let limit = start.saturating_add(len);
        Reader {
            io,
            piece: Vec::new(),
            used: 0,
            at: start,
            limit,
            part_end: limit,
            sum: Checksum::default(),
        }
    }

    /// Reads the part of `len` bytes that starts here next (its own checksum).
    fn next_part(&mut self, len: u64) {
        self.part_end = self.position().saturating_add(len).min(self.limit);
        self.sum = Checksum::default();
    }

    /// Where the next array starts.
    fn position(&self) -> u64 {
        self.at - (self.piece.len() - self.used) as u64
    }

    /// Whether the whole part was read and its checksum is `sum`.
    fn finished(&self, sum: u64) -> bool {
        self.position() == self.part_end && self.sum.finish() == sum
    }

    /// `count` numbers (then padding to 8), copied into their vector. `None`, before
    /// allocating anything, when they would not fit in what is left of the part.
    async fn array<T: Number>(&mut self, count: usize) -> Result<Option<Vec<T>>> {
        let bytes = count.checked_mul(std::mem::size_of::<T>());
        let padded = bytes.and_then(|n| n.checked_next_multiple_of(8));
        let (Some(bytes), Some(padded)) = (bytes, padded) else {
            return Ok(None);
        };
        if !self.fits(padded) {
            return Ok(None);
        }
        let mut out = vec![T::ZERO; count];
        if !self.read_exact(T::as_bytes_mut(&mut out)).await? {
            return Ok(None);
        }
        let mut padding = [0u8; 8];
        if !self.read_exact(&mut padding[..padded - bytes]).await? {
            return Ok(None);
        }
        if cfg!(target_endian = "big") {
            out.iter_mut().for_each(|x| *x = x.le_to_native());
        }
        Ok(Some(out))
    }

    /// Whether `len` more bytes lie in the part.
    fn fits(&self, len: usize) -> bool {
        u64::try_from(len)
            .ok()
            .and_then(|n| self.position().checked_add(n))
            .is_some_and(|stop| stop <= self.part_end)
    }

    /// Fills `buf` from the part, adding it to the checksum, and reads the next piece whenever
    /// the last one is used up. `false` when the part or the file ends first.
    async fn read_exact(&mut self, buf: &mut [u8]) -> Result<bool> {
        if !self.fits(buf.len()) {
            return Ok(false);
        }
        let mut filled = 0;
        while filled < buf.len() {
            if self.used == self.piece.len() {
                let want = usize::try_from(self.limit - self.at).map_or(PIECE, |n| n.min(PIECE));
                let mut step = std::mem::take(&mut self.piece);
                step.resize(want, 0);
                let read;
                (step, read) = self.io.read_at(SAVED, self.at, step).await?;
                if read != want {
                    return Ok(false);
                }
                self.at += want as u64;
                self.piece = step;
                self.used = 0;
            }
            let take = (buf.len() - filled).min(self.piece.len() - self.used);
            let from = &self.piece[self.used..self.used + take];
            self.sum.update(from);
            buf[filled..filled + take].copy_from_slice(from);
            self.used += take;
            filled += take;
        }
        Ok(true)
    }
}

/// The fixed-size numbers the columns are made of: every bit pattern is a valid value, so a
/// vector of them can be filled as bytes.
trait Number: Copy {
    const ZERO: Self;
    fn as_bytes_mut(items: &mut [Self]) -> &mut [u8] {
        let len = std::mem::size_of_val(items);
        // SAFETY: `Self` is a primitive integer or float (see the impls): no padding, no
        // invalid bit patterns, alignment at least that of u8.
        unsafe { std::slice::from_raw_parts_mut(items.as_mut_ptr().cast::<u8>(), len) }
    }
    /// The value read from little-endian bytes on a big-endian host.
    fn le_to_native(self) -> Self;
}

macro_rules! number {
    ($($t:ty => $bits:ty),*) => {$(
        impl Number for $t {
            const ZERO: Self = 0 as $t;
            fn le_to_native(self) -> Self {
                <$t>::from_bits(<$bits>::from_le(self.to_bits()))
            }
        }
    )*};
}

trait Bits: Sized {
    type Bits;
    fn to_bits(self) -> Self::Bits;
    fn from_bits(bits: Self::Bits) -> Self;
}

macro_rules! int_bits {
    ($($t:ty),*) => {$(
        impl Bits for $t {
            type Bits = $t;
            fn to_bits(self) -> $t { self }
            fn from_bits(bits: $t) -> $t { bits }
        }
    )*};
}

int_bits!(u8, u16, u32, u64);

impl Bits for f64 {
    type Bits = u64;
    fn to_bits(self) -> u64 {
        f64::to_bits(self)
    }
    fn from_bits(bits: u64) -> f64 {
        f64::from_bits(bits)
    }
}

number!(u8 => u8, u16 => u16, u32 => u32, u64 => u64, f64 => u64);

fn put<T, const N: usize>(out: &mut Vec<u8>, items: &[T], bytes: impl Fn(&T) -> [u8; N]) {
    out.reserve(items.len() * N + 8);
    for item in items {
        out.extend_from_slice(&bytes(item));
    }
    pad(out);
}

fn pad(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
}

fn word(b: &[u8]) -> [u8; 8] {
    let mut w = [0; 8];
    w.copy_from_slice(&b[..8]);
    w
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(word(&b[at..at + 8]))
}

/// A word-at-a-time hash: catches damage, not tampering. Word `i` goes to lane `i % 4`, so
/// the four multiply chains run in parallel; bytes are buffered into words, so the result does
/// not depend on how the data was split into pieces.
#[derive(Default)]
struct Checksum {
    lanes: [u64; 4],
    words: u64,
    partial: [u8; 8],
    partial_len: usize,
}

impl Checksum {
    fn update(&mut self, mut bytes: &[u8]) {
        if self.partial_len > 0 {
            let take = (8 - self.partial_len).min(bytes.len());
            self.partial[self.partial_len..self.partial_len + take].copy_from_slice(&bytes[..take]);
            self.partial_len += take;
            bytes = &bytes[take..];
            if self.partial_len < 8 {
                return;
            }
            self.partial_len = 0;
            self.mix(u64::from_le_bytes(self.partial));
        }
        let mut words = bytes.chunks_exact(8);
        let tail = words.remainder();
        let mut words = words
            .by_ref()
            .map(|w| u64::from_le_bytes(w.try_into().unwrap_or([0; 8])));
        while !self.words.is_multiple_of(4) {
            match words.next() {
                Some(w) => self.mix(w),
                None => break,
            }
        }
        let blocks = words.len() / 4;
        let mut lanes = self.lanes;
        for _ in 0..blocks {
            for lane in lanes.iter_mut() {
                *lane = mix(*lane, words.next().unwrap_or(0));
            }
        }
        self.lanes = lanes;
        self.words += 4 * blocks as u64;
        for w in words {
            self.mix(w);
        }
        self.partial[..tail.len()].copy_from_slice(tail);
        self.partial_len = tail.len();
    }

    fn mix(&mut self, word: u64) {
        let lane = (self.words % 4) as usize;
        self.lanes[lane] = mix(self.lanes[lane], word);
        self.words += 1;
    }

    fn finish(&self) -> u64 {
        let mut last = [0u8; 8];
        last[..self.partial_len].copy_from_slice(&self.partial[..self.partial_len]);
        let h = self.lanes.iter().fold(self.words, |h, &lane| mix(h, lane));
        mix(mix(h, u64::from_le_bytes(last)), self.partial_len as u64)
    }
}

fn mix(h: u64, word: u64) -> u64 {
    (h.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95)
}

fn checksum(bytes: &[u8]) -> u64 {
    let mut sum = Checksum::default();
    sum.update(bytes);
    sum.finish()
}

/// Rewrites the checksums of a saved index to match its parts, where the header's lengths
/// allow: what a crafted (rather than damaged) file carries, for tests of the other checks.
#[cfg(test)]
pub(super) fn reseal(bytes: &mut [u8]) {
    if bytes.len() < HEADER_LEN {
        return;
    }
    let (a_len, b_len) = (u64_at(bytes, 24), u64_at(bytes, 32));
    let a_end = (HEADER_LEN as u64).checked_add(a_len);
    let b_end = a_end.and_then(|a| a.checked_add(b_len));
    if let (Some(a_end), Some(b_end)) = (a_end, b_end) {
        if b_end <= bytes.len() as u64 {
            let a = checksum(&bytes[HEADER_LEN..a_end as usize]);
            let b = checksum(&bytes[a_end as usize..b_end as usize]);
            bytes[40..48].copy_from_slice(&a.to_le_bytes());
            bytes[48..56].copy_from_slice(&b.to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_ignores_how_the_data_is_split() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        let whole = checksum(&data);
        for a in [0, 1, 3, 8, 13, 64, 500] {
            for b in [a, a + 5, a + 32, 999] {
                let mut sum = Checksum::default();
                sum.update(&data[..a]);
                sum.update(&data[a..b]);
                sum.update(&data[b..]);
                assert_eq!(sum.finish(), whole, "split {a}/{b}");
            }
        }
        let mut changed = data.clone();
        changed[999] ^= 1;
        assert_ne!(checksum(&changed), whole);
        assert_ne!(checksum(&data[..999]), whole);
    }

    #[test]
    fn saved_index_health_follows_the_file_and_the_bytes() {
        let line = br#"{"id":"u1","timestamp":"2026-01-01T00:00:00.000Z","status":"success"}"#;
        let mut index = UsageIndex::of_bytes(&[line.as_slice(), b"\n"].concat());
        let stat = BlobStat {
            size: line.len() as u64 + 1,
            identity: Some((1, 2)),
            modified_ms: Some(5.0),
        };
        index.seen = Some(stat);
        let saved = encode(&index);
        let rows = index.rows() as u64;
        assert_eq!(
            saved_index_health(&saved, Some(&stat)),
            SavedIndexHealth::Current { rows }
        );
        let grown = BlobStat {
            size: stat.size + 10,
            ..stat
        };
        let stale = |reason| SavedIndexHealth::Stale { rows, reason };
        assert_eq!(
            saved_index_health(&saved, Some(&grown)),
            stale("the usage file changed size")
        );
        let touched = BlobStat {
            modified_ms: Some(6.0),
            ..stat
        };
        assert_eq!(
            saved_index_health(&saved, Some(&touched)),
            stale("the usage file was modified")
        );
        let replaced = BlobStat {
            identity: Some((1, 3)),
            ..stat
        };
        assert_eq!(
            saved_index_health(&saved, Some(&replaced)),
            stale("the usage file was replaced")
        );
        assert_eq!(
            saved_index_health(&saved, None),
            stale("the usage file is missing")
        );
        let mut damaged = saved.clone();
        *damaged.last_mut().unwrap() ^= 1;
        assert_eq!(
            saved_index_health(&damaged, Some(&stat)),
            SavedIndexHealth::Unusable {
                reason: "damaged (checksum mismatch)"
            }
        );
        assert!(matches!(
            saved_index_health(&saved[..saved.len() - 1], Some(&stat)),
            SavedIndexHealth::Unusable { .. }
        ));
    }
}

/// [`load`] and [`load_deferred`] run at once on a saved-index storage, for tests.
#[cfg(test)]
pub(crate) mod on {
    use super::*;
    use crate::io::Host;
    use crate::storage::ByteStorage;

    fn host(saved: &dyn ByteStorage) -> Host<'_> {
        Host {
            data: saved,
            saved_index: Some(saved),
        }
    }

    pub(crate) fn load(saved: &dyn ByteStorage) -> Result<Option<UsageIndex>> {
        let io = Io::default();
        host(saved).run(&io, super::load(&io, false))
    }

    /// Both parts in one pass.
    pub(crate) fn load_whole(saved: &dyn ByteStorage) -> Result<Option<UsageIndex>> {
        let io = Io::default();
        host(saved).run(&io, super::load(&io, true))
    }

    pub(crate) fn load_deferred(index: &mut UsageIndex, saved: &dyn ByteStorage) -> Result<bool> {
        let io = Io::default();
        host(saved).run(&io, super::load_deferred(index, &io))
    }
}
