//! The batch frame codec (v2 wire format), under the names rewal 0.1.0's
//! API gives it: encoding frames, checking and decoding them. The format
//! itself, and every check, lives in [`crate::frame`]; this module is its
//! face for callers of rewal 0.1.0's API.
//!
//! Decoders never trust a length before checking it against the bytes that
//! are there: hostile input makes them fail, never panic or over-allocate.

use crate::frame::{self, Problem};
use crate::plugins::Compressor;
use crate::{Error, Event, Lsn, Result};

pub use crate::frame::{
    encode_batch, encode_event, push_record, FrameEvents, FrameHeader, Records, FLAG_COMPRESSED,
    HEADER_LEN, MAGIC, MAX_META_LEN, MIN_FRAME_LEN, RECORD_HEADER_LEN, TRAILER_LEN, VERSION,
};

/// An event decoded in place: payload and meta borrow the frame's bytes (or
/// the decompression buffer), nothing is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BorrowedEvent<'a> {
    /// The event's LSN.
    pub lsn: Lsn,
    /// The payload.
    pub payload: &'a [u8],
    /// The meta, if any.
    pub meta: Option<&'a [u8]>,
}

impl BorrowedEvent<'_> {
    /// Copies the event into an owned [`Event`] (as `Event::from` does).
    pub fn to_event(&self) -> Event {
        Event::from(self)
    }
}

impl From<&BorrowedEvent<'_>> for Event {
    #[inline]
    fn from(event: &BorrowedEvent<'_>) -> Event {
        Event {
            lsn: event.lsn,
            payload: event.payload.to_vec(),
            meta: event.meta.map(<[u8]>::to_vec),
        }
    }
}

impl From<BorrowedEvent<'_>> for Event {
    #[inline]
    fn from(event: BorrowedEvent<'_>) -> Event {
        Event::from(&event)
    }
}

/// Parses the first 24 bytes of `bytes` as a frame header: length, magic,
/// version and `batch_size >= 28` (see [`FrameHeader::read`], which says
/// which check failed). Does not look past the header.
///
/// # Errors
///
/// `Error::InvalidRecord` when the bytes are not a header: fewer than 24,
/// no magic, another version, or a `batch_size` under 28.
pub fn parse_header(bytes: &[u8]) -> Result<FrameHeader> {
    FrameHeader::read(bytes).map_err(Error::from)
}

/// Header-only scan of the frame at `data[off..]`: checks there is a header,
/// its magic, version and `batch_size`, and that the whole frame lies within
/// `data`. No CRC: for fast forward scans over data already verified.
///
/// # Errors
///
/// `Error::InvalidRecord` when `off` is past the end of `data`, the header
/// is not one (see [`parse_header`]), or the frame runs past the end.
pub fn scan_batch_header(data: &[u8], off: usize) -> Result<FrameHeader> {
    let header = parse_header(data.get(off..).ok_or_else(|| Error::InvalidRecord)?)?;
    if header.len() > data.len() - off {
        return Err(Error::InvalidRecord);
    }
    Ok(header)
}

/// The full check of the frame at `data[off..]`, as recovery runs it:
/// header, bounds, CRC, LSNs, and for an uncompressed frame that exactly
/// `record_count` records fill the region. [`frame::check_frame`] says what
/// is wrong; this says it as the rewal 0.1.0's error.
///
/// ```
/// use rewal::encoding::{check_frame, encode_event};
/// use rewal::Error;
///
/// let mut frame = Vec::new();
/// encode_event(&mut frame, b"payload", b"", 1, None)?;
/// assert_eq!(check_frame(&frame, 0)?.first_lsn, 1);
///
/// frame[30] ^= 1; // a flipped bit in the payload
/// assert_eq!(check_frame(&frame, 0), Err(Error::CrcMismatch));
/// # Ok::<(), rewal::Error>(())
/// ```
///
/// # Errors
///
/// `Error::CrcMismatch` for a frame whose CRC does not match its bytes;
/// `Error::InvalidRecord` for anything else that is wrong (`off` past the
/// end, a bad header, a frame past the end, impossible LSNs, records that
/// do not fill the region).
pub fn check_frame(data: &[u8], off: usize) -> Result<FrameHeader> {
    frame::checked(data, off)
}

/// Checks that `region` holds exactly `count` well-formed records.
///
/// # Errors
///
/// `Error::InvalidRecord` when it does not (see
/// [`frame::check_records`] for which [`Problem`]).
pub fn check_records(region: &[u8], count: u32) -> Result<()> {
    frame::check_records(region, count).map_err(|_: Problem| Error::InvalidRecord)
}

/// Decodes the frame at `data[off..]` without copying: the events borrow
/// `data`, or `scratch` when the frame is compressed (it is decompressed
/// there). Checks everything [`check_frame`] checks, then returns the events
/// and the offset of the next frame. Allocates nothing for an uncompressed
/// frame.
///
/// # Errors
///
/// What [`check_frame`] returns (`Error::CrcMismatch`,
/// `Error::InvalidRecord`); for a compressed frame,
/// `Error::CompressorRequired` without a compressor, the compressor's error
/// (`Error::Panicked` if it panicked), and `Error::InvalidRecord` when the
/// decompressed records do not fill the region.
pub fn decode_batch_frame_borrowed<'a>(
    data: &'a [u8],
    off: usize,
    compressor: Option<&dyn Compressor>,
    scratch: &'a mut Vec<u8>,
) -> Result<(FrameEvents<'a>, usize)> {
    frame::decode_frame(data, off, compressor, scratch)
}

/// Decodes every frame of `data` into owned events, stopping at the first
/// frame that does not decode. Returns the events, the offset where decoding
/// stopped (the end of the last good frame), and the error that stopped it.
pub fn decode_all_batches(
    data: &[u8],
    compressor: Option<&dyn Compressor>,
) -> (Vec<Event>, usize, Option<Error>) {
    let mut events = Vec::new();
    let mut scratch = Vec::new();
    let mut off = 0;
    while off < data.len() {
        match decode_batch_frame_borrowed(data, off, compressor, &mut scratch) {
            Ok((frame, next)) => {
                events.extend(frame.map(Event::from));
                off = next;
            }
            Err(error) => return (events, off, Some(error)),
        }
    }
    (events, off, None)
}
