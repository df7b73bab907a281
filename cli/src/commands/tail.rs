//! `rewal tail FILE [-n N] [-f]`: the last events, and with `-f` the ones
//! appended after them, as another process writes them. A segment
//! directory is in `tail_dir`, which follows each segment as this follows
//! a file.

use crate::failure::{describe, exit, Failure};
use crate::output::{EventWriter, Format};
use crate::payload::Encoding;
use crate::progress::Progress;
use crate::scan;
use crate::stream::{self, Printed};
use rewal::inspect::{LogEnd, LogScan};
use rewal::{FileStorage, Lsn, ReadStorage};
use rewal_report::Place;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
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
    if crate::dir::is_dir(path) {
        return super::tail_dir::run(path, lines, follow, format, encoding);
    }
    let (from, found) = start_of_last(path, lines)?;
    let mut out = EventWriter::new(format, encoding);
    let mut printed = Printed::default();
    let storage = open(path)?;
    let (_, stopped) = read_from(path, None, storage, from, &mut out, &mut printed)?;
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
    let mut next = found.last_lsn.max(printed.last_lsn) + 1;
    let mut follower = Follower::new(path.to_path_buf(), None);
    loop {
        match follower.poll(&mut next, &mut out, false)? {
            Polled::Gone(error) => return Err(cannot_follow(path, &describe(&error))),
            // A frame being written: wait for the rest of it.
            Polled::Read { .. } => {}
        }
        std::thread::sleep(interval);
    }
}

/// Where the last `lines` events of the log at `path` begin, and its scan.
/// One scan finds it, keeping no more than the frames that hold them.
pub fn start_of_last(path: &Path, lines: u64) -> Result<(Lsn, LogScan), Failure> {
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
    Ok((from, found))
}

/// Why a read stopped early: how the log ends where it stopped, and the
/// words for it.
pub struct Stopped {
    pub end: Option<LogEnd>,
    pub failure: Failure,
}

/// Opens the log file at `path` for reading (no lock, never mapped).
fn open(path: &Path) -> Result<FileStorage, Failure> {
    FileStorage::open_read_only(path).map_err(|error| Failure::unreadable(path, &error))
}

/// Prints the events of `storage` (the file at `path`, or the segment
/// `segment` of the directory at `path`) from `from` to its end as it is
/// now; returns where the valid frames read end, and why reading stopped
/// if it stopped early.
fn read_from(
    path: &Path,
    segment: Option<Place>,
    storage: FileStorage,
    from: Lsn,
    out: &mut EventWriter,
    printed: &mut Printed,
) -> Result<(u64, Option<Stopped>), Failure> {
    let mut iter = rewal::inspect::read_storage(storage, from, None)
        .map_err(|error| Failure::unreadable(path, &error))?;
    let mut progress = Progress::new("reading", 0);
    let stopped = stream::pump(&mut iter, out, None, &mut progress, printed)?;
    let stopped = stopped.map(|error| Stopped {
        end: iter.problem().map(|bad| bad.end),
        failure: stream::explain(path, segment, &iter, &error, *printed),
    });
    Ok((iter.next_offset(), stopped))
}

/// The failure of a follow that lost its file.
pub fn cannot_follow(path: &Path, what: &dyn std::fmt::Display) -> Failure {
    Failure::at(
        exit::UNREADABLE,
        path,
        format_args!("cannot follow it any more: {what}"),
    )
}

/// What a poll of a followed file found.
pub enum Polled {
    /// It was read (if it changed) to the end of its valid frames; `torn`
    /// when it ends in a torn tail: a frame still being written, or, for a
    /// segment that newer ones follow, a corruption.
    Read { torn: Option<Stopped> },
    /// It could not be opened: removed (a segment, by a checkpoint), or
    /// unreachable.
    Gone(rewal::Error),
}

/// Follows one log file as a writer appends to it: polled, and read again
/// from the next LSN when its size changes, or when the bytes where its
/// frames ended are no longer zeros (a writer that preallocates fills
/// space that already exists).
pub struct Follower {
    file: PathBuf,
    /// For a segment: the directory (named in messages) and where the
    /// segment stands in it.
    segment: Option<(PathBuf, Place)>,
    /// The file's size and the end of its valid frames when it was read.
    seen: Option<(u64, u64)>,
}

impl Follower {
    /// Follows `file`, a segment of a directory when `segment` says so.
    pub fn new(file: PathBuf, segment: Option<(PathBuf, Place)>) -> Follower {
        Follower {
            file,
            segment,
            seen: None,
        }
    }

    /// Says that newer segments now follow the one followed.
    pub fn newer_follow(&mut self) {
        if let Some((_, place)) = &mut self.segment {
            place.newer = true;
        }
    }

    /// Prints the events from `next` on that arrived since the last poll
    /// (with `force`, reads the file whether or not it seems changed), and
    /// moves `next` past them. A corruption, or a failure to write, is an
    /// error.
    pub fn poll(
        &mut self,
        next: &mut Lsn,
        out: &mut EventWriter,
        force: bool,
    ) -> Result<Polled, Failure> {
        let (path, place) = match &self.segment {
            Some((dir, place)) => (dir.as_path(), Some(*place)),
            None => (self.file.as_path(), None),
        };
        let storage = match FileStorage::open_read_only(&self.file) {
            Ok(storage) => storage,
            Err(error) => return Ok(Polled::Gone(error)),
        };
        let gone = |error: rewal::Error| cannot_follow(path, &describe(&error));
        let len = storage.size().map_err(gone)?;
        let changed = match self.seen {
            None => true,
            Some((seen_len, _)) if seen_len != len => true,
            Some((_, frames_end)) => {
                let mut head = [0u8; 4];
                let n = storage.read_at(&mut head, frames_end).map_err(gone)?;
                head[..n].iter().any(|&byte| byte != 0)
            }
        };
        if !changed && !force {
            return Ok(Polled::Read { torn: None });
        }
        let mut printed = Printed::default();
        let (frames_end, stopped) = read_from(path, place, storage, *next, out, &mut printed)?;
        out.flush()?;
        self.seen = Some((len, frames_end));
        if printed.events > 0 {
            *next = printed.last_lsn + 1;
        }
        match stopped {
            None => Ok(Polled::Read { torn: None }),
            Some(stopped) if matches!(stopped.end, Some(LogEnd::TornTail { .. })) => {
                Ok(Polled::Read {
                    torn: Some(stopped),
                })
            }
            Some(stopped) => Err(stopped.failure),
        }
    }
}
