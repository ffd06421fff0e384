//! Appending one line to a log under its lock: the usage log's protocol, shared by every
//! append-only file (the usage log, the chat channel logs).

use super::ask::Io;
use super::lock::with_lock_named;
use super::request::{Blob, Location};
use super::LockTiming;
use crate::error::Result;

/// Appends `line` and its newline in one write, under the lock `lock_path` names. If the file
/// ends without a newline (a torn write from a crash), the torn line is terminated first so the
/// new line never glues onto garbage. The tail check and the append run under the lock: a
/// concurrent append can be observed half-copied by the kernel, which would look torn.
pub(crate) async fn append_line(
    io: &Io,
    timing: LockTiming,
    lock_path: fn(&Location) -> String,
    line: Vec<u8>,
) -> Result<()> {
    // The torn-tail check starts as soon as the lock is ours, beside the lock's read-back; the
    // lock's confirmation stays the last step before the write.
    let torn = || async {
        Ok(match io.stat(Blob::Data).await? {
            Some(stat) if stat.size > 0 => {
                io.read_range(Blob::Data, stat.size - 1, 1).await? != b"\n"
            }
            _ => false,
        })
    };
    with_lock_named(
        io,
        timing,
        lock_path,
        torn,
        async |lock, _, torn: Result<bool>| {
            let torn = torn?;
            lock.confirm(io).await?;
            let mut buf = Vec::with_capacity(line.len() + 2);
            if torn {
                buf.push(b'\n');
            }
            buf.extend_from_slice(&line);
            buf.push(b'\n');
            lock.last_write(io, io.append(Blob::Data, buf)).await
        },
    )
    .await
}
