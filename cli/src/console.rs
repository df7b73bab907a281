//! What reaches the user: results on standard output, notes and errors on
//! standard error (`rewal: FILE: what`), and the quiet flag that silences
//! both (`verify --quiet`). Nothing here panics on a closed pipe.

use crate::failure::Failure;
use std::fmt::Display;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by `verify --quiet`: nothing goes to stdout or stderr.
static QUIET: AtomicBool = AtomicBool::new(false);

/// From now on, print nothing: results, notes, errors and progress alike
/// (only the exit code tells).
pub fn silence() {
    QUIET.store(true, Ordering::Relaxed);
}

/// Whether [`silence`] was called.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Prints `text` on standard output (a `print!` that reports failures
/// instead of panicking).
pub fn print(text: &str) -> Result<(), Failure> {
    if quiet() {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|error| halt(&error))
}

/// Writes `rewal: TEXT` on standard error. Never panics (unlike
/// `eprintln!` when stderr is a closed pipe): if stderr is gone there is
/// nobody to tell.
pub fn say(text: impl Display) {
    if quiet() {
        return;
    }
    let _ = writeln!(io::stderr().lock(), "rewal: {text}");
}

/// A failed write to standard output. When the reader has gone away
/// (`rewal dump log | head`), that is the end of the work, not an error:
/// a quiet failure with exit code 0.
pub fn halt(error: &io::Error) -> Failure {
    if error.kind() == io::ErrorKind::BrokenPipe {
        Failure::quiet()
    } else {
        Failure::stdout(error)
    }
}
