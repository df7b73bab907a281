//! Reading a log from a stream (`-`, a pipe, a FIFO): one pass, front to
//! back, in bounded memory, through the engine's sans-IO frame checker
//! (`rewal::frame::StreamChecker`): this module only reads chunks and
//! hands them over. The checker holds each frame while it is checked (and
//! while `dump` prints its events), checks one larger than it holds as it
//! goes by, and judges what follows the valid frames by the engine's own
//! rules (`rewal::frame::classify_end`).

use crate::failure::{exit, Failure};
use crate::target::Stream;
use rewal::frame::{Poll, StreamChecker, StreamFrame, STREAM_HOLD};
use rewal::inspect::{FrameInfo, LogEnd, LogScan};
use rewal_report::{Verdict, LEFT_UNTOUCHED};
use std::io::{self, Read};

/// How much is read from the stream at once.
const CHUNK: usize = 256 << 10;

/// The most bytes of a stream held at once (the engine's default).
pub const HOLD: usize = STREAM_HOLD;

/// What a read of a stream found.
pub struct PipedScan {
    /// As a scan of the same bytes in a file finds it (`file_len`: the
    /// bytes read, which is all of them when `read_to_end`).
    pub scan: LogScan,
    /// Whether the stream was read to its end. It is not when what follows
    /// the valid frames goes on past what can be held (then not searched):
    /// the rest is not read.
    pub read_to_end: bool,
    /// Whether what follows the valid frames was searched for a valid
    /// frame (see `rewal::frame::StreamEnd::searched`).
    pub searched: bool,
}

/// What a visitor of the frames says: go on, or stop reading (the rest
/// of the stream is not read, nor judged).
pub enum Flow {
    Go,
    Stop,
}

/// Reads the stream, calling `visit` for every valid frame (its bytes
/// there while it is held), then judges how it ends and reads it to its
/// end for its size, unless it is not a log or is cut short. `None` when
/// `visit` stopped the read. A stream that is not a log is a failure
/// (exit 3).
pub fn read(
    stream: &Stream,
    mut visit: impl FnMut(&StreamFrame<'_>) -> Result<Flow, Failure>,
) -> Result<Option<PipedScan>, Failure> {
    let mut input = stream.open()?;
    let unreadable = |error: io::Error| stream.unreadable(&error);
    let mut checker = StreamChecker::new();
    let mut chunk = vec![0u8; CHUNK];
    let mut found = LogScan::new(0);
    let end = loop {
        match checker.poll() {
            Poll::Frame(frame) => {
                found.count_frame(&FrameInfo {
                    offset: frame.offset,
                    header: frame.header,
                });
                if let Flow::Stop = visit(&frame)? {
                    return Ok(None);
                }
            }
            Poll::NeedInput => match read_some(&mut input, &mut chunk).map_err(unreadable)? {
                0 => checker.end_of_input(),
                n => checker.feed(&chunk[..n]),
            },
            Poll::End(end) => break end,
        }
    };
    found.end = end.end;
    found.problem = end.problem;
    if end.end == LogEnd::NotALog {
        let verdict = Verdict::new(&found, end.problem.map(rewal_report::Described));
        return Err(Failure::at(
            exit::UNREADABLE,
            &stream.label,
            format_args!("{} {LEFT_UNTOUCHED}", verdict.ending()),
        ));
    }
    let mut read = checker.fed();
    let mut read_to_end = checker_ended(&checker);
    // Read on to the end for the size, unless the rest was not worth
    // searching: endless garbage must not keep it reading.
    if end.searched && !read_to_end {
        loop {
            match read_some(&mut input, &mut chunk).map_err(unreadable)? {
                0 => break,
                n => read += n as u64,
            }
        }
        read_to_end = true;
    }
    found.file_len = read;
    Ok(Some(PipedScan {
        scan: found,
        read_to_end,
        searched: end.searched,
    }))
}

/// Whether the checker was told the stream ended.
fn checker_ended(checker: &StreamChecker) -> bool {
    checker.at_end_of_input()
}

/// A note on a stream cut short: what the verdict on it rests on.
pub fn cut_short_note(found: &PipedScan) -> Option<String> {
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

/// One read, retried when interrupted by a signal.
fn read_some(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}
