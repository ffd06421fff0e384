//! The steps of a chat JSON file (the config, an account's cache): a read that never writes,
//! and one locked read-modify-write on the same steps as `provider-connections.json` (lock,
//! leftover removal, lock confirmed, atomic replace, 0600). The file is replaced only when the
//! change gives new bytes; what cannot be parsed is never replaced (the caller's `change`
//! refuses it).

use crate::env::Random;
use crate::error::Result;
use crate::io::lock::with_lock;
use crate::io::replace::{remove_leftovers, replace_file};
use crate::io::{Blob, Io, LockTiming};

/// The store's data file read whole (`None`: missing).
pub(crate) async fn read_file(io: &Io) -> Result<Option<Vec<u8>>> {
    io.read_all(Blob::Data).await
}

/// One read-modify-write under the file's lock. `change` gets the current bytes and returns
/// its result and the new bytes, or `None` to leave the file as it is.
pub(crate) async fn change_file<T>(
    io: &Io,
    lock_timing: LockTiming,
    random: &dyn Random,
    change: impl FnOnce(Option<&[u8]>) -> Result<(T, Option<Vec<u8>>)>,
) -> Result<T> {
    with_lock(io, lock_timing, async |lock, at| {
        remove_leftovers(io, Blob::Data, at).await;
        let bytes = read_file(io).await?;
        let (out, write) = change(bytes.as_deref())?;
        if let Some(new) = write {
            lock.confirm(io).await?;
            replace_file(io, Blob::Data, at, new, &random.bytes16()).await?;
        }
        Ok(out)
    })
    .await
}
