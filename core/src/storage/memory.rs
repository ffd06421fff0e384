//! An in-memory [`ByteStorage`]: the reference implementation of the trait's contract, used by
//! tests and by embedders that keep data in a buffer.

use std::sync::{Condvar, Mutex};

use std::sync::atomic::{AtomicU64, Ordering};

use super::{BlobStat, ByteStorage};
use crate::error::Result;

/// Bytes in memory. `None` content means "does not exist", like a missing file.
#[derive(Default)]
pub struct MemoryStorage {
    content: Mutex<Option<Vec<u8>>>,
    locked: Mutex<bool>,
    released: Condvar,
    /// Bumped by `replace`, so `stat` tells a replacement from an append as inodes do.
    generation: AtomicU64,
}

impl MemoryStorage {
    /// An empty (missing) blob.
    pub fn new() -> Self {
        Self::default()
    }

    /// A blob holding `bytes`.
    pub fn with_content(bytes: impl Into<Vec<u8>>) -> Self {
        let storage = Self::new();
        *storage.content.lock().unwrap_or_else(|e| e.into_inner()) = Some(bytes.into());
        storage
    }

    /// A copy of the current bytes (`None` if never written).
    pub fn snapshot(&self) -> Option<Vec<u8>> {
        self.content
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Overwrites the content without changing its identity, as `truncate` + `write` on the
    /// same file would (for tests of readers that must notice such rewrites).
    pub fn rewrite_in_place(&self, bytes: impl Into<Vec<u8>>) {
        let bytes = bytes.into();
        self.with_content_mut(|c| *c = Some(bytes));
    }

    fn with_content_mut<T>(&self, f: impl FnOnce(&mut Option<Vec<u8>>) -> T) -> T {
        let mut guard = self.content.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }
}

impl ByteStorage for MemoryStorage {
    fn read_all(&self) -> Result<Option<Vec<u8>>> {
        Ok(self.snapshot())
    }

    fn read_range(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        self.with_content_mut(|c| {
            let bytes = c.as_deref().unwrap_or(&[]);
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            let end = start.saturating_add(len).min(bytes.len());
            Ok(bytes[start..end].to_vec())
        })
    }

    fn size(&self) -> Result<Option<u64>> {
        self.with_content_mut(|c| Ok(c.as_ref().map(|b| b.len() as u64)))
    }

    fn stat(&self) -> Result<Option<BlobStat>> {
        let generation = self.generation.load(Ordering::SeqCst);
        Ok(self.size()?.map(|size| BlobStat {
            size,
            identity: Some((0, generation)),
            modified_ms: None,
        }))
    }

    fn append(&self, bytes: &[u8]) -> Result<()> {
        self.with_content_mut(|c| c.get_or_insert_with(Vec::new).extend_from_slice(bytes));
        Ok(())
    }

    fn replace(&self, bytes: &[u8]) -> Result<()> {
        self.with_content_mut(|c| *c = Some(bytes.to_vec()));
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn lock(&self) -> Result<()> {
        let mut locked = self.locked.lock().unwrap_or_else(|e| e.into_inner());
        while *locked {
            locked = self
                .released
                .wait(locked)
                .unwrap_or_else(|e| e.into_inner());
        }
        *locked = true;
        Ok(())
    }

    fn unlock(&self) -> Result<()> {
        *self.locked.lock().unwrap_or_else(|e| e.into_inner()) = false;
        self.released.notify_one();
        Ok(())
    }
}
