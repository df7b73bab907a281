//! Scanning a whole log: every frame checked, and how the log ends
//! classified. Recovery at open runs this; so do the CLI and the viewer.

use super::iter::WalIterator;
use super::source::{Source, WINDOW};
use crate::frame::{
    self, Bytes, Found, FrameHeader, Problem, BATCH_SIZE_AT, HEADER_LEN, MAGIC, MIN_FRAME_LEN,
    TRAILER_LEN, VERSION,
};
use crate::hooks::HookRunner;
use crate::plugins::Compressor;
use crate::shared::Shared;
use crate::storage::{FileStorage, MemoryStorage, SharedStorage, Storage};
use crate::{crc, Error, Lsn, Result, State};
use std::path::Path;
use std::sync::Arc;

/// How a log ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogEnd {
    /// Every byte belongs to a valid frame.
    Clean,
    /// From `offset` to the end there is no valid frame: what a crash in the
    /// middle of a write leaves. Opening the log cuts it off.
    TornTail {
        /// Where the invalid bytes begin.
        offset: u64,
    },
    /// Invalid bytes at `offset` are followed by a valid frame with a larger
    /// LSN: cutting would lose data, so opening the log refuses.
    Corrupted {
        /// Where the invalid bytes begin.
        offset: u64,
        /// Where the next valid frame begins, or `None` when the scan gave up
        /// looking (data too costly to check, such as a hostile file full of
        /// frame headers); that is treated as a corruption too.
        next_valid: Option<u64>,
    },
    /// The file is not empty and does not begin like a rewal log.
    NotALog,
}

impl LogEnd {
    /// Where the bytes that are not valid frames begin: where the valid
    /// frames end, or 0 for a file that is not a log; `None` when clean.
    pub fn offset(&self) -> Option<u64> {
        match *self {
            LogEnd::Clean => None,
            LogEnd::NotALog => Some(0),
            LogEnd::TornTail { offset } | LogEnd::Corrupted { offset, .. } => Some(offset),
        }
    }
}

/// A valid frame met by a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameInfo {
    /// File offset of the frame.
    pub offset: u64,
    /// Its header.
    pub header: FrameHeader,
}

/// What a scan found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogScan {
    /// Size of the data scanned.
    pub file_len: u64,
    /// Bytes from the start covered by valid frames.
    pub valid_len: u64,
    /// Number of valid frames.
    pub frames: u64,
    /// Number of events in them.
    pub events: u64,
    /// Frames whose region is compressed.
    pub compressed_frames: u64,
    /// The largest valid frame, in bytes.
    pub largest_frame: u32,
    /// First LSN of the log (0 when there are no frames).
    pub first_lsn: Lsn,
    /// Largest LSN of the log (0 when there are no frames).
    pub last_lsn: Lsn,
    /// How the log ends.
    pub end: LogEnd,
    /// What is wrong with the bytes where the valid frames end (`None` for
    /// a clean log): the same [`Problem`] `diagnose_*` would give, found by
    /// the scan itself.
    pub problem: Option<Problem>,
}

impl LogScan {
    /// A scan of `file_len` bytes that has met no frame yet: counts at 0,
    /// a clean end.
    pub fn new(file_len: u64) -> LogScan {
        LogScan {
            file_len,
            valid_len: 0,
            frames: 0,
            events: 0,
            compressed_frames: 0,
            largest_frame: 0,
            first_lsn: 0,
            last_lsn: 0,
            end: LogEnd::Clean,
            problem: None,
        }
    }

    /// Counts one more valid frame, the next after those counted so far:
    /// how a scan adds up its totals, for a reader that walks a log itself
    /// (a stream, say).
    pub fn count_frame(&mut self, frame: &FrameInfo) {
        let header = &frame.header;
        if self.frames == 0 {
            self.first_lsn = header.first_lsn;
        }
        self.frames += 1;
        self.events += u64::from(header.record_count);
        self.compressed_frames += u64::from(header.is_compressed());
        self.largest_frame = self.largest_frame.max(header.batch_size);
        self.last_lsn = header.last_lsn();
        self.valid_len = frame.offset + u64::from(header.batch_size);
    }
}

