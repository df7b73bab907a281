//! Logs kept as a directory of segment files (`Wal::open_dir`): telling
//! one from a file and from somebody else's directory, scanning it
//! read-only, and finding the segment that comes after another (for
//! `tail -f`). Only `rewal::inspect` and `std::fs` calls that WASI has.

use crate::failure::{describe_io, exit, Failure};
use rewal::inspect::{self, segment_lsn, segment_name, RunScan};
use rewal::Lsn;
use rewal_report::{dir_exit_code, DirVerdict, NO_SEGMENTS};
use std::io;
use std::path::{Path, PathBuf};

/// The lock file a segment directory holds (the engine's name for it).
pub const LOCK_FILE: &str = "rewal.lock";

/// Whether `path` is a directory (a log kept as segments) rather than a
/// file.
pub fn is_dir(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| meta.is_dir())
}

/// Scans the segment directory `dir`: every segment checked, oldest first,
/// up to the first problem. A directory that holds files but no segment
/// (somebody else's), one whose only segment is not a log, and one that
/// cannot be read are failures (exit 3); a damaged log is a result.
pub fn scan(dir: &Path) -> Result<RunScan, Failure> {
    let mut found = inspect::scan_dir(dir).map_err(|error| Failure::unreadable(dir, &error))?;
    // The segments after the first problem hold nothing the log holds:
    // the commands report up to it.
    let held = found.held().len();
    found.segments.truncate(held);
    if found.segments.is_empty() && holds_other_files(dir)? {
        return Err(Failure::at(
            exit::UNREADABLE,
            dir,
            format_args!("{NO_SEGMENTS} (left untouched)"),
        ));
    }
    if dir_exit_code(&found) == exit::UNREADABLE {
        return Err(Failure::at(
            exit::UNREADABLE,
            dir,
            format_args!("{} (left untouched)", DirVerdict::new(&found)),
        ));
    }
    Ok(found)
}

/// Whether `dir` holds anything but the lock file: the engine takes a
/// directory without segments for a new log only if it does not. Stops at
/// the first such entry, whatever the directory holds.
fn holds_other_files(dir: &Path) -> Result<bool, Failure> {
    let unreadable = |error: io::Error| {
        Failure::at(
            exit::UNREADABLE,
            dir,
            format_args!("cannot read it: {}", describe_io(&error)),
        )
    };
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        if entry.map_err(unreadable)?.file_name() != LOCK_FILE {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The segment file of `dir` that follows the one named `after` (the
/// smallest name above it), or the oldest when `after` is `None`. Reads
/// the directory as a stream and keeps one name: constant memory however
/// many files it holds. Names that are not segment names (not UTF-8
/// included) are passed over.
pub fn segment_after(dir: &Path, after: Option<Lsn>) -> io::Result<Option<(Lsn, PathBuf)>> {
    let mut best: Option<Lsn> = None;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Some(named) = entry.file_name().to_str().and_then(segment_lsn) else {
            continue;
        };
        if after.is_some_and(|after| named <= after) || best.is_some_and(|best| best <= named) {
            continue;
        }
        if entry.file_type()?.is_file() {
            best = Some(named);
        }
    }
    Ok(best.map(|named| (named, dir.join(segment_name(named)))))
}
