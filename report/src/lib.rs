//! What rewal's tools say about a log, worded once: the sentences
//! `rewal verify` prints (and the viewer shows, word for word), and the
//! exit codes that go with them; for a log as a run of segments, a file or
//! a directory of segment files ([`RunVerdict`], [`MisfitWords`],
//! [`Ending::in_segment`]).
//!
//! The engine finds what is wrong and where, as data
//! (`rewal::inspect::{LogScan, LogEnd, Problem}`); this crate puts it into
//! words. The CLI (`cli/`) and the browser bindings (`wasm/`) both use
//! it, so that they never word the same thing twice, or differently.

use rewal::frame::{HEADER_LEN, MIN_FRAME_LEN, VERSION};
use rewal::inspect::{segment_name, LogEnd, LogScan, Problem};
use rewal::Lsn;
use std::fmt;

mod run;
pub use run::{
    dir_exit_code, misfit, place, run_exit_code, segment_ending, DirEnding, DirVerdict, DirWhat,
    MisfitWords, RunVerdict, SegmentEnding, NO_SEGMENTS, OLDER_SEGMENT_TORN,
};

/// What a log that another process holds open for writing is.
pub const LOCKED: &str = "the log is locked: another process (or this one) has it open for writing";

/// Said after a refusal that changed nothing in somebody else's file.
pub const LEFT_UNTOUCHED: &str = "(left untouched)";

/// What `rewal append` says when standard input holds no line.
pub const NOTHING_ON_STDIN: &str = "nothing on standard input, nothing appended";

/// The exit codes of the `rewal` tool, which the viewer reports too.
pub mod exit {
    /// Success; for `verify`, a clean log.
    pub const OK: u8 = 0;
    /// The log ends with a torn tail, or with what a power cut left after
    /// its last sync: opening it (or `rewal repair`) cuts there by itself.
    pub const TORN: u8 = 1;
    /// The log is corrupted: invalid bytes followed by valid frames.
    pub const CORRUPTED: u8 = 2;
    /// The file cannot be read, or is not a rewal log.
    pub const UNREADABLE: u8 = 3;
    /// The operation failed or was refused.
    pub const FAILED: u8 = 4;
    /// The command line is wrong (clap's own default, 2, would collide
    /// with "corrupted").
    pub const USAGE: u8 = 64;
}

/// The exit code that says how a log ends.
pub fn exit_code(end: LogEnd) -> u8 {
    match end {
        LogEnd::Clean => exit::OK,
        LogEnd::TornTail { .. } | LogEnd::PowerCut { .. } => exit::TORN,
        LogEnd::Corrupted { .. } => exit::CORRUPTED,
        LogEnd::NotALog => exit::UNREADABLE,
    }
}

/// A [`Problem`] in words: a clause, worded as `rewal verify` words it
/// ("the frame there fails its CRC-32C check ..."), to follow "torn tail
/// at offset N: "; see [`Verdict`] for the whole sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described(pub Problem);

/// [`Described`], for a borrowed problem.
pub fn describe(problem: &Problem) -> Described {
    Described(*problem)
}

