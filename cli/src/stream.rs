//! Streaming events from a log to standard output (`dump` and `tail`), and
//! explaining why a stream stopped early.

use crate::failure::{exit, Failure};
use crate::output::EventWriter;
use crate::progress::Progress;
use rewal::frame::Problem;
use rewal::inspect::{segment_name, LogEnd};
use rewal::{Lsn, WalIterator};
use rewal_report::{describe, Place};
use std::path::Path;

/// What has been printed so far.
#[derive(Debug, Default, Clone, Copy)]
pub struct Printed {
    pub events: u64,
    /// LSN of the last event printed (0: none yet).
    pub last_lsn: Lsn,
}

/// Prints events from `iter` until the end of the log or `limit` events in
/// all. Memory stays constant: events are borrowed from the iterator's map
/// or buffer and formatted into one reused line. Returns the error that
/// ended the iteration early, if one did; a failure to write is a Failure.
pub fn pump(
    iter: &mut WalIterator,
    out: &mut EventWriter,
    limit: Option<u64>,
    progress: &mut Progress,
    printed: &mut Printed,
) -> Result<Option<rewal::Error>, Failure> {
    loop {
        if limit.is_some_and(|limit| printed.events >= limit) {
            return Ok(None);
        }
        match iter.next_borrowed() {
            Ok(Some(event)) => {
                printed.last_lsn = event.lsn;
                out.stage(&event)?;
            }
            Ok(None) => return Ok(None),
            Err(error) => return Ok(Some(error)),
        }
        let offset = iter.frame_offset();
        out.commit(offset)?;
        printed.events += 1;
        progress.at(offset);
    }
}

/// Why reading stopped before the end of the log.
pub enum Stop {
    /// At bytes that are not a valid frame; the log ends as `end` there.
    Bad { end: LogEnd, problem: Problem },
    /// At a compressed frame (at `offset`, when known): this tool has no
    /// decompressor.
    Compressed { offset: Option<u64> },
    /// At a frame of a stream too large to hold, whose events therefore
    /// cannot be printed.
    TooLarge { offset: u64, len: u32 },
    /// Reading failed.
    Error(rewal::Error),
}

/// Why reading `path` stopped with `error` after `printed`, in the words
/// of the iterator that stopped: it says where the bad frame is, what is
/// wrong with it, and how the log ends there; nothing is read again. For a
/// segment of a directory (`path` is then the directory), `segment` says
/// which and where it stands: the words name it, and a torn tail with newer
/// segments after it is a corruption.
pub fn explain(
    path: &Path,
    segment: Option<Place>,
    iter: &WalIterator,
    error: &rewal::Error,
    printed: Printed,
) -> Failure {
    let stop = match (error, iter.problem()) {
        (rewal::Error::Corrupted, Some(bad)) => Stop::Bad {
            end: bad.end,
            problem: bad.problem,
        },
        (rewal::Error::CompressorRequired, _) => Stop::Compressed {
            offset: iter.stopped_at(),
        },
        (other, _) => Stop::Error(other.clone()),
    };
    explain_stop(path, segment, stop, printed)
}

/// [`explain`], for any reader that says why it stopped.
pub fn explain_stop(path: &Path, segment: Option<Place>, stop: Stop, printed: Printed) -> Failure {
    let done = done(printed);
    match stop {
        Stop::Bad { end, problem } => {
            let mut ending = rewal_report::Ending::new(end, Some(describe(&problem)));
            if let Some(place) = segment {
                ending = ending.in_segment(place);
            }
            match ending.exit_code() {
                exit::CORRUPTED => Failure::at(
                    exit::CORRUPTED,
                    path,
                    format_args!("stopped: {ending}; {done}, the valid frames after it were not"),
                ),
                exit::UNREADABLE => Failure::at(
                    exit::UNREADABLE,
                    path,
                    format_args!("{ending} (left untouched)"),
                ),
                // A reader stops early only at something wrong: never
                // exit 0 for it.
                code => Failure::at(
                    code.max(exit::TORN),
                    path,
                    format_args!("stopped: {ending}; {done}"),
                ),
            }
        }
        Stop::Compressed { offset } => {
            let which = offset.map_or("a frame".to_string(), |offset| {
                format!("the frame at offset {offset}")
            });
            let of = match segment.and_then(|place| place.named) {
                Some(named) => format!(" of {}", segment_name(named)),
                None => String::new(),
            };
            Failure::at(
                exit::UNREADABLE,
                path,
                format_args!(
                    "{which}{of} is compressed, and this tool has no decompressor for it, so its events cannot be shown (`rewal verify` still checks it)"
                ),
            )
        }
        Stop::TooLarge { offset, len } => Failure::at(
            exit::UNREADABLE,
            path,
            format_args!(
                "the frame at offset {offset} holds {len} bytes, more than the {} MiB that rewal holds of a stream, so its events cannot be shown; {done} (dump the log from a file instead; `rewal verify` checks it from a stream too)",
                crate::pipe::HOLD >> 20
            ),
        ),
        Stop::Error(other) => Failure::unreadable(path, &other),
    }
}

/// `no event was printed`, or `the events up to LSN 7 were printed`.
pub fn done(printed: Printed) -> String {
    if printed.events == 0 {
        "no event was printed".to_string()
    } else {
        format!("the events up to LSN {} were printed", printed.last_lsn)
    }
}
