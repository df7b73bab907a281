//! The iterator's async form: [`WalIterator::next_async`], a future woken
//! by the writer, on any executor (no runtime dependency), and, with the
//! `stream` feature, a `futures_core::Stream`.
//!
//! # The wake-up
//!
//! A reader at the end of the log leaves its waker with the log's shared
//! state under its own id (`Shared::poll_growth`), counted as waiting, and
//! then looks at the log's end once more. Each write publishes its new end
//! and then, if anyone waits, takes every waker out and wakes it
//! (`Shared::wake_readers`): either the write sees the count, or the look
//! sees the write (both sides order their store and load with a `SeqCst`
//! fence, as the blocking `next_wait` does). When nothing more can be
//! written (the log closed, after a shutdown's drain, or failed) every
//! waker is woken and the reader told (`Shared::end_writes`). Rotations
//! and checkpoints need no wake of their own: a rotation makes nothing
//! readable (the write after it does, and wakes), and a checkpoint never
//! removes the newest segment, where a waiting reader waits.

use super::WalIterator;
use crate::{Event, Result};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

/// A reader's place among the tasks waiting for the log to grow.
#[derive(Debug)]
pub(super) struct Waiting {
    /// Tells this reader's waker apart from other readers'.
    id: u64,
    /// A waker of ours may be registered (it is taken out when woken: then
    /// this is stale, and forgetting it costs a lock for nothing).
    registered: bool,
}

impl Waiting {
    pub(super) fn new() -> Waiting {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Waiting {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            registered: false,
        }
    }
}

impl WalIterator {
    /// The next event, awaited: like [`next`](Self::next), but at the end
    /// of the log it waits, without blocking the thread, until the writer
    /// writes more (written, not necessarily synced: what
    /// [`next_wait`](Self::next_wait) waits for). The writer wakes the
    /// task; nothing polls. Works on any executor: the future needs no
    /// runtime.
    ///
    /// `Ok(None)` once the log is closed (by `close`, or by a `shutdown`
    /// after its drain) and every event written before was read: the end
    /// of a live log. Dropping the future before it completes forgets its
    /// waker.
    ///
    /// ```
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-next-async-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # // (Any executor will do; this one polls once per wake-up.)
    /// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
    /// #     struct Unpark(std::thread::Thread);
    /// #     impl std::task::Wake for Unpark {
    /// #         fn wake(self: std::sync::Arc<Self>) { self.0.unpark() }
    /// #     }
    /// #     let waker = std::sync::Arc::new(Unpark(std::thread::current())).into();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut future = std::pin::pin!(future);
    /// #     loop {
    /// #         if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) { return out; }
    /// #         std::thread::park();
    /// #     }
    /// # }
    /// let wal = rewal::Wal::open(&path).build()?;
    /// let mut events = wal.iterator(1)?;
    ///
    /// std::thread::scope(|scope| {
    ///     scope.spawn(|| {
    ///         wal.append("arrives later")?;
    ///         wal.shutdown(std::time::Duration::from_secs(5))
    ///     });
    ///     // In an async fn: `while let Some(event) = events.next_async().await? { … }`
    ///     let mut payloads = Vec::new();
    ///     while let Some(event) = block_on(events.next_async())? {
    ///         payloads.push(event.payload);
    ///     }
    ///     // The shutdown ended the log: everything written was read.
    ///     assert_eq!(payloads, [b"arrives later".to_vec()]);
    ///     Ok::<_, rewal::Error>(())
    /// })?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`next_borrowed`](Self::next_borrowed), and, at the end of the
    /// log, the error that failed it (a write or sync that failed: nothing
    /// more will be written, and the reader is told rather than left
    /// waiting for a close).
    pub fn next_async(&mut self) -> NextFuture<'_> {
        NextFuture { events: self }
    }

    /// What [`next_async`](Self::next_async)'s future does when polled:
    /// `Ready` with the next event (or the end, or an error), or `Pending`
    /// with `cx`'s waker registered, to be woken when the log grows or
    /// ends. For hand-written futures and streams: the waker stays
    /// registered until it is woken, a later poll returns `Ready`, or the
    /// iterator is dropped.
    ///
    /// # Errors
    ///
    /// As [`next_async`](Self::next_async).
    pub fn poll_next_event(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Event>>> {
        loop {
            // The end published before this read: if the read finds no
            // event, everything up to there was read (and what is beyond
            // it, the wait below sees at once).
            let seen = self.shared.file_end();
            let read = match self.next_borrowed() {
                Ok(Some(event)) => Some(Ok(Some(Event::from(&event)))),
                Ok(None) => None,
                Err(error) => Some(Err(error)),
            };
            if let Some(read) = read {
                self.forget_waker();
                return Poll::Ready(read);
            }
            match self.shared.poll_growth(seen, self.waiting.id, cx.waker()) {
                Poll::Ready(Ok(true)) => {}
                Poll::Ready(Ok(false)) => {
                    self.waiting.registered = false;
                    return Poll::Ready(Ok(None));
                }
                Poll::Ready(Err(failure)) => {
                    self.waiting.registered = false;
                    return Poll::Ready(Err(failure));
                }
                Poll::Pending => {
                    self.waiting.registered = true;
                    return Poll::Pending;
                }
            }
        }
    }

    /// Forgets this reader's waker, if it may still be registered.
    pub(super) fn forget_waker(&mut self) {
        if self.waiting.registered {
            self.waiting.registered = false;
            self.shared.forget_reader(self.waiting.id);
        }
    }
}

/// The future of [`WalIterator::next_async`]: resolves to the next event,
/// `None` at the end of a closed log, or an error.
#[must_use = "a future does nothing unless awaited"]
#[derive(Debug)]
pub struct NextFuture<'a> {
    events: &'a mut WalIterator,
}

impl Future for NextFuture<'_> {
    type Output = Result<Option<Event>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.events.poll_next_event(cx)
    }
}

impl Drop for NextFuture<'_> {
    fn drop(&mut self) {
        // A future given up (a `select!` that took another branch, a
        // timeout) leaves no waker behind to be woken for nothing.
        self.events.forget_waker();
    }
}

/// Owned events as they are written, for async consumers (with the
/// `stream` feature): the stream of [`WalIterator::next_async`]. As the
/// `Iterator` does, it yields an error once, then ends; it ends with the
/// log (closed, and everything written read).
#[cfg(feature = "stream")]
impl futures_core::Stream for WalIterator {
    type Item = Result<Event>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Event>>> {
        let this = self.get_mut();
        if this.error_told {
            return Poll::Ready(None);
        }
        this.poll_next_event(cx).map(|next| match next {
            Ok(event) => event.map(Ok),
            Err(error) => {
                this.error_told = true;
                Some(Err(error))
            }
        })
    }
}
