//! What an operation asks of its host, and what the host answers.

use crate::error::Error;
use crate::storage::dir_lock::MkdirOutcome;
use crate::storage::BlobStat;

/// Which blob of a store a request is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Blob {
    /// The store's own file (`usage.jsonl`, `provider-connections.json`).
    Data,
    /// Derived data kept beside it (`usage.jsonl.pie-index`).
    SavedIndex,
    /// File `n` of a store that is a folder of numbered files (the request-details segments):
    /// the file named [`Blob::member_name`] inside the folder the store's [`Blob::Data`] names.
    Segment(u32),
}

impl Blob {
    /// The file name inside the store's folder of a [`Blob::Segment`] (`segment-000001.jsonl`),
    /// decided here so that hosts only join it to the folder; `None` for the other blobs.
    pub fn member_name(&self) -> Option<String> {
        match self {
            Blob::Segment(n) => Some(crate::details::segment_file_name(*n)),
            Blob::Data | Blob::SavedIndex => None,
        }
    }
}

/// Where a blob lives, as the host resolved it. Every other path (the lock directory, temporary
/// files) is derived from it by the core, so the naming rules exist once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The full path (symbolic links resolved as the request asked).
    pub path: String,
    /// The folder that holds it.
    pub folder: String,
    /// Its name within `folder`.
    pub name: String,
}

/// One I/O step. Hosts carry it out and answer with the [`Reply`] named in each variant.
#[derive(Debug, PartialEq)]
#[non_exhaustive]
pub enum Request {
    /// Size and version of the blob: [`Reply::Stat`] (`None` when missing).
    Stat(Blob),
    /// The whole blob: [`Reply::Bytes`] (`None` when missing).
    ReadAll(Blob),
    /// Fill `buf` from `offset`: [`Reply::Filled`] with the buffer and how many bytes were
    /// read (fewer only at the end of the blob; a missing blob reads 0).
    ReadAt {
        /// The blob it is about.
        blob: Blob,
        /// Where to start, in bytes.
        offset: u64,
        /// The buffer to fill (its length is how much to read).
        buf: Vec<u8>,
        /// See [`Request::Append::identity`].
        identity: Option<(u64, u64)>,
    },
    /// Append `bytes` in one write, creating the blob (mode 0600, folders 0700): [`Reply::Done`].
    Append {
        /// The blob it is about.
        blob: Blob,
        /// The bytes to write.
        bytes: Vec<u8>,
        /// The identity ([`BlobStat::identity`]) the blob had at this operation's last
        /// [`Request::Stat`] of it, if known. A host that keeps the blob open between
        /// operations may use a handle it opened on exactly that file instead of opening the
        /// blob again; otherwise (or with `None`) it opens the blob.
        identity: Option<(u64, u64)>,
    },
    /// Resolve the blob's location: [`Reply::Location`]. With `follow_links` a symbolic link
    /// is followed to its target (the reference's `writeFile` replaces the target and keeps the
    /// link); without, the link itself is meant (derived files never write through a link). A
    /// missing folder is created (0700).
    Locate {
        /// The blob it is about.
        blob: Blob,
        /// Whether a symbolic link is followed to its target.
        follow_links: bool,
    },
    /// Replace the file at `at` atomically: write `bytes` to `temp_name` in `at.folder`
    /// (created new, with the mode of the file it replaces or 0600), flush it to disk, rename it
    /// over `at.path` and flush the folder: [`Reply::Done`].
    Replace {
        /// The blob it is about.
        blob: Blob,
        /// The file to replace.
        at: Location,
        /// The new file in `at.folder` that is written, then renamed over the file.
        temp_name: String,
        /// The bytes to write.
        bytes: Vec<u8>,
    },
    /// The entry names of a folder: [`Reply::Names`] (empty when it has none or does not exist).
    ListFolder {
        /// The blob it is about.
        blob: Blob,
        /// The folder.
        folder: String,
    },
    /// Remove file `name` from `folder` (done if it is already gone): [`Reply::Done`].
    RemoveFile {
        /// The blob it is about.
        blob: Blob,
        /// The folder.
        folder: String,
        /// The file name in `folder`.
        name: String,
    },
    /// Create one directory (the lock): [`Reply::MakeDir`].
    MakeDir {
        /// The blob it is about.
        blob: Blob,
        /// The directory.
        path: String,
    },
    /// A directory's modification time: [`Reply::Mtime`] (`None` when missing).
    DirMtime {
        /// The blob it is about.
        blob: Blob,
        /// The directory.
        path: String,
    },
    /// Remove an empty directory (done if it is already gone): [`Reply::Done`].
    RemoveDir {
        /// The blob it is about.
        blob: Blob,
        /// The directory.
        path: String,
    },
    /// Set a directory's modification time: [`Reply::Done`].
    SetDirMtime {
        /// The blob it is about.
        blob: Blob,
        /// The directory.
        path: String,
        /// The time in epoch milliseconds.
        ms: f64,
    },
    /// The wall clock the host's file system stamps times with: [`Reply::Now`].
    Now,
    /// Wait `ms` milliseconds (without blocking other work where the host can): [`Reply::Done`].
    Sleep(u32),
    /// Several independent requests (two or more, never `All` themselves): carry them out in
    /// any order or at once, and answer [`Reply::All`] with their replies in the same order
    /// (each may be [`Reply::Failed`]). A host that runs requests one after the other may just
    /// do so.
    All(Vec<Request>),
}

impl Request {
    /// The request's kind, for messages and traces (never its data).
    pub fn kind(&self) -> &'static str {
        match self {
            Request::Stat(_) => "stat",
            Request::ReadAll(_) => "readAll",
            Request::ReadAt { .. } => "readAt",
            Request::Append { .. } => "append",
            Request::Locate { .. } => "locate",
            Request::Replace { .. } => "replace",
            Request::ListFolder { .. } => "listFolder",
            Request::RemoveFile { .. } => "removeFile",
            Request::MakeDir { .. } => "makeDir",
            Request::DirMtime { .. } => "dirMtime",
            Request::RemoveDir { .. } => "removeDir",
            Request::SetDirMtime { .. } => "setDirMtime",
            Request::Now => "now",
            Request::Sleep(_) => "sleep",
            Request::All(_) => "all",
        }
    }
}

/// The host's answer to a [`Request`].
#[derive(Debug, PartialEq)]
#[non_exhaustive]
pub enum Reply {
    /// The request was carried out.
    Done,
    /// The blob's size and version (`None`: missing).
    Stat(Option<BlobStat>),
    /// The blob's bytes (`None`: missing).
    Bytes(Option<Vec<u8>>),
    /// The buffer of a [`Request::ReadAt`], filled with this many bytes.
    Filled(Vec<u8>, usize),
    /// Where the blob lives.
    Location(Location),
    /// A folder's entry names.
    Names(Vec<String>),
    /// Whether `mkdir` created the directory or found it.
    MakeDir(MkdirOutcome),
    /// A directory's modification time (`None`: missing).
    Mtime(Option<f64>),
    /// The host's wall clock, epoch milliseconds.
    Now(f64),
    /// The request failed (the operation decides what that means).
    Failed(Error),
    /// The replies to a [`Request::All`], in its order.
    All(Vec<Reply>),
}
