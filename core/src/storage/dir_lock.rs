//! The cross-process lock protocol of the npm package `proper-lockfile` (v4), written once so the
//! native file host and the JavaScript host (through wasm) exclude each other and Node writers.
//!
//! Protocol, as `proper-lockfile` implements it:
//! - The lock for file `P` is the directory `P.lock`; `mkdir` is atomic, so "created" means
//!   acquired and "already exists" means held by someone.
//! - A held lock is stale when its mtime is strictly older than `now - stale` (10 s by default);
//!   a stale lock is removed and `mkdir` is tried once more, without a second stale check.
//! - While holding, the owner bumps the directory's mtime every `stale / 2` ms. Before each bump it
//!   checks that the directory still exists and still has the mtime it set last; otherwise the
//!   lock was taken over as stale and is *compromised*.
//! - Release removes the directory.
//!
//! This module does no I/O of its own: each step is a request ([`crate::io::Request`]) its host
//! carries out; native hosts answer them through [`LockFs`].

use std::future::Future;

use crate::error::{Error, ErrorCode, Result};
use crate::io::{join, Blob, Io};

/// Lock directories belong to the store's data file.
const LOCK_BLOB: Blob = Blob::Data;

/// Default age after which a lock nobody refreshes is considered abandoned (`proper-lockfile`).
pub const DEFAULT_STALE_MS: f64 = 10_000.0;
/// Default time [`DirLock::acquire_with`] waits for a holder before giving up.
pub const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;

/// The coarsest modification-time resolution of a file system a lock may live on (FAT's 2 s).
const MTIME_GRANULARITY_MS: f64 = 2_000.0;

const FIRST_BACKOFF_MS: u32 = 5;
const MAX_BACKOFF_MS: u32 = 200;

/// What `mkdir` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MkdirOutcome {
    /// The directory was made: the lock is ours.
    Created,
    /// The directory was already there: someone holds (or held) the lock.
    Exists,
}

/// The few synchronous file-system calls the protocol needs, plus a clock: what a native
/// host implements to answer the lock steps ([`crate::io::perform`]).
///
/// Times are milliseconds since the Unix epoch as `f64`, like JavaScript's `Date.now()` and
/// `stat.mtimeMs`, so a JavaScript host can pass its numbers through unchanged.
pub trait LockFs {
    /// Creates one directory (not its parents).
    fn mkdir(&self, path: &str) -> Result<MkdirOutcome>;
    /// The directory's modification time, or `None` if it does not exist.
    fn mtime_ms(&self, path: &str) -> Result<Option<f64>>;
    /// Removes the (empty) directory; succeeds if it is already gone.
    fn remove_dir(&self, path: &str) -> Result<()>;
    /// Sets the directory's modification time.
    fn set_mtime_ms(&self, path: &str, ms: f64) -> Result<()>;
    /// The current wall-clock time; it must be the clock the file system stamps mtimes with.
    fn now_ms(&self) -> f64;
    /// Blocks the caller for `ms` milliseconds.
    fn sleep_ms(&self, ms: u32);
}

/// Proof of holding a lock, with what [`DirLock::refresh`] needs to notice a takeover.
///
/// Deliberately not `Clone`: [`DirLock::release`] consumes it.
#[derive(Debug, PartialEq)]
pub struct HeldLock {
    mtime_ms: f64,
    last_update_ms: f64,
}

#[cfg(test)]
impl HeldLock {
    /// The mtime the holder last saw on (or gave to) the lock directory.
    pub fn mtime_ms(&self) -> f64 {
        self.mtime_ms
    }

    /// When the holder last confirmed the lock was still its own.
    pub fn last_update_ms(&self) -> f64 {
        self.last_update_ms
    }
}

/// One lock directory and its timing parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct DirLock {
    /// The directory whose existence is the lock (`<file>.lock`).
    pub lock_path: String,
    /// Age in ms after which an unrefreshed lock may be taken over.
    pub stale_ms: f64,
    /// How long [`DirLock::acquire_with`] waits; `0` means a single attempt.
    pub timeout_ms: f64,
}

