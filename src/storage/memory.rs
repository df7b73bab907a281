//! `MemoryStorage`: a log in a byte vector, for tests and the browser.

use super::{ReadStorage, Storage};
use crate::sync::{self, Mutex, MutexGuard};
use crate::{Error, Result};
use std::sync::Arc;

/// A log held in memory. Clones share the same bytes, so a caller can keep a
/// handle and read what the log wrote ([`MemoryStorage::to_bytes`]) after
/// handing a clone to the builder. `sync` has nothing to do.
#[derive(Clone, Default)]
pub struct MemoryStorage {
    bytes: Arc<Mutex<Vec<u8>>>,
    closed: bool,
}

impl MemoryStorage {
    /// Empty storage.
    pub fn new() -> Self {
        MemoryStorage::default()
    }

    /// Storage holding `bytes`, for example a log file read by other means.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        MemoryStorage {
            bytes: Arc::new(Mutex::new(bytes.into())),
            closed: false,
        }
    }

    /// A copy of the bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.lock().clone()
    }

    /// The number of bytes held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no bytes are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        sync::lock(&self.bytes)
    }

    fn open(&self) -> Result<MutexGuard<'_, Vec<u8>>> {
        if self.closed {
            return Err(Error::Closed);
        }
        Ok(self.lock())
    }
}

/// Shows how many bytes are held, not the bytes.
impl std::fmt::Debug for MemoryStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStorage")
            .field("len", &self.len())
            .field("closed", &self.closed)
            .finish()
    }
}

impl ReadStorage for MemoryStorage {
    // Reads go on after `close`: readers of what was written read on.
    fn size(&self) -> Result<u64> {
        Ok(self.lock().len() as u64)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let bytes = self.lock();
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        let available = bytes.get(start..).unwrap_or(&[]);
        let n = buf.len().min(available.len());
        buf[..n].copy_from_slice(&available[..n]);
        Ok(n)
    }
}

impl Storage for MemoryStorage {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        self.open()?.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn sync(&self) -> Result<()> {
        self.open().map(drop)
    }

    fn close(&mut self) -> Result<()> {
        self.closed = true;
        Ok(())
    }

    fn truncate(&mut self, size: u64) -> Result<()> {
        let mut bytes = self.open()?;
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        bytes.truncate(size);
        Ok(())
    }
}
