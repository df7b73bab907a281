//! Recovery at open: scan the log, then act on how it ends.

use super::scan::{scan, LogEnd};
use super::source::Source;
use crate::frame::Problem;
use crate::shared::Shared;
use crate::{Error, Lsn, Recovery, Result};

/// What the log holds after recovery.
pub(crate) struct Recovered {
    pub(crate) last_lsn: Lsn,
    /// The end of the frames: where the next write goes.
    pub(crate) file_len: u64,
    /// The storage's size: past `file_len`, zeros written ahead.
    pub(crate) allocated: u64,
}

/// Clean: nothing to do. Torn tail: cut and sync. Corruption: refuse,
/// untouched (or cut, if the caller chose so). Not a log: refuse, untouched.
/// Cutting then syncing makes recovery idempotent: a crash in the middle
/// leaves either the old file (same result next time) or the cut one.
pub(crate) fn recover(shared: &Shared, policy: Recovery) -> Result<Recovered> {
    let len = shared.storage.size()?;
    let found = {
        // The source (a map, natively) is dropped before any truncation.
        let mut source = Source::open(&shared.storage, len)?;
        scan(&mut source, &mut |_| {})?
    };
    if found.frames > 0 {
        shared.note_first_lsn(found.first_lsn);
    }
    let cut = match found.end {
        LogEnd::Clean if found.valid_len < len => {
            // A zero tail: preallocated space, kept for the next writes.
            shared.storage.resume_at(found.valid_len)?;
            None
        }
        LogEnd::Clean => None,
        LogEnd::NotALog => return Err(Error::NotALog),
        LogEnd::TornTail { offset } => Some(offset),
        LogEnd::Corrupted { offset, .. } => match policy {
            Recovery::TruncateAtCorruption => Some(offset),
            Recovery::Strict => {
                report(shared, offset, &found.problem);
                return Err(Error::Corrupted);
            }
        },
    };
    if let Some(offset) = cut {
        report(shared, offset, &found.problem);
        shared.storage.truncate(offset)?;
    }
    // Whatever a previous process wrote may still sit in the page cache; one
    // sync now makes "everything up to the last LSN is durable" true (and
    // makes a cut durable before the log takes appends).
    if len > 0 {
        shared.storage.sync()?;
    }
    Ok(Recovered {
        last_lsn: found.last_lsn,
        file_len: cut.unwrap_or(found.valid_len),
        allocated: cut.unwrap_or(len),
    })
}

/// Reports the bad bytes where the scan stopped (counted, and told to the
/// hooks with what is wrong there).
fn report(shared: &Shared, offset: u64, problem: &Option<Problem>) {
    // A scan that stopped early always says why.
    let problem = problem.unwrap_or(Problem::Zeros);
    shared.report_corruption(offset, &problem);
}
