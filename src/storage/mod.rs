//! Where the log's bytes live: the `Storage` trait and its two backends,
//! [`FileStorage`] (a real file) and [`MemoryStorage`] (a byte vector).

mod file;
mod memory;

pub use file::FileStorage;
pub use memory::MemoryStorage;

use crate::{Error, Result};
use std::sync::{Arc, Mutex, MutexGuard};

/// A persistence backend: an append-only byte sequence.
///
/// rewal calls `write`, `sync`, `truncate` and `close` from one thread at a
/// time (it serialises them), and `read_at`, `size` and `map` from readers.
pub trait Storage: Send + Sync {
    /// Appends `buf` at the end; returns how many bytes were taken (rewal
    /// calls again for the rest; `Ok(0)` is reported as `Error::ShortWrite`).
    fn write(&mut self, buf: &[u8]) -> Result<usize>;
    /// Makes everything written so far durable.
    fn sync(&mut self) -> Result<()>;
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
}

/// Bytes mapped from a storage (see [`Storage::map`]).
pub trait Mapped: Send + Sync {
    /// The mapped bytes; they must not change while the value lives.
    fn bytes(&self) -> &[u8];
}

/// The storage shared by the writer and the readers of one log.
#[derive(Clone)]
pub(crate) struct SharedStorage(Arc<Mutex<Box<dyn Storage>>>);

impl SharedStorage {
    pub(crate) fn new(storage: Box<dyn Storage>) -> Self {
        SharedStorage(Arc::new(Mutex::new(storage)))
    }

    /// Locks the storage. A panic while it was held (a buggy user storage)
    /// leaves it usable: its calls report their own errors.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Box<dyn Storage>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes all of `buf`, calling `write` until it is taken.
    pub(crate) fn write_all(&self, mut buf: &[u8]) -> Result<()> {
        let mut storage = self.lock();
        while !buf.is_empty() {
            match storage.write(buf)? {
                0 => return Err(Error::ShortWrite),
                n => buf = &buf[n.min(buf.len())..],
            }
        }
        Ok(())
    }

    /// Reads exactly `buf.len()` bytes at `offset`.
    pub(crate) fn read_exact_at(&self, mut buf: &mut [u8], mut offset: u64) -> Result<()> {
        let storage = self.lock();
        while !buf.is_empty() {
            match storage.read_at(buf, offset)? {
                0 => return Err(Error::InvalidRecord),
                n => {
                    let n = n.min(buf.len());
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }
}
