//! A log is a run of segments; a single file is a run of one. Each
//! segment is scanned as the complete log it is, and one loop here says
//! whether the segments follow each other: the engine's recovery, its
//! scans, the command line and the viewer all judge a run by it.

use super::scan::{scan, FrameInfo, LogEnd, LogScan};
use super::source::{Plain, Source};
use crate::error::catch_panic;
use crate::storage::ReadStorage;
use crate::{Lsn, Result};
use std::path::PathBuf;

/// An ordered run of segments to scan: a single file (a run of one
/// unnamed segment), or the segment files of a directory, oldest first,
/// each named by the first LSN it may hold.
///
/// ```
/// use rewal::inspect::Run;
///
/// # fn main() -> rewal::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("rewal-doc-run-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let wal = rewal::Wal::open_dir(&dir).segment_size(4096).build()?;
/// for n in 0..200u64 {
///     wal.append([n as u8; 100])?;
/// }
/// wal.flush()?;
/// # wal.close()?;
///
/// // The segments as bytes from anywhere (here, read into memory).
/// let mut run = Run::new();
/// for entry in std::fs::read_dir(&dir)? {
///     let path = entry?.path();
///     let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
///     if let Some(first) = rewal::inspect::segment_lsn(name) {
///         run.push(Some(first), std::fs::read(&path)?);
///     }
/// }
/// let scan = run.scan(|_, _| {})?;
/// assert_eq!(scan.problem, None);
/// assert_eq!((scan.first_lsn(), scan.last_lsn(), scan.events()), (1, 200, 200));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct Run<S> {
    segments: Vec<(Option<Lsn>, Option<PathBuf>, S)>,
    /// Where the newest segment may hold unsynced bytes (its sync mark).
    synced: Option<u64>,
}

impl<S: ReadStorage> Run<S> {
    /// An empty run.
    pub fn new() -> Run<S> {
        Run {
            segments: Vec::new(),
            synced: None,
        }
    }

    /// A run of one unnamed segment: a single-file log.
    pub fn one(storage: S) -> Run<S> {
        let mut run = Run::new();
        run.push(None, storage);
        run
    }

    /// Adds a segment, named by the first LSN it may hold (`None` for a
    /// single file). The scan takes the segments in the order of their
    /// names, whatever the order they were added in.
    pub fn push(&mut self, named: Option<Lsn>, storage: S) {
        self.segments.push((named, None, storage));
    }

    /// As [`push`](Self::push), with the file the segment was read from
    /// (kept in its [`SegmentScan`]).
    pub fn push_file(&mut self, named: Option<Lsn>, path: PathBuf, storage: S) {
        self.segments.push((named, Some(path), storage));
    }

    /// Judges damage in the newest segment from `offset` on as a power
    /// cut's when it looks like one: what the log's sync mark says (see
    /// [`LogEnd::PowerCut`]).
    #[must_use]
    pub fn synced_from(mut self, offset: Option<u64>) -> Run<S> {
        self.synced = offset;
        self
    }

    /// Scans every segment, oldest first (by name), and judges the run:
    /// whether each
    /// follows the one before, and whether any but the newest is damaged
    /// (only the newest may end in a torn tail, or a power cut's lost
    /// writes). Calls `visit` with each valid frame and the index of its
    /// segment. Each segment's bytes are let go once it is scanned.
    ///
    /// # Errors
    ///
    /// A segment's storage errors (from `size`, `map`, `read_at`;
    /// `Error::Panicked` if it panicked).
    pub fn scan(mut self, mut visit: impl FnMut(usize, &FrameInfo)) -> Result<RunScan> {
        self.segments.sort_by_key(|(named, _, _)| *named);
        let newest = self.segments.len().saturating_sub(1);
        let mut scanned = Vec::with_capacity(self.segments.len());
        for (i, (named, path, storage)) in self.segments.into_iter().enumerate() {
            let len = catch_panic("the storage's size", || storage.size())?;
            let mut source = Source::over(Plain(storage), len)?;
            let synced = if i == newest { self.synced } else { None };
            let found = scan(&mut source, &mut |frame| visit(i, frame), synced)?;
            scanned.push(SegmentScan::new(named, path, found));
        }
        Ok(RunScan::judge(scanned))
    }
}

