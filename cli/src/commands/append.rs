//! `rewal append FILE`: events from standard input, one per line.

use crate::console::{self, say};
use crate::failure::{existing_file, exit, Failure};
use crate::payload::Encoding;
use crate::target::Log;
use rewal::encoding::MAX_META_LEN;
use rewal::inspect::LogEnd;
use rewal::{Batch, Lsn, Wal};
use rewal_report::{count, Verdict, LOCKED, NOTHING_ON_STDIN};
use std::io::{self, BufRead};
use std::path::Path;
use std::time::Duration;

/// How long the final shutdown may take to drain, write and sync.
const SHUTDOWN: Duration = Duration::from_secs(60);

/// Appends every line of stdin (decoded per `encoding`, with `meta`), in
/// batches of `batch`, then flushes and syncs and prints the LSNs written.
pub fn run(path: &Path, meta: Option<&str>, batch: u32, encoding: Encoding) -> Result<u8, Failure> {
    // What the argument names is checked first, whatever stdin holds.
    let log = Log::needed(path, "append", "a log file")?;
    if log.dir {
        return Err(Failure::at(
            exit::FAILED,
            path,
            "nothing appended: it is a directory, and `rewal append` writes to single-file logs only (a segment directory is written by its application, through Wal::open_dir)",
        ));
    }
    let meta = meta.unwrap_or("").as_bytes();
    if meta.len() > MAX_META_LEN {
        return Err(Failure::at(
            exit::FAILED,
            path,
            format_args!(
                "nothing appended: --meta has {} bytes, and a meta holds at most {MAX_META_LEN}",
                meta.len()
            ),
        ));
    }
    let mut input = io::stdin().lock();
    let mut line = Vec::new();
    let mut line_no = 0u64;
    // Nothing to append: leave the file alone (not even create it).
    if !read_line(&mut input, &mut line)? {
        say(format_args!("{}: {NOTHING_ON_STDIN}", path.display()));
        return Ok(exit::OK);
    }
    check_before_opening(&log)?;
    let wal = Wal::open(path)
        .build()
        .map_err(|error| cannot_open(path, &error))?;

    let mut written = Written::default();
    let mut pending = Batch::with_capacity(batch as usize);
    let outcome = loop {
        line_no += 1;
        let payload = match encoding.decode(&line) {
            Ok(payload) => payload,
            Err(what) => break Err(format!("standard input line {line_no}: {what}")),
        };
        if batch == 1 {
            match wal.append_with_meta(&payload, meta) {
                Ok(lsn) => written.add(lsn, 1),
                Err(error) => {
                    break Err(format!(
                        "line {line_no}: {}",
                        crate::failure::describe(&error)
                    ))
                }
            }
        } else {
            pending.add_with_meta(&payload, meta);
            if pending.len() == batch as usize {
                if let Err(error) = append_batch(&wal, &mut pending, &mut written) {
                    break Err(format!("the batch ending at line {line_no}: {error}"));
                }
            }
        }
        match read_line(&mut input, &mut line) {
            Ok(true) => {}
            Ok(false) => break Ok(()),
            Err(failure) => break Err(failure.message),
        }
    };
    // Whatever happened, what was appended is written and synced before we
    // say anything about it.
    let outcome = outcome.and_then(|()| {
        append_batch(&wal, &mut pending, &mut written)
            .map_err(|error| format!("the last batch: {error}"))
    });
    let durable = wal
        .flush()
        .and_then(|()| wal.sync())
        .and_then(|()| wal.shutdown(SHUTDOWN));
    if let Err(error) = durable {
        return Err(Failure::at(
            exit::FAILED,
            path,
            format_args!(
                "writing or syncing failed: {}; {} may not be durable",
                crate::failure::describe(&error),
                written.describe()
            ),
        ));
    }
    match outcome {
        Ok(()) => {
            console::print(&format!(
                "appended {} to {}: {}, written and synced\n",
                count(written.events, "event", "events"),
                path.display(),
                written.lsns()
            ))?;
            Ok(exit::OK)
        }
        Err(what) => Err(Failure::at(
            exit::FAILED,
            path,
            format_args!(
                "stopped at {what}; {} written and synced before it",
                written.describe()
            ),
        )),
    }
}

