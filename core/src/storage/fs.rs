//! [`ByteStorage`] over one file on the local file system.
//!
//! - Appends are a single `write` on a file opened in append mode, so concurrent appenders (in
//!   this or other processes) never interleave within one call.
//! - Replacement writes a temporary file next to the target, syncs it and renames it over the
//!   target, so readers see the old or the new bytes and a crash never leaves a torn file.
//! - The lock is `proper-lockfile`'s directory lock (see [`super::dir_lock`]), so Rust and Node
//!   writers of the same folder exclude each other.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::dir_lock::{
    DirLock, HeldLock, LockFs, MkdirOutcome, DEFAULT_STALE_MS, DEFAULT_TIMEOUT_MS, REFRESH_RETRY_MS,
};
use super::{BlobStat, ByteStorage};
use crate::error::{Error, ErrorCode, Result};

/// Permission bits for files this storage creates: the connections file holds API keys.
#[cfg(unix)]
const NEW_FILE_MODE: u32 = 0o600;

/// One file, read and written as a [`ByteStorage`].
///
/// Locks are per thread and not re-entrant: `lock` on a thread that already holds the lock fails
/// at once instead of waiting for itself, and `unlock` must be called on the thread that locked.
/// Locks still held when the storage is dropped are released.
pub struct FileStorage {
    path: PathBuf,
    sync: bool,
    stale_ms: f64,
    timeout_ms: f64,
    holders: Mutex<HashMap<ThreadId, Holder>>,
}

/// A held lock and the thread that keeps it fresh.
struct Holder {
    lock: DirLock,
    shared: Arc<(Mutex<RefreshState>, Condvar)>,
    refresher: Option<JoinHandle<()>>,
}

struct RefreshState {
    held: Option<HeldLock>,
    stop: bool,
    compromised: Option<Error>,
}

impl FileStorage {
    /// The file at `path`; nothing is touched until the first operation.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStorage {
            path: path.into(),
            sync: false,
            stale_ms: DEFAULT_STALE_MS,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            holders: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `append` fsyncs after writing. Off by default: a usage log can lose its last lines
    /// in a power cut without harm, and fsync per line is slow.
    pub fn with_sync(mut self, sync: bool) -> Self {
        self.sync = sync;
        self
    }

    /// How long `lock` waits for another holder (default 30 s).
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.timeout_ms = timeout.as_secs_f64() * 1000.0;
        self
    }

    /// Age after which an unrefreshed lock is taken over (default 10 s, proper-lockfile's). All
    /// processes sharing the file should agree on it; holders refresh every half of it.
    pub fn with_lock_stale(mut self, stale: Duration) -> Self {
        self.stale_ms = stale.as_secs_f64() * 1000.0;
        self
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, action: &str, e: io::Error) -> Error {
        io_error(action, &self.path, e)
    }

    fn create_parent(&self) -> Result<()> {
        match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => {
                create_private_dirs(parent).map_err(|e| io_error("cannot create folder", parent, e))
            }
            _ => Ok(()),
        }
    }

    /// The lock directory, named as `proper-lockfile` names it with its default `realpath: true`:
    /// next to the symlink-resolved file. proper-lockfile cannot lock a missing file that way, so
    /// for one we resolve the folder instead, which equals its `realpath: false` path whenever the
    /// folder path has no symlinks.
    fn lock_path(&self) -> Result<String> {
        let resolved = match fs::canonicalize(&self.path) {
            Ok(p) => p,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let parent = match self.path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                let name = self.path.file_name().ok_or_else(|| {
                    Error::storage(format!(
                        "cannot lock {}: not a file path",
                        self.path.display()
                    ))
                    .with_path(display(&self.path))
                })?;
                fs::canonicalize(parent)
                    .map_err(|e| io_error("cannot resolve folder", parent, e))?
                    .join(name)
            }
            Err(e) => return Err(self.err("cannot resolve", e)),
        };
        // A path that is not valid Unicode cannot be named to `LockFs`; refuse rather than lock a
        // different (lossily converted) directory than other processes do.
        match resolved.to_str() {
            Some(p) => Ok(format!("{p}.lock")),
            None => Err(Error::storage(format!(
                "cannot lock {}: path is not valid UTF-8",
                self.path.display()
            ))
            .with_path(display(&self.path))),
        }
    }

    fn holders(&self) -> MutexGuard<'_, HashMap<ThreadId, Holder>> {
        self.holders.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn write_temp(
        &self,
        target: &Path,
        tmp: &Path,
        bytes: &[u8],
        mode: Option<fs::Permissions>,
    ) -> Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(NEW_FILE_MODE);
        }
        let mut file = options
            .open(tmp)
            .map_err(|e| io_error("cannot create temporary file", tmp, e))?;
        if let Some(perms) = mode {
            file.set_permissions(perms)
                .map_err(|e| io_error("cannot set permissions of", tmp, e))?;
        }
        file.write_all(bytes)
            .map_err(|e| io_error("cannot write temporary file", tmp, e))?;
        file.sync_all()
            .map_err(|e| io_error("cannot sync temporary file", tmp, e))?;
        drop(file);
        fs::rename(tmp, target)
            .map_err(|e| io_error("cannot rename temporary file over", target, e))
    }
}

