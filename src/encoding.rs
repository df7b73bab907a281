//! The v2 batch frame: the on-disk format, shared by every target and by
//! rewal 0.1.0 and UEWAL v0.2.
//!
//! ```text
//! offset  size  field
//!      0     4  magic "EWAL"
//!      4     2  version = 2
//!      6     2  flags (bit 0: records region compressed)
//!      8     4  record_count (>= 1)
//!     12     8  first_lsn (event i has first_lsn + i)
//!     20     4  batch_size: the whole frame, header and CRC included (>= 28)
//!     24     …  records region (compressed as a whole when flag bit 0 is set)
//!  end-4     4  CRC-32C of bytes [0, batch_size - 4)
//! record: payload_len u32, meta_len u16, meta, payload (little-endian)
//! ```
//!
//! Decoders never trust a length before checking it against the bytes that
//! are there: hostile input makes them fail, never panic or over-allocate.

use crate::plugins::Compressor;
use crate::{crc, Batch, Error, Event, Lsn, Result};

/// The frame magic, ASCII `EWAL`.
pub const MAGIC: [u8; 4] = *b"EWAL";
/// The frame format version written and read.
pub const VERSION: u16 = 2;
/// Flag bit 0: the records region is compressed.
pub const FLAG_COMPRESSED: u16 = 1;
/// Length of the frame header.
pub const HEADER_LEN: usize = 24;
/// Length of the CRC trailer.
pub const TRAILER_LEN: usize = 4;
/// The smallest possible frame: header and CRC around an empty region.
pub const MIN_FRAME_LEN: usize = HEADER_LEN + TRAILER_LEN;
/// Length of a record's header (`payload_len`, `meta_len`).
pub const RECORD_HEADER_LEN: usize = 6;
/// The longest meta a record can carry.
pub const MAX_META_LEN: usize = u16::MAX as usize;

/// The fields of a frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Flag bits; see [`FLAG_COMPRESSED`].
    pub flags: u16,
    /// Number of events in the frame.
    pub record_count: u32,
    /// LSN of the first event.
    pub first_lsn: Lsn,
    /// Length of the whole frame in bytes.
    pub batch_size: u32,
}

impl FrameHeader {
    /// True when the records region is compressed.
    pub fn is_compressed(&self) -> bool {
        self.flags & FLAG_COMPRESSED != 0
    }

    /// LSN of the last event (saturating on hostile headers; see
    /// [`check_frame`] for the checked form).
    pub fn last_lsn(&self) -> Lsn {
        self.first_lsn
            .saturating_add(u64::from(self.record_count).saturating_sub(1))
    }

    /// The frame length as a `usize`.
    pub fn len(&self) -> usize {
        self.batch_size as usize
    }

    /// Never true for a parsed header (frames are at least 28 bytes); here
    /// for symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.batch_size == 0
    }
}

/// An event decoded in place: payload and meta borrow the frame's bytes (or
/// the decompression buffer), nothing is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    fn from(event: &BorrowedEvent<'_>) -> Event {
        Event {
            lsn: event.lsn,
            payload: event.payload.to_vec(),
            meta: event.meta.map(<[u8]>::to_vec),
        }
    }
}

impl From<BorrowedEvent<'_>> for Event {
    fn from(event: BorrowedEvent<'_>) -> Event {
        Event::from(&event)
    }
}

// ---------------------------------------------------------------- encoding

/// Appends one record (`payload_len`, `meta_len`, meta, payload) to `dst`.
/// Refuses, leaving `dst` as it was, a meta over 65 535 bytes or a payload
/// over `u32::MAX` bytes.
pub fn push_record(dst: &mut Vec<u8>, payload: &[u8], meta: &[u8]) -> Result<()> {
    let payload_len = u32::try_from(payload.len()).map_err(|_| Error::TooLarge)?;
    let meta_len = u16::try_from(meta.len()).map_err(|_| Error::TooLarge)?;
    dst.reserve(RECORD_HEADER_LEN + meta.len() + payload.len());
    dst.extend_from_slice(&payload_len.to_le_bytes());
    dst.extend_from_slice(&meta_len.to_le_bytes());
    dst.extend_from_slice(meta);
    dst.extend_from_slice(payload);
    Ok(())
}

/// The length of a frame whose records region is `region_len` bytes, or
/// [`Error::TooLarge`] past what `batch_size` can say.
pub(crate) fn frame_len(region_len: usize) -> Result<u32> {
    region_len
        .checked_add(MIN_FRAME_LEN)
        .and_then(|len| u32::try_from(len).ok())
        .ok_or(Error::TooLarge)
}

