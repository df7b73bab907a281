//! Streaming events from a log to standard output (`dump` and `tail`), and
//! explaining why a stream stopped early.

use crate::failure::{exit, Failure};
use crate::output::EventWriter;
use crate::progress::Progress;
use rewal::inspect::LogEnd;
use rewal::{Lsn, WalIterator};
use rewal_report::describe;
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

/// Why reading `path` stopped with `error` after `printed`, in the words
/// of the iterator that stopped: it says where the bad frame is, what is
/// wrong with it, and how the log ends there; nothing is read again.
pub fn explain(path: &Path, iter: &WalIterator, error: &rewal::Error, printed: Printed) -> Failure {
    let done = if printed.events == 0 {
        "no event was printed".to_string()
    } else {
        format!("the events up to LSN {} were printed", printed.last_lsn)
    };
    match (error, iter.problem()) {
        (rewal::Error::Corrupted, Some(bad)) => {
            let ending = rewal_report::Ending::new(bad.end, Some(describe(&bad.problem)));
            match bad.end {
                LogEnd::Corrupted { .. } => Failure::at(
                    exit::CORRUPTED,
                    path,
                    format_args!("stopped: {ending}; {done}, the valid frames after it were not"),
                ),
                LogEnd::NotALog => Failure::at(
                    exit::UNREADABLE,
                    path,
                    format_args!("{} (left untouched)", describe(&bad.problem)),
                ),
                LogEnd::TornTail { .. } | LogEnd::Clean => {
                    Failure::at(exit::TORN, path, format_args!("stopped: {ending}; {done}"))
                }
            }
        }
        (rewal::Error::CompressorRequired, _) => {
            let which = iter.stopped_at().map_or("a frame".to_string(), |offset| {
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
        (other, _) => Failure::unreadable(path, other),
    }
}
