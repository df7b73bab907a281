//! Progress of long work on standard error, only when standard error is a
//! terminal: piped or redirected output never sees it.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Redraw at most this often.
const EVERY: Duration = Duration::from_millis(200);
/// Look at the clock once per this many steps, to keep the per-event cost
/// of a dump near nothing.
const STEPS_PER_LOOK: u32 = 4096;
/// Files smaller than this are done before progress would be worth seeing.
const WORTH_SHOWING: u64 = 16 << 20;

/// A progress line: `verifying: 42% (120 of 290 MiB)`.
pub struct Progress {
    label: &'static str,
    total: u64,
    /// Added to the positions reported: where the current file begins in
    /// the work (a segment directory is read file after file).
    base: u64,
    enabled: bool,
    steps: u32,
    last: Instant,
    drawn: bool,
}

impl Progress {
    /// Progress through `total` bytes; silent unless stderr is a terminal
    /// and the work is large.
    pub fn new(label: &'static str, total: u64) -> Progress {
        Progress {
            label,
            total,
            base: 0,
            enabled: total >= WORTH_SHOWING
                && std::io::stderr().is_terminal()
                && !crate::console::quiet(),
            steps: 0,
            last: Instant::now(),
            drawn: false,
        }
    }

    /// Counts the positions reported from now on from `base`.
    pub fn set_base(&mut self, base: u64) {
        self.base = base;
    }

    /// Reports that the work has reached byte `done` (past the base).
    #[inline]
    pub fn at(&mut self, done: u64) {
        if !self.enabled {
            return;
        }
        self.steps += 1;
        if self.steps < STEPS_PER_LOOK {
            return;
        }
        self.steps = 0;
        if self.last.elapsed() < EVERY {
            return;
        }
        self.last = Instant::now();
        let done = self.base.saturating_add(done);
        let percent = done.saturating_mul(100) / self.total.max(1);
        let mut stderr = std::io::stderr().lock();
        // Progress is a courtesy: a failed write to the terminal is ignored.
        let _ = write!(
            stderr,
            "\r{}: {percent:>3}% ({} of {} MiB)",
            self.label,
            done >> 20,
            self.total >> 20
        );
        let _ = stderr.flush();
        self.drawn = true;
    }

    /// Clears the progress line, if one was drawn.
    pub fn finish(&mut self) {
        if self.drawn {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
            self.drawn = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
