//! A log kept as a directory of segment files (what `rewal::Wal::open_dir`
//! writes), opened as one log.
//!
//! Each segment is a complete log, named by the first LSN it may hold (20
//! digits and `.wal`). The viewer reads the files one after the other,
//! oldest first, as one run of bytes (offsets count from the first byte of
//! the oldest; [`Segments::locate`] says which file an offset is in), and
//! the engine scans them as a run (`rewal::inspect::Run`, in
//! `opening/run.rs`), each as the log it is. The rules are the engine's
//! (`rewal::inspect::RunScan::judge`): each segment is named by the LSN
//! after the last one of the segment before it, and only the newest may
//! end in a torn tail. The first segment that breaks them ends the log's
//! events; what follows is shown apart, as after a corruption.
//!
//! What the viewer says of the segments is what `rewal verify DIR` says of
//! the same files, word for word: the scans up to the first problem are
//! kept as the engine's own `RunScan` ([`Segments::dir_scan`]), and
//! `rewal-report` words it ([`Segments::verdict`]).

use rewal::inspect::{segment_lsn, LogEnd, LogScan, RunProblem, RunScan};
use rewal::{Error, Lsn, Result};
use rewal_report::{segment_ending, DirVerdict, Verdict};
use std::fmt;

/// The most segment files opened as one log. A log of 64 MiB segments
/// this long holds 4 TiB; the bound keeps a folder of junk from costing
/// memory and time without end.
pub const MAX_SEGMENTS: usize = 65_536;

/// One segment file of a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentFile {
    /// Its file name.
    pub name: String,
    /// The first LSN it may hold: what its name says.
    pub named: Lsn,
    /// Where its bytes begin among the log's (the files one after the
    /// other, oldest first).
    pub start: u64,
    /// Its size in bytes.
    pub len: u64,
}

impl SegmentFile {
    /// Where its bytes end among the log's.
    pub fn end(&self) -> u64 {
        self.start + self.len
    }
}

/// A refusal of the bindings' own (segment files that cannot be a log),
/// carried inside the engine's I/O error so that it travels as one; its
/// code says what was refused. It is defined here, where segments are
/// refused, and the bindings read its code (`bindings::errors::code`).
#[derive(Debug)]
pub struct Refusal {
    /// The error code (`invalid-segments`).
    pub code: &'static str,
    /// What is wrong, for people.
    pub message: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Refusal {}

impl Refusal {
    /// The refusal as the engine's error.
    pub fn error(code: &'static str, message: String) -> Error {
        Error::Io(std::io::Error::other(Refusal { code, message }))
    }
}

/// Segment files that cannot be opened as a log, with a message for
/// people (code `invalid-segments` in JavaScript).
pub(crate) fn refused(message: String) -> Error {
    Refusal::error("invalid-segments", message)
}

/// The order of the segment files named `names` in their log: indices
/// into `names`, oldest first. Refuses a name that is not a segment's,
/// two files with the same name, no file, or more than [`MAX_SEGMENTS`].
pub fn order(names: &[&str]) -> Result<Vec<usize>> {
    if names.is_empty() {
        return Err(refused("no segment files to open".into()));
    }
    if names.len() > MAX_SEGMENTS {
        return Err(refused(format!(
            "{} files: at most {MAX_SEGMENTS} segment files open as one log",
            names.len()
        )));
    }
    let mut named = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        match segment_lsn(name) {
            Some(lsn) => named.push((lsn, i)),
            None => {
                return Err(refused(format!(
                    "{name:?} is not a segment file: a segment is named by its first LSN, \
                     20 digits and .wal (such as 00000000000000000001.wal)"
                )))
            }
        }
    }
    named.sort_unstable();
    if let Some(pair) = named.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(refused(format!("two files are named {}", names[pair[0].1])));
    }
    Ok(named.into_iter().map(|(_, i)| i).collect())
}

/// The segment files `files` (`(name, size)`, oldest first, as [`order`]
/// puts them) laid one after the other.
pub fn layout(files: Vec<(String, u64)>) -> Result<Vec<SegmentFile>> {
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    if order(&names)? != (0..files.len()).collect::<Vec<_>>() {
        return Err(refused("the segment files are not in order".into()));
    }
    let mut laid = Vec::with_capacity(files.len());
    let mut start: u64 = 0;
    for (name, len) in files {
        let named = segment_lsn(&name).unwrap_or(0); // checked by `order`
        laid.push(SegmentFile {
            name,
            named,
            start,
            len,
        });
        start = start
            .checked_add(len)
            .ok_or_else(|| refused("the segment files are too large together".into()))?;
    }
    Ok(laid)
}

/// The segment files of an open log, and what scanning each found.
#[derive(Debug)]
pub struct Segments {
    files: Vec<SegmentFile>,
    /// What `rewal::inspect::scan_dir` finds in the same files: a scan a
    /// segment (offsets in it), oldest first, and the first that breaks
    /// the rules. Kept in the engine's own shape so that `rewal-report`
    /// words it as it does for the CLI.
    dir: RunScan,
}

/// How a segment stands in its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Its frames are the log's.
    Held,
    /// Where the log's events stop: it breaks the rules (or is the newest
    /// and ends torn); its valid frames before the damage are the log's.
    Problem,
    /// After the problem: its valid frames are not replayed.
    After,
}

impl Segments {
    /// The segments `files` (oldest first), as the engine judged their run
    /// (`dir`: a scan a file, in the same order).
    pub(crate) fn new(files: Vec<SegmentFile>, dir: RunScan) -> Segments {
        Segments { files, dir }
    }

