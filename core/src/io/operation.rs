//! A paused store operation, resumed step by step by its host.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::ask::Io;
use super::request::{Reply, Request};
use crate::error::{Error, Result};

/// One store operation in progress. Drive it with [`Operation::resume`]: each call runs the
/// core until it needs I/O ([`Step::Io`]) or has finished ([`Step::Done`]).
pub struct Operation<'a, T> {
    io: Rc<Io>,
    future: Option<Pin<Box<dyn Future<Output = Result<T>> + 'a>>>,
}

/// What an operation needs next.
#[derive(Debug)]
pub enum Step<T> {
    /// Carry out this request and resume with its reply.
    Io(Request),
    /// The operation's result; resuming again is an error.
    Done(Result<T>),
}

impl<'a, T> Operation<'a, T> {
    /// Wraps an `async` sequence written against [`Io`].
    pub(crate) fn new<F, Fut>(body: F) -> Self
    where
        F: FnOnce(Rc<Io>) -> Fut,
        Fut: Future<Output = Result<T>> + 'a,
    {
        let io = Rc::new(Io::default());
        let future = body(io.clone());
        Operation {
            io,
            future: Some(Box::pin(future)),
        }
    }

    /// An operation that needs no I/O (a store held in memory): it is done at its first step.
    pub fn ready(out: Result<T>) -> Self
    where
        T: 'a,
    {
        Operation::new(|_| std::future::ready(out))
    }

    /// The same operation with its result converted by `f` (for hosts that hand results on in
    /// their own form).
    pub fn map<U>(self, f: impl FnOnce(T) -> Result<U> + 'a) -> Operation<'a, U>
    where
        T: 'a,
    {
        let Operation { io, future } = self;
        let future = future.map(|future| {
            Box::pin(async move { f(future.await?) })
                as Pin<Box<dyn Future<Output = Result<U>> + 'a>>
        });
        Operation { io, future }
    }

    /// Runs until the next request or the end. `reply` answers the request of the previous
    /// step (`None` on the first call).
    pub fn resume(&mut self, reply: Option<Reply>) -> Step<T> {
        let Some(future) = self.future.as_mut() else {
            return Step::Done(Err(Error::storage("the operation has already finished")));
        };
        if let Some(reply) = reply {
            self.io.answer(reply);
        }
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(out) => {
                self.future = None;
                Step::Done(out)
            }
            Poll::Pending => match self.io.take_request() {
                Some(request) => Step::Io(request),
                None => {
                    self.future = None;
                    Step::Done(Err(Error::storage(
                        "an operation paused without asking for I/O",
                    )))
                }
            },
        }
    }
}