impl ByteStorage for FileStorage {
    fn name(&self) -> Option<String> {
        Some(self.path.display().to_string())
    }

    fn read_all(&self) -> Result<Option<Vec<u8>>> {
        match fs::read(&self.path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.err("cannot read", e)),
        }
    }

    fn read_range(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        let mut file = match File::open(&self.path) {
            Ok(f) => f,
            // Like a missing blob in memory: nothing to read.
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.err("cannot open", e)),
        };
        let size = file
            .metadata()
            .map_err(|e| self.err("cannot stat", e))?
            .len();
        if offset >= size {
            // Also keeps offsets past `i64::MAX`, which `lseek` rejects, out of the seek.
            return Ok(Vec::new());
        }
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| self.err("cannot seek in", e))?;
        // `len` comes from callers; grow as data arrives instead of allocating it up front.
        let mut out = Vec::with_capacity(len.min(64 * 1024));
        let limit = u64::try_from(len).unwrap_or(u64::MAX);
        file.take(limit)
            .read_to_end(&mut out)
            .map_err(|e| self.err("cannot read", e))?;
        Ok(out)
    }

    #[cfg(unix)]
    fn read_into(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        use std::os::unix::fs::FileExt;
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(self.err("cannot open", e)),
        };
        let mut filled = 0;
        while filled < buf.len() {
            let Some(at) = offset.checked_add(filled as u64) else {
                break;
            };
            match file.read_at(&mut buf[filled..], at) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(self.err("cannot read", e)),
            }
        }
        Ok(filled)
    }

    fn size(&self) -> Result<Option<u64>> {
        match fs::metadata(&self.path) {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.err("cannot stat", e)),
        }
    }

    fn stat(&self) -> Result<Option<BlobStat>> {
        let m = match fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.err("cannot stat", e)),
        };
        #[cfg(unix)]
        let identity = {
            use std::os::unix::fs::MetadataExt;
            Some((m.dev(), m.ino()))
        };
        #[cfg(not(unix))]
        let identity = None;
        let modified_ms = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs_f64() * 1000.0);
        Ok(Some(BlobStat {
            size: m.len(),
            identity,
            modified_ms,
        }))
    }

    fn append(&self, bytes: &[u8]) -> Result<()> {
        self.create_parent()?;
        let mut options = OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(NEW_FILE_MODE);
        }
        let mut file = options
            .open(&self.path)
            .map_err(|e| self.err("cannot open for append", e))?;
        if !bytes.is_empty() {
            // Exactly one write: a retry loop could interleave our tail with another appender's
            // line, so a short write is reported instead of completed.
            let written = file
                .write(bytes)
                .map_err(|e| self.err("cannot append to", e))?;
            if written != bytes.len() {
                return Err(Error::storage(format!(
                    "short write appending to {}: {written} of {} bytes",
                    self.path.display(),
                    bytes.len()
                ))
                .with_path(display(&self.path)));
            }
        }
        if self.sync {
            file.sync_data().map_err(|e| self.err("cannot sync", e))?;
        }
        Ok(())
    }

    fn replace(&self, bytes: &[u8]) -> Result<()> {
        self.create_parent()?;
        // Replace the file a symlink points to, not the link (as npm's write-file-atomic does), and
        // keep an existing file's permission bits.
        let (target, mode) = match fs::metadata(&self.path) {
            Ok(meta) => (
                fs::canonicalize(&self.path).map_err(|e| self.err("cannot resolve", e))?,
                Some(meta.permissions()),
            ),
            Err(e) if e.kind() == ErrorKind::NotFound => (self.path.clone(), None),
            Err(e) => return Err(self.err("cannot stat", e)),
        };
        let folder = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target.file_name().ok_or_else(|| {
            Error::storage(format!(
                "cannot replace {}: not a file path",
                self.path.display()
            ))
            .with_path(display(&self.path))
        })?;
        // Same folder as the target, so the rename stays on one file system and is atomic.
        let tmp = folder.join(format!(
            ".{}.{}.{:016x}.tmp",
            name.to_string_lossy(),
            std::process::id(),
            temp_suffix()
        ));
        if let Err(e) = self.write_temp(&target, &tmp, bytes, mode) {
            // The target was not touched; only our temporary file may be left over.
            let _ = fs::remove_file(&tmp);
            return Err(e.with_path(display(&self.path)));
        }
        sync_dir(&folder).map_err(|e| e.with_path(display(&self.path)))
    }

    fn lock(&self) -> Result<()> {
        let me = thread::current().id();
        if self.holders().contains_key(&me) {
            return Err(Error::storage(format!(
                "lock on {} is already held by this thread (locks are not re-entrant)",
                self.path.display()
            ))
            .with_path(display(&self.path)));
        }
        // proper-lockfile cannot mkdir `<file>.lock` in a missing folder; create it like append does.
        self.create_parent()?;
        let lock = DirLock {
            lock_path: self.lock_path()?,
            stale_ms: self.stale_ms,
            timeout_ms: self.timeout_ms,
        };
        let held = lock.acquire(&StdLockFs)?;
        let shared = Arc::new((
            Mutex::new(RefreshState {
                held: Some(held),
                stop: false,
                compromised: None,
            }),
            Condvar::new(),
        ));
        let refresher = {
            let (lock, shared) = (lock.clone(), Arc::clone(&shared));
            thread::Builder::new()
                .name("pie-lock-refresh".into())
                .spawn(move || refresh_loop(&lock, &shared))
        };
        match refresher {
            Ok(handle) => {
                self.holders().insert(
                    me,
                    Holder {
                        lock,
                        shared,
                        refresher: Some(handle),
                    },
                );
                Ok(())
            }
            Err(e) => {
                if let Some(held) = state(&shared).held.take() {
                    let _ = lock.release(&StdLockFs, held);
                }
                Err(self.err("cannot start the lock refresher for", e))
            }
        }
    }

    fn unlock(&self) -> Result<()> {
        let holder = self.holders().remove(&thread::current().id());
        match holder {
            Some(holder) => holder.release(),
            None => Err(Error::storage(format!(
                "lock on {} is not held by this thread",
                self.path.display()
            ))
            .with_path(display(&self.path))),
        }
    }
}

