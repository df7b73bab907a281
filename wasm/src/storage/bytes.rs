//! `BytesStorage`: bytes the caller already holds, read in place, so that
//! scanning a log neither copies it again nor reads it through a read
//! buffer.

use rewal::{Error, Mapped, ReadStorage, Result};
use std::sync::Arc;

/// A log's bytes, shared between the viewer and the engine's scan. It
/// offers a map (the whole slice), which puts `scan_storage` on its
/// one-slice fast path.
#[derive(Clone)]
pub struct BytesStorage(pub Arc<Vec<u8>>);

impl ReadStorage for BytesStorage {
    fn size(&self) -> Result<u64> {
        Ok(self.0.len() as u64)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.0.len());
        let n = buf.len().min(self.0.len() - start);
        buf[..n].copy_from_slice(&self.0[start..start + n]);
        Ok(n)
    }

    fn map(&self, len: u64) -> Result<Option<Box<dyn Mapped>>> {
        let len = usize::try_from(len).map_err(|_| Error::InvalidRecord)?;
        if len > self.0.len() {
            return Err(Error::InvalidRecord);
        }
        Ok(Some(Box::new(Prefix(self.0.clone(), len))))
    }
}

/// The first `.1` bytes of a shared buffer, as a map.
struct Prefix(Arc<Vec<u8>>, usize);

impl Mapped for Prefix {
    fn bytes(&self) -> &[u8] {
        &self.0[..self.1]
    }
}
