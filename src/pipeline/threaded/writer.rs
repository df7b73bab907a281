//! The writer thread: it writes what nobody waits for, runs the syncs the
//! mode asks for, commits for async waiters, and drains the log at
//! shutdown. It sleeps the rest of the time, and is woken only when it
//! would otherwise be late (`Core::writer_looks_by`).

use super::core::{Core, Writer};
use crate::{Error, State};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

/// Every event is written within about this time of its append, whether
/// or not anyone waits for it: what a process crash can cost a log under
/// `SyncMode::Never` that nobody flushes.
///
/// While appends keep coming, the writer checks the log this often by
/// itself, so that appenders need not wake it: a caller that waits
/// commits on its own thread within microseconds, and waking the writer
/// for each append would cost a wake-up, a context switch and a sleep per
/// event for nothing.
pub(crate) const WRITE_WITHIN: Duration = Duration::from_millis(1);

/// How long an event stays queued before the writer takes a turn for it: a
/// caller that waits comes within microseconds of its append and commits
/// itself; were the writer to take that turn, the caller would wait for
/// it, and a durable append would cost a second turn for the sync.
/// (Under the model checker, no time: the writer then races the callers
/// for every turn, the harder schedule.)
const LINGER: Duration = if cfg!(rewal_shuttle) {
    Duration::ZERO
} else {
    Duration::from_micros(200)
};

/// The writer thread. Whatever happens in the loop, a panic included, the
/// exit path runs: the storage is closed, the log marked closed, and every
/// waiter woken, so no caller waits for a writer that is gone.
pub(super) fn run_writer(core: &Core) {
    let ran = catch_unwind(AssertUnwindSafe(|| write_until_stopped(core)));
    let panicked = ran
        .err()
        .map(|payload| Error::from_panic("the writer", payload.as_ref()));
    core.writer_exits(panicked);
}

/// The writer's loop: returns when the log closes, when a drain is done,
/// or when the log failed and is stopping.
fn write_until_stopped(core: &Core) {
    let mut guard = core.lock();
    // The last LSN assigned when the writer last looked: appends since mean
    // the log is in use, and the writer keeps watch by itself.
    let mut seen = guard.queue.last_assigned();
    loop {
        guard.writer = Writer::Awake;
        let state = core.state();
        if guard.queue.failed().is_some() {
            // A failed log has nothing to write: it waits to be stopped
            // (until then every call reports the failure).
            if state == State::Running {
                guard = core.writer_sleeps(guard, None);
                continue;
            }
            return;
        }
        if state == State::Closed {
            return;
        }
        if state == State::Draining && !guard.committing {
            if guard.queue.all_durable() {
                return;
            }
            guard = core.take_turn(guard, true);
            continue;
        }
        let now = rewal_platform::now();
        if !guard.committing && state == State::Running {
            let tasks_wait = guard.sync_wanted > guard.queue.synced();
            let sync_due = guard.sync_due_at.is_some_and(|at| now >= at);
            let unwaited = guard
                .queued_since
                .is_some_and(|since| now >= since.saturating_add(LINGER))
                || (guard.queued_since.is_some() && core.filling_up(&guard));
            if tasks_wait || sync_due || unwaited {
                guard = core.take_turn(guard, tasks_wait || sync_due);
                continue;
            }
        }
        // Nothing to do now: when to look again. (A turn under way ends by
        // handing over what it leaves, `Core::hand_over`.) A sync mark that
        // a caller's turn left pending is written first: the mark is paced
        // off the callers' path, not put off for long (`storage/mark.rs`).
        // (Outside the lock: appenders need not wait for its write.)
        let mark_due = core.shared.storage.mark_due();
        if mark_due.is_some_and(|due| now >= due) {
            drop(guard);
            core.shared.storage.catch_up_mark();
            guard = core.lock();
            continue;
        }
        let last = guard.queue.last_assigned();
        let in_use = last != seen;
        seen = last;
        // While a turn is under way, what is due already is the turn's: it
        // hands over what it leaves when it ends (`Core::hand_over`). A
        // deadline in the past would only wake the writer again at once,
        // for the whole turn: a core spent spinning beside every sync, and
        // under a real-time scheduler, the disk's completion starved.
        let committing = guard.committing;
        let until = [
            guard.queued_since.map(|since| since.saturating_add(LINGER)),
            guard.sync_due_at,
            mark_due,
            in_use.then(|| now.saturating_add(WRITE_WITHIN)),
        ]
        .into_iter()
        .flatten()
        .filter(|&at| !committing || at > now)
        .min();
        guard = core.writer_sleeps(guard, until);
    }
}
