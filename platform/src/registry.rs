//! The process-wide registry of exclusively open files.
//!
//! OS locks do not cover every case: WASI has no lock call at all. So every
//! exclusive open also claims the file's identity here (its device and
//! inode, or what the target has instead), and a second exclusive open of
//! the same file in this process is refused, whatever path reached it: a
//! hard link, a symlink, or another spelling.

use std::io;
use std::sync::Mutex;

/// What identifies a file whatever path reaches it: on unix and WASI its
/// device and inode numbers, on Windows its volume serial and file index.
pub(crate) type FileId = (u64, u64);

static OPEN: Mutex<Vec<FileId>> = Mutex::new(Vec::new());

/// A claim on one file; dropping it releases the file for the next open.
#[derive(Debug)]
pub(crate) struct Claim {
    id: FileId,
}

/// Claims the file `id` for this process. Fails with
/// [`io::ErrorKind::WouldBlock`] while another claim on it lives.
pub(crate) fn claim(id: FileId) -> io::Result<Claim> {
    let mut open = OPEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if open.contains(&id) {
        return Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            "the file is already open in this process",
        ));
    }
    open.push(id);
    Ok(Claim { id })
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut open = OPEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        open.retain(|id| id != &self.id);
    }
}
