//! The channel between a paused operation and its host.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

use super::request::{Blob, Location, Reply, Request};
use crate::error::{Error, Result};
use crate::storage::dir_lock::MkdirOutcome;
use crate::storage::BlobStat;

/// What an operation has asked and what it was told. One per running [`super::Operation`].
#[derive(Default)]
pub(crate) struct Io {
    asks: RefCell<Asks>,
    /// Each blob's identity at its last stat in this operation: reads and appends name that
    /// file, so a host may use a handle it kept open on it ([`Request::Append`]).
    identities: Cell<[Option<(u64, u64)>; 2]>,
}

/// The requests of an operation, by ticket: one at a time, or several at once where parts of
/// the operation run side by side ([`join`]).
#[derive(Default)]
struct Asks {
    next: u64,
    /// Asked, not yet handed to the host.
    asked: Vec<(u64, Request)>,
    /// Handed to the host, in the order of its answer.
    waiting: Vec<u64>,
    /// Answered, not yet taken by the part that asked.
    answered: Vec<(u64, Reply)>,
}

/// Waits for the answer to one ticket: it comes with the next resume of the operation.
struct Answer<'a> {
    io: &'a Io,
    ticket: u64,
    paused: bool,
}

impl Future for Answer<'_> {
    type Output = Result<Reply>;
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<Reply>> {
        let mut asks = self.io.asks.borrow_mut();
        if let Some(at) = asks.answered.iter().position(|(t, _)| *t == self.ticket) {
            return Poll::Ready(Ok(asks.answered.swap_remove(at).1));
        }
        drop(asks);
        if self.paused {
            return Poll::Ready(Err(Error::storage(
                "the host resumed an operation without answering its request",
            )));
        }
        self.paused = true;
        Poll::Pending
    }
}

/// Runs two parts of an operation side by side: the requests they ask at the same time go to
/// the host together ([`Request::All`]), so their round trips overlap.
pub(crate) async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut out_a, mut out_b) = (None, None);
    poll_fn(|cx| {
        if out_a.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                out_a = Some(v);
            }
        }
        if out_b.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                out_b = Some(v);
            }
        }
        match (out_a.take(), out_b.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                (out_a, out_b) = (a, b);
                Poll::Pending
            }
        }
    })
    .await
}

/// Runs many parts of an operation side by side (as [`join`]): their requests go to the host
/// together, so reading many small ranges costs one round trip.
pub(crate) async fn join_all<F: Future>(parts: Vec<F>) -> Vec<F::Output> {
    let mut parts: Vec<Pin<Box<F>>> = parts.into_iter().map(Box::pin).collect();
    let mut outs: Vec<Option<F::Output>> = parts.iter().map(|_| None).collect();
    poll_fn(|cx| {
        for (part, out) in parts.iter_mut().zip(outs.iter_mut()) {
            if out.is_none() {
                if let Poll::Ready(v) = part.as_mut().poll(cx) {
                    *out = Some(v);
                }
            }
        }
        if outs.iter().all(Option::is_some) {
            Poll::Ready(outs.iter_mut().filter_map(Option::take).collect())
        } else {
            Poll::Pending
        }
    })
    .await
}

/// Where a blob's identity is kept; segments keep none (hosts open them for each request).
fn blob_slot(blob: Blob) -> Option<usize> {
    match blob {
        Blob::Data => Some(0),
        Blob::SavedIndex => Some(1),
        Blob::Segment(_) => None,
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
    /// The requests the operation paused on (the driver carries them out: one, or several as
    /// one [`Request::All`]).
    pub(crate) fn take_request(&self) -> Option<Request> {
        let mut asks = self.asks.borrow_mut();
        let asked = std::mem::take(&mut asks.asked);
        asks.waiting = asked.iter().map(|(t, _)| *t).collect();
        let mut requests: Vec<Request> = asked.into_iter().map(|(_, r)| r).collect();
        match requests.len() {
            0 => None,
            1 => requests.pop(),
            _ => Some(Request::All(requests)),
        }
    }

    /// The host's answer to the request taken last.
    pub(crate) fn answer(&self, reply: Reply) {
        let mut asks = self.asks.borrow_mut();
        let waiting = std::mem::take(&mut asks.waiting);
        let replies = match (waiting.len(), reply) {
            (1, reply) => vec![reply],
            (n, Reply::All(replies)) if replies.len() == n => replies,
            (n, Reply::Failed(e)) => (0..n).map(|_| Reply::Failed(e.clone())).collect(),
            (n, other) => {
                let e = unexpected(&format!("{n} requests at once"), &other);
                (0..n).map(|_| Reply::Failed(e.clone())).collect()
            }
        };
        asks.answered.extend(waiting.into_iter().zip(replies));
    }

    /// Asks the host and waits for its answer; a failed request is an error.
    pub(crate) async fn ask(&self, request: Request) -> Result<Reply> {
        let ticket = {
            let mut asks = self.asks.borrow_mut();
            let ticket = asks.next;
            asks.next += 1;
            asks.asked.push((ticket, request));
            ticket
        };
        let answer = Answer {
            io: self,
            ticket,
            paused: false,
        };
        match answer.await? {
            Reply::Failed(e) => Err(e),
            reply => Ok(reply),
        }
    }

    pub(crate) async fn stat(&self, blob: Blob) -> Result<Option<BlobStat>> {
        self.set_identity(blob, None);
        let stat = expect!(self, Request::Stat(blob), "stat", Reply::Stat(s) => s)?;
        self.set_identity(blob, stat.and_then(|s| s.identity));
        Ok(stat)
    }

    /// The blob's identity at its last stat in this operation (`None`: not known).
    fn identity(&self, blob: Blob) -> Option<(u64, u64)> {
        blob_slot(blob).and_then(|slot| self.identities.get()[slot])
    }

    fn set_identity(&self, blob: Blob, identity: Option<(u64, u64)>) {
        if let Some(slot) = blob_slot(blob) {
            let mut all = self.identities.get();
            all[slot] = identity;
            self.identities.set(all);
        }
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
        let identity = self.identity(blob);
        let (buf, n) = expect!(self, Request::ReadAt { blob, offset, buf, identity }, "readAt",
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
        let identity = self.identity(blob);
        expect!(self, Request::Append { blob, bytes, identity }, "append", Reply::Done => ())
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
        // Another file at the blob's path from now on.
        self.set_identity(blob, None);
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
