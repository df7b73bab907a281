//! The threaded pipeline (every target with threads): appenders encode into
//! a bounded queue; one writer thread takes everything queued at once,
//! writes it with one call (group commit), syncs as the mode says, and
//! releases every flush and durability waiter the write covered.

use super::commit::Committer;
use super::queue::{Intake, Item, Queue};
use super::{Durability, Settings};
use crate::shared::Shared;
use crate::stats::Counters;
use crate::{Backpressure, Error, Lsn, Result, State};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

pub(crate) struct Pipeline {
    core: Arc<Core>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

struct Core {
    guarded: Mutex<Guarded>,
    /// The writer waits here for work.
    work: Condvar,
    /// Everyone else waits here for the writer's progress.
    progress: Condvar,
    shared: Arc<Shared>,
    settings: Settings,
}

struct Guarded {
    queue: Queue,
    /// The writer is waiting on `work` (so an appender must wake it).
    writer_idle: bool,
    /// Threads waiting on `progress` (so the writer need not notify when 0).
    waiters: usize,
    /// The largest LSN a `wait_durable` or `sync` caller wants durable.
    sync_wanted: Lsn,
    stop: Stop,
    /// The writer has exited; `closed` is how closing the storage went.
    done: bool,
    closed: Result<()>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    No,
    /// Write everything pending, sync, then stop (`shutdown`).
    Drain,
    /// Stop at once, discarding what is pending (`close`).
    Now,
}

impl Core {
    fn lock(&self) -> MutexGuard<'_, Guarded> {
        self.guarded
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits on `progress`, counted so the writer knows to notify.
    fn wait<'a>(&self, mut guard: MutexGuard<'a, Guarded>) -> MutexGuard<'a, Guarded> {
        guard.waiters += 1;
        let mut guard = self
            .progress
            .wait(guard)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.waiters -= 1;
        guard
    }

    /// Wakes the writer if it sleeps. Call with the lock held; the notify
    /// itself is cheap when nobody waits.
    fn nudge(&self, guard: &mut Guarded) {
        if std::mem::take(&mut guard.writer_idle) {
            self.work.notify_one();
        }
    }
}

impl Pipeline {
    pub(crate) fn start(
        shared: Arc<Shared>,
        committer: Committer,
        last_lsn: Lsn,
        settings: Settings,
    ) -> Result<Pipeline> {
        let core = Arc::new(Core {
            guarded: Mutex::new(Guarded {
                queue: Queue::new(last_lsn, settings.buffer_capacity),
                writer_idle: false,
                waiters: 0,
                sync_wanted: 0,
                stop: Stop::No,
                done: false,
                closed: Ok(()),
            }),
            work: Condvar::new(),
            progress: Condvar::new(),
            shared,
            settings,
        });
        let writer_core = Arc::clone(&core);
        let writer = std::thread::Builder::new()
            .name("rewal-writer".into())
            .spawn(move || run_writer(&writer_core, committer))?;
        Ok(Pipeline {
            core,
            writer: Mutex::new(Some(writer)),
        })
    }

    pub(crate) fn append(&self, item: &Item<'_>) -> Result<Lsn> {
        let core = &*self.core;
        let mut guard = core.lock();
        guard.queue.check_open()?;
        while guard.queue.frames >= core.settings.queue_capacity {
            match core.settings.backpressure {
                Backpressure::Block => {
                    guard = core.wait(guard);
                    guard.queue.check_open()?;
                }
                Backpressure::Drop => {
                    let count = item.count();
                    let lsn = guard.queue.drop_lsns(count)?;
                    drop(guard);
                    Counters::add(&core.shared.counters.drops, count);
                    core.shared.hooks.run(|hooks| hooks.on_drop(count as usize));
                    return Ok(lsn);
                }
                Backpressure::Error => return Err(Error::QueueFull),
            }
        }
        let lsn = guard.queue.push(item)?;
        core.shared
            .counters
            .queue_len
            .store(guard.queue.frames as u64, Relaxed);
        core.nudge(&mut guard);
        Ok(lsn)
    }

    /// Waits until every event appended before the call is written.
    pub(crate) fn flush(&self) -> Result<()> {
        let core = &*self.core;
        let mut guard = core.lock();
        let target = guard.queue.last_assigned();
        loop {
            if let Some(known) = guard.queue.written_through(target) {
                return known;
            }
            core.nudge(&mut guard);
            guard = core.wait(guard);
        }
    }

    /// Waits until every event up to `lsn` is written and synced; all the
    /// waiters of one moment share one sync.
    pub(crate) fn wait_durable(&self, lsn: Lsn) -> Result<Durability> {
        let core = &*self.core;
        let mut guard = core.lock();
        if lsn > guard.queue.last_assigned() {
            return Err(Error::InvalidLsn);
        }
        loop {
            if let Some(known) = guard.queue.durability(lsn) {
                return known;
            }
            guard.sync_wanted = guard.sync_wanted.max(lsn);
            core.nudge(&mut guard);
            guard = core.wait(guard);
        }
    }

