//! Recovery of a log kept as a directory of segments (`Wal::open_dir`):
//! each segment is scanned as the complete log it is, and the segments
//! must follow each other.
//!
//! - Only the newest segment may end in a torn tail (cut and synced, as
//!   for a single file), or in what a power cut leaves after the last sync
//!   (cut, the bytes kept in `removed/`: see `frame/ending.rs` and the
//!   sync mark, `storage/mark.rs`); damage in an older one is a
//!   corruption, as is a
//!   segment that does not follow the one before (a gap: a missing
//!   segment; an overlap; frames below a segment's name).
//! - A corruption is refused with the files untouched, unless the caller
//!   chose `Recovery::TruncateAtCorruption`. Then the segments are split
//!   into **runs** that follow each other, each segment cut where its
//!   valid frames end; the run holding the most events is kept (the newer
//!   one on a tie: a log may begin later, as after a checkpoint), and
//!   everything else goes to the `removed/` folder (`set_aside.rs`):
//!   nothing is thrown away, and the log that stays is consistent, its
//!   LSNs going on from its last event. Older segments are moved oldest
//!   first, newer ones newest first, so that a crash in between leaves a
//!   log that begins later or ends sooner, never one with a gap.
//! - An empty directory gets its first segment (`…0001.wal`). A directory
//!   that holds anything else and no segment is somebody else's: refused
//!   as not a log, untouched. Inside a directory that holds segments, a
//!   segment that does not begin like a log is damage, not "not a log".
//! - Only the newest segment is held open (for writing); the others are
//!   scanned one at a time and closed again, so a directory of thousands
//!   of segments opens with a handful of descriptors.

use super::parallel::scan_quietly;
use super::run::{segment_last_lsn, segment_misfit};
use super::scan::{LogEnd, LogScan};
use super::set_aside::{
    copy_out, move_segment_aside, removed_dir, removed_path, valid_frames_in, SetAside, REMOVED_DIR,
};
use super::source::Source;
use crate::error::on_file;
use crate::frame::Problem;
use crate::storage::mark::{SyncMark, Synced};
use crate::storage::segments::{self, Segment, Segments, LOCK_FILE};
use crate::storage::{FileStorage, ReadStorage, SharedStorage, Storage};
use crate::{Details, Error, Lsn, Recovery, Result};
use std::ops::RangeInclusive;
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
    /// What recovery cut or moved, and where it kept it.
    pub(crate) set_aside: Vec<SetAside>,
}

/// One segment file, scanned.
struct Scanned {
    named: Lsn,
    path: PathBuf,
    scan: LogScan,
}

impl Scanned {
    /// Whether it needs cutting: bytes after its valid frames that are not
    /// the zeros of space written ahead.
    fn damaged(&self) -> bool {
        self.scan.end != LogEnd::Clean
    }
}

/// Segments that follow each other, `first..=last` of the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Run {
    segments: RangeInclusive<usize>,
    events: u64,
}

