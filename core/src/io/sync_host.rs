//! The synchronous driver: native hosts answer each step at once through [`ByteStorage`] and
//! [`LockFs`].

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::ask::Io;
use super::request::{Blob, Reply, Request};
use crate::error::{Error, Result};
use crate::storage::dir_lock::LockFs;
use crate::storage::ByteStorage;

/// Runs an operation written against `io` to the end, answering each request with `perform`.
pub(crate) fn drive<T>(
    io: &Io,
    future: impl Future<Output = Result<T>>,
    mut perform: impl FnMut(Request) -> Reply,
) -> Result<T> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        let Some(request) = io.take_request() else {
            return Err(Error::storage("an operation paused without asking for I/O"));
        };
        io.answer(perform(request));
    }
}

/// The storages of one store, by [`Blob`].
pub(crate) struct Host<'s> {
    pub(crate) data: &'s dyn ByteStorage,
    pub(crate) saved_index: Option<&'s dyn ByteStorage>,
}

impl<'s> Host<'s> {
    /// A store with one blob.
    pub(crate) fn of(data: &'s dyn ByteStorage) -> Self {
        Host {
            data,
            saved_index: None,
        }
    }

    /// Runs `f` on the storage of `blob`: one of the store's, or a member file of its folder.
    fn on<T>(&self, blob: Blob, f: impl FnOnce(&dyn ByteStorage) -> Result<T>) -> Result<T> {
        match blob {
            Blob::Data => f(self.data),
            Blob::SavedIndex => f(self
                .saved_index
                .ok_or_else(|| Error::storage("this store keeps no saved index"))?),
            Blob::Segment(_) => {
                let name = blob.member_name().unwrap_or_default();
                f(self.data.member(&name)?.as_ref())
            }
        }
    }

    /// Runs `future` to the end against these storages.
    pub(crate) fn run<T>(&self, io: &Io, future: impl Future<Output = Result<T>>) -> Result<T> {
        drive(io, future, |request| self.perform(request))
    }

    /// Carries out one request.
    pub(crate) fn perform(&self, request: Request) -> Reply {
        let done = |r: Result<()>| r.map_or_else(Reply::Failed, |()| Reply::Done);
        let out = match request {
            Request::Stat(b) => self.on(b, |s| s.stat()).map(Reply::Stat),
            Request::ReadAll(b) => self.on(b, |s| s.read_all()).map(Reply::Bytes),
            // Native storages open the file for each call: the identity is not needed.
            Request::ReadAt {
                blob,
                offset,
                mut buf,
                ..
            } => self
                .on(blob, |s| s.read_into(offset, &mut buf))
                .map(|n| Reply::Filled(buf, n)),
            Request::Append { blob, bytes, .. } => Ok(done(self.on(blob, |s| s.append(&bytes)))),
            Request::Locate { blob, follow_links } => self
                .on(blob, |s| s.locate(follow_links))
                .map(Reply::Location),
            Request::Replace {
                blob,
                at,
                temp_name,
                bytes,
            } => Ok(done(
                self.on(blob, |s| s.replace_at(&at, &temp_name, &bytes)),
            )),
            Request::ListFolder { blob, folder } => {
                self.on(blob, |s| s.list_folder(&folder)).map(Reply::Names)
            }
            Request::RemoveFile { blob, folder, name } => {
                Ok(done(self.on(blob, |s| s.remove_file(&folder, &name))))
            }
            lock @ (Request::MakeDir { blob, .. }
            | Request::DirMtime { blob, .. }
            | Request::RemoveDir { blob, .. }
            | Request::SetDirMtime { blob, .. }) => {
                self.on(blob, |s| Ok(perform_lock(s.lock_fs(), lock)))
            }
            // The clock is the data file's storage's.
            clock @ (Request::Now | Request::Sleep(_)) => {
                Ok(perform_lock(self.data.lock_fs(), clock))
            }
            // One after the other.
            Request::All(requests) => Ok(Reply::All(
                requests.into_iter().map(|r| self.perform(r)).collect(),
            )),
        };
        out.unwrap_or_else(Reply::Failed)
    }
}

/// Answers the lock and clock steps through `fs`.
pub(crate) fn perform_lock(fs: &dyn LockFs, request: Request) -> Reply {
    let done = |r: Result<()>| r.map_or_else(Reply::Failed, |()| Reply::Done);
    let out = match request {
        Request::MakeDir { path, .. } => fs.mkdir(&path).map(Reply::MakeDir),
        Request::DirMtime { path, .. } => fs.mtime_ms(&path).map(Reply::Mtime),
        Request::RemoveDir { path, .. } => Ok(done(fs.remove_dir(&path))),
        Request::SetDirMtime { path, ms, .. } => Ok(done(fs.set_mtime_ms(&path, ms))),
        Request::Now => Ok(Reply::Now(fs.now_ms())),
        Request::Sleep(ms) => {
            fs.sleep_ms(ms);
            Ok(Reply::Done)
        }
        other => Err(Error::storage(format!(
            "{} is not a lock request",
            other.kind()
        ))),
    };
    out.unwrap_or_else(Reply::Failed)
}
