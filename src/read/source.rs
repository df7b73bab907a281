//! Where readers get bytes: a memory map of the storage when it offers one,
//! otherwise a bounded read buffer filled with `Storage::read_at`.
//!
//! The read buffer holds at most the current frame plus a window, so reading
//! a log far larger than memory needs memory in the order of its largest
//! frame. Checks of frames larger than the window stream through it, so even
//! a hostile length claim costs no more than the window to verify.

use crate::encoding::{self, FrameHeader, HEADER_LEN, RECORD_HEADER_LEN, TRAILER_LEN};
use crate::storage::{Mapped, SharedStorage};
use crate::{crc, Error, Result};

/// How much the read buffer reads ahead, and the chunk size of streamed
/// checks. 1 MiB: under wasmtime a 1 MiB read copies about 1.6 times as
/// fast as a 256 KiB one (`examples/wasi_bench.rs`), and it is still small
/// beside any wasm instance's memory.
pub(crate) const WINDOW: usize = 1024 * 1024;

/// Readable bytes `[0, limit)` of a storage.
pub(crate) struct Source {
    storage: SharedStorage,
    limit: u64,
    view: View,
}

enum View {
    Mapped(Box<dyn Mapped>),
    Buffered(ReadBuffer),
}

impl Source {
    /// A source over the first `limit` bytes of `storage`: mapped if the
    /// storage maps, buffered otherwise.
    pub(crate) fn open(storage: &SharedStorage, limit: u64) -> Result<Source> {
        let view = match storage.map(limit)? {
            Some(map) => View::Mapped(map),
            None => View::Buffered(ReadBuffer::default()),
        };
        Ok(Source {
            storage: storage.clone(),
            limit,
            view,
        })
    }

    /// The end of the readable bytes.
    pub(crate) fn limit(&self) -> u64 {
        self.limit
    }

    /// True when reads are served from a memory map.
    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self.view, View::Mapped(_))
    }

    /// Extends the readable bytes to `limit` (the log grew): a new map, or
    /// simply a larger bound for the buffer.
    pub(crate) fn grow(&mut self, limit: u64) -> Result<()> {
        if limit <= self.limit {
            return Ok(());
        }
        if let View::Mapped(map) = &mut self.view {
            if let Some(bigger) = self.storage.map(limit)? {
                *map = bigger;
            }
        }
        self.limit = limit;
        Ok(())
    }

    /// True when every byte of `[from, to)` is zero: read a window at a
    /// time, so a large zero tail costs no memory.
    pub(crate) fn is_zeros(&mut self, from: u64, to: u64) -> Result<bool> {
        // Compared a block at a time with a block of zeros: `==` on byte
        // slices is a `memcmp`, fast even in a debug build.
        const ZEROS: [u8; 4096] = [0; 4096];
        let mut at = from;
        while at < to {
            let n = (to - at).min(ZEROS.len() as u64) as usize;
            if self.get(at, n)? != &ZEROS[..n] {
                return Ok(false);
            }
            at += n as u64;
        }
        Ok(true)
    }

    /// The bytes `[off, off + len)`, which must lie below the limit.
    #[inline]
    pub(crate) fn get(&mut self, off: u64, len: usize) -> Result<&[u8]> {
        let end = off.checked_add(len as u64).ok_or(Error::InvalidRecord)?;
        if end > self.limit {
            return Err(Error::InvalidRecord);
        }
        match &mut self.view {
            View::Mapped(map) => {
                let bytes = map.bytes();
                // The map covers at least `limit` bytes unless the storage
                // shrank under us; report that rather than slicing past it.
                bytes
                    .get(off as usize..end as usize)
                    .ok_or(Error::InvalidRecord)
            }
            View::Buffered(buffer) => {
                if !buffer.holds(off, end) {
                    buffer.refill(&self.storage, off, len, self.limit)?;
                }
                let at = (off - buffer.start) as usize;
                Ok(&buffer.memory[at..at + len])
            }
        }
    }
}

/// A window of the storage: `memory[..held]` holds the bytes from `start`.
/// `memory` only grows (zeroed once), so refills copy the file's bytes in
/// and nothing else.
#[derive(Default)]
struct ReadBuffer {
    memory: Vec<u8>,
    start: u64,
    held: usize,
}

impl ReadBuffer {
    fn holds(&self, off: u64, end: u64) -> bool {
        off >= self.start && end <= self.start + self.held as u64
    }

