//! What `pie-storage doctor` judges about the files of an agent directory: the rules, not the
//! reading (the host lists the folder, stats and reads the files and asks these).
//!
//! ```
//! use pie_storage_core::doctor::{lock_is_stale, mode_problem, EntryKind};
//! assert!(lock_is_stale(0.0, 10_001.0));
//! assert!(!lock_is_stale(0.0, 10_000.0));
//! assert_eq!(mode_problem(0o600, EntryKind::File), None);
//! assert!(mode_problem(0o644, EntryKind::File).is_some());
//! ```

use serde::Serialize;

use crate::storage::dir_lock::{DirLock, DEFAULT_STALE_MS};

pub use crate::usage::{saved_index_health, SavedIndexHealth};

/// Whether a `.lock` directory last refreshed at `mtime_ms` is stale at `now_ms`: the rule the
/// stores use before taking a lock over (older than the 10 s stale time).
pub fn lock_is_stale(mtime_ms: f64, now_ms: f64) -> bool {
    DirLock {
        lock_path: String::new(),
        stale_ms: DEFAULT_STALE_MS,
        timeout_ms: 0.0,
    }
    .is_stale(mtime_ms, now_ms)
}

/// A file or a folder of the agent directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file (the stores create them 0600).
    File,
    /// A folder (created 0700).
    Folder,
}

/// What is wrong with a permission mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModeProblem {
    /// The mode found (permission bits), as octal text (`"644"`).
    pub found: String,
    /// The mode the stores create (`"600"` or `"700"`).
    pub expected: String,
    /// What it allows that it should not.
    pub message: String,
}

/// `None` when `mode` gives nothing to the group or others (what the stores create: files
/// 0600, folders 0700; the owner's own bits are the owner's business); else what is open.
pub fn mode_problem(mode: u32, kind: EntryKind) -> Option<ModeProblem> {
    let bits = mode & 0o777;
    let open = bits & 0o077;
    if open == 0 {
        return None;
    }
    let expected = match kind {
        EntryKind::File => "600",
        EntryKind::Folder => "700",
    };
    let who = match (open & 0o070 != 0, open & 0o007 != 0) {
        (true, true) => "the group and others",
        (true, false) => "the group",
        _ => "others",
    };
    Some(ModeProblem {
        found: format!("{bits:o}"),
        expected: expected.to_owned(),
        message: format!("{who} can access it (mode {bits:o}, expected {expected})"),
    })
}
