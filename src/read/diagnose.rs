//! What exactly is wrong where a scan stopped, in words. A scan says
//! *where* the valid frames end; this reads the bytes there again and says
//! *what* they are, checking them in the order a decoder does (see
//! DESIGN.md), so the first check that fails names the problem. The CLI
//! and the browser viewer both print these sentences, so they live here,
//! once, rather than in each front end.

use super::scan::{LogEnd, LogScan};
use super::source::{streamed_crc, Bytes, Source};
use crate::encoding::{
    FLAG_COMPRESSED, HEADER_LEN, MAGIC, MIN_FRAME_LEN, RECORD_HEADER_LEN, TRAILER_LEN, VERSION,
};
use crate::storage::{FileStorage, SharedStorage, Storage};
use crate::{Lsn, Result};
use std::convert::Infallible;
use std::fmt;
use std::path::Path;

/// How many leading bytes the not-a-log sentence shows: enough to
/// recognise a file type by its signature, short enough for one line.
const SHOWN_OF_A_STRANGER: usize = 8;

/// What is wrong with the bytes at an offset where a scan stopped.
///
/// Its [`Display`](fmt::Display) is a clause, worded as `rewal verify`
/// words it ("the frame there fails its CRC-32C check ..."), to follow
/// "torn tail at offset N: "; see [`Verdict`] for the whole sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Only zeros where a frame should begin: space allocated (by the file
    /// system or a preallocation) and never written.
    Zeros,
    /// At offset 0, bytes that do not begin like a rewal log: somebody
    /// else's file, not a damaged log.
    NotALog {
        /// The first bytes of the file (up to 8).
        head: Vec<u8>,
    },
    /// Past offset 0, bytes that are not the frame magic.
    NoMagic {
        /// The bytes found where the magic should be (up to 4).
        found: Vec<u8>,
    },
    /// The magic, or a prefix of it, but too few bytes for a frame header.
    ShortHeader {
        /// The bytes left from the offset to the end.
        remaining: u64,
    },
    /// A frame header of a format version this build does not read.
    UnknownVersion {
        /// The version the header claims.
        version: u16,
    },
    /// A frame length smaller than the smallest frame.
    TooSmall {
        /// The length the header claims.
        batch_size: u32,
    },
    /// A frame length past the end of the data: a write that did not finish.
    BeyondEnd {
        /// The length the header claims.
        batch_size: u32,
        /// The bytes left from the offset to the end.
        remaining: u64,
    },
    /// A frame whose CRC-32C does not match its bytes.
    CrcMismatch {
        /// The frame's length.
        batch_size: u32,
        /// The CRC its trailer holds.
        stored: u32,
        /// The CRC of its bytes.
        computed: u32,
    },
    /// A frame that passes its CRC but claims no events, LSN 0, or LSNs
    /// past the end of the LSN space.
    ImpossibleLsns {
        /// The number of events it claims.
        record_count: u32,
        /// The LSN it claims for its first event.
        first_lsn: Lsn,
    },
    /// A frame that passes its CRC but whose records region ends before
    /// the header of one of the records it claims.
    RecordsEndEarly {
        /// The record (counting from 1) whose header is missing.
        record: u32,
        /// The number of records the frame claims.
        count: u32,
    },
    /// A frame that passes its CRC but one of whose records claims more
    /// bytes than the records region has left.
    RecordOverruns {
        /// The record (counting from 1) that claims too much.
        record: u32,
        /// The number of records the frame claims.
        count: u32,
    },
    /// A frame that passes its CRC but whose records region holds bytes
    /// after the last record it claims.
    BytesLeftOver {
        /// How many bytes follow the last record.
        bytes: u64,
        /// The number of records the frame claims.
        count: u32,
    },
    /// A frame that passes every check made here. A scan does not stop at
    /// such a frame (it makes the same checks), so this is met where no
    /// scan stopped, or in a file that changed since the scan; the words,
    /// kept from the tools, suppose the one thing left: LSNs that do not
    /// follow those of the frames before it.
    LsnsOutOfOrder,
}

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
            Problem::LsnsOutOfOrder => f.write_str(
                "the frame there passes its checks, but its LSNs do not come after the frames before it",
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
    match examine(&mut Slice(bytes), offset) {
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

struct Slice<'a>(&'a [u8]);

impl Bytes for Slice<'_> {
    type Error = Infallible;

    fn limit(&self) -> u64 {
        self.0.len() as u64
    }

    fn get(&mut self, off: u64, len: usize) -> std::result::Result<&[u8], Infallible> {
        // Below the limit, so `off` fits in a usize.
        let start = off as usize;
        Ok(&self.0[start..start + len])
    }
}

