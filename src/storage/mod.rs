//! Where the log's bytes live: the `Storage` trait and its two backends,
//! [`FileStorage`] (a real file) and [`MemoryStorage`] (a byte vector).

mod file;
pub(crate) mod mark;
mod memory;
pub(crate) mod segments;

pub use file::FileStorage;
use mark::{SyncMark, Synced};
pub use memory::MemoryStorage;
use segments::{Part, Segments};

use crate::error::catch_panic;
use crate::sync::{self, Mutex, RwLock};
use crate::{Error, Lsn, Result};
use std::io;
use std::sync::Arc;

/// Bytes a reader can read: the read side of a [`Storage`], and all that
/// the tools of [`inspect`](crate::inspect) need. It asks for no `Send`,
/// so a reader of bytes that live on one thread (a JavaScript object in a
/// browser, say) can be scanned as it is.
pub trait ReadStorage {
    /// The current size in bytes.
    ///
    /// # Errors
    ///
    /// At open, an error fails the open; for the scans of
    /// [`inspect`](crate::inspect), it fails the scan.
    fn size(&self) -> Result<u64>;
    /// Reads at `offset` into `buf`; returns the bytes read, fewer only at
    /// the end.
    ///
    /// # Errors
    ///
    /// An error ends the read that asked (an open fails; an iterator or a
    /// replay returns it); it does not fail the log.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize>;
    /// A read-only view of the first `len` bytes, for zero-copy replay, or
    /// `None` (the default) to have rewal read through a bounded buffer.
    ///
    /// # Errors
    ///
    /// As [`read_at`](Self::read_at). The default never fails.
    fn map(&self, _len: u64) -> Result<Option<Box<dyn Mapped>>> {
        Ok(None)
    }
}

/// Bytes in memory are read as they are.
impl ReadStorage for [u8] {
    fn size(&self) -> Result<u64> {
        Ok(self.len() as u64)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let from = usize::try_from(offset).map_or(self.len(), |at| at.min(self.len()));
        let n = buf.len().min(self.len() - from);
        buf[..n].copy_from_slice(&self[from..from + n]);
        Ok(n)
    }
}

/// Bytes in memory are read as they are.
impl ReadStorage for Vec<u8> {
    fn size(&self) -> Result<u64> {
        self.as_slice().size()
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        self.as_slice().read_at(buf, offset)
    }
}

/// A reference reads what it refers to.
impl<R: ReadStorage + ?Sized> ReadStorage for &R {
    fn size(&self) -> Result<u64> {
        (**self).size()
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        (**self).read_at(buf, offset)
    }

    fn map(&self, len: u64) -> Result<Option<Box<dyn Mapped>>> {
        (**self).map(len)
    }
}

/// A box reads what it holds.
impl<R: ReadStorage + ?Sized> ReadStorage for Box<R> {
    fn size(&self) -> Result<u64> {
        (**self).size()
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        (**self).read_at(buf, offset)
    }

    fn map(&self, len: u64) -> Result<Option<Box<dyn Mapped>>> {
        (**self).map(len)
    }
}

