//! `WalIterator`: events in LSN order, borrowed from the map or read buffer.

mod next_async;

pub use next_async::NextFuture;

use super::ahead::CheckAhead;
use super::source::Source;
use crate::encoding::BorrowedEvent;
use crate::frame::classify_end;
use crate::frame::LogEnd;
use crate::frame::{self, Problem, RecordCursor, Records, HEADER_LEN};
use crate::shared::Shared;
use crate::{Details, Error, Event, Lsn, Result};
use next_async::Waiting;
use std::sync::Arc;
use std::time::Duration;

/// A pull reader over the log, starting at the first event with an LSN at
/// or above the one it was created with.
///
/// It sees every event written before it was created, and picks up events
/// written later as it reaches them. Natively it reads a memory map of the
/// file (remapped as the file grows); elsewhere a bounded read buffer.
/// Events from [`next_borrowed`](Self::next_borrowed) point into that memory
/// and are valid until the next call. Every frame is checked (CRC, bounds,
/// LSN order), those before the starting LSN too, before its events are
/// returned; a bad frame ends the iteration with `Error::Corrupted`, which
/// later calls return again, and [`problem`](Self::problem) says where and
/// what. A zero-filled tail (space preallocated and never filled) is the
/// end of the log, not a bad frame.
///
/// A live reader follows the log as it is written: blocking, with
/// [`next_wait`](Self::next_wait); async, with
/// [`next_async`](Self::next_async), woken by the writer on any executor
/// (with the `stream` feature, the iterator is also a
/// `futures_core::Stream`).
///
/// After the log is shut down or closed, an iterator reads on through
/// everything written before, the events a shutdown's drain wrote
/// included: the log's storage stays readable after its close
/// ([`FileStorage`](crate::FileStorage) and
/// [`MemoryStorage`](crate::MemoryStorage) do; a custom storage that
/// cannot ends the iterator with its `Error::Closed`).
pub struct WalIterator {
    shared: Arc<Shared>,
    source: Option<Source>,
    from: Lsn,
    next_frame: u64,
    frame: Option<Frame>,
    scratch: Vec<u8>,
    error: Option<Error>,
    /// Where and what the bad frame that ended the iteration is.
    bad_frame: Option<BadFrame>,
    /// The error was handed out by `Iterator::next` (which then ends).
    error_told: bool,
    /// The offset of the frame being loaded (where an error stops it).
    stopped_at: u64,
    /// The last LSN of the frame read last: the next must come after it.
    last_lsn: Lsn,
    /// Its place among the async readers waiting for the log to grow.
    waiting: Waiting,
    /// The thread checking frames ahead of this reader, if one runs
    /// (`ahead.rs`).
    ahead: Option<CheckAhead>,
    /// No checker is started for frames below this offset: one was
    /// considered there already.
    ahead_considered_to: u64,
}

impl Drop for WalIterator {
    fn drop(&mut self) {
        // A waker left by `poll_next_event` (or the stream) that was never
        // woken: forgotten with the reader.
        self.forget_waker();
    }
}

/// A frame that failed its check: where it is, what is wrong, and how the
/// log ends from there (as a scan would say: a torn tail, or a corruption
/// when a valid frame follows).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BadFrame {
    /// The offset of the bad bytes in the log.
    pub offset: u64,
    /// What is wrong there.
    pub problem: Problem,
    /// How the log ends there.
    pub end: LogEnd,
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

impl std::fmt::Debug for WalIterator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalIterator")
            .field("from", &self.from)
            .field("next_frame", &self.next_frame)
            .field("error", &self.error)
            .field("bad_frame", &self.bad_frame)
            .finish_non_exhaustive()
    }
}

/// The frame being read.
struct Frame {
    /// File offset of the frame.
    offset: u64,
    /// File offset of the records region (uncompressed frames).
    region_at: u64,
    region_len: usize,
    compressed: bool,
    /// The walk over its records.
    records: RecordCursor,
    next_lsn: Lsn,
}

impl Frame {
    #[inline]
    fn has_next(&self) -> bool {
        self.records.next_at().is_some()
    }
}

impl WalIterator {
    pub(crate) fn new(shared: Arc<Shared>, from: Lsn) -> Result<WalIterator> {
        let source = Source::open(&shared.storage, shared.file_end())?;
        // A log kept as segments begins at its oldest segment held, as the
        // source saw them. Silently starting later than asked would hide a
        // gap from the caller: events from below the first held LSN are
        // gone.
        let start = match source.held() {
            Some(held) if from != 0 && from < held.first_lsn => {
                let details = Details::new().with_lsn(from).with_first_lsn(held.first_lsn);
                return Err(shared.at_path(Error::checkpointed(details)));
            }
            Some(held) => held.start,
            None => 0,
        };
        Ok(WalIterator {
            shared,
            source: Some(source),
            from,
            next_frame: start,
            frame: None,
            scratch: Vec::new(),
            error: None,
            bad_frame: None,
            error_told: false,
            stopped_at: 0,
            last_lsn: 0,
            waiting: Waiting::new(),
            ahead: None,
            ahead_considered_to: 0,
        })
    }