/// The checks, in a decoder's order; the first that fails is the problem.
fn examine<B: Bytes>(bytes: &mut B, offset: u64) -> std::result::Result<Problem, B::Error> {
    let offset = offset.min(bytes.limit());
    let remaining = bytes.limit() - offset;
    let n = remaining.min(HEADER_LEN as u64) as usize;
    let mut head = [0u8; HEADER_LEN];
    head[..n].copy_from_slice(bytes.get(offset, n)?);
    let head = &head[..n];
    if head.iter().all(|&byte| byte == 0) {
        return Ok(Problem::Zeros);
    }
    let magic_len = n.min(MAGIC.len());
    if head[..magic_len] != MAGIC[..magic_len] {
        // At the start of the file this is what the scan calls "not a
        // log" (the same test): say so, showing more of how it begins.
        if offset == 0 {
            let shown = remaining.min(SHOWN_OF_A_STRANGER as u64) as usize;
            return Ok(Problem::NotALog {
                head: bytes.get(0, shown)?.to_vec(),
            });
        }
        return Ok(Problem::NoMagic {
            found: head[..magic_len].to_vec(),
        });
    }
    if n < HEADER_LEN {
        return Ok(Problem::ShortHeader {
            remaining: n as u64,
        });
    }
    let version = u16::from_le_bytes([head[4], head[5]]);
    if version != VERSION {
        return Ok(Problem::UnknownVersion { version });
    }
    let flags = u16::from_le_bytes([head[6], head[7]]);
    let record_count = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    let mut lsn = [0u8; 8];
    lsn.copy_from_slice(&head[12..20]);
    let first_lsn = u64::from_le_bytes(lsn);
    let batch_size = u32::from_le_bytes([head[20], head[21], head[22], head[23]]);
    if (batch_size as usize) < MIN_FRAME_LEN {
        return Ok(Problem::TooSmall { batch_size });
    }
    if u64::from(batch_size) > remaining {
        return Ok(Problem::BeyondEnd {
            batch_size,
            remaining,
        });
    }
    // The header is sane and the frame fits: check its CRC a window at a
    // time, so a 4 GiB frame costs no more memory than a small one.
    let body_end = offset + u64::from(batch_size) - TRAILER_LEN as u64;
    let computed = streamed_crc(bytes, offset, body_end)?;
    let trailer = bytes.get(body_end, TRAILER_LEN)?;
    let stored = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    if computed != stored {
        return Ok(Problem::CrcMismatch {
            batch_size,
            stored,
            computed,
        });
    }
    if record_count == 0
        || first_lsn == 0
        || first_lsn.checked_add(u64::from(record_count) - 1).is_none()
    {
        return Ok(Problem::ImpossibleLsns {
            record_count,
            first_lsn,
        });
    }
    // A compressed region is opaque without its compressor; its CRC is all
    // that can be checked here.
    if flags & FLAG_COMPRESSED == 0 {
        if let Some(problem) =
            check_records(bytes, offset + HEADER_LEN as u64, body_end, record_count)?
        {
            return Ok(problem);
        }
    }
    Ok(Problem::LsnsOutOfOrder)
}

/// How the records region `[start, end)` fails to hold exactly `count`
/// records, if it does. Reads only the record headers, so its cost is in
/// the number of records, never in their size.
fn check_records<B: Bytes>(
    bytes: &mut B,
    start: u64,
    end: u64,
    count: u32,
) -> std::result::Result<Option<Problem>, B::Error> {
    let mut at = start;
    for i in 0..count {
        let record = i + 1;
        if end - at < RECORD_HEADER_LEN as u64 {
            return Ok(Some(Problem::RecordsEndEarly { record, count }));
        }
        let head = bytes.get(at, RECORD_HEADER_LEN)?;
        let payload = u64::from(u32::from_le_bytes([head[0], head[1], head[2], head[3]]));
        let meta = u64::from(u16::from_le_bytes([head[4], head[5]]));
        if end - at - (RECORD_HEADER_LEN as u64) < payload + meta {
            return Ok(Some(Problem::RecordOverruns { record, count }));
        }
        at += RECORD_HEADER_LEN as u64 + payload + meta;
    }
    Ok((at != end).then_some(Problem::BytesLeftOver {
        bytes: end - at,
        count,
    }))
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
