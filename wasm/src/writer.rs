//! `LogWriter`: a log written in memory by the engine itself (a `Wal` on
//! `MemoryStorage`, the inline pipeline on wasm32), so its bytes are the
//! ones the native library writes for the same appends.

use rewal::{Batch, Error, Lsn, MemoryStorage, Result, State, Wal};
use std::cell::Cell;
use std::time::Duration;

/// A log being written in memory.
pub struct LogWriter {
    memory: MemoryStorage,
    wal: Wal,
    /// The last LSN `append` returned: `Wal::last_lsn` counts only what
    /// reached storage, which the inline pipeline defers.
    last: Cell<Lsn>,
}

impl LogWriter {
    /// A new, empty log.
    pub fn new() -> Result<LogWriter> {
        let memory = MemoryStorage::new();
        // The name only labels the log: a custom storage takes no file lock.
        let wal = Wal::open("rewal-wasm").storage(memory.clone()).build()?;
        Ok(LogWriter {
            memory,
            wal,
            last: Cell::new(0),
        })
    }

    /// Appends one event (an empty `meta` means none); returns its LSN.
    pub fn append(&self, payload: &[u8], meta: &[u8]) -> Result<Lsn> {
        let lsn = if meta.is_empty() {
            self.wal.append(payload)?
        } else {
            self.wal.append_with_meta(payload, meta)?
        };
        self.last.set(lsn);
        Ok(lsn)
    }

    /// Appends a batch as one frame; returns its last LSN.
    pub fn append_batch(&self, batch: &Batch) -> Result<Lsn> {
        let lsn = self.wal.append_batch(batch)?;
        self.last.set(lsn);
        Ok(lsn)
    }

    /// The LSN of the last event appended (0 before the first).
    pub fn last_lsn(&self) -> Lsn {
        self.last.get()
    }

    /// The log's bytes so far: everything appended is written first (after
    /// [`finish`](Self::finish), the finished bytes).
    pub fn bytes(&self) -> Result<Vec<u8>> {
        match self.wal.flush() {
            Err(Error::Closed) if self.wal.state() == State::Closed => {}
            other => other?,
        }
        Ok(self.memory.to_bytes())
    }

    /// Shuts the log down (written and synced) and returns its bytes; later
    /// appends fail with the engine's "closed" error.
    pub fn finish(&self) -> Result<Vec<u8>> {
        self.wal.shutdown(Duration::from_secs(5))?;
        Ok(self.memory.to_bytes())
    }
}
