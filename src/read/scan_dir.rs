//! Scanning a segment directory without opening it for writing: every
//! segment scanned as the complete log it is, and the rule that segments
//! must follow each other checked. Recovery at `Wal::open_dir` applies the
//! same rule ([`segment_misfit`]); the CLI and the viewer report it.

use super::recover_dir::newest_synced_from;
use super::scan::{scan_file_synced, LogEnd, LogScan};
use crate::storage::mark::SyncMark;
use crate::storage::segments::{list_segments, LOCK_FILE};
use crate::{Lsn, Result};
use std::path::{Path, PathBuf};

/// How a segment fails to follow the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Misfit {
    /// It is named after a later LSN than the one after the previous
    /// segment's last: the segments between are missing.
    Gap {
        /// The name it should have had: the LSN after the previous one's last.
        expected: Lsn,
        /// The first LSN it is named by.
        named: Lsn,
    },
    /// It is named after an LSN the previous segment already holds.
    Overlap {
        /// The name it should have had: the LSN after the previous one's last.
        expected: Lsn,
        /// The first LSN it is named by.
        named: Lsn,
    },
    /// Its frames begin below the LSN it is named by: it is not the file
    /// its name says.
    OutOfRange {
        /// The first LSN it is named by.
        named: Lsn,
        /// The first LSN of its frames.
        first_lsn: Lsn,
    },
}

/// Checks that a segment named `named` (the first LSN it may hold), whose
/// scan is `scan`, may follow a segment whose last LSN is `previous_last`
/// (`None` for the oldest segment, which may follow anything: older ones
/// were checkpointed away). A segment with no frames has a last LSN one
/// below its name.
pub fn segment_misfit(previous_last: Option<Lsn>, named: Lsn, scan: &LogScan) -> Option<Misfit> {
    if let Some(previous_last) = previous_last {
        let expected = previous_last.saturating_add(1);
        if named > expected {
            return Some(Misfit::Gap { expected, named });
        }
        if named < expected {
            return Some(Misfit::Overlap { expected, named });
        }
    }
    (scan.frames > 0 && scan.first_lsn < named).then_some(Misfit::OutOfRange {
        named,
        first_lsn: scan.first_lsn,
    })
}

/// The last LSN a segment named `named` holds, by its scan: one below its
/// name when it holds no frames.
pub fn segment_last_lsn(named: Lsn, scan: &LogScan) -> Lsn {
    if scan.frames > 0 {
        scan.last_lsn
    } else {
        named.saturating_sub(1)
    }
}

/// One segment file of a directory, scanned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SegmentScan {
    /// The first LSN it may hold: its name.
    pub named: Lsn,
    /// Its file.
    pub path: PathBuf,
    /// What its scan found.
    pub scan: LogScan,
}

/// What is wrong with a segment directory as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DirProblem {
    /// A segment that is not the newest does not end cleanly: only the
    /// newest may end in a torn tail. Its scan says where and what.
    Damaged {
        /// Which segment (an index into [`DirScan::segments`]).
        segment: usize,
    },
    /// A segment does not follow the one before it.
    Misfit {
        /// Which segment (an index into [`DirScan::segments`]).
        segment: usize,
        /// How.
        misfit: Misfit,
    },
}

/// What a scan of a segment directory found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DirScan {
    /// Every segment, oldest first, up to and including the first one with
    /// a problem (the ones after it are not scanned).
    pub segments: Vec<SegmentScan>,
    /// The first problem met, oldest first. The newest segment's own ending
    /// (a torn tail that opening the log would cut) is in its scan, not here.
    pub problem: Option<DirProblem>,
}

impl DirScan {
    /// The first LSN held (0 when no segment holds an event).
    pub fn first_lsn(&self) -> Lsn {
        self.segments
            .iter()
            .find(|segment| segment.scan.frames > 0)
            .map_or(0, |segment| segment.scan.first_lsn)
    }

    /// The last LSN held (0 when no segment holds an event).
    pub fn last_lsn(&self) -> Lsn {
        self.segments
            .iter()
            .rev()
            .find(|segment| segment.scan.frames > 0)
            .map_or(0, |segment| segment.scan.last_lsn)
    }

    /// Events held, in every segment scanned.
    pub fn events(&self) -> u64 {
        self.segments
            .iter()
            .map(|segment| segment.scan.events)
            .sum()
    }

    /// Bytes of the segment files scanned.
    pub fn bytes(&self) -> u64 {
        self.segments
            .iter()
            .map(|segment| segment.scan.file_len)
            .sum()
    }
}

/// Scans the segment directory `dir`: each segment read-only and without a
/// lock (another process may have the log open), oldest first, stopping at
/// the first segment with a problem. A directory without segment files
/// scans as an empty log.
///
/// A damaged directory is no error: [`DirScan::problem`] says what is
/// wrong, and each segment's scan how it ends.
///
/// ```
/// use rewal::inspect::scan_dir;
/// use rewal::Wal;
/// use std::time::Duration;
///
/// # fn main() -> rewal::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("rewal-doc-scan-dir-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let wal = Wal::open_dir(&dir).segment_size(4096).build()?;
/// for n in 0..1000u64 {
///     wal.append(n.to_le_bytes())?;
/// }
/// wal.shutdown(Duration::from_secs(5))?;
///
/// let scan = scan_dir(&dir)?;
/// assert_eq!(scan.problem, None);
/// assert_eq!((scan.first_lsn(), scan.last_lsn(), scan.events()), (1, 1000, 1000));
/// for segment in &scan.segments {
///     println!("{}: LSNs {} to {}", segment.path.display(), segment.named, segment.scan.last_lsn);
/// }
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// An I/O error if the directory cannot be listed (`NotFound` for a
/// missing one), or a segment cannot be opened or read.
pub fn scan_dir(dir: impl AsRef<Path>) -> Result<DirScan> {
    let dir = dir.as_ref();
    let listed = list_segments(dir)?;
    let mut found = DirScan {
        segments: Vec::with_capacity(listed.len()),
        problem: None,
    };
    // The directory's sync mark: where damage in the newest segment may be
    // a power cut's.
    let synced = SyncMark::read(&dir.join(LOCK_FILE));
    let mut previous_last = None;
    for (i, (named, path)) in listed.iter().enumerate() {
        let newest = i + 1 == listed.len();
        let unsynced_from = match synced {
            Some(synced) if newest => newest_synced_from(synced, *named),
            _ => None,
        };
        let scan = scan_file_synced(path, &mut |_| {}, unsynced_from)?;
        found.problem = match segment_misfit(previous_last, *named, &scan) {
            Some(misfit) => Some(DirProblem::Misfit { segment: i, misfit }),
            // Only the newest may end torn, or in a power cut's lost
            // writes.
            None if !newest && scan.end != LogEnd::Clean => {
                Some(DirProblem::Damaged { segment: i })
            }
            None => None,
        };
        previous_last = Some(segment_last_lsn(*named, &scan));
        found.segments.push(SegmentScan {
            named: *named,
            path: path.clone(),
            scan,
        });
        if found.problem.is_some() {
            break;
        }
    }
    Ok(found)
}