    /// The files, oldest first.
    pub fn files(&self) -> &[SegmentFile] {
        &self.files
    }

    /// What the scan of file `i` found (offsets in that file).
    pub fn scan(&self, i: usize) -> Option<&LogScan> {
        self.dir.segments.get(i).map(|found| &found.scan)
    }

    /// What `rewal::inspect::scan_dir` would find in these files (each
    /// segment's path being its file name).
    pub fn dir_scan(&self) -> &RunScan {
        &self.dir
    }

    /// The first segment that breaks the rules, as
    /// `rewal::inspect::scan_dir` says it.
    pub fn dir_problem(&self) -> Option<&RunProblem> {
        self.dir.problem.as_ref()
    }

    /// The verdict, as `rewal verify DIR` prints it after `DIR: `.
    pub fn verdict(&self) -> String {
        DirVerdict::new(&self.dir).to_string()
    }

    /// How the log ends, as `rewal info DIR` says it (`ends:`).
    pub fn ending(&self) -> String {
        DirVerdict::new(&self.dir).ending().to_string()
    }

    /// What is wrong where the log's events stop, without where (`None`
    /// when nothing is).
    pub fn problem(&self) -> Option<String> {
        DirVerdict::new(&self.dir)
            .what()
            .map(|what| what.to_string())
    }

    /// `rewal verify DIR`'s exit code.
    pub fn exit_code(&self) -> u8 {
        DirVerdict::new(&self.dir).exit_code()
    }

    /// How segment `i` ends in the log, as `rewal info DIR` lists it (a
    /// corruption if it is torn and newer ones follow, or why it does not
    /// follow the one before); `None` for a segment after the problem,
    /// which rewal does not scan.
    pub fn segment_ending(&self, i: usize) -> Option<String> {
        (i < self.dir.held().len()).then(|| segment_ending(&self.dir, i).without_name().to_string())
    }

    /// Segment `i` on its own, as `rewal verify` would say of the file.
    pub fn segment_verdict(&self, i: usize) -> Option<String> {
        self.scan(i).map(|scan| Verdict::of_scan(scan).to_string())
    }

    /// Which file offset `offset` of the log is in, and where in it: the
    /// last file beginning at or before it (so an empty file is never
    /// named for an offset that a file after it holds).
    pub fn locate(&self, offset: u64) -> (&str, u64) {
        let i = self
            .files
            .partition_point(|file| file.start <= offset)
            .saturating_sub(1);
        let file = &self.files[i];
        (&file.name, offset - file.start.min(offset))
    }

    /// How segment `i` stands in the log.
    pub fn standing(&self, i: usize) -> Standing {
        let Some(at) = self.stop() else {
            return Standing::Held;
        };
        match i.cmp(&at) {
            std::cmp::Ordering::Less => Standing::Held,
            std::cmp::Ordering::Equal => Standing::Problem,
            std::cmp::Ordering::Greater => Standing::After,
        }
    }

    /// The segment where the log's events stop, if any: the one with the
    /// problem, or a newest one that does not end cleanly.
    fn stop(&self) -> Option<usize> {
        match self.dir.problem {
            Some(RunProblem::Misfit { segment, .. } | RunProblem::Damaged { segment }) => {
                Some(segment)
            }
            None => match self.dir.segments.last() {
                Some(newest) if newest.scan.end != LogEnd::Clean => {
                    self.dir.segments.len().checked_sub(1)
                }
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rewal::inspect::segment_name;

    #[test]
    fn files_are_ordered_by_the_lsn_their_names_say() {
        let names = [segment_name(90), segment_name(1), segment_name(10)];
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(order(&names).unwrap(), [1, 2, 0]);
    }

    #[test]
    fn names_that_are_not_segments_duplicates_and_floods_are_refused() {
        for (names, says) in [
            (vec!["rewal.lock"], "\"rewal.lock\" is not a segment file"),
            (vec!["1.wal"], "is not a segment file"),
            (vec!["0000000000000000000a.wal"], "is not a segment file"),
            (vec![], "no segment files"),
        ] {
            let error = order(&names).unwrap_err().to_string();
            assert!(error.contains(says), "{names:?}: {error}");
        }
        let one = segment_name(5);
        let error = order(&[&one, &one]).unwrap_err().to_string();
        assert_eq!(error, format!("two files are named {one}"));
        let many: Vec<String> = (1..=MAX_SEGMENTS as u64 + 1).map(segment_name).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(order(&many).unwrap_err().to_string().contains("at most"));
    }

    #[test]
    fn a_layout_puts_the_files_one_after_the_other() {
        let laid = layout(vec![
            (segment_name(1), 10),
            (segment_name(4), 0),
            (segment_name(5), 7),
        ])
        .unwrap();
        assert_eq!(
            laid.iter().map(|f| (f.named, f.start)).collect::<Vec<_>>(),
            [(1, 0), (4, 10), (5, 10)]
        );
        let segments = Segments::new(laid, RunScan::judge(Vec::new()));
        assert_eq!(segments.locate(9), (segment_name(1).as_str(), 9));
        // The empty file is passed over: offset 10 is the next file's first.
        assert_eq!(segments.locate(10), (segment_name(5).as_str(), 0));
        assert_eq!(segments.locate(17), (segment_name(5).as_str(), 7));
        assert!(layout(vec![(segment_name(4), 1), (segment_name(1), 1)]).is_err());
    }
}
