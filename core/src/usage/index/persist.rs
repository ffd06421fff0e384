//! Saving the index beside the file, so a new process starts warm.
//!
//! The saved index is derived data: it is checked before use and ignored when anything is off
//! (another format, a bad checksum, a file it no longer describes), and the file is then
//! indexed from scratch. Layout, little-endian:
//!
//! ```text
//! header  64 bytes: magic "PIEUIDX1", format u32, 4 zero bytes, rows u64, body length u64,
//!         body checksum u64, meta length u64, 16 zero bytes
//! body    meta (JSON: file anchors, line count, dictionaries, skipped lines), then the
//!         columns: times f64, offsets u64, lengths u32, six dictionary id columns u32,
//!         amounts f64 x 10, presence u16, and for requestId and agentRunId: starts u64
//!         (rows + 1), missing u8, text. Every part is padded to 8 bytes.
//! ```
//!
//! Loading reads the columns in pieces straight into their vectors, so memory peaks at the
//! index's own size plus one piece.

use serde::{Deserialize, Serialize};

use super::UsageIndex;
use crate::error::Result;
use crate::storage::{BlobStat, ByteStorage};
use crate::usage::columns::{ColumnsBuilder, TextColumn, UsageColumns, AMOUNT_SLOTS};
use crate::usage::jsonl::LineDiagnostic;
use crate::usage::query::time_of;

const MAGIC: &[u8; 8] = b"PIEUIDX1";
const FORMAT: u32 = 1;
const HEADER_LEN: usize = 64;
/// Bytes read per call while loading (a multiple of 8, so the checksum sees whole words).
const PIECE: usize = 4 << 20;

const DICT_COLUMNS: [usize; 6] = [1, 2, 3, 4, 7, 8];
const PLAIN_COLUMNS: [usize; 2] = [5, 6];

/// Everything that is not a column.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    complete: u64,
    lines: usize,
    identity: Option<(u64, u64)>,
    head: Vec<u8>,
    tail: Vec<u8>,
    dicts: Vec<Vec<String>>,
    diagnostics: Vec<LineDiagnostic>,
    zone_dependent: Vec<(usize, String)>,
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
    let mut body = Vec::with_capacity(rows * 200 + meta.len());
    body.extend_from_slice(&meta);
    pad(&mut body);
    let times = columns.times.as_deref().unwrap_or(&[]);
    put(&mut body, &times[..rows.min(times.len())], |x| {
        x.to_le_bytes()
    });
    put(&mut body, &index.offsets[..rows], |x| x.to_le_bytes());
    put(&mut body, &index.lens[..rows], |x| x.to_le_bytes());
    for c in DICT_COLUMNS {
        let ids = match &columns.text[c] {
            Some(TextColumn::Dict { ids, .. }) => &ids[..rows],
            _ => &[],
        };
        put(&mut body, ids, |x| x.to_le_bytes());
    }
    put(&mut body, &columns.amounts[..rows * AMOUNT_SLOTS], |x| {
        x.to_le_bytes()
    });
    put(&mut body, &columns.present[..rows], |x| x.to_le_bytes());
    for c in PLAIN_COLUMNS {
        if let Some(TextColumn::Plain {
            text,
            starts,
            missing,
        }) = &columns.text[c]
        {
            put(&mut body, &starts[..=rows], |&x| (x as u64).to_le_bytes());
            put(&mut body, &missing[..rows], |&x| [u8::from(x)]);
            let end = starts[rows];
            body.extend_from_slice(&text.as_bytes()[..end]);
            pad(&mut body);
        }
    }
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(rows as u64).to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(&body).to_le_bytes());
    out.extend_from_slice(&(meta.len() as u64).to_le_bytes());
    out.extend_from_slice(&[0; 16]);
    out.extend_from_slice(&body);
    out
}

/// Loads a saved index. `Ok(None)` when there is none or it cannot be used; only storage
/// errors are errors. The result still has to be checked against the file: its first
/// [`UsageIndex::refresh`] does that (identity and anchor bytes) before trusting it.
pub fn load<S: ByteStorage + ?Sized>(storage: &S) -> Result<Option<UsageIndex>> {
    let header = storage.read_range(0, HEADER_LEN)?;
    if header.len() < HEADER_LEN || &header[..8] != MAGIC || u32_at(&header, 8) != FORMAT {
        return Ok(None);
    }
    let rows = u64_at(&header, 16);
    let (body_len, sum, meta_len) = (
        u64_at(&header, 24),
        u64_at(&header, 32),
        u64_at(&header, 40),
    );
    let Ok(rows) = usize::try_from(rows) else {
        return Ok(None);
    };
    // A saved index is far smaller than this per row; anything else is damage.
    if rows as u64 > body_len || meta_len > body_len {
        return Ok(None);
    }
    let mut reader = Reader {
        storage,
        at: HEADER_LEN as u64,
        end: HEADER_LEN as u64 + body_len,
        sum: Checksum::default(),
    };
    let Some(loaded) = read_body(&mut reader, rows, meta_len as usize)? else {
        return Ok(None);
    };
    if reader.at != reader.end || reader.sum.0 != sum {
        return Ok(None);
    }
    Ok(Some(loaded))
}