impl fmt::Display for Described {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Problem::Zeros => f.write_str(
                "zero bytes where a frame should begin (space allocated, never written)",
            ),
            Problem::NotALog { head } => write!(
                f,
                "it is not a rewal log: it begins with {} where a log begins with \"EWAL\"",
                hex(head.as_bytes())
            ),
            Problem::NoMagic { found } => write!(
                f,
                "no frame begins there: found {} where the magic \"EWAL\" should be",
                hex(found.as_bytes())
            ),
            Problem::ShortHeader { remaining } => write!(
                f,
                "an incomplete frame header: only {remaining} bytes remain, and a header takes {HEADER_LEN}"
            ),
            Problem::UnknownVersion { version } => write!(
                f,
                "the frame there has format version {version}, and this tool reads version {VERSION}"
            ),
            Problem::TooSmall { batch_size } => write!(
                f,
                "the frame there claims a length of {batch_size} bytes, less than the smallest frame ({MIN_FRAME_LEN})"
            ),
            Problem::BeyondEnd {
                batch_size,
                remaining,
            } => write!(
                f,
                "the frame there claims {batch_size} bytes, but only {remaining} remain in the file (an unfinished write)"
            ),
            Problem::CrcMismatch {
                batch_size,
                stored,
                computed,
            } => write!(
                f,
                "the frame there ({batch_size} bytes) fails its CRC-32C check (stored {stored:#010x}, computed {computed:#010x})"
            ),
            Problem::ImpossibleLsns {
                record_count,
                first_lsn,
            } => write!(
                f,
                "the frame there has impossible LSNs ({record_count} events from LSN {first_lsn})"
            ),
            Problem::RecordsEndEarly { record, count } => write!(
                f,
                "the frame there passes its CRC but its records region ends before record {record} of {count}"
            ),
            Problem::RecordOverruns { record, count } => write!(
                f,
                "the frame there passes its CRC but record {record} of {count} claims more bytes than its region holds"
            ),
            Problem::BytesLeftOver { bytes, count } => write!(
                f,
                "the frame there passes its CRC but {bytes} bytes are left over after its {count} records"
            ),
            Problem::LsnsOutOfOrder { first_lsn } => write!(
                f,
                "the frame there passes its checks, but its LSNs (from {first_lsn}) do not come after the frames before it"
            ),
            // Problems a newer engine may name: said generally.
            _ => f.write_str("the bytes there are not a valid frame"),
        }
    }
}

/// Bytes as `3f 9a c2`, or `nothing` for none.
fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing".into();
    }
    let pairs: Vec<String> = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    pairs.join(" ")
}

/// What a scan found, in the words of `rewal verify`: the verdict
/// (`ok: every frame checked: ...`, `torn tail at offset N: ...; the 233
/// bytes before it are valid (...); ...`), and, through
/// [`Verdict::ending`], the shorter clause that says how the log ends.
///
/// `W` describes the bytes where the valid frames end: the scan's own
/// [`Problem`], [`Described`], or a front end's own words (for instance
/// for a file that is not a log, "left untouched").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict<'a, W = Described> {
    scan: &'a LogScan,
    what: Option<W>,
}

impl<'a, W: fmt::Display> Verdict<'a, W> {
    /// The verdict on `scan`, with `what` describing the bytes where its
    /// valid frames end (at offset 0 for a log that is not one). `None`
    /// for a clean log; for any other, it leaves the sentence at where
    /// (`torn tail at offset N`) without what.
    pub fn new(scan: &'a LogScan, what: Option<W>) -> Self {
        Verdict { scan, what }
    }

    /// How the log ends: `clean`, `torn tail at offset 233: ...`,
    /// `corrupted at offset 79: ..., and a valid frame follows at offset
    /// 127`, or the not-a-log sentence.
    pub fn ending(&self) -> Ending<&W> {
        Ending {
            end: self.scan.end,
            zeros: self.scan.file_len - self.scan.valid_len,
            what: self.what.as_ref(),
            segment: None,
        }
    }
}

impl<'a> Verdict<'a> {
    /// The verdict on `scan`, describing the bytes where its valid frames
    /// end with the problem the scan found there.
    pub fn of_scan(scan: &'a LogScan) -> Self {
        Verdict::new(scan, scan.problem.map(Described))
    }
}

