//! The threaded pipeline (every target with threads): appenders encode into
//! a bounded queue; everything queued is written with one call and synced
//! with one sync (group commit), by one committer at a time.
//!
//! # Who commits
//!
//! A **turn** takes everything queued, writes it, and syncs if anyone
//! needs that. Exactly one turn runs at a time (`Guarded::committing`), so
//! writes stay serialised in LSN order, as with a single writer thread.
//!
//! Any thread that waits for something a turn makes true takes the turn
//! itself when nobody is committing, on its own thread: a `flush`, a
//! `wait_durable`, and an appender blocked on a full queue. No hand-off to
//! another thread and back (which on a durable write costs as much as the
//! write), and no waiting caller ever depends on another thread to be
//! answered: when a turn ends, every caller waiting for one is woken
//! (durability waiters: those it answered, and one more to take the next
//! turn), and each takes the next turn if it still needs it.
//!
//! The **writer thread** does what no caller waits for: it writes events
//! nobody flushes (within `WRITE_WITHIN` of their append), runs the syncs
//! `SyncMode::Interval` asks for, commits for async waiters (a task never
//! blocks its executor's thread on a write), and drains the log at
//! shutdown. It sleeps otherwise, and is woken only when it would be late
//! (`Core::writer_looks_by`): while appends keep coming it checks the log
//! by itself, so an append costs no wake-up.
//!
//! `tests/model.rs` checks these rules under the shuttle model checker.

mod core;
mod writer;

use self::core::{forget_task, Core, Sleeper, Wake};
use super::commit::Committer;
use super::queue::Item;
use super::{Durability, Settings};
use crate::shared::Shared;
use crate::stats::Counters;
use crate::sync::{self, thread, Mutex};
use crate::{Backpressure, Error, Lsn, Result, State};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Duration;

pub(crate) struct Pipeline {
    core: Arc<Core>,
    writer: Mutex<Option<thread::JoinHandle<()>>>,
}

impl Pipeline {
    pub(crate) fn start(
        shared: Arc<Shared>,
        committer: Committer,
        last_lsn: Lsn,
        settings: Settings,
    ) -> Result<Pipeline> {
        let core = Arc::new(Core::new(shared, committer, last_lsn, settings));
        let writer_core = Arc::clone(&core);
        let writer = thread::Builder::new()
            .name("rewal-writer".into())
            .spawn(move || writer::run_writer(&writer_core))?;
        Ok(Pipeline {
            core,
            writer: Mutex::new(Some(writer)),
        })
    }

