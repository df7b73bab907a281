//! `rewal verify FILE|DIR|-`: check every frame; the exit code says how
//! the log ends (0 clean, 1 torn tail, 2 corrupted, 3 unreadable or not a
//! log). With `--quiet`, main has silenced all output: only the code tells.

use crate::dir;
use crate::failure::Failure;
use crate::input::{self, Input};
use crate::output;
use crate::pipe;
use crate::scan;
use std::path::Path;

/// Prints one line: the verdict, where, and what (the shared words of
/// `rewal_report::Verdict`, which the browser viewer prints too).
pub fn run(path: &Path) -> Result<u8, Failure> {
    match input::resolve(path) {
        Input::Dir => run_dir(path),
        Input::File => {
            let found = scan::scan(path, "verifying")?;
            let verdict = scan::verdict(&found);
            output::print(&format!("{}: {verdict}\n", path.display()))?;
            Ok(scan::code(found.end))
        }
        Input::Stream(stream) => {
            let found = pipe::scan(&stream, |_| {})?;
            let verdict = scan::verdict(&found.scan);
            let mut line = format!("{}: {verdict}", stream.label.display());
            if let Some(note) = pipe::cut_short_note(&found) {
                line.push_str(&format!(" ({note})"));
            }
            output::print(&format!("{line}\n"))?;
            Ok(scan::code(found.scan.end))
        }
    }
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
