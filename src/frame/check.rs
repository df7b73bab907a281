//! The one check of a frame, in a decoder's order: enough bytes for a
//! header, the magic, the version, a length of at least a frame and within
//! the data, the CRC, possible LSNs, and (uncompressed) records that fill
//! the region exactly. The first check that fails is the [`Problem`]; no
//! length is trusted before it is checked against the bytes there.
//!
//! The check is generic over where the bytes are ([`Bytes`]): a slice, a
//! memory map, or a read buffer filled a window at a time, in which case a
//! frame of any size is checked in memory of the order of the window.

use super::header::{FrameHeader, HEADER_LEN, TRAILER_LEN};
use super::records::{RecordCursor, RECORD_HEADER_LEN};
use crate::Lsn;
use std::convert::Infallible;

/// What is wrong with the bytes where a frame should be, as found by
/// [`check_frame`] (or, for [`Problem::NotALog`] and
/// [`Problem::LsnsOutOfOrder`], by a scan of the whole log).
///
/// Structured, not worded: the sentences people read are the tools'
/// business (the CLI's and the viewer's shared `rewal-report` crate). It
/// holds no heap data (`Copy`), so checking frames in a hot loop costs no
/// drop glue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Problem {
    /// Only zeros where a frame should begin: space allocated (by the file
    /// system or a preallocation) and never written.
    Zeros,
    /// At offset 0, bytes that do not begin like a rewal log: somebody
    /// else's file, not a damaged log.
    NotALog {
        /// The first bytes of the file (up to 8).
        head: Found<8>,
    },
    /// Past offset 0, bytes that are not the frame magic.
    NoMagic {
        /// The bytes found where the magic should be (up to 4).
        found: Found<4>,
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
    /// A valid frame whose LSNs do not come after those of the frames
    /// before it (LSNs strictly increase through a log).
    LsnsOutOfOrder {
        /// The frame's first LSN.
        first_lsn: Lsn,
    },
}

/// Up to `N` bytes found in a log, kept inline (see [`Problem`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Found<const N: usize> {
    bytes: [u8; N],
    len: u8,
}

impl<const N: usize> Found<N> {
    /// The first `N` bytes of `bytes` (all of them if fewer).
    pub fn new(bytes: &[u8]) -> Self {
        let len = bytes.len().min(N);
        let mut kept = [0; N];
        kept[..len].copy_from_slice(&bytes[..len]);
        Found {
            bytes: kept,
            len: len as u8,
        }
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl<const N: usize> std::fmt::Debug for Found<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_bytes())
    }
}

impl Problem {
    /// Whether this is a damaged CRC (as opposed to a frame whose structure
    /// is wrong): rewal 0.1.0's `Error::CrcMismatch` rather than
    /// `Error::InvalidRecord`.
    pub fn is_crc_mismatch(&self) -> bool {
        matches!(self, Problem::CrcMismatch { .. })
    }

    /// Whether the frame's bytes are the ones its writer sealed (its CRC
    /// matches) and still wrong: the work of a faulty writer or of a
    /// hostile file, never of a write cut short, so never a torn tail.
    pub fn passed_its_crc(&self) -> bool {
        matches!(
            self,
            Problem::ImpossibleLsns { .. }
                | Problem::RecordsEndEarly { .. }
                | Problem::RecordOverruns { .. }
                | Problem::BytesLeftOver { .. }
                | Problem::LsnsOutOfOrder { .. }
        )
    }
}

/// Bytes to check: a slice, or a source that may fail to read (its
/// `Error`). Offsets are `u64`, as in a file.
pub trait Bytes {
    /// What a failed read is.
    type Error;
    /// The end of the bytes.
    fn limit(&self) -> u64;
    /// `[off, off + len)`, which the caller keeps below the limit (a range
    /// past it may panic, as it does for a slice).
    ///
    /// # Errors
    ///
    /// `Self::Error` when the bytes cannot be read.
    fn get(&mut self, off: u64, len: usize) -> Result<&[u8], Self::Error>;
}

/// A slice never fails to read (`Infallible`); a range past its end
/// panics.
impl Bytes for &[u8] {
    type Error = Infallible;

    #[inline]
    fn limit(&self) -> u64 {
        self.len() as u64
    }

    #[inline]
    fn get(&mut self, off: u64, len: usize) -> Result<&[u8], Infallible> {
        // Below the limit, so `off` fits in a usize.
        let start = off as usize;
        Ok(&self[start..start + len])
    }
}

/// How much of a frame is read at once: a frame that fits is checked in
/// one slice; a larger one a window at a time (its CRC streamed, its
/// record headers read one by one).
pub(crate) const WINDOW: usize = 1024 * 1024;

