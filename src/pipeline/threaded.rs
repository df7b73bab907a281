//! The threaded pipeline (every target with threads): appenders encode into
//! a bounded queue; everything queued is written with one call and synced
//! with one sync (group commit), by one committer at a time.
//!
//! Who commits: a caller that waits (`flush`, `wait_durable`, `sync`) and
//! finds nobody committing takes the turn itself, on its own thread: no
//! hand-off to another thread and back, which on a durable write costs as
//! much as the write. Otherwise the writer thread commits: it writes what
//! appenders queue while nobody waits (bounded latency for `SyncMode::Never`
//! logs), runs interval syncs, and drains the log at shutdown. Callers that
//! arrive while a turn is under way wait for it; when it ends, the next one
//! that is not yet covered takes the following turn with everything queued
//! meanwhile, so many concurrent waiters still share one write and one sync.
//!
//! Exactly one turn runs at a time (`Guarded::committing`), so writes stay
//! serialised in LSN order, as with a single writer thread.

use super::commit::Committer;
use super::queue::{Item, Queue};
use super::{Durability, Settings};
use crate::shared::Shared;
use crate::stats::Counters;
use crate::sync::{thread, Condvar, Mutex, MutexGuard};
use crate::{Backpressure, Error, Lsn, Result, State};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Duration;
use thread::{JoinHandle, Thread};

pub(crate) struct Pipeline {
    core: Arc<Core>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

struct Core {
    guarded: Mutex<Guarded>,
    /// Held only by the thread whose turn it is (see `Guarded::committing`),
    /// so it is never contended.
    committer: Mutex<Committer>,
    /// The writer thread waits here for work.
    work: Condvar,
    /// Everyone else waits here for progress.
    progress: Condvar,
    shared: Arc<Shared>,
    settings: Settings,
}

struct Guarded {
    queue: Queue,
    /// A turn is under way: someone holds the committer.
    committing: bool,
    /// The writer thread is waiting on `work` (so it must be woken).
    writer_idle: bool,
    /// The writer thread is lingering before a background turn (see
    /// `LINGER`): woken only when the queue fills up.
    writer_lingering: bool,
    /// Threads waiting on `progress` (so nobody need notify when 0).
    waiters: usize,
    /// Threads parked in `wait_durable`, each for its LSN: a turn wakes
    /// only those it covered, and one more to take the next turn, rather
    /// than every waiter (see `wake_sleepers`).
    sleepers: Vec<Sleeper>,
    /// The largest LSN a waiter that cannot take a turn wants durable.
    sync_wanted: Lsn,
    /// The writer thread has exited (the log is closed and its storage
    /// released); `closed` is how closing the storage went.
    writer_done: bool,
    closed: Result<()>,
}

/// A caller waiting until its LSN is durable.
struct Sleeper {
    lsn: Lsn,
    wake: Wake,
}

/// How a sleeper is woken.
enum Wake {
    /// A thread parked in `wait_durable`: it can take the next turn.
    Thread(Thread),
    /// A task awaiting `wait_durable_async` (its future's id, and its
    /// waker): it never takes a turn (that would block the executor's
    /// thread for a write and a sync); the writer thread commits for it.
    Task(u64, Waker),
}

/// Threads taken out of `Guarded::sleepers`, to be woken once the lock is
/// released: a thread woken while it is held would wake only to block on
/// it. (Tasks are woken with the lock held, so that a future dropped
/// meanwhile is never woken.)
#[must_use]
struct ToWake(Vec<Thread>);

impl ToWake {
    fn wake(self) {
        self.0.iter().for_each(Thread::unpark);
    }
}

impl Sleeper {
    fn can_take_turns(&self) -> bool {
        matches!(self.wake, Wake::Thread(_))
    }
}

impl Core {
    /// The log's lifecycle (see `state.rs`): `Running` takes turns,
    /// `Draining` has the writer write everything and stop, `Closed` stops
    /// at once. Moved only with the lock held.
    fn state(&self) -> State {
        self.shared.state.load()
    }

