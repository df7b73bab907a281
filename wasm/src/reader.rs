//! `Reader`: the bytes of a log at any offset, through a bounded window.
//!
//! The engine reads a storage that does not map through a read buffer of
//! its own, but that buffer is private to the engine; the viewer needs the
//! same to page through a log it does not hold (a `File` read in slices).
//! A storage that maps (bytes already in memory) is read in place.

use rewal::{Error, Mapped, Result, Storage};

/// How much the window reads ahead: pages of events and hops from frame
/// header to frame header are served from one read.
pub const WINDOW: usize = 64 << 10;

/// Reads `[0, len)` of a storage.
pub struct Reader {
    storage: Box<dyn Storage>,
    map: Option<Box<dyn Mapped>>,
    len: u64,
    /// `window[..held]` holds the bytes from `start`.
    window: Vec<u8>,
    start: u64,
    held: usize,
}

impl Reader {
    /// A reader over the first `len` bytes of `storage`: in place if the
    /// storage maps, through the window otherwise.
    pub fn new(storage: Box<dyn Storage>, len: u64) -> Result<Reader> {
        let map = storage.map(len)?;
        Ok(Reader {
            storage,
            map,
            len,
            window: Vec::new(),
            start: 0,
            held: 0,
        })
    }

    /// The number of readable bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when there is nothing to read.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes `[off, off + len)`; an error if they pass the end. The
    /// window grows to `len` when a read is larger than it (a large record)
    /// and shrinks back afterwards.
    pub fn get(&mut self, off: u64, len: usize) -> Result<&[u8]> {
        let end = off
            .checked_add(len as u64)
            .filter(|&end| end <= self.len)
            .ok_or(Error::InvalidRecord)?;
        let buffered = self.map.is_none();
        if buffered && (off < self.start || end > self.start + self.held as u64) {
            self.refill(off, len)?;
        }
        match &self.map {
            // Below `len`, which the map covers, so these fit in a usize.
            Some(map) => map
                .bytes()
                .get(off as usize..end as usize)
                .ok_or(Error::InvalidRecord),
            None => {
                let at = (off - self.start) as usize;
                Ok(&self.window[at..at + len])
            }
        }
    }

    /// Reads `[off, off + max(len, WINDOW))`, clipped to the end.
    fn refill(&mut self, off: u64, len: usize) -> Result<()> {
        let want = (self.len - off).min(len.max(WINDOW) as u64) as usize;
        if self.window.len() > 4 * WINDOW && want <= WINDOW {
            // After a huge record, give the memory back.
            self.window = Vec::new();
        }
        if self.window.len() < want {
            self.window.resize(want, 0);
        }
        self.held = 0;
        let mut got = 0;
        while got < want {
            match self
                .storage
                .read_at(&mut self.window[got..want], off + got as u64)?
            {
                0 => return Err(Error::InvalidRecord), // the storage shrank
                n => got += n,
            }
        }
        self.start = off;
        self.held = want;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::BytesStorage;
    use rewal::MemoryStorage;
    use std::sync::Arc;

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 253) as u8).collect()
    }

    #[test]
    fn buffered_and_mapped_readers_read_the_same_bytes() {
        let n = 600_000;
        let data = bytes(n);
        // MemoryStorage does not map: the window is used.
        let mut buffered =
            Reader::new(Box::new(MemoryStorage::from_bytes(data.clone())), n as u64).unwrap();
        let mut mapped =
            Reader::new(Box::new(BytesStorage(Arc::new(data.clone()))), n as u64).unwrap();
        for (off, len) in [(0, 10), (65_530, 20), (10, 500_000), (n - 10, 10), (5, 0)] {
            let want = &data[off..off + len];
            assert_eq!(buffered.get(off as u64, len).unwrap(), want);
            assert_eq!(mapped.get(off as u64, len).unwrap(), want);
        }
        // A large read grew the window; a small one elsewhere gives it back.
        buffered.get(10, 500_000).unwrap();
        assert!(buffered.window.len() >= 500_000);
        buffered.get(0, 10).unwrap();
        assert!(buffered.window.len() <= WINDOW);
    }

    #[test]
    fn reads_past_the_end_are_errors_not_panics() {
        let mut reader = Reader::new(Box::new(MemoryStorage::from_bytes(bytes(100))), 100).unwrap();
        assert!(reader.get(95, 10).is_err());
        assert!(reader.get(u64::MAX, 2).is_err());
        assert!(reader.get(100, 0).is_ok());
    }
}
