//! `rewal verify FILE`: check every frame; the exit code says how the log
//! ends (0 clean, 1 torn tail, 2 corrupted, 3 unreadable or not a log).

use crate::failure::Failure;
use crate::output;
use crate::scan;
use std::path::Path;

/// Prints one line: the verdict, where, and what (the engine's words, see
/// `rewal::inspect::Verdict`, which the browser viewer prints too).
pub fn run(path: &Path) -> Result<u8, Failure> {
    let found = scan::scan(path, "verifying")?;
    let verdict = scan::verdict(&found);
    output::print(&format!("{}: {verdict}\n", path.display()))?;
    Ok(scan::code(found.end))
}