/// Writes a frame header into `dst[at..at + 24]`.
fn put_header(dst: &mut [u8], header: &FrameHeader) {
    let out = &mut dst[..HEADER_LEN];
    out[0..4].copy_from_slice(&MAGIC);
    out[4..6].copy_from_slice(&VERSION.to_le_bytes());
    out[6..8].copy_from_slice(&header.flags.to_le_bytes());
    out[8..12].copy_from_slice(&header.record_count.to_le_bytes());
    out[12..20].copy_from_slice(&header.first_lsn.to_le_bytes());
    out[20..24].copy_from_slice(&header.batch_size.to_le_bytes());
}

/// Appends a frame around an already encoded records `region` to `dst`, with
/// its CRC left zero: the writer seals frames (see [`seal_frames`]) off the
/// appenders' critical path.
pub(crate) fn push_unsealed_frame(
    dst: &mut Vec<u8>,
    region: &[u8],
    record_count: u32,
    first_lsn: Lsn,
    flags: u16,
) -> Result<()> {
    let batch_size = frame_len(region.len())?;
    let start = dst.len();
    dst.reserve(batch_size as usize);
    dst.resize(start + HEADER_LEN, 0);
    let header = FrameHeader {
        flags,
        record_count,
        first_lsn,
        batch_size,
    };
    put_header(&mut dst[start..], &header);
    dst.extend_from_slice(region);
    dst.extend_from_slice(&[0; TRAILER_LEN]);
    Ok(())
}

/// Appends a one-event frame to `dst` with its CRC left zero, encoding the
/// record in place (no intermediate buffer: the single-append hot path).
pub(crate) fn push_unsealed_single(
    dst: &mut Vec<u8>,
    payload: &[u8],
    meta: &[u8],
    lsn: Lsn,
) -> Result<()> {
    let region_len = RECORD_HEADER_LEN + meta.len() + payload.len();
    let batch_size = frame_len(region_len)?;
    let payload_len = u32::try_from(payload.len()).map_err(|_| Error::TooLarge)?;
    let meta_len = u16::try_from(meta.len()).map_err(|_| Error::TooLarge)?;
    let start = dst.len();
    dst.reserve(batch_size as usize);
    dst.resize(start + HEADER_LEN, 0);
    let header = FrameHeader {
        flags: 0,
        record_count: 1,
        first_lsn: lsn,
        batch_size,
    };
    put_header(&mut dst[start..], &header);
    dst.extend_from_slice(&payload_len.to_le_bytes());
    dst.extend_from_slice(&meta_len.to_le_bytes());
    dst.extend_from_slice(meta);
    dst.extend_from_slice(payload);
    dst.extend_from_slice(&[0; TRAILER_LEN]);
    Ok(())
}

/// Computes and stores the CRC of every frame in `frames`, a run of whole
/// frames built by this crate (so their sizes are trusted).
pub(crate) fn seal_frames(frames: &mut [u8]) {
    let mut at = 0;
    while at + MIN_FRAME_LEN <= frames.len() {
        let size = read_u32(frames, at + 20) as usize;
        let end = at + size;
        let crc = crc::checksum(&frames[at..end - TRAILER_LEN]);
        frames[end - TRAILER_LEN..end].copy_from_slice(&crc.to_le_bytes());
        at = end;
    }
}

/// Encodes `batch` as one sealed frame appended to `dst`, compressed when a
/// compressor is given (every frame is then compressed, as rewal 0.1.0
/// does). Returns the frame's length. `dst` is reused: nothing is allocated
/// once it has grown.
pub fn encode_batch(
    dst: &mut Vec<u8>,
    batch: &Batch,
    first_lsn: Lsn,
    compressor: Option<&dyn Compressor>,
) -> Result<usize> {
    if batch.is_empty() {
        return Err(Error::EmptyBatch);
    }
    if batch.is_too_large() {
        return Err(Error::TooLarge);
    }
    encode_region(
        dst,
        batch.records(),
        batch.len() as u32,
        first_lsn,
        compressor,
    )
}

/// Encodes one event as a sealed frame appended to `dst`; see
/// [`encode_batch`]. An empty `meta` means none.
pub fn encode_event(
    dst: &mut Vec<u8>,
    payload: &[u8],
    meta: &[u8],
    lsn: Lsn,
    compressor: Option<&dyn Compressor>,
) -> Result<usize> {
    let start = dst.len();
    if compressor.is_none() {
        push_unsealed_single(dst, payload, meta, lsn)?;
        seal_frames(&mut dst[start..]);
        return Ok(dst.len() - start);
    }
    let mut region = Vec::new();
    push_record(&mut region, payload, meta)?;
    encode_region(dst, &region, 1, lsn, compressor)
}