/// Checks the frame at `off` of `bytes` fully. `Ok(Ok(header))` for a valid
/// frame, `Ok(Err(problem))` for bytes that are not one, `Err` when the
/// bytes could not be read.
///
/// ```
/// use rewal::encoding::encode_event;
/// use rewal::frame::{check_frame, Problem};
///
/// let mut log = Vec::new();
/// encode_event(&mut log, b"payload", b"", 1, None)?;
/// log.extend_from_slice(&[0; 8]); // zeros after the frame
///
/// // A slice never fails to read: the outer `Result` is always `Ok`.
/// let header = check_frame(&mut &log[..], 0).unwrap().expect("a valid frame");
/// assert_eq!(header.first_lsn, 1);
/// let after = header.batch_size as u64;
/// assert_eq!(check_frame(&mut &log[..], after), Ok(Err(Problem::Zeros)));
/// # Ok::<(), rewal::Error>(())
/// ```
///
/// # Errors
///
/// `B::Error` when the bytes cannot be read (never, for a slice). A frame
/// that is not valid is no error here: it is `Ok(Err(problem))`.
#[inline]
pub fn check_frame<B: Bytes>(
    bytes: &mut B,
    off: u64,
) -> Result<Result<FrameHeader, Problem>, B::Error> {
    // Past the end there is nothing: a frame header that is missing.
    let off = off.min(bytes.limit());
    let available = bytes.limit().saturating_sub(off);
    let head = bytes.get(off, available.min(HEADER_LEN as u64) as usize)?;
    let header = match FrameHeader::read(head) {
        Ok(header) => header,
        Err(problem) => return Ok(Err(problem)),
    };
    if u64::from(header.batch_size) > available {
        return Ok(Err(Problem::BeyondEnd {
            batch_size: header.batch_size,
            remaining: available,
        }));
    }
    if header.len() <= WINDOW {
        let frame = bytes.get(off, header.len())?;
        return Ok(check_in_memory(&header, frame));
    }
    check_streamed(bytes, off, header)
}

/// The checks after the header's, on a whole frame in memory.
#[inline]
fn check_in_memory(header: &FrameHeader, frame: &[u8]) -> Result<FrameHeader, Problem> {
    let body = &frame[..frame.len() - TRAILER_LEN];
    let computed = crate::crc::checksum(body);
    let stored = FrameHeader::stored_crc(frame);
    if computed != stored {
        return Err(Problem::CrcMismatch {
            batch_size: header.batch_size,
            stored,
            computed,
        });
    }
    check_after_crc(header)?;
    if !header.is_compressed() {
        super::records::check_records(&body[HEADER_LEN..], header.record_count)?;
    }
    Ok(*header)
}

/// The checks after the header's, a window at a time.
fn check_streamed<B: Bytes>(
    bytes: &mut B,
    off: u64,
    header: FrameHeader,
) -> Result<Result<FrameHeader, Problem>, B::Error> {
    let body_end = off + (header.len() - TRAILER_LEN) as u64;
    let computed = streamed_crc(bytes, 0, off, body_end)?;
    let trailer = bytes.get(body_end, TRAILER_LEN)?;
    let stored = FrameHeader::stored_crc(trailer);
    if computed != stored {
        return Ok(Err(Problem::CrcMismatch {
            batch_size: header.batch_size,
            stored,
            computed,
        }));
    }
    if let Err(problem) = check_after_crc(&header) {
        return Ok(Err(problem));
    }
    if !header.is_compressed() {
        let start = off + HEADER_LEN as u64;
        let mut cursor = RecordCursor::new(body_end - start, header.record_count);
        while let Some(at) = cursor.next_at() {
            let n = (body_end - start - at).min(RECORD_HEADER_LEN as u64) as usize;
            if let Err(problem) = cursor.step(bytes.get(start + at, n)?) {
                return Ok(Err(problem));
            }
        }
        if let Err(problem) = cursor.finish() {
            return Ok(Err(problem));
        }
    }
    Ok(Ok(header))
}

/// What the header says of the events, checked once the CRC vouches for
/// it.
fn check_after_crc(header: &FrameHeader) -> Result<(), Problem> {
    if header.lsns_are_possible() {
        Ok(())
    } else {
        Err(Problem::ImpossibleLsns {
            record_count: header.record_count,
            first_lsn: header.first_lsn,
        })
    }
}

/// The CRC-32C of `[from, to)` of `bytes`, continuing from `crc` (the CRC
/// of the bytes before), a window at a time.
pub(crate) fn streamed_crc<B: Bytes>(
    bytes: &mut B,
    mut crc: u32,
    from: u64,
    to: u64,
) -> Result<u32, B::Error> {
    let mut at = from;
    while at < to {
        let n = (to - at).min(WINDOW as u64) as usize;
        crc = crate::crc::update(crc, bytes.get(at, n)?);
        at += n as u64;
    }
    Ok(crc)
}
