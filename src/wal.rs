//! `Wal`: the handle an application holds.

use crate::encoding::{self, BorrowedEvent};
use crate::pipeline::{Durability, Item, Pipeline};
use crate::read::iter::WalIterator;
use crate::shared::Shared;
use crate::{Batch, BatchView, Error, Event, Lsn, Result, State, Stats, WalBuilder};
use std::borrow::Borrow;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::{self, Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// An open write-ahead log. `Send + Sync`: share it between threads (for
/// example in an `Arc`); every method takes `&self`.
///
/// Dropping a running `Wal` shuts it down gracefully (drain, sync, close),
/// ignoring errors; call [`shutdown`](Self::shutdown) to see them.
pub struct Wal {
    path: PathBuf,
    shared: Arc<Shared>,
    pipeline: Pipeline,
}

impl Wal {
    /// Starts configuring the log at `path`; finish with
    /// [`WalBuilder::build`].
    pub fn open(path: impl AsRef<Path>) -> WalBuilder {
        WalBuilder::new(path.as_ref())
    }

    pub(crate) fn from_parts(path: PathBuf, shared: Arc<Shared>, pipeline: Pipeline) -> Wal {
        Wal {
            path,
            shared,
            pipeline,
        }
    }

    /// Starts configuring a log kept as a directory of segment files at
    /// `dir` (created if missing); finish with [`WalBuilder::build`].
    ///
    /// Each segment is a complete v2 log, named by the first LSN it may
    /// hold (`00000000000000000001.wal`), readable alone by every v2
    /// reader. A new segment starts once the newest holds
    /// [`segment_size`](WalBuilder::segment_size) bytes, and
    /// [`checkpoint`](Self::checkpoint) gives whole segments back. Every
    /// option of the single-file log works here too. The directory is
    /// locked (through `rewal.lock` in it) as a file is.
    pub fn open_dir(dir: impl AsRef<Path>) -> WalBuilder {
        WalBuilder::new_dir(dir.as_ref())
    }

    /// Declares every event up to `lsn` captured elsewhere (a snapshot of
    /// the state they built): for a log kept as segments, whole segments
    /// whose events all have LSNs up to `lsn` are removed, durably (the
    /// directory is synced after each), and their space given back. Events
    /// after `lsn` are never touched; the segment that holds `lsn` stays
    /// (a later checkpoint gives it back once the log has moved past it),
    /// and so does the newest. Events up to `lsn` still queued are written
    /// first (as [`flush`](Self::flush) does); the removals themselves do
    /// not hold the writer up. Readers that are reading a removed segment
    /// finish it. A single-file log keeps everything (it has no
    /// segments to give back): `Ok`, nothing removed.
    ///
    /// # Errors
    ///
    /// `Error::Closed` on a closed log; what [`flush`](Self::flush) returns
    /// when events up to `lsn` were still queued and cannot be written; the
    /// I/O error if a segment cannot be removed or the directory synced
    /// (what was removed before stays removed).
    ///
    /// # Example: snapshot, checkpoint, restart
    ///
    /// ```
    /// use rewal::Wal;
    /// use std::time::Duration;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = std::env::temp_dir().join(format!("rewal-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # std::fs::create_dir_all(&dir)?;
    /// let (log, snapshot) = (dir.join("log"), dir.join("state.snapshot"));
    /// let amount = |payload: &[u8]| u64::from_le_bytes(payload.try_into().unwrap());
    ///
    /// // The state (a running total) is built from the log's events.
    /// let wal = Wal::open_dir(&log).segment_size(4096).build()?;
    /// let (mut total, mut covered) = (0, 0);
    /// for n in 1..=1000u64 {
    ///     covered = wal.append(n.to_le_bytes())?;
    ///     total += n;
    /// }
    ///
    /// // Snapshot the state with the last LSN it includes, durably; then
    /// // the log may give back every event the snapshot covers.
    /// let mut saved = total.to_le_bytes().to_vec();
    /// saved.extend(covered.to_le_bytes());
    /// std::fs::write(&snapshot, &saved)?;
    /// std::fs::File::open(&snapshot)?.sync_all()?;
    /// wal.checkpoint(covered)?;
    ///
    /// for n in 1..=10u64 {
    ///     wal.append(n.to_le_bytes())?;
    /// }
    /// wal.shutdown(Duration::from_secs(5))?;
    ///
    /// // Restart: the snapshot, then the events after it.
    /// let wal = Wal::open_dir(&log).build()?;
    /// let saved = std::fs::read(&snapshot)?;
    /// let (mut total, covered) = (amount(&saved[..8]), amount(&saved[8..]));
    /// wal.replay(covered + 1, |event| {
    ///     total += amount(&event.payload);
    ///     Ok(())
    /// })?;
    /// assert_eq!(total, 500_500 + 55);
    /// assert!(wal.first_lsn() > 1, "segments before the snapshot are gone");
    /// # wal.close()?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn checkpoint(&self, lsn: Lsn) -> Result<()> {
        if self.state() == State::Closed {
            return Err(Error::Closed);
        }
        let Some(segments) = self.shared.storage.segments() else {
            return Ok(());
        };
        // Events still queued are in no segment yet: write them first, so
        // that the segments they fill can be judged.
        if lsn > self.last_lsn() {
            self.flush()?;
        }
        segments.checkpoint(lsn).map(drop)
    }

    /// The oldest LSN the log still holds: for a log kept as segments, the
    /// first LSN of its oldest segment (a checkpoint moves it forward); for
    /// a single file, its first event's (0 while it holds none). Reading
    /// from below it is `Error::Checkpointed`.
    pub fn first_lsn(&self) -> Lsn {
        self.shared.first_lsn()
    }

    /// The path the log was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event; returns its LSN. The event is queued, not yet
    /// written: see [`flush`](Self::flush), [`sync`](Self::sync),
    /// [`wait_durable`](Self::wait_durable). Allocates nothing.
    pub fn append(&self, payload: impl AsRef<[u8]>) -> Result<Lsn> {
        let payload = payload.as_ref();
        self.append_item(
            BatchView::Single {
                payload,
                meta: None,
            },
            Item::Single { payload, meta: &[] },
        )
    }

    /// Appends one event with a meta (at most 65 535 bytes; empty means
    /// none); returns its LSN.
    pub fn append_with_meta(
        &self,
        payload: impl AsRef<[u8]>,
        meta: impl AsRef<[u8]>,
    ) -> Result<Lsn> {
        let (payload, meta) = (payload.as_ref(), meta.as_ref());
        self.append_item(
            BatchView::Single {
                payload,
                meta: (!meta.is_empty()).then_some(meta),
            },
            Item::Single { payload, meta },
        )
    }

    /// Appends a batch atomically (one frame, consecutive LSNs); returns the
    /// LSN of its **last** event, as rewal 0.1.0 does (the first is
    /// `last - len + 1`), so `wait_durable` on it covers the whole batch.
    /// Takes the batch or a reference to it, so a batch can be cleared and
    /// reused.
    pub fn append_batch(&self, batch: impl Borrow<Batch>) -> Result<Lsn> {
        let batch = batch.borrow();
        if batch.is_empty() {
            return Err(Error::EmptyBatch);
        }
        if batch.is_too_large() {
            return Err(Error::TooLarge);
        }
        let first = self.append_item(batch.view(), Item::Batch(batch))?;
        Ok(first + (batch.len() as u64 - 1))
    }

    fn append_item(&self, view: BatchView<'_>, item: Item<'_>) -> Result<Lsn> {
        self.check_running()?;
        let hooks = &self.shared.hooks;
        if hooks.active() {
            hooks.run(|hooks| hooks.before_append(view));
        }
        let lsn = match self.shared.compressor.as_deref() {
            None => self.pipeline.append(&item)?,
            Some(compressor) => {
                // Compress here, outside the queue's lock.
                let mut single = Vec::new();
                let records = match &item {
                    Item::Single { payload, meta } => {
                        encoding::push_record(&mut single, payload, meta)?;
                        &single[..]
                    }
                    Item::Batch(batch) => batch.records(),
                    Item::Compressed { .. } => return self.pipeline.append(&item),
                };
                let mut packed = Vec::new();
                crate::error::catch_panic("the compressor", || {
                    compressor.compress(records, &mut packed)
                })?;
                let count = item.count() as u32;
                self.pipeline.append(&Item::Compressed {
                    region: &packed,
                    count,
                })?
            }
        };
        if hooks.active() {
            hooks.run(|hooks| hooks.after_append(lsn, view.len()));
        }
        Ok(lsn)
    }

    /// Waits until every event appended before the call is written to
    /// storage (not necessarily synced). Reports a failed write. On a
    /// closed log it says whether everything was written before the close:
    /// `Ok` after a `shutdown`, `Error::Closed` if `close` discarded events.
    pub fn flush(&self) -> Result<()> {
        self.pipeline.flush()
    }

    /// Makes every event appended before the call durable: writes what is
    /// pending and syncs (nothing to sync, no sync issued). On a closed log,
    /// `Ok` if everything was made durable before it closed.
    pub fn sync(&self) -> Result<()> {
        self.pipeline.sync()
    }

    /// Waits until every event up to `lsn` is written and synced. Many
    /// callers waiting at once share one sync (group commit for
    /// durability). `Error::InvalidLsn` for an LSN not assigned yet;
    /// `Error::Dropped` for an event `Backpressure::Drop` threw away.
    ///
    /// What is already true is answered first: an event that is durable is
    /// reported durable even if the log has since failed or closed, so a
    /// caller never retries (and duplicates) an event that is on disk.
    pub fn wait_durable(&self, lsn: Lsn) -> Result<()> {
        let durability = self.pipeline.wait_durable(lsn)?;
        self.answer(lsn, durability)
    }

    /// [`wait_durable`](Self::wait_durable) without blocking a thread: a
    /// future that the writer's group commit completes through the task's
    /// waker. It needs no particular executor (tokio, smol, async-std or a
    /// hand-written one all work), and thousands of tasks can await at
    /// once, sharing syncs as threads do. The writer thread commits for
    /// them; the awaiting task never writes or syncs itself. Dropping the
    /// future stops the wait (the event stays in the log). Where there are
    /// no threads (wasm32), the future is ready at its first poll: the
    /// inline pipeline writes and syncs there and then.
    ///
    /// ```
    /// async fn pay(wal: &rewal::Wal, order: &str) -> rewal::Result<u64> {
    ///     let lsn = wal.append(order)?;
    ///     wal.wait_durable_async(lsn).await?; // the task sleeps, no thread waits
    ///     Ok(lsn)
    /// }
    /// # use std::future::Future;
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-async-{}.wal", std::process::id()));
    /// # let wal = rewal::Wal::open(&path).build()?;
    /// # let mut paid = std::pin::pin!(pay(&wal, "order 1"));
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// # let lsn = loop {
    /// #     if let std::task::Poll::Ready(lsn) = paid.as_mut().poll(&mut cx) { break lsn?; }
    /// #     std::thread::yield_now();
    /// # };
    /// # assert_eq!(lsn, 1);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path).ok();
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`wait_durable`](Self::wait_durable): `Error::InvalidLsn`,
    /// `Error::Dropped`, `Error::Closed`, or the error that failed the log.
    #[must_use = "a future does nothing unless awaited"]
    pub fn wait_durable_async(&self, lsn: Lsn) -> DurableFuture<'_> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        DurableFuture {
            wal: self,
            lsn,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            waiting: false,
        }
    }

    /// What a durability answer means for `lsn`.
    fn answer(&self, lsn: Lsn, durability: Durability) -> Result<()> {
        match durability {
            Durability::Durable => Ok(()),
            Durability::UnlessDropped => {
                // A drop too old to be remembered: the log itself says.
                let mut events = WalIterator::new(Arc::clone(&self.shared), lsn)?;
                match events.next_borrowed()? {
                    Some(event) if event.lsn == lsn => Ok(()),
                    _ => Err(Error::Dropped),
                }
            }
        }
    }

    /// Calls `f` with every event from LSN `from` on, in order, as owned
    /// [`Event`]s. Sees every event appended before the call (it flushes
    /// first). Stops at the first error, `f`'s included.
    pub fn replay(&self, from: Lsn, mut f: impl FnMut(Event) -> Result<()>) -> Result<()> {
        self.iterator(from)?
            .replay_each(|event| f(Event::from(event)))
    }

    /// Like [`replay`](Self::replay), without copying: each event borrows
    /// the map or read buffer for the duration of the call.
    pub fn replay_borrowed(
        &self,
        from: Lsn,
        f: impl FnMut(BorrowedEvent<'_>) -> Result<()>,
    ) -> Result<()> {
        self.iterator(from)?.replay_each(f)
    }

    /// An iterator from LSN `from` on (it flushes first, so it sees every
    /// event appended before the call).
    pub fn iterator(&self, from: Lsn) -> Result<WalIterator> {
        self.check_open()?;
        self.pipeline.flush()?;
        WalIterator::new(Arc::clone(&self.shared), from)
    }

    /// The last LSN written to storage (the last one *assigned* is what
    /// `append` returned).
    pub fn last_lsn(&self) -> Lsn {
        self.shared.counters.last_lsn.load(Relaxed)
    }

    /// A snapshot of the counters; lock-free.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot(self.state())
    }

    /// The lifecycle state.
    pub fn state(&self) -> State {
        self.shared.state.load()
    }

    /// Graceful shutdown: refuse new appends, write everything pending,
    /// sync, close the file and release its lock. `Error::Timeout` if that
    /// takes longer than `timeout` (it then completes in the background).
    /// Returns the log's failure, if a write or sync had failed.
    pub fn shutdown(&self, timeout: Duration) -> Result<()> {
        self.shutdown_within(Some(timeout))
    }

    fn shutdown_within(&self, timeout: Option<Duration>) -> Result<()> {
        if !self.pipeline.begin_shutdown() {
            // Shut down or closed already, or another shutdown is under
            // way: wait for that to finish, and say how the log ended
            // (`Ok` unless it failed), as rewal 0.1.0 does.
            return self.pipeline.finish_shutdown(timeout);
        }
        let hooks = &self.shared.hooks;
        hooks.run(|hooks| hooks.on_shutdown_start());
        let started = rewal_platform::now();
        let outcome = self.pipeline.finish_shutdown(timeout);
        if outcome != Err(Error::Timeout) {
            let elapsed = rewal_platform::now().saturating_sub(started);
            hooks.run(|hooks| hooks.on_shutdown_done(elapsed));
        }
        outcome
    }

    /// Immediate close: pending events that were not written are discarded
    /// (counted in `Stats::drops`), nothing is synced, the file is closed
    /// and its lock released. Closing a closed log does nothing and
    /// returns `Ok`, as in rewal 0.1.0.
    pub fn close(&self) -> Result<()> {
        self.pipeline.close()
    }

    fn check_running(&self) -> Result<()> {
        self.shared.state.check_appends()
    }

    fn check_open(&self) -> Result<()> {
        match self.state() {
            State::Closed => Err(Error::Closed),
            _ => Ok(()),
        }
    }
}