fn read_body<S: ByteStorage + ?Sized>(
    r: &mut Reader<'_, S>,
    rows: usize,
    meta_len: usize,
) -> Result<Option<UsageIndex>> {
    macro_rules! or_none {
        ($e:expr) => {
            match $e? {
                Some(v) => v,
                None => return Ok(None),
            }
        };
    }
    let meta_bytes = or_none!(r.array(meta_len, 1, |b| b[0]));
    let Ok(meta) = serde_json::from_slice::<Meta>(&meta_bytes) else {
        return Ok(None);
    };
    let mut times = or_none!(r.array(rows, 8, |b| f64::from_le_bytes(word(b))));
    let offsets = or_none!(r.array(rows, 8, |b| u64::from_le_bytes(word(b))));
    let lens = or_none!(r.array(rows, 4, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])));
    let mut columns = UsageColumns::new(rows);
    for (&c, dict) in DICT_COLUMNS.iter().zip(meta.dicts) {
        let ids = or_none!(r.array(rows, 4, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])));
        if ids.iter().any(|&id| id as usize > dict.len()) {
            return Ok(None);
        }
        columns.text[c] = Some(TextColumn::Dict { ids, dict });
    }
    columns.amounts = or_none!(r.array(rows * AMOUNT_SLOTS, 8, |b| f64::from_le_bytes(word(b))));
    columns.present = or_none!(r.array(rows, 2, |b| u16::from_le_bytes([b[0], b[1]])));
    for c in PLAIN_COLUMNS {
        let starts = or_none!(r.array(rows + 1, 8, |b| u64::from_le_bytes(word(b))));
        let missing = or_none!(r.array(rows, 1, |b| b[0] != 0));
        let text_len = starts.last().copied().unwrap_or(0);
        let text = or_none!(r.array(usize::try_from(text_len).unwrap_or(usize::MAX), 1, |b| b[0]));
        let Ok(text) = String::from_utf8(text) else {
            return Ok(None);
        };
        let starts: Vec<usize> = starts.into_iter().map(|s| s as usize).collect();
        let boundaries_ok = starts.windows(2).all(|w| w[0] <= w[1])
            && starts.iter().all(|&s| text.is_char_boundary(s));
        if !boundaries_ok {
            return Ok(None);
        }
        columns.text[c] = Some(TextColumn::Plain {
            text,
            starts,
            missing,
        });
    }
    if meta.zone_dependent.iter().any(|(row, _)| *row >= rows) {
        return Ok(None);
    }
    // Local times are read in this process's time zone, which may not be the writer's.
    for (row, text) in &meta.zone_dependent {
        times[*row] = time_of(Some(text));
    }
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
    // Not `seen` as-is: the first refresh must compare identity and anchors with the file.
    index.seen = Some(BlobStat {
        size: index.complete,
        identity: meta.identity,
        modified_ms: None,
    });
    Ok(Some(index))
}

struct Reader<'a, S: ?Sized> {
    storage: &'a S,
    at: u64,
    end: u64,
    sum: Checksum,
}

impl<S: ByteStorage + ?Sized> Reader<'_, S> {
    /// `count` items of `size` bytes (then padding to 8), read piece by piece.
    fn array<T>(
        &mut self,
        count: usize,
        size: usize,
        item: impl Fn(&[u8]) -> T,
    ) -> Result<Option<Vec<T>>> {
        let Some(bytes) = count.checked_mul(size) else {
            return Ok(None);
        };
        let padded = bytes.div_ceil(8) * 8;
        if self.at + padded as u64 > self.end {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(count);
        let mut left = padded;
        let mut items_left = count;
        while left > 0 {
            let want = left.min(PIECE);
            let piece = self.storage.read_range(self.at, want)?;
            if piece.len() != want {
                return Ok(None);
            }
            self.sum.update(&piece);
            let take = items_left.min(want / size);
            out.extend(piece.chunks_exact(size).take(take).map(&item));
            items_left -= take;
            self.at += want as u64;
            left -= want;
        }
        Ok(Some(out))
    }
}

fn put<T, const N: usize>(out: &mut Vec<u8>, items: &[T], bytes: impl Fn(&T) -> [u8; N]) {
    out.reserve(items.len() * N + 8);
    for item in items {
        out.extend_from_slice(&bytes(item));
    }
    pad(out);
}

fn pad(out: &mut Vec<u8>) {
    while out.len() % 8 != 0 {
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

/// A word-at-a-time hash over 8-byte aligned data: catches damage, not tampering.
#[derive(Default)]
struct Checksum(u64);

impl Checksum {
    fn update(&mut self, bytes: &[u8]) {
        for w in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..w.len()].copy_from_slice(w);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
}

fn checksum(bytes: &[u8]) -> u64 {
    let mut sum = Checksum::default();
    sum.update(bytes);
    sum.0
}
