//! How a log ends: what the bytes after its last valid frame are, judged
//! over any [`Bytes`] from any offset. The engine's scan and recovery, the
//! iterator, and the tools all judge the end here, by these rules:
//!
//! - nothing but zeros to the end: the clean end of the log (space written
//!   ahead and not filled yet);
//! - a frame there that passes its CRC is a corruption, whatever else is
//!   wrong with it (its LSNs do not follow, its records contradict its
//!   header): a torn write cannot pass the CRC;
//! - a valid frame further on, with LSNs after the last one, is a
//!   corruption, but what lies inside the extent a believable header at the
//!   stop claims is that frame's payload, unless it is shown to follow it
//!   ([`find_valid_frame`]);
//!   - unless the damage is what a power cut leaves after the log's last
//!     sync: writes made since were lost page by page, in any order, so the
//!     damaged bytes hold a page (or the rest of one) of zeros where a
//!     write did not reach the disk, after the point the log was last
//!     synced through (its sync mark, when the reader knows it). That is
//!     [`LogEnd::PowerCut`]: recovery cuts there by itself, and keeps what
//!     it cut, since nothing acknowledged durable can lie after a sync;
//! - otherwise a torn tail, if the log has valid frames before;
//! - at offset 0, a torn tail only if the whole file could be one torn
//!   first write; else the file is somebody else's: not a log.

use super::check::{check_frame, streamed_crc, Bytes, Found, Problem, WINDOW};
use super::header::{
    FrameHeader, BATCH_SIZE_AT, HEADER_LEN, MAGIC, MIN_FRAME_LEN, TRAILER_LEN, VERSION,
};
use crate::{crc, Lsn};

/// How a log ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogEnd {
    /// Every byte belongs to a valid frame (or is a zero tail: space
    /// written ahead and not filled yet).
    Clean,
    /// From `offset` to the end there is no valid frame: what a crash in the
    /// middle of a write leaves. Opening the log cuts it off.
    TornTail {
        /// Where the invalid bytes begin.
        offset: u64,
    },
    /// From `offset` on, writes made after the log's last sync were lost in
    /// part, as a power cut or an OS crash loses them: a page of zeros
    /// where a write did not reach the disk, before frames that did, after
    /// the point the log was synced through. Nothing acknowledged durable
    /// lies there. Opening the log cuts there by itself, and keeps the cut
    /// bytes beside the log (`FILE.removed-OFFSET`, or the `removed/`
    /// folder of a segment directory).
    PowerCut {
        /// Where the lost writes begin.
        offset: u64,
        /// Where the first valid frame after them begins, if one does.
        next_valid: Option<u64>,
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
            LogEnd::TornTail { offset }
            | LogEnd::PowerCut { offset, .. }
            | LogEnd::Corrupted { offset, .. } => Some(offset),
        }
    }
}

/// The size of the pages a power cut loses or keeps, each whole (a
/// file system block; larger pages are made of these).
pub const PAGE: u64 = 4096;

