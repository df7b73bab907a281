//! Building frames: records, then a header and a CRC around them.
//!
//! The append path encodes frames with their CRC left zero
//! ([`push_unsealed_frame`], [`push_unsealed_single`]), under the queue's
//! lock; the writer seals them ([`seal`]) off the appenders' path.

use super::header::{FrameHeader, FLAG_COMPRESSED, HEADER_LEN, MIN_FRAME_LEN, TRAILER_LEN};
use super::records::RECORD_HEADER_LEN;
use crate::error::catch_panic;
use crate::plugins::Compressor;
use crate::{crc, Batch, Error, Lsn, Result};

/// Appends one record (`payload_len`, `meta_len`, meta, payload) to `dst`.
/// Refuses, leaving `dst` as it was, a meta over 65 535 bytes or a payload
/// over `u32::MAX` bytes.
///
/// # Errors
///
/// `Error::TooLarge` for such a meta or payload.
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
        .ok_or_else(|| Error::TooLarge)
}

/// Appends the header of a frame to `dst`, reserving room for the rest.
fn push_header(dst: &mut Vec<u8>, header: &FrameHeader) {
    let start = dst.len();
    dst.reserve(header.len());
    dst.resize(start + HEADER_LEN, 0);
    header.write(&mut dst[start..]);
}

/// Appends a frame around an already encoded records `region` to `dst`,
/// with its CRC left zero (see [`seal`]).
pub(crate) fn push_unsealed_frame(
    dst: &mut Vec<u8>,
    region: &[u8],
    record_count: u32,
    first_lsn: Lsn,
    flags: u16,
) -> Result<()> {
    let header = FrameHeader {
        flags,
        record_count,
        first_lsn,
        batch_size: frame_len(region.len())?,
    };
    push_header(dst, &header);
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
    let header = FrameHeader {
        flags: 0,
        record_count: 1,
        first_lsn: lsn,
        batch_size: frame_len(RECORD_HEADER_LEN + meta.len() + payload.len())?,
    };
    let payload_len = u32::try_from(payload.len()).map_err(|_| Error::TooLarge)?;
    let meta_len = u16::try_from(meta.len()).map_err(|_| Error::TooLarge)?;
    push_header(dst, &header);
    dst.extend_from_slice(&payload_len.to_le_bytes());
    dst.extend_from_slice(&meta_len.to_le_bytes());
    dst.extend_from_slice(meta);
    dst.extend_from_slice(payload);
    dst.extend_from_slice(&[0; TRAILER_LEN]);
    Ok(())
}

/// Computes and stores the CRC of one whole frame, built by this crate.
#[inline]
pub(crate) fn seal(frame: &mut [u8]) {
    let (body, trailer) = frame.split_at_mut(frame.len() - TRAILER_LEN);
    trailer.copy_from_slice(&crc::checksum(body).to_le_bytes());
}

/// Encodes `batch` as one sealed frame appended to `dst`, compressed when a
/// compressor is given (every frame is then compressed, as rewal 0.1.0
/// does). Returns the frame's length. `dst` is reused: nothing is allocated
/// once it has grown.
///
/// # Errors
///
/// `Error::EmptyBatch` for a batch without events; `Error::TooLarge` for a
/// batch with an event too large for a record (see [`push_record`]) or a
/// frame that would pass `u32::MAX` bytes; the compressor's error
/// (`Error::Panicked` if it panicked). `dst` is then left as it was.
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
///
/// # Errors
///
/// `Error::TooLarge` for a meta over 65 535 bytes or a frame that would
/// pass `u32::MAX` bytes; the compressor's error (`Error::Panicked` if it
/// panicked). `dst` is then left as it was.
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
        seal(&mut dst[start..]);
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
            catch_panic("the compressor", || {
                compressor.compress(region, &mut packed)
            })?;
            push_unsealed_frame(dst, &packed, record_count, first_lsn, FLAG_COMPRESSED)?;
        }
    }
    seal(&mut dst[start..]);
    Ok(dst.len() - start)
}
