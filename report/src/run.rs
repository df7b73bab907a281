//! What the tools say about a log as a run of segments
//! (`rewal::inspect::RunScan`): a single file (a run of one unnamed
//! segment, worded as [`Verdict`](crate::Verdict) words a file), or a
//! directory of segment files (`rewal::inspect::scan_dir`): the verdict on
//! the whole run, the ending of each segment, and why a segment does not
//! follow the one before it. Every sentence about a directory names the
//! segment file it is about, and the offset within that file.
//!
//! The rules are the engine's: only the newest segment may end in a torn
//! tail; damage in an older one, a gap or an overlap between segments, or
//! frames outside a segment's range are corruptions.

use crate::{contents, count, exit, valid, Described, Ending, Place, Verdict};
use rewal::inspect::{
    segment_name, LogEnd, LogScan, Misfit, Problem, RunProblem, RunScan, SegmentScan,
};
use std::fmt;

/// What is wrong with a segment that ends in a torn tail while newer
/// segments follow it: a crash can only tear the newest.
pub const OLDER_SEGMENT_TORN: &str =
    "newer segments follow it, and only the newest segment may end in a torn tail";

/// What a directory that holds no segment file but files other than
/// `rewal.lock` is: somebody else's.
pub const NO_SEGMENTS: &str = "it is not a rewal log directory: it holds no segment file (named by its first LSN in 20 digits, such as 00000000000000000001.wal)";

/// The exit code that says how a segment directory ends, as `rewal verify`
/// gives it: 0 clean, 1 a torn tail in the newest segment, 2 corrupted
/// (a gap, an overlap, damage in an older segment, a corruption in the
/// newest), 3 when its only segment is not a log.
pub fn dir_exit_code(scan: &RunScan) -> u8 {
    run_exit_code(scan)
}

/// The exit code that says how a run ends, as `rewal verify` gives it: a
/// file's ([`exit_code`](crate::exit_code) of its end), or a directory's
/// ([`dir_exit_code`]).
pub fn run_exit_code(scan: &RunScan) -> u8 {
    if let Some(file) = single_file(scan) {
        return crate::exit_code(file.end);
    }
    if scan.problem.is_some() {
        return exit::CORRUPTED;
    }
    match scan.segments.len() {
        0 => exit::OK,
        n => segment_ending(scan, n - 1).ending().exit_code(),
    }
}

/// Where segment `segment` of `scan` stands, naming it.
pub fn place(scan: &RunScan, segment: usize) -> Place {
    // The scan stops at a damaged segment: newer ones exist, unscanned.
    let damaged = scan.problem == Some(RunProblem::Damaged { segment });
    Place {
        named: scan.segments.get(segment).and_then(|found| found.named),
        newer: damaged || segment + 1 < scan.segments.len(),
        older: segment > 0,
    }
}

/// A [`Misfit`] in words: `segment 00000000000000000100.wal should be
/// named 00000000000000000090.wal: the events 90 to 99 are missing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MisfitWords(pub Misfit);

/// [`MisfitWords`] for `misfit`.
pub fn misfit(misfit: Misfit) -> MisfitWords {
    MisfitWords(misfit)
}

impl fmt::Display for MisfitWords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Misfit::Gap { expected, named } => {
                write!(
                    f,
                    "segment {} should be named {}: ",
                    segment_name(named),
                    segment_name(expected)
                )?;
                // A gap means named > expected: named - 1 cannot underflow.
                match named - 1 {
                    last if last == expected => write!(f, "the event {expected} is missing"),
                    last => write!(f, "the events {expected} to {last} are missing"),
                }
            }
            // An overlap means expected > named >= 0: expected - 1 is fine.
            Misfit::Overlap { expected, named } => write!(
                f,
                "segment {} should be named {}: it overlaps the segment before it, which holds the events up to {}",
                segment_name(named),
                segment_name(expected),
                expected - 1
            ),
            Misfit::OutOfRange { named, first_lsn } => write!(
                f,
                "segment {} holds events from LSN {first_lsn}, below the LSN it is named by: it is not the file its name says",
                segment_name(named)
            ),
        }
    }
}

/// How one segment of a scanned directory ends: its own ending (named, and
/// a corruption if it is torn while newer segments follow), or, for the
/// segment that does not follow the one before it, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentEnding<'a> {
    scan: &'a RunScan,
    segment: usize,
    named: bool,
}

/// The ending of segment `segment` of `scan` (an index into its
/// segments), naming the file.
pub fn segment_ending(scan: &RunScan, segment: usize) -> SegmentEnding<'_> {
    SegmentEnding {
        scan,
        segment,
        named: true,
    }
}