    fn lock(&self) -> MutexGuard<'_, Guarded> {
        self.guarded
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits on `progress`, counted so that progress knows to notify.
    fn wait<'a>(&self, mut guard: MutexGuard<'a, Guarded>) -> MutexGuard<'a, Guarded> {
        guard.waiters += 1;
        let mut guard = self
            .progress
            .wait(guard)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.waiters -= 1;
        guard
    }

    /// Wakes the writer thread if it sleeps. Call with the lock held.
    fn nudge(&self, guard: &mut Guarded) {
        if std::mem::take(&mut guard.writer_idle) {
            self.work.notify_one();
        }
    }

    fn wake_waiters(&self, guard: &Guarded) {
        if guard.waiters > 0 {
            self.progress.notify_all();
        }
    }

    /// Wakes the parked durability waiters that have their answer, and the
    /// one to take the next turn (see `take_answered`). Call with the lock
    /// held, where the lock is not released right after.
    fn wake_sleepers(&self, guard: &mut Guarded) {
        self.take_answered(guard).wake();
    }

    /// Takes out of the list the parked durability waiters that have their
    /// answer (their LSN is durable, or the log failed or is stopping),
    /// and, if nobody is committing, the first thread of the others, to take
    /// the next turn: tasks are woken at once, threads returned to be woken
    /// by the caller. The rest sleep on: the next turn covers them, and
    /// waking them now would only send them back to sleep (with 64 waiters,
    /// dozens of context switches per sync).
    ///
    /// The thread to take the next turn comes first: the disk idles until
    /// its turn starts, while the others only return to their callers.
    fn take_answered(&self, guard: &mut Guarded) -> ToWake {
        let synced = guard.queue.synced();
        let answered = guard.queue.failed().is_some() || self.state() != State::Running;
        let mut next_turn_taken = guard.committing;
        let mut threads = Vec::new();
        guard.sleepers.retain(|sleeper| {
            if answered || sleeper.lsn <= synced {
                match &sleeper.wake {
                    Wake::Thread(thread) => threads.push(thread.clone()),
                    Wake::Task(_, waker) => waker.wake_by_ref(),
                }
                return false;
            }
            if let (false, Wake::Thread(thread)) = (next_turn_taken, &sleeper.wake) {
                next_turn_taken = true;
                threads.insert(0, thread.clone());
                return false;
            }
            true
        });
        ToWake(threads)
    }

    /// One turn: takes everything queued and writes it (and syncs, if
    /// `sync`, if someone waits for durability, if draining, or if the mode
    /// says so), on this thread. Call with `committing` false; returns with
    /// the lock held again, the outcome settled and everyone told.
    fn take_turn<'a>(
        &'a self,
        mut guard: MutexGuard<'a, Guarded>,
        sync: bool,
    ) -> MutexGuard<'a, Guarded> {
        guard.committing = true;
        let mut committer = self
            .committer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mark = committer.take(&mut guard.queue);
        let sync =
            sync || guard.sync_wanted > guard.queue.synced() || self.state() == State::Draining;
        self.shared.counters.queue_len.store(0, Relaxed);
        // Appenders blocked on a full queue have room now.
        self.wake_waiters(&guard);
        drop(guard);

        // Storage, hook and indexer panics are caught where they are called;
        // this catches anything else, so that a turn always ends.
        let written = catch_unwind(AssertUnwindSafe(|| committer.write_taken()))
            .unwrap_or_else(|payload| Err(Error::from_panic("a write", payload.as_ref())));
        let outcome = match written {
            Ok(()) if committer.sync_wanted(sync) && !committer.written_means_synced() => {
                // Written: tell those who waited for that (a flush, a new
                // iterator) before the sync, so that none waits behind it.
                // (Not in `SyncMode::Batch`, where a flush that returns
                // says the events are durable.)
                let mut guard = self.lock();
                guard.queue.settle(mark, &Ok(false));
                self.wake_waiters(&guard);
                drop(guard);
                catch_unwind(AssertUnwindSafe(|| committer.sync_if(sync)))
                    .unwrap_or_else(|payload| Err(Error::from_panic("a sync", payload.as_ref())))
            }
            Ok(()) => committer.sync_if(sync),
            Err(error) => Err(error),
        };
        drop(committer);

        let mut guard = self.lock();
        guard.queue.settle(mark, &outcome);
        guard.committing = false;
        // A failed write discards the queue: the gauge follows.
        self.shared
            .counters
            .queue_len
            .store(guard.queue.frames() as u64, Relaxed);
        self.wake_waiters(&guard);
        let synced = guard.queue.synced();
        let next_turn_taken = guard
            .sleepers
            .iter()
            .any(|sleeper| sleeper.lsn > synced && sleeper.can_take_turns());
        let answered = self.take_answered(&mut guard);
        // Whatever arrived during the turn is the writer thread's if no
        // waiting caller is left to take the next turn.
        let unclaimed = guard.waiters == 0
            && !next_turn_taken
            && (guard.queue.behind() || guard.sync_wanted > synced);
        if unclaimed || self.state() != State::Running {
            self.nudge(&mut guard);
        }
        if answered.0.is_empty() {
            return guard;
        }
        drop(guard);
        answered.wake();
        self.lock()
    }

    /// Whether the queue holds enough that the writer should not linger.
    fn filling_up(&self, guard: &Guarded) -> bool {
        guard.queue.frames() >= self.settings.queue_capacity / 2
            || guard.queue.pending_bytes() >= self.settings.buffer_capacity
    }
}