/// The LSNs written so far.
#[derive(Default)]
struct Written {
    events: u64,
    first: Lsn,
    last: Lsn,
}

impl Written {
    /// Records `events` appended, the last of which got `last`.
    fn add(&mut self, last: Lsn, events: u64) {
        if self.events == 0 {
            self.first = last + 1 - events;
        }
        self.events += events;
        self.last = last;
    }

    fn lsns(&self) -> String {
        match self.events {
            0 => "no LSNs".into(),
            1 => format!("LSN {}", self.first),
            _ => format!("LSNs {} to {}", self.first, self.last),
        }
    }

    fn describe(&self) -> String {
        match self.events {
            0 => "nothing was".into(),
            1 => format!("1 event ({}) was", self.lsns()),
            _ => format!("{} events ({}) were", self.events, self.lsns()),
        }
    }
}

/// Appends `pending` as one batch, if it holds anything, and empties it.
fn append_batch(wal: &Wal, pending: &mut Batch, written: &mut Written) -> Result<(), String> {
    if pending.is_empty() {
        return Ok(());
    }
    let last = wal
        .append_batch(&*pending)
        .map_err(|error| crate::failure::describe(&error))?;
    written.add(last, pending.len() as u64);
    pending.clear();
    Ok(())
}

/// Reads one line into `line` without its `\n` (and a `\r` before it);
/// false at the end of the input.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> Result<bool, Failure> {
    line.clear();
    let n = input.read_until(b'\n', line).map_err(|error| Failure {
        code: exit::FAILED,
        message: format!(
            "cannot read standard input: {}",
            crate::failure::describe_io(&error)
        ),
    })?;
    if n == 0 {
        return Ok(false);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    Ok(true)
}

/// An existing file must be a log that can take appends: opening would
/// refuse the rest anyway, but this says where and what. A torn tail is
/// cut by the open; say so.
fn check_before_opening(log: &Log) -> Result<(), Failure> {
    let path = log.path.as_path();
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(()); // a new log (or an unreachable path, which open reports)
    }
    existing_file(path)?;
    let found = log.scan("checking")?.segments.remove(0).scan;
    match found.end {
        LogEnd::Clean | LogEnd::NotALog => Ok(()),
        LogEnd::TornTail { offset } => {
            say(format_args!(
                "{}: note: cutting the torn tail at offset {offset} ({}) before appending",
                path.display(),
                count(found.file_len - offset, "byte", "bytes")
            ));
            Ok(())
        }
        LogEnd::PowerCut { offset, .. } => {
            say(format_args!(
                "{}: note: the log ends in lost writes after a power cut at offset {offset}; opening it cuts there and keeps the {} after it beside the log, before appending",
                path.display(),
                count(found.file_len - offset, "byte", "bytes")
            ));
            Ok(())
        }
        LogEnd::Corrupted { .. } => Err(Failure::at(
            exit::CORRUPTED,
            path,
            format_args!(
                "nothing appended: the log is {}; see `rewal repair`",
                Verdict::of_scan(&found).ending()
            ),
        )),
    }
}

/// Why the log could not be opened for appending.
fn cannot_open(path: &Path, error: &rewal::Error) -> Failure {
    match error {
        rewal::Error::FileLocked { .. } => Failure::at(
            exit::FAILED,
            path,
            format_args!("nothing appended: {LOCKED}"),
        ),
        rewal::Error::Corrupted { .. } => Failure::at(
            exit::CORRUPTED,
            path,
            "nothing appended: the log is corrupted (invalid bytes followed by valid frames); see `rewal verify` and `rewal repair`",
        ),
        rewal::Error::NotALog { .. } => Failure::at(
            exit::UNREADABLE,
            path,
            format_args!("nothing appended: it is not a rewal log {}", rewal_report::LEFT_UNTOUCHED),
        ),
        other => Failure::at(
            exit::FAILED,
            path,
            format_args!("nothing appended: cannot open it for writing: {}", crate::failure::describe(other)),
        ),
    }
}
