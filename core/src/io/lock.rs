//! Holding a store file's lock for the length of one operation.

use std::future::{ready, Future};

use super::ask::{join, Io};
use super::request::{Blob, Location};
use crate::error::Result;
use crate::storage::dir_lock::{DirLock, HeldLock, DEFAULT_STALE_MS, DEFAULT_TIMEOUT_MS};

/// How long a lock may go unrefreshed before others take it over, and how long to wait for it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LockTiming {
    /// Age in ms after which a lock nobody refreshes is taken over (`proper-lockfile`'s 10 s).
    pub stale_ms: f64,
    /// How long to wait for another holder before failing with `PIE_LOCK_TIMEOUT` (30 s).
    pub timeout_ms: f64,
}

impl Default for LockTiming {
    fn default() -> Self {
        LockTiming {
            stale_ms: DEFAULT_STALE_MS,
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }
}

/// The held lock of a file: `<resolved path>.lock`, as `proper-lockfile` names it.
pub(crate) struct FileLock {
    lock: DirLock,
    held: HeldLock,
    /// Whether the lock was still ours after the last write ([`FileLock::last_write`]).
    ours_after: Option<Result<()>>,
}

impl FileLock {
    /// Confirms the lock is still ours (and refreshes it when due) before a write.
    pub(crate) async fn confirm(&mut self, io: &Io) -> Result<()> {
        self.lock.confirm_before_write(io, &mut self.held).await
    }

    /// The operation's last write under the lock (already confirmed), side by side with the
    /// check its release needs (that the lock is still ours), which it would otherwise make
    /// after the write: one round trip less. The release then only removes the directory, if
    /// the check found it ours.
    pub(crate) async fn last_write<T>(
        &mut self,
        io: &Io,
        write: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let (out, ours) = join(write, self.lock.check_ours(io, &self.held)).await;
        self.ours_after = Some(ours);
        out
    }
}

/// Runs `body` holding the lock of the store's data file, whose location (symbolic links
/// followed) it is given. The lock is released whether `body` succeeds or fails; `body`'s
/// error wins over a failed release.
pub(crate) async fn with_lock<T>(
    io: &Io,
    timing: LockTiming,
    body: impl AsyncFnOnce(&mut FileLock, &Location) -> Result<T>,
) -> Result<T> {
    with_lock_after(
        io,
        timing,
        || ready(()),
        async |lock, at, ()| body(lock, at).await,
    )
    .await
}

/// [`with_lock`], with `first()` (the body's first reads, which need the lock) run side by
/// side with the read-back of the lock directory just made, and its result handed to `body`.
pub(crate) async fn with_lock_after<F: Future, T>(
    io: &Io,
    timing: LockTiming,
    first: impl FnMut() -> F,
    body: impl AsyncFnOnce(&mut FileLock, &Location, F::Output) -> Result<T>,
) -> Result<T> {
    with_lock_named(io, timing, beside_file, first, body).await
}

/// `proper-lockfile`'s name for a file's lock: `<resolved path>.lock`.
pub(crate) fn beside_file(at: &Location) -> String {
    format!("{}.lock", at.path)
}

/// [`with_lock_after`] with the lock directory named by `lock_path` from the data file's
/// location (the chat channel log's lock is the channel folder's `.lock`); the protocol is the
/// same.
pub(crate) async fn with_lock_named<F: Future, T>(
    io: &Io,
    timing: LockTiming,
    lock_path: fn(&Location) -> String,
    first: impl FnMut() -> F,
    body: impl AsyncFnOnce(&mut FileLock, &Location, F::Output) -> Result<T>,
) -> Result<T> {
    let at = io.locate(Blob::Data, true).await?;
    let lock = DirLock {
        lock_path: lock_path(&at),
        stale_ms: timing.stale_ms,
        timeout_ms: timing.timeout_ms,
    };
    let (held, first) = lock.acquire_with(io, first).await?;
    let mut file_lock = FileLock {
        lock,
        held,
        ours_after: None,
    };
    let out = body(&mut file_lock, &at, first).await;
    let FileLock {
        lock,
        held,
        ours_after,
    } = file_lock;
    let released = match ours_after {
        Some(ours) => lock.release_checked(io, ours).await,
        None => lock.release(io, held).await,
    };
    let value = out?;
    released?;
    Ok(value)
}
