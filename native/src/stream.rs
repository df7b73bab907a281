//! Streaming events from a log to standard output (`dump` and `tail`), and
//! explaining why a stream stopped early.

use crate::failure::{exit, Failure};
use crate::output::EventWriter;
use crate::progress::Progress;
use crate::scan;
use rewal::inspect::LogEnd;
use rewal::{Lsn, WalIterator};
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

/// Why reading `path` stopped with `error` after `printed`: a second,
/// full look at the file says where and what. `from` is where reading
/// began.
pub fn explain(path: &Path, error: &rewal::Error, from: Lsn, printed: Printed) -> Failure {
    match error {
        rewal::Error::Corrupted => {
            let found = match scan::scan(path, "checking") {
                Ok(found) => found,
                Err(failure) => return failure,
            };
            let done = if printed.events == 0 {
                "no event was printed".to_string()
            } else {
                format!("the events up to LSN {} were printed", printed.last_lsn)
            };
            match found.end {
                LogEnd::TornTail { .. } => Failure::at(
                    exit::TORN,
                    path,
                    format_args!("stopped: {}; {done}", scan::ending(path, &found)),
                ),
                LogEnd::Corrupted { .. } => Failure::at(
                    exit::CORRUPTED,
                    path,
                    format_args!(
                        "stopped: {}; {done}, the valid frames after it were not",
                        scan::ending(path, &found)
                    ),
                ),
                LogEnd::NotALog => {
                    Failure::at(exit::UNREADABLE, path, scan::not_a_log(path))
                }
                LogEnd::Clean => Failure::at(
                    exit::FAILED,
                    path,
                    format_args!(
                        "stopped at an invalid frame that a second look found valid: the file changed while it was read; {done}"
                    ),
                ),
            }
        }
        rewal::Error::CompressorRequired => {
            // The first compressed frame that holds events still to print.
            let wanted = from.max(printed.last_lsn + 1);
            let mut at = None;
            let located = scan::scan_visiting(path, "checking", |frame| {
                if at.is_none() && frame.header.is_compressed() && frame.header.last_lsn() >= wanted
                {
                    at = Some(frame.offset);
                }
            });
            if let Err(failure) = located {
                return failure;
            }
            let which = at.map_or("a frame".to_string(), |offset| {
                format!("the frame at offset {offset}")
            });
            Failure::at(
                exit::UNREADABLE,
                path,
                format_args!(
                    "{which} is compressed, and this tool has no decompressor for it, so its events cannot be shown (`rewal verify` still checks it)"
                ),
            )
        }
        other => Failure::unreadable(path, other),
    }
}