/// How a log whose valid frames end at `off` (the last of their LSNs
/// `last_lsn`), before the end of `bytes`, ends, and what is wrong there
/// (`problem`, as the frame checker found it): the rules of the module
/// docs. `synced` is where the log is known to be synced through (its
/// sync mark), if it is known: only damage at or past it may be a power
/// cut's.
///
/// # Errors
///
/// `B::Error` when the bytes cannot be read.
pub fn classify_end<B: Bytes>(
    bytes: &mut B,
    off: u64,
    last_lsn: Lsn,
    problem: Problem,
    synced: Option<u64>,
) -> Result<(LogEnd, Option<Problem>), B::Error> {
    let sealed = problem.passed_its_crc();
    if !sealed && is_zeros(bytes, off, bytes.limit())? {
        return Ok((LogEnd::Clean, None));
    }
    if sealed {
        let end = LogEnd::Corrupted {
            offset: off,
            next_valid: Some(off),
        };
        return Ok((end, Some(problem)));
    }
    let begins_like_one = off > 0 || begins_like_a_log(bytes)?;
    let claim = claimed_extent(bytes, off, last_lsn)?;
    let search = match begins_like_one {
        true => find_valid_frame(bytes, off, last_lsn, claim)?,
        false => Search::None,
    };
    let (end, next_valid) = match search {
        Search::Found(at) => (Ending::Corrupted, Some(at)),
        Search::GaveUp => (Ending::Corrupted, None),
        Search::None if off > 0 => (Ending::Torn, None),
        Search::None if begins_like_one && could_be_one_torn_write(bytes, claim)? => {
            (Ending::Torn, None)
        }
        Search::None => (Ending::NotALog, None),
    };
    // A power cut's lost pages, after the last sync: the log's own bytes,
    // to be cut and kept, not a corruption or somebody else's file.
    let unsynced = synced.is_some_and(|synced| off >= synced);
    if end != Ending::Torn && unsynced {
        let damaged_to = next_valid.unwrap_or(bytes.limit());
        if holds_a_lost_page(bytes, off, damaged_to)? {
            return Ok((
                LogEnd::PowerCut {
                    offset: off,
                    next_valid,
                },
                Some(problem),
            ));
        }
    }
    let end = match end {
        Ending::Torn => LogEnd::TornTail { offset: off },
        Ending::Corrupted => LogEnd::Corrupted {
            offset: off,
            next_valid,
        },
        Ending::NotALog => return Ok((LogEnd::NotALog, Some(not_a_log(bytes)?))),
    };
    Ok((end, Some(problem)))
}

/// The three verdicts before the power-cut rule has its say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Torn,
    Corrupted,
    NotALog,
}

/// Whether `[from, to)` holds what a lost page leaves: from `from` to the
/// end of its page, or a whole page after it (each clipped to `to`), all
/// zeros. A power cut keeps or loses each page written since the last sync
/// on its own; a page that was lost reads as zeros (space written ahead,
/// or never written), whatever came before it.
fn holds_a_lost_page<B: Bytes>(bytes: &mut B, from: u64, to: u64) -> Result<bool, B::Error> {
    let to = to.min(bytes.limit());
    let mut start = from;
    while start < to {
        let page_end = (start / PAGE + 1) * PAGE;
        let end = page_end.min(to);
        if is_zeros(bytes, start, end)? {
            return Ok(true);
        }
        start = page_end;
    }
    Ok(false)
}

/// True when every byte of `[from, to)` is zero: read a window at a time,
/// so a large zero tail costs no memory.
///
/// # Errors
///
/// `B::Error` when the bytes cannot be read.
pub fn is_zeros<B: Bytes>(bytes: &mut B, from: u64, to: u64) -> Result<bool, B::Error> {
    // Compared a block at a time with a block of zeros: `==` on byte slices
    // is a `memcmp`, fast even in a debug build.
    const ZEROS: [u8; 4096] = [0; 4096];
    let mut at = from;
    while at < to {
        let n = (to - at).min(ZEROS.len() as u64) as usize;
        if bytes.get(at, n)? != &ZEROS[..n] {
            return Ok(false);
        }
        at += n as u64;
    }
    Ok(true)
}

/// How many leading bytes [`Problem::NotALog`] shows: enough to recognise
/// a file type by its signature, short enough for one line.
const SHOWN_OF_A_STRANGER: usize = 8;

/// The problem of a file that is not a log: how it begins.
///
/// # Errors
///
/// `B::Error` when the bytes cannot be read.
pub fn not_a_log<B: Bytes>(bytes: &mut B) -> Result<Problem, B::Error> {
    let shown = bytes.limit().min(SHOWN_OF_A_STRANGER as u64) as usize;
    Ok(Problem::NotALog {
        head: Found::new(bytes.get(0, shown)?),
    })
}

