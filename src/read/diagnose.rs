//! What exactly is wrong where a scan stopped, in words. A scan says
//! *where* the valid frames end; this reads the bytes there again and says
//! *what* they are, checking them in the order a decoder does (see
//! DESIGN.md), so the first check that fails names the problem. The CLI
//! and the browser viewer both print these sentences, so they live here,
//! once, rather than in each front end.

use super::scan::{not_a_log, LogEnd, LogScan};
use super::source::Source;
use crate::frame::{self, Bytes, Problem, HEADER_LEN, MIN_FRAME_LEN, VERSION};
use crate::storage::{FileStorage, SharedStorage, Storage};
use crate::Result;
use std::fmt;
use std::path::Path;

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Zeros => f.write_str(
                "zero bytes where a frame should begin (space allocated, never written)",
            ),
            Problem::NotALog { head } => write!(
                f,
                "it is not a rewal log: it begins with {} where a log begins with \"EWAL\"",
                hex(head)
            ),
            Problem::NoMagic { found } => write!(
                f,
                "no frame begins there: found {} where the magic \"EWAL\" should be",
                hex(found)
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
        }
    }
}

/// Says what is wrong at `offset` of the log file at `path`, as it is now.
/// The file is opened read-only and without a lock (another process may
/// have the log open), and only the frame at `offset` is read, never the
/// whole file.
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
pub fn diagnose_storage(storage: impl Storage + 'static, offset: u64, len: u64) -> Result<Problem> {
    let storage = SharedStorage::new(Box::new(storage));
    let len = len.min(storage.size()?);
    let mut source = Source::open(&storage, len)?;
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

/// What a scan found, in the words of `rewal verify`: the verdict
/// (`ok: every frame checked: ...`, `torn tail at offset N: ...; the 233
/// bytes before it are valid (...); ...`), and, through
/// [`Verdict::ending`], the shorter clause that says how the log ends.
///
/// `W` describes the bytes where the valid frames end: a [`Problem`], or a
/// front end's own words (for instance when the bytes could not be read
/// again to diagnose them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict<'a, W = Problem> {
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
    pub fn ending(&self) -> impl fmt::Display + '_ {
        Ending(self)
    }
}

impl<'a> Verdict<'a> {
    /// The verdict on `scan`, a scan of `bytes`, diagnosing the bytes where
    /// its valid frames end.
    pub fn of_bytes(bytes: &[u8], scan: &'a LogScan) -> Self {
        let what = problem_offset(scan.end).map(|offset| diagnose_bytes(bytes, offset));
        Verdict::new(scan, what)
    }

    /// The verdict on `scan`, a scan of the log file at `path`, diagnosing
    /// the bytes where its valid frames end as the scan saw them (see
    /// [`diagnose_storage`]).
    pub fn of_file(path: impl AsRef<Path>, scan: &'a LogScan) -> Result<Self> {
        let what = match problem_offset(scan.end) {
            Some(offset) => Some(diagnose_storage(
                FileStorage::open_read_only(path)?,
                offset,
                scan.file_len,
            )?),
            None => None,
        };
        Ok(Verdict::new(scan, what))
    }
}

/// Where the bytes a verdict describes begin: where the valid frames end,
/// or the start of a file that is not a log; nowhere for a clean log.
fn problem_offset(end: LogEnd) -> Option<u64> {
    match end {
        LogEnd::Clean => None,
        LogEnd::NotALog => Some(0),
        LogEnd::TornTail { offset } | LogEnd::Corrupted { offset, .. } => Some(offset),
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
            LogEnd::Corrupted { .. } => write!(f, "{}; {}", self.ending(), valid(scan)),
            LogEnd::NotALog => write!(f, "{}", self.ending()),
        }
    }
}

/// [`Verdict::ending`].
struct Ending<'v, 'a, W>(&'v Verdict<'a, W>);

impl<W: fmt::Display> fmt::Display for Ending<'_, '_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = &self.0.what;
        let write_what = |f: &mut fmt::Formatter<'_>| match what {
            Some(what) => write!(f, ": {what}"),
            None => Ok(()),
        };
        match self.0.scan.end {
            LogEnd::Clean if self.0.scan.valid_len < self.0.scan.file_len => write!(
                f,
                "clean, then {} of zeros (space preallocated, never written)",
                count(
                    self.0.scan.file_len - self.0.scan.valid_len,
                    "byte",
                    "bytes"
                )
            ),
            LogEnd::Clean => f.write_str("clean"),
            LogEnd::TornTail { offset } => {
                write!(f, "torn tail at offset {offset}")?;
                write_what(f)
            }
            LogEnd::Corrupted { offset, next_valid } => {
                write!(f, "corrupted at offset {offset}")?;
                write_what(f)?;
                match next_valid {
                    Some(next) => write!(f, ", and a valid frame follows at offset {next}"),
                    None => f.write_str(
                        ", and the rest is too costly to search for valid frames, so it counts as a corruption",
                    ),
                }
            }
            LogEnd::NotALog => match what {
                Some(what) => write!(f, "{what}"),
                None => f.write_str("it is not a rewal log"),
            },
        }
    }
}

/// `the 233 bytes before it are valid (5 frames, ...)`, or `nothing before
/// it is valid`.
fn valid(scan: &LogScan) -> String {
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
fn contents(scan: &LogScan) -> String {
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

/// `1 frame` / `5 frames`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Bytes as `3f 9a c2`, or `nothing` for none.
fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing".into();
    }
    let pairs: Vec<String> = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    pairs.join(" ")
}