impl Holder {
    /// Stops the refresher, then removes the lock directory unless the lock was lost meanwhile.
    fn release(mut self) -> Result<()> {
        {
            let (mutex, cvar) = &*self.shared;
            mutex.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
            cvar.notify_all();
        }
        if let Some(handle) = self.refresher.take() {
            let _ = handle.join();
        }
        let (held, compromised) = {
            let mut st = state(&self.shared);
            (st.held.take(), st.compromised.take())
        };
        if let Some(e) = compromised {
            return Err(e);
        }
        match held {
            Some(held) => self.lock.release(&StdLockFs, held),
            None => Err(Error::new(
                ErrorCode::LockCompromised,
                format!("lock {} was lost", self.lock.lock_path),
            )
            .with_path(self.lock.lock_path.clone())),
        }
    }
}

impl Drop for FileStorage {
    fn drop(&mut self) {
        // Like proper-lockfile's exit handler: do not leave our locks behind to go stale.
        let holders: Vec<Holder> = self.holders().drain().map(|(_, h)| h).collect();
        for holder in holders {
            let _ = holder.release();
        }
    }
}

fn state(shared: &(Mutex<RefreshState>, Condvar)) -> MutexGuard<'_, RefreshState> {
    shared.0.lock().unwrap_or_else(|e| e.into_inner())
}

