//! What the unix, windows and WASI backends share: the [`File`] type over a
//! std file, and the std clock.
//!
//! A read-only open takes nothing; an exclusive open creates the file,
//! claims its path in this process (see `registry`), and, where the OS has
//! one (`backend::OS_LOCK`), takes its advisory lock (flock / LockFileEx
//! through std). Positional reads and maps differ per target and come from
//! the backend: `backend::read_at` and `backend::map`.

use crate::backend;
use crate::registry::{self, Claim};
use crate::{Access, Map};
use std::io::{self, Write};
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Whether the OS has an advisory lock call.
#[derive(Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // each target's backend names one of the two
pub(crate) enum OsLock {
    Take,
    None,
}

/// An open log file (see the crate docs for the contract).
#[derive(Debug)]
pub struct File {
    file: std::fs::File,
    // Declared after `file`: the OS lock goes with the descriptor, then the
    // in-process claim, so a waiting reopen never sees the claim free first.
    _claim: Option<Claim>,
}

impl File {
    /// Opens `path`; see [`crate::Access`].
    pub fn open(path: &Path, access: Access) -> io::Result<File> {
        if access == Access::ReadOnly {
            let file = std::fs::OpenOptions::new().read(true).open(path)?;
            return Ok(File { file, _claim: None });
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        let claim = registry::claim(path)?;
        if backend::OS_LOCK == OsLock::Take {
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
        Ok(File {
            file,
            _claim: Some(claim),
        })
    }

    /// Reads at `offset`; short only at the end of the file.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        backend::read_at(&self.file, buf, offset)
    }

    /// Writes at the end of the file (the file is opened in append mode).
    pub fn append(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    /// The file's current size.
    pub fn size(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// Cuts (or extends) the file to `len` bytes.
    pub fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }

    /// Makes the file's data and size durable (`fdatasync`,
    /// `FlushFileBuffers`, `fd_datasync`).
    pub fn sync_data(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    /// Maps the first `len` bytes read-only, or `None` where the target has
    /// no maps.
    pub fn map(&self, len: u64) -> io::Result<Option<Map>> {
        backend::map(&self.file, len)
    }
}

/// Monotonic time since the first call in this process.
pub fn now() -> Duration {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed()
}

/// std has a clock here; nothing to install.
pub fn install_clock(_clock: fn() -> Duration) {}
