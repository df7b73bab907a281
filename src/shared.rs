//! What the `Wal` handle, its writer and its iterators share.

use crate::frame::Problem;
use crate::hooks::HookRunner;
use crate::plugins::Compressor;
use crate::read::set_aside::SetAside;
use crate::state::AtomicState;
use crate::stats::Counters;
use crate::storage::SharedStorage;
use crate::sync::{self, Condvar, Mutex};
use crate::{Error, Lsn, Result, State};
use std::path::PathBuf;
use std::sync::atomic::{fence, AtomicU64, AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::time::Duration;

pub(crate) struct Shared {
    pub(crate) storage: SharedStorage,
    pub(crate) compressor: Option<Box<dyn Compressor>>,
    pub(crate) hooks: HookRunner,
    pub(crate) counters: Counters,
    pub(crate) state: AtomicState,
    /// The log's file or directory, when it was opened by path: errors
    /// found while reading say it.
    pub(crate) path: Option<PathBuf>,
    /// The first LSN of a single-file log (0 while it holds none).
    first_lsn: AtomicU64,
    /// What recovery set aside when the log opened.
    set_aside: Mutex<Vec<SetAside>>,
    /// Readers waiting for the log to grow: threads sleep on `grown`
    /// (`wait_for_growth`), tasks leave their wakers (`poll_growth`).
    growth: Mutex<Readers>,
    grown: Condvar,
    /// Threads in `wait_for_growth` plus wakers registered: a write wakes
    /// nobody (and takes no lock) while it is 0.
    waiting: AtomicUsize,
}

/// What `growth` guards: the wakers of the tasks waiting for the log to
/// grow, and whether any more bytes can come.
struct Readers {
    /// Each waiting task's waker, under its reader's id (one per reader:
    /// a poll replaces the waker it left before).
    tasks: Vec<(u64, Waker)>,
    /// Set once nothing more will be written: `Ok` when the log is closed
    /// (its writer finished, a shutdown's drain included), the error when
    /// the log failed (a failed log writes nothing more, and a reader
    /// waiting for it would wait until someone closed it).
    over: Option<Result<()>>,
}

impl Readers {
    /// Forgets the task `id`'s waker, if one is registered.
    fn forget(&mut self, id: u64, waiting: &AtomicUsize) {
        let before = self.tasks.len();
        self.tasks.retain(|(task, _)| *task != id);
        waiting.fetch_sub(before - self.tasks.len(), Ordering::SeqCst);
    }

    /// Takes every registered waker out (they are woken once the lock is
    /// released: an executor may poll the task at once, on this thread,
    /// and that poll takes the lock).
    fn take(&mut self, waiting: &AtomicUsize) -> Vec<(u64, Waker)> {
        let tasks = std::mem::take(&mut self.tasks);
        waiting.fetch_sub(tasks.len(), Ordering::SeqCst);
        tasks
    }
}

impl Shared {
    pub(crate) fn new(
        storage: SharedStorage,
        compressor: Option<Box<dyn Compressor>>,
        hooks: HookRunner,
        state: State,
        path: Option<PathBuf>,
    ) -> Shared {
        Shared {
            storage,
            compressor,
            hooks,
            counters: Counters::default(),
            state: AtomicState::new(state),
            path,
            first_lsn: AtomicU64::new(0),
            set_aside: Mutex::new(Vec::new()),
            growth: Mutex::new(Readers {
                tasks: Vec::new(),
                // A log opened closed (a tool's reader) never grows.
                over: (state == State::Closed).then_some(Ok(())),
            }),
            grown: Condvar::new(),
            waiting: AtomicUsize::new(0),
        }
    }

    /// The oldest LSN the log holds: for segments, the first LSN the
    /// oldest one may hold; for a single file, its first event's (0 while
    /// it holds none).
    pub(crate) fn first_lsn(&self) -> Lsn {
        match self.storage.segments() {
            Some(segments) => segments.first_lsn(),
            None => self.first_lsn.load(Ordering::Acquire),
        }
    }

    /// `error`, saying the log's path if it does not yet.
    pub(crate) fn at_path(&self, error: Error) -> Error {
        match &self.path {
            Some(path) => error.at_path(path, self.storage.segments().is_some()),
            None => error,
        }
    }

    /// Records the first LSN of a single-file log, once known.
    pub(crate) fn note_first_lsn(&self, lsn: Lsn) {
        let _ = self
            .first_lsn
            .compare_exchange(0, lsn, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Waits until the log grows past `end`, it closes (or fails), or
    /// `timeout` passes; returns whether it grew. Woken by the writer (see
    /// `set_file_end`) and by the end of the writes (`end_writes`), not by
    /// polling.
    pub(crate) fn wait_for_growth(&self, end: u64, timeout: Duration) -> bool {
        let deadline = rewal_platform::now().checked_add(timeout);
        let mut guard = sync::lock(&self.growth);
        self.waiting.fetch_add(1, Ordering::SeqCst);
        // Counted as waiting before the checks below (a write or a close
        // that comes later sees the count; one that came earlier is seen
        // by the checks): see `wake_readers`.
        fence(Ordering::SeqCst);
        let grew = loop {
            if self.file_end() > end {
                break true;
            }
            if self.state.load() == State::Closed
                || guard.over.is_some()
                || !rewal_platform::HAS_THREADS
            {
                break false;
            }
            guard = match deadline {
                Some(deadline) => {
                    let left = deadline.saturating_sub(rewal_platform::now());
                    if left.is_zero() {
                        break false;
                    }
                    sync::wait_timeout(&self.grown, guard, left)
                }
                // No deadline (`Duration::MAX`): until woken.
                None => sync::wait(&self.grown, guard),
            };
        };
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        grew
    }

    /// The async form of [`wait_for_growth`](Self::wait_for_growth), for
    /// the reader `id`: `Ready(Ok(true))` once the log has grown past
    /// `end`, `Ready(Ok(false))` once it is closed and has not,
    /// `Ready(Err(_))` once it failed and has not; otherwise `Pending`,
    /// with `waker` registered, to be woken by the next write or by the end
    /// of the writes. A `Ready` answer leaves no waker of `id` behind.
    pub(crate) fn poll_growth(&self, end: u64, id: u64, waker: &Waker) -> Poll<Result<bool>> {
        let mut readers = sync::lock(&self.growth);
        // `over` first: once it is seen set, every write made before it
        // is seen by the load of the end below (both under this lock, or
        // stored before it was taken), so a reader never ends short.
        let over = readers.over.clone();
        if self.file_end() > end {
            readers.forget(id, &self.waiting);
            return Poll::Ready(Ok(true));
        }
        if let Some(over) = over {
            readers.forget(id, &self.waiting);
            return Poll::Ready(over.map(|()| false));
        }
        match readers.tasks.iter_mut().find(|(task, _)| *task == id) {
            Some((_, known)) => {
                if !known.will_wake(waker) {
                    known.clone_from(waker);
                }
            }
            None => {
                readers.tasks.push((id, waker.clone()));
                self.waiting.fetch_add(1, Ordering::SeqCst);
            }
        }
        // Counted as waiting before the look below, as a thread is (see
        // `wait_for_growth`): a write that loads the count after this
        // sees it and wakes the waker; one whose load came earlier
        // stored its end before, and the look sees it.
        fence(Ordering::SeqCst);
        if self.file_end() > end {
            readers.forget(id, &self.waiting);
            return Poll::Ready(Ok(true));
        }
        Poll::Pending
    }

    /// Forgets the reader `id`'s waker (its future was dropped, or it
    /// read an event without being woken).
    pub(crate) fn forget_reader(&self, id: u64) {
        sync::lock(&self.growth).forget(id, &self.waiting);
    }

    /// Wakes the readers waiting for growth after a write
    /// (`set_file_end`): the threads, and the tasks, whose wakers are
    /// taken out (a task that still waits registers again when polled).
    pub(crate) fn wake_readers(&self) {
        // Whatever changed (the end) was stored before this load: a
        // reader that is not counted yet will see it.
        fence(Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            let mut readers = sync::lock(&self.growth);
            self.grown.notify_all();
            let tasks = readers.take(&self.waiting);
            drop(readers);
            tasks.into_iter().for_each(|(_, waker)| waker.wake());
        }
    }

    /// Nothing more will be written: the log closed (`Ok`; its writer is
    /// done, a shutdown's drain included) or failed (its error). Every
    /// waiting reader is woken and told (see `poll_growth`); the first
    /// outcome stays (a failed log that is then closed stays failed).
    pub(crate) fn end_writes(&self, outcome: Result<()>) {
        let mut readers = sync::lock(&self.growth);
        readers.over.get_or_insert(outcome);
        self.grown.notify_all();
        let tasks = readers.take(&self.waiting);
        drop(readers);
        tasks.into_iter().for_each(|(_, waker)| waker.wake());
    }

    /// The end of the complete frames written so far: what readers may read.
    pub(crate) fn file_end(&self) -> u64 {
        self.counters.file_size.load(Ordering::Acquire)
    }

    /// Publishes a new end after a write completed, and wakes the readers
    /// waiting for it.
    pub(crate) fn set_file_end(&self, end: u64) {
        self.counters.file_size.store(end, Ordering::Release);
        self.wake_readers();
    }

    /// Records what recovery set aside (kept for `Wal::set_aside`),
    /// counts it, and tells the hooks.
    pub(crate) fn report_set_aside(&self, set_aside: SetAside) {
        Counters::add(&self.counters.set_aside_bytes, set_aside.len);
        Counters::add(&self.counters.set_aside_events, set_aside.events);
        self.hooks.run(|hooks| hooks.on_set_aside(&set_aside));
        sync::lock(&self.set_aside).push(set_aside);
    }

    /// What recovery set aside when the log opened.
    pub(crate) fn set_aside(&self) -> Vec<SetAside> {
        sync::lock(&self.set_aside).clone()
    }

    /// Counts and reports invalid data found at `offset`, and what it is.
    pub(crate) fn report_corruption(&self, offset: u64, problem: &Problem) {
        Counters::add(&self.counters.corruptions, 1);
        self.hooks.run(|hooks| hooks.on_corruption(offset));
        self.hooks.run(|hooks| hooks.on_bad_frame(offset, problem));
    }
}