#[cfg(test)]
impl DirLock {
    /// A lock on `lock_path` itself, with the default stale threshold and timeout.
    pub fn new(lock_path: impl Into<String>) -> Self {
        DirLock {
            lock_path: lock_path.into(),
            stale_ms: DEFAULT_STALE_MS,
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }

    /// The lock guarding `file_path`: the directory `<file_path>.lock`, as `proper-lockfile` names it.
    pub fn for_file(file_path: &str) -> Self {
        Self::new(format!("{file_path}.lock"))
    }
}

impl DirLock {
    /// How often a holder should call [`DirLock::refresh`]: `stale / 2`, at least 1 s, which is
    /// `proper-lockfile`'s default `update` (5 s for the default 10 s).
    pub fn update_interval_ms(&self) -> f64 {
        (self.stale_ms / 2.0).max(1_000.0)
    }

    /// [`DirLock::try_acquire_with`] with nothing beside the read-back.
    #[cfg(test)]
    pub(crate) async fn try_acquire(&self, io: &Io) -> Result<Option<HeldLock>> {
        Ok(self
            .try_acquire_with(io, || std::future::ready(()))
            .await?
            .map(|(held, ())| held))
    }

    /// One acquisition attempt: `Some` if the lock is now ours, `None` if someone holds it.
    ///
    /// A stale lock is removed and taken over within this attempt. `first()` (the holder's
    /// first reads) runs side by side with the read-back of the directory just made: its result
    /// comes with the lock, and is dropped when the lock turns out not to be ours.
    async fn try_acquire_with<F: Future>(
        &self,
        io: &Io,
        mut first: impl FnMut() -> F,
    ) -> Result<Option<(HeldLock, F::Output)>> {
        let mut check_stale = true;
        loop {
            match io.make_dir(LOCK_BLOB, self.lock_path.clone()).await? {
                MkdirOutcome::Created => {
                    // Record the mtime the file system gave the new directory: refreshes compare
                    // against it to detect a takeover. If that cannot be read, the directory we
                    // just made is removed, so others need not wait for it to go stale.
                    let read = async {
                        let now = io.now().await?;
                        let mtime = io.dir_mtime(LOCK_BLOB, self.lock_path.clone()).await?;
                        Ok::<_, Error>((now, mtime))
                    };
                    let (read, first) = join(read, first()).await;
                    let (now, mtime) = match read {
                        Ok(read) => read,
                        Err(e) => {
                            let _ = io.remove_dir(LOCK_BLOB, self.lock_path.clone()).await;
                            return Err(e);
                        }
                    };
                    return Ok(mtime.map(|mtime_ms| {
                        let held = HeldLock {
                            mtime_ms,
                            last_update_ms: now,
                        };
                        (held, first)
                    }));
                }
                MkdirOutcome::Exists if !check_stale => return Ok(None),
                MkdirOutcome::Exists => {}
            }
            // Whatever happens next, at most one more mkdir: a lock that vanished or that we just
            // removed as stale is not inspected again (that is how proper-lockfile avoids looping).
            check_stale = false;
            match io.dir_mtime(LOCK_BLOB, self.lock_path.clone()).await? {
                None => continue,
                Some(mtime) if self.is_stale(mtime, io.now().await?) => {
                    io.remove_dir(LOCK_BLOB, self.lock_path.clone()).await?
                }
                Some(_) => return Ok(None),
            }
        }
    }

    /// [`DirLock::acquire_with`] with nothing beside the read-back.
    #[cfg(test)]
    pub(crate) async fn acquire(&self, io: &Io) -> Result<HeldLock> {
        Ok(self.acquire_with(io, || std::future::ready(())).await?.0)
    }

