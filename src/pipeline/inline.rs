//! The inline pipeline (wasm32 without threads): no writer thread and no
//! queue. `append` encodes into the write buffer at once; the buffer is
//! written when it would pass `buffer_capacity`, and at every flush point
//! (`flush`, `sync`, `wait_durable`, `replay`, `iterator`, `shutdown`),
//! where `SyncMode::Interval` is also honoured. Same contract as the
//! threaded pipeline; `queue_capacity` and `Backpressure` have nothing to
//! act on.

use super::commit::Committer;
use super::queue::{Item, Queue};
use super::{Durability, Settings};
use crate::frame::MIN_FRAME_LEN;
use crate::shared::Shared;
use crate::stats::Counters;
use crate::sync::{self, Mutex, MutexGuard};
use crate::{Error, Lsn, Result, State};
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct Pipeline {
    inner: Mutex<Inner>,
    shared: Arc<Shared>,
    buffer_capacity: usize,
}

struct Inner {
    queue: Queue,
    committer: Committer,
}

impl Inner {
    /// Writes what is buffered, then syncs if asked or if the mode says so.
    fn commit(&mut self, sync: bool) -> Result<()> {
        if let Some(error) = self.queue.failed() {
            return Err(error.clone());
        }
        let mark = self.committer.take(&mut self.queue);
        let outcome = self.committer.commit(sync);
        self.queue.settle(mark, &outcome);
        if let (Err(_), Some(failure)) = (&outcome, self.queue.failed()) {
            // Nothing more will be written: live readers must not wait for
            // it.
            self.committer.shared().end_writes(Err(failure.clone()));
        }
        outcome.map(drop)
    }
}

impl Pipeline {
    pub(crate) fn start(
        shared: Arc<Shared>,
        committer: Committer,
        last_lsn: Lsn,
        settings: Settings,
    ) -> Result<Pipeline> {
        Ok(Pipeline {
            inner: Mutex::new(Inner {
                queue: Queue::new(last_lsn, settings.buffer_capacity),
                committer,
            }),
            shared,
            buffer_capacity: settings.buffer_capacity,
        })
    }

    /// The last LSN assigned.
    pub(crate) fn last_assigned(&self) -> Lsn {
        self.lock().queue.last_assigned()
    }

    /// Every LSN up to this one is durable (or was dropped).
    pub(crate) fn synced(&self) -> Lsn {
        self.lock().queue.synced()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        sync::lock(&self.inner)
    }

    fn closed(&self) -> bool {
        self.shared.state.load() == State::Closed
    }

    pub(crate) fn append(&self, item: &Item<'_>) -> Result<Lsn> {
        let mut inner = self.lock();
        self.shared.state.check_appends()?;
        let pending = inner.queue.pending_bytes();
        if pending > 0 && pending + item.region_len() + MIN_FRAME_LEN > self.buffer_capacity {
            inner.commit(false)?;
        }
        let lsn = inner.queue.push(item)?;
        if inner.queue.pending_bytes() >= self.buffer_capacity {
            // The event is appended (it has its LSN, and may be in the log
            // now): a failure of this write or sync fails the log, and is
            // reported by the next call, as the threaded pipeline does.
            let _ = inner.commit(false);
        }
        Ok(lsn)
    }

    pub(crate) fn flush(&self) -> Result<()> {
        let mut inner = self.lock();
        let target = inner.queue.last_assigned();
        if let Some(known) = inner.queue.written_through(target) {
            return known;
        }
        if self.closed() {
            return Err(Error::Closed);
        }
        inner.commit(false)
    }

    pub(crate) fn wait_durable(&self, lsn: Lsn) -> Result<Durability> {
        let mut inner = self.lock();
        if lsn > inner.queue.last_assigned() {
            return Err(Error::InvalidLsn);
        }
        if let Some(known) = inner.queue.durability(lsn) {
            return known;
        }
        if self.closed() {
            return Err(Error::Closed);
        }
        inner.commit(true)?;
        Ok(Durability::Durable)
    }

    pub(crate) fn sync(&self) -> Result<()> {
        let last = self.lock().queue.last_assigned();
        self.wait_durable(last).map(drop)
    }

    /// `Running → Draining`; false when the log was not running.
    pub(crate) fn begin_shutdown(&self) -> bool {
        let _inner = self.lock();
        self.shared.state.drain()
    }

    /// Writes what is buffered, syncs, closes (if a shutdown began: a close
    /// may have come first). Nothing runs in the background here, so the
    /// timeout has nothing to bound.
    pub(crate) fn finish_shutdown(&self, _timeout: Option<Duration>) -> Result<()> {
        let mut inner = self.lock();
        if self.shared.state.load() == State::Draining {
            let drained = inner.commit(true);
            let closed = self.finish(&mut inner);
            drained?;
            return closed;
        }
        // Closed before: say how the log ended, as the threaded one does.
        inner.queue.failed().cloned().map_or(Ok(()), Err)
    }

    /// Discards what is buffered (counted as drops) and closes.
    pub(crate) fn close(&self) -> Result<()> {
        let mut inner = self.lock();
        if self.closed() {
            return Ok(());
        }
        let discarded = inner.queue.discard();
        if discarded > 0 {
            Counters::add(&self.shared.counters.drops, discarded);
            self.shared
                .hooks
                .run(|hooks| hooks.on_drop(discarded as usize));
        }
        self.finish(&mut inner)
    }

    fn finish(&self, inner: &mut Inner) -> Result<()> {
        self.shared.state.close();
        let closed = inner.committer.close_storage();
        // Live readers awaiting more (another task of this thread's
        // executor): no more events will come.
        let over = inner.queue.failed().cloned().map_or(Ok(()), Err);
        self.shared.end_writes(over);
        closed
    }
}
