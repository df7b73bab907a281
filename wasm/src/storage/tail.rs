//! `TailStorage`: the bytes of another storage from an offset on, as a
//! storage of their own. After a corruption, the engine's scan stops at the
//! invalid bytes and says where the next valid frame begins; scanning a
//! `TailStorage` from there lets the engine check the frames that follow
//! (bounded memory, streamed CRCs) exactly as it checks a log, rather than
//! the viewer checking them by hand.

use rewal::{Mapped, ReadStorage, Result};

/// `inner`'s bytes from `base` on (at most `len` of them); offset 0 here
/// is `base` there.
#[derive(Clone)]
pub struct TailStorage<S> {
    inner: S,
    base: u64,
    len: u64,
}

impl<S: ReadStorage> TailStorage<S> {
    /// The bytes of `inner` from `base` on.
    pub fn new(inner: S, base: u64) -> Self {
        TailStorage::window(inner, base, u64::MAX)
    }

    /// At most `len` bytes of `inner` from `base` on.
    pub fn window(inner: S, base: u64, len: u64) -> Self {
        TailStorage { inner, base, len }
    }
}

impl<S: ReadStorage> ReadStorage for TailStorage<S> {
    fn size(&self) -> Result<u64> {
        Ok(self.inner.size()?.saturating_sub(self.base).min(self.len))
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let left = self.len.saturating_sub(offset);
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        match self.base.checked_add(offset) {
            Some(at) if n > 0 => self.inner.read_at(&mut buf[..n], at),
            _ => Ok(0),
        }
    }

    fn map(&self, len: u64) -> Result<Option<Box<dyn Mapped>>> {
        if len > self.len {
            return Ok(None);
        }
        let Some(end) = self.base.checked_add(len) else {
            return Ok(None);
        };
        let skip = usize::try_from(self.base).ok();
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
