//! Scanning a log read-only (no lock: another process may have it open),
//! and putting how it ends into words and an exit code.

use crate::failure::{existing_file, exit, Failure};
use crate::progress::Progress;
use rewal::inspect::{self, FrameInfo, LogEnd, LogScan, Problem};
use rewal::FileStorage;
use rewal_report::{describe, Verdict};
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
        return Err(Failure::at(exit::UNREADABLE, path, not_a_log(&scan)));
    }
    Ok(scan)
}

/// The exit code that says how a log ends.
pub fn code(end: LogEnd) -> u8 {
    rewal_report::exit_code(end)
}

/// How the log ends, in words: `clean`, `torn tail at offset 233: ...`,
/// `corrupted at offset 79: ..., and a valid frame follows at offset 127`.
pub fn ending(scan: &LogScan) -> String {
    verdict(scan).ending().to_string()
}

/// What `verify` prints of `scan`: the shared verdict, with the scan's own
/// problem where the valid frames end (nothing is read again), and a file
/// that is not a log "left untouched".
pub fn verdict(scan: &LogScan) -> Verdict<'_, String> {
    let what = scan.problem.as_ref().map(|problem| match problem {
        Problem::NotALog { .. } => format!("{} (left untouched)", describe(problem)),
        _ => describe(problem).to_string(),
    });
    Verdict::new(scan, what)
}

/// Describes how a file that is not a rewal log begins, from its scan.
pub fn not_a_log(scan: &LogScan) -> String {
    match &scan.problem {
        Some(problem @ Problem::NotALog { .. }) => {
            format!("{} (left untouched)", describe(problem))
        }
        _ => "it is not a rewal log (left untouched)".into(),
    }
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
