//! `Window`: one segment file's bytes among a log's, as a storage of its
//! own. A log of segment files is read as the files laid one after the
//! other (one [`BytesStorage`](super::BytesStorage) or one
//! [`SourceStorage`](super::SourceStorage)), but the engine scans each
//! segment as the complete log it is (`rewal::inspect::Run`): a window
//! gives it exactly that file's bytes, its offset 0 being the file's first
//! byte.

use rewal::{Mapped, ReadStorage, Result};

/// The `len` bytes of `inner` from `start` on; offset 0 here is `start`
/// there.
#[derive(Clone)]
pub struct Window<S> {
    inner: S,
    start: u64,
    len: u64,
}

impl<S: ReadStorage> Window<S> {
    /// The `len` bytes of `inner` from `start` on (fewer where `inner`
    /// ends first).
    pub fn new(inner: S, start: u64, len: u64) -> Self {
        Window { inner, start, len }
    }
}

impl<S: ReadStorage> ReadStorage for Window<S> {
    fn size(&self) -> Result<u64> {
        Ok(self.inner.size()?.saturating_sub(self.start).min(self.len))
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        // Reads stop at the window's end: the next file's bytes are not
        // this segment's.
        let left = self.len.saturating_sub(offset);
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        match self.start.checked_add(offset) {
            Some(at) if n > 0 => self.inner.read_at(&mut buf[..n], at),
            _ => Ok(0),
        }
    }

    fn map(&self, len: u64) -> Result<Option<Box<dyn Mapped>>> {
        // A map of the inner storage up to the window's end, seen from the
        // window's start: the scan's one-slice fast path, without a copy.
        if len > self.len {
            return Ok(None);
        }
        let Some(end) = self.start.checked_add(len) else {
            return Ok(None);
        };
        let skip = usize::try_from(self.start).ok();
        Ok(match (self.inner.map(end)?, skip) {
            (Some(map), Some(skip)) => Some(Box::new(Skipped { map, skip })),
            _ => None,
        })
    }
}

/// A map without its first `skip` bytes.
struct Skipped {
    map: Box<dyn Mapped>,
    skip: usize,
}

impl Mapped for Skipped {
    fn bytes(&self) -> &[u8] {
        self.map.bytes().get(self.skip..).unwrap_or(&[])
    }
}
