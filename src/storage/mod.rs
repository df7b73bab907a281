//! Where the log's bytes live: the `Storage` trait and its two backends,
//! [`FileStorage`] (a real file) and [`MemoryStorage`] (a byte vector).

mod file;
mod memory;

pub use file::FileStorage;
pub use memory::MemoryStorage;

use crate::error::catch_panic;
use crate::{Error, Result};
use std::io;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A persistence backend: an append-only byte sequence.
///
/// rewal calls `write`, `truncate` and `close` from one thread at a time
/// (it serialises them), and `sync`, `read_at`, `size` and `map` from any
/// thread: a sync takes `&self` so that readers never wait behind one.
///
/// A panic in any of these calls is caught: it fails the log with
/// [`Error::Panicked`](crate::Error::Panicked), like a failed write, and
/// never takes a thread of the log down.
pub trait Storage: Send + Sync {
    /// Appends `buf` at the end; returns how many bytes were taken (rewal
    /// calls again for the rest; `Ok(0)` is reported as `Error::ShortWrite`).
    fn write(&mut self, buf: &[u8]) -> Result<usize>;
    /// Makes everything written so far durable.
    fn sync(&self) -> Result<()>;
    /// Releases the storage (and its lock); later calls may fail.
    fn close(&mut self) -> Result<()>;
    /// The current size in bytes.
    fn size(&self) -> Result<u64>;
    /// Cuts the storage to `size` bytes.
    fn truncate(&mut self, size: u64) -> Result<()>;
    /// Reads at `offset` into `buf`; returns the bytes read, fewer only at
    /// the end.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize>;
    /// A read-only view of the first `len` bytes, for zero-copy replay, or
    /// `None` (the default) to have rewal read through a bounded buffer.
    fn map(&self, _len: u64) -> Result<Option<Box<dyn Mapped>>> {
        Ok(None)
    }

    /// Makes the storage at least `len` bytes long by writing zeros after
    /// its current size, durably, without moving where writes go: later
    /// writes then fill space that already exists, so their syncs carry no
    /// size change (what etcd, PostgreSQL and okaywal do). Returns whether
    /// it did; the default does nothing and returns `false`, and rewal then
    /// stops asking.
    ///
    /// A storage that preallocates must keep the zeros: readers take a
    /// zero-filled tail after the last frame as the clean end of the log.
    fn preallocate(&mut self, _len: u64) -> Result<bool> {
        Ok(false)
    }

    /// Tells the storage, at open, that the log's data ends at `end`, before
    /// its size: what follows is zeros (a tail preallocated and never
    /// filled). Writes go at `end` from now on. The default cuts the storage
    /// to `end`; a storage that preallocates keeps the zeros and reuses
    /// them.
    fn resume_at(&mut self, end: u64) -> Result<()> {
        if self.size()? > end {
            self.truncate(end)?;
        }
        Ok(())
    }
}

/// Bytes mapped from a storage (see [`Storage::map`]).
pub trait Mapped: Send + Sync {
    /// The mapped bytes; they must not change while the value lives.
    fn bytes(&self) -> &[u8];
}

/// The storage shared by the writer and the readers of one log. Writes,
/// truncation and close take it exclusively; syncs and reads share it, so
/// a reader never waits behind an fsync. Every call is guarded against
/// panics (see [`Storage`]).
#[derive(Clone)]
pub(crate) struct SharedStorage(Arc<RwLock<Box<dyn Storage>>>);

impl SharedStorage {
    pub(crate) fn new(storage: Box<dyn Storage>) -> Self {
        SharedStorage(Arc::new(RwLock::new(storage)))
    }

    // A panic is caught inside the guard, so the lock is never poisoned by
    // one; recovering from poison anyway keeps a lock usable whatever
    // happens.
    fn shared(&self) -> RwLockReadGuard<'_, Box<dyn Storage>> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn exclusive(&self) -> RwLockWriteGuard<'_, Box<dyn Storage>> {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes all of `buf`, calling `write` until it is taken.
    pub(crate) fn write_all(&self, mut buf: &[u8]) -> Result<()> {
        let mut storage = self.exclusive();
        catch_panic("the storage's write", || {
            while !buf.is_empty() {
                match storage.write(buf)? {
                    0 => return Err(Error::ShortWrite),
                    n => buf = &buf[n.min(buf.len())..],
                }
            }
            Ok(())
        })
    }

    /// Makes what was written durable.
    pub(crate) fn sync(&self) -> Result<()> {
        let storage = self.shared();
        catch_panic("the storage's sync", || storage.sync())
    }

    /// See [`Storage::preallocate`].
    pub(crate) fn preallocate(&self, len: u64) -> Result<bool> {
        let mut storage = self.exclusive();
        catch_panic("the storage's preallocate", || storage.preallocate(len))
    }

    /// See [`Storage::resume_at`].
    pub(crate) fn resume_at(&self, end: u64) -> Result<()> {
        let mut storage = self.exclusive();
        catch_panic("the storage's resume_at", || storage.resume_at(end))
    }

    /// Cuts the storage to `size` bytes.
    pub(crate) fn truncate(&self, size: u64) -> Result<()> {
        let mut storage = self.exclusive();
        catch_panic("the storage's truncate", || storage.truncate(size))
    }

    /// Releases the storage.
    pub(crate) fn close(&self) -> Result<()> {
        let mut storage = self.exclusive();
        catch_panic("the storage's close", || storage.close())
    }

    /// The storage's size.
    pub(crate) fn size(&self) -> Result<u64> {
        let storage = self.shared();
        catch_panic("the storage's size", || storage.size())
    }

    /// A map of the first `len` bytes, if the storage maps.
    pub(crate) fn map(&self, len: u64) -> Result<Option<Box<dyn Mapped>>> {
        let storage = self.shared();
        catch_panic("the storage's map", || storage.map(len))
    }

    /// Reads exactly `buf.len()` bytes at `offset`. Running out of bytes
    /// is an I/O error (`UnexpectedEof`: the storage shrank under the
    /// reader), not bad data.
    pub(crate) fn read_exact_at(&self, buf: &mut [u8], mut offset: u64) -> Result<()> {
        let storage = self.shared();
        catch_panic("the storage's read_at", move || {
            let mut buf = buf;
            while !buf.is_empty() {
                match storage.read_at(buf, offset)? {
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
        })
    }
}