/// A persistence backend: an append-only byte sequence, read as a
/// [`ReadStorage`].
///
/// rewal calls `write`, `truncate` and `close` from one thread at a time
/// (it serialises them), and `sync`, `read_at`, `size` and `map` from any
/// thread: a sync takes `&self` so that readers never wait behind one.
///
/// A panic in any of these calls is caught: it fails the log with
/// [`Error::Panicked`](crate::Error::Panicked), like a failed write, and
/// never takes a thread of the log down.
///
/// Each method may return any [`Error`](crate::Error) (usually
/// `Error::Io`); its `# Errors` section says what rewal makes of it. A
/// storage that is closed should answer `Error::Closed` to writes, syncs
/// and cuts, as [`FileStorage`] and [`MemoryStorage`] do; those two stay
/// readable after `close` (`size`, `read_at`), so that iterators read on
/// through what a shutdown drained. One that cannot read any more answers
/// `Error::Closed` there too: its readers then end with that error.
pub trait Storage: ReadStorage + Send + Sync {
    /// Appends `buf` at the end; returns how many bytes were taken (rewal
    /// calls again for the rest; `Ok(0)` is reported as `Error::ShortWrite`).
    ///
    /// # Errors
    ///
    /// Any error fails the log: the append's caller (or the next call) and
    /// every later call get it (see [Durability](crate#durability)).
    fn write(&mut self, buf: &[u8]) -> Result<usize>;
    /// Makes everything written so far durable.
    ///
    /// # Errors
    ///
    /// Any error fails the log, as a failed [`write`](Self::write) does:
    /// nothing written since the last good sync is reported durable. At
    /// open, an error fails the open.
    fn sync(&self) -> Result<()>;
    /// Releases the storage's lock and ends writing: later writes, syncs and
    /// cuts fail (with `Error::Closed`); reads may go on (see above).
    ///
    /// # Errors
    ///
    /// The error is returned by [`Wal::shutdown`](crate::Wal::shutdown) or
    /// [`Wal::close`](crate::Wal::close); the log is closed all the same.
    fn close(&mut self) -> Result<()>;
    /// Cuts the storage to `size` bytes.
    ///
    /// # Errors
    ///
    /// Called at open, to cut a torn tail (or a corruption, under
    /// [`Recovery::TruncateAtCorruption`](crate::Recovery)): an error fails
    /// the open.
    fn truncate(&mut self, size: u64) -> Result<()>;

    /// Makes the storage at least `len` bytes long by writing zeros after
    /// its current size, durably, without moving where writes go: later
    /// writes then fill space that already exists, so their syncs carry no
    /// size change (what etcd, PostgreSQL and okaywal do). Returns whether
    /// it did; the default does nothing and returns `false`, and rewal then
    /// stops asking.
    ///
    /// A storage that preallocates must keep the zeros: readers take a
    /// zero-filled tail after the last frame as the clean end of the log.
    ///
    /// # Errors
    ///
    /// An error fails the log, as a failed [`write`](Self::write) does;
    /// return `Ok(false)` instead when the zeros merely cannot be written
    /// (a full disk, say). The default never fails.
    fn preallocate(&mut self, _len: u64) -> Result<bool> {
        Ok(false)
    }

    /// Tells the storage, at open, that the log's data ends at `end`, before
    /// its size: what follows is zeros (a tail preallocated and never
    /// filled). Writes go at `end` from now on. The default cuts the storage
    /// to `end`; a storage that preallocates keeps the zeros and reuses
    /// them.
    ///
    /// # Errors
    ///
    /// An error fails the open. The default returns the errors of
    /// [`size`](ReadStorage::size) and [`truncate`](Self::truncate).
    fn resume_at(&mut self, end: u64) -> Result<()> {
        if self.size()? > end {
            self.truncate(end)?;
        }
        Ok(())
    }
}

/// Bytes mapped from a storage (see [`ReadStorage::map`]).
pub trait Mapped: Send + Sync {
    /// The mapped bytes; they must not change while the value lives.
    fn bytes(&self) -> &[u8];
}

/// The storage shared by the writer and the readers of one log: one
/// [`Storage`], or a directory of segment files. For one storage, writes,
/// truncation and close take it exclusively; syncs and reads share it, so
/// a reader never waits behind an fsync (segments lock each file the same
/// way). Every call is guarded against panics (see [`Storage`]).
#[derive(Clone)]
pub(crate) struct SharedStorage(Arc<Backing>);

enum Backing {
    /// One storage, and its sync mark when it has one (a file opened by
    /// path: see `mark.rs`).
    One(RwLock<Box<dyn Storage>>, Mutex<Option<SyncMark>>),
    Segments(Segments),
}

/// How a reader sees the log's bytes (see `read/source.rs`).
pub(crate) enum View {
    /// One map of the whole log.
    Whole(Box<dyn Mapped>),
    /// One map per segment.
    Parts(Vec<Part>),
    /// No map: read through a buffer.
    Unmapped,
}

