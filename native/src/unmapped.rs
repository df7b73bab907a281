//! Reading a log through rewal's bounded read buffer instead of a memory
//! map, for the commands that stream a whole file once (`verify`, `info`,
//! `dump`, `tail`).
//!
//! Why: a map is fastest when a log is read again and again, but a single
//! pass over a large file through a map leaves every page resident in the
//! process (its RSS grows to the size of the file, even though the kernel
//! can reclaim those pages). Through the read buffer, memory stays in the
//! order of the largest frame plus a 256 KiB window, whatever the size of
//! the log: what a tool run on a production host's 50 GiB log should do.

use rewal::{FileStorage, Result, Storage};
use std::path::Path;

/// A log file opened read-only and without a lock, that offers no map.
pub struct Unmapped(FileStorage);

impl Unmapped {
    /// Opens `path` read-only, without a lock (another process may have
    /// the log open).
    pub fn open(path: &Path) -> Result<Unmapped> {
        FileStorage::open_read_only(path).map(Unmapped)
    }
}

impl Storage for Unmapped {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        self.0.write(buf)
    }

    fn sync(&mut self) -> Result<()> {
        self.0.sync()
    }

    fn close(&mut self) -> Result<()> {
        self.0.close()
    }

    fn size(&self) -> Result<u64> {
        self.0.size()
    }

    fn truncate(&mut self, size: u64) -> Result<()> {
        self.0.truncate(size)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        self.0.read_at(buf, offset)
    }

    // `map` keeps its default: None, so readers use the read buffer.
}
