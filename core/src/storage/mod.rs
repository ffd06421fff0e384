//! The byte-storage abstraction every store is written against.
//!
//! A storage is one named blob of bytes (a file, a buffer in memory, a JS-provided object). The
//! primitives are the ones a crash-safe store needs: positional reads to tail a log, appends for
//! JSONL, an atomic replace for whole-file JSON, and the lock directory's calls.

mod memory;
pub use memory::MemoryStorage;

pub(crate) mod dir_lock;

#[cfg(feature = "fs")]
pub(crate) mod fs;
#[cfg(feature = "fs")]
pub use fs::FileStorage;

use crate::env::Random;
use crate::error::Result;
use crate::io::lock::with_lock as with_file_lock;
use crate::io::replace::replace_file;
use crate::io::{Blob, Host, Io, Location, LockTiming};
pub use dir_lock::{LockFs, MkdirOutcome};

/// One blob of bytes: what a native host provides so the core's steps can run on it.
///
/// The primitives are deliberately small: every sequence (the lock protocol, the torn-tail
/// check, temporary-file names, which path a replace writes) is the core's ([`crate::io`]).
/// Implementations must make `append` a single write (concurrent appenders never interleave
/// within one call) and `replace_at` atomic (readers see the old or the new bytes, never a mix).
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
    /// Where the blob lives ([`crate::io::Request::Locate`]).
    fn locate(&self, follow_links: bool) -> Result<Location>;
    /// Replaces the file at `at` through the new file `temp_name` beside it
    /// ([`crate::io::Request::Replace`]).
    fn replace_at(&self, at: &Location, temp_name: &str, bytes: &[u8]) -> Result<()>;
    /// The entry names of `folder` (none where the storage has no folders).
    fn list_folder(&self, _folder: &str) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
    /// Removes file `name` of `folder`; done if it is already gone.
    fn remove_file(&self, _folder: &str, _name: &str) -> Result<()> {
        Ok(())
    }
    /// The file `name` inside the folder this storage names, for stores that are a folder of
    /// files (the request-details segments: [`crate::io::Blob::Segment`]). Storages without
    /// member files refuse.
    fn member(&self, _name: &str) -> Result<Box<dyn ByteStorage + '_>> {
        Err(crate::error::Error::storage(
            "this storage has no member files",
        ))
    }
    /// The lock directory primitives and the clock of this storage.
    fn lock_fs(&self) -> &dyn LockFs;
    /// A name for messages (a file path), when there is one.
    fn name(&self) -> Option<String> {
        None
    }
    /// Replaces the whole content atomically, as the stores do ([`replace`]): a convenience
    /// that runs the core's steps, not a primitive to override.
    fn replace(&self, bytes: &[u8]) -> Result<()>
    where
        Self: Sized,
    {
        replace(self, bytes)
    }
}

/// A shared storage is the same storage.
impl<T: ByteStorage + ?Sized> ByteStorage for std::sync::Arc<T> {
    fn read_all(&self) -> Result<Option<Vec<u8>>> {
        (**self).read_all()
    }
    fn read_range(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        (**self).read_range(offset, len)
    }
    fn read_into(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        (**self).read_into(offset, buf)
    }
    fn size(&self) -> Result<Option<u64>> {
        (**self).size()
    }
    fn stat(&self) -> Result<Option<BlobStat>> {
        (**self).stat()
    }
    fn append(&self, bytes: &[u8]) -> Result<()> {
        (**self).append(bytes)
    }
    fn locate(&self, follow_links: bool) -> Result<Location> {
        (**self).locate(follow_links)
    }
    fn replace_at(&self, at: &Location, temp_name: &str, bytes: &[u8]) -> Result<()> {
        (**self).replace_at(at, temp_name, bytes)
    }
    fn list_folder(&self, folder: &str) -> Result<Vec<String>> {
        (**self).list_folder(folder)
    }
    fn remove_file(&self, folder: &str, name: &str) -> Result<()> {
        (**self).remove_file(folder, name)
    }
    fn member(&self, name: &str) -> Result<Box<dyn ByteStorage + '_>> {
        (**self).member(name)
    }
    fn lock_fs(&self) -> &dyn LockFs {
        (**self).lock_fs()
    }
    fn name(&self) -> Option<String> {
        (**self).name()
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

/// Replaces the whole content of `storage` atomically, as the stores do (through a symbolic
/// link to its target).
pub fn replace(storage: &dyn ByteStorage, bytes: &[u8]) -> Result<()> {
    let io = Io::default();
    Host::of(storage).run(&io, async {
        let at = io.locate(Blob::Data, true).await?;
        let random = crate::env::SystemRandom.bytes16();
        replace_file(&io, Blob::Data, &at, bytes.to_vec(), &random).await
    })
}

/// Runs `f` while holding the storage's exclusive lock (`proper-lockfile`'s, with `timing`);
/// the lock is released even if `f` fails.
pub fn with_lock<T>(
    storage: &dyn ByteStorage,
    timing: LockTiming,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let io = Io::default();
    Host::of(storage).run(&io, with_file_lock(&io, timing, async |_, _| f()))
}
