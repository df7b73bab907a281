//! `WalIterator`: events in LSN order, borrowed from the map or read buffer.

use super::source::{check_frame_at, is_format_error, Source};
use crate::encoding::{
    self, BorrowedEvent, RecordIter, HEADER_LEN, RECORD_HEADER_LEN, TRAILER_LEN,
};
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
///
/// After the log is shut down or closed, a native iterator keeps reading
/// its map (everything written before); one that reads through the buffer
/// (wasm32, custom storages) gets `Error::Closed` when it next needs to
/// read, since the storage is closed.
pub struct WalIterator {
    shared: Arc<Shared>,
    source: Option<Source>,
    from: Lsn,
    next_frame: u64,
    frame: Option<Frame>,
    scratch: Vec<u8>,
    error: Option<Error>,
    /// The error was handed out by `Iterator::next` (which then ends).
    error_told: bool,
    /// The last LSN of the frame read last: the next must come after it.
    last_lsn: Lsn,
}

/// Owned events, in LSN order: `for event in wal.iterator(lsn)? { let
/// event = event?; … }`. An error is yielded once, then the iteration ends
/// (the inherent [`WalIterator::next`] returns it again on every call).
impl Iterator for WalIterator {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Result<Event>> {
        if self.error_told {
            return None;
        }
        match WalIterator::next(self) {
            Ok(event) => event.map(Ok),
            Err(error) => {
                self.error_told = true;
                Some(Err(error))
            }
        }
    }
}

impl std::iter::FusedIterator for WalIterator {}