/// Opens (creating if needed) and recovers the segment directory `dir`.
pub(crate) fn recover_dir(dir: &Path, policy: Recovery) -> Result<RecoveredDir> {
    rewal_platform::create_dir(dir).map_err(|e| on_file("creating", dir, e))?;
    let listed = segments::list_segments(dir)?;
    if listed.is_empty() && !holds_only_our_files(dir)? {
        return Err(Error::not_a_log(Details::new().with_directory(dir)));
    }
    // The lock is on a file inside: the caller named the directory.
    let (mut mark, synced) = SyncMark::open(&dir.join(LOCK_FILE)).map_err(|error| match error {
        Error::FileLocked { .. } => Error::file_locked(Details::new().with_directory(dir)),
        other => other,
    })?;
    let newest_named = listed.last().map(|(named, _)| *named);
    let mut scanned = Vec::with_capacity(listed.len());
    for (named, path) in listed {
        // Only the newest segment can hold unsynced bytes (a rotation syncs
        // the segment it seals before the next exists): only there may
        // damage be a power cut's.
        let unsynced_from = match (synced, Some(named) == newest_named) {
            (Some(synced), true) => newest_synced_from(synced, named),
            _ => None,
        };
        let scan = scan_segment(&path, unsynced_from)?;
        scanned.push(Scanned { named, path, scan });
    }
    let runs = runs(&scanned);
    let kept = match policy {
        _ if is_whole_and_sound(&scanned, &runs) => runs.first().cloned(),
        Recovery::Strict => return Err(Error::corrupted(corruption(dir, &scanned))),
        Recovery::TruncateAtCorruption => runs
            .iter()
            .max_by_key(|run| (run.events, *run.segments.start()))
            .cloned(),
    };
    let kept = kept.map(|run| run.segments);
    let mut reports = Vec::new();
    let mut set_aside = set_aside_outside(dir, &scanned, &kept)?;

    let mut recovered = Vec::new();
    let mut start: u64 = 0;
    let mut last_lsn: Lsn = 0;
    let mut newest_size = 0;
    for i in kept.clone().into_iter().flatten() {
        let segment = &scanned[i];
        let newest = kept.as_ref().is_some_and(|kept| i == *kept.end());
        let valid = segment.scan.valid_len;
        if segment.damaged() {
            reports.push((
                start + valid,
                segment.scan.problem.unwrap_or(Problem::Zeros),
            ));
            let keep_copy = !matches!(segment.scan.end, LogEnd::TornTail { .. });
            set_aside.extend(cut(dir, segment, keep_copy)?);
        }
        last_lsn = segment_last_lsn(segment.named, &segment.scan);
        if newest {
            let mut file = FileStorage::new(&segment.path)?;
            // Whatever a previous process wrote may still sit in the page
            // cache: make "durable up to the last LSN" true. (Older
            // segments were synced when they were sealed.)
            if valid > 0 {
                file.sync()?;
            }
            newest_size = file.size()?;
            if newest_size > valid {
                file.resume_at(valid)?;
            }
            recovered.push(Segment::newest(
                segment.named,
                segment.path.clone(),
                start,
                valid,
                segment.scan.first_lsn,
                Box::new(file),
            ));
        } else {
            recovered.push(Segment::sealed(
                segment.named,
                segment.path.clone(),
                start,
                valid,
                segment.scan.first_lsn,
            ));
        }
        start += valid;
    }
    if recovered.is_empty() {
        let path = dir.join(segments::segment_name(1));
        let file = FileStorage::new(&path)?;
        recovered.push(Segment::newest(1, path, 0, 0, 0, Box::new(file)));
    }
    let newest_start = recovered.last().map_or(0, |segment| segment.start);
    let newest_len = recovered.last().map_or(0, |segment| segment.len());
    // Everything the log holds now is synced (the newest above, the others
    // when they were sealed): a fresh mark, durable before any append.
    if let Some(newest) = recovered.last() {
        mark.record_durably(Synced {
            segment: newest.first_lsn,
            offset: newest_len,
        })?;
    }
    Ok(RecoveredDir {
        segments: Segments::new(dir.to_path_buf(), mark, recovered),
        last_lsn,
        file_len: newest_start + newest_len,
        allocated: newest_start + newest_size.max(newest_len),
        reports,
        set_aside,
    })
}

/// Where the first thing that makes `scanned` a corruption is: a segment
/// that does not follow the one before, or damage in a segment that is
/// not the newest (or, in the newest, damage followed by valid frames).
fn corruption(dir: &Path, scanned: &[Scanned]) -> Details {
    let details = Details::new().with_directory(dir);
    let mut previous_last = None;
    for (i, segment) in scanned.iter().enumerate() {
        let in_segment = details.clone().with_segment(&segment.path);
        if let Some(misfit) = segment_misfit(previous_last, segment.named, &segment.scan) {
            return in_segment.with_misfit(misfit);
        }
        let newest = i + 1 == scanned.len();
        let bad_end = match segment.scan.end {
            LogEnd::Clean => None,
            LogEnd::Corrupted { offset, next_valid } => Some((offset, next_valid)),
            LogEnd::TornTail { offset } if !newest => Some((offset, None)),
            LogEnd::PowerCut { offset, next_valid } if !newest => Some((offset, next_valid)),
            _ => None,
        };
        if let Some((offset, next_valid)) = bad_end {
            return in_segment
                .with_offset(offset)
                .with_next_valid(next_valid)
                .with_problem(segment.scan.problem.unwrap_or(Problem::Zeros));
        }
        previous_last = Some(segment_last_lsn(segment.named, &segment.scan));
    }
    details
}

/// Whether a directory without segment files holds nothing but what rewal
/// itself keeps there (the lock file, the `removed/` folder): a new log
/// may start in it. Anything else is somebody else's directory.
fn holds_only_our_files(dir: &Path) -> Result<bool> {
    let files = rewal_platform::list_dir(dir).map_err(|e| on_file("listing", dir, e))?;
    let folders = rewal_platform::list_subdirs(dir).map_err(|e| on_file("listing", dir, e))?;
    let ours_only = files.iter().all(|name| name == LOCK_FILE);
    let has_lock = !files.is_empty();
    Ok(ours_only && folders.iter().all(|name| has_lock && name == REMOVED_DIR))
}

/// Where the newest segment, named `named`, may hold unsynced bytes, by
/// the directory's sync mark `synced`: from what the mark says of it, or
/// from its start if the mark names an older segment. `None` (judge no
/// damage a power cut's) if the mark names a segment past it.
pub(crate) fn newest_synced_from(synced: Synced, named: Lsn) -> Option<u64> {
    match synced.segment.cmp(&named) {
        std::cmp::Ordering::Equal => Some(synced.offset),
        std::cmp::Ordering::Less => Some(0),
        std::cmp::Ordering::Greater => None,
    }
}