fn encode_region(
    dst: &mut Vec<u8>,
    region: &[u8],
    record_count: u32,
    first_lsn: Lsn,
    compressor: Option<&dyn Compressor>,
) -> Result<usize> {
    let start = dst.len();
    match compressor {
        None => push_unsealed_frame(dst, region, record_count, first_lsn, 0)?,
        Some(compressor) => {
            let mut packed = Vec::new();
            crate::error::catch_panic("the compressor", || {
                compressor.compress(region, &mut packed)
            })?;
            push_unsealed_frame(dst, &packed, record_count, first_lsn, FLAG_COMPRESSED)?;
        }
    }
    seal_frames(&mut dst[start..]);
    Ok(dst.len() - start)
}

// ---------------------------------------------------------------- decoding

// One bounds check per value; inlined, since records are read in hot loops.
#[inline]
fn read_u16(data: &[u8], at: usize) -> u16 {
    let mut bytes = [0; 2];
    bytes.copy_from_slice(&data[at..at + 2]);
    u16::from_le_bytes(bytes)
}

#[inline]
fn read_u32(data: &[u8], at: usize) -> u32 {
    let mut bytes = [0; 4];
    bytes.copy_from_slice(&data[at..at + 4]);
    u32::from_le_bytes(bytes)
}

#[inline]
fn read_u64(data: &[u8], at: usize) -> u64 {
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&data[at..at + 8]);
    u64::from_le_bytes(bytes)
}

/// Parses the first 24 bytes of `bytes` as a frame header: length, magic,
/// version and `batch_size >= 28`. Does not look past the header.
pub fn parse_header(bytes: &[u8]) -> Result<FrameHeader> {
    if bytes.len() < HEADER_LEN || bytes[0..4] != MAGIC || read_u16(bytes, 4) != VERSION {
        return Err(Error::InvalidRecord);
    }
    let header = FrameHeader {
        flags: read_u16(bytes, 6),
        record_count: read_u32(bytes, 8),
        first_lsn: read_u64(bytes, 12),
        batch_size: read_u32(bytes, 20),
    };
    if header.len() < MIN_FRAME_LEN {
        return Err(Error::InvalidRecord);
    }
    Ok(header)
}

/// Header-only scan of the frame at `data[off..]`: checks there is a header,
/// its magic, version and `batch_size`, and that the whole frame lies within
/// `data`. No CRC: for fast forward scans over data already verified.
pub fn scan_batch_header(data: &[u8], off: usize) -> Result<FrameHeader> {
    let header = parse_header(data.get(off..).ok_or(Error::InvalidRecord)?)?;
    if header.len() > data.len() - off {
        return Err(Error::InvalidRecord);
    }
    Ok(header)
}

/// Checks what a header says of the events themselves: at least one, LSNs
/// from 1 and without overflow.
pub(crate) fn check_lsns(header: &FrameHeader) -> Result<()> {
    let span = u64::from(header.record_count).checked_sub(1);
    match span.and_then(|span| header.first_lsn.checked_add(span)) {
        Some(_) if header.first_lsn >= 1 => Ok(()),
        _ => Err(Error::InvalidRecord),
    }
}

/// The full check of the frame at `data[off..]`, as recovery runs it:
/// header, bounds, CRC, LSNs, and for an uncompressed frame that exactly
/// `record_count` records fill the region.
pub fn check_frame(data: &[u8], off: usize) -> Result<FrameHeader> {
    let header = scan_batch_header(data, off)?;
    let frame = &data[off..off + header.len()];
    let (body, trailer) = frame.split_at(frame.len() - TRAILER_LEN);
    if crc::checksum(body) != read_u32(trailer, 0) {
        return Err(Error::CrcMismatch);
    }
    check_lsns(&header)?;
    if !header.is_compressed() {
        check_records(&body[HEADER_LEN..], header.record_count)?;
    }
    Ok(header)
}