/// Scans a log file without writing to it and without taking its lock (it
/// may be open in another process). Calls `visit` for every valid frame.
///
/// A damaged log is no error: the scan says how the log ends
/// ([`LogScan::end`]) and what is wrong there ([`LogScan::problem`]).
///
/// ```
/// use rewal::inspect::{scan_file, LogEnd};
/// use std::time::Duration;
///
/// # fn main() -> rewal::Result<()> {
/// # let path = std::env::temp_dir().join(format!("rewal-doc-scan-file-{}.wal", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let wal = rewal::Wal::open(&path).build()?;
/// let mut batch = rewal::Batch::new();
/// batch.add("two");
/// batch.add("three");
/// wal.append("one")?;
/// wal.append_batch(&batch)?;
/// wal.shutdown(Duration::from_secs(5))?;
///
/// let mut offsets = Vec::new();
/// let scan = scan_file(&path, |frame| offsets.push(frame.offset))?;
/// assert_eq!((scan.frames, scan.events, scan.last_lsn), (2, 3, 3));
/// assert_eq!(offsets, [0, 37]);
/// assert_eq!(scan.end, LogEnd::Clean);
///
/// // A write torn by a crash: the scan says so; opening the log cuts it.
/// std::fs::write(&path, [std::fs::read(&path)?, b"EWAL".to_vec()].concat())?;
/// let scan = scan_file(&path, |_| {})?;
/// assert_eq!(scan.end, LogEnd::TornTail { offset: scan.valid_len });
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// An I/O error if the file cannot be opened (`NotFound` for a missing
/// one) or read (`UnexpectedEof` if it shrinks while being scanned).
pub fn scan_file(path: impl AsRef<Path>, visit: impl FnMut(&FrameInfo)) -> Result<LogScan> {
    scan_storage(FileStorage::open_read_only(path)?, visit)
}

/// Scans a log held in memory; see [`scan_file`].
///
/// # Errors
///
/// None: bytes in memory always read (the `Result` is
/// [`scan_storage`]'s).
pub fn scan_bytes(bytes: &[u8], visit: impl FnMut(&FrameInfo)) -> Result<LogScan> {
    scan_storage(MemoryStorage::from_bytes(bytes), visit)
}

/// Scans a log in any storage; see [`scan_file`].
///
/// # Errors
///
/// The storage's errors (from `size`, `map`, `read_at`; `Error::Panicked`
/// if it panicked); an I/O error of kind `UnexpectedEof` if it holds fewer
/// bytes than its size says; `Error::InvalidRecord` if its map is shorter
/// than its size.
pub fn scan_storage(
    storage: impl Storage + 'static,
    mut visit: impl FnMut(&FrameInfo),
) -> Result<LogScan> {
    let storage = SharedStorage::new(Box::new(storage));
    let len = storage.size()?;
    let mut source = Source::open(&storage, len)?;
    scan(&mut source, &mut visit)
}

/// Reads the events of a log file from LSN `from` on, without locking or
/// writing it (it may be open in another process): the same iterator as
/// [`crate::Wal::iterator`], over the file as it is now. Every frame is
/// checked; the first invalid one ends the iteration with
/// `Error::Corrupted` (a torn tail included: [`scan_file`] says which).
/// Compressed frames need `compressor`.
///
/// # Errors
///
/// An I/O error if the file cannot be opened (`NotFound` for a missing
/// one) or its size read. What reading the events returns is the
/// iterator's (see [`WalIterator::next_borrowed`]).
pub fn read_file(
    path: impl AsRef<Path>,
    from: Lsn,
    compressor: Option<Box<dyn Compressor>>,
) -> Result<WalIterator> {
    read_storage(FileStorage::open_read_only(path)?, from, compressor)
}

/// Reads the events of a log in any storage; see [`read_file`].
///
/// # Errors
///
/// The storage's errors from `size` and `map` (`Error::Panicked` if it
/// panicked).
pub fn read_storage(
    storage: impl Storage + 'static,
    from: Lsn,
    compressor: Option<Box<dyn Compressor>>,
) -> Result<WalIterator> {
    let len = storage.size()?;
    // Nothing writes to it here: as far as waiting readers go, it is
    // closed.
    let shared = Arc::new(Shared::new(
        SharedStorage::new(Box::new(storage)),
        compressor,
        HookRunner::new(None),
        State::Closed,
    ));
    shared.set_file_end(len);
    WalIterator::new(shared, from)
}

