//! Scanning a log read-only (no lock: another process may have it open),
//! and putting how it ends into words and an exit code.

use crate::failure::{describe, existing_file, exit, Failure};
use crate::progress::Progress;
use rewal::inspect::{self, FrameInfo, LogEnd, LogScan, Problem, Verdict};
use rewal::FileStorage;
use std::path::Path;

/// Scans the log at `path`: every frame checked. A file that is not a log
/// is a failure (exit 3); a torn or corrupted one is a result.
pub fn scan(path: &Path, label: &'static str) -> Result<LogScan, Failure> {
    scan_visiting(path, label, |_| {})
}

/// [`scan`], calling `visit` for every valid frame.
pub fn scan_visiting(
    path: &Path,
    label: &'static str,
    mut visit: impl FnMut(&FrameInfo),
) -> Result<LogScan, Failure> {
    existing_file(path)?;
    let len = std::fs::metadata(path).map_or(0, |meta| meta.len());
    let mut progress = Progress::new(label, len);
    let storage =
        FileStorage::open_read_only(path).map_err(|error| Failure::unreadable(path, &error))?;
    let scan = inspect::scan_storage(storage, |frame| {
        progress.at(frame.offset);
        visit(frame);
    })
    .map_err(|error| Failure::unreadable(path, &error))?;
    progress.finish();
    if scan.end == LogEnd::NotALog {
        return Err(Failure::at(exit::UNREADABLE, path, not_a_log(path)));
    }
    Ok(scan)
}

/// The exit code that says how a log ends.
pub fn code(end: LogEnd) -> u8 {
    match end {
        LogEnd::Clean => exit::OK,
        LogEnd::TornTail { .. } => exit::TORN,
        LogEnd::Corrupted { .. } => exit::CORRUPTED,
        LogEnd::NotALog => exit::UNREADABLE,
    }
}

/// How the log ends, in words: `clean`, `torn tail at offset 233: ...`,
/// `corrupted at offset 79: ..., and a valid frame follows at offset 127`.
pub fn ending(path: &Path, scan: &LogScan) -> String {
    verdict(path, scan).ending().to_string()
}

/// The engine's verdict on `scan` (what `verify` prints), with the bytes
/// where the valid frames end diagnosed in this tool's words: a file that
/// is not a log is "left untouched", and bytes that cannot be read again
/// are described rather than failing the command.
pub fn verdict<'a>(path: &Path, scan: &'a LogScan) -> Verdict<'a, String> {
    let what = match scan.end {
        LogEnd::Clean => None,
        LogEnd::NotALog => Some(not_a_log(path)),
        LogEnd::TornTail { offset } | LogEnd::Corrupted { offset, .. } => {
            Some(match diagnose(path, offset, scan.file_len) {
                Ok(problem) => problem.to_string(),
                Err(error) => format!(
                    "the bytes there could not be read again to say more ({})",
                    describe(&error)
                ),
            })
        }
    };
    Verdict::new(scan, what)
}

/// Describes how a file that is not a rewal log begins.
pub fn not_a_log(path: &Path) -> String {
    // No length to hold it to: the engine judges a storage by its own size
    // when that is smaller, so this is the whole file.
    match diagnose(path, 0, u64::MAX) {
        Ok(problem @ Problem::NotALog { .. }) => format!("{problem} (left untouched)"),
        // Unreadable now, or changed since the scan: say no more than it.
        _ => "it is not a rewal log (left untouched)".into(),
    }
}

/// The engine's diagnosis of the first `len` bytes of `path` at `offset`,
/// through the read buffer (a read-only open never maps): a frame
/// claiming gigabytes is then checked a window at a time without making
/// the process's resident memory grow by the frame's size.
fn diagnose(path: &Path, offset: u64, len: u64) -> rewal::Result<Problem> {
    inspect::diagnose_storage(FileStorage::open_read_only(path)?, offset, len)
}

/// `LSNs 1 to 5`, or `no events` for an empty log.
pub fn lsn_range(scan: &LogScan) -> String {
    if scan.frames == 0 {
        "no events".into()
    } else {
        format!("LSNs {} to {}", scan.first_lsn, scan.last_lsn)
    }
}

/// `1 frame` / `5 frames`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
