//! Counters, updated with relaxed atomics and read as a snapshot.

use crate::{Lsn, State};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A point-in-time snapshot of a log's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stats {
    /// Events written to storage since open.
    pub events_written: u64,
    /// Frames (appends) written to storage since open.
    pub batches_written: u64,
    /// Bytes written to storage since open.
    pub bytes_written: u64,
    /// Bytes made durable by syncs since open.
    pub bytes_synced: u64,
    /// Syncs since open.
    pub sync_count: u64,
    /// Storage writes since open: fewer than `batches_written` when group
    /// commit folds several appends into one write.
    pub write_count: u64,
    /// Bytes of compressed regions written (after compression).
    pub compressed_bytes: u64,
    /// Events dropped (backpressure `Drop`, or discarded by `close`).
    pub drops: u64,
    /// Invalid regions found (torn tail or corruption at open, bad frames
    /// met by replay).
    pub corruptions: u64,
    /// Bytes recovery took out of the log when it opened and kept beside
    /// it (see [`Wal::set_aside`](crate::Wal::set_aside)).
    pub set_aside_bytes: u64,
    /// Events in the valid frames among those bytes.
    pub set_aside_events: u64,
    /// Appends waiting for the writer.
    pub queue_len: usize,
    /// Size of the log in bytes (complete frames written).
    pub file_size: u64,
    /// The last LSN written to storage (not just assigned).
    pub last_lsn: Lsn,
    /// The lifecycle state.
    pub state: State,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub events_written: AtomicU64,
    pub batches_written: AtomicU64,
    pub bytes_written: AtomicU64,
    pub bytes_synced: AtomicU64,
    pub sync_count: AtomicU64,
    pub write_count: AtomicU64,
    pub compressed_bytes: AtomicU64,
    pub drops: AtomicU64,
    pub corruptions: AtomicU64,
    pub set_aside_bytes: AtomicU64,
    pub set_aside_events: AtomicU64,
    pub queue_len: AtomicU64,
    pub file_size: AtomicU64,
    pub last_lsn: AtomicU64,
}

impl Counters {
    #[inline]
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    pub(crate) fn snapshot(&self, state: State) -> Stats {
        Stats {
            events_written: self.events_written.load(Relaxed),
            batches_written: self.batches_written.load(Relaxed),
            bytes_written: self.bytes_written.load(Relaxed),
            bytes_synced: self.bytes_synced.load(Relaxed),
            sync_count: self.sync_count.load(Relaxed),
            write_count: self.write_count.load(Relaxed),
            compressed_bytes: self.compressed_bytes.load(Relaxed),
            drops: self.drops.load(Relaxed),
            corruptions: self.corruptions.load(Relaxed),
            set_aside_bytes: self.set_aside_bytes.load(Relaxed),
            set_aside_events: self.set_aside_events.load(Relaxed),
            queue_len: self.queue_len.load(Relaxed) as usize,
            file_size: self.file_size.load(Relaxed),
            last_lsn: self.last_lsn.load(Relaxed),
            state,
        }
    }
}
