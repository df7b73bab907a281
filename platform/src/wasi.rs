//! What both WASI backends (`wasi_p1.rs`, `wasi_p2.rs`) share: WASI has
//! neither advisory locks nor memory maps.
//!
//! Two exclusive opens of one file in this instance are refused by the
//! process-wide registry (keyed by the file's identity, so a hard link is
//! the same file); across instances, the host's sandbox (which directories
//! it grants to whom) is the guard. Without maps, the engine reads through
//! its bounded read buffer.

use std::io;

/// WASI has no lock call: the registry (in this instance) and the host's
/// sandbox (across instances) are the guards.
pub(crate) fn lock_exclusive(_file: &std::fs::File) -> io::Result<()> {
    Ok(())
}

/// Nothing to release (see `lock_exclusive`).
pub(crate) fn unlock(_file: &std::fs::File) -> io::Result<()> {
    Ok(())
}

/// WASI has no memory maps.
///
/// # Safety
///
/// Nothing to uphold: no map is made.
pub(crate) unsafe fn map(_file: &std::fs::File, _len: u64) -> io::Result<Option<Map>> {
    Ok(None)
}

/// Never constructed: WASI has no memory maps.
#[derive(Debug)]
pub enum Map {}

impl Map {
    /// Unreachable: no `Map` exists on this target.
    pub fn bytes(&self) -> &[u8] {
        match *self {}
    }
}
