//! [`ByteStorage`] over one file on the local file system.
//!
//! - Appends are a single `write` on a file opened in append mode, so concurrent appenders (in
//!   this or other processes) never interleave within one call.
//! - Replacement writes a temporary file next to the target, syncs it and renames it over the
//!   target, so readers see the old or the new bytes and a crash never leaves a torn file.
//! - The lock primitives of `proper-lockfile`'s directory lock ([`StdLockFs`]); the protocol and
//!   every name (lock directory, temporary files) are the core's (see [`crate::io`]).

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::dir_lock::{LockFs, MkdirOutcome};
use super::{BlobStat, ByteStorage};
use crate::error::{Error, Result};
use crate::io::Location;

/// Permission bits for files this storage creates: the connections file holds API keys.
#[cfg(unix)]
const NEW_FILE_MODE: u32 = 0o600;

/// One file, read and written as a [`ByteStorage`].
pub struct FileStorage {
    path: PathBuf,
    sync: bool,
}

impl FileStorage {
    /// The file at `path`; nothing is touched until the first operation.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStorage {
            path: path.into(),
            sync: false,
        }
    }

    /// Whether `append` fsyncs after writing. Off by default: a usage log can lose its last lines
    /// in a power cut without harm, and fsync per line is slow.
    pub fn with_sync(mut self, sync: bool) -> Self {
        self.sync = sync;
        self
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, action: &str, e: io::Error) -> Error {
        io_error(action, &self.path, e)
    }

    fn folder(&self) -> &Path {
        match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        }
    }

    fn create_parent(&self) -> Result<()> {
        let folder = self.folder();
        create_private_dirs(folder).map_err(|e| io_error("cannot create folder", folder, e))
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

/// A location from a resolved path (the folder and name as `str`: a path that is not valid
/// Unicode cannot be named to the core, so it is refused rather than converted lossily).
fn location_of(path: &Path, shown: &Path) -> Result<Location> {
    let not_unicode = || {
        Error::storage(format!("{}: path is not valid UTF-8", shown.display()))
            .with_path(display(shown))
    };
    let folder = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        Error::storage(format!("{}: not a file path", shown.display())).with_path(display(shown))
    })?;
    Ok(Location {
        path: path.to_str().ok_or_else(not_unicode)?.to_owned(),
        folder: folder.to_str().ok_or_else(not_unicode)?.to_owned(),
        name: name.to_str().ok_or_else(not_unicode)?.to_owned(),
    })
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

    fn locate(&self, follow_links: bool) -> Result<Location> {
        self.create_parent()?;
        if follow_links {
            match fs::canonicalize(&self.path) {
                Ok(resolved) => return location_of(&resolved, &self.path),
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(self.err("cannot resolve", e)),
            }
        }
        let folder = fs::canonicalize(self.folder())
            .map_err(|e| io_error("cannot resolve folder", self.folder(), e))?;
        let name = self.path.file_name().ok_or_else(|| {
            Error::storage(format!("{}: not a file path", self.path.display()))
                .with_path(display(&self.path))
        })?;
        location_of(&folder.join(name), &self.path)
    }

    fn replace_at(&self, at: &Location, temp_name: &str, bytes: &[u8]) -> Result<()> {
        let folder = Path::new(&at.folder);
        create_private_dirs(folder).map_err(|e| io_error("cannot create folder", folder, e))?;
        let target = folder.join(&at.name);
        // Keep an existing file's permission bits (never a link's: `symlink_metadata`).
        let mode = match fs::symlink_metadata(&target) {
            Ok(meta) if meta.is_file() => Some(meta.permissions()),
            Ok(_) => None,
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(io_error("cannot stat", &target, e)),
        };
        let tmp = folder.join(temp_name);
        if let Err(e) = self.write_temp(&target, &tmp, bytes, mode) {
            // The target was not touched; only our temporary file may be left over.
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        sync_dir(folder)
    }

    fn list_folder(&self, folder: &str) -> Result<Vec<String>> {
        let entries = match fs::read_dir(folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("cannot list", Path::new(folder), e)),
        };
        Ok(entries
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .collect())
    }

    fn remove_file(&self, folder: &str, name: &str) -> Result<()> {
        let path = Path::new(folder).join(name);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("cannot remove", &path, e)),
        }
    }

    fn member(&self, name: &str) -> Result<Box<dyn ByteStorage + '_>> {
        Ok(Box::new(FileStorage {
            path: self.path.join(name),
            sync: self.sync,
        }))
    }

    fn lock_fs(&self) -> &dyn LockFs {
        &StdLockFs
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

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// A storage error naming the file, with the OS error as its source, never the bytes involved.
fn io_error(action: &str, path: &Path, e: io::Error) -> Error {
    Error::storage(format!("{action} {}", path.display()))
        .with_file(display(path))
        .with_source(e)
}