    /// Makes every event appended before the call durable.
    pub(crate) fn sync(&self) -> Result<()> {
        let last = self.core.lock().queue.last_assigned();
        // Whether the last event itself was dropped does not matter here.
        match self.wait_durable(last) {
            Ok(_) | Err(Error::Dropped) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Drains, syncs and closes; `Err(Timeout)` if that takes longer than
    /// `timeout` (the writer then finishes in the background).
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) -> Result<()> {
        let core = &*self.core;
        let mut guard = core.lock();
        if guard.queue.intake == Intake::Open {
            guard.queue.intake = Intake::Draining;
        }
        if guard.stop == Stop::No {
            guard.stop = Stop::Drain;
        }
        core.nudge(&mut guard);
        // A timeout too long to add (`Duration::MAX`) is no deadline.
        let deadline = timeout.and_then(|timeout| rewal_platform::now().checked_add(timeout));
        while !guard.done {
            guard.waiters += 1;
            guard = match deadline {
                None => core.progress.wait(guard).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_sub(rewal_platform::now());
                    if left.is_zero() {
                        guard.waiters -= 1;
                        return Err(Error::Timeout);
                    }
                    core.progress
                        .wait_timeout(guard, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
            guard.waiters -= 1;
        }
        let outcome = match &guard.queue.failed {
            Some(error) => Err(error.clone()),
            None => guard.closed.clone(),
        };
        drop(guard);
        self.join_writer();
        outcome
    }

    /// Stops at once: pending events are discarded (and counted as drops),
    /// a write in progress completes, the storage is closed.
    pub(crate) fn close(&self) -> Result<()> {
        let core = &*self.core;
        let mut guard = core.lock();
        let discarded = guard.queue.discard();
        guard.queue.intake = Intake::Closed;
        guard.stop = Stop::Now;
        core.nudge(&mut guard);
        while !guard.done {
            guard = core.wait(guard);
        }
        let outcome = guard.closed.clone();
        drop(guard);
        if discarded > 0 {
            Counters::add(&core.shared.counters.drops, discarded);
            core.shared
                .hooks
                .run(|hooks| hooks.on_drop(discarded as usize));
        }
        self.join_writer();
        outcome
    }

    fn join_writer(&self) {
        let handle = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

/// The writer thread. Whatever happens in the loop, a panic included, the
/// exit path runs: the storage is closed, the log marked closed, and every
/// waiter woken, so no caller waits for a writer that is gone.
fn run_writer(core: &Core, mut committer: Committer) {
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        write_until_stopped(core, &mut committer)
    }));
    // Release the file (and its lock) before anyone hears we are done, so
    // a reopen right after shutdown or close succeeds.
    let closed = committer.close_storage();
    let mut guard = core.lock();
    if let Err(payload) = ran {
        if guard.queue.failed.is_none() {
            guard.queue.failed = Some(Error::from_panic("the writer", payload.as_ref()));
        }
        guard.queue.discard();
    }
    core.shared.state.store(State::Closed);
    guard.queue.intake = Intake::Closed;
    guard.closed = closed;
    guard.done = true;
    core.progress.notify_all();
}

/// The writer's loop: returns when told to stop, or when the log failed.
fn write_until_stopped(core: &Core, committer: &mut Committer) {
    let mut spare = Vec::with_capacity(core.settings.buffer_capacity);
    let mut guard = core.lock();
    loop {
        // Sleep until there is something to do.
        loop {
            let queue = &guard.queue;
            let behind = queue.written < queue.last_assigned();
            let sync_asked = guard.sync_wanted > queue.synced;
            if guard.stop != Stop::No
                || (queue.failed.is_none() && (behind || sync_asked || committer.sync_due()))
            {
                break;
            }
            guard.writer_idle = true;
            guard = match committer.next_sync_in() {
                Some(wait) => {
                    core.work
                        .wait_timeout(guard, wait)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
                None => core.work.wait(guard).unwrap_or_else(|p| p.into_inner()),
            };
            guard.writer_idle = false;
        }
        if guard.stop == Stop::Now || guard.queue.failed.is_some() {
            break;
        }

        // Take everything queued (group commit), and free the queue at once.
        let mark = guard.queue.take(&mut spare);
        core.shared.counters.queue_len.store(0, Relaxed);
        let want_sync = guard.sync_wanted > guard.queue.synced || guard.stop == Stop::Drain;
        if guard.waiters > 0 {
            core.progress.notify_all();
        }
        drop(guard);

        let outcome = committer.commit(&mut spare, want_sync);
        guard = core.lock();
        guard.queue.settle(mark, &outcome);
        // A failed write discards the queue: the gauge follows.
        core.shared
            .counters
            .queue_len
            .store(guard.queue.frames as u64, Relaxed);
        let synced = matches!(outcome, Ok(true));
        if guard.waiters > 0 {
            core.progress.notify_all();
        }
        if guard.stop == Stop::Drain && guard.queue.pending.is_empty() && synced {
            break;
        }
    }
}
