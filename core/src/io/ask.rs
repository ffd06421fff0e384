//! The channel between a paused operation and its host.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::request::{Blob, Location, Reply, Request};
use crate::error::{Error, Result};
use crate::storage::dir_lock::MkdirOutcome;
use crate::storage::BlobStat;

/// What an operation has asked and what it was told. One per running [`super::Operation`].
#[derive(Default)]
pub(crate) struct Io {
    slot: RefCell<Slot>,
}

#[derive(Default)]
enum Slot {
    #[default]
    Idle,
    Asked(Request),
    Waiting,
    Answered(Reply),
}

/// Pauses an operation once, so its driver can answer the request in the slot.
struct Pause(bool);

impl Future for Pause {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

fn unexpected(what: &str, reply: &Reply) -> Error {
    Error::storage(format!("the host answered {what} with {reply:?}"))
}

macro_rules! expect {
    ($self:ident, $request:expr, $what:literal, $pattern:pat => $out:expr) => {
        match $self.ask($request).await? {
            $pattern => Ok($out),
            other => Err(unexpected($what, &other)),
        }
    };
}

impl Io {
    /// The request the operation paused on, if any (the driver carries it out).
    pub(crate) fn take_request(&self) -> Option<Request> {
        let mut slot = self.slot.borrow_mut();
        match std::mem::take(&mut *slot) {
            Slot::Asked(request) => {
                *slot = Slot::Waiting;
                Some(request)
            }
            other => {
                *slot = other;
                None
            }
        }
    }

    /// The host's answer to the request taken last.
    pub(crate) fn answer(&self, reply: Reply) {
        *self.slot.borrow_mut() = Slot::Answered(reply);
    }

    /// Asks the host and waits for its answer; a failed request is an error.
    pub(crate) async fn ask(&self, request: Request) -> Result<Reply> {
        *self.slot.borrow_mut() = Slot::Asked(request);
        Pause(false).await;
        match std::mem::take(&mut *self.slot.borrow_mut()) {
            Slot::Answered(Reply::Failed(e)) => Err(e),
            Slot::Answered(reply) => Ok(reply),
            _ => Err(Error::storage(
                "the host resumed an operation without answering its request",
            )),
        }
    }

    pub(crate) async fn stat(&self, blob: Blob) -> Result<Option<BlobStat>> {
        expect!(self, Request::Stat(blob), "stat", Reply::Stat(s) => s)
    }

    pub(crate) async fn read_all(&self, blob: Blob) -> Result<Option<Vec<u8>>> {
        expect!(self, Request::ReadAll(blob), "readAll", Reply::Bytes(b) => b)
    }

    /// Fills `buf` from `offset`; returns it with the count read (short only at the end).
    pub(crate) async fn read_at(
        &self,
        blob: Blob,
        offset: u64,
        buf: Vec<u8>,
    ) -> Result<(Vec<u8>, usize)> {
        let len = buf.len();
        let (buf, n) = expect!(self, Request::ReadAt { blob, offset, buf }, "readAt",
            Reply::Filled(buf, n) => (buf, n))?;
        if buf.len() != len || n > len {
            return Err(Error::storage(
                "the host returned a read buffer of another size",
            ));
        }
        Ok((buf, n))
    }

    /// Up to `len` bytes at `offset`.
    pub(crate) async fn read_range(&self, blob: Blob, offset: u64, len: usize) -> Result<Vec<u8>> {
        let (mut buf, n) = self.read_at(blob, offset, vec![0; len]).await?;
        buf.truncate(n);
        Ok(buf)
    }

    pub(crate) async fn append(&self, blob: Blob, bytes: Vec<u8>) -> Result<()> {
        expect!(self, Request::Append { blob, bytes }, "append", Reply::Done => ())
    }

    pub(crate) async fn locate(&self, blob: Blob, follow_links: bool) -> Result<Location> {
        expect!(self, Request::Locate { blob, follow_links }, "locate", Reply::Location(l) => l)
    }

    pub(crate) async fn replace(
        &self,
        blob: Blob,
        at: Location,
        temp_name: String,
        bytes: Vec<u8>,
    ) -> Result<()> {
        expect!(self, Request::Replace { blob, at, temp_name, bytes }, "replace", Reply::Done => ())
    }

    pub(crate) async fn list_folder(&self, blob: Blob, folder: String) -> Result<Vec<String>> {
        expect!(self, Request::ListFolder { blob, folder }, "listFolder", Reply::Names(n) => n)
    }

    pub(crate) async fn remove_file(&self, blob: Blob, folder: String, name: String) -> Result<()> {
        expect!(self, Request::RemoveFile { blob, folder, name }, "removeFile", Reply::Done => ())
    }

    pub(crate) async fn make_dir(&self, blob: Blob, path: String) -> Result<MkdirOutcome> {
        expect!(self, Request::MakeDir { blob, path }, "makeDir", Reply::MakeDir(o) => o)
    }

    pub(crate) async fn dir_mtime(&self, blob: Blob, path: String) -> Result<Option<f64>> {
        expect!(self, Request::DirMtime { blob, path }, "dirMtime", Reply::Mtime(m) => m)
    }

    pub(crate) async fn remove_dir(&self, blob: Blob, path: String) -> Result<()> {
        expect!(self, Request::RemoveDir { blob, path }, "removeDir", Reply::Done => ())
    }

    pub(crate) async fn set_dir_mtime(&self, blob: Blob, path: String, ms: f64) -> Result<()> {
        expect!(self, Request::SetDirMtime { blob, path, ms }, "setDirMtime", Reply::Done => ())
    }

    pub(crate) async fn now(&self) -> Result<f64> {
        expect!(self, Request::Now, "now", Reply::Now(ms) => ms)
    }

    pub(crate) async fn sleep(&self, ms: u32) -> Result<()> {
        expect!(self, Request::Sleep(ms), "sleep", Reply::Done => ())
    }
}
