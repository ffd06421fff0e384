//! Atomic replacement and the temporary files it uses.
//!
//! A replace writes `.<name>.<16 hex digits>.tmp` beside the file and renames it over the file.
//! A crash between the two leaves the temporary file behind, holding everything the file held
//! (API keys, for `provider-connections.json`). Files replaced under their lock have every such
//! leftover removed by the next writer: while it holds the lock, no other replace is in flight.

use super::ask::Io;
use super::request::{Blob, Location};
use crate::error::Result;

/// The temporary file name for replacing `name`, from 8 random bytes.
pub(crate) fn temp_name(name: &str, random: &[u8]) -> String {
    let hex: String = random.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(".{name}.{hex}.tmp")
}

/// Whether folder entry `entry` is a temporary file of a replace of `name` (this package's,
/// or an earlier version's `.<name>.<pid>.<random>.tmp`).
pub(crate) fn is_temp_of(name: &str, entry: &str) -> bool {
    entry
        .strip_prefix('.')
        .and_then(|rest| rest.strip_prefix(name))
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(|rest| rest.strip_suffix(".tmp"))
        .is_some_and(|tag| {
            !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.')
        })
}

/// Removes what crashed replaces of `at` left behind. Call only while holding `at`'s lock.
/// Cleaning is best effort: a folder that cannot be listed fails nothing.
pub(crate) async fn remove_leftovers(io: &Io, blob: Blob, at: &Location) {
    let Ok(names) = io.list_folder(blob, at.folder.clone()).await else {
        return;
    };
    for entry in names.into_iter().filter(|e| is_temp_of(&at.name, e)) {
        let _ = io.remove_file(blob, at.folder.clone(), entry).await;
    }
}

/// Replaces the file at `at` with `bytes` through a new temporary file.
pub(crate) async fn replace_file(
    io: &Io,
    blob: Blob,
    at: &Location,
    bytes: Vec<u8>,
    random: &[u8],
) -> Result<()> {
    io.replace(blob, at.clone(), temp_name(&at.name, random), bytes)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_recognised_and_nothing_else() {
        let name = "provider-connections.json";
        let temp = temp_name(name, &[0xab; 16]);
        assert_eq!(temp, ".provider-connections.json.abababababababab.tmp");
        assert!(is_temp_of(name, &temp));
        assert!(is_temp_of(
            name,
            ".provider-connections.json.4242.0a1b2c3d4e5f.tmp"
        ));
        for other in [
            name,
            ".provider-connections.json.tmp",
            ".provider-connections.json.backup.tmp",
            ".provider-connections.json.abab",
            "provider-connections.json.abab.tmp",
            ".provider-connections.json.lock",
            ".usage.jsonl.abab.tmp",
        ] {
            assert!(!is_temp_of(name, other), "{other}");
        }
    }
}
