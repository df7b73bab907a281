//! `rewal verify FILE|DIR|-`: check every frame; the exit code says how
//! the log ends (0 clean, 1 torn tail or a power cut's lost writes, 2
//! corrupted, 3 unreadable or not a log). With `--quiet`, main has
//! silenced all output: only the code tells.

use crate::console;
use crate::failure::Failure;
use crate::piped::{self, Flow};
use crate::target::Target;
use rewal_report::{exit_code, RunVerdict, Verdict};
use std::path::Path;

/// Prints one line: the verdict, where, and what (the shared words of
/// `rewal_report`, which the browser viewer prints too).
pub fn run(path: &Path) -> Result<u8, Failure> {
    match Target::resolve(path) {
        Target::Log(log) => {
            let found = log.scan("verifying")?;
            let verdict = RunVerdict::new(&found);
            console::print(&format!("{}: {verdict}\n", path.display()))?;
            Ok(verdict.exit_code())
        }
        Target::Stream(stream) => {
            let Some(found) = piped::read(&stream, |_| Ok(Flow::Go))? else {
                return Ok(0);
            };
            let mut line = format!(
                "{}: {}",
                stream.label.display(),
                Verdict::of_scan(&found.scan)
            );
            if let Some(note) = piped::cut_short_note(&found) {
                line.push_str(&format!(" ({note})"));
            }
            console::print(&format!("{line}\n"))?;
            Ok(exit_code(found.scan.end))
        }
    }
}
