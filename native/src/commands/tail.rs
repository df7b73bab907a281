//! `rewal tail FILE [-n N] [-f]`: the last events, and with `-f` the ones
//! appended after them, as another process writes them.

use crate::failure::{exit, Failure};
use crate::output::{EventWriter, Format};
use crate::payload::Encoding;
use crate::progress::Progress;
use crate::scan;
use crate::stream::{self, Printed};
use rewal::inspect::LogEnd;
use rewal::Lsn;
use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

/// Prints the last `lines` events; with `follow`, then polls the file every
/// `follow` interval and prints new events until interrupted.
pub fn run(
    path: &Path,
    lines: u64,
    follow: Option<Duration>,
    format: Format,
    encoding: Encoding,
) -> Result<u8, Failure> {
    // One scan finds where the last `lines` events begin, keeping no more
    // than the frames that hold them.
    let mut frames: VecDeque<(Lsn, u64)> = VecDeque::new();
    let mut held = 0u64;
    let found = scan::scan_visiting(path, "reading", |frame| {
        let count = u64::from(frame.header.record_count);
        frames.push_back((frame.header.first_lsn, count));
        held += count;
        while frames
            .front()
            .is_some_and(|&(_, front)| held - front >= lines)
        {
            held -= frames.pop_front().map_or(0, |(_, front)| front);
        }
    })?;
    let from = match frames.front() {
        _ if lines == 0 => found.last_lsn + 1,
        Some(&(first, _)) => first + held.saturating_sub(lines),
        None => found.last_lsn + 1,
    };

    let mut out = EventWriter::new(format, encoding);
    let mut printed = Printed::default();
    let stopped = read_from(path, from, &mut out, &mut printed)?;
    out.flush()?;
    crate::commands::dump::note_lossy(path, &out);
    let Some(interval) = follow else {
        return match stopped {
            None => Ok(exit::OK),
            Some(error) => Err(stream::explain(path, &error, from, printed)),
        };
    };
    if let (Some(error), LogEnd::Corrupted { .. }) = (&stopped, found.end) {
        // Nothing valid can be appended after a corruption: no use waiting.
        return Err(stream::explain(path, error, from, printed));
    }
    follow_from(
        path,
        found.last_lsn.max(printed.last_lsn) + 1,
        interval,
        &mut out,
    )
}

/// Prints the events from `from` to the end of the file as it is now.
fn read_from(
    path: &Path,
    from: Lsn,
    out: &mut EventWriter,
    printed: &mut Printed,
) -> Result<Option<rewal::Error>, Failure> {
    let mut iter = rewal::FileStorage::open_read_only(path)
        .and_then(|storage| rewal::inspect::read_storage(storage, from, None))
        .map_err(|error| Failure::unreadable(path, &error))?;
    let mut progress = Progress::new("reading", 0);
    stream::pump(&mut iter, out, None, &mut progress, printed)
}

/// Polls the file and prints events from `next` on as they arrive. A frame
/// still being written looks like a torn tail; it is waited for, while a
/// corruption ends the command.
fn follow_from(
    path: &Path,
    mut next: Lsn,
    interval: Duration,
    out: &mut EventWriter,
) -> Result<u8, Failure> {
    let mut seen_len = None;
    loop {
        let len = std::fs::metadata(path)
            .map_err(|error| {
                Failure::at(
                    exit::UNREADABLE,
                    path,
                    format_args!(
                        "cannot follow it any more: {}",
                        crate::failure::describe_io(&error)
                    ),
                )
            })?
            .len();
        if seen_len != Some(len) {
            seen_len = Some(len);
            let mut printed = Printed::default();
            let stopped = read_from(path, next, out, &mut printed)?;
            out.flush()?;
            if printed.events > 0 {
                next = printed.last_lsn + 1;
            }
            if let Some(error) = stopped {
                match scan::scan(path, "checking").map(|found| found.end) {
                    // A frame being written: wait for the rest of it.
                    Ok(LogEnd::TornTail { .. }) => {}
                    // It was finished meanwhile: read again at once.
                    Ok(LogEnd::Clean) => {
                        seen_len = None;
                        continue;
                    }
                    _ => return Err(stream::explain(path, &error, next, printed)),
                }
            }
        }
        std::thread::sleep(interval);
    }
}