/// Checks that `region` holds exactly `count` well-formed records. Each
/// record takes at least 6 bytes, so the walk ends after at most
/// `region.len() / 6` steps whatever `count` claims.
pub fn check_records(region: &[u8], count: u32) -> Result<()> {
    let mut at = 0usize;
    for _ in 0..count {
        if region.len() - at < RECORD_HEADER_LEN {
            return Err(Error::InvalidRecord);
        }
        let payload_len = read_u32(region, at) as usize;
        let meta_len = usize::from(read_u16(region, at + 4));
        // Checked: on 32-bit targets a hostile payload_len can overflow.
        let body = payload_len
            .checked_add(meta_len)
            .ok_or(Error::InvalidRecord)?;
        if region.len() - at - RECORD_HEADER_LEN < body {
            return Err(Error::InvalidRecord);
        }
        at += RECORD_HEADER_LEN + body;
    }
    if at == region.len() {
        Ok(())
    } else {
        Err(Error::InvalidRecord)
    }
}

/// Decodes the frame at `data[off..]` without copying: the events borrow
/// `data`, or `scratch` when the frame is compressed (it is decompressed
/// there). Checks everything [`check_frame`] checks, then returns the events
/// and the offset of the next frame. Allocates nothing for an uncompressed
/// frame.
pub fn decode_batch_frame_borrowed<'a>(
    data: &'a [u8],
    off: usize,
    compressor: Option<&dyn Compressor>,
    scratch: &'a mut Vec<u8>,
) -> Result<(FrameEvents<'a>, usize)> {
    let header = check_frame(data, off)?;
    let region = &data[off + HEADER_LEN..off + header.len() - TRAILER_LEN];
    let region = open_region(&header, region, compressor, scratch)?;
    Ok((FrameEvents::new(region, &header), off + header.len()))
}

/// The records region of a checked frame, decompressed into `scratch` when
/// compressed (and then checked, since only now can its records be seen).
pub(crate) fn open_region<'a>(
    header: &FrameHeader,
    region: &'a [u8],
    compressor: Option<&dyn Compressor>,
    scratch: &'a mut Vec<u8>,
) -> Result<&'a [u8]> {
    if !header.is_compressed() {
        return Ok(region);
    }
    let compressor = compressor.ok_or(Error::CompressorRequired)?;
    scratch.clear();
    crate::error::catch_panic("the decompressor", || {
        compressor.decompress(region, scratch)
    })?;
    check_records(scratch, header.record_count)?;
    Ok(scratch)
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

/// The `(payload, meta)` pairs of a records region known to be well formed
/// (built by this crate, or passed by [`check_records`]).
#[derive(Debug, Clone)]
pub struct RecordIter<'a> {
    region: &'a [u8],
    left: u32,
}

impl<'a> RecordIter<'a> {
    pub(crate) fn new(region: &'a [u8], count: u32) -> Self {
        RecordIter {
            region,
            left: count,
        }
    }
}

impl<'a> Iterator for RecordIter<'a> {
    type Item = (&'a [u8], Option<&'a [u8]>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 || self.region.len() < RECORD_HEADER_LEN {
            return None;
        }
        let payload_len = read_u32(self.region, 0) as usize;
        let meta_len = usize::from(read_u16(self.region, 4));
        let rest = &self.region[RECORD_HEADER_LEN..];
        if rest.len() < meta_len.checked_add(payload_len)? {
            return None;
        }
        let (meta, rest) = rest.split_at(meta_len);
        let (payload, rest) = rest.split_at(payload_len);
        self.region = rest;
        self.left -= 1;
        Some((payload, (meta_len > 0).then_some(meta)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left as usize))
    }
}

/// The events of one decoded frame, with their LSNs.
#[derive(Debug, Clone)]
pub struct FrameEvents<'a> {
    records: RecordIter<'a>,
    next_lsn: Lsn,
}

impl<'a> FrameEvents<'a> {
    pub(crate) fn new(region: &'a [u8], header: &FrameHeader) -> Self {
        FrameEvents {
            records: RecordIter::new(region, header.record_count),
            next_lsn: header.first_lsn,
        }
    }

    /// Events not yet returned.
    pub fn remaining(&self) -> usize {
        self.records.left as usize
    }
}

impl<'a> Iterator for FrameEvents<'a> {
    type Item = BorrowedEvent<'a>;

    #[inline]
    fn next(&mut self) -> Option<BorrowedEvent<'a>> {
        let (payload, meta) = self.records.next()?;
        let lsn = self.next_lsn;
        // Wrapping: after the frame's last event the value is never used,
        // and that last LSN may be u64::MAX.
        self.next_lsn = self.next_lsn.wrapping_add(1);
        Some(BorrowedEvent { lsn, payload, meta })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.records.size_hint()
    }
}
