//! [`OpfsStorage`]: the engine's [`Storage`] on a sync access handle.

use super::Handle;
use rewal::{Error, ReadStorage, Result, Storage};

/// A log's bytes in an OPFS file, through its sync access handle (which
/// also is the file's lock: see the module's docs).
///
/// - `write` appends at the end of the log's data; `sync` is `flush()`;
///   `read_at` reads with `{ at }`; `size` is `getSize()`; `truncate` cuts.
/// - It preallocates (the engine asks once durability is in use): the file
///   is extended with zeros by `truncate(len)` and flushed, so that later
///   flushes carry no size change; Chromium's flush then costs about two
///   thirds as much. `resume_at` keeps the zeros of a log that was not
///   closed, and `close` cuts them, so a closed log is byte for byte what
///   the native library writes.
/// - Once closed (the handle too, and so the lock), every call answers
///   `Error::Closed`: unlike a file, it cannot be read on.
pub struct OpfsStorage<H: Handle> {
    handle: H,
    /// Where the log's data ends: the next write goes there.
    end: u64,
    closed: bool,
}

impl<H: Handle> OpfsStorage<H> {
    /// A storage on `handle`, whose data is taken to end at its size until
    /// the engine says otherwise (`resume_at`).
    pub fn new(handle: H) -> Result<Self> {
        let end = handle.size()?;
        Ok(OpfsStorage {
            handle,
            end,
            closed: false,
        })
    }

    fn handle(&self) -> Result<&H> {
        if self.closed {
            return Err(Error::Closed);
        }
        Ok(&self.handle)
    }
}

impl<H: Handle> ReadStorage for OpfsStorage<H> {
    fn size(&self) -> Result<u64> {
        self.handle()?.size()
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        self.handle()?.read(buf, offset)
    }
}

impl<H: Handle> Storage for OpfsStorage<H> {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        let written = self.handle()?.write(buf, self.end)?;
        self.end += written as u64;
        Ok(written)
    }

    fn sync(&self) -> Result<()> {
        self.handle()?.flush()
    }

    fn close(&mut self) -> Result<()> {
        if std::mem::replace(&mut self.closed, true) {
            return Ok(());
        }
        // The zeros written ahead are cut (not flushed: should the cut be
        // lost, they are still the log's clean end), then the lock goes.
        let trimmed = match self.handle.size() {
            Ok(size) if size > self.end => self.handle.truncate(self.end),
            Ok(_) => Ok(()),
            Err(error) => Err(error),
        };
        self.handle.close();
        trimmed
    }

    fn truncate(&mut self, size: u64) -> Result<()> {
        self.handle()?.truncate(size)?;
        self.end = size;
        Ok(())
    }

    /// Extends the file with zeros to `len` bytes and flushes them. A
    /// failed extension (a full quota) says `Ok(false)`: the engine goes on
    /// without preallocating. A failed flush is an error.
    fn preallocate(&mut self, len: u64) -> Result<bool> {
        let handle = self.handle()?;
        if handle.size()?.max(self.end) >= len {
            return Ok(true);
        }
        if handle.truncate(len).is_err() {
            return Ok(false);
        }
        handle.flush()?;
        Ok(true)
    }

    fn resume_at(&mut self, end: u64) -> Result<()> {
        // The bytes after `end` are zeros (the engine's scan said so): kept
        // as preallocated space.
        self.end = end;
        Ok(())
    }
}
