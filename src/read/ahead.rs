//! Checking frames ahead of a reader, on another core.
//!
//! A reader checks every frame's CRC before it hands out the frame's
//! events, and on small frames that check is most of a replay's work: one
//! core draws the bytes from memory only so fast. So a reader that starts
//! on a large mapped log also starts one thread, the checker, which takes
//! the last three quarters of the log:
//! - It looks for a frame boundary some way ahead (`parallel::find_frame`:
//!   the first offset where a whole valid frame begins), then walks the
//!   frames from there to the end of what the reader sees, checks each
//!   exactly as the reader would (`frame::check_frame`: bounds, CRC,
//!   records), and publishes how far they passed.
//! - The reader checks its own frames until it reaches that boundary. If
//!   its walk lands exactly on it, both walks are one chain of frames from
//!   there (the same check, on bytes that do not change while mapped:
//!   `Mapped`'s contract), and a frame that ends at or below the published
//!   mark has been checked: the reader reads only its header.
//!
//! The checker only ever saves work; it never decides anything:
//! - The reader never waits for it. Every frame the checker has not
//!   vouched for (the reader got there first, the checker stopped at a bad
//!   frame, the guess was not a boundary of the reader's walk, no thread
//!   could start) the reader checks itself, as it always did. So a bad
//!   frame is found and reported by the reader, the same way as without a
//!   checker.
//! - A frame is checked by the checker at most a few milliseconds before
//!   the reader hands out its events, on this machine's memory bandwidth.
//!
//! Only where there are threads and a second core (`parallel::parts_for`),
//! for a log held in one map, with at least two parts' worth of bytes left
//! to read (starting a thread costs tens of microseconds).

use super::parallel::{find_frame, parts_for, SEARCH};
use crate::frame::{self, FrameHeader, HEADER_LEN};
use crate::storage::Mapped;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// How many frames the checker checks between two looks at its stop flag
/// and two publications of its progress.
const FRAMES_PER_STEP: u32 = 64;

/// Where the checker looks for its first frame, as a share of the bytes
/// left: the reader checks the first quarter itself.
///
/// On one-event frames of 256 bytes, a reader checking its own frames
/// takes about 49 ns a frame, the checker 25, and a reader that only reads
/// headers 10. The reader should reach the checker's first frame late
/// enough that, reading only headers from there, it never catches up with
/// the checker (which then stops, and the reader checks the rest alone):
/// a share `x` of at least about 0.23, and as small as that, since the
/// reader's part costs the most per frame. A reader that works on each
/// event falls behind the checker anyway, and loses nothing to this.
const READER_SHARE: (u64, u64) = (1, 4);

/// How far ahead of a checked frame the reader asks for the bytes it will
/// read next (a page: some ten frames of a few hundred bytes, about one
/// memory latency ahead of the reader's walk).
const PREFETCH_DISTANCE: usize = 4096;

/// A cache line: the step between two prefetch hints.
const LINE: usize = 64;

/// The checker of one reader, stopped and joined when dropped.
pub(crate) struct CheckAhead {
    progress: Arc<Progress>,
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
    /// Past what the checker checked, or it never met its first frame:
    /// the checker is stopped, the reader checks every frame.
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
    /// Set by the reader when it no longer needs the checker.
    stop: AtomicBool,
}

impl CheckAhead {
    /// A checker of the later frames of `map` for a reader at the frame
    /// boundary `from` that reads up to `limit`, if one is worth starting
    /// there (see the module's notes).
    pub(crate) fn start(map: Arc<dyn Mapped>, from: u64, limit: u64) -> Option<CheckAhead> {
        let left = limit.saturating_sub(from);
        if parts_for(left) < 2 {
            return None;
        }
        let progress = Arc::new(Progress {
            start: AtomicU64::new(u64::MAX),
            checked_to: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let shared = Arc::clone(&progress);
        let guess = from + left / READER_SHARE.1 * READER_SHARE.0;
        let thread = std::thread::Builder::new()
            .name("rewal-check".into())
            .spawn(move || check(&*map, guess, limit, &shared))
            // Without a thread the reader checks every frame itself.
            .ok()?;
        Some(CheckAhead {
            progress,
            walk: Walk::Before,
            thread: Some(thread),
        })
    }

    /// The header of the frame at `off` (a boundary of the reader's walk)
    /// in `bytes`, if the checker has already checked that frame; `None`
    /// if the reader must check it.
    #[inline]
    pub(crate) fn checked_header(&mut self, bytes: &[u8], off: u64) -> Option<FrameHeader> {
        match self.walk {
            Walk::Joined => {}
            Walk::Done => return None,
            Walk::Before => {
                let start = self.progress.start.load(Ordering::Acquire);
                if off < start {
                    return None;
                }
                if off > start {
                    // The reader's walk stepped over the checker's start:
                    // they are not one chain, and its work is of no use.
                    self.finish();
                    return None;
                }
                self.walk = Walk::Joined;
            }
        }
        let checked_to = self.progress.checked_to.load(Ordering::Acquire);
        if off >= checked_to {
            // Caught up (or the checker stopped at a bad frame): from here
            // the reader checks on alone. Both checking the frames ahead
            // would do the work twice, and where the checker shares the
            // reader's core (the other one busy) it would slow the reader
            // by as much.
            self.finish();
            return None;
        }
        let at = usize::try_from(off).ok()?;
        let header = FrameHeader::read(bytes.get(at..at.checked_add(HEADER_LEN)?)?).ok()?;
        if off + u64::from(header.batch_size) > checked_to {
            return None;
        }
        // The reader now reads a header every frame and little else, a walk
        // the CPU's prefetchers do not follow: without these hints, each
        // header waits for memory, and reading only headers is slower than
        // checking everything. Every line of the frame a page ahead: the
        // next headers lie somewhere in those lines, and a reader that
        // copies the events reads all of them. (At most a page of them: a
        // large frame's bytes come in order, which the CPU does follow.)
        let ahead = at.saturating_add(PREFETCH_DISTANCE);
        let mut line = ahead;
        while line < ahead.saturating_add(header.len().min(PREFETCH_DISTANCE)) {
            rewal_platform::prefetch(bytes, line);
            line += LINE;
        }
        Some(header)
    }

    /// Stops the checker: the reader checks every frame from here.
    fn finish(&mut self) {
        self.walk = Walk::Done;
        self.progress.stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for CheckAhead {
    fn drop(&mut self) {
        self.progress.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // It stops within one step; a panic in it only meant that the
            // reader checked the rest itself.
            let _ = thread.join();
        }
    }
}

/// The checker's work: finds a frame at or after `guess` (within
/// `SEARCH`), then walks from there, publishing every `FRAMES_PER_STEP`
/// frames how far the frames passed. It ends at `limit`, at the first frame
/// that does not pass (the reader finds it again and reports it), or when
/// stopped.
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
    while !progress.stop.load(Ordering::Relaxed) {
        for _ in 0..FRAMES_PER_STEP {
            match frame::check_frame(&mut view, off) {
                Ok(Ok(header)) => off += u64::from(header.batch_size),
                Ok(Err(_)) => {
                    progress.checked_to.store(off, Ordering::Release);
                    return;
                }
                Err(never) => match never {},
            }
        }
        progress.checked_to.store(off, Ordering::Release);
    }
}
