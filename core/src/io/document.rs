//! A small JSON document file beside `provider-connections.json` (`pricing-overrides.json`,
//! `provider-quota.json`): read without writing or creating it, and changed by one
//! read-modify-write on the same steps as `provider-connections.json` (its lock, crash
//! leftovers removed, the lock confirmed before an atomic replace, mode 0600). Content that
//! cannot be parsed is the document's error (`PIE_CORRUPT_FILE`) and is never overwritten.

use super::lock::with_lock;
use super::replace::{remove_leftovers, replace_file};
use super::{Blob, Io, LockTiming};
use crate::env::Random;
use crate::error::Result;

/// A document's file form.
pub(crate) trait Document: Default + Sized {
    /// Parses the file's bytes (`name` for messages); anything unexpected is an error.
    fn from_file(bytes: &[u8], name: &str) -> Result<Self>;
    /// The file's bytes.
    fn to_file(&self) -> Vec<u8>;
}

/// Reads the document (a missing file is the default).
pub(crate) async fn read_document<D: Document>(io: &Io, name: &str) -> Result<D> {
    match io.read_all(Blob::Data).await? {
        None => Ok(D::default()),
        Some(bytes) => D::from_file(&bytes, name),
    }
}

/// One read-modify-write under the file's lock; the file is replaced only when `f` reports a
/// change, and only after the lock is confirmed.
pub(crate) async fn update_document<D: Document, T>(
    io: &Io,
    lock: LockTiming,
    random: &dyn Random,
    name: &str,
    f: impl FnOnce(&mut D) -> Result<(T, bool)>,
) -> Result<T> {
    with_lock(io, lock, async |held, at| {
        remove_leftovers(io, Blob::Data, at).await;
        let mut doc: D = read_document(io, name).await?;
        let (out, changed) = f(&mut doc)?;
        if changed {
            held.confirm(io).await?;
            replace_file(io, Blob::Data, at, doc.to_file(), &random.bytes16()).await?;
        }
        Ok(out)
    })
    .await
}
