//! What the threads of one log share: the queue and the turn (`Guarded`,
//! under one lock), the committer (held by the turn's owner), and the
//! rules by which the end of a turn wakes whoever must act next.

use super::super::commit::Committer;
use super::super::queue::Queue;
use super::super::Settings;
use crate::shared::Shared;
use crate::sync::{self, thread::Thread, Condvar, Mutex, MutexGuard};
use crate::{Error, Lsn, Result, State};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

pub(super) struct Core {
    guarded: Mutex<Guarded>,
    /// Held only by the thread whose turn it is (see `Guarded::committing`),
    /// so it is never contended.
    committer: Mutex<Committer>,
    /// The writer thread sleeps here.
    writer_bell: Condvar,
    /// Threads waiting for a turn to end (flushes, appenders blocked on a
    /// full queue, shutdowns and closes waiting for the writer) wait here.
    turn_ended: Condvar,
    pub(super) shared: Arc<Shared>,
    pub(super) settings: Settings,
}

pub(super) struct Guarded {
    pub(super) queue: Queue,
    /// A turn is under way: someone holds the committer.
    pub(super) committing: bool,
    /// What the writer thread is doing (see `Writer`).
    pub(super) writer: Writer,
    /// Threads waiting on `turn_ended` (nobody need notify when 0).
    waiting: usize,
    /// Callers waiting until their LSN is durable: a turn wakes only those
    /// it answered, and one more to take the next turn, rather than all.
    pub(super) sleepers: Vec<Sleeper>,
    /// The largest LSN a waiter that takes no turn wants durable (an async
    /// task, or any waiter while the log drains): the next turn syncs.
    pub(super) sync_wanted: Lsn,
    /// When the oldest frame still queued was queued (`None`: the queue is
    /// empty): the writer writes it once nobody else has for a while.
    pub(super) queued_since: Option<Duration>,
    /// When the sync mode wants what is written synced (`Interval`), as the
    /// last turn left it.
    pub(super) sync_due_at: Option<Duration>,
    /// The writer thread has exited (the log is closed and its storage
    /// released); `closed` is how closing the storage went.
    pub(super) writer_done: bool,
    pub(super) closed: Result<()>,
}

/// What the writer thread is doing. Only a writer that sleeps needs a
/// wake, and only one that sleeps past the moment something needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Writer {
    /// Awake: it looks at the log before it sleeps again, so whatever
    /// changed under the lock meanwhile, it sees.
    Awake,
    /// Asleep until woken.
    Asleep,
    /// Asleep until this moment (`rewal_platform::now()`), or woken.
    Dozing(Duration),
}

/// A caller waiting until its LSN is durable.
pub(super) struct Sleeper {
    pub(super) lsn: Lsn,
    pub(super) wake: Wake,
}

/// How a sleeper is woken.
pub(super) enum Wake {
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
pub(super) struct ToWake {
    threads: Vec<Thread>,
    /// One of them (the first) takes the next turn.
    elected: bool,
}

impl ToWake {
    pub(super) fn wake(self) {
        self.threads.iter().for_each(Thread::unpark);
    }
}

impl Core {
    pub(super) fn new(
        shared: Arc<Shared>,
        committer: Committer,
        last_lsn: Lsn,
        settings: Settings,
    ) -> Core {
        Core {
            guarded: Mutex::new(Guarded {
                queue: Queue::new(last_lsn, settings.buffer_capacity),
                committing: false,
                writer: Writer::Awake,
                waiting: 0,
                sleepers: Vec::new(),
                sync_wanted: 0,
                queued_since: None,
                sync_due_at: None,
                writer_done: false,
                closed: Ok(()),
            }),
            committer: Mutex::new(committer),
            writer_bell: Condvar::new(),
            turn_ended: Condvar::new(),
            shared,
            settings,
        }
    }

    /// The log's lifecycle (see `state.rs`): `Running` takes turns,
    /// `Draining` has the writer write everything and stop, `Closed` stops
    /// at once. Moved only with the lock held.
    pub(super) fn state(&self) -> State {
        self.shared.state.load()
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Guarded> {
        sync::lock(&self.guarded)
    }

    pub(super) fn committer(&self) -> MutexGuard<'_, Committer> {
        sync::lock(&self.committer)
    }