impl<W: fmt::Display> fmt::Display for Verdict<'_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scan = self.scan;
        match scan.end {
            LogEnd::Clean if scan.file_len == 0 => f.write_str("ok: an empty log (0 bytes)"),
            LogEnd::Clean if scan.frames == 0 => write!(
                f,
                "ok: an empty log ({} of zeros: space preallocated, never written)",
                count(scan.file_len, "byte", "bytes")
            ),
            LogEnd::Clean if scan.valid_len < scan.file_len => write!(
                f,
                "ok: every frame checked: {}, {}, then {} of zeros (space preallocated, never written)",
                contents(scan),
                count(scan.valid_len, "byte", "bytes"),
                count(scan.file_len - scan.valid_len, "byte", "bytes")
            ),
            LogEnd::Clean => write!(
                f,
                "ok: every frame checked: {}, {}",
                contents(scan),
                count(scan.file_len, "byte", "bytes")
            ),
            LogEnd::TornTail { .. } => write!(
                f,
                "{}; {}; `rewal repair` cuts the tail",
                self.ending(),
                valid(scan)
            ),
            LogEnd::PowerCut { .. } => write!(
                f,
                "{}; {}; {POWER_CUT_CUT}",
                self.ending(),
                valid(scan)
            ),
            LogEnd::Corrupted { .. } => write!(f, "{}; {}", self.ending(), valid(scan)),
            LogEnd::NotALog => write!(f, "{}", self.ending()),
        }
    }
}

/// What opening a log that ends in a power cut's lost writes does, said
/// after the verdict.
pub const POWER_CUT_CUT: &str = "opening the log (or `rewal repair`) cuts there by itself and keeps the bytes it cuts beside the log";

/// How a log ends, in words: `clean`, `torn tail at offset 233: ...`,
/// `corrupted at offset 79: ..., and a valid frame follows at offset 127`,
/// or the not-a-log sentence. [`Verdict::ending`] gives it for a scan; a
/// tool that stopped at a bad frame (`WalIterator::problem`) makes one
/// from what it knows there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending<W = Described> {
    end: LogEnd,
    /// Bytes of zeros after the last frame of a clean log.
    zeros: u64,
    what: Option<W>,
    /// The segment file it is about, in a segment directory.
    segment: Option<Place>,
}

/// Where a segment file stands in its directory, which decides what its
/// ending means: only the newest segment may end in a torn tail, and a
/// segment that is not a log is damage when other segments make the
/// directory a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The first LSN it may hold, to name the file in the sentence; `None`
    /// when the sentence is already about that file (a line per segment).
    pub named: Option<Lsn>,
    /// Newer segments follow it (it is not the newest).
    pub newer: bool,
    /// Older segments come before it (it is not the oldest).
    pub older: bool,
}

impl Place {
    /// Whether it shares its directory with other segments.
    fn among_others(&self) -> bool {
        self.newer || self.older
    }
}

impl<W: fmt::Display> Ending<W> {
    /// How a log that ends as `end` ends, with `what` describing the bytes
    /// there.
    pub fn new(end: LogEnd, what: Option<W>) -> Self {
        Ending {
            end,
            zeros: 0,
            what,
            segment: None,
        }
    }

    /// The same ending, of the segment file at `place` in a segment
    /// directory: the sentence names the file (`torn tail in
    /// 00000000000000000042.wal at offset 233: ...`), and a torn tail
    /// followed by newer segments is a corruption.
    pub fn in_segment(mut self, place: Place) -> Self {
        self.segment = Some(place);
        self
    }

    /// The exit code that goes with this ending: [`exit_code`], but in a
    /// segment directory a torn tail in a segment other than the newest,
    /// and a segment that is not a log among others, are corruptions.
    pub fn exit_code(&self) -> u8 {
        match (self.end, self.segment) {
            (LogEnd::TornTail { .. }, Some(place)) if place.newer => exit::CORRUPTED,
            (LogEnd::NotALog, Some(place)) if place.among_others() => exit::CORRUPTED,
            (end, _) => exit_code(end),
        }
    }
}

