//! Checking frames ahead of a reader, on another core.
//!
//! A reader checks every frame's CRC before it hands out the frame's
//! events, and on small frames that check is most of a replay's work: one
//! core draws the bytes from memory only so fast. So a reader that starts
//! on a large mapped log also starts one thread, the checker, which checks
//! the frames a little ahead of the reader:
//! - It looks for a frame boundary a few MiB ahead (`parallel::find_frame`:
//!   the first offset where a whole valid frame begins), then walks the
//!   frames from there, checks each exactly as the reader would
//!   (`frame::check_frame`: bounds, CRC, records), and publishes how far
//!   they passed.
//! - The reader checks its own frames until it reaches that boundary. If
//!   its walk lands exactly on it, both walks are one chain of frames from
//!   there (the same check, on bytes that do not change while mapped:
//!   `Mapped`'s contract), and a frame that ends at or below the published
//!   mark has been checked: the reader reads only its header.
//!
//! Two costs shape how far ahead the checker works:
//! - **Memory.** The checker keeps at most `LEAD` bytes ahead of the
//!   reader: where the two cores share a cache, the reader then finds the
//!   bytes the checker just read still there, rather than drawing them
//!   from memory a second time, and the checker of a slow reader does not
//!   sweep the cache far ahead of it for nothing. (Left to run, the checker
//!   drew ahead by a hundred MiB. On this project's virtual machine a walk
//!   over bytes the other core had just read measured no faster than one
//!   from memory, so what the reader gains here comes from the prefetch
//!   hints and from catching up.)
//! - **Catching up.** A reader that only reads headers is faster than the
//!   checker. When it catches up, the checker is stopped and a new one
//!   started `GAP` bytes further on: the reader checks that stretch itself
//!   while the new checker gets ahead again. A reader that copies every
//!   event, or works on it, is slower than the checker and never catches
//!   up: it checks only the first stretch itself.
//!
//! The checker only ever saves work; it never decides anything:
//! - The reader never waits for it. Every frame the checker has not
//!   vouched for (the reader got there first, the checker stopped at a bad
//!   frame, the guess was not a boundary of the reader's walk, no thread
//!   could start) the reader checks itself, as it always did. So a bad
//!   frame is found and reported by the reader, the same way as without a
//!   checker.
//! - A frame is checked by the checker at most a few milliseconds before
//!   the reader hands out its events.
//!
//! Only where there are threads and a second core (`parallel::parts_for`),
//! for a log held in one map, with at least two parts' worth of bytes left
//! to read (starting a thread costs tens of microseconds).

use super::lines_ahead::LinesAhead;
use super::parallel::{find_frame, long_enough_for_parts, parts_for, SEARCH};
use crate::frame::{self, FrameHeader, HEADER_LEN};
use crate::storage::Mapped;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How many frames the checker checks between two looks at its stop flag
/// and the reader's place, and two publications of its progress.
const FRAMES_PER_STEP: u32 = 64;

/// How far ahead of the reader a checker looks for its first frame: the
/// stretch the reader checks itself each time, while the checker gets
/// ahead (or a sixteenth of what is left, if less).
///
/// On one-event frames of 256 bytes, a reader checking its own frames
/// takes about 50 ns a frame, the checker 25, and a reader that only reads
/// headers 10 to 30 (the bytes in a cache, or drawn from memory): a cycle
/// of checking 4 MiB and then catching up covers tens of MiB, against
/// tens of microseconds to start a thread.
const GAP: u64 = 4 << 20;

/// How far the checker may get ahead of the reader: well within a cache
/// of 32 MiB shared by the cores (this machine's says it has one), with
/// room for what the reader touches meanwhile.
const LEAD: u64 = 12 << 20;

/// How long a checker that is `LEAD` ahead waits before it looks again:
/// the reader takes about that long to read 1 MiB.
const PAUSE: Duration = Duration::from_micros(50);

/// How far ahead of a checked frame the reader asks for the bytes it will
/// read next: some fifty frames of a few hundred bytes, ahead by more than
/// the cache's latency at the reader's pace.
const PREFETCH_DISTANCE: usize = 16 << 10;

/// A cache line: the step between two prefetch hints.
const LINE: usize = 64;

/// How far the reader moves between two reports of where it is. The
/// checker reads the report every `FRAMES_PER_STEP` frames: a store on
/// every frame would move the cache line between the two cores each time,
/// for a bound (`LEAD`) that needs nothing as fine.
const REPORT_EVERY: u64 = 64 << 10;