fn forget_task(guard: &mut Guarded, id: u64) {
    guard
        .sleepers
        .retain(|sleeper| !matches!(sleeper.wake, Wake::Task(task, _) if task == id));
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
                committing: false,
                writer_idle: false,
                writer_lingering: false,
                waiters: 0,
                sleepers: Vec::new(),
                sync_wanted: 0,
                writer_done: false,
                closed: Ok(()),
            }),
            committer: Mutex::new(committer),
            work: Condvar::new(),
            progress: Condvar::new(),
            shared,
            settings,
        });
        let writer_core = Arc::clone(&core);
        let writer = thread::Builder::new()
            .name("rewal-writer".into())
            .spawn(move || run_writer(&writer_core))?;
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
                Backpressure::Block => {
                    guard = core.wait(guard);
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
        if !guard.committing {
            core.nudge(&mut guard);
        }
        if guard.writer_lingering && core.filling_up(&guard) {
            core.work.notify_one();
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
            core.nudge(&mut guard);
            guard = core.wait(guard);
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
            guard.sync_wanted = guard.sync_wanted.max(lsn);
            core.nudge(&mut guard);
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
        core.nudge(&mut guard);
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
        core.nudge(&mut guard);
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
        core.nudge(&mut guard);
        core.wake_sleepers(&mut guard);
        while !guard.writer_done {
            guard = core.wait(guard);
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
fn run_writer(core: &Core) {
    let ran = catch_unwind(AssertUnwindSafe(|| write_until_stopped(core)));
    let mut guard = core.lock();
    // A turn may still be under way (a `close` does not wait for one):
    // the storage is closed only after it.
    while guard.committing {
        guard = core.wait(guard);
    }
    if let Err(payload) = ran {
        guard
            .queue
            .fail(Error::from_panic("the writer", payload.as_ref()));
    }
    core.shared.state.close();
    // Release the file (and its lock) before anyone hears we are done, so
    // a reopen right after shutdown or close succeeds.
    let closed = core
        .committer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .close_storage();
    guard.closed = closed;
    guard.writer_done = true;
    core.progress.notify_all();
    core.wake_sleepers(&mut guard);
}

/// How long the writer thread waits before writing appends in the
/// background. A caller that waits (`flush`, `wait_durable`) usually comes
/// within microseconds of its append and commits on its own thread; were
/// the writer to take that turn, the caller would wait for it, and a
/// durable append would cost a second turn for the sync. A log nobody
/// waits on still has its appends written within this time.
const LINGER: Duration = Duration::from_micros(200);

/// The writer's loop: returns when the log closes, when a drain is done,
/// or when the log failed and is stopping.
fn write_until_stopped(core: &Core) {
    let mut guard = core.lock();
    loop {
        // Sleep until there is something to do and nobody else's turn. A
        // failed log has nothing to write: it waits to be stopped.
        loop {
            if !guard.committing {
                // Draining or closed: work to do. (Before the log starts,
                // in `Init`, there is none.)
                if matches!(core.state(), State::Draining | State::Closed) {
                    break;
                }
                let queue = &guard.queue;
                let sync_asked = guard.sync_wanted > queue.synced();
                if queue.failed().is_none() && (queue.behind() || sync_asked || sync_due(core)) {
                    break;
                }
            }
            guard.writer_idle = true;
            // The committer is busy during a turn (and its end wakes us).
            let interval = if guard.committing {
                None
            } else {
                next_sync_in(core)
            };
            guard = match interval {
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
        let state = core.state();
        if state == State::Closed || guard.queue.failed().is_some() {
            return;
        }
        let only_appends = state == State::Running && guard.sync_wanted <= guard.queue.synced();
        if guard.queue.behind() && only_appends && !core.filling_up(&guard) {
            guard.writer_lingering = true;
            guard = core
                .work
                .wait_timeout(guard, LINGER)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            guard.writer_lingering = false;
            // A caller may be taking the turn: then wait for it. Its turn
            // may have failed the log, or a close come meanwhile: then
            // there is nothing to write.
            if guard.committing || guard.queue.failed().is_some() || core.state() == State::Closed {
                continue;
            }
        }
        guard = core.take_turn(guard, false);
        if state == State::Draining && guard.queue.all_durable() {
            return;
        }
    }
}

/// Whether the sync mode wants a sync now. Called with nobody committing.
fn sync_due(core: &Core) -> bool {
    core.committer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .sync_due()
}

/// How long until an interval sync is due, when one will be.
fn next_sync_in(core: &Core) -> Option<Duration> {
    core.committer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .next_sync_in()
}