/// Where the log a reader sees begins: the first LSN its oldest segment
/// may hold, and that segment's offset. (A single storage begins at 0 and
/// holds whatever its frames hold.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Held {
    pub(crate) first_lsn: Lsn,
    pub(crate) start: u64,
}

impl SharedStorage {
    pub(crate) fn new(storage: Box<dyn Storage>) -> Self {
        SharedStorage(Arc::new(Backing::One(
            RwLock::new(storage),
            Mutex::new(None),
        )))
    }

    pub(crate) fn segmented(segments: Segments) -> Self {
        SharedStorage(Arc::new(Backing::Segments(segments)))
    }

    /// The segments, for a log kept in a directory.
    pub(crate) fn segments(&self) -> Option<&Segments> {
        match &*self.0 {
            Backing::Segments(segments) => Some(segments),
            Backing::One(..) => None,
        }
    }

    /// Runs `f` on the one storage, shared, or on the segments.
    fn with<T>(
        &self,
        call: &str,
        one: impl FnOnce(&dyn Storage) -> Result<T>,
        segments: impl FnOnce(&Segments) -> Result<T>,
    ) -> Result<T> {
        match &*self.0 {
            Backing::One(lock, _) => {
                let storage = sync::read(lock);
                catch_panic(call, || one(storage.as_ref()))
            }
            Backing::Segments(list) => catch_panic(call, || segments(list)),
        }
    }

    /// Runs `f` on the one storage, exclusively, or on the segments.
    fn with_mut<T>(
        &self,
        call: &str,
        one: impl FnOnce(&mut dyn Storage) -> Result<T>,
        segments: impl FnOnce(&Segments) -> Result<T>,
    ) -> Result<T> {
        match &*self.0 {
            Backing::One(lock, _) => {
                let mut storage = sync::write(lock);
                catch_panic(call, || one(storage.as_mut()))
            }
            Backing::Segments(list) => catch_panic(call, || segments(list)),
        }
    }

    /// Writes all of `buf`, calling `write` until it is taken.
    pub(crate) fn write_all(&self, buf: &[u8]) -> Result<()> {
        let write_all = |write: &mut dyn FnMut(&[u8]) -> Result<usize>| {
            let mut rest = buf;
            while !rest.is_empty() {
                match write(rest)? {
                    0 => return Err(Error::ShortWrite),
                    n => rest = &rest[n.min(rest.len())..],
                }
            }
            Ok(())
        };
        self.with_mut(
            "the storage's write",
            |storage| write_all(&mut |bytes| storage.write(bytes)),
            |segments| write_all(&mut |bytes| segments.write(bytes)),
        )
    }

    /// Makes what was written durable.
    pub(crate) fn sync(&self) -> Result<()> {
        self.with(
            "the storage's sync",
            |storage| storage.sync(),
            Segments::sync,
        )
    }

    /// Makes what was written durable, the log's frames ending at `end`,
    /// and records that in the sync mark, if there is one.
    pub(crate) fn sync_through(&self, end: u64) -> Result<()> {
        self.sync()?;
        if let Backing::One(_, mark) = &*self.0 {
            if let Some(mark) = sync::lock(mark).as_mut() {
                mark.record(Synced {
                    segment: 0,
                    offset: end,
                });
            }
        }
        Ok(())
    }

    /// Writes the sync mark a sync left pending (see `mark.rs`): the writer
    /// thread calls it when it looks at the log.
    pub(crate) fn catch_up_mark(&self) {
        if let Some(mark) = sync::lock(self.mark()).as_mut() {
            mark.catch_up();
        }
    }

    /// When the mark a sync left pending is due to be written, if one is.
    pub(crate) fn mark_due(&self) -> Option<std::time::Duration> {
        sync::lock(self.mark()).as_ref().and_then(SyncMark::due)
    }

    fn mark(&self) -> &Mutex<Option<SyncMark>> {
        match &*self.0 {
            Backing::One(_, mark) => mark,
            Backing::Segments(segments) => segments.mark(),
        }
    }

