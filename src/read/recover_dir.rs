//! Recovery of a log kept as a directory of segments (`Wal::open_dir`):
//! each segment is scanned as the complete log it is, and the segments
//! must follow each other.
//!
//! - Only the newest segment may end in a torn tail (cut and synced, as
//!   for a single file); damage in an older one is a corruption.
//! - Segment `i + 1` is named by the LSN after segment `i`'s last one (or
//!   after its name, if it holds nothing): a missing segment (a gap) or two
//!   that overlap is a corruption, as are frames outside a segment's range.
//! - A corruption is refused with the files untouched, unless the caller
//!   chose `Recovery::TruncateAtCorruption`: the damaged segment is then
//!   cut there and every newer one removed (newest first, each removal
//!   made durable: a crash in between leaves a shorter log, never a gap).
//! - An empty directory gets its first segment (`…0001.wal`); a directory
//!   that holds files but no segment and no lock file is somebody else's:
//!   refused as not a log, untouched.

use super::scan::{scan, LogEnd, LogScan};
use super::scan_dir::{segment_last_lsn, segment_misfit};
use super::source::Source;
use crate::error::on_file;
use crate::frame::Problem;
use crate::storage::segments::{self, Segment, Segments, LOCK_FILE};
use crate::storage::{FileStorage, SharedStorage, Storage};
use crate::{Error, Lsn, Recovery, Result};
use std::path::{Path, PathBuf};

/// An open segment directory, recovered.
pub(crate) struct RecoveredDir {
    pub(crate) segments: Segments,
    /// The last LSN held (0 for none).
    pub(crate) last_lsn: Lsn,
    /// The end of the frames, and the newest segment's size in the log's
    /// offsets (past the end: zeros written ahead).
    pub(crate) file_len: u64,
    pub(crate) allocated: u64,
    /// Bad bytes found (and cut) on the way: reported once the log exists.
    pub(crate) reports: Vec<(u64, Problem)>,
}

/// Opens (creating if needed) and recovers the segment directory `dir`.
pub(crate) fn recover_dir(dir: &Path, policy: Recovery) -> Result<RecoveredDir> {
    rewal_platform::create_dir(dir).map_err(|e| on_file("creating", dir, e))?;
    let listed = segments::list_segments(dir)?;
    if listed.is_empty() {
        let names = rewal_platform::list_dir(dir).map_err(|e| on_file("listing", dir, e))?;
        if names.iter().any(|name| name != LOCK_FILE) {
            return Err(Error::NotALog);
        }
    }
    let lock = FileStorage::new(dir.join(LOCK_FILE))?;
    let mut recovered = Vec::new();
    let mut reports = Vec::new();
    let mut start: u64 = 0;
    let mut last_lsn: Lsn = 0;
    let mut newest_size: u64 = 0;
    for (i, (first_lsn, path)) in listed.iter().enumerate() {
        let newest = i + 1 == listed.len();
        let storage: Box<dyn Storage> = Box::new(FileStorage::new(path)?);
        let (found, storage) = scan_segment(storage)?;
        let previous_last = (i > 0).then_some(last_lsn);
        let (end, problem) = match segment_misfit(previous_last, *first_lsn, &found) {
            Some(_) => (
                LogEnd::Corrupted {
                    offset: 0,
                    next_valid: Some(0),
                },
                Some(Problem::LsnsOutOfOrder {
                    first_lsn: found.first_lsn.max(*first_lsn),
                }),
            ),
            None => (found.end, found.problem),
        };
        let cut = match end {
            LogEnd::Clean => None,
            LogEnd::NotALog => return Err(Error::NotALog),
            LogEnd::TornTail { offset } | LogEnd::Corrupted { offset, .. } => {
                reports.push((start + offset, problem.unwrap_or(Problem::Zeros)));
                let torn_newest = newest && matches!(end, LogEnd::TornTail { .. });
                match policy {
                    _ if torn_newest => {}
                    Recovery::Strict => return Err(Error::Corrupted),
                    Recovery::TruncateAtCorruption => remove_newer(dir, &listed[i + 1..])?,
                }
                Some(offset)
            }
        };
        let mut storage = storage;
        let len = match cut {
            Some(offset) => {
                storage.truncate(offset)?;
                storage.sync()?;
                offset
            }
            None => {
                // Whatever a previous process wrote may still sit in the
                // page cache: make "durable up to the last LSN" true.
                if found.file_len > 0 {
                    storage.sync()?;
                }
                if found.valid_len < found.file_len {
                    storage.resume_at(found.valid_len)?;
                }
                found.valid_len
            }
        };
        last_lsn = if cut.is_some() && found.frames > 0 && len > 0 {
            last_lsn_below(&mut storage, len)?
        } else if cut.is_some() {
            first_lsn.saturating_sub(1)
        } else {
            segment_last_lsn(*first_lsn, &found)
        };
        newest_size = found.file_len.max(len);
        recovered.push(Segment::new(*first_lsn, path.clone(), start, len, storage));
        start += len;
        if cut.is_some() && !newest {
            break;
        }
    }
    if recovered.is_empty() {
        let path = dir.join(segments::segment_name(1));
        let storage = FileStorage::new(&path)?;
        recovered.push(Segment::new(1, path, 0, 0, Box::new(storage)));
    }
    let newest_start = recovered.last().map_or(0, |segment| segment.start);
    let newest_len = recovered.last().map_or(0, |segment| segment.len());
    Ok(RecoveredDir {
        segments: Segments::new(dir.to_path_buf(), lock, recovered),
        last_lsn,
        file_len: newest_start + newest_len,
        allocated: newest_start + newest_size.max(newest_len),
        reports,
    })
}

/// Scans one segment file, handing its storage back.
fn scan_segment(storage: Box<dyn Storage>) -> Result<(LogScan, Box<dyn Storage>)> {
    let shared = SharedStorage::new(storage);
    let len = shared.size()?;
    let found = {
        // The source (a map, natively) is dropped before any cut.
        let mut source = Source::open(&shared, len)?;
        scan(&mut source, &mut |_| {})?
    };
    let storage = shared.into_one().ok_or_else(|| Error::InvalidState)?;
    Ok((found, storage))
}

/// The last LSN of the frames in the first `len` bytes of `storage`.
fn last_lsn_below(storage: &mut Box<dyn Storage>, len: u64) -> Result<Lsn> {
    let taken = std::mem::replace(storage, Box::new(crate::MemoryStorage::new()));
    let shared = SharedStorage::new(taken);
    let found = {
        let mut source = Source::open(&shared, len)?;
        scan(&mut source, &mut |_| {})?
    };
    *storage = shared.into_one().ok_or_else(|| Error::InvalidState)?;
    Ok(found.last_lsn)
}

/// Removes the segments `newer` (newest first), each removal made durable.
fn remove_newer(dir: &Path, newer: &[(Lsn, PathBuf)]) -> Result<()> {
    for (_, path) in newer.iter().rev() {
        rewal_platform::remove_file(path).map_err(|e| on_file("removing", path, e))?;
        rewal_platform::sync_dir(dir).map_err(|e| on_file("syncing", dir, e))?;
    }
    Ok(())
}

/// Checks that `dir` exists as a directory, for `Wal::open_dir` on a path
/// that is a file.
pub(crate) fn refuse_a_file(dir: &Path) -> Result<()> {
    if !rewal_platform::is_dir(dir) && crate::storage::FileStorage::open_read_only(dir).is_ok() {
        return Err(Error::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{} is a file: open a single-file log with Wal::open",
                dir.display()
            ),
        )));
    }
    Ok(())
}