    /// The next event, borrowed: no copy, valid until the next call.
    /// `Ok(None)` at the end of what is written; a later call sees events
    /// written since.
    ///
    /// ```
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-next-borrowed-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = rewal::Wal::open(&path).build()?;
    /// wal.append_with_meta("{\"id\":1}", "type:create")?;
    /// wal.append("{\"id\":2}")?;
    ///
    /// let mut events = wal.iterator(1)?;
    /// let mut creates = 0;
    /// while let Some(event) = events.next_borrowed()? {
    ///     if event.meta == Some(&b"type:create"[..]) {
    ///         creates += 1;
    ///     }
    /// }
    /// assert_eq!(creates, 1);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The error that ends the iteration; every later call returns it
    /// again:
    ///
    /// - `Error::Corrupted` for a frame that fails its check (its CRC, its
    ///   bounds, its LSNs); [`problem`](Self::problem) says where and what;
    /// - `Error::CompressorRequired` for a compressed frame, with no
    ///   compressor;
    /// - the compressor's error for a frame it cannot decompress
    ///   (`Error::Panicked` if it panicked);
    /// - `Error::Closed` after [`close`](Self::close) (this iterator's), or
    ///   from a custom storage that cannot be read once the log is closed;
    /// - an I/O error (or the storage's error) from reading the log: of
    ///   kind `UnexpectedEof` if it shrank under the reader
    ///   (`Error::InvalidRecord` if a storage's map is shorter than the
    ///   log).
    #[inline]
    pub fn next_borrowed(&mut self) -> Result<Option<BorrowedEvent<'_>>> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        match self.position() {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(error) => return Err(self.ended(error)),
        }
        // One lookup of the region per event: decode the record in place.
        let frame = self.frame.as_mut().ok_or_else(|| Error::InvalidRecord)?;
        let region = region_of(frame, &mut self.source, &self.scratch)?;
        let at = frame
            .records
            .next_at()
            .ok_or_else(|| Error::InvalidRecord)? as usize;
        let place = frame
            .records
            .step(&region[at..])
            .map_err(|_| Error::InvalidRecord)?;
        let meta = &region[place.meta.start as usize..place.meta.end as usize];
        let event = BorrowedEvent {
            lsn: frame.next_lsn,
            payload: &region[place.payload.start as usize..place.payload.end as usize],
            meta: (!meta.is_empty()).then_some(meta),
        };
        frame.next_lsn = frame.next_lsn.wrapping_add(1);
        Ok(Some(event))
    }

    /// Calls `f` with every remaining event, a frame at a time: what
    /// `Wal::replay` runs, without the per-event bookkeeping of
    /// `next_borrowed`. Stops at the first error, `f`'s included (as it
    /// is: `E` is the caller's error type).
    pub(crate) fn replay_each<E: From<Error>>(
        &mut self,
        mut f: impl FnMut(BorrowedEvent<'_>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        loop {
            if let Some(error) = &self.error {
                return Err(error.clone().into());
            }
            match self.position() {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(error) => return Err(self.ended(error).into()),
            }
            let frame = self.frame.as_mut().ok_or_else(|| Error::InvalidRecord)?;
            let region = region_of(frame, &mut self.source, &self.scratch)?;
            let at = frame
                .records
                .next_at()
                .ok_or_else(|| Error::InvalidRecord)? as usize;
            let left = frame.records.remaining();
            let mut lsn = frame.next_lsn;
            // The rest of the frame is consumed whatever `f` says.
            frame.records = RecordCursor::new(0, 0);
            for (payload, meta) in Records::new(&region[at..], left) {
                f(BorrowedEvent { lsn, payload, meta })?;
                lsn = lsn.wrapping_add(1);
            }
        }
    }

    /// Like [`next_borrowed`](Self::next_borrowed), but at the end of the
    /// log waits up to `timeout` for the next event to be written: the
    /// writer wakes the reader (no polling). `Ok(None)` if none came in
    /// time, or the log closed (or failed: nothing more will be written).
    /// On targets without threads (wasm32) no writer can come meanwhile,
    /// so it does not wait. (An async task awaits
    /// [`next_async`](Self::next_async) instead.)
    ///
    /// # Errors
    ///
    /// As [`next_borrowed`](Self::next_borrowed); running out of time is
    /// not an error (`Ok(None)`).
    pub fn next_borrowed_wait(&mut self, timeout: Duration) -> Result<Option<BorrowedEvent<'_>>> {
        if self.at_end()? && !self.shared.wait_for_growth(self.next_frame, timeout) {
            return Ok(None);
        }
        self.next_borrowed()
    }

    /// Like [`next`](Self::next), waiting up to `timeout` at the end of the
    /// log (see [`next_borrowed_wait`](Self::next_borrowed_wait)): a reader
    /// that follows the log as it is written.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-next-wait-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = rewal::Wal::open(&path).build()?;
    /// let mut events = wal.iterator(1)?;
    /// assert_eq!(events.next_wait(Duration::from_millis(1))?, None); // nothing yet
    ///
    /// std::thread::scope(|scope| {
    ///     scope.spawn(|| {
    ///         wal.append("arrives later")?;
    ///         wal.flush() // (written at once where there is no writer thread)
    ///     });
    ///     // Woken by the writer when the event is written: no polling.
    ///     let event = events.next_wait(Duration::from_secs(10))?;
    ///     assert_eq!(event.map(|event| event.payload), Some(b"arrives later".to_vec()));
    ///     Ok::<_, rewal::Error>(())
    /// })?;
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`next_borrowed`](Self::next_borrowed); running out of time is
    /// not an error (`Ok(None)`).
    pub fn next_wait(&mut self, timeout: Duration) -> Result<Option<Event>> {
        Ok(self
            .next_borrowed_wait(timeout)?
            .map(|event| Event::from(&event)))
    }

    /// True when every event written so far has been read.
    fn at_end(&mut self) -> Result<bool> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        let has_next = self.frame.as_ref().is_some_and(Frame::has_next);
        Ok(!has_next && self.next_frame >= self.shared.file_end())
    }

    /// The next event, copied into an owned [`Event`]; `Ok(None)` at the
    /// end. (rewal 0.1.0's form; the same iterator is also a
    /// [`std::iter::Iterator`] of `Result<Event>`, for `for` loops and
    /// adapters.)
    ///
    /// ```
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-iter-next-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = rewal::Wal::open(&path).build()?;
    /// wal.append("a")?;
    /// wal.append("b")?;
    ///
    /// let mut events = wal.iterator(1)?;
    /// let mut lsns = Vec::new();
    /// while let Some(event) = events.next()? {
    ///     lsns.push(event.lsn);
    /// }
    /// assert_eq!(lsns, [1, 2]);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`next_borrowed`](Self::next_borrowed).
    // Named like rewal 0.1.0's API, which returns `Result<Option<_>>`.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Event>> {
        Ok(self.next_borrowed()?.map(|event| Event::from(&event)))
    }

    /// File offset just past the last frame read: where the next frame
    /// would begin (0 before any).
    pub fn next_offset(&self) -> u64 {
        self.next_frame
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

    /// The offset of the frame the iteration was reading when an error
    /// ended it (a bad frame, or a compressed one without a compressor),
    /// if one did.
    pub fn stopped_at(&self) -> Option<u64> {
        self.error.as_ref().map(|_| self.stopped_at)
    }

    /// Where the bad frame that ended the iteration is, and what is wrong
    /// with it, when a bad frame did (the error is then
    /// `Error::Corrupted`): what a tool needs to explain the stop without
    /// reading the log again.
    pub fn problem(&self) -> Option<&BadFrame> {
        self.bad_frame.as_ref()
    }

    /// Releases the map or buffer now (dropping the iterator does too).
    /// Later calls return `Error::Closed`.
    ///
    /// # Errors
    ///
    /// None: it always returns `Ok` (the `Result` is rewal 0.1.0's
    /// signature).
    pub fn close(&mut self) -> Result<()> {
        self.ahead = None;
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
            if frame.has_next() && frame.next_lsn >= self.from {
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
                while frame.has_next() && frame.next_lsn < self.from {
                    let region = region_of(frame, &mut self.source, &self.scratch)?;
                    let at = frame
                        .records
                        .next_at()
                        .ok_or_else(|| Error::InvalidRecord)? as usize;
                    frame
                        .records
                        .step(&region[at..])
                        .map_err(|_| Error::InvalidRecord)?;
                    frame.next_lsn = frame.next_lsn.wrapping_add(1);
                }
                if frame.has_next() {
                    return Ok(true);
                }
            }
            if !self.load_frame()? {
                return Ok(false);
            }
        }
    }

    /// Ends the iteration with `error` (kept for every later call), saying
    /// what the reader knows of where: the log's path, and for a
    /// checkpoint that removed segments under it, the LSN it was about to
    /// read and where the log begins now.
    fn ended(&mut self, error: Error) -> Error {
        let error = match error {
            Error::Checkpointed { details } if details.lsn().is_none() => {
                let next = self.from.max(self.last_lsn.saturating_add(1));
                Error::checkpointed(
                    details
                        .with_lsn(next)
                        .with_first_lsn(self.shared.first_lsn()),
                )
            }
            other => other,
        };
        let error = self.shared.at_path(error);
        self.error = Some(error.clone());
        error
    }

    /// Records a bad frame at `offset`: counted, reported to the hooks,
    /// kept for [`problem`](Self::problem); the iteration ends with
    /// `Error::Corrupted`.
    fn bad(&mut self, offset: u64, problem: Problem) -> Result<Error> {
        self.shared.report_corruption(offset, &problem);
        let source = self.source.as_mut().ok_or_else(|| Error::Closed)?;
        // How the log ends from here, and what the bytes are (at the start
        // of a file that is not a log, how it begins).
        // (A reader never judges a power cut: it reads what was written,
        // not what a power cut left; recovery judges that at open.)
        let (end, classified) = classify_end(source, offset, self.last_lsn, problem, None)?;
        let problem = classified.unwrap_or(problem);
        self.bad_frame = Some(BadFrame {
            offset,
            problem,
            end,
        });
        let next_valid = match end {
            LogEnd::Corrupted { next_valid, .. } | LogEnd::PowerCut { next_valid, .. } => {
                next_valid
            }
            _ => None,
        };
        let details = Details::new().with_problem(problem);
        // In a directory, the offsets that help are the segment file's.
        let details = match self
            .shared
            .storage
            .segments()
            .and_then(|s| s.locate(offset))
        {
            Some((segment, start)) => details
                .with_segment(segment)
                .with_offset(offset - start)
                .with_next_valid(next_valid.map(|next| next.saturating_sub(start))),
            None => details.with_offset(offset).with_next_valid(next_valid),
        };
        Ok(Error::corrupted(details))
    }

    /// Loads the next frame holding events at or after `from`; false at the
    /// end of the log.
    fn load_frame(&mut self) -> Result<bool> {
        self.frame = None;
        loop {
            let source = self.source.as_mut().ok_or_else(|| Error::Closed)?;
            let off = self.next_frame;
            self.stopped_at = off;
            if off >= source.limit() {
                // (After a close too: what the drain of a shutdown wrote is
                // read on, the storage stays readable.)
                let end = self.shared.file_end();
                if end <= source.limit() {
                    return Ok(false);
                }
                source.grow(end)?;
            }
            // Every frame is checked, those before `from` too: a damaged
            // length must never make the reader land inside a payload.
            // Here, or already by the checker running ahead.
            if off >= self.ahead_considered_to {
                self.ahead_considered_to = source.limit();
                self.ahead = source
                    .shared_map()
                    .and_then(|map| CheckAhead::start(map, off, source.limit()));
            }
            let checked = match source.mapped() {
                Some(mut bytes) => match self
                    .ahead
                    .as_mut()
                    .and_then(|ahead| ahead.checked_header(bytes, off))
                {
                    Some(header) => Ok(header),
                    None => match frame::check_frame(&mut bytes, off) {
                        Ok(checked) => checked,
                        Err(never) => match never {},
                    },
                },
                None => frame::check_frame(source, off)?,
            };
            let header = match checked {
                Ok(header) if header.first_lsn > self.last_lsn => header,
                Ok(header) => {
                    let problem = Problem::LsnsOutOfOrder {
                        first_lsn: header.first_lsn,
                    };
                    return Err(self.bad(off, problem)?);
                }
                Err(problem) => {
                    // Zeros to the end: space preallocated and not filled
                    // yet, the clean end of the log. The next frame goes
                    // there (a writer fills the zeros in place): the reader
                    // stays at their start, and `next_offset` says where
                    // the frames end.
                    let end = source.limit();
                    if frame::is_zeros(source, off, end)? {
                        return Ok(false);
                    }
                    return Err(self.bad(off, problem)?);
                }
            };
            self.last_lsn = header.last_lsn();
            self.next_frame = off + u64::from(header.batch_size);
            if header.last_lsn() < self.from {
                continue;
            }
            let region_at = off + HEADER_LEN as u64;
            let mut region_len = header.region_len();
            if header.is_compressed() {
                let region = source.get(region_at, region_len)?;
                let compressor = self.shared.compressor.as_deref();
                match frame::open_region(&header, region, compressor, &mut self.scratch)? {
                    Ok(opened) => region_len = opened.len(),
                    // Decompressed, the records do not fill the region.
                    Err(problem) => return Err(self.bad(off, problem)?),
                }
            }
            self.frame = Some(Frame {
                offset: off,
                region_at,
                region_len,
                compressed: header.is_compressed(),
                records: RecordCursor::new(region_len as u64, header.record_count),
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
    let source = source.as_mut().ok_or_else(|| Error::Closed)?;
    source.get(frame.region_at, frame.region_len)
}