impl SegmentEnding<'_> {
    /// The same ending without the file's name, for a line that names it
    /// already.
    pub fn without_name(mut self) -> Self {
        self.named = false;
        self
    }

    /// The segment's own ending, with its place in the directory.
    fn ending(&self) -> Ending<Described> {
        let mut place = place(self.scan, self.segment);
        if !self.named {
            place.named = None;
        }
        let (end, zeros, problem) = match self.scan.segments.get(self.segment) {
            Some(found) => (
                found.scan.end,
                found.scan.file_len - found.scan.valid_len,
                found.scan.problem,
            ),
            None => (LogEnd::Clean, 0, None),
        };
        Ending {
            end,
            zeros,
            what: problem.map(Described),
            segment: Some(place),
        }
    }

    /// The misfit, if this is the segment that does not follow.
    fn misfit(&self) -> Option<Misfit> {
        match self.scan.problem {
            Some(RunProblem::Misfit { segment, misfit }) if segment == self.segment => Some(misfit),
            _ => None,
        }
    }

    /// The exit code that goes with it.
    pub fn exit_code(&self) -> u8 {
        match self.misfit() {
            Some(_) => exit::CORRUPTED,
            None => self.ending().exit_code(),
        }
    }
}

impl fmt::Display for SegmentEnding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.misfit() {
            Some(found) => write!(f, "corrupted: {}", misfit(found)),
            None => write!(f, "{}", self.ending()),
        }
    }
}

/// The one segment of a run that is a single file (one unnamed segment).
fn single_file(scan: &RunScan) -> Option<&LogScan> {
    match scan.segments.as_slice() {
        [only] if only.named.is_none() => Some(&only.scan),
        _ => None,
    }
}

/// The verdict on a scanned run, in the words of `rewal verify`: for a
/// file, [`Verdict`]'s (`ok: every frame checked: 5 frames, ...`, `torn
/// tail at offset 233: ...`); for a segment directory, `ok: every frame
/// checked: 5 segments, ...`, `torn tail in 00000000000000000190.wal at
/// offset 1234: ...; ...`, `corrupted: segment 00000000000000000100.wal
/// should be named ...`. [`RunVerdict::ending`] is the shorter clause that
/// says how it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunVerdict<'a> {
    scan: &'a RunScan,
}

/// The verdict on a segment directory: [`RunVerdict`], under the name the
/// viewer (`wasm/`) uses; kept so that it compiles unchanged.
pub type DirVerdict<'a> = RunVerdict<'a>;

impl<'a> RunVerdict<'a> {
    /// The verdict on `scan`.
    pub fn new(scan: &'a RunScan) -> Self {
        RunVerdict { scan }
    }

    /// How the run ends: `clean`, or the ending of the segment where the
    /// first problem is (see [`segment_ending`]); a file's as
    /// [`Verdict::ending`] words it.
    pub fn ending(&self) -> DirEnding<'a> {
        DirEnding { scan: self.scan }
    }

    /// The exit code that goes with it ([`run_exit_code`]).
    pub fn exit_code(&self) -> u8 {
        run_exit_code(self.scan)
    }

    /// What is wrong where the directory's events stop, as a clause that
    /// says what but not where, for a front end that shows where apart (the
    /// viewer's banner): the problem there ([`Described`]), followed by
    /// [`OLDER_SEGMENT_TORN`] for a torn tail in an older segment, or why
    /// a segment does not follow the one before it ([`MisfitWords`]).
    /// `None` for a clean directory.
    pub fn what(&self) -> Option<DirWhat> {
        let at = problem_segment(self.scan)?;
        if let Some(RunProblem::Misfit { misfit, .. }) = self.scan.problem {
            return Some(DirWhat::Misfit(misfit));
        }
        let found = &self.scan.segments[at].scan;
        let older_torn = matches!(found.end, LogEnd::TornTail { .. }) && place(self.scan, at).newer;
        match (found.problem, older_torn) {
            (problem, true) => Some(DirWhat::OlderTorn(problem)),
            (Some(problem), false) => Some(DirWhat::Found(problem)),
            (None, false) => None,
        }
    }
}

/// What is wrong where a segment directory's events stop, in words
/// ([`DirVerdict::what`]): `the frame there fails its CRC-32C check ...`,
/// `segment 00000000000000000100.wal should be named ...: ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirWhat {
    /// The problem the segment's scan found.
    Found(Problem),
    /// A torn tail (what its scan found, if anything) in a segment that
    /// newer ones follow: a corruption.
    OlderTorn(Option<Problem>),
    /// A segment that does not follow the one before it.
    Misfit(Misfit),
}

