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
    /// [`WalBuilder::build`], which creates the file if it is missing,
    /// locks it and recovers it (see [`WalBuilder::build`] for its errors).
    ///
    /// ```
    /// use rewal::{SyncMode, Wal};
    /// use std::time::Duration;
    ///
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-open-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = Wal::open(&path).sync_mode(SyncMode::Batch).build()?;
    /// wal.append("hello")?;
    /// wal.shutdown(Duration::from_secs(5))?;
    ///
    /// // Opened again, the log goes on where it stopped.
    /// let wal = Wal::open(&path).build()?;
    /// assert_eq!(wal.last_lsn(), 1);
    /// assert_eq!(wal.append("again")?, 2);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// ```
    /// use rewal::Wal;
    ///
    /// # fn main() -> rewal::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("rewal-doc-open-dir-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// let wal = Wal::open_dir(&dir).segment_size(4096).build()?;
    /// for _ in 0..200 {
    ///     wal.append([0u8; 100])?;
    /// }
    /// wal.flush()?;
    ///
    /// // 200 frames of 134 bytes do not fit in one segment of 4 KiB.
    /// let scan = rewal::inspect::scan_dir(&dir)?;
    /// assert!(scan.segments.len() > 1);
    /// assert_eq!(scan.segments[0].path, Some(dir.join("00000000000000000001.wal")));
    /// assert_eq!((scan.events(), scan.last_lsn()), (200, 200));
    /// # wal.close()?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
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
    /// not hold the writer up. Checkpoints run one at a time, oldest
    /// segment first: one made while another is removing segments waits
    /// for it, and returns only once everything it covers is gone. Readers
    /// that are reading a removed segment finish it; one that had not
    /// reached a removed segment gets `Error::Checkpointed` there. A
    /// single-file log keeps everything (it has no segments to give back):
    /// `Ok`, nothing removed.
    ///
    /// # Errors
    ///
    /// `Error::Closed` on a closed log; `Error::InvalidLsn` for an LSN
    /// beyond the last one assigned; what [`flush`](Self::flush) returns
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
        // An LSN no event has yet: refused, as `wait_durable` refuses it
        // (a snapshot cannot cover events that do not exist).
        if lsn > self.pipeline.last_assigned() {
            return Err(Error::InvalidLsn);
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
    ///
    /// ```
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-first-lsn-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = rewal::Wal::open(&path).build()?;
    /// assert_eq!((wal.first_lsn(), wal.last_lsn()), (0, 0)); // empty
    ///
    /// wal.append("a")?;
    /// wal.append("b")?;
    /// wal.flush()?;
    /// assert_eq!((wal.first_lsn(), wal.last_lsn()), (1, 2));
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// ```
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-append-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = rewal::Wal::open(&path).build()?;
    /// let first = wal.append("text")?; // anything that is AsRef<[u8]>
    /// let second = wal.append(vec![1, 2, 3])?;
    /// assert_eq!((first, second), (1, 2));
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Nothing is appended when it fails:
    ///
    /// - `Error::Draining` while a [`shutdown`](Self::shutdown) is under
    ///   way, `Error::Closed` once the log is shut down or closed;
    /// - `Error::TooLarge` for a payload over `u32::MAX` bytes;
    /// - `Error::QueueFull` when the queue is full under
    ///   [`Backpressure::Error`](crate::Backpressure::Error);
    /// - `Error::InvalidLsn` when the LSN space is used up;
    /// - the log's failure, once a write or sync has failed it (see
    ///   [Durability](crate#durability)): on wasm32, where `append` itself
    ///   writes when the buffer is full, that write's error;
    /// - with a [`compressor`](WalBuilder::compressor), the compressor's
    ///   error (`Error::Panicked` if it panicked).
    ///
    /// Under [`Backpressure::Drop`](crate::Backpressure::Drop) a full queue
    /// is no error: the event gets its LSN and is dropped, and
    /// [`wait_durable`](Self::wait_durable) on it returns `Error::Dropped`.
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
    /// none); returns its LSN. The meta comes back with the event
    /// ([`Event::meta`]) and goes to the [`Indexer`](crate::Indexer).
    ///
    /// ```
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-append-meta-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = rewal::Wal::open(&path).build()?;
    /// wal.append_with_meta("user 42 renamed", "type:update")?;
    /// wal.append_with_meta("no meta", "")?; // an empty meta is none
    ///
    /// let mut metas = Vec::new();
    /// wal.replay(1, |event| {
    ///     metas.push(event.meta);
    ///     Ok(())
    /// })?;
    /// assert_eq!(metas, [Some(b"type:update".to_vec()), None]);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`append`](Self::append); `Error::TooLarge` also for a meta over
    /// 65 535 bytes.
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
    ///
    /// ```
    /// use rewal::{Batch, Wal};
    ///
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-append-batch-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = Wal::open(&path).build()?;
    /// let mut batch = Batch::with_capacity(3);
    /// batch.add("debit A");
    /// batch.add("credit B");
    /// batch.add_with_meta("note", "type:audit");
    /// let last = wal.append_batch(&batch)?;
    /// assert_eq!(last, 3); // LSNs 1 to 3, all or none after a crash
    ///
    /// batch.clear(); // the memory is kept for the next batch
    /// batch.add("debit C");
    /// assert_eq!(wal.append_batch(&batch)?, 4);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `Error::EmptyBatch` for a batch without events; `Error::TooLarge`
    /// for a batch with a meta over 65 535 bytes or a payload over
    /// `u32::MAX` bytes, or whose frame would pass `u32::MAX` bytes;
    /// otherwise as [`append`](Self::append). Nothing of the batch is
    /// appended when it fails.
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
    /// storage (not necessarily synced; under `SyncMode::Batch`, synced
    /// too: there every write is synced before it counts as written).
    /// Reports a failed write or, under `SyncMode::Batch`, sync. On a
    /// closed log it says whether everything was written before the close:
    /// `Ok` after a `shutdown`, `Error::Closed` if `close` discarded events.
    ///
    /// ```
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-flush-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = rewal::Wal::open(&path).build()?;
    /// let lsn = wal.append("event")?;
    /// wal.flush()?;
    /// assert_eq!(wal.last_lsn(), lsn); // written (to the OS), maybe not on disk
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// - the log's failure, if a write failed before everything appended
    ///   before the call was written (see [Durability](crate#durability));
    /// - `Error::Closed` if [`close`](Self::close) closed the log before
    ///   those events were written.
    pub fn flush(&self) -> Result<()> {
        self.pipeline.flush()
    }

    /// Makes every event appended before the call durable: writes what is
    /// pending and syncs (nothing to sync, no sync issued). On a closed log,
    /// `Ok` if everything was made durable before it closed.
    ///
    /// ```
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-sync-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = rewal::Wal::open(&path).build()?;
    /// for order in ["order 1", "order 2", "order 3"] {
    ///     wal.append(order)?;
    /// }
    /// wal.sync()?; // all three are on disk now
    /// let stats = wal.stats();
    /// assert_eq!(stats.bytes_synced, stats.bytes_written);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// - the log's failure, if a write or sync failed before everything
    ///   appended before the call was durable (see
    ///   [Durability](crate#durability));
    /// - `Error::Closed` if [`close`](Self::close) closed the log before
    ///   those events were durable.
    ///
    /// Events that [`Backpressure::Drop`](crate::Backpressure::Drop) threw
    /// away are not an error here.
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
    ///
    /// ```
    /// use rewal::{Error, Wal};
    ///
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-wait-durable-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = Wal::open(&path).build()?;
    /// let lsn = wal.append("payment 1")?;
    /// wal.wait_durable(lsn)?; // on disk now: safe to acknowledge
    ///
    /// assert_eq!(wal.wait_durable(lsn + 1), Err(Error::InvalidLsn)); // not appended
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// - `Error::InvalidLsn` for an LSN beyond the last one assigned;
    /// - `Error::Dropped` for an event that
    ///   [`Backpressure::Drop`](crate::Backpressure::Drop) threw away;
    /// - the log's failure, if a write or sync failed before the event was
    ///   durable (see [Durability](crate#durability));
    /// - `Error::Closed` if [`close`](Self::close) closed the log before it
    ///   was durable.
    ///
    /// For an event among drops too old to be remembered (more than 65 536
    /// runs of drops ago), the log itself is read to tell: reading it can
    /// then fail as [`iterator`](Self::iterator) and
    /// [`WalIterator::next_borrowed`] do.
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
    ///
    /// ```
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-replay-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = rewal::Wal::open(&path).build()?;
    /// for name in ["ada", "grace", "edsger"] {
    ///     wal.append(name)?;
    /// }
    ///
    /// let mut names = Vec::new();
    /// wal.replay(2, |event| {
    ///     names.push((event.lsn, String::from_utf8_lossy(&event.payload).into_owned()));
    ///     Ok(())
    /// })?;
    /// assert_eq!(names, [(2, "grace".to_owned()), (3, "edsger".to_owned())]);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// - what [`iterator`](Self::iterator) returns when it cannot start:
    ///   `Error::Closed`, `Error::Checkpointed`, the log's failure, an I/O
    ///   error mapping the log;
    /// - what reading returns (see [`WalIterator::next_borrowed`]):
    ///   `Error::Corrupted` for a frame that fails its check,
    ///   `Error::CompressorRequired`, the compressor's error, an I/O error;
    /// - the first error `f` returns, as it is.
    ///
    /// The events before the error have been passed to `f`.
    pub fn replay(&self, from: Lsn, mut f: impl FnMut(Event) -> Result<()>) -> Result<()> {
        self.iterator(from)?
            .replay_each(|event| f(Event::from(event)))
    }

    /// Like [`replay`](Self::replay), without copying: each event borrows
    /// the map or read buffer for the duration of the call.
    ///
    /// ```
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-replay-borrowed-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = rewal::Wal::open(&path).build()?;
    /// wal.append([7u8; 1000])?;
    /// wal.append([7u8; 24])?;
    ///
    /// let mut bytes = 0;
    /// wal.replay_borrowed(1, |event| {
    ///     bytes += event.payload.len(); // `payload: &[u8]`, not copied
    ///     Ok(())
    /// })?;
    /// assert_eq!(bytes, 1024);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`replay`](Self::replay).
    pub fn replay_borrowed(
        &self,
        from: Lsn,
        f: impl FnMut(BorrowedEvent<'_>) -> Result<()>,
    ) -> Result<()> {
        self.iterator(from)?.replay_each(f)
    }

    /// [`replay`](Self::replay) with a callback that fails with the
    /// caller's own error type `E`: the first error `f` returns stops the
    /// replay and comes back out as it is, and rewal's errors come out
    /// converted by `E::from`. (`replay` itself keeps rewal 0.1.0's
    /// signature: made generic, closures that end in `Ok(())` would no
    /// longer say their error type, and 0.1.0 code would stop compiling.)
    ///
    /// ```
    /// #[derive(Debug)]
    /// enum LoadError {
    ///     Log(rewal::Error),
    ///     NotUtf8 { lsn: u64 },
    /// }
    ///
    /// impl From<rewal::Error> for LoadError {
    ///     fn from(error: rewal::Error) -> Self {
    ///         LoadError::Log(error)
    ///     }
    /// }
    ///
    /// # fn main() -> Result<(), LoadError> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-try-replay-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = rewal::Wal::open(&path).build()?;
    /// wal.append("ada")?;
    /// wal.append([0xff, 0xfe])?;
    ///
    /// let mut names = Vec::new();
    /// let outcome = wal.try_replay(0, |event| {
    ///     let name = String::from_utf8(event.payload)
    ///         .map_err(|_| LoadError::NotUtf8 { lsn: event.lsn })?;
    ///     names.push(name);
    ///     Ok(())
    /// });
    /// assert!(matches!(outcome, Err(LoadError::NotUtf8 { lsn: 2 })));
    /// assert_eq!(names, ["ada"]);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`replay`](Self::replay), rewal's errors converted into `E`; the
    /// first error `f` returns, as it is.
    pub fn try_replay<E: From<Error>>(
        &self,
        from: Lsn,
        mut f: impl FnMut(Event) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        self.iterator(from)?
            .replay_each(|event| f(Event::from(event)))
    }

    /// [`replay_borrowed`](Self::replay_borrowed) with a callback that
    /// fails with the caller's own error type: see
    /// [`try_replay`](Self::try_replay).
    ///
    /// # Errors
    ///
    /// As [`try_replay`](Self::try_replay).
    pub fn try_replay_borrowed<E: From<Error>>(
        &self,
        from: Lsn,
        f: impl FnMut(BorrowedEvent<'_>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        self.iterator(from)?.replay_each(f)
    }

    /// An iterator from LSN `from` on (it flushes first, so it sees every
    /// event appended before the call). It is an [`Iterator`] of
    /// `Result<Event>`, and also has rewal 0.1.0's pull methods:
    /// [`next`](WalIterator::next), [`next_borrowed`](WalIterator::next_borrowed)
    /// (no copy) and [`next_wait`](WalIterator::next_wait) (waits for new
    /// events at the end).
    ///
    /// ```
    /// use rewal::{Event, Result, Wal};
    ///
    /// # fn main() -> Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-iterator-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = Wal::open(&path).build()?;
    /// for word in ["one", "two", "three"] {
    ///     wal.append(word)?;
    /// }
    ///
    /// for event in wal.iterator(1)? {
    ///     let event = event?;
    ///     println!("{}: {:?}", event.lsn, event.payload);
    /// }
    ///
    /// let events = wal.iterator(2)?.collect::<Result<Vec<Event>>>()?;
    /// assert_eq!(events.len(), 2);
    /// assert_eq!(events[0].payload, b"two");
    ///
    /// // Without copying: each event borrows the log until the next call.
    /// let mut events = wal.iterator(1)?;
    /// while let Some(event) = events.next_borrowed()? {
    ///     assert!(!event.payload.is_empty());
    /// }
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// - `Error::Closed` on a closed log;
    /// - what [`flush`](Self::flush) returns: the log's failure, or
    ///   `Error::Closed`;
    /// - `Error::Checkpointed`, for a log kept as segments, when `from` is
    ///   not 0 and below [`first_lsn`](Self::first_lsn);
    /// - an I/O error (or the storage's) if the log cannot be mapped.
    ///
    /// Errors met while reading come from the iterator (see
    /// [`WalIterator::next_borrowed`]).
    pub fn iterator(&self, from: Lsn) -> Result<WalIterator> {
        self.check_open()?;
        self.pipeline.flush()?;
        WalIterator::new(Arc::clone(&self.shared), from)
    }

    /// The last LSN written to storage: 0 right after appends that the
    /// writer has not written yet. rewal 0.1.0's name, kept for its code;
    /// the three LSNs a log tracks, side by side:
    ///
    /// | call | the last LSN that is | after `append` | after [`flush`](Self::flush) | after [`sync`](Self::sync) |
    /// |---|---|---|---|---|
    /// | [`last_appended_lsn`](Self::last_appended_lsn) | handed out by `append` | N | N | N |
    /// | `last_lsn` | written to storage (readers see it) | up to N | N | N |
    /// | [`durable_lsn`](Self::durable_lsn) | written and synced | up to N | up to N | N |
    ///
    /// For "where am I" use [`last_appended_lsn`](Self::last_appended_lsn);
    /// for "what survives a crash", [`durable_lsn`](Self::durable_lsn).
    /// See [`first_lsn`](Self::first_lsn) for an example.
    pub fn last_lsn(&self) -> Lsn {
        self.shared.counters.last_lsn.load(Relaxed)
    }

    /// The last LSN handed out by `append` (0 if none, or on a log that
    /// holds none): what the last [`append`](Self::append) returned, in
    /// this process or, after a reopen, the last LSN the log holds. It
    /// does not wait for the writer, unlike [`last_lsn`](Self::last_lsn)
    /// (written) and [`durable_lsn`](Self::durable_lsn) (synced); see
    /// [`last_lsn`](Self::last_lsn) for the three side by side.
    ///
    /// ```
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-last-appended-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = rewal::Wal::open(&path).build()?;
    /// for i in 0..3600 {
    ///     wal.append(format!("tick {i}"))?;
    /// }
    /// assert_eq!(wal.last_appended_lsn(), 3600); // where we are, at once
    /// wal.sync()?;
    /// assert_eq!((wal.last_lsn(), wal.durable_lsn()), (3600, 3600));
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn last_appended_lsn(&self) -> Lsn {
        self.pipeline.last_assigned()
    }

    /// Everything up to this LSN is written and synced by rewal: it
    /// survives a crash or a power cut. It moves when the writer syncs: on
    /// every write under [`SyncMode::Batch`](crate::SyncMode::Batch), on
    /// its timer under [`SyncMode::Interval`](crate::SyncMode::Interval),
    /// and under [`SyncMode::Never`](crate::SyncMode::Never) only on
    /// [`sync`](Self::sync), [`wait_durable`](Self::wait_durable) and
    /// `shutdown`: the OS may have written more back on its own, but
    /// nothing says so, and this says only what is known to be durable. At
    /// open it is the last LSN the log holds (recovery syncs it). An LSN
    /// [`Backpressure::Drop`](crate::Backpressure::Drop) threw away counts
    /// as passed, with no event behind it. See [`last_lsn`](Self::last_lsn)
    /// for the three LSNs side by side.
    pub fn durable_lsn(&self) -> Lsn {
        self.pipeline.synced()
    }

    /// What recovery took out of the log when it opened, and where it kept
    /// it (empty when it took nothing): the writes after a power cut's
    /// lost pages (which opening cuts by itself), or what a
    /// [`Recovery::TruncateAtCorruption`](crate::Recovery) cut took. A torn
    /// tail is cut without a copy: it holds no valid frame.
    ///
    /// ```
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-set-aside-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = rewal::Wal::open(&path).build()?;
    /// for kept in wal.set_aside() {
    ///     eprintln!(
    ///         "recovery kept {} bytes ({} events, LSNs {} to {}) in {}",
    ///         kept.len, kept.events, kept.first_lsn, kept.last_lsn, kept.kept_in.display()
    ///     );
    /// }
    /// assert!(wal.set_aside().is_empty()); // a new log: nothing to recover
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_aside(&self) -> Vec<crate::SetAside> {
        self.shared.set_aside()
    }

    /// A snapshot of the counters; lock-free.
    ///
    /// ```
    /// use rewal::{State, Wal};
    ///
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-stats-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = Wal::open(&path).build()?;
    /// wal.append("a")?;
    /// wal.append("b")?;
    /// wal.sync()?;
    ///
    /// let stats = wal.stats();
    /// assert_eq!((stats.events_written, stats.last_lsn), (2, 2));
    /// assert_eq!(stats.bytes_synced, stats.bytes_written);
    /// assert_eq!(stats.state, State::Running);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// On a log already shut down or closed (or shutting down), it waits for
    /// that to finish and returns `Ok`, as rewal 0.1.0 does, so an explicit
    /// `shutdown` and a later one (in a `Drop`, say) both succeed: only the
    /// call that stopped the log reports how that went.
    ///
    /// ```
    /// use rewal::{Error, Wal};
    /// use std::time::Duration;
    ///
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-shutdown-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = Wal::open(&path).build()?;
    /// wal.append("last words")?;
    /// wal.shutdown(Duration::from_secs(5))?; // written, synced, unlocked
    ///
    /// assert_eq!(wal.append("too late"), Err(Error::Closed));
    /// wal.shutdown(Duration::from_secs(5))?; // again: Ok
    /// let wal = Wal::open(&path).build()?; // the file is free at once
    /// assert_eq!(wal.last_lsn(), 1);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// - `Error::Timeout` if the drain takes longer than `timeout`: the
    ///   writer finishes in the background and closes the file when done;
    /// - the log's failure, if a write or sync failed (then events still
    ///   pending were not written; see [Durability](crate#durability));
    /// - the error closing the storage (for a file, an I/O error cutting off
    ///   the zeros written ahead).
    ///
    /// None of these from a call on a log that was already stopped (except
    /// `Error::Timeout`, while another shutdown is still draining).
    pub fn shutdown(&self, timeout: Duration) -> Result<()> {
        self.shutdown_within(Some(timeout))
    }

    fn shutdown_within(&self, timeout: Option<Duration>) -> Result<()> {
        if !self.pipeline.begin_shutdown() {
            // Shut down or closed already, or another shutdown is under
            // way: wait for that to finish, then `Ok`, as rewal 0.1.0 does
            // (the call that stopped the log had the outcome to report).
            return match self.pipeline.finish_shutdown(timeout) {
                Err(Error::Timeout) => Err(Error::Timeout),
                _ => Ok(()),
            };
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
    /// and its lock released. Closing a closed (or shut down) log does
    /// nothing and returns `Ok`, as in rewal 0.1.0: only the call that
    /// stopped the log reports how closing went.
    ///
    /// ```
    /// use rewal::{Error, Wal};
    ///
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-close-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = Wal::open(&path).build()?;
    /// wal.append("maybe written, maybe discarded")?;
    /// wal.close()?; // at once: no drain, no sync
    ///
    /// assert_eq!(wal.append("too late"), Err(Error::Closed));
    /// wal.close()?; // again: Ok
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The error closing the storage (for a file, an I/O error cutting off
    /// the zeros written ahead); the log is closed all the same. A failure
    /// of the log is not reported here: [`shutdown`](Self::shutdown)
    /// reports it.
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
