//! Observability callbacks, and the runner that keeps a panicking callback
//! from taking the log down with it.

use crate::{BatchView, Lsn};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

/// Callbacks on the log's life and pipeline; every one is optional.
///
/// A callback that panics is caught and ignored (where the target unwinds;
/// wasm32 aborts on panic). Callbacks must not call back into the `Wal`.
pub trait Hooks: Send + Sync {
    /// The log is open and running.
    fn on_start(&self) {}
    /// `shutdown` began.
    fn on_shutdown_start(&self) {}
    /// `shutdown` finished, after `elapsed`.
    fn on_shutdown_done(&self, _elapsed: Duration) {}
    /// An append is about to take LSNs, with the events it carries.
    fn before_append(&self, _events: BatchView<'_>) {}
    /// An append was accepted: its first LSN and its number of events.
    fn after_append(&self, _first_lsn: Lsn, _count: usize) {}
    /// The writer is about to write `size` bytes.
    fn before_write(&self, _size: usize) {}
    /// The writer wrote `written` bytes.
    fn after_write(&self, _written: usize) {}
    /// The writer is about to sync.
    fn before_sync(&self) {}
    /// A sync finished, after `elapsed`.
    fn after_sync(&self, _elapsed: Duration) {}
    /// Invalid data was found at file offset `offset` (a torn tail cut at
    /// open, a corruption, or a frame that failed its check during replay).
    fn on_corruption(&self, _offset: u64) {}
    /// What is wrong at `offset`, where `on_corruption` was just reported
    /// (called right after it, when the bad bytes were examined): the
    /// structured [`crate::frame::Problem`] a tool can explain.
    fn on_bad_frame(&self, _offset: u64, _problem: &crate::frame::Problem) {}
    /// Recovery took bytes out of the log when it opened, and kept them
    /// where `set_aside` says (after `on_corruption` for the same offset):
    /// a power cut's lost writes, or a cut made on request.
    fn on_set_aside(&self, _set_aside: &crate::SetAside) {}
    /// `count` events were dropped ([`crate::Backpressure::Drop`], or pending
    /// events discarded by `close`).
    fn on_drop(&self, _count: usize) {}
}

/// Calls the user's hooks, if any, each inside `catch_unwind`.
pub(crate) struct HookRunner {
    hooks: Option<Box<dyn Hooks>>,
}

impl HookRunner {
    pub(crate) fn new(hooks: Option<Box<dyn Hooks>>) -> Self {
        HookRunner { hooks }
    }

    /// True when hooks are installed (lets hot paths skip building views).
    #[inline]
    pub(crate) fn active(&self) -> bool {
        self.hooks.is_some()
    }

    /// Runs `call` on the hooks, swallowing a panic.
    #[inline]
    pub(crate) fn run(&self, call: impl FnOnce(&dyn Hooks)) {
        if let Some(hooks) = &self.hooks {
            let _ = catch_unwind(AssertUnwindSafe(|| call(hooks.as_ref())));
        }
    }
}
