//! # rewal — an embedded write-ahead log
//!
//! Append events, get LSNs, make them durable, replay them after a crash.
//! One writer thread does group commit (many appends, one write, one sync);
//! replay reads a memory map without copying; every frame carries a
//! CRC-32C, computed with the CPU's CRC instructions where it has them.
//! The same engine runs natively, as a WASI module under wasmtime, and in
//! the browser, and all of them read and write the same bytes (the v2
//! batch frame, see [`encoding`]), as do rewal 0.1.0 and UEWAL v0.2.
//!
//! ## Quick start
//!
//! ```
//! use rewal::{Batch, Result, Wal};
//! use std::time::Duration;
//!
//! fn main() -> Result<()> {
//!     # let tmp = std::env::var_os("TMPDIR").map_or_else(std::env::temp_dir, Into::into);
//!     # let dir = tmp.join("rewal-doc-quick-start");
//!     # std::fs::create_dir_all(&dir)?;
//!     # let path = dir.join("quick.wal");
//!     # let _ = std::fs::remove_file(&path);
//!     let wal = Wal::open(&path).build()?;
//!
//!     // One event, and one with meta.
//!     let first = wal.append("hello world")?;
//!     wal.append_with_meta("user 42 renamed", "type:update")?;
//!
//!     // A batch: one frame, all or nothing after a crash.
//!     let mut batch = Batch::with_capacity(3);
//!     batch.add("event-1");
//!     batch.add_with_meta("event-2", "type:update");
//!     batch.add("event-3");
//!     let last = wal.append_batch(&batch)?; // the batch's last LSN
//!
//!     // Durable: written and synced (one sync serves every waiter).
//!     wal.wait_durable(last)?;
//!
//!     // Read back: a callback, or an iterator.
//!     let mut seen = Vec::new();
//!     wal.replay(first, |event| {
//!         seen.push((event.lsn, event.payload));
//!         Ok(())
//!     })?;
//!     assert_eq!(seen[4], (last, b"event-3".to_vec()));
//!     for event in wal.iterator(first)? {
//!         let event = event?;
//!         assert!(event.lsn >= first);
//!     }
//!     let all = wal.iterator(0)?.collect::<Result<Vec<_>>>()?;
//!     assert_eq!(all.len(), 5);
//!
//!     wal.shutdown(Duration::from_secs(5))?;
//!     # std::fs::remove_dir_all(&dir)?;
//!     Ok(())
//! }
//! ```
//!
//! In async code, wait for durability without blocking a thread: the
//! writer's group commit wakes the task (any executor; no runtime
//! dependency).
//!
//! ```
//! async fn record(wal: &rewal::Wal, order: &[u8]) -> rewal::Result<u64> {
//!     let lsn = wal.append(order)?;
//!     wal.wait_durable_async(lsn).await?;
//!     Ok(lsn)
//! }
//! ```
//!
//! ## Lifecycle
//!
//! `Init → Running → Draining → Closed`. [`Wal::shutdown`] drains, syncs and
//! closes; [`Wal::close`] closes at once, discarding what is not written.
//! Either releases the file's lock before returning, so the path can be
//! opened again right away.
//!
//! ## Durability
//!
//! `append` returns once the event is queued. [`Wal::flush`] waits until it
//! is written (to the OS), [`Wal::sync`] and [`Wal::wait_durable`] until it
//! is on disk. [`SyncMode`] adds automatic syncs: after every write
//! (`Batch`), or at most an interval after data was written (`Interval`).
//! A failed write or sync fails the log: every later call reports it, and
//! nothing is reported durable that may not be.
//!
//! ## Recovery
//!
//! Opening a log checks every frame. A torn tail (what a crash mid-write
//! leaves) is cut off. Invalid data followed by valid frames is a
//! corruption: the open fails with [`Error::Corrupted`] and the file is
//! left untouched, unless [`Recovery::TruncateAtCorruption`] is chosen. A
//! file that is not a rewal log is refused with [`Error::NotALog`] and never
//! modified.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Every fallible public function says how it fails (`# Errors`), kept true
// by `cargo clippy -- -D warnings`.
#![warn(clippy::missing_errors_doc)]
// `ok_or_else(|| Error::X)` on purpose: `Error` has drop glue (it can hold
// an `io::Error` or a message), so an eagerly built `Error::X` that is not
// used is dropped by an out-of-line call, on every successful read of the
// hot loops (measured: 18 instructions per call, six calls per event).
#![allow(clippy::unnecessary_lazy_evaluations)]
// The model checker's locks are larger than std's (src/sync.rs).
#![cfg_attr(rewal_shuttle, allow(clippy::large_enum_variant))]

mod builder;
pub mod crc;
pub mod encoding;
mod error;
mod event;
pub mod frame;
mod hooks;
mod options;
mod pipeline;
mod plugins;
mod read;
mod shared;
mod state;
mod stats;
mod storage;
mod sync;
mod wal;

/// Looking into a log without opening it for writing: every frame, how the
/// log ends, and what is wrong where it stops being valid.
pub mod inspect {
    pub use crate::frame::{LogEnd, Problem};
    pub use crate::read::diagnose::{diagnose_bytes, diagnose_file, diagnose_storage};
    pub use crate::read::iter::BadFrame;
    pub use crate::read::run::{
        segment_last_lsn, segment_misfit, Misfit, Run, RunProblem, RunScan, SegmentScan,
    };
    pub use crate::read::scan::{
        read_file, read_storage, scan_bytes, scan_file, scan_storage, FrameInfo, LogScan,
    };
    pub use crate::read::scan_dir::scan_dir;
    pub use crate::read::source::StorageReader;
    pub use crate::storage::segments::{segment_lsn, segment_name};
}

pub use builder::WalBuilder;
pub use encoding::{
    decode_all_batches, decode_batch_frame_borrowed, scan_batch_header, BorrowedEvent,
};
pub use error::{Details, Error, Result};
pub use event::{Batch, BatchView, Event, Lsn};
pub use hooks::Hooks;
pub use options::{Backpressure, Recovery, SyncMode};
pub use plugins::{Compressor, Indexer};
pub use read::iter::WalIterator;
pub use read::set_aside::SetAside;
pub use state::State;
pub use stats::Stats;
pub use storage::{FileStorage, Mapped, MemoryStorage, ReadStorage, Storage};
pub use wal::{DurableFuture, Wal};