    pub(crate) fn append(&self, item: &Item<'_>) -> Result<Lsn> {
        let core = &*self.core;
        let mut guard = core.lock();
        core.shared.state.check_appends()?;
        while guard.queue.frames() >= core.settings.queue_capacity {
            match core.settings.backpressure {
                // Room comes from a turn: this appender's own if nobody is
                // committing, or the end of the one under way. Either way
                // the log may have stopped meanwhile: then nothing is
                // appended (a shutdown's drain may be over already).
                Backpressure::Block if !guard.committing && guard.queue.failed().is_none() => {
                    guard = core.take_turn(guard, false);
                    core.shared.state.check_appends()?;
                }
                Backpressure::Block => {
                    guard = core.wait_for_turn(guard);
                    core.shared.state.check_appends()?;
                }
                Backpressure::Drop => {
                    if let Some(error) = guard.queue.failed() {
                        return Err(error.clone());
                    }
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
            .store(guard.queue.frames() as u64, Relaxed);
        let since = *guard.queued_since.get_or_insert_with(rewal_platform::now);
        if core.filling_up(&guard) {
            core.writer_looks_by(&mut guard, Duration::ZERO);
        } else {
            core.writer_looks_by(&mut guard, since.saturating_add(writer::WRITE_WITHIN));
        }
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
            match core.state() {
                State::Running if !guard.committing => {
                    guard = core.take_turn(guard, false);
                    continue;
                }
                // A turn in flight when the log closed still completes:
                // wait for what it makes true.
                State::Closed if !guard.committing => return Err(Error::Closed),
                _ => {}
            }
            guard = core.wait_for_turn(guard);
        }
    }

    /// Waits until every event up to `lsn` is written and synced; waiters
    /// of one moment share one write and one sync.
    pub(crate) fn wait_durable(&self, lsn: Lsn) -> Result<Durability> {
        let core = &*self.core;
        let mut guard = core.lock();
        if lsn > guard.queue.last_assigned() {
            return Err(Error::InvalidLsn);
        }
        let me = thread::current();
        loop {
            if let Some(known) = guard.queue.durability(lsn) {
                return known;
            }
            match core.state() {
                State::Running if !guard.committing => {
                    guard = core.take_turn(guard, true);
                    continue;
                }
                // A turn in flight when the log closed still completes
                // (and may make this event durable): wait for it.
                State::Closed if !guard.committing => return Err(Error::Closed),
                _ => {}
            }
            // A turn is under way (its end answers us, or elects us to take
            // the next), or the writer drains the log (its turns answer us):
            // either way the next sync must cover us.
            guard.sync_wanted = guard.sync_wanted.max(lsn);
            guard.sleepers.push(Sleeper {
                lsn,
                wake: Wake::Thread(me.clone()),
            });
            drop(guard);
            thread::park();
            guard = core.lock();
            // Woken entries are removed by the waker; after a spurious
            // wake-up, remove ours.
            guard.sleepers.retain(
                |sleeper| !matches!(&sleeper.wake, Wake::Thread(thread) if thread.id() == me.id()),
            );
        }
    }

    /// `wait_durable` for a task: the answer if there is one, or else the
    /// task's waker registered (under `id`, replacing an earlier one) and
    /// the writer thread asked to commit through `lsn`. Never commits on
    /// the caller's thread.
    pub(crate) fn poll_durable(
        &self,
        lsn: Lsn,
        id: u64,
        waker: &Waker,
    ) -> Poll<Result<Durability>> {
        let core = &*self.core;
        let mut guard = core.lock();
        if lsn > guard.queue.last_assigned() {
            return Poll::Ready(Err(Error::InvalidLsn));
        }
        if let Some(known) = guard.queue.durability(lsn) {
            forget_task(&mut guard, id);
            return Poll::Ready(known);
        }
        if core.state() == State::Closed && !guard.committing {
            forget_task(&mut guard, id);
            return Poll::Ready(Err(Error::Closed));
        }
        guard.sync_wanted = guard.sync_wanted.max(lsn);
        core.writer_looks_by(&mut guard, Duration::ZERO);
        match guard
            .sleepers
            .iter_mut()
            .find(|sleeper| matches!(sleeper.wake, Wake::Task(task, _) if task == id))
        {
            Some(sleeper) => match &mut sleeper.wake {
                Wake::Task(_, known) if !known.will_wake(waker) => *known = waker.clone(),
                _ => {}
            },
            None => guard.sleepers.push(Sleeper {
                lsn,
                wake: Wake::Task(id, waker.clone()),
            }),
        }
        Poll::Pending
    }

    /// The last LSN assigned.
    pub(crate) fn last_assigned(&self) -> Lsn {
        self.core.lock().queue.last_assigned()
    }

    /// Every LSN up to this one is durable (or was dropped).
    pub(crate) fn synced(&self) -> Lsn {
        self.core.lock().queue.synced()
    }

    /// Forgets the task `id` (its future was dropped, or has its answer).
    pub(crate) fn forget_durable(&self, id: u64) {
        forget_task(&mut self.core.lock(), id);
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

    /// Starts a shutdown: `Running → Draining`, and the writer drains.
    /// False when the log was not running (another shutdown or a close came
    /// first).
    pub(crate) fn begin_shutdown(&self) -> bool {
        let core = &*self.core;
        let mut guard = core.lock();
        if !core.shared.state.drain() {
            return false;
        }
        core.writer_looks_by(&mut guard, Duration::ZERO);
        // Parked waiters wait for the writer's drain now, not for a turn.
        core.wake_sleepers(&mut guard);
        true
    }

    /// Waits for the shutdown (or close) under way to finish: `Err(Timeout)`
    /// if that takes longer than `timeout` (the writer then finishes in the
    /// background). Returns the log's failure, if it failed.
    pub(crate) fn finish_shutdown(&self, timeout: Option<Duration>) -> Result<()> {
        let core = &*self.core;
        let mut guard = core.lock();
        // A timeout too long to add (`Duration::MAX`) is no deadline.
        let deadline = timeout.and_then(|timeout| rewal_platform::now().checked_add(timeout));
        while !guard.writer_done {
            guard = match deadline {
                None => core.wait_for_turn(guard),
                Some(deadline) => core.wait_for_turn_until(guard, deadline)?,
            };
        }
        let outcome = match guard.queue.failed() {
            Some(error) => Err(error.clone()),
            None => guard.closed.clone(),
        };
        drop(guard);
        self.join_writer();
        outcome
    }

    /// Stops at once: pending events are discarded (and counted as drops),
    /// a turn in progress completes, the storage is closed.
    pub(crate) fn close(&self) -> Result<()> {
        let core = &*self.core;
        let mut guard = core.lock();
        // A log closed before: `Ok` once it is done, as rewal 0.1.0 says
        // (the call that closed it had the outcome to report).
        let first = core.state() != State::Closed;
        core.shared.state.close();
        let discarded = guard.queue.discard();
        guard.queued_since = None;
        core.writer_looks_by(&mut guard, Duration::ZERO);
        core.wake_sleepers(&mut guard);
        // Appenders blocked on the full queue: it is closed now.
        core.wake_waiting(&guard);
        while !guard.writer_done {
            guard = core.wait_for_turn(guard);
        }
        let outcome = if first { guard.closed.clone() } else { Ok(()) };
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
        let handle = sync::lock(&self.writer).take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}