impl Drop for Wal {
    fn drop(&mut self) {
        match self.state() {
            State::Running => {
                let _ = self.shutdown_within(None);
            }
            // A shutdown that timed out finishes in the background.
            State::Draining | State::Init | State::Closed => {}
        }
    }
}

impl std::fmt::Debug for Wal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wal")
            .field("path", &self.path)
            .field("state", &self.state())
            .field("last_lsn", &self.last_lsn())
            .finish()
    }
}

/// The future of [`Wal::wait_durable_async`]: resolves once every event up
/// to its LSN is written and synced.
#[must_use = "a future does nothing unless awaited"]
pub struct DurableFuture<'a> {
    wal: &'a Wal,
    lsn: Lsn,
    /// Tells this future's waker apart from other tasks'.
    id: u64,
    /// A waker of ours is registered with the pipeline.
    waiting: bool,
}

impl Future for DurableFuture<'_> {
    type Output = Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = &mut *self;
        match this
            .wal
            .pipeline
            .poll_durable(this.lsn, this.id, cx.waker())
        {
            Poll::Pending => {
                this.waiting = true;
                Poll::Pending
            }
            Poll::Ready(answer) => {
                this.waiting = false;
                Poll::Ready(answer.and_then(|durability| this.wal.answer(this.lsn, durability)))
            }
        }
    }
}

impl Drop for DurableFuture<'_> {
    fn drop(&mut self) {
        if self.waiting {
            self.wal.pipeline.forget_durable(self.id);
        }
    }
}

impl fmt::Debug for DurableFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DurableFuture")
            .field("lsn", &self.lsn)
            .field("waiting", &self.waiting)
            .finish_non_exhaustive()
    }
}