    /// Cuts the storage to `size` bytes (a single storage: segments are
    /// cut file by file when the log opens).
    pub(crate) fn truncate(&self, size: u64) -> Result<()> {
        self.with_mut(
            "the storage's truncate",
            |storage| storage.truncate(size),
            |_| Err(Error::InvalidState),
        )
    }

    /// Gives the one storage its sync mark (after its recovery at open),
    /// recording, durably, that it is synced through `end`.
    pub(crate) fn attach_mark(&self, mut mark: SyncMark, end: u64) -> Result<()> {
        if let Backing::One(_, slot) = &*self.0 {
            mark.record_durably(Synced {
                segment: 0,
                offset: end,
            })?;
            *sync::lock(slot) = Some(mark);
        }
        Ok(())
    }

    /// Releases the storage (and its sync mark, made durable first: what
    /// it says holds after any crash to come).
    pub(crate) fn close(&self) -> Result<()> {
        if let Backing::One(_, mark) = &*self.0 {
            if let Some(mark) = sync::lock(mark).as_mut() {
                mark.sync();
                mark.release();
            }
        }
        self.with_mut(
            "the storage's close",
            |storage| storage.close(),
            Segments::close,
        )
    }

    /// The storage's size (for segments: the end of the newest one's
    /// frames).
    pub(crate) fn size(&self) -> Result<u64> {
        self.with(
            "the storage's size",
            |storage| storage.size(),
            Segments::size,
        )
    }

    /// How a reader of the first `len` bytes sees them, and, for segments,
    /// where they begin: both from one moment, so that a checkpoint racing
    /// the reader's start can never make it begin later than it was told.
    pub(crate) fn view(&self, len: u64) -> Result<(View, Option<Held>)> {
        self.with(
            "the storage's map",
            |storage| Ok((storage.map(len)?.map_or(View::Unmapped, View::Whole), None)),
            |segments| {
                let seen = segments.view(len)?;
                let held = Held {
                    first_lsn: seen.first_lsn,
                    start: seen.start,
                };
                Ok((seen.parts.map_or(View::Unmapped, View::Parts), Some(held)))
            },
        )
    }

    /// For segments: extends a view's parts to `limit` (see
    /// `Segments::extend_view`).
    pub(crate) fn extend_view(&self, parts: &mut Vec<Part>, limit: u64) -> Result<bool> {
        self.with(
            "the storage's map",
            |_| Ok(false),
            |segments| segments.extend_view(parts, limit),
        )
    }

    /// See [`Storage::preallocate`].
    pub(crate) fn preallocate(&self, len: u64) -> Result<bool> {
        self.with_mut(
            "the storage's preallocate",
            |storage| storage.preallocate(len),
            |segments| segments.preallocate(len),
        )
    }

    /// See [`Storage::resume_at`].
    pub(crate) fn resume_at(&self, end: u64) -> Result<()> {
        self.with_mut(
            "the storage's resume_at",
            |storage| storage.resume_at(end),
            |_| Err(Error::InvalidState),
        )
    }

    /// Reads exactly `buf.len()` bytes at `offset`. Running out of bytes
    /// is an I/O error (`UnexpectedEof`: the storage shrank under the
    /// reader), not bad data.
    pub(crate) fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<()> {
        match &*self.0 {
            Backing::One(lock, _) => {
                let storage = sync::read(lock);
                catch_panic("the storage's read_at", || {
                    read_exact(buf, offset, |buf, at| storage.read_at(buf, at))
                })
            }
            Backing::Segments(segments) => catch_panic("the storage's read_at", || {
                read_exact(buf, offset, |buf, at| segments.read_at(buf, at))
            }),
        }
    }
}

/// Fills `buf` from `offset` on with `read`, which may return fewer bytes
/// than asked; running out is `UnexpectedEof`.
pub(crate) fn read_exact(
    mut buf: &mut [u8],
    mut offset: u64,
    read: impl Fn(&mut [u8], u64) -> Result<usize>,
) -> Result<()> {
    while !buf.is_empty() {
        match read(buf, offset)? {
            0 => {
                return Err(Error::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the log ended before the bytes it was read for: it shrank while being read",
                )))
            }
            n => {
                let n = n.min(buf.len());
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}