impl fmt::Display for DirWhat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DirWhat::Found(problem) => write!(f, "{}", Described(problem)),
            DirWhat::OlderTorn(Some(problem)) => {
                write!(f, "{}; {OLDER_SEGMENT_TORN}", Described(problem))
            }
            DirWhat::OlderTorn(None) => f.write_str(OLDER_SEGMENT_TORN),
            DirWhat::Misfit(how) => write!(f, "{}", misfit(how)),
        }
    }
}

impl fmt::Display for RunVerdict<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scan = self.scan;
        if let Some(file) = single_file(scan) {
            return write!(f, "{}", Verdict::new(file, file.problem.map(Described)));
        }
        let Some(at) = problem_segment(scan) else {
            return f.write_str("ok: an empty log (no segment files)");
        };
        let segments = &scan.segments;
        let found = &segments[at].scan;
        let ending = segment_ending(scan, at);
        let before = Before(&segments[..at]);
        if let Some(RunProblem::Misfit { .. }) = scan.problem {
            return write!(f, "{ending}{before}");
        }
        match found.end {
            LogEnd::Clean if scan.events() == 0 => write!(
                f,
                "ok: an empty log ({}, {})",
                count(segments.len() as u64, "segment", "segments"),
                count(scan.bytes(), "byte", "bytes")
            ),
            LogEnd::Clean => {
                write!(
                    f,
                    "ok: every frame checked: {}, {}, {}",
                    count(segments.len() as u64, "segment", "segments"),
                    contents_of(segments),
                    count(scan.bytes(), "byte", "bytes")
                )?;
                if found.valid_len < found.file_len {
                    write!(
                        f,
                        ", then {} of zeros at the end of {} (space preallocated, never written)",
                        count(found.file_len - found.valid_len, "byte", "bytes"),
                        segment_name(segments[at].named.unwrap_or_default())
                    )?;
                }
                Ok(())
            }
            LogEnd::NotALog => write!(f, "{ending}{before}"),
            LogEnd::TornTail { .. } if ending.exit_code() == exit::TORN => write!(
                f,
                "{ending}; {}{before}; `rewal repair` cuts the tail",
                valid(found)
            ),
            LogEnd::PowerCut { .. } => write!(
                f,
                "{ending}; {}{before}; {}",
                valid(found),
                crate::POWER_CUT_CUT
            ),
            LogEnd::TornTail { .. } | LogEnd::Corrupted { .. } => {
                write!(f, "{ending}; {}{before}", valid(found))
            }
        }
    }
}

/// The segment the verdict is about: the one with the problem, or the
/// newest; `None` for a directory without segments.
fn problem_segment(scan: &RunScan) -> Option<usize> {
    match scan.problem {
        Some(RunProblem::Damaged { segment } | RunProblem::Misfit { segment, .. }) => Some(segment),
        None => scan.segments.len().checked_sub(1),
    }
}

/// How a segment directory ends, in words: `clean`, `torn tail in
/// 00000000000000000190.wal at offset 1234: ...`, `corrupted in ... at
/// offset ...: ...`, `corrupted: segment ... should be named ...: ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirEnding<'a> {
    scan: &'a RunScan,
}

impl fmt::Display for DirEnding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = single_file(self.scan) {
            let verdict = Verdict::new(file, file.problem.map(Described));
            return write!(f, "{}", verdict.ending());
        }
        match problem_segment(self.scan) {
            Some(at) => write!(f, "{}", segment_ending(self.scan, at)),
            None => f.write_str("clean"),
        }
    }
}

/// `; the 3 segments before it are clean (12 frames, ...)`, or nothing
/// when no segment comes before.
struct Before<'a>(&'a [SegmentScan]);

impl fmt::Display for Before<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.len() {
            0 => Ok(()),
            1 => write!(
                f,
                "; the segment before it is clean ({})",
                contents_of(self.0)
            ),
            n => write!(
                f,
                "; the {n} segments before it are clean ({})",
                contents_of(self.0)
            ),
        }
    }
}

/// `12 frames, 60 events, LSNs 1 to 60` over several segments, or `no
/// frames`.
fn contents_of(segments: &[SegmentScan]) -> String {
    let mut frames = 0u64;
    let mut events = 0u64;
    let mut lsns: Option<(u64, u64)> = None;
    for segment in segments.iter().filter(|segment| segment.scan.frames > 0) {
        frames += segment.scan.frames;
        events += segment.scan.events;
        let first = lsns.map_or(segment.scan.first_lsn, |(first, _)| first);
        lsns = Some((first, segment.scan.last_lsn));
    }
    match lsns {
        // One segment: the single file's own words.
        Some(_) if segments.len() == 1 => contents(&segments[0].scan),
        Some((first, last)) => format!(
            "{}, {}, LSNs {first} to {last}",
            count(frames, "frame", "frames"),
            count(events, "event", "events")
        ),
        None => "no frames".into(),
    }
}