/// Whether bytes may be a rewal log by how they begin: with (a prefix of)
/// the magic, or with zeros (space allocated and never written). Anything
/// else is somebody else's file, whatever it holds further on.
///
/// # Errors
///
/// `B::Error` when the bytes cannot be read.
pub fn begins_like_a_log<B: Bytes>(bytes: &mut B) -> Result<bool, B::Error> {
    let n = bytes.limit().min(HEADER_LEN as u64) as usize;
    let head = bytes.get(0, n)?;
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
fn claimed_extent<B: Bytes>(
    bytes: &mut B,
    off: u64,
    last_lsn: Lsn,
) -> Result<Option<Claim>, B::Error> {
    if bytes.limit() - off < HEADER_LEN as u64 {
        return Ok(None);
    }
    let Ok(header) = FrameHeader::read(bytes.get(off, HEADER_LEN)?) else {
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
fn could_be_one_torn_write<B: Bytes>(
    bytes: &mut B,
    claim: Option<Claim>,
) -> Result<bool, B::Error> {
    let len = bytes.limit();
    let head_len = len.min(HEADER_LEN as u64);
    if len <= HEADER_LEN as u64 || is_zeros(bytes, head_len, len)? {
        // The header's bytes up to its last non-zero byte must be those
        // of a header: the magic, then the version (the fields after them
        // can hold anything).
        let head = bytes.get(0, head_len as usize)?;
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
        Some(claim) => is_zeros(bytes, claim.end, len)?,
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
fn find_valid_frame<B: Bytes>(
    bytes: &mut B,
    invalid: u64,
    last_lsn: Lsn,
    claim: Option<Claim>,
) -> Result<Search, B::Error> {
    let len = bytes.limit();
    let mut budget = (len - invalid).saturating_mul(8).max(64 << 20);
    let mut at = invalid + 1;
    let mut candidates = Vec::new();
    while at + MIN_FRAME_LEN as u64 <= len {
        let n = (len - at).min(WINDOW as u64) as usize;
        let chunk = bytes.get(at, n)?;
        candidates.clear();
        candidates.extend(
            chunk
                .windows(MAGIC.len())
                .enumerate()
                .filter(|(_, window)| *window == MAGIC)
                .map(|(i, _)| at + i as u64),
        );
        for &candidate in &candidates {
            if len - candidate < HEADER_LEN as u64 {
                continue;
            }
            let claimed = match FrameHeader::read(bytes.get(candidate, HEADER_LEN)?) {
                Ok(header) => u64::from(header.batch_size),
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
            match check_frame(bytes, candidate)? {
                Ok(header) if header.first_lsn > last_lsn => {
                    let follows = claim.is_some_and(|claim| {
                        header.first_lsn == claim.next_lsn
                            || header.first_lsn == claim.next_lsn_if_it_followed
                    });
                    if !inside_claim
                        || size_field_was_damaged(bytes, invalid, candidate)?
                        || follows && frames_reach_the_end(bytes, candidate, &mut budget)?
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
fn frames_reach_the_end<B: Bytes>(
    bytes: &mut B,
    mut at: u64,
    budget: &mut u64,
) -> Result<bool, B::Error> {
    let len = bytes.limit();
    let mut last = 0;
    while at < len {
        match check_frame(bytes, at)? {
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
            _ => return is_zeros(bytes, at, len),
        }
    }
    Ok(true)
}

/// Whether the bytes `[off, next)` are a frame whose only damage is its
/// size field: with `batch_size` set to `next - off`, its CRC matches. Then
/// the valid frame at `next` really follows it (a corruption), rather than
/// lying inside its payload (a torn write).
fn size_field_was_damaged<B: Bytes>(bytes: &mut B, off: u64, next: u64) -> Result<bool, B::Error> {
    let size = next - off;
    if size < MIN_FRAME_LEN as u64 {
        return Ok(false);
    }
    let Ok(size) = u32::try_from(size) else {
        return Ok(false);
    };
    let mut checksum = crc::update(0, bytes.get(off, BATCH_SIZE_AT)?);
    checksum = crc::update(checksum, &size.to_le_bytes());
    let body_end = next - TRAILER_LEN as u64;
    checksum = streamed_crc(bytes, checksum, off + HEADER_LEN as u64, body_end)?;
    let stored = FrameHeader::stored_crc(bytes.get(body_end, TRAILER_LEN)?);
    Ok(checksum == stored)
}