/// Scans the segment file `path` (opened read-only under the directory's
/// lock, and closed again), judging damage from `unsynced_from` on as a
/// power cut's when it looks like one.
fn scan_segment(path: &Path, unsynced_from: Option<u64>) -> Result<LogScan> {
    let storage = SharedStorage::new(Box::new(FileStorage::open_covered(path)?));
    let len = storage.size()?;
    let mut source = Source::open(&storage, len)?;
    let found = scan_quietly(&mut source, unsynced_from)?;
    // Inside a directory of segments, a file that does not begin like a
    // log is a damaged segment, not somebody else's file.
    Ok(match found.end {
        LogEnd::NotALog => LogScan {
            end: LogEnd::Corrupted {
                offset: 0,
                next_valid: None,
            },
            ..found
        },
        _ => found,
    })
}

/// Splits the listing into runs of segments that follow each other. A
/// segment whose frames lie below its own name belongs to none.
fn runs(scanned: &[Scanned]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut previous_last = None;
    for (i, segment) in scanned.iter().enumerate() {
        let follows = previous_last.is_some()
            && segment_misfit(previous_last, segment.named, &segment.scan).is_none();
        if follows {
            if let Some(run) = runs.last_mut() {
                run.segments = *run.segments.start()..=i;
                run.events += segment.scan.events;
            }
        } else if segment_misfit(None, segment.named, &segment.scan).is_none() {
            runs.push(Run {
                segments: i..=i,
                events: segment.scan.events,
            });
        } else {
            previous_last = None;
            continue;
        }
        previous_last = Some(segment_last_lsn(segment.named, &segment.scan));
    }
    runs
}

/// Whether the directory opens without a repair: one run of every segment,
/// with damage (a torn tail) only at the end of the newest.
fn is_whole_and_sound(scanned: &[Scanned], runs: &[Run]) -> bool {
    let Some(newest) = scanned.last() else {
        return true;
    };
    let whole = runs.len() == 1 && runs[0].segments == (0..=scanned.len() - 1);
    let older_clean = scanned[..scanned.len() - 1]
        .iter()
        .all(|segment| !segment.damaged());
    let newest_ok = matches!(
        newest.scan.end,
        LogEnd::Clean | LogEnd::TornTail { .. } | LogEnd::PowerCut { .. }
    );
    whole && older_clean && newest_ok
}

/// Moves every segment outside `kept` (all of them, for `None`) into
/// `removed/`: the older ones oldest first, the newer ones newest first.
fn set_aside_outside(
    dir: &Path,
    scanned: &[Scanned],
    kept: &Option<RangeInclusive<usize>>,
) -> Result<Vec<SetAside>> {
    let (older, newer) = match kept {
        Some(kept) => (0..*kept.start(), kept.end() + 1..scanned.len()),
        None => (0..scanned.len(), 0..0),
    };
    let mut moved = Vec::new();
    for i in older.chain(newer.rev()) {
        let segment = &scanned[i];
        let kept_in = move_segment_aside(dir, &segment.path)?;
        moved.push(SetAside {
            end: segment.scan.end,
            from: segment.path.clone(),
            offset: 0,
            len: segment.scan.file_len,
            kept_in,
            events: segment.scan.events,
            first_lsn: segment.scan.first_lsn,
            last_lsn: segment.scan.last_lsn,
        });
    }
    Ok(moved)
}

/// Cuts `segment` where its valid frames end, after copying what follows
/// into `removed/` when `keep_copy` (a torn tail, the remains of one
/// interrupted write, is simply cut); returns what was kept.
fn cut(dir: &Path, segment: &Scanned, keep_copy: bool) -> Result<Option<SetAside>> {
    let valid = segment.scan.valid_len;
    let len = segment.scan.file_len;
    let storage = SharedStorage::new(Box::new(FileStorage::new(&segment.path)?));
    let mut kept = None;
    if keep_copy {
        let name = segment.path.file_name().unwrap_or_default();
        let kept_in = removed_path(&removed_dir(dir)?.join(name), valid);
        copy_out(&storage, valid, len, &kept_in)?;
        let (events, first_lsn, last_lsn) = match segment.scan.end {
            LogEnd::PowerCut {
                next_valid: Some(at),
                ..
            }
            | LogEnd::Corrupted {
                next_valid: Some(at),
                ..
            } => valid_frames_in(&storage, at, len)?,
            _ => (0, 0, 0),
        };
        kept = Some(SetAside {
            end: segment.scan.end,
            from: segment.path.clone(),
            offset: valid,
            len: len - valid,
            kept_in,
            events,
            first_lsn,
            last_lsn,
        });
    }
    storage.truncate(valid)?;
    storage.sync()?;
    storage.close()?;
    Ok(kept)
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
