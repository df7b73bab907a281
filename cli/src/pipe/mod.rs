//! Reading a log from a stream (`-`, a pipe, a FIFO): one pass, front to
//! back, in bounded memory.
//!
//! A pipe cannot seek, and the engine's readers (`rewal::inspect`) need to
//! (they read a map, or a storage at any offset). So a stream is walked
//! frame by frame through a window ([`window`]): each frame is held while
//! it is checked with the engine's checker, `rewal::frame::check_frame`
//! (and while its events are printed, for `dump`), then dropped. A frame
//! larger than [`HOLD`] is checked as it goes by ([`streamed`]), never held
//! whole. Where the valid frames end, what follows is held (up to
//! [`HOLD`]) and judged by the engine's own scan ([`tail`]).
//!
//! Memory is the largest frame held plus a read chunk, and never more
//! than about [`HOLD`] whatever the stream holds: a length field claiming
//! 4 GiB allocates nothing by itself, and endless garbage after the valid
//! frames is read no further than [`HOLD`].

mod streamed;
pub mod tail;
mod walk;
mod window;

use crate::failure::{exit, Failure};
use crate::input::Stream;
use rewal::inspect::{FrameInfo, LogEnd, LogScan};
pub use walk::{Next, Walker};

/// The most bytes of a stream held at once: a frame up to this size is
/// held to be checked (and printed); what follows the valid frames is held
/// up to this size to be judged. Four times the engine's own read window
/// and more, and still small beside any machine's memory.
pub const HOLD: usize = 32 << 20;

/// What a scan of a stream found.
pub struct StreamScan {
    /// As a scan of the same bytes in a file finds it (`file_len`: the
    /// bytes read, which is all of them when `read_to_end`).
    pub scan: LogScan,
    /// Whether the stream was read to its end. It is not when what follows
    /// the valid frames goes on past what can be held (then not searched,
    /// see `searched`): the rest is not read.
    pub read_to_end: bool,
    /// Whether what follows the valid frames was searched for a valid
    /// frame. It is not when it goes on past what can be held: the scan
    /// then calls it too costly to search, as the engine does.
    pub searched: bool,
}

/// Scans the stream: every frame checked, `visit` called for each valid
/// one, and the stream read to its end (for its size) unless it is not a
/// log or is cut short. A stream that is not a log is a failure (exit 3).
pub fn scan(stream: &Stream, mut visit: impl FnMut(&FrameInfo)) -> Result<StreamScan, Failure> {
    let input = stream.open()?;
    let unreadable = |error: std::io::Error| stream.unreadable(&error);
    let mut walker = Walker::new(input);
    let mut found = LogScan::new(0);
    loop {
        match walker.next().map_err(unreadable)? {
            Next::Frame { offset, header, .. } => {
                let frame = FrameInfo { offset, header };
                visit(&frame);
                found.count_frame(&frame);
            }
            Next::End => {
                found.file_len = found.valid_len;
                return Ok(StreamScan {
                    scan: found,
                    read_to_end: true,
                    searched: true,
                });
            }
            Next::Bad { offset, problem } => {
                let ending = tail::classify(&mut walker.window, offset, walker.last_lsn, problem)
                    .map_err(unreadable)?;
                found.end = ending.end;
                found.problem = ending.problem;
                if ending.end == LogEnd::NotALog {
                    return Err(Failure::at(
                        exit::UNREADABLE,
                        &stream.label,
                        crate::scan::not_a_log(&found),
                    ));
                }
                // Read on to the end for the size, unless the rest was not
                // worth searching: endless garbage must not keep it reading.
                let window = &mut walker.window;
                found.file_len = if ending.cut_short {
                    window.read_so_far()
                } else {
                    window.drain().map_err(unreadable)?
                };
                return Ok(StreamScan {
                    scan: found,
                    read_to_end: window.at_eof(),
                    searched: !ending.cut_short,
                });
            }
        }
    }
}

/// A note on a stream cut short: what the verdict on it rests on.
pub fn cut_short_note(found: &StreamScan) -> Option<String> {
    if found.searched {
        return None;
    }
    let mut note = format!(
        "what follows offset {} goes on past the {} MiB that rewal holds of a stream, so it was not searched for valid frames",
        found.scan.valid_len,
        HOLD >> 20
    );
    if !found.read_to_end {
        note.push_str(&format!(
            "; the stream was read to byte {} only",
            found.scan.file_len
        ));
    }
    Some(note)
}
