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
use crate::io::{Blob, Io};
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
        let outcome = if !self.edited_in_place(&stat) && self.continues_in(io, &stat).await? {
            Refresh::Appended
        } else {
            *self = UsageIndex::new();
            Refresh::Rebuilt
        };
        self.drop_provisional();
        self.read_new(io, stat.size).await?;
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

    /// Whether the file still starts with the bytes this index holds.
    async fn continues_in(&self, io: &Io, stat: &BlobStat) -> Result<bool> {
        if self.complete == 0 {
            return Ok(self.rows() == 0 || self.provisional.is_some());
        }
        let same_identity = match (self.seen.and_then(|s| s.identity), stat.identity) {
            (Some(before), Some(now)) => before == now,
            _ => true,
        };
        if !same_identity || stat.size < self.complete {
            return Ok(false);
        }
        let tail_at = self.complete - self.tail.len() as u64;
        Ok(
            io.read_range(Blob::Data, 0, self.head.len()).await? == self.head
                && io.read_range(Blob::Data, tail_at, self.tail.len()).await? == self.tail,
        )
    }

    /// Indexes the bytes from the end of the finished lines up to `size`.
    /// Each chunk is one read step, so a host that awaits between steps (Node) serves other
    /// work while a large file is indexed.
    async fn read_new(&mut self, io: &Io, size: u64) -> Result<()> {
        let mut feed = LineFeed::resume(self.complete, self.lines);
        let mut at = self.complete;
        let mut chunk = vec![0; usize::try_from(size - at).unwrap_or(CHUNK).min(CHUNK)];
        while at < size {
            let want = usize::try_from(size - at).unwrap_or(CHUNK).min(CHUNK);
            chunk.resize(want, 0);
            let read;
            (chunk, read) = io.read_at(Blob::Data, at, chunk).await?;
            if read == 0 {
                break;
            }
            at += read as u64;
            feed.feed(&chunk[..read], |line| self.push_line(&line));
        }
        let grew = feed.complete_offset() > self.complete;
        self.complete_through(&feed);
        feed.finish(|line| self.push_provisional(&line));
        if grew {
            self.read_anchors(io).await?;
        }
        Ok(())
    }

    async fn read_anchors(&mut self, io: &Io) -> Result<()> {
        let len = ANCHOR_LEN.min(usize::try_from(self.complete).unwrap_or(ANCHOR_LEN));
        // The head is fixed once it is full (and was just checked by `continues_in`).
        if self.head.len() < len {
            self.head = io.read_range(Blob::Data, 0, len).await?;
        }
        self.tail = io
            .read_range(Blob::Data, self.complete - len as u64, len)
            .await?;
        Ok(())
    }
}
