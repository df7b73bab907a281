//! The process-wide registry of exclusively open files.
//!
//! OS locks do not cover every case: WASI has no lock call at all, and a lock
//! held through one descriptor says nothing useful to a second open in the
//! same process on some systems. So every backend also claims the file's path
//! here, and a second exclusive open of the same file in this process is
//! refused whatever the OS would have said.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

static OPEN: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A claim on one path; dropping it releases the path for the next open.
#[derive(Debug)]
pub(crate) struct Claim {
    key: PathBuf,
}

/// Claims `path` (which must exist, so it can be resolved) for this process.
/// Fails with [`io::ErrorKind::WouldBlock`] while another claim on it lives.
pub(crate) fn claim(path: &Path) -> io::Result<Claim> {
    let key = identity(path);
    let mut open = OPEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if open.contains(&key) {
        return Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            "the file is already open in this process",
        ));
    }
    open.push(key.clone());
    Ok(Claim { key })
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut open = OPEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        open.retain(|key| key != &self.key);
    }
}

/// The name two spellings of one file share: the canonical path where the
/// target can resolve one, else the path with `.` and `..` folded away.
fn identity(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return canonical;
    }
    let mut folded = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !folded.pop() {
                    folded.push("..");
                }
            }
            other => folded.push(other.as_os_str()),
        }
    }
    folded
}
