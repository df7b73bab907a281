//! The lifecycle: Init → Running → Draining → Closed.

use crate::{Error, Result};
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
    /// Closed: appends, and reads through [`Wal::iterator`](crate::Wal::iterator)
    /// or [`Wal::replay`](crate::Wal::replay), return `Error::Closed`;
    /// `flush`, `sync` and `wait_durable` say whether what they wait for
    /// was done before the log closed; `shutdown` and `close` say how the
    /// log ended (see each).
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

/// The one lifecycle of a log, readable from any thread without a lock.
///
/// It moves only forwards (`Init → Running → Draining → Closed`, or to
/// `Closed` from anywhere), and the pipeline moves it while holding its own
/// lock, so that what an append checks under that lock cannot change under
/// it.
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

    /// `Init → Running`.
    pub(crate) fn start(&self) {
        self.transition(State::Init, State::Running);
    }

    /// `Running → Draining`; false (and no change) when not running.
    pub(crate) fn drain(&self) -> bool {
        self.transition(State::Running, State::Draining)
    }

    /// To `Closed`, from anywhere.
    pub(crate) fn close(&self) {
        self.0.store(State::Closed as u8, Ordering::Release);
    }

    /// Whether the log takes appends, and if not, why.
    pub(crate) fn check_appends(&self) -> Result<()> {
        match self.load() {
            State::Running => Ok(()),
            State::Draining => Err(Error::Draining),
            State::Closed => Err(Error::Closed),
            State::Init => Err(Error::NotRunning),
        }
    }

    fn transition(&self, from: State, to: State) -> bool {
        self.0
            .compare_exchange(from as u8, to as u8, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}
