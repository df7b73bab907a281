//! Recovery of a single-file log at open: scan the log, then act on how it
//! ends.
//!
//! - Clean: nothing to do (a zero tail is kept as space written ahead).
//! - A torn tail: cut and synced.
//! - A power cut's lost writes after the last sync (`LogEnd::PowerCut`,
//!   judged with the log's sync mark): cut by itself, the cut bytes kept
//!   beside the log (`FILE.removed-OFFSET`) first.
//! - A corruption: refused, the file untouched; or, under
//!   `Recovery::TruncateAtCorruption`, cut there, the cut bytes kept beside
//!   the log first.
//! - Not a log: refused, untouched.
//!
//! Cutting then syncing makes recovery idempotent: a crash in the middle
//! leaves either the old file (same result next time) or the cut one, and
//! the copy of what was cut is durable before the cut.

use super::parallel::scan_quietly;
use super::scan::LogEnd;
use super::set_aside::{copy_out, removed_path, valid_frames_in, SetAside};
use super::source::Source;
use crate::frame::Problem;
use crate::shared::Shared;
use crate::{Details, Error, Lsn, Recovery, Result};
use std::path::Path;

/// What the log holds after recovery.
pub(crate) struct Recovered {
    pub(crate) last_lsn: Lsn,
    /// The end of the frames: where the next write goes.
    pub(crate) file_len: u64,
    /// The storage's size: past `file_len`, zeros written ahead.
    pub(crate) allocated: u64,
    /// What recovery cut and kept.
    pub(crate) set_aside: Vec<SetAside>,
}

/// What recovery knows of the log beyond its bytes, when it was opened by
/// path: the path (to keep cut bytes beside it), and where the log is
/// known to be synced through (its sync mark), if known.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Beside<'a> {
    pub(crate) path: &'a Path,
    pub(crate) synced: Option<u64>,
}

/// Recovers the log of `shared` (see the module docs).
pub(crate) fn recover(
    shared: &Shared,
    policy: Recovery,
    beside: Option<Beside<'_>>,
) -> Result<Recovered> {
    let len = shared.storage.size()?;
    let synced = beside.and_then(|beside| beside.synced);
    let found = {
        // The source (a map, natively) is dropped before any truncation.
        let mut source = Source::open(&shared.storage, len)?;
        scan_quietly(&mut source, synced)?
    };
    if found.frames > 0 {
        shared.note_first_lsn(found.first_lsn);
    }
    let (cut, keep) = match found.end {
        LogEnd::Clean if found.valid_len < len => {
            // A zero tail: preallocated space, kept for the next writes.
            shared.storage.resume_at(found.valid_len)?;
            (None, false)
        }
        LogEnd::Clean => (None, false),
        LogEnd::NotALog => {
            let details = found
                .problem
                .map(|problem| Details::new().with_problem(problem));
            return Err(Error::not_a_log(details.unwrap_or_default()));
        }
        LogEnd::TornTail { offset } => (Some(offset), false),
        LogEnd::PowerCut { offset, .. } => (Some(offset), true),
        LogEnd::Corrupted { offset, next_valid } => match policy {
            Recovery::TruncateAtCorruption => (Some(offset), true),
            Recovery::Strict => {
                report(shared, offset, &found.problem);
                let details = Details::new()
                    .with_offset(offset)
                    .with_next_valid(next_valid)
                    .with_problem(found.problem.unwrap_or(Problem::Zeros));
                return Err(Error::corrupted(details));
            }
        },
    };
    let mut set_aside = Vec::new();
    if let Some(offset) = cut {
        report(shared, offset, &found.problem);
        // What is cut may hold valid frames: kept beside the log first.
        if let (true, Some(beside)) = (keep, beside) {
            let kept_in = removed_path(beside.path, offset);
            copy_out(&shared.storage, offset, len, &kept_in)?;
            let next_valid = match found.end {
                LogEnd::PowerCut { next_valid, .. } | LogEnd::Corrupted { next_valid, .. } => {
                    next_valid
                }
                _ => None,
            };
            let (events, first_lsn, last_lsn) = match next_valid {
                Some(at) => valid_frames_in(&shared.storage, at, len)?,
                None => (0, 0, 0),
            };
            set_aside.push(SetAside {
                end: found.end,
                from: beside.path.to_path_buf(),
                offset,
                len: len - offset,
                kept_in,
                events,
                first_lsn,
                last_lsn,
            });
        }
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
        set_aside,
    })
}

/// Reports the bad bytes where the scan stopped (counted, and told to the
/// hooks with what is wrong there).
fn report(shared: &Shared, offset: u64, problem: &Option<Problem>) {
    // A scan that stopped early always says why.
    let problem = problem.unwrap_or(Problem::Zeros);
    shared.report_corruption(offset, &problem);
}
