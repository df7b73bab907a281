//! What the `Wal` handle, its writer and its iterators share.

use crate::frame::Problem;
use crate::hooks::HookRunner;
use crate::plugins::Compressor;
use crate::state::AtomicState;
use crate::stats::Counters;
use crate::storage::SharedStorage;
use std::sync::atomic::Ordering;

pub(crate) struct Shared {
    pub(crate) storage: SharedStorage,
    pub(crate) compressor: Option<Box<dyn Compressor>>,
    pub(crate) hooks: HookRunner,
    pub(crate) counters: Counters,
    pub(crate) state: AtomicState,
}

impl Shared {
    /// The end of the complete frames written so far: what readers may read.
    pub(crate) fn file_end(&self) -> u64 {
        self.counters.file_size.load(Ordering::Acquire)
    }

    /// Publishes a new end after a write completed.
    pub(crate) fn set_file_end(&self, end: u64) {
        self.counters.file_size.store(end, Ordering::Release);
    }

    /// Counts and reports invalid data found at `offset`, and what it is.
    pub(crate) fn report_corruption(&self, offset: u64, problem: &Problem) {
        Counters::add(&self.counters.corruptions, 1);
        self.hooks.run(|hooks| hooks.on_corruption(offset));
        self.hooks.run(|hooks| hooks.on_bad_frame(offset, problem));
    }
}
