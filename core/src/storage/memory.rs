//! An in-memory [`ByteStorage`]: the reference implementation of the trait's contract, used by
//! tests and by embedders that keep data in a buffer.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::dir_lock::{LockFs, MkdirOutcome};
use super::{BlobStat, ByteStorage};
use crate::error::{Error, Result};
use crate::io::Location;

/// Bytes in memory. `None` content means "does not exist", like a missing file.
#[derive(Default)]
pub struct MemoryStorage {
    content: Mutex<Option<Vec<u8>>>,
    /// Lock directories and their modification times.
    dirs: Mutex<HashMap<String, f64>>,
    /// Bumped by `replace`, so `stat` tells a replacement from an append as inodes do.
    generation: AtomicU64,
    /// The files of the folder this blob stands for, when a store uses it as one
    /// ([`ByteStorage::member`]).
    members: Mutex<BTreeMap<String, Arc<MemoryStorage>>>,
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

    /// The member file `name` (created empty-and-missing on first use).
    pub fn member_storage(&self, name: &str) -> Arc<MemoryStorage> {
        self.members
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_owned())
            .or_default()
            .clone()
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

    fn locate(&self, _follow_links: bool) -> Result<Location> {
        Ok(Location {
            path: "memory/blob".into(),
            folder: "memory".into(),
            name: "blob".into(),
        })
    }

    fn replace_at(&self, _at: &Location, _temp_name: &str, bytes: &[u8]) -> Result<()> {
        self.with_content_mut(|c| *c = Some(bytes.to_vec()));
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// The member files that exist, by name.
    fn list_folder(&self, _folder: &str) -> Result<Vec<String>> {
        let members = self.members.lock().unwrap_or_else(|e| e.into_inner());
        Ok(members
            .iter()
            .filter(|(_, m)| m.snapshot().is_some())
            .map(|(name, _)| name.clone())
            .collect())
    }

    fn remove_file(&self, _folder: &str, name: &str) -> Result<()> {
        self.members
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
        Ok(())
    }

    fn member(&self, name: &str) -> Result<Box<dyn ByteStorage + '_>> {
        Ok(Box::new(self.member_storage(name)))
    }

    fn lock_fs(&self) -> &dyn LockFs {
        self
    }
}

/// Lock directories in memory, on the system clock: threads sharing one storage exclude each
/// other exactly as processes sharing a folder do.
impl LockFs for MemoryStorage {
    fn mkdir(&self, path: &str) -> Result<MkdirOutcome> {
        let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        if dirs.contains_key(path) {
            return Ok(MkdirOutcome::Exists);
        }
        dirs.insert(path.to_owned(), self.now_ms());
        Ok(MkdirOutcome::Created)
    }

    fn mtime_ms(&self, path: &str) -> Result<Option<f64>> {
        Ok(self
            .dirs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .copied())
    }

    fn remove_dir(&self, path: &str) -> Result<()> {
        self.dirs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(path);
        Ok(())
    }

    fn set_mtime_ms(&self, path: &str, ms: f64) -> Result<()> {
        match self
            .dirs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(path)
        {
            Some(mtime) => {
                *mtime = ms;
                Ok(())
            }
            None => Err(Error::storage(format!("lock {path} does not exist"))),
        }
    }

    fn now_ms(&self) -> f64 {
        crate::env::Clock::now_ms(&crate::env::SystemClock)
    }

    fn sleep_ms(&self, ms: u32) {
        #[cfg(not(target_family = "wasm"))]
        std::thread::sleep(Duration::from_millis(u64::from(ms)));
        #[cfg(target_family = "wasm")]
        let _ = Duration::from_millis(u64::from(ms));
    }
}
