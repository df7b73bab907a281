//! `rewal verify FILE`: check every frame; the exit code says how the log
//! ends (0 clean, 1 torn tail, 2 corrupted, 3 unreadable or not a log).

use crate::failure::Failure;
use crate::output;
use crate::scan::{self, count};
use rewal::inspect::LogEnd;
use std::path::Path;

/// Prints one line: the verdict, where, and what.
pub fn run(path: &Path) -> Result<u8, Failure> {
    let found = scan::scan(path, "verifying")?;
    let valid = format!(
        "{}, {}, {}",
        count(found.frames, "frame", "frames"),
        count(found.events, "event", "events"),
        scan::lsn_range(&found)
    );
    let verdict = match found.end {
        LogEnd::Clean => format!(
            "ok: every frame checked: {valid}, {}",
            count(found.file_len, "byte", "bytes")
        ),
        LogEnd::TornTail { .. } => format!(
            "{}; the {} before it are valid ({valid}); `rewal repair` cuts the tail",
            scan::ending(path, &found),
            count(found.valid_len, "byte", "bytes")
        ),
        LogEnd::Corrupted { .. } | LogEnd::NotALog => format!(
            "{}; the {} before it are valid ({valid})",
            scan::ending(path, &found),
            count(found.valid_len, "byte", "bytes")
        ),
    };
    output::print(&format!("{}: {verdict}\n", path.display()))?;
    Ok(scan::code(found.end))
}