/// Bumps the lock's mtime every update interval until told to stop or the lock is compromised.
fn refresh_loop(lock: &DirLock, shared: &(Mutex<RefreshState>, Condvar)) {
    let interval = Duration::from_secs_f64(lock.update_interval_ms() / 1000.0);
    let retry = Duration::from_secs_f64(REFRESH_RETRY_MS / 1000.0);
    let mut delay = interval;
    let mut st = state(shared);
    loop {
        let deadline = Instant::now() + delay;
        loop {
            if st.stop {
                return;
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            st = shared
                .1
                .wait_timeout(st, deadline - now)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        let Some(held) = st.held.as_mut() else { return };
        match lock.refresh(&StdLockFs, held) {
            Ok(()) => delay = interval,
            Err(e) if e.code == ErrorCode::LockCompromised => {
                st.compromised = Some(e);
                return;
            }
            Err(_) => delay = retry,
        }
    }
}

/// [`LockFs`] over `std::fs` and the system clock.
pub struct StdLockFs;

impl LockFs for StdLockFs {
    fn mkdir(&self, path: &str) -> Result<MkdirOutcome> {
        match fs::create_dir(path) {
            Ok(()) => Ok(MkdirOutcome::Created),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(MkdirOutcome::Exists),
            Err(e) => Err(io_error("cannot create lock", Path::new(path), e)),
        }
    }

    fn mtime_ms(&self, path: &str) -> Result<Option<f64>> {
        let modified = match fs::metadata(path).and_then(|m| m.modified()) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("cannot stat lock", Path::new(path), e)),
        };
        Ok(Some(system_time_ms(modified)))
    }

    fn remove_dir(&self, path: &str) -> Result<()> {
        match fs::remove_dir(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("cannot remove lock", Path::new(path), e)),
        }
    }

    fn set_mtime_ms(&self, path: &str, ms: f64) -> Result<()> {
        let p = Path::new(path);
        let time = Duration::try_from_secs_f64(ms / 1000.0)
            .ok()
            .and_then(|d| UNIX_EPOCH.checked_add(d))
            .ok_or_else(|| {
                Error::storage(format!(
                    "cannot set mtime of lock {path}: time {ms} out of range"
                ))
                .with_path(path)
            })?;
        let dir = open_dir_for_times(p).map_err(|e| io_error("cannot open lock", p, e))?;
        dir.set_modified(time)
            .map_err(|e| io_error("cannot set mtime of lock", p, e))
    }

    fn now_ms(&self) -> f64 {
        system_time_ms(SystemTime::now())
    }

    fn sleep_ms(&self, ms: u32) {
        thread::sleep(Duration::from_millis(u64::from(ms)));
    }
}

#[cfg(not(windows))]
fn open_dir_for_times(path: &Path) -> io::Result<File> {
    // A read-only handle suffices: futimens needs ownership, not write access.
    File::open(path)
}

#[cfg(windows)]
fn open_dir_for_times(path: &Path) -> io::Result<File> {
    use std::os::windows::fs::OpenOptionsExt;
    const FILE_WRITE_ATTRIBUTES: u32 = 0x0100;
    const FILE_FLAG_BACKUP_SEMANTICS: u32 = 0x0200_0000;
    OpenOptions::new()
        .access_mode(FILE_WRITE_ATTRIBUTES)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
        .open(path)
}

/// Milliseconds since the epoch, negative before it, like JavaScript's `mtimeMs`.
fn system_time_ms(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64() * 1000.0,
        Err(e) => -(e.duration().as_secs_f64() * 1000.0),
    }
}

/// Creates `folder` and its missing parents as 0700: the agent folder holds credentials, and a
/// folder others can write to lets them plant links beside its files. Existing folders keep
/// their mode.
fn create_private_dirs(folder: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(folder)
}

/// Makes a completed rename durable. Some file systems cannot fsync a folder; that only weakens
/// durability, so it is not an error.
#[cfg(unix)]
fn sync_dir(folder: &Path) -> Result<()> {
    let dir = File::open(folder).map_err(|e| io_error("cannot open folder", folder, e))?;
    match dir.sync_all() {
        Ok(()) => Ok(()),
        Err(e) if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::Unsupported) => Ok(()),
        Err(e) => Err(io_error("cannot sync folder", folder, e)),
    }
}

/// Windows has no folder fsync; `MoveFileEx` is already durable enough there.
#[cfg(not(unix))]
fn sync_dir(_folder: &Path) -> Result<()> {
    Ok(())
}

/// A name suffix that is unpredictable across processes and unique within this one.
fn temp_suffix() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // Without OS randomness the pid in the name and the counter still keep names unique here, and
    // `create_new` refuses to reuse a name left behind by someone else.
    getrandom::u64().unwrap_or_else(|_| system_time_ms(SystemTime::now()).to_bits()) ^ n
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// A storage error naming the file, with the OS error as its source, never the bytes involved.
fn io_error(action: &str, path: &Path, e: io::Error) -> Error {
    Error::storage(format!("{action} {}", path.display()))
        .with_file(display(path))
        .with_source(e)
}
