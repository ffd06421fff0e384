//! The byte-storage abstraction every store is written against.
//!
//! A storage is one named blob of bytes (a file, a buffer in memory, a JS-provided object). The
//! operations are the ones a crash-safe store needs: positional reads to tail a log, appends for
//! JSONL, an atomic replace for whole-file JSON, and an exclusive cross-process lock.

mod memory;
pub use memory::MemoryStorage;

pub(crate) mod dir_lock;

#[cfg(feature = "fs")]
pub(crate) mod fs;
#[cfg(feature = "fs")]
pub use fs::FileStorage;

use crate::error::Result;

/// One blob of bytes with append, atomic replace and an exclusive lock.
///
/// Implementations must make `append` a single write (concurrent appenders never interleave
/// within one call) and `replace` atomic (readers see the old or the new bytes, never a mix).
pub trait ByteStorage {
    /// The whole content, or `None` when the blob does not exist.
    fn read_all(&self) -> Result<Option<Vec<u8>>>;
    /// Up to `len` bytes starting at `offset` (shorter at the end of the blob).
    fn read_range(&self, offset: u64, len: usize) -> Result<Vec<u8>>;
    /// Reads up to `buf.len()` bytes at `offset` into `buf`; returns how many were read (fewer
    /// only at the end of the blob). Hosts that can read straight into the buffer override it
    /// to save a copy.
    fn read_into(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let bytes = self.read_range(offset, buf.len())?;
        let n = bytes.len().min(buf.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        Ok(n)
    }
    /// The current size, or `None` when the blob does not exist.
    fn size(&self) -> Result<Option<u64>>;
    /// Size plus what identifies this blob's version (file id, modification time), so readers
    /// that keep derived data can tell an append from a replacement. Defaults to the size alone.
    fn stat(&self) -> Result<Option<BlobStat>> {
        Ok(self.size()?.map(|size| BlobStat {
            size,
            ..BlobStat::default()
        }))
    }
    /// Appends `bytes` in one write, creating the blob (and its parent folders) if needed.
    fn append(&self, bytes: &[u8]) -> Result<()>;
    /// Replaces the whole content atomically, creating the blob if needed.
    fn replace(&self, bytes: &[u8]) -> Result<()>;
    /// Takes the exclusive cross-process lock, waiting for a holder to release it.
    fn lock(&self) -> Result<()>;
    /// Releases the lock taken by [`ByteStorage::lock`].
    fn unlock(&self) -> Result<()>;
    /// A name for messages (a file path), when there is one.
    fn name(&self) -> Option<String> {
        None
    }
}

/// What [`ByteStorage::stat`] reports. `identity` changes when the blob is replaced rather than
/// appended to (a file's device and inode; a generation count in memory); `modified_ms` changes
/// on every write where the host can tell.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BlobStat {
    /// Length in bytes.
    pub size: u64,
    /// Device and inode (or a generation count): changes when the blob is replaced.
    pub identity: Option<(u64, u64)>,
    /// Last modification time, when the host knows it.
    pub modified_ms: Option<f64>,
}

/// Runs `f` while holding the storage's exclusive lock; the lock is released even if `f` fails.
pub fn with_lock<S: ByteStorage + ?Sized, T>(
    storage: &S,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    storage.lock()?;
    let out = f();
    let released = storage.unlock();
    let value = out?;
    released?;
    Ok(value)
}