    /// Takes the lock, retrying with a 5 ms → 200 ms backoff until `timeout_ms`, then failing
    /// with [`ErrorCode::LockTimeout`]. Each wait is a [`Request::Sleep`](crate::io::Request)
    /// step: the native host sleeps, the Node host awaits a timer. `first()` runs side by side
    /// with the read-back of the directory once it is made ([`DirLock::try_acquire_with`]).
    pub(crate) async fn acquire_with<F: Future>(
        &self,
        io: &Io,
        mut first: impl FnMut() -> F,
    ) -> Result<(HeldLock, F::Output)> {
        let start = io.now().await?;
        let mut attempt = 0;
        loop {
            if let Some(held) = self.try_acquire_with(io, &mut first).await? {
                return Ok(held);
            }
            let wait = self.next_wait(start, io.now().await?, attempt)?;
            io.sleep(wait).await?;
            attempt += 1;
        }
    }

    /// After failed attempt number `attempt` (0-based) of an acquisition that started at
    /// `started_ms`: how long to wait before the next one (5 ms doubling to 200 ms, never past
    /// the deadline, at least 1 ms), or [`ErrorCode::LockTimeout`] once `timeout_ms` has passed.
    pub fn next_wait(&self, started_ms: f64, now_ms: f64, attempt: u32) -> Result<u32> {
        let remaining = self.timeout_ms - (now_ms - started_ms);
        // A NaN timeout stops too, instead of spinning forever.
        if remaining.is_nan() || remaining <= 0.0 {
            return Err(Error::new(
                ErrorCode::LockTimeout,
                format!(
                    "timed out after {} ms waiting for lock {}",
                    self.timeout_ms, self.lock_path
                ),
            )
            .with_path(self.lock_path.clone()));
        }
        let backoff = FIRST_BACKOFF_MS
            .checked_shl(attempt.min(16))
            .unwrap_or(MAX_BACKOFF_MS)
            .min(MAX_BACKOFF_MS);
        // Never oversleep the deadline, so the timeout is honoured to the millisecond.
        Ok((f64::from(backoff).min(remaining.ceil()) as u32).max(1))
    }

    /// Keeps a held lock fresh: checks it is still ours, then bumps its mtime to now.
    ///
    /// Fails with [`ErrorCode::LockCompromised`] when the directory is gone or carries an mtime we
    /// did not set (someone took it over as stale), or when it could not be refreshed for longer
    /// than the stale threshold. Any other error is transient: the next write retries it.
    pub(crate) async fn refresh(&self, io: &Io, held: &mut HeldLock) -> Result<()> {
        match self.bump(io, held).await {
            Err(e)
                if e.code != ErrorCode::LockCompromised
                    && held.last_update_ms + self.stale_ms < io.now().await? =>
            {
                Err(self.compromised(&format!(
                    "could not be refreshed within the stale threshold ({})",
                    e.message
                )))
            }
            other => other,
        }
    }

    /// Before each write under the lock: fails with [`ErrorCode::LockCompromised`] when the
    /// lock is no longer ours (a slow holder overtaken as stale must not overwrite the new
    /// holder's data), and refreshes it once half the stale time has passed. A failed bump of a
    /// lock that is still ours does not fail the write; it is retried at the next one. This is
    /// how the lock stays fresh on every host: no host runs a refresher of its own.
    pub(crate) async fn confirm_before_write(&self, io: &Io, held: &mut HeldLock) -> Result<()> {
        self.check_ours(io, held).await?;
        if io.now().await? - held.last_update_ms < self.update_interval_ms() {
            return Ok(());
        }
        match self.refresh(io, held).await {
            Err(e) if e.code != ErrorCode::LockCompromised => Ok(()),
            other => other,
        }
    }

    async fn bump(&self, io: &Io, held: &mut HeldLock) -> Result<()> {
        self.check_ours(io, held).await?;
        // Whole milliseconds, so the value survives the round trip through any ms-precision clock.
        let now = io.now().await?.floor();
        let path = || self.lock_path.clone();
        if let Err(e) = io.set_dir_mtime(LOCK_BLOB, path(), now).await {
            // A vanished directory explains the failure; anything else may be transient.
            self.check_ours(io, held).await?;
            return Err(e);
        }
        // Keep what the file system actually stored (it may round down, to seconds or to FAT's
        // 2 s), not what we asked; anything else means the directory was replaced meanwhile,
        // and adopting it would let a write go ahead under someone else's lock.
        match io.dir_mtime(LOCK_BLOB, path()).await? {
            Some(mtime_ms) if !(mtime_ms <= now && now - mtime_ms < MTIME_GRANULARITY_MS) => {
                Err(self.compromised("was replaced while being refreshed"))
            }
            Some(mtime_ms) => {
                held.mtime_ms = mtime_ms;
                held.last_update_ms = io.now().await?;
                Ok(())
            }
            None => Err(self.compromised("vanished while held")),
        }
    }

