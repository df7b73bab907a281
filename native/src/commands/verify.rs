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
    let valid = if found.valid_len == 0 {
        "nothing before it is valid".to_string()
    } else {
        format!(
            "the {} before it are valid ({})",
            count(found.valid_len, "byte", "bytes"),
            scan::contents(&found)
        )
    };
    let verdict = match found.end {
        LogEnd::Clean if found.frames == 0 => "ok: an empty log (0 bytes)".to_string(),
        LogEnd::Clean => format!(
            "ok: every frame checked: {}, {}",
            scan::contents(&found),
            count(found.file_len, "byte", "bytes")
        ),
        LogEnd::TornTail { .. } => format!(
            "{}; {valid}; `rewal repair` cuts the tail",
            scan::ending(path, &found)
        ),
        LogEnd::Corrupted { .. } | LogEnd::NotALog => {
            format!("{}; {valid}", scan::ending(path, &found))
        }
    };
    output::print(&format!("{}: {verdict}\n", path.display()))?;
    Ok(scan::code(found.end))
}