/// Checks every frame of `source` from offset 0 and classifies the end.
pub(crate) fn scan(source: &mut Source, visit: &mut impl FnMut(&FrameInfo)) -> Result<LogScan> {
    let len = source.limit();
    let mut found = LogScan::new(len);
    let stopped = if source.is_mapped() {
        // The common native case: the whole log is one slice.
        let mut data = source.get(0, usize::try_from(len).map_err(|_| Error::InvalidRecord)?)?;
        match walk(&mut data, &mut found, visit) {
            Ok(stopped) => stopped,
            Err(never) => match never {},
        }
    } else {
        walk(source, &mut found, visit)?
    };
    if let Some(problem) = stopped {
        let (end, problem) = classify_end(source, found.valid_len, found.last_lsn, problem)?;
        found.end = end;
        found.problem = problem;
    }
    Ok(found)
}

/// Checks frame after frame from offset 0, counting the valid ones into
/// `found`; returns what stopped the walk, if it stopped before the end.
/// LSNs strictly increase from frame to frame: a valid frame that breaks
/// the order stops it too.
fn walk<B: Bytes>(
    bytes: &mut B,
    found: &mut LogScan,
    visit: &mut impl FnMut(&FrameInfo),
) -> std::result::Result<Option<Problem>, B::Error> {
    let len = bytes.limit();
    let mut off = 0;
    let stopped = loop {
        if off >= len {
            break None;
        }
        let header = match frame::check_frame(bytes, off)? {
            Ok(header) => header,
            Err(problem) => break Some(problem),
        };
        if found.frames > 0 && header.first_lsn <= found.last_lsn {
            break Some(Problem::LsnsOutOfOrder {
                first_lsn: header.first_lsn,
            });
        }
        let frame = FrameInfo {
            offset: off,
            header,
        };
        visit(&frame);
        found.count_frame(&frame);
        off = found.valid_len; // the next frame starts where this one ends
    };
    Ok(stopped)
}

/// How a log whose valid frames end at `off` (the last of their LSNs
/// `last_lsn`), before the end of the data, ends (see DESIGN.md,
/// "Recovery"), and what is wrong there (`problem`, as the frame checker
/// found it):
///
/// - nothing but zeros to the end is the clean end of the log (space
///   preallocated and not filled yet);
/// - a frame there that passes its CRC is a corruption, whatever else is
///   wrong with it (its LSNs do not follow, its records contradict its
///   header): a torn write cannot pass the CRC;
/// - a valid frame further on, with LSNs after the last one, is a
///   corruption; but what lies inside the extent a believable header at
///   the stop claims is that frame's payload, unless it is shown to follow
///   it (see [`find_valid_frame`]);
/// - otherwise a torn tail, if the log has valid frames before;
/// - at offset 0, a torn tail only if the whole file could be one torn
///   first write; else the file is somebody else's: not a log.
pub(crate) fn classify_end(
    source: &mut Source,
    off: u64,
    last_lsn: Lsn,
    problem: Problem,
) -> Result<(LogEnd, Option<Problem>)> {
    // A frame that passes its CRC was not torn by a crash: a corruption
    // (a valid frame whose LSNs do not follow, or one whose records
    // contradict its header).
    let sealed = problem.passed_its_crc();
    // Zeros to the end: space written ahead and not filled yet.
    if !sealed && source.is_zeros(off, source.limit())? {
        return Ok((LogEnd::Clean, None));
    }
    if sealed {
        let end = LogEnd::Corrupted {
            offset: off,
            next_valid: Some(off),
        };
        return Ok((end, Some(problem)));
    }
    if off == 0 && !begins_like_a_log(source)? {
        return Ok((LogEnd::NotALog, Some(not_a_log(source)?)));
    }
    let claim = claimed_extent(source, off, last_lsn)?;
    let end = match find_valid_frame(source, off, last_lsn, claim)? {
        Search::Found(at) => LogEnd::Corrupted {
            offset: off,
            next_valid: Some(at),
        },
        Search::GaveUp => LogEnd::Corrupted {
            offset: off,
            next_valid: None,
        },
        Search::None if off > 0 => LogEnd::TornTail { offset: off },
        Search::None if could_be_one_torn_write(source, claim)? => LogEnd::TornTail { offset: 0 },
        Search::None => return Ok((LogEnd::NotALog, Some(not_a_log(source)?))),
    };
    Ok((end, Some(problem)))
}

/// How many leading bytes [`Problem::NotALog`] shows: enough to recognise
/// a file type by its signature, short enough for one line.
const SHOWN_OF_A_STRANGER: usize = 8;

