//! Where readers get bytes: a memory map of the storage when it offers one,
//! otherwise a bounded read buffer filled with `Storage::read_at`.
//!
//! The read buffer holds at most the current frame plus a window, so reading
//! a log far larger than memory needs memory in the order of its largest
//! frame. Checks of frames larger than the window stream through it, so even
//! a hostile length claim costs no more than the window to verify.

use crate::error::catch_panic;
use crate::frame::Bytes;
use crate::storage::segments::Part;
use crate::storage::{self, read_exact, Held, Mapped, ReadStorage, SharedStorage};
use crate::{Error, Result};
use std::sync::Arc;

/// How much the read buffer reads ahead: the frame checker's window (1 MiB:
/// under wasmtime a 1 MiB read copies about 1.6 times as fast as a 256 KiB
/// one, `tests/programs/wasi_bench.rs`, and it is still small beside any wasm
/// instance's memory).
pub(crate) use crate::frame::WINDOW;

/// Where a source's bytes come from: the log's own storage (one storage,
/// or its segments), or any reader of bytes (a tool's, [`Plain`]).
pub(crate) trait Backing {
    /// How a reader of the first `limit` bytes sees them, and, for
    /// segments, where they begin.
    fn view(&self, limit: u64) -> Result<(storage::View, Option<Held>)>;
    /// For segments: extends a view's parts to `limit` (see
    /// `Segments::extend_view`).
    fn extend_view(&self, _parts: &mut Vec<Part>, _limit: u64) -> Result<bool> {
        Ok(false)
    }
    /// Reads exactly `buf.len()` bytes at `offset`.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<()>;
}

impl Backing for SharedStorage {
    fn view(&self, limit: u64) -> Result<(storage::View, Option<Held>)> {
        SharedStorage::view(self, limit)
    }

    fn extend_view(&self, parts: &mut Vec<Part>, limit: u64) -> Result<bool> {
        SharedStorage::extend_view(self, parts, limit)
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<()> {
        SharedStorage::read_exact_at(self, buf, offset)
    }
}

/// Any reader of a log's bytes, as a source's backing: what the tools of
/// `inspect` read through (no segments, no writes, no `Send`). Its calls
/// are guarded against panics, as a log's storage's are.
pub(crate) struct Plain<R>(pub(crate) R);

impl<R: ReadStorage> Backing for Plain<R> {
    fn view(&self, limit: u64) -> Result<(storage::View, Option<Held>)> {
        let map = catch_panic("the storage's map", || self.0.map(limit))?;
        Ok((
            map.map_or(storage::View::Unmapped, storage::View::Whole),
            None,
        ))
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<()> {
        catch_panic("the storage's read_at", || {
            read_exact(buf, offset, |buf, at| self.0.read_at(buf, at))
        })
    }
}

/// Readable bytes `[0, limit)` of a storage.
pub(crate) struct Source<B: Backing = SharedStorage> {
    storage: B,
    limit: u64,
    view: View,
    /// For segments: where the log this source sees begins.
    held: Option<Held>,
}

enum View {
    /// The whole log in one map (shared with a checker running ahead of
    /// the reader, `ahead.rs`).
    Mapped(Arc<dyn Mapped>),
    /// A map per segment (frames never span two; a read that does is
    /// assembled in `spanning`).
    Parts {
        parts: Vec<Part>,
        spanning: Vec<u8>,
    },
    Buffered(ReadBuffer),
}

impl View {
    fn from(view: storage::View) -> View {
        match view {
            storage::View::Whole(map) => View::Mapped(Arc::from(map)),
            storage::View::Parts(parts) => View::Parts {
                parts,
                spanning: Vec::new(),
            },
            storage::View::Unmapped => View::Buffered(ReadBuffer::default()),
        }
    }
}

impl Source {
    /// A source over the first `limit` bytes of the log's `storage`:
    /// mapped if the storage maps, buffered otherwise.
    pub(crate) fn open(storage: &SharedStorage, limit: u64) -> Result<Source> {
        Source::over(storage.clone(), limit)
    }
}

impl<B: Backing> Source<B> {
    /// A source over the first `limit` bytes of `storage`: mapped if it
    /// maps, buffered otherwise.
    pub(crate) fn over(storage: B, limit: u64) -> Result<Source<B>> {
        let (view, held) = storage.view(limit)?;
        Ok(Source {
            storage,
            limit,
            view: View::from(view),
            held,
        })
    }

    /// The end of the readable bytes.
    pub(crate) fn limit(&self) -> u64 {
        self.limit
    }

    /// For segments: where the log this source sees begins (its first LSN
    /// and offset), as it was when the source was opened.
    pub(crate) fn held(&self) -> Option<Held> {
        self.held
    }

    /// True when reads are served from one memory map of the whole log.
    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self.view, View::Mapped(_))
    }

