//! `rewal tail FILE [-n N] [-f]`: the last events, and with `-f` the ones
//! appended after them, as another process writes them.

use crate::failure::{describe, exit, Failure};
use crate::output::{EventWriter, Format};
use crate::payload::Encoding;
use crate::progress::Progress;
use crate::scan;
use crate::stream::{self, Printed};
use rewal::inspect::LogEnd;
use rewal::{Lsn, Storage};
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
    let (_, stopped) = read_from(path, from, &mut out, &mut printed)?;
    out.flush()?;
    crate::commands::dump::note_lossy(path, &out);
    let Some(interval) = follow else {
        return match stopped {
            None => Ok(exit::OK),
            Some(stopped) => Err(stopped.failure),
        };
    };
    if let (Some(stopped), LogEnd::Corrupted { .. }) = (stopped, found.end) {
        // Nothing valid can be appended after a corruption: no use waiting.
        return Err(stopped.failure);
    }
    follow_from(
        path,
        found.last_lsn.max(printed.last_lsn) + 1,
        interval,
        &mut out,
    )
}

/// Why a read stopped early: how the log ends where it stopped, and the
/// words for it.
struct Stopped {
    end: Option<LogEnd>,
    failure: Failure,
}

/// Prints the events from `from` to the end of the file as it is now;
/// returns where the valid frames read end, and why reading stopped if it
/// stopped early.
fn read_from(
    path: &Path,
    from: Lsn,
    out: &mut EventWriter,
    printed: &mut Printed,
) -> Result<(u64, Option<Stopped>), Failure> {
    let mut iter = rewal::FileStorage::open_read_only(path)
        .and_then(|storage| rewal::inspect::read_storage(storage, from, None))
        .map_err(|error| Failure::unreadable(path, &error))?;
    let mut progress = Progress::new("reading", 0);
    let stopped = stream::pump(&mut iter, out, None, &mut progress, printed)?;
    let stopped = stopped.map(|error| Stopped {
        end: iter.problem().map(|bad| bad.end),
        failure: stream::explain(path, &iter, &error, *printed),
    });
    Ok((iter.next_offset(), stopped))
}

/// Polls the file and prints events from `next` on as they arrive. A frame
/// still being written looks like a torn tail; it is waited for, while a
/// corruption ends the command. The file is read again when its size
/// changes, or when the bytes where its frames ended are no longer zeros
/// (a writer that preallocates fills space that already exists).
fn follow_from(
    path: &Path,
    mut next: Lsn,
    interval: Duration,
    out: &mut EventWriter,
) -> Result<u8, Failure> {
    let mut seen: Option<(u64, u64)> = None;
    loop {
        let gone = |error: &dyn std::fmt::Display| {
            Failure::at(
                exit::UNREADABLE,
                path,
                format_args!("cannot follow it any more: {error}"),
            )
        };
        let storage = rewal::FileStorage::open_read_only(path).map_err(|e| gone(&describe(&e)))?;
        let len = storage.size().map_err(|e| gone(&describe(&e)))?;
        let changed = match seen {
            None => true,
            Some((seen_len, _)) if seen_len != len => true,
            Some((_, frames_end)) => {
                let mut head = [0u8; 4];
                let n = storage
                    .read_at(&mut head, frames_end)
                    .map_err(|e| gone(&describe(&e)))?;
                head[..n].iter().any(|&byte| byte != 0)
            }
        };
        drop(storage);
        if changed {
            let mut printed = Printed::default();
            let (frames_end, stopped) = read_from(path, next, out, &mut printed)?;
            out.flush()?;
            seen = Some((len, frames_end));
            if printed.events > 0 {
                next = printed.last_lsn + 1;
            }
            if let Some(stopped) = stopped {
                match stopped.end {
                    // A frame being written: wait for the rest of it.
                    Some(LogEnd::TornTail { .. }) => {}
                    _ => return Err(stopped.failure),
                }
            }
        }
        std::thread::sleep(interval);
    }
}