    /// Waits for the end of a turn (or of the writer), counted so that the
    /// turn knows to notify.
    pub(super) fn wait_for_turn<'a>(
        &self,
        mut guard: MutexGuard<'a, Guarded>,
    ) -> MutexGuard<'a, Guarded> {
        guard.waiting += 1;
        let mut guard = sync::wait(&self.turn_ended, guard);
        guard.waiting -= 1;
        guard
    }

    /// As [`wait_for_turn`](Self::wait_for_turn), giving up at `deadline`
    /// (`Err(Timeout)` once it has passed).
    pub(super) fn wait_for_turn_until<'a>(
        &self,
        mut guard: MutexGuard<'a, Guarded>,
        deadline: Duration,
    ) -> Result<MutexGuard<'a, Guarded>> {
        let left = deadline.saturating_sub(rewal_platform::now());
        if left.is_zero() {
            return Err(Error::Timeout);
        }
        guard.waiting += 1;
        let mut guard = sync::wait_timeout(&self.turn_ended, guard, left);
        guard.waiting -= 1;
        Ok(guard)
    }

    /// Wakes everyone waiting for a turn to end.
    pub(super) fn wake_waiting(&self, guard: &Guarded) {
        if guard.waiting > 0 {
            self.turn_ended.notify_all();
        }
    }

    /// The writer thread sleeps here until `writer_looks_by` wakes it, or
    /// until `until` (if any).
    pub(super) fn writer_sleeps<'a>(
        &self,
        mut guard: MutexGuard<'a, Guarded>,
        until: Option<Duration>,
    ) -> MutexGuard<'a, Guarded> {
        match until {
            None => {
                guard.writer = Writer::Asleep;
                sync::wait(&self.writer_bell, guard)
            }
            Some(at) => {
                guard.writer = Writer::Dozing(at);
                let left = at.saturating_sub(rewal_platform::now());
                sync::wait_timeout(&self.writer_bell, guard, left)
            }
        }
    }

    /// Makes sure the writer thread looks at the log by `at` (a moment of
    /// `rewal_platform::now()`; `Duration::ZERO`: now): wakes it if it
    /// sleeps past that. The one way anyone wakes the writer, so that it is
    /// woken only when it would otherwise be late.
    pub(super) fn writer_looks_by(&self, guard: &mut Guarded, at: Duration) {
        let late = match guard.writer {
            Writer::Awake => false,
            Writer::Asleep => true,
            Writer::Dozing(until) => until > at,
        };
        if late {
            guard.writer = Writer::Awake;
            self.writer_bell.notify_one();
        }
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
    pub(super) fn take_answered(&self, guard: &mut Guarded) -> ToWake {
        let synced = guard.queue.synced();
        let answered = guard.queue.failed().is_some() || self.state() != State::Running;
        let mut elected = guard.committing;
        let mut threads = Vec::new();
        guard.sleepers.retain(|sleeper| {
            if answered || sleeper.lsn <= synced {
                match &sleeper.wake {
                    Wake::Thread(thread) => threads.push(thread.clone()),
                    Wake::Task(_, waker) => waker.wake_by_ref(),
                }
                return false;
            }
            if let (false, Wake::Thread(thread)) = (elected, &sleeper.wake) {
                elected = true;
                threads.insert(0, thread.clone());
                return false;
            }
            true
        });
        ToWake {
            threads,
            elected: elected && !guard.committing,
        }
    }

    /// One turn: takes everything queued and writes it (and syncs, if
    /// `sync`, if someone waits for durability, if draining, or if the mode
    /// says so), on this thread. Call with `committing` false; returns with
    /// the lock held again, the outcome settled and whoever must act next
    /// woken.
    pub(super) fn take_turn<'a>(
        &'a self,
        mut guard: MutexGuard<'a, Guarded>,
        sync: bool,
    ) -> MutexGuard<'a, Guarded> {
        guard.committing = true;
        let mut committer = self.committer();
        let mark = committer.take(&mut guard.queue);
        guard.queued_since = None;
        let sync =
            sync || guard.sync_wanted > guard.queue.synced() || self.state() == State::Draining;
        self.shared.counters.queue_len.store(0, Relaxed);
        // Appenders blocked on a full queue have room now.
        self.wake_waiting(&guard);
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
                self.wake_waiting(&guard);
                drop(guard);
                catch_unwind(AssertUnwindSafe(|| committer.sync_if(sync)))
                    .unwrap_or_else(|payload| Err(Error::from_panic("a sync", payload.as_ref())))
            }
            Ok(()) => committer.sync_if(sync),
            Err(error) => Err(error),
        };
        let sync_due_at = committer.sync_due_at();
        drop(committer);
        // A sync whose mark was left pending (`storage/mark.rs`): the writer
        // writes it when due, even if the log has gone quiet.
        let mark_due = self.shared.storage.mark_due();

        let mut guard = self.lock();
        guard.queue.settle(mark, &outcome);
        if let (Err(_), Some(failure)) = (&outcome, guard.queue.failed()) {
            // Nothing more will be written: live readers must not wait for
            // it.
            self.shared.end_writes(Err(failure.clone()));
        }
        guard.committing = false;
        guard.sync_due_at = sync_due_at;
        if let Some(due) = mark_due {
            self.writer_looks_by(&mut guard, due);
        }
        // A failed write discards the queue: the gauge follows.
        self.shared
            .counters
            .queue_len
            .store(guard.queue.frames() as u64, Relaxed);
        self.wake_waiting(&guard);
        let answered = self.take_answered(&mut guard);
        self.hand_over(&mut guard, answered.elected);
        if answered.threads.is_empty() {
            return guard;
        }
        drop(guard);
        answered.wake();
        self.lock()
    }

    /// At the end of a turn: makes sure whatever it left to do is someone's.
    /// Callers waiting for a turn were woken, and each takes the next one
    /// if it still needs it (a flush, an appender on a full queue, a
    /// durability waiter elected to), so none of them needs the writer.
    /// The writer is needed for the rest, by when it is needed:
    ///
    /// - a stopping log, and async waiters when no thread takes the next
    ///   turn: now;
    /// - a sync the mode asks for (`Interval`): when it is due;
    /// - events queued meanwhile that nobody may wait for: within
    ///   `WRITE_WITHIN` of their append.
    pub(super) fn hand_over(&self, guard: &mut Guarded, elected: bool) {
        let tasks_wait = guard.sync_wanted > guard.queue.synced() && !elected;
        if self.state() != State::Running || tasks_wait {
            self.writer_looks_by(guard, Duration::ZERO);
        }
        if let Some(at) = guard.sync_due_at {
            self.writer_looks_by(guard, at);
        }
        if let Some(since) = guard.queued_since {
            self.writer_looks_by(guard, since.saturating_add(super::writer::WRITE_WITHIN));
        }
    }

    /// Whether the queue holds enough that the writer should write it now.
    pub(super) fn filling_up(&self, guard: &Guarded) -> bool {
        guard.queue.frames() >= self.settings.queue_capacity / 2
            || guard.queue.pending_bytes() >= self.settings.buffer_capacity
    }

    /// Wakes the parked durability waiters that have their answer (see
    /// `take_answered`); the lock stays held (the caller releases it next).
    pub(super) fn wake_sleepers(&self, guard: &mut Guarded) {
        self.take_answered(guard).wake();
    }

    /// The writer thread's last act: the storage is closed (after any turn
    /// in progress), the log marked closed, and everyone who waits told.
    pub(super) fn writer_exits(&self, panicked: Option<Error>) {
        let mut guard = self.lock();
        // A turn may still be under way (a `close` does not wait for one):
        // the storage is closed only after it.
        while guard.committing {
            guard = self.wait_for_turn(guard);
        }
        if let Some(error) = panicked {
            guard.queue.fail(error);
        }
        self.shared.state.close();
        // Release the file (and its lock) before anyone hears we are done, so
        // a reopen right after shutdown or close succeeds.
        guard.closed = self.committer().close_storage();
        guard.writer_done = true;
        self.turn_ended.notify_all();
        self.wake_sleepers(&mut guard);
        let over = guard.queue.failed().cloned().map_or(Ok(()), Err);
        drop(guard);
        // Live readers at the end of the log: no more events will come
        // (told only now, after the last turn, so that a reader that hears
        // it has seen every write).
        self.shared.end_writes(over);
    }
}

/// Forgets the async task `id` (its future was dropped, or has its answer).
pub(super) fn forget_task(guard: &mut Guarded, id: u64) {
    guard
        .sleepers
        .retain(|sleeper| !matches!(sleeper.wake, Wake::Task(task, _) if task == id));
}