    /// Releases a held lock by removing its directory.
    ///
    /// If the lock is no longer ours it is left alone (removing it would free someone else's lock)
    /// and [`ErrorCode::LockCompromised`] is returned.
    pub(crate) async fn release(&self, io: &Io, held: HeldLock) -> Result<()> {
        let ours = self.check_ours(io, &held).await;
        self.release_checked(io, ours).await
    }

    /// [`DirLock::release`] after its check (that the lock is still ours) was made: removes
    /// the directory only if it was.
    pub(crate) async fn release_checked(&self, io: &Io, ours: Result<()>) -> Result<()> {
        ours?;
        io.remove_dir(LOCK_BLOB, self.lock_path.clone()).await
    }

    /// Whether a lock with this mtime may be taken over at `now_ms` (strictly older than the
    /// threshold, like proper-lockfile).
    pub fn is_stale(&self, mtime_ms: f64, now_ms: f64) -> bool {
        mtime_ms < now_ms - self.stale_ms
    }

    /// Whether the lock is still ours: fails with [`ErrorCode::LockCompromised`] otherwise.
    pub(crate) async fn check_ours(&self, io: &Io, held: &HeldLock) -> Result<()> {
        match io.dir_mtime(LOCK_BLOB, self.lock_path.clone()).await? {
            None => Err(self.compromised("vanished while held")),
            // Compare whole milliseconds, as proper-lockfile does through `Date`.
            Some(mtime) if mtime.floor() != held.mtime_ms.floor() => {
                Err(self.compromised("was taken over by another process (its mtime changed)"))
            }
            Some(_) => Ok(()),
        }
    }

