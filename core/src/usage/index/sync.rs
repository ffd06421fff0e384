//! Keeping an index current with its file.
//!
//! A usage file only grows, by whole lines. Before each use the index compares the file with
//! what it last saw: unchanged (same identity, size and modification time) means nothing to
//! do; grown, with the same identity and the same bytes at both ends of the indexed part, means
//! parse only the new bytes. Anything else (shorter, another inode, different anchor bytes,
//! the same size with another modification time) means the file was truncated, edited or
//! replaced, and it is indexed again from the start. An append changes the size; an edit that
//! keeps it (a middle record rewritten) changes only the modification time, and the anchors
//! cannot see it. Reads go
//! in chunks of [`CHUNK`] bytes, so memory never holds the whole file.

use super::{LineFeed, UsageIndex, ANCHOR_LEN};
use crate::error::Result;
use crate::io::{join, Blob, Io};
use crate::storage::BlobStat;

/// Bytes read per call while indexing.
pub const CHUNK: usize = 1 << 20;

/// What a refresh did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresh {
    /// The file had not changed.
    Unchanged,
    /// New bytes were indexed.
    Appended,
    /// The file was missing, shorter or replaced: the index was started over.
    Rebuilt,
}

impl UsageIndex {
    /// Brings the index up to date with `storage`.
    pub(crate) async fn refresh(&mut self, io: &Io) -> Result<Refresh> {
        let Some(stat) = io.stat(Blob::Data).await? else {
            let was_empty = self.seen.is_none() && self.rows() == 0;
            *self = UsageIndex::new();
            return Ok(if was_empty {
                Refresh::Unchanged
            } else {
                Refresh::Rebuilt
            });
        };
        if self.seen == Some(stat) && stat.modified_ms.is_some() {
            return Ok(Refresh::Unchanged);
        }
        let continued = if self.edited_in_place(&stat) {
            None
        } else {
            self.continues_in(io, &stat).await?
        };
        let outcome = if continued.is_some() {
            Refresh::Appended
        } else {
            *self = UsageIndex::new();
            Refresh::Rebuilt
        };
        self.drop_provisional();
        self.read_new(io, stat.size, continued.unwrap_or_default())
            .await?;
        self.seen = Some(stat);
        self.saved_file = None;
        Ok(outcome)
    }

    /// Whether the file kept the size it had when indexed (by this process, or by the one that
    /// saved the index) but not the modification time: rewritten in place.
    fn edited_in_place(&self, stat: &BlobStat) -> bool {
        let Some(before) = self.saved_file.or(self.seen) else {
            return false;
        };
        before.size == stat.size
            && before.modified_ms.is_some()
            && stat.modified_ms.is_some()
            && before.modified_ms != stat.modified_ms
    }

    /// Whether the file still starts with the bytes this index holds: `None` when it does not,
    /// else what was read past the indexed bytes. The tail anchor is read together with the
    /// first new bytes (one read where an append is small), which are then indexed as read.
    async fn continues_in(&self, io: &Io, stat: &BlobStat) -> Result<Option<Read>> {
        if self.complete == 0 {
            let fresh = self.rows() == 0 || self.provisional.is_some();
            return Ok(fresh.then(Read::default));
        }
        let same_identity = match (self.seen.and_then(|s| s.identity), stat.identity) {
            (Some(before), Some(now)) => before == now,
            _ => true,
        };
        if !same_identity || stat.size < self.complete {
            return Ok(None);
        }
        let tail_at = self.complete - self.tail.len() as u64;
        let new = usize::try_from(stat.size - self.complete).map_or(CHUNK, |n| n.min(CHUNK));
        // Both anchors at once.
        let (head, bytes) = join(
            io.read_range(Blob::Data, 0, self.head.len()),
            io.read_range(Blob::Data, tail_at, self.tail.len() + new),
        )
        .await;
        let mut bytes = bytes?;
        if head? != self.head || !bytes.starts_with(&self.tail) {
            return Ok(None);
        }
        bytes.drain(..self.tail.len());
        Ok(Some(Read {
            at: self.complete,
            bytes,
        }))
    }

    /// Indexes the bytes from the end of the finished lines up to `size`, starting with
    /// `first` (bytes already read from there, possibly none).
    /// Each chunk is one read step, so a host that awaits between steps (Node) serves other
    /// work while a large file is indexed.
    async fn read_new(&mut self, io: &Io, size: u64, first: Read) -> Result<()> {
        // Until every new byte is read, the rows pushed are provisional: if a read fails (or
        // the operation is dropped) midway, the next refresh drops them and reads their lines
        // again from the end of the finished ones, instead of counting them twice.
        self.provisional = Some((self.rows(), self.diagnostics.len()));
        let mut feed = LineFeed::resume(self.complete, self.lines);
        let mut last = first;
        if last.bytes.is_empty() {
            last.at = self.complete;
        }
        feed.feed(&last.bytes, |line| self.push_line(&line));
        let mut at = last.at + last.bytes.len() as u64;
        let mut chunk = Vec::new();
        while at < size {
            let want = usize::try_from(size - at).unwrap_or(CHUNK).min(CHUNK);
            chunk.resize(want, 0);
            let read;
            (chunk, read) = io.read_at(Blob::Data, at, chunk).await?;
            if read == 0 {
                break;
            }
            chunk.truncate(read);
            feed.feed(&chunk, |line| self.push_line(&line));
            // The last chunk read is kept for the tail anchor.
            std::mem::swap(&mut chunk, &mut last.bytes);
            last.at = at;
            at += read as u64;
        }
        let grew = feed.complete_offset() > self.complete;
        self.complete_through(&feed);
        self.provisional = None;
        feed.finish(|line| self.push_provisional(&line));
        if grew {
            self.read_anchors(io, &last).await?;
        }
        Ok(())
    }

    /// The anchors of the indexed bytes: the head (once it is full it never changes) and the
    /// tail, taken from `last` (the bytes read last) when it holds them.
    async fn read_anchors(&mut self, io: &Io, last: &Read) -> Result<()> {
        let len = ANCHOR_LEN.min(usize::try_from(self.complete).unwrap_or(ANCHOR_LEN));
        // The head is fixed once it is full (and was just checked by `continues_in`).
        if self.head.len() < len {
            self.head = io.read_range(Blob::Data, 0, len).await?;
        }
        let tail_at = self.complete - len as u64;
        self.tail = match last.slice(tail_at, len) {
            Some(tail) => tail.to_vec(),
            None => io.read_range(Blob::Data, tail_at, len).await?,
        };
        Ok(())
    }
}

/// Bytes read from the file at offset `at`.
#[derive(Default)]
struct Read {
    at: u64,
    bytes: Vec<u8>,
}

impl Read {
    /// The `len` bytes at file offset `from`, if these bytes hold them.
    fn slice(&self, from: u64, len: usize) -> Option<&[u8]> {
        let start = usize::try_from(from.checked_sub(self.at)?).ok()?;
        self.bytes.get(start..start.checked_add(len)?)
    }
}