/// The problem of a file that is not a log: how it begins.
pub(crate) fn not_a_log<B: Bytes>(bytes: &mut B) -> std::result::Result<Problem, B::Error> {
    let shown = bytes.limit().min(SHOWN_OF_A_STRANGER as u64) as usize;
    Ok(Problem::NotALog {
        head: Found::new(bytes.get(0, shown)?),
    })
}

/// A file may be ours if it begins with (a prefix of) the magic, or with
/// zeros (space allocated and never written). Anything else is somebody
/// else's file, whatever it holds further on.
fn begins_like_a_log(source: &mut Source) -> Result<bool> {
    let n = source.limit().min(HEADER_LEN as u64) as usize;
    let head = source.get(0, n)?;
    // Up to its last non-zero byte (a write torn in the magic, into
    // preallocated space, leaves zeros after it).
    let magic = &head[..n.min(MAGIC.len())];
    let written = magic
        .iter()
        .rposition(|&byte| byte != 0)
        .map_or(0, |at| at + 1);
    let magic_prefix = magic[..written] == MAGIC[..written];
    Ok(magic_prefix || head.iter().all(|&byte| byte == 0))
}

/// What a believable header at the invalid bytes claims: the end of its
/// extent, and the LSN the frame after it would begin with.
#[derive(Debug, Clone, Copy)]
struct Claim {
    end: u64,
    next_lsn: Lsn,
    /// The LSN the frame after it would begin with had its own first LSN
    /// followed the log's last (its LSN field may be damaged too).
    next_lsn_if_it_followed: Lsn,
}

/// The claim of the header at `off`, if the header is believable as the
/// next frame of this log: magic, version, a length of at least a frame,
/// and events whose LSNs come after `last_lsn`.
fn claimed_extent(source: &mut Source, off: u64, last_lsn: Lsn) -> Result<Option<Claim>> {
    if source.limit() - off < HEADER_LEN as u64 {
        return Ok(None);
    }
    let Ok(header) = FrameHeader::read(source.get(off, HEADER_LEN)?) else {
        return Ok(None);
    };
    let believable = header.lsns_are_possible() && header.first_lsn > last_lsn;
    Ok(believable.then(|| Claim {
        end: off + u64::from(header.batch_size),
        next_lsn: header.last_lsn().saturating_add(1),
        next_lsn_if_it_followed: last_lsn
            .saturating_add(1)
            .saturating_add(u64::from(header.record_count)),
    }))
}

/// Whether the whole file (which holds no valid frame and is not all
/// zeros) could be what one torn first write leaves: a prefix of a frame
/// header (alone, or followed by zeros: written into preallocated space),
/// or a believable header claiming more than the file holds, or followed
/// only by zeros.
fn could_be_one_torn_write(source: &mut Source, claim: Option<Claim>) -> Result<bool> {
    let len = source.limit();
    let head_len = len.min(HEADER_LEN as u64);
    if len <= HEADER_LEN as u64 || source.is_zeros(head_len, len)? {
        // The header's bytes up to its last non-zero byte must be those
        // of a header: the magic, then the version (the fields after them
        // can hold anything).
        let head = source.get(0, head_len as usize)?;
        let written = head
            .iter()
            .rposition(|&byte| byte != 0)
            .map_or(0, |at| at + 1);
        let version = VERSION.to_le_bytes();
        let expected = MAGIC.iter().chain(version.iter());
        if head[..written]
            .iter()
            .zip(expected)
            .all(|(got, want)| got == want)
        {
            return Ok(true);
        }
    }
    Ok(match claim {
        Some(claim) if claim.end >= len => true,
        Some(claim) => source.is_zeros(claim.end, len)?,
        None => false,
    })
}

enum Search {
    None,
    Found(u64),
    GaveUp,
}

