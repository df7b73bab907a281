//! The lifecycle: Init → Running → Draining → Closed.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

/// Where a log is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Being opened.
    Init,
    /// Open: takes appends.
    Running,
    /// `shutdown` is draining pending events; no new appends.
    Draining,
    /// Closed: every call returns `Error::Closed`.
    Closed,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Init => "init",
            State::Running => "running",
            State::Draining => "draining",
            State::Closed => "closed",
        })
    }
}

/// The state, readable from any thread without a lock.
#[derive(Debug)]
pub(crate) struct AtomicState(AtomicU8);

impl AtomicState {
    pub(crate) fn new(state: State) -> Self {
        AtomicState(AtomicU8::new(state as u8))
    }

    pub(crate) fn load(&self) -> State {
        match self.0.load(Ordering::Acquire) {
            0 => State::Init,
            1 => State::Running,
            2 => State::Draining,
            _ => State::Closed,
        }
    }

    pub(crate) fn store(&self, state: State) {
        self.0.store(state as u8, Ordering::Release);
    }

    /// Moves `from` → `to`; false (and no change) when not in `from`.
    pub(crate) fn transition(&self, from: State, to: State) -> bool {
        self.0
            .compare_exchange(from as u8, to as u8, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}