/// The checker of one reader, stopped and joined when dropped.
pub(crate) struct CheckAhead {
    /// The map both walk, and where the reader stops reading.
    map: Arc<dyn Mapped>,
    limit: u64,
    progress: Arc<Progress>,
    /// The checker's mark as the reader last loaded it: frames that end
    /// at or below it passed. The reader loads the shared mark again only
    /// when it reaches this one (the mark only grows), not on every frame.
    checked_to: u64,
    /// The reader reports where it is when it gets here (`REPORT_EVERY`).
    report_at: u64,
    /// Where the reader's walk is, against the checker's.
    walk: Walk,
    thread: Option<JoinHandle<()>>,
}

/// Where the reader's walk is, against the checker's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// Before the checker's first frame: the reader checks every frame.
    Before,
    /// It met the checker's first frame: one chain of frames from there.
    Joined,
    /// At a frame the checker stopped at, or it never met its first
    /// frame, or too little is left for another: the checker is stopped,
    /// the reader checks every frame.
    Done,
}

/// What the checker and its reader share.
struct Progress {
    /// Where the checker's walk begins; `u64::MAX` until it has found it
    /// (or if it found none).
    start: AtomicU64,
    /// Every frame of the checker's walk that ends at or below this offset
    /// passed its check.
    checked_to: AtomicU64,
    /// Where the reader is (to within `REPORT_EVERY`): the checker keeps
    /// within `LEAD` of it.
    reader_at: AtomicU64,
    /// Set by the reader when it no longer needs the checker.
    stop: AtomicBool,
    /// Set by the checker when it stopped at a frame that did not pass.
    failed: AtomicBool,
}

impl CheckAhead {
    /// A checker of the later frames of `map` for a reader at the frame
    /// boundary `from` that reads up to `limit`, if one is worth starting
    /// there (see the module's notes).
    pub(crate) fn start(map: Arc<dyn Mapped>, from: u64, limit: u64) -> Option<CheckAhead> {
        if parts_for(limit.saturating_sub(from)) < 2 {
            return None;
        }
        let (progress, thread) = spawn(&map, from, limit)?;
        Some(CheckAhead {
            map,
            limit,
            progress,
            checked_to: 0,
            report_at: 0,
            walk: Walk::Before,
            thread: Some(thread),
        })
    }

    /// The header of the frame at `off` (a boundary of the reader's walk)
    /// in `bytes`, if the checker has already checked that frame; `None`
    /// if the reader must check it.
    #[inline]
    pub(crate) fn checked_header(&mut self, bytes: &[u8], off: u64) -> Option<FrameHeader> {
        if self.walk == Walk::Done {
            return None;
        }
        if off >= self.report_at {
            self.progress.reader_at.store(off, Ordering::Relaxed);
            self.report_at = off.saturating_add(REPORT_EVERY);
        }
        if self.walk == Walk::Before {
            let start = self.progress.start.load(Ordering::Acquire);
            if off < start {
                return None;
            }
            if off > start {
                // The reader's walk stepped over the checker's start: they
                // are not one chain, and its work is of no use.
                self.finish();
                return None;
            }
            self.walk = Walk::Joined;
        }
        // (Nothing from `off` on has passed: the reader caught up.)
        if !self.checked_through(off + 1) {
            if self.progress.failed.load(Ordering::Relaxed) {
                // At the frame the checker stopped at: the reader checks
                // it itself, and reports it.
                self.finish();
            } else {
                // Caught up. Both checking the frames ahead would do the
                // work twice (and where the checker shares the reader's
                // core, the other one busy, slow the reader by as much):
                // the checker starts again further on.
                self.restart(off);
            }
            return None;
        }
        let at = usize::try_from(off).ok()?;
        let header = FrameHeader::read(bytes.get(at..at.checked_add(HEADER_LEN)?)?).ok()?;
        if !self.checked_through(off + u64::from(header.batch_size)) {
            return None;
        }
        // The reader now reads a header every frame and little else, a walk
        // the CPU's prefetchers do not follow: without these hints, each
        // header waits for memory, and reading only headers is slower than
        // checking everything. Every line of the frame `PREFETCH_DISTANCE`
        // ahead: the next headers lie somewhere in those lines, and a
        // reader that copies the events reads all of them. (At most that
        // many bytes: a large frame's bytes come in order, which the CPU
        // does follow.)
        let ahead = at.saturating_add(PREFETCH_DISTANCE);
        let mut line = ahead;
        while line < ahead.saturating_add(header.len().min(PREFETCH_DISTANCE)) {
            rewal_platform::prefetch(bytes, line);
            line += LINE;
        }
        Some(header)
    }

