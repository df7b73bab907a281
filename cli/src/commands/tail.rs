//! `rewal tail FILE|DIR [-n N] [-f]`: the last events, and with `-f` the
//! ones appended after them, as another process writes them.

use crate::events::{print_run, EventWriter, Filter, Format, MetaFormat, Printed};
use crate::failure::{exit, Failure};
use crate::follow::follow;
use crate::payload::Encoding;
use crate::progress::Progress;
use crate::target::Log;
use rewal::inspect::{LogEnd, RunProblem, RunScan};
use rewal::Lsn;
use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

/// What `tail` was asked.
pub struct Tail<'a> {
    pub path: &'a Path,
    pub lines: u64,
    /// `-f`, polling at this interval.
    pub follow: Option<Duration>,
    pub format: Format,
    pub payload: Encoding,
    pub meta_format: MetaFormat,
}

/// Prints the last `lines` events; with `follow`, then polls the log and
/// prints new events until interrupted.
pub fn run(tail: Tail<'_>) -> Result<u8, Failure> {
    let log = Log::needed(tail.path, "tail", "a log file or directory")?;
    let found = log.scan("reading")?;
    let filter = Filter {
        from: start_of_last(&log, &found, tail.lines)?,
        ..Filter::default()
    };
    let mut out = EventWriter::new(tail.format, tail.payload, tail.meta_format);
    let mut printed = Printed::default();
    let mut progress = Progress::new("reading", 0);
    let stopped = print_run(&log, &found, &filter, &mut out, &mut progress, &mut printed)?;
    out.flush()?;
    out.note_lossy(&log.path);
    let Some(interval) = tail.follow else {
        return stopped.map_or(Ok(exit::OK), Err);
    };
    if let Some(stopped) = stopped {
        // Only a torn tail in the newest file may be a frame still being
        // written; after anything else, no use waiting.
        if stopped.code != exit::TORN
            || found
                .segments
                .last()
                .is_some_and(|newest| matches!(newest.scan.end, LogEnd::Corrupted { .. }))
        {
            return Err(stopped);
        }
    }
    follow(&log, &found, &filter, printed, interval, &mut out)
}

/// Where the last `lines` events of the scanned log begin: counted back
/// from the newest valid event, segment by segment, and found within the
/// segment where they begin by a scan of its frames that keeps no more
/// than the frames that hold them.
fn start_of_last(log: &Log, found: &RunScan, lines: u64) -> Result<Lsn, Failure> {
    // A segment that does not follow, and the ones after it, hold no
    // event that the log holds.
    let valid = match found.problem {
        Some(RunProblem::Misfit { segment, .. }) => segment,
        _ => found.held().len(),
    };
    let segments = &found.segments[..valid];
    if lines == 0 {
        let last = segments
            .iter()
            .rev()
            .find(|segment| segment.scan.frames > 0)
            .map_or(0, |segment| segment.scan.last_lsn);
        return Ok(last.saturating_add(1));
    }
    let mut wanted = lines;
    for (i, segment) in segments.iter().enumerate().rev() {
        if segment.scan.events >= wanted {
            return start_in_file(log.file_of(found, i), wanted);
        }
        wanted -= segment.scan.events;
    }
    Ok(0)
}

/// Where the last `lines` events of the log file at `path` begin.
fn start_in_file(path: &Path, lines: u64) -> Result<Lsn, Failure> {
    let mut frames: VecDeque<(Lsn, u64)> = VecDeque::new();
    let mut held = 0u64;
    let storage = rewal::FileStorage::open_read_only(path)
        .map_err(|error| Failure::unreadable(path, &error))?;
    let found = rewal::inspect::scan_storage(storage, |frame| {
        let count = u64::from(frame.header.record_count);
        frames.push_back((frame.header.first_lsn, count));
        held += count;
        while frames
            .front()
            .is_some_and(|&(_, front)| held - front >= lines)
        {
            held -= frames.pop_front().map_or(0, |(_, front)| front);
        }
    })
    .map_err(|error| Failure::unreadable(path, &error))?;
    Ok(match frames.front() {
        Some(&(first, _)) => first + held.saturating_sub(lines),
        None => found.last_lsn + 1,
    })
}
