//! Store operations as steps.
//!
//! Every store operation (append a usage line, bring the index up to date, read-modify-write
//! `provider-connections.json`, take and release the file lock) is written once, here in the
//! core, as an `async` sequence that *asks* for I/O and decides from what the host reports. The
//! core never performs I/O itself: an [`Operation`] pauses at each [`Request`] and is resumed
//! with the host's [`Reply`].
//!
//! Hosts are drivers of that one sequence:
//! - native Rust runs it synchronously over the [`ByteStorage`](crate::storage::ByteStorage)
//!   trait (every store method runs its steps to the end at once);
//! - the Node host awaits `fs/promises` between steps, so a lock wait or a large file never
//!   blocks the event loop;
//! - tests drive it through a simulated host that delays, fails, tears writes, steals the lock
//!   and crashes after any step (`core/tests/faults.rs`).
//!
//! No step assumes a local file: a request names a [`Blob`] (the data file, its saved index) or
//! a path the core derived from what the host reported ([`Location`]), so a networked host can
//! answer the same requests.

pub(crate) mod append;
mod ask;
pub(crate) mod document;
pub(crate) mod lock;
mod operation;
pub(crate) mod replace;
mod request;
mod sync_host;

pub(crate) use ask::{join, join_all, Io};
pub use lock::LockTiming;
pub use operation::{Operation, Step};
pub use request::{Blob, Location, Reply, Request};
pub(crate) use sync_host::Host;
#[cfg(test)]
pub(crate) use sync_host::{drive, perform_lock};