impl<W: fmt::Display> fmt::Display for Ending<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = &self.what;
        let write_what = |f: &mut fmt::Formatter<'_>| match what {
            Some(what) => write!(f, ": {what}"),
            None => Ok(()),
        };
        // ` in 00000000000000000042.wal`, in a segment directory.
        let place = self.segment;
        let named = place.and_then(|place| place.named);
        let in_segment = |f: &mut fmt::Formatter<'_>| match named {
            Some(named) => write!(f, " in {}", segment_name(named)),
            None => Ok(()),
        };
        match self.end {
            LogEnd::Clean if self.zeros > 0 => {
                write!(
                    f,
                    "clean, then {} of zeros",
                    count(self.zeros, "byte", "bytes")
                )?;
                if let Some(named) = named {
                    write!(f, " at the end of {}", segment_name(named))?;
                }
                f.write_str(" (space preallocated, never written)")
            }
            LogEnd::Clean => f.write_str("clean"),
            LogEnd::TornTail { offset } if place.is_some_and(|place| place.newer) => {
                f.write_str("corrupted")?;
                in_segment(f)?;
                write!(f, " at offset {offset}")?;
                write_what(f)?;
                write!(f, "; {OLDER_SEGMENT_TORN}")
            }
            LogEnd::TornTail { offset } => {
                f.write_str("torn tail")?;
                in_segment(f)?;
                write!(f, " at offset {offset}")?;
                write_what(f)
            }
            LogEnd::NotALog if place.is_some_and(|place| place.among_others()) => {
                f.write_str("corrupted")?;
                in_segment(f)?;
                f.write_str(" at offset 0")?;
                match what {
                    Some(what) => write!(f, ": {what}"),
                    None => f.write_str(": it is not a rewal log"),
                }
            }
            LogEnd::PowerCut { offset, next_valid } => {
                f.write_str("lost writes after a power cut")?;
                in_segment(f)?;
                write!(f, " at offset {offset}")?;
                write_what(f)?;
                f.write_str(", after the last sync")?;
                match next_valid {
                    Some(next) => write!(
                        f,
                        " (the frames from offset {next} on were written since, and not synced)"
                    ),
                    None => Ok(()),
                }
            }
            LogEnd::Corrupted { offset, next_valid } => {
                f.write_str("corrupted")?;
                in_segment(f)?;
                write!(f, " at offset {offset}")?;
                write_what(f)?;
                match next_valid {
                    Some(next) if next == offset => Ok(()),
                    Some(next) => write!(f, ", and a valid frame follows at offset {next}"),
                    None => f.write_str(
                        ", and the rest is too costly to search for valid frames, so it counts as a corruption",
                    ),
                }
            }
            LogEnd::NotALog => {
                if let Some(named) = named {
                    write!(f, "{}: ", segment_name(named))?;
                }
                match what {
                    Some(what) => write!(f, "{what}"),
                    None => f.write_str("it is not a rewal log"),
                }
            }
        }
    }
}

/// `the 233 bytes before it are valid (5 frames, ...)`, or `nothing before
/// it is valid`.
pub(crate) fn valid(scan: &LogScan) -> String {
    if scan.valid_len == 0 {
        return "nothing before it is valid".into();
    }
    format!(
        "the {} before it are valid ({})",
        count(scan.valid_len, "byte", "bytes"),
        contents(scan)
    )
}

/// `5 frames, 5 events, LSNs 1 to 5`, or `no frames`.
pub(crate) fn contents(scan: &LogScan) -> String {
    if scan.frames == 0 {
        return "no frames".into();
    }
    format!(
        "{}, {}, LSNs {} to {}",
        count(scan.frames, "frame", "frames"),
        count(scan.events, "event", "events"),
        scan.first_lsn,
        scan.last_lsn
    )
}

/// `LSNs 1 to 5`, or `no events` for a log without frames.
pub fn lsn_range(scan: &LogScan) -> String {
    if scan.frames == 0 {
        "no events".into()
    } else {
        format!("LSNs {} to {}", scan.first_lsn, scan.last_lsn)
    }
}

/// `1 frame` / `5 frames`: `n` and the word that goes with it.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
