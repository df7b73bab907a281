//! What exactly is wrong at an offset of a log: the frame checker's
//! [`Problem`] there (a scan already says what is wrong where it stopped,
//! in `LogScan::problem`; these look anywhere). The sentences people read
//! are the tools' (the `rewal-report` crate).

use super::source::{Plain, Source};
use crate::error::catch_panic;
use crate::frame::{self, not_a_log, Bytes, Problem};
use crate::storage::{FileStorage, ReadStorage};
use crate::Result;
use std::path::Path;

/// Says what is wrong at `offset` of the log file at `path`, as it is now.
/// The file is opened read-only and without a lock (another process may
/// have the log open), and only the frame at `offset` is read, never the
/// whole file.
///
/// # Errors
///
/// An I/O error if the file cannot be opened (`NotFound` for a missing
/// one) or read.
pub fn diagnose_file(path: impl AsRef<Path>, offset: u64) -> Result<Problem> {
    let storage = FileStorage::open_read_only(path)?;
    let len = storage.size()?;
    diagnose_storage(storage, offset, len)
}

/// Says what is wrong at `offset` of a log held in memory.
pub fn diagnose_bytes(bytes: &[u8], offset: u64) -> Problem {
    match examine(&mut &bytes[..], offset) {
        Ok(problem) => problem,
        Err(never) => match never {},
    }
}

/// Says what is wrong at `offset` of a log in any storage, judging it by
/// its first `len` bytes: pass the `file_len` of the scan that stopped at
/// `offset`, so that a log another process has appended to since is judged
/// as the scan saw it (a frame that was half written then is still called
/// unfinished). A storage that has shrunk since is judged by its own size.
///
/// Memory stays bounded whatever the frame claims: a storage that does not
/// map is read through rewal's read buffer, and a large frame's CRC is
/// computed a window at a time.
///
/// # Errors
///
/// The storage's errors (`Error::Panicked` if it panicked), as for
/// [`scan_storage`](crate::inspect::scan_storage).
pub fn diagnose_storage(storage: impl ReadStorage, offset: u64, len: u64) -> Result<Problem> {
    let len = len.min(catch_panic("the storage's size", || storage.size())?);
    let mut source = Source::over(Plain(storage), len)?;
    examine(&mut source, offset)
}

/// What the frame checker says at `offset`; at the start of a file that
/// does not begin like a log, how it begins; for a frame that passes every
/// check, that its LSNs cannot follow (the one thing a scan stops at in a
/// valid frame).
fn examine<B: Bytes>(bytes: &mut B, offset: u64) -> std::result::Result<Problem, B::Error> {
    let offset = offset.min(bytes.limit());
    match frame::check_frame(bytes, offset)? {
        Err(Problem::NoMagic { .. }) if offset == 0 => not_a_log(bytes),
        Err(problem) => Ok(problem),
        Ok(header) => Ok(Problem::LsnsOutOfOrder {
            first_lsn: header.first_lsn,
        }),
    }
}