/// One segment of a run, scanned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SegmentScan {
    /// The first LSN it may hold: its name (`None` for a single file).
    pub named: Option<Lsn>,
    /// Its file, when it was read from one.
    pub path: Option<PathBuf>,
    /// What its scan found.
    pub scan: LogScan,
}

impl SegmentScan {
    /// The scan `scan` of the segment named `named` (read from `path`).
    pub fn new(named: Option<Lsn>, path: Option<PathBuf>, scan: LogScan) -> SegmentScan {
        SegmentScan { named, path, scan }
    }

    /// The last LSN it holds: its last event's, or, while it holds none,
    /// one below its name (0 for an empty single file).
    pub fn last_lsn(&self) -> Lsn {
        match self.named {
            Some(named) => segment_last_lsn(named, &self.scan),
            None => self.scan.last_lsn,
        }
    }
}

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

/// What is wrong with a run as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RunProblem {
    /// A segment that is not the newest does not end cleanly: only the
    /// newest may end in a torn tail (or a power cut's lost writes). Its
    /// scan says where and what.
    Damaged {
        /// Which segment (an index into [`RunScan::segments`]).
        segment: usize,
    },
    /// A segment does not follow the one before it.
    Misfit {
        /// Which segment (an index into [`RunScan::segments`]).
        segment: usize,
        /// How.
        misfit: Misfit,
    },
}

/// What a scan of a run found: every segment's scan, oldest first, and
/// the first problem of the run as a whole. The newest segment's own
/// ending (a torn tail, a power cut's lost writes: what opening the log
/// cuts by itself) is in its scan, not here.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RunScan {
    /// Every segment, oldest first.
    pub segments: Vec<SegmentScan>,
    /// The first problem met, oldest first.
    pub problem: Option<RunProblem>,
}

impl RunScan {
    /// Judges scanned segments, oldest first: the one loop that says
    /// whether segments follow each other, and which may be damaged.
    pub fn judge(segments: Vec<SegmentScan>) -> RunScan {
        let newest = segments.len().saturating_sub(1);
        let mut problem = None;
        let mut previous_last = None;
        for (i, segment) in segments.iter().enumerate() {
            let misfit = segment
                .named
                .and_then(|named| segment_misfit(previous_last, named, &segment.scan));
            problem = match misfit {
                Some(misfit) => Some(RunProblem::Misfit { segment: i, misfit }),
                None if i != newest && segment.scan.end != LogEnd::Clean => {
                    Some(RunProblem::Damaged { segment: i })
                }
                None => None,
            };
            if problem.is_some() {
                break;
            }
            previous_last = Some(segment.last_lsn());
        }
        RunScan { segments, problem }
    }

    /// The segments up to the one with the problem (all of them when there
    /// is none): the log as it can be read.
    pub fn held(&self) -> &[SegmentScan] {
        let end = match self.problem {
            Some(RunProblem::Damaged { segment } | RunProblem::Misfit { segment, .. }) => {
                segment + 1
            }
            None => self.segments.len(),
        };
        &self.segments[..end]
    }

    /// The first LSN held (0 when no segment holds an event).
    pub fn first_lsn(&self) -> Lsn {
        self.held()
            .iter()
            .find(|segment| segment.scan.frames > 0)
            .map_or(0, |segment| segment.scan.first_lsn)
    }

    /// The last LSN held (0 when no segment holds an event).
    pub fn last_lsn(&self) -> Lsn {
        self.held()
            .iter()
            .rev()
            .find(|segment| segment.scan.frames > 0)
            .map_or(0, |segment| segment.scan.last_lsn)
    }

    /// Events held.
    pub fn events(&self) -> u64 {
        self.held().iter().map(|segment| segment.scan.events).sum()
    }

    /// Valid frames held.
    pub fn frames(&self) -> u64 {
        self.held().iter().map(|segment| segment.scan.frames).sum()
    }

    /// Bytes of the segments held.
    pub fn bytes(&self) -> u64 {
        self.held()
            .iter()
            .map(|segment| segment.scan.file_len)
            .sum()
    }

    /// The segment the run's verdict is about: the one with the problem,
    /// or the newest; `None` for a run without segments.
    pub fn deciding(&self) -> Option<usize> {
        match self.problem {
            Some(RunProblem::Damaged { segment } | RunProblem::Misfit { segment, .. }) => {
                Some(segment)
            }
            None => self.segments.len().checked_sub(1),
        }
    }
}