    fn compromised(&self, what: &str) -> Error {
        Error::new(
            ErrorCode::LockCompromised,
            format!("lock {} {what}", self.lock_path),
        )
        .with_path(self.lock_path.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs one lock step sequence against a fake file system.
    macro_rules! on {
        ($fs:expr, $io:ident => $body:expr) => {{
            let $io = &crate::io::Io::default();
            crate::io::drive($io, $body, |r| crate::io::perform_lock($fs, r))
        }};
    }
    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;

    /// Something another process does at a given time.
    enum Event {
        Remove(String),
        Touch(String),
    }

    /// An in-memory file system with a fake clock that only moves when someone sleeps.
    struct FakeFs {
        dirs: RefCell<HashMap<String, f64>>,
        now: Cell<f64>,
        events: RefCell<Vec<(f64, Event)>>,
        sleeps: RefCell<Vec<u32>>,
        fail_set_mtime: Cell<bool>,
        mtime_granularity_ms: Cell<f64>,
    }

    impl FakeFs {
        fn new() -> Self {
            FakeFs {
                dirs: RefCell::new(HashMap::new()),
                now: Cell::new(1_700_000_000_000.0),
                events: RefCell::new(Vec::new()),
                sleeps: RefCell::new(Vec::new()),
                fail_set_mtime: Cell::new(false),
                mtime_granularity_ms: Cell::new(1.0),
            }
        }

        fn put(&self, path: &str, mtime: f64) {
            self.dirs.borrow_mut().insert(path.to_string(), mtime);
        }

        fn exists(&self, path: &str) -> bool {
            self.dirs.borrow().contains_key(path)
        }

        fn at(&self, offset_ms: f64, event: Event) {
            let when = self.now.get() + offset_ms;
            self.events.borrow_mut().push((when, event));
        }

        fn advance(&self, ms: f64) {
            let target = self.now.get() + ms;
            loop {
                // Apply due events in time order, each at its own time.
                let next = {
                    let mut events = self.events.borrow_mut();
                    let due = events
                        .iter()
                        .enumerate()
                        .filter(|(_, (t, _))| *t <= target)
                        .min_by(|a, b| a.1 .0.total_cmp(&b.1 .0))
                        .map(|(i, _)| i);
                    due.map(|i| events.remove(i))
                };
                let Some((when, event)) = next else { break };
                self.now.set(when.max(self.now.get()));
                match event {
                    Event::Remove(p) => {
                        self.dirs.borrow_mut().remove(&p);
                    }
                    Event::Touch(p) => {
                        let now = self.now.get();
                        if let Some(m) = self.dirs.borrow_mut().get_mut(&p) {
                            *m = now;
                        }
                    }
                }
            }
            self.now.set(target);
        }
    }

    impl LockFs for FakeFs {
        fn mkdir(&self, path: &str) -> Result<MkdirOutcome> {
            if self.exists(path) {
                return Ok(MkdirOutcome::Exists);
            }
            self.put(path, self.now.get());
            Ok(MkdirOutcome::Created)
        }
        fn mtime_ms(&self, path: &str) -> Result<Option<f64>> {
            Ok(self.dirs.borrow().get(path).copied())
        }
        fn remove_dir(&self, path: &str) -> Result<()> {
            self.dirs.borrow_mut().remove(path);
            Ok(())
        }
        fn set_mtime_ms(&self, path: &str, ms: f64) -> Result<()> {
            if self.fail_set_mtime.get() {
                return Err(Error::storage("EPERM"));
            }
            let g = self.mtime_granularity_ms.get();
            match self.dirs.borrow_mut().get_mut(path) {
                Some(m) => {
                    *m = (ms / g).floor() * g;
                    Ok(())
                }
                None => Err(Error::storage("ENOENT")),
            }
        }
        fn now_ms(&self) -> f64 {
            self.now.get()
        }
        fn sleep_ms(&self, ms: u32) {
            self.sleeps.borrow_mut().push(ms);
            self.advance(f64::from(ms));
        }
    }

    const P: &str = "/data/usage.jsonl.lock";

    #[test]
    fn for_file_appends_lock_suffix_and_uses_defaults() {
        let lock = DirLock::for_file("/data/usage.jsonl");
        assert_eq!(lock.lock_path, P);
        assert_eq!(lock.stale_ms, 10_000.0);
        assert_eq!(lock.timeout_ms, 30_000.0);
        assert_eq!(lock.update_interval_ms(), 5_000.0);
        assert_eq!(
            DirLock {
                stale_ms: 500.0,
                ..lock
            }
            .update_interval_ms(),
            1_000.0
        );
    }

    #[test]
    fn acquire_and_release_a_free_lock() {
        let fs = FakeFs::new();
        let lock = DirLock::new(P);
        let held = on!(&fs, io => lock.acquire(io)).expect("acquire");
        assert!(fs.exists(P));
        assert_eq!(held.mtime_ms(), fs.now.get());
        assert!(fs.sleeps.borrow().is_empty());
        on!(&fs, io => lock.release(io, held)).expect("release");
        assert!(!fs.exists(P));
    }

    #[test]
    fn a_held_lock_is_not_acquired_twice() {
        let fs = FakeFs::new();
        let lock = DirLock::new(P);
        let _held = on!(&fs, io => lock.acquire(io)).expect("acquire");
        assert_eq!(on!(&fs, io => lock.try_acquire(io)).expect("try"), None);
    }

    #[test]
    fn contention_waits_until_the_holder_releases() {
        let fs = FakeFs::new();
        let start = fs.now.get();
        fs.put(P, start);
        fs.at(300.0, Event::Remove(P.to_string()));
        let held = on!(&fs, io => DirLock::new(P).acquire(io)).expect("acquire");
        let waited = fs.now.get() - start;
        assert!((300.0..=500.0).contains(&waited), "waited {waited} ms");
        assert_eq!(held.mtime_ms(), fs.now.get());
        // Backoff doubles from 5 ms and is capped at 200 ms.
        let sleeps = fs.sleeps.borrow();
        assert_eq!(&sleeps[..4], &[5, 10, 20, 40]);
        assert!(sleeps.iter().all(|s| *s <= 200));
    }

    #[test]
    fn a_stale_lock_is_taken_over_at_once() {
        let fs = FakeFs::new();
        fs.put(P, fs.now.get() - 20_000.0);
        let held = on!(&fs, io => DirLock::new(P).acquire(io)).expect("acquire");
        assert!(fs.sleeps.borrow().is_empty());
        assert_eq!(held.mtime_ms(), fs.now.get());
    }

    #[test]
    fn an_abandoned_lock_becomes_stale_after_ten_seconds() {
        let fs = FakeFs::new();
        let start = fs.now.get();
        fs.put(P, start);
        // Exactly at the threshold it is still held (strict comparison).
        assert!(!DirLock::new(P).is_stale(start, start + 10_000.0));
        on!(&fs, io => DirLock::new(P).acquire(io)).expect("acquire");
        let waited = fs.now.get() - start;
        assert!(
            waited > 10_000.0 && waited <= 10_200.0,
            "waited {waited} ms"
        );
    }

    #[test]
    fn a_refreshed_lock_times_out() {
        let fs = FakeFs::new();
        let start = fs.now.get();
        fs.put(P, start);
        for i in 1..=8 {
            fs.at(5_000.0 * f64::from(i), Event::Touch(P.to_string()));
        }
        let err = on!(&fs, io => DirLock::new(P).acquire(io)).expect_err("must time out");
        assert_eq!(err.code, ErrorCode::LockTimeout);
        assert!(err.message.contains(P), "{}", err.message);
        assert_eq!(err.path.as_deref(), Some(P));
        assert_eq!(fs.now.get() - start, 30_000.0);
    }

    #[test]
    fn zero_timeout_makes_a_single_attempt() {
        let fs = FakeFs::new();
        fs.put(P, fs.now.get());
        let lock = DirLock {
            timeout_ms: 0.0,
            ..DirLock::new(P)
        };
        assert_eq!(
            on!(&fs, io => lock.acquire(io)).expect_err("held").code,
            ErrorCode::LockTimeout
        );
        assert!(fs.sleeps.borrow().is_empty());
    }

    #[test]
    fn refresh_bumps_the_mtime() {
        let fs = FakeFs::new();
        let lock = DirLock::new(P);
        let mut held = on!(&fs, io => lock.acquire(io)).expect("acquire");
        fs.advance(5_000.5);
        on!(&fs, io => lock.refresh(io, &mut held)).expect("refresh");
        assert_eq!(held.mtime_ms(), fs.now.get().floor());
        assert_eq!(fs.dirs.borrow()[P], held.mtime_ms());
        assert_eq!(held.last_update_ms(), fs.now.get());
        // A second-granularity file system: what it stored is what we compare against next.
        fs.mtime_granularity_ms.set(1_000.0);
        fs.advance(5_000.0);
        on!(&fs, io => lock.refresh(io, &mut held)).expect("refresh");
        assert_eq!(held.mtime_ms() % 1_000.0, 0.0);
        fs.advance(5_000.0);
        on!(&fs, io => lock.refresh(io, &mut held)).expect("refresh again");
        on!(&fs, io => lock.release(io, held)).expect("release");
    }

    #[test]
    fn a_write_confirms_the_lock_and_refreshes_it_only_when_due() {
        let fs = FakeFs::new();
        let lock = DirLock::new(P);
        let mut held = on!(&fs, io => lock.acquire(io)).expect("acquire");
        let taken = held.mtime_ms();
        fs.advance(1_000.0);
        on!(&fs, io => lock.confirm_before_write(io, &mut held)).expect("ours");
        assert_eq!(held.mtime_ms(), taken, "not due: no bump");
        fs.advance(5_000.0);
        on!(&fs, io => lock.confirm_before_write(io, &mut held)).expect("ours, due");
        assert_eq!(held.mtime_ms(), fs.now.get().floor());
        fs.at(1.0, Event::Touch(P.to_string()));
        fs.advance(10.0);
        let err = on!(&fs, io => lock.confirm_before_write(io, &mut held)).unwrap_err();
        assert_eq!(err.code, ErrorCode::LockCompromised);
    }

    #[test]
    fn refresh_detects_a_vanished_lock() {
        let fs = FakeFs::new();
        let lock = DirLock::new(P);
        let mut held = on!(&fs, io => lock.acquire(io)).expect("acquire");
        fs.remove_dir(P).expect("rm");
        assert_eq!(
            on!(&fs, io => lock.refresh(io, &mut held))
                .expect_err("gone")
                .code,
            ErrorCode::LockCompromised
        );
    }

    #[test]
    fn refresh_detects_a_takeover() {
        let fs = FakeFs::new();
        let lock = DirLock::new(P);
        let mut held = on!(&fs, io => lock.acquire(io)).expect("acquire");
        // Another process judged it stale, removed it and made its own.
        fs.advance(12_000.0);
        fs.put(P, fs.now.get());
        let err = on!(&fs, io => lock.refresh(io, &mut held)).expect_err("taken over");
        assert_eq!(err.code, ErrorCode::LockCompromised);
        assert!(err.message.contains(P));
    }

    #[test]
    fn refresh_errors_are_transient_until_the_stale_threshold() {
        let fs = FakeFs::new();
        let lock = DirLock::new(P);
        let mut held = on!(&fs, io => lock.acquire(io)).expect("acquire");
        fs.fail_set_mtime.set(true);
        fs.advance(5_000.0);
        assert_eq!(
            on!(&fs, io => lock.refresh(io, &mut held))
                .expect_err("transient")
                .code,
            ErrorCode::Storage
        );
        fs.advance(5_001.0);
        assert_eq!(
            on!(&fs, io => lock.refresh(io, &mut held))
                .expect_err("too late")
                .code,
            ErrorCode::LockCompromised
        );
    }

    #[test]
    fn release_leaves_someone_elses_lock_alone() {
        let fs = FakeFs::new();
        let lock = DirLock::new(P);
        let held = on!(&fs, io => lock.acquire(io)).expect("acquire");
        fs.advance(20_000.0);
        let theirs = fs.now.get();
        fs.put(P, theirs);
        assert_eq!(
            on!(&fs, io => lock.release(io, held))
                .expect_err("not ours")
                .code,
            ErrorCode::LockCompromised
        );
        assert_eq!(fs.dirs.borrow().get(P), Some(&theirs));
    }

    #[test]
    fn a_lock_vanishing_during_the_stale_check_is_retried_once() {
        /// Reports "exists" on the first mkdir but the directory is gone when stat'ed.
        struct Racy {
            inner: FakeFs,
            mkdirs: Cell<u32>,
        }
        impl LockFs for Racy {
            fn mkdir(&self, path: &str) -> Result<MkdirOutcome> {
                self.mkdirs.set(self.mkdirs.get() + 1);
                if self.mkdirs.get() == 1 {
                    return Ok(MkdirOutcome::Exists);
                }
                self.inner.mkdir(path)
            }
            fn mtime_ms(&self, path: &str) -> Result<Option<f64>> {
                self.inner.mtime_ms(path)
            }
            fn remove_dir(&self, path: &str) -> Result<()> {
                self.inner.remove_dir(path)
            }
            fn set_mtime_ms(&self, path: &str, ms: f64) -> Result<()> {
                self.inner.set_mtime_ms(path, ms)
            }
            fn now_ms(&self) -> f64 {
                self.inner.now_ms()
            }
            fn sleep_ms(&self, ms: u32) {
                self.inner.sleep_ms(ms)
            }
        }
        let fs = Racy {
            inner: FakeFs::new(),
            mkdirs: Cell::new(0),
        };
        assert!(on!(&fs, io => DirLock::new(P).try_acquire(io))
            .expect("try")
            .is_some());
        assert_eq!(fs.mkdirs.get(), 2);
    }
}