    /// Whether the checker's frames have passed up to `to`: by the mark
    /// loaded last, or, where that falls short, by the shared mark loaded
    /// again (it only grows).
    fn checked_through(&mut self, to: u64) -> bool {
        if to > self.checked_to {
            self.checked_to = self.progress.checked_to.load(Ordering::Acquire);
        }
        to <= self.checked_to
    }

    /// Stops the checker: the reader checks every frame from here.
    fn finish(&mut self) {
        self.walk = Walk::Done;
        self.stop();
    }

    /// Stops the checker, and starts another one `GAP` ahead of the reader
    /// at `off`, if enough is left to read: by the rule `start` followed
    /// (the cores, asked there, have not changed).
    fn restart(&mut self, off: u64) {
        self.stop();
        if !long_enough_for_parts(self.limit.saturating_sub(off)) {
            self.walk = Walk::Done;
            return;
        }
        match spawn(&self.map, off, self.limit) {
            Some((progress, thread)) => {
                self.progress = progress;
                self.thread = Some(thread);
                self.checked_to = 0;
                self.report_at = 0;
                self.walk = Walk::Before;
            }
            None => self.walk = Walk::Done,
        }
    }

    /// Stops the checker thread and waits for it to end.
    fn stop(&mut self) {
        self.progress.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // It stops within one step (or pause); a panic in it only meant
            // that the reader checked the rest itself.
            let _ = thread.join();
        }
    }
}

impl Drop for CheckAhead {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts a checker of the frames of `map` from `GAP` (or a sixteenth of
/// what is left) ahead of a reader at the frame boundary `from` that reads
/// up to `limit`. `None` if no thread could start.
fn spawn(map: &Arc<dyn Mapped>, from: u64, limit: u64) -> Option<(Arc<Progress>, JoinHandle<()>)> {
    let progress = Arc::new(Progress {
        start: AtomicU64::new(u64::MAX),
        checked_to: AtomicU64::new(0),
        reader_at: AtomicU64::new(from),
        stop: AtomicBool::new(false),
        failed: AtomicBool::new(false),
    });
    let shared = Arc::clone(&progress);
    let map = Arc::clone(map);
    let guess = from + GAP.min(limit.saturating_sub(from) / 16);
    let thread = std::thread::Builder::new()
        .name("rewal-check".into())
        .spawn(move || check(&*map, guess, limit, &shared))
        // Without a thread the reader checks every frame itself.
        .ok()?;
    Some((progress, thread))
}

/// The checker's work: finds a frame at or after `guess` (within
/// `SEARCH`), then walks from there, publishing every `FRAMES_PER_STEP`
/// frames how far the frames passed, and pausing while it is `LEAD` ahead
/// of the reader. It ends at `limit`, at the first frame that does not pass
/// (the reader finds it again and reports it), or when stopped.
fn check(map: &dyn Mapped, guess: u64, limit: u64, progress: &Progress) {
    let Some(bytes) = usize::try_from(limit)
        .ok()
        .and_then(|limit| map.bytes().get(..limit))
    else {
        return;
    };
    let Some(mut off) = find_frame(bytes, guess, limit.min(guess.saturating_add(SEARCH))) else {
        return;
    };
    progress.checked_to.store(off, Ordering::Relaxed);
    progress.start.store(off, Ordering::Release);
    let mut view = bytes;
    let mut lines = LinesAhead::new(off);
    while !progress.stop.load(Ordering::Relaxed) {
        if off.saturating_sub(progress.reader_at.load(Ordering::Relaxed)) > LEAD {
            std::thread::sleep(PAUSE);
            continue;
        }
        for _ in 0..FRAMES_PER_STEP {
            match frame::check_frame(&mut view, off) {
                Ok(Ok(header)) => {
                    off += u64::from(header.batch_size);
                    lines.passed(bytes, off);
                }
                Ok(Err(_)) => {
                    // (First: a reader that sees the last mark sees this.)
                    progress.failed.store(true, Ordering::Relaxed);
                    progress.checked_to.store(off, Ordering::Release);
                    return;
                }
                Err(never) => match never {},
            }
        }
        progress.checked_to.store(off, Ordering::Release);
    }
}