    /// Makes the buffer hold `[off, off + max(len, WINDOW))`, clipped to
    /// `limit`, keeping what it already has from `off` on.
    fn refill(&mut self, storage: &SharedStorage, off: u64, len: usize, limit: u64) -> Result<()> {
        let want = (limit - off).min(len.max(WINDOW) as u64) as usize;
        let keep = if off >= self.start && off < self.start + self.held as u64 {
            let skip = (off - self.start) as usize;
            self.memory.copy_within(skip..self.held, 0);
            self.held - skip
        } else {
            0
        };
        self.start = off;
        if self.memory.len() < want {
            self.memory.resize(want, 0);
        } else if self.memory.len() > 4 * WINDOW && want <= WINDOW {
            // After a huge frame, give the memory back.
            self.memory.truncate(WINDOW);
            self.memory.shrink_to_fit();
        }
        self.held = keep.min(self.memory.len());
        if self.held < want {
            let target = &mut self.memory[self.held..want];
            storage.read_exact_at(target, off + self.held as u64)?;
            self.held = want;
        }
        Ok(())
    }
}

/// Bytes to check: a [`Source`] (which may fail to read) or, in
/// `diagnose`, a slice (which cannot), so one check serves both without
/// copying a slice into a storage.
pub(crate) trait Bytes {
    type Error;
    /// The end of the bytes.
    fn limit(&self) -> u64;
    /// `[off, off + len)`, which lies below the limit.
    fn get(&mut self, off: u64, len: usize) -> std::result::Result<&[u8], Self::Error>;
}

impl Bytes for Source {
    type Error = Error;

    fn limit(&self) -> u64 {
        Source::limit(self)
    }

    fn get(&mut self, off: u64, len: usize) -> Result<&[u8]> {
        Source::get(self, off, len)
    }
}

/// The CRC-32C of `[from, to)`, a window at a time: a frame of any size
/// costs no more memory than the window.
pub(crate) fn streamed_crc<B: Bytes>(
    bytes: &mut B,
    from: u64,
    to: u64,
) -> std::result::Result<u32, B::Error> {
    streamed_crc_from(bytes, 0, from, to)
}

/// [`streamed_crc`], continuing from `crc`, the CRC of the bytes before.
pub(crate) fn streamed_crc_from<B: Bytes>(
    bytes: &mut B,
    mut crc: u32,
    from: u64,
    to: u64,
) -> std::result::Result<u32, B::Error> {
    let mut at = from;
    while at < to {
        let n = (to - at).min(WINDOW as u64) as usize;
        crc = crc::update(crc, bytes.get(at, n)?);
        at += n as u64;
    }
    Ok(crc)
}

/// True for format errors (the bytes are not a valid frame), false for
/// errors of the storage itself, which must be reported, not classified.
pub(crate) fn is_format_error(error: &Error) -> bool {
    matches!(error, Error::InvalidRecord | Error::CrcMismatch)
}

/// Fully checks the frame at `off` (as `encoding::check_frame` does), with
/// bounded memory: frames larger than the window are checked in chunks.
pub(crate) fn check_frame_at(source: &mut Source, off: u64) -> Result<FrameHeader> {
    let available = source.limit().saturating_sub(off);
    if source.is_mapped() {
        // Everything is at hand: one slice, one parse of the header.
        let available = usize::try_from(available).map_err(|_| Error::InvalidRecord)?;
        return encoding::check_frame(source.get(off, available)?, 0);
    }
    if available < HEADER_LEN as u64 {
        return Err(Error::InvalidRecord);
    }
    let header = encoding::parse_header(source.get(off, HEADER_LEN)?)?;
    if header.batch_size as u64 > available {
        return Err(Error::InvalidRecord);
    }
    if header.len() <= WINDOW {
        let frame = source.get(off, header.len())?;
        return encoding::check_frame(frame, 0);
    }
    // Stream the CRC, then walk the records, a window at a time.
    let body_end = off + (header.len() - TRAILER_LEN) as u64;
    let crc = streamed_crc(source, off, body_end)?;
    let stored = source.get(body_end, TRAILER_LEN)?;
    if crc != u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]) {
        return Err(Error::CrcMismatch);
    }
    encoding::check_lsns(&header)?;
    if !header.is_compressed() {
        check_records_at(
            source,
            off + HEADER_LEN as u64,
            body_end,
            header.record_count,
        )?;
    }
    Ok(header)
}

/// `encoding::check_records` over `[start, end)` of a source, reading only
/// the record headers.
fn check_records_at(source: &mut Source, start: u64, end: u64, count: u32) -> Result<()> {
    let mut at = start;
    for _ in 0..count {
        if end - at < RECORD_HEADER_LEN as u64 {
            return Err(Error::InvalidRecord);
        }
        let head = source.get(at, RECORD_HEADER_LEN)?;
        let payload_len = u64::from(u32::from_le_bytes([head[0], head[1], head[2], head[3]]));
        let meta_len = u64::from(u16::from_le_bytes([head[4], head[5]]));
        let body = payload_len + meta_len;
        if end - at - (RECORD_HEADER_LEN as u64) < body {
            return Err(Error::InvalidRecord);
        }
        at += RECORD_HEADER_LEN as u64 + body;
    }
    if at == end {
        Ok(())
    } else {
        Err(Error::InvalidRecord)
    }
}
