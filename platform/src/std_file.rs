//! How the unix, windows and WASI backends open a file with std: a
//! read-only open takes nothing; an exclusive open creates the file, claims
//! its path in this process (see `registry`), and, where the OS has one,
//! takes its advisory lock (flock / LockFileEx through std).

use crate::registry::{self, Claim};
use crate::Access;
use std::io;
use std::path::Path;

/// Whether the OS has an advisory lock call.
#[derive(Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // each target's backend names one of the two
pub(crate) enum OsLock {
    Take,
    None,
}

/// Opens `path` as `access` says; the claim must live as long as the file.
pub(crate) fn open(
    path: &Path,
    access: Access,
    os_lock: OsLock,
) -> io::Result<(std::fs::File, Option<Claim>)> {
    if access == Access::ReadOnly {
        return Ok((std::fs::OpenOptions::new().read(true).open(path)?, None));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)?;
    let claim = registry::claim(path)?;
    if os_lock == OsLock::Take {
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "the file is locked by another process",
                ))
            }
            Err(std::fs::TryLockError::Error(error)) => return Err(error),
        }
    }
    Ok((file, Some(claim)))
}