/// The frame being read.
struct Frame {
    /// File offset of the frame.
    offset: u64,
    /// File offset of the records region (uncompressed frames).
    region_at: u64,
    region_len: usize,
    compressed: bool,
    pos: usize,
    left: u32,
    next_lsn: Lsn,
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
            error_told: false,
            last_lsn: 0,
        })
    }

    /// The next event, borrowed: no copy, valid until the next call.
    pub fn next_borrowed(&mut self) -> Result<Option<BorrowedEvent<'_>>> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        match self.position() {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(error) => {
                self.error = Some(error.clone());
                return Err(error);
            }
        }
        // One lookup of the region per event: decode the record in place.
        let frame = self.frame.as_mut().ok_or(Error::InvalidRecord)?;
        let region = region_of(frame, &mut self.source, &self.scratch)?;
        let (meta, payload) = record_at(region, frame.pos).ok_or(Error::InvalidRecord)?;
        let event = BorrowedEvent {
            lsn: frame.next_lsn,
            payload: &region[payload.clone()],
            meta: meta.map(|meta| &region[meta]),
        };
        frame.pos = payload.end;
        frame.left -= 1;
        frame.next_lsn = frame.next_lsn.wrapping_add(1);
        Ok(Some(event))
    }

    /// Calls `f` with every remaining event, a frame at a time: what
    /// `Wal::replay` runs, without the per-event bookkeeping of
    /// `next_borrowed`. Stops at the first error, `f`'s included.
    pub(crate) fn replay_each(
        &mut self,
        mut f: impl FnMut(BorrowedEvent<'_>) -> Result<()>,
    ) -> Result<()> {
        loop {
            if let Some(error) = &self.error {
                return Err(error.clone());
            }
            match self.position() {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(error) => {
                    self.error = Some(error.clone());
                    return Err(error);
                }
            }
            let frame = self.frame.as_mut().ok_or(Error::InvalidRecord)?;
            let region = region_of(frame, &mut self.source, &self.scratch)?;
            let records = region.get(frame.pos..).ok_or(Error::InvalidRecord)?;
            let (mut lsn, left) = (frame.next_lsn, frame.left);
            // The rest of the frame is consumed whatever `f` says.
            frame.left = 0;
            for (payload, meta) in RecordIter::new(records, left) {
                f(BorrowedEvent { lsn, payload, meta })?;
                lsn = lsn.wrapping_add(1);
            }
        }
    }

    /// The next event, copied into an owned [`Event`]; `Ok(None)` at the
    /// end. (The seeds' form; the same iterator is also a
    /// [`std::iter::Iterator`] of `Result<Event>`, for `for` loops and
    /// adapters.)
    // Named like the seeds' API, which returns `Result<Option<_>>`.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Event>> {
        Ok(self.next_borrowed()?.map(|event| Event::from(&event)))
    }

    /// File offset of the frame holding the event returned last (0 before
    /// the first).
    pub fn frame_offset(&self) -> u64 {
        self.frame.as_ref().map_or(0, |frame| frame.offset)
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

    /// Moves to the next event at or after `from`, loading frames as
    /// needed; false at the end of the log.
    #[inline]
    fn position(&mut self) -> Result<bool> {
        // The common case, kept small enough to inline: the current frame
        // has the next event.
        if let Some(frame) = &self.frame {
            if frame.left > 0 && frame.next_lsn >= self.from {
                return Ok(true);
            }
        }
        self.advance()
    }

    /// [`position`](Self::position)'s slow path: skips events before `from`
    /// and loads frames.
    #[inline(never)]
    fn advance(&mut self) -> Result<bool> {
        loop {
            if let Some(frame) = self.frame.as_mut() {
                while frame.left > 0 && frame.next_lsn < self.from {
                    let region = region_of(frame, &mut self.source, &self.scratch)?;
                    let (_, payload) = record_at(region, frame.pos).ok_or(Error::InvalidRecord)?;
                    frame.pos = payload.end;
                    frame.left -= 1;
                    frame.next_lsn = frame.next_lsn.wrapping_add(1);
                }
                if frame.left > 0 {
                    return Ok(true);
                }
            }
            if !self.load_frame()? {
                return Ok(false);
            }
        }
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
            // Every frame is checked, those before `from` too: a damaged
            // length must never make the reader land inside a payload.
            let header = match check_frame_at(source, off) {
                Ok(header) if header.first_lsn > self.last_lsn => header,
                Ok(_) => {
                    self.shared.report_corruption(off);
                    return Err(Error::Corrupted);
                }
                Err(error) if is_format_error(&error) => {
                    // Zeros to the end: space preallocated and not filled
                    // yet, the clean end of the log.
                    let end = source.limit();
                    if source.is_zeros(off, end)? {
                        self.next_frame = end;
                        return Ok(false);
                    }
                    self.shared.report_corruption(off);
                    return Err(Error::Corrupted);
                }
                Err(error) => return Err(error),
            };
            self.last_lsn = header.last_lsn();
            self.next_frame = off + header.batch_size as u64;
            if header.last_lsn() < self.from {
                continue;
            }
            let region_at = off + HEADER_LEN as u64;
            let mut region_len = header.len() - HEADER_LEN - TRAILER_LEN;
            if header.is_compressed() {
                let region = source.get(region_at, region_len)?;
                let compressor = self.shared.compressor.as_deref();
                match encoding::open_region(&header, region, compressor, &mut self.scratch) {
                    Ok(opened) => region_len = opened.len(),
                    Err(error) if is_format_error(&error) => {
                        self.shared.report_corruption(off);
                        return Err(Error::Corrupted);
                    }
                    Err(error) => return Err(error),
                }
            }
            self.frame = Some(Frame {
                offset: off,
                region_at,
                region_len,
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
#[inline]
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

/// The meta and payload ranges of the record at `pos` of a checked region;
/// `None` only if that check's guarantee were broken.
#[inline]
fn record_at(region: &[u8], pos: usize) -> Option<(Option<Range<usize>>, Range<usize>)> {
    let head = region.get(pos..pos.checked_add(RECORD_HEADER_LEN)?)?;
    let payload_len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let meta_len = usize::from(u16::from_le_bytes([head[4], head[5]]));
    let meta_at = pos + RECORD_HEADER_LEN;
    let payload_at = meta_at + meta_len;
    let payload = payload_at..payload_at.checked_add(payload_len)?;
    if payload.end > region.len() {
        return None;
    }
    Some(((meta_len > 0).then_some(meta_at..payload_at), payload))
}
