//! What the `Wal` handle, its writer and its iterators share.

use crate::frame::Problem;
use crate::hooks::HookRunner;
use crate::plugins::Compressor;
use crate::read::set_aside::SetAside;
use crate::state::AtomicState;
use crate::stats::Counters;
use crate::storage::SharedStorage;
use crate::sync::{self, Condvar, Mutex};
use crate::{Error, Lsn, State};
use std::path::PathBuf;
use std::sync::atomic::{fence, AtomicU64, AtomicUsize, Ordering};
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
    /// Readers waiting for the log to grow (see `wait_for_growth`).
    growth: Mutex<()>,
    grown: Condvar,
    waiting: AtomicUsize,
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
            growth: Mutex::new(()),
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

    /// Waits until the log grows past `end`, it closes, or `timeout`
    /// passes; returns whether it grew. Woken by the writer (see
    /// `set_file_end`) and by the close (`wake_readers`), not by polling.
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
            if self.state.load() == State::Closed || !rewal_platform::HAS_THREADS {
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

    /// Wakes the readers waiting for growth: after a write (`set_file_end`),
    /// and once the log is closed, so that none sleeps through it.
    pub(crate) fn wake_readers(&self) {
        // Whatever changed (the end, the state) was stored before this
        // load: a reader that is not counted yet will see it.
        fence(Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            let _guard = sync::lock(&self.growth);
            self.grown.notify_all();
        }
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
