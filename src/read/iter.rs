//! `WalIterator`: events in LSN order, borrowed from the map or read buffer.

use super::source::{check_frame_at, is_format_error, Source};
use crate::encoding::{self, BorrowedEvent, HEADER_LEN, RECORD_HEADER_LEN, TRAILER_LEN};
use crate::shared::Shared;
use crate::{Error, Event, Lsn, Result, State};
use std::ops::Range;
use std::sync::Arc;

/// A pull reader over the log, starting at the first event with an LSN at
/// or above the one it was created with.
///
/// It sees every event written before it was created, and picks up events
/// written later as it reaches them. Natively it reads a memory map of the
/// file (remapped as the file grows); elsewhere a bounded read buffer.
/// Events from [`next_borrowed`](Self::next_borrowed) point into that memory
/// and are valid until the next call. Every frame is checked (CRC, bounds)
/// before its events are returned; a bad frame ends the iteration with
/// `Error::Corrupted`, which later calls return again.
pub struct WalIterator {
    shared: Arc<Shared>,
    source: Option<Source>,
    from: Lsn,
    next_frame: u64,
    frame: Option<Frame>,
    scratch: Vec<u8>,
    error: Option<Error>,
}

/// The frame being read.
struct Frame {
    /// File offset of the records region (uncompressed frames).
    region_at: u64,
    region_len: usize,
    compressed: bool,
    pos: usize,
    left: u32,
    next_lsn: Lsn,
}

/// Where the next event lies within the region.
struct Located {
    lsn: Lsn,
    meta: Option<Range<usize>>,
    payload: Range<usize>,
}

impl WalIterator {
    pub(crate) fn new(shared: Arc<Shared>, from: Lsn) -> Result<WalIterator> {
        let source = Source::open(&shared.storage, shared.file_end())?;
        Ok(WalIterator {
            shared,
            source: Some(source),
            from,
            next_frame: 0,
            frame: None,
            scratch: Vec::new(),
            error: None,
        })
    }

    /// The next event, borrowed: no copy, valid until the next call.
    pub fn next_borrowed(&mut self) -> Result<Option<BorrowedEvent<'_>>> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        match self.advance() {
            Ok(Some(located)) => {
                let region = self.region()?;
                Ok(Some(BorrowedEvent {
                    lsn: located.lsn,
                    payload: &region[located.payload],
                    meta: located.meta.map(|meta| &region[meta]),
                }))
            }
            Ok(None) => Ok(None),
            Err(error) => {
                self.error = Some(error.clone());
                Err(error)
            }
        }
    }

    /// The next event, copied into an owned [`Event`].
    // Named like the seeds' API; this is not `std::iter::Iterator`.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Event>> {
        Ok(self.next_borrowed()?.map(|event| event.to_owned()))
    }

    /// The error that ended the iteration, if one did.
    pub fn err(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Releases the map or buffer now (dropping the iterator does too).
    /// Later calls return `Error::Closed`.
    pub fn close(&mut self) -> Result<()> {
        self.source = None;
        self.frame = None;
        self.scratch = Vec::new();
        Ok(())
    }

    /// The records region of the current frame.
    fn region(&mut self) -> Result<&[u8]> {
        let frame = self.frame.as_ref().ok_or(Error::InvalidRecord)?;
        region_of(frame, &mut self.source, &self.scratch)
    }

    /// Finds the next event at or after `from`, loading frames as needed.
    fn advance(&mut self) -> Result<Option<Located>> {
        loop {
            if self.frame.as_ref().is_some_and(|frame| frame.left > 0) {
                let located = self.step()?;
                if located.lsn >= self.from {
                    return Ok(Some(located));
                }
            } else if !self.load_frame()? {
                return Ok(None);
            }
        }
    }

    /// Decodes the record at the current position and moves past it.
    fn step(&mut self) -> Result<Located> {
        let frame = self.frame.as_mut().ok_or(Error::InvalidRecord)?;
        let region = region_of(frame, &mut self.source, &self.scratch)?;
        // The frame was checked when loaded, so the record is whole; `get`
        // keeps a damaged invariant an error rather than a panic.
        let head = region
            .get(frame.pos..frame.pos + RECORD_HEADER_LEN)
            .ok_or(Error::InvalidRecord)?;
        let payload_len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let meta_len = usize::from(u16::from_le_bytes([head[4], head[5]]));
        let meta_at = frame.pos + RECORD_HEADER_LEN;
        let payload_at = meta_at + meta_len;
        let located = Located {
            lsn: frame.next_lsn,
            meta: (meta_len > 0).then_some(meta_at..payload_at),
            payload: payload_at..payload_at + payload_len,
        };
        frame.pos = located.payload.end;
        frame.left -= 1;
        frame.next_lsn = frame.next_lsn.wrapping_add(1);
        Ok(located)
    }

    /// Loads the next frame holding events at or after `from`; false at the
    /// end of the log.
    fn load_frame(&mut self) -> Result<bool> {
        self.frame = None;
        let source = self.source.as_mut().ok_or(Error::Closed)?;
        loop {
            let off = self.next_frame;
            if off >= source.limit() {
                let end = self.shared.file_end();
                if end <= source.limit() || self.shared.state.load() == State::Closed {
                    return Ok(false);
                }
                source.grow(end)?;
            }
            // Frames wholly before `from` are hopped over by their headers:
            // they were checked when the log was opened.
            if let Ok(header) = encoding::parse_header(
                source.get(off, HEADER_LEN.min((source.limit() - off) as usize))?,
            ) {
                if header.last_lsn() < self.from && header.batch_size as u64 <= source.limit() - off
                {
                    self.next_frame = off + header.batch_size as u64;
                    continue;
                }
            }
            let header = match check_frame_at(source, off) {
                Ok(header) => header,
                Err(error) if is_format_error(&error) => {
                    self.shared.report_corruption(off);
                    return Err(Error::Corrupted);
                }
                Err(error) => return Err(error),
            };
            let region_at = off + HEADER_LEN as u64;
            let region_len = header.len() - HEADER_LEN - TRAILER_LEN;
            if header.is_compressed() {
                let region = source.get(region_at, region_len)?;
                let compressor = self.shared.compressor.as_deref();
                let opened = encoding::open_region(&header, region, compressor, &mut self.scratch);
                if let Err(error) = opened {
                    if is_format_error(&error) {
                        self.shared.report_corruption(off);
                        return Err(Error::Corrupted);
                    }
                    return Err(error);
                }
            }
            self.next_frame = off + header.batch_size as u64;
            self.frame = Some(Frame {
                region_at,
                region_len: if header.is_compressed() {
                    self.scratch.len()
                } else {
                    region_len
                },
                compressed: header.is_compressed(),
                pos: 0,
                left: header.record_count,
                next_lsn: header.first_lsn,
            });
            return Ok(true);
        }
    }
}

/// The records region of `frame`: in the decompression buffer, or read from
/// the source (where, after the frame's check, it is already held).
fn region_of<'a>(
    frame: &Frame,
    source: &'a mut Option<Source>,
    scratch: &'a [u8],
) -> Result<&'a [u8]> {
    if frame.compressed {
        return Ok(scratch);
    }
    let source = source.as_mut().ok_or(Error::Closed)?;
    source.get(frame.region_at, frame.region_len)
}