    /// Extends the readable bytes to `limit` (the log grew): a new map, or
    /// simply a larger bound for the buffer. For segments, the newest
    /// segment seen is mapped again (it grew) and the ones after it added;
    /// those before it are let go (a reader moves forwards only, and it
    /// calls this at the end of what it holds). A segment removed by a
    /// checkpoint before this reader could map all of it ends the reader
    /// with `Error::Checkpointed`.
    pub(crate) fn grow(&mut self, limit: u64) -> Result<()> {
        if limit <= self.limit {
            return Ok(());
        }
        match &mut self.view {
            View::Buffered(_) => {}
            View::Mapped(_) => {
                let (view, _) = self.storage.view(limit)?;
                self.view = View::from(view);
            }
            View::Parts { parts, .. } if parts.is_empty() => {
                let (view, _) = self.storage.view(limit)?;
                self.view = View::from(view);
            }
            View::Parts { parts, .. } => {
                if !self.storage.extend_view(parts, limit)? {
                    self.view = View::Buffered(ReadBuffer::default());
                }
            }
        }
        self.limit = limit;
        Ok(())
    }

    /// All the readable bytes, when they are mapped (the fast path of the
    /// frame checker: one slice, no dispatch per read).
    #[inline]
    pub(crate) fn mapped(&self) -> Option<&[u8]> {
        match &self.view {
            View::Mapped(map) => map.bytes().get(..self.limit as usize),
            View::Parts { .. } | View::Buffered(_) => None,
        }
    }

    /// The map of the whole log, to share, when reads are served from one.
    pub(crate) fn shared_map(&self) -> Option<Arc<dyn Mapped>> {
        match &self.view {
            View::Mapped(map) => Some(Arc::clone(map)),
            View::Parts { .. } | View::Buffered(_) => None,
        }
    }

    /// The bytes `[off, off + len)`, which must lie below the limit.
    #[inline]
    pub(crate) fn get(&mut self, off: u64, len: usize) -> Result<&[u8]> {
        let end = off
            .checked_add(len as u64)
            .ok_or_else(|| Error::InvalidRecord)?;
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
                    .ok_or_else(|| Error::InvalidRecord)
            }
            View::Parts { parts, spanning } => read_parts(parts, spanning, off, end),
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

/// `[off, end)` of the log from its segments' maps: a slice of one map, or,
/// for the rare read across a boundary (a search for frames, a check for
/// zeros), the pieces copied into `spanning`.
fn read_parts<'a>(
    parts: &'a [Part],
    spanning: &'a mut Vec<u8>,
    off: u64,
    end: u64,
) -> Result<&'a [u8]> {
    let first = parts.partition_point(|part| part.start + part.map.bytes().len() as u64 <= off);
    // Below the first part: a part let go, or never mapped because a
    // checkpoint removed its segment first.
    let part = parts
        .get(first)
        .filter(|part| part.start <= off)
        .ok_or_else(|| Error::checkpointed(crate::Details::new()))?;
    let bytes = part.map.bytes();
    let local = (off - part.start) as usize;
    if end <= part.start + bytes.len() as u64 {
        return bytes
            .get(local..(end - part.start) as usize)
            .ok_or_else(|| Error::InvalidRecord);
    }
    spanning.clear();
    let mut at = off;
    for part in &parts[first..] {
        let bytes = part.map.bytes();
        let from = (at - part.start) as usize;
        let to = ((end - part.start) as usize).min(bytes.len());
        spanning.extend_from_slice(bytes.get(from..to).ok_or_else(|| Error::InvalidRecord)?);
        at = part.start + to as u64;
        if at >= end {
            return Ok(spanning);
        }
    }
    Err(Error::InvalidRecord)
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
    fn refill(&mut self, storage: &impl Backing, off: u64, len: usize, limit: u64) -> Result<()> {
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

impl<B: Backing> Bytes for Source<B> {
    type Error = Error;

    #[inline]
    fn limit(&self) -> u64 {
        Source::limit(self)
    }

    #[inline]
    fn get(&mut self, off: u64, len: usize) -> Result<&[u8]> {
        Source::get(self, off, len)
    }
}

/// The bytes of a log in any storage, at any offset, read the way rewal
/// reads: in place when the storage maps, otherwise through a bounded read
/// buffer (the current read plus a 1 MiB window), so that a tool can page
/// through a log far larger than its memory.
pub struct StorageReader<R: ReadStorage> {
    source: Source<Plain<R>>,
}

impl<R: ReadStorage> StorageReader<R> {
    /// A reader over the first `len` bytes of `storage`.
    ///
    /// # Errors
    ///
    /// The storage's error, if mapping it fails.
    pub fn new(storage: R, len: u64) -> Result<StorageReader<R>> {
        Ok(StorageReader {
            source: Source::over(Plain(storage), len)?,
        })
    }

    /// The number of readable bytes.
    pub fn len(&self) -> u64 {
        self.source.limit()
    }

    /// True when there is nothing to read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes `[off, off + len)`.
    ///
    /// # Errors
    ///
    /// `Error::InvalidRecord` for a range past the readable bytes; the
    /// storage's error if reading fails (an I/O error of kind
    /// `UnexpectedEof` if it has shrunk).
    pub fn get(&mut self, off: u64, len: usize) -> Result<&[u8]> {
        self.source.get(off, len)
    }
}

impl<R: ReadStorage> std::fmt::Debug for StorageReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageReader")
            .field("len", &self.len())
            .field("mapped", &self.source.is_mapped())
            .finish()
    }
}
