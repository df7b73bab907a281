//! `rewal verify FILE|DIR`: check every frame; the exit code says how the
//! log ends (0 clean, 1 torn tail, 2 corrupted, 3 unreadable or not a log).

use crate::dir;
use crate::failure::Failure;
use crate::output;
use crate::scan;
use std::path::Path;

/// Prints one line: the verdict, where, and what (the engine's words, see
/// `rewal::inspect::Verdict`, which the browser viewer prints too).
pub fn run(path: &Path) -> Result<u8, Failure> {
    if dir::is_dir(path) {
        return run_dir(path);
    }
    let found = scan::scan(path, "verifying")?;
    let verdict = scan::verdict(&found);
    output::print(&format!("{}: {verdict}\n", path.display()))?;
    Ok(scan::code(found.end))
}

/// [`run`] for a segment directory: every segment checked, and that each
/// follows the one before it; a problem is named by its segment file and
/// the offset within it (see `rewal_report::DirVerdict`).
fn run_dir(path: &Path) -> Result<u8, Failure> {
    let found = dir::scan(path)?;
    let verdict = rewal_report::DirVerdict::new(&found);
    output::print(&format!("{}: {verdict}\n", path.display()))?;
    Ok(verdict.exit_code())
}
