//! Reading checked frames: the records region (decompressed when it is
//! compressed) and its events, borrowed.

use super::check::{check_frame, Problem};
use super::header::{FrameHeader, HEADER_LEN, TRAILER_LEN};
use super::records::{check_records, Records};
use crate::error::catch_panic;
use crate::plugins::Compressor;
use crate::{BorrowedEvent, Error, Lsn, Result};

/// The records region of a checked frame, decompressed into `scratch` when
/// compressed (and then checked, since only now can its records be seen:
/// the inner `Err` is what is wrong with them). The outer `Err` is the
/// compressor's: none given, or it failed.
pub(crate) fn open_region<'a>(
    header: &FrameHeader,
    region: &'a [u8],
    compressor: Option<&dyn Compressor>,
    scratch: &'a mut Vec<u8>,
) -> Result<std::result::Result<&'a [u8], Problem>> {
    if !header.is_compressed() {
        return Ok(Ok(region));
    }
    let compressor = compressor.ok_or_else(|| Error::CompressorRequired)?;
    scratch.clear();
    catch_panic("the decompressor", || {
        compressor.decompress(region, scratch)
    })?;
    Ok(check_records(scratch, header.record_count).map(|()| &scratch[..]))
}

/// Checks and decodes the frame at `data[off..]` without copying: the
/// events borrow `data`, or `scratch` when the frame is compressed.
/// Returns the events and the offset of the next frame.
pub(crate) fn decode_frame<'a>(
    data: &'a [u8],
    off: usize,
    compressor: Option<&dyn Compressor>,
    scratch: &'a mut Vec<u8>,
) -> Result<(FrameEvents<'a>, usize)> {
    let header = checked(data, off)?;
    let region = &data[off + HEADER_LEN..off + header.len() - TRAILER_LEN];
    let region = open_region(&header, region, compressor, scratch)?.map_err(Error::from)?;
    Ok((FrameEvents::new(region, &header), off + header.len()))
}

/// The header of the valid frame at `data[off..]`, or its problem as the
/// rewal 0.1.0's error (`CrcMismatch` or `InvalidRecord`).
pub(crate) fn checked(data: &[u8], off: usize) -> Result<FrameHeader> {
    let mut bytes = data.get(off..).ok_or_else(|| Error::InvalidRecord)?;
    match check_frame(&mut bytes, 0) {
        Ok(verdict) => verdict.map_err(Error::from),
        Err(never) => match never {},
    }
}

impl From<Problem> for Error {
    /// The rewal 0.1.0's error for a bad frame: `CrcMismatch` for a damaged CRC,
    /// `InvalidRecord` for anything else.
    fn from(problem: Problem) -> Error {
        if problem.is_crc_mismatch() {
            Error::CrcMismatch
        } else {
            Error::InvalidRecord
        }
    }
}

/// The events of one decoded frame, with their LSNs.
#[derive(Debug, Clone)]
pub struct FrameEvents<'a> {
    records: Records<'a>,
    next_lsn: Lsn,
}

impl<'a> FrameEvents<'a> {
    /// The events of the records `region` of a frame with `header`.
    pub fn new(region: &'a [u8], header: &FrameHeader) -> Self {
        FrameEvents {
            records: Records::new(region, header.record_count),
            next_lsn: header.first_lsn,
        }
    }

    /// Events not yet returned.
    pub fn remaining(&self) -> usize {
        self.records.remaining()
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
