//! Scanning a log read-only (no lock: another process may have it open),
//! and putting how it ends into words and an exit code.

use crate::diagnose;
use crate::failure::{existing_file, exit, Failure};
use crate::progress::Progress;
use crate::unmapped::Unmapped;
use rewal::inspect::{self, FrameInfo, LogEnd, LogScan};
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
    let storage = Unmapped::open(path).map_err(|error| Failure::unreadable(path, &error))?;
    let scan = inspect::scan_storage(storage, |frame| {
        progress.at(frame.offset);
        visit(frame);
    })
    .map_err(|error| Failure::unreadable(path, &error))?;
    progress.finish();
    if scan.end == LogEnd::NotALog {
        return Err(Failure::at(
            exit::UNREADABLE,
            path,
            diagnose::not_a_log(path),
        ));
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
    match scan.end {
        LogEnd::Clean => "clean".into(),
        LogEnd::TornTail { offset } => format!(
            "torn tail at offset {offset}: {}",
            diagnose::at(path, offset, scan.file_len)
        ),
        LogEnd::Corrupted { offset, next_valid } => {
            let what = diagnose::at(path, offset, scan.file_len);
            match next_valid {
                Some(next) => format!(
                    "corrupted at offset {offset}: {what}, and a valid frame follows at offset {next}"
                ),
                None => format!(
                    "corrupted at offset {offset}: {what}, and the rest is too costly to search for valid frames, so it counts as a corruption"
                ),
            }
        }
        LogEnd::NotALog => diagnose::not_a_log(path),
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

/// What the valid frames hold: `5 frames, 5 events, LSNs 1 to 5`, or
/// `no frames`.
pub fn contents(scan: &LogScan) -> String {
    if scan.frames == 0 {
        return "no frames".into();
    }
    format!(
        "{}, {}, {}",
        count(scan.frames, "frame", "frames"),
        count(scan.events, "event", "events"),
        lsn_range(scan)
    )
}

/// `1 frame` / `5 frames`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