/// Looks after the invalid bytes at `invalid` for a valid frame whose LSNs
/// come after `last_lsn`. Inside `claim` (the extent a believable header at
/// `invalid` claims), a valid frame is taken for that frame's payload (a
/// torn write whose payload holds frames), unless it is the frame that
/// follows: the header's size field is what was damaged (with it set to
/// reach that frame, the CRC matches), or the frame begins with the very
/// LSN the damaged header says comes next, or with the LSN that would come
/// next had the damaged frame followed the log's last (its size field
/// damaged, and its payload or its LSN too), and valid frames run from it
/// to the end of the data, as the frames after a damaged one do.
///
/// Each candidate (an occurrence of the magic) costs a CRC over its claimed
/// length, so a hostile file of many headers could make this quadratic; a
/// budget bounds the work, and running out of it counts as "could not rule
/// out valid data".
fn find_valid_frame(
    source: &mut Source,
    invalid: u64,
    last_lsn: Lsn,
    claim: Option<Claim>,
) -> Result<Search> {
    let len = source.limit();
    let mut budget = (len - invalid).saturating_mul(8).max(64 << 20);
    let mut at = invalid + 1;
    let mut candidates = Vec::new();
    while at + MIN_FRAME_LEN as u64 <= len {
        let n = (len - at).min(WINDOW as u64) as usize;
        let chunk = source.get(at, n)?;
        candidates.clear();
        candidates.extend(
            chunk
                .windows(MAGIC.len())
                .enumerate()
                .filter(|(_, window)| *window == MAGIC)
                .map(|(i, _)| at + i as u64),
        );
        for &candidate in &candidates {
            let claimed = match source.get(candidate + BATCH_SIZE_AT as u64, 4) {
                Ok(b) => u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                Err(_) => continue,
            };
            if claimed > len - candidate {
                continue; // cannot fit: rejected without reading it
            }
            let inside_claim = claim.is_some_and(|claim| candidate < claim.end);
            let cost = claimed + if inside_claim { candidate - invalid } else { 0 };
            if cost > budget {
                return Ok(Search::GaveUp);
            }
            budget -= cost;
            match frame::check_frame(source, candidate)? {
                Ok(header) if header.first_lsn > last_lsn => {
                    let follows = claim.is_some_and(|claim| {
                        header.first_lsn == claim.next_lsn
                            || header.first_lsn == claim.next_lsn_if_it_followed
                    });
                    if !inside_claim
                        || size_field_was_damaged(source, invalid, candidate)?
                        || follows && frames_reach_the_end(source, candidate, &mut budget)?
                    {
                        return Ok(Search::Found(candidate));
                    }
                }
                Ok(_) | Err(_) => {}
            }
        }
        // Step so that a magic straddling two chunks is still seen.
        at += (n - (MAGIC.len() - 1)).max(1) as u64;
    }
    Ok(Search::None)
}

/// Whether valid frames, one after another with increasing LSNs, run from
/// `at` to the end of the data, or to zeros only (space written ahead).
/// That is what the frames after a damaged frame look like; a log stored
/// in a torn frame's payload ends in the rest of that payload, except at
/// the very cuts that end with one of its frames (those stay refused).
/// Costs the CRC of every frame walked, taken from `budget`; running out
/// counts as reaching the end (the safe side: a refusal).
fn frames_reach_the_end(source: &mut Source, mut at: u64, budget: &mut u64) -> Result<bool> {
    let len = source.limit();
    let mut last = 0;
    while at < len {
        match frame::check_frame(source, at)? {
            Ok(header) if header.first_lsn > last => {
                let size = u64::from(header.batch_size);
                if size > *budget {
                    return Ok(true);
                }
                *budget -= size;
                last = header.last_lsn();
                at += size;
            }
            // The end of the chain: only zeros (space written ahead) may
            // follow. (Not a torn frame: the cuts of a log stored in a
            // torn frame's payload look just like that.)
            _ => return source.is_zeros(at, len),
        }
    }
    Ok(true)
}

/// Whether the bytes `[off, next)` are a frame whose only damage is its
/// size field: with `batch_size` set to `next - off`, its CRC matches. Then
/// the valid frame at `next` really follows it (a corruption), rather than
/// lying inside its payload (a torn write).
fn size_field_was_damaged(source: &mut Source, off: u64, next: u64) -> Result<bool> {
    let size = next - off;
    if size < MIN_FRAME_LEN as u64 {
        return Ok(false);
    }
    let Ok(size) = u32::try_from(size) else {
        return Ok(false);
    };
    let mut crc = crc::update(0, source.get(off, BATCH_SIZE_AT)?);
    crc = crc::update(crc, &size.to_le_bytes());
    let body_end = next - TRAILER_LEN as u64;
    crc = frame::streamed_crc(source, crc, off + HEADER_LEN as u64, body_end)?;
    let stored = source.get(body_end, TRAILER_LEN)?;
    Ok(crc == u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]))
}
