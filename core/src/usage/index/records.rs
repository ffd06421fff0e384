//! Reading from the file only the records a query returns.
//!
//! The index knows each record's byte range, so a query reads just those ranges. Ranges close
//! together are merged into one read: when the file is in time order, the newest records are
//! its tail, and `{ limit: 100 }` costs one small read at the end of the file.

use super::UsageIndex;
use crate::error::Result;
use crate::io::{Blob, Io};

/// Ranges closer than this are read together (reading the gap beats another call).
const MERGE_GAP: u64 = 64 * 1024;
/// Largest single read.
const MAX_READ: u64 = 16 << 20;

/// The lines of some rows, in the order asked for.
pub struct RowLines {
    buffers: Vec<Vec<u8>>,
    /// Per requested row: buffer, start, length.
    spans: Vec<(usize, usize, usize)>,
}

impl RowLines {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// The `i`-th requested row's line, without its terminator.
    pub fn get(&self, i: usize) -> &[u8] {
        let (buffer, start, len) = self.spans[i];
        &self.buffers[buffer][start..start + len]
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).map(|i| self.get(i))
    }
}

impl UsageIndex {
    /// Reads the lines of `rows` from `storage`. `None` when a line is not where the index
    /// says (the file changed since the last refresh): refresh and ask again.
    pub(crate) async fn read_lines(&self, io: &Io, rows: &[usize]) -> Result<Option<RowLines>> {
        let mut ranges = Vec::with_capacity(rows.len());
        for &row in rows {
            match self.line_range(row) {
                Some((offset, len)) => ranges.push((offset, len as u64)),
                None => return Ok(None),
            }
        }
        let mut by_offset: Vec<usize> = (0..rows.len()).collect();
        by_offset.sort_unstable_by_key(|&i| ranges[i].0);
        let mut buffers = Vec::new();
        let mut spans = vec![(0, 0, 0); rows.len()];
        let mut at = 0;
        while at < by_offset.len() {
            // One read: the next range and those that follow closely.
            let start = ranges[by_offset[at]].0;
            let mut end = at + 1;
            let mut stop = range_end(ranges[by_offset[at]]);
            while end < by_offset.len() {
                let (offset, len) = ranges[by_offset[end]];
                if offset > stop + MERGE_GAP || offset + len - start > MAX_READ {
                    break;
                }
                stop = stop.max(offset + len);
                end += 1;
            }
            // One byte more: the terminator of the last line, checked below.
            let want = usize::try_from(stop - start + 1).unwrap_or(usize::MAX);
            let buffer = io.read_range(Blob::Data, start, want).await?;
            for &i in &by_offset[at..end] {
                let (offset, len) = ranges[i];
                let from = (offset - start) as usize;
                let to = from + len as usize;
                let terminated = matches!(buffer.get(to), Some(b'\n' | b'\r'));
                let at_end = buffer.len() == to && self.is_provisional(rows[i]);
                if to > buffer.len() || !(terminated || at_end) {
                    return Ok(None);
                }
                spans[i] = (buffers.len(), from, len as usize);
            }
            buffers.push(buffer);
            at = end;
        }
        Ok(Some(RowLines { buffers, spans }))
    }
}

fn range_end((offset, len): (u64, u64)) -> u64 {
    offset + len
}
