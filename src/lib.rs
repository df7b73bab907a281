//! # rewal — an embedded write-ahead log
//!
//! Your program appends events; rewal gives each one a log sequence number
//! (LSN), writes them with a CRC-32C on every frame, makes them durable
//! when you ask, and hands them back in order after a restart or a crash.
//! One writer thread does group commit (many appends, one write, one
//! sync); replay reads a memory map without copying. The same engine runs
//! natively, as a WASI module under wasmtime, and in the browser, and all
//! of them read and write the same bytes, as do rewal 0.1.0 and the Go
//! library UEWAL v0.2.
//!
//! Until 0.2 is on crates.io, depend on the repository:
//! `rewal = { git = "https://github.com/rewal/rewal" }` (or a `path`).
//!
//! ## An example
//!
//! ```
//! use rewal::{Batch, Result, Wal};
//! use std::time::Duration;
//!
//! fn main() -> Result<()> {
//!     let path = std::env::temp_dir().join("rewal-doc-quick-start.wal");
//!     # let _ = std::fs::remove_file(&path);
//!     let wal = Wal::open(&path).build()?; // creates it, or recovers it
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
//!     // Read back: a callback, or an iterator (0: from the oldest held).
//!     wal.replay(first, |event| {
//!         println!("{} {}", event.lsn, String::from_utf8_lossy(&event.payload));
//!         Ok(())
//!     })?;
//!     let all = wal.iterator(0)?.collect::<Result<Vec<_>>>()?;
//!     assert_eq!(all.last().map(|event| event.lsn), Some(last));
//!
//!     wal.shutdown(Duration::from_secs(5))?; // drain, sync, close, unlock
//!     # std::fs::remove_file(&path)?;
//!     Ok(())
//! }
//! ```
//!
//! In async code, [`Wal::wait_durable_async`] waits without blocking a
//! thread: the writer's group commit wakes the task (any executor; no
//! runtime dependency).
//!
//! ```
//! async fn record(wal: &rewal::Wal, order: &[u8]) -> rewal::Result<u64> {
//!     let lsn = wal.append(order)?;
//!     wal.wait_durable_async(lsn).await?;
//!     Ok(lsn)
//! }
//! ```
//!
//! ## Durability
//!
//! `append` returns once the event is queued, with its final LSN.
//!
//! | call | returns once the events before it are | a process crash keeps them | a power cut keeps them |
//! |---|---|---|---|
//! | [`Wal::append`] | queued | once written (within about 1 ms) | once synced |
//! | [`Wal::flush`] | written to the OS | yes | once synced |
//! | [`Wal::sync`], [`Wal::wait_durable`], [`Wal::wait_durable_async`] | written and synced | yes | yes |
//!
//! [`SyncMode`] adds automatic syncs: after every write (`Batch`), or at
//! most an interval after data was written (`Interval`). A failed write or
//! sync fails the log: every later call reports it, and nothing is
//! reported durable that may not be. [`Wal::shutdown`] drains, syncs and
//! closes; [`Wal::close`] closes at once, discarding what is not written.
//! Either releases the lock before returning. The lifecycle is
//! `Init → Running → Draining → Closed` ([`State`]).
//!
//! ## Recovery
//!
//! Opening a log checks every frame. A torn tail (what a crash mid-write
//! leaves) is cut off. What a power cut leaves when the OS wrote pages
//! back out of order (zeros, then frames, past the last sync) is cut too,
//! and the cut bytes are kept beside the log ([`Wal::set_aside`]): the
//! log keeps a sync mark that tells a power cut's lost pages from damage.
//! Any other invalid data followed by valid frames is a corruption: the
//! open fails with [`Error::Corrupted`] and the file is left untouched,
//! unless [`Recovery::TruncateAtCorruption`] is chosen. A file that is not
//! a rewal log is refused with [`Error::NotALog`] and never modified.
//! [`inspect`] reports all of this without opening a log for writing.
//!
//! ## Segments and checkpoints
//!
//! [`Wal::open_dir`] keeps a log as a directory of segment files, each a
//! complete log named by its first LSN, a new one started every
//! [`segment_size`](WalBuilder::segment_size) bytes. After the application
//! has durably saved a snapshot of the state the events built,
//! [`Wal::checkpoint`] gives back the whole segments it covers (its
//! example is a complete snapshot-and-restart program). Retention
//! ([`retain_bytes`](WalBuilder::retain_bytes),
//! [`retain_age`](WalBuilder::retain_age)) keeps a bounded buffer instead.
//! Reading below [`Wal::first_lsn`] is [`Error::Checkpointed`].
//!
//! ## A live reader
//!
//! An iterator reads to the end of what is written; a live reader waits
//! for more. [`WalIterator::next_wait`] sleeps until the writer writes the
//! next event (no polling), across segments and checkpoints, and ends with
//! `Ok(None)` once the log shuts down and everything has been read. In
//! async code, [`WalIterator::next_async`] is the same wait as a future
//! (any executor, no runtime dependency), and with the `stream` feature
//! the iterator is a `futures_core::Stream`.
//!
//! ```
//! # fn main() -> rewal::Result<()> {
//! use std::{sync::Arc, time::Duration};
//! let path = std::env::temp_dir().join("rewal-doc-live-reader.wal");
//! # let _ = std::fs::remove_file(&path);
//! let wal = Arc::new(rewal::Wal::open(&path).build()?);
//! let mut events = wal.iterator(0)?;
//! let writer = std::thread::spawn({
//!     let wal = wal.clone();
//!     move || wal.append("ready")
//! });
//! let event = events.next_wait(Duration::from_secs(10))?;
//! assert_eq!(event.map(|event| event.payload), Some(b"ready".to_vec()));
//! # writer.join().unwrap()?;
//! # wal.shutdown(Duration::from_secs(5))?;
//! # std::fs::remove_file(&path)?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Targets
//!
//! - **Native** (Linux, macOS, Windows): a writer thread, memory-mapped
//!   replay, file locks across processes, the CPU's CRC instructions.
//! - **WASI** (`wasm32-wasip1` modules, `wasm32-wasip2` components, under
//!   wasmtime): the same engine without threads or maps; appends write on
//!   the caller's thread, reads go through a bounded buffer.
//! - **Browser** (`wasm32-unknown-unknown`): [`MemoryStorage`], or your
//!   own [`Storage`] (the `rewal-wasm` package's OPFS storage keeps a
//!   durable log in a worker). There is no clock until the embedder
//!   installs one with `rewal_platform::install_clock`.
//!
//! On wasm32, build with `-C target-feature=+simd128` for the CRC's SIMD
//! path (the portable one gives the same results).
//!
//! ## Tools, and more to read
//!
//! The `rewal` command-line tool (`cargo install --path cli --locked` from
//! a checkout) looks inside, verifies, dumps, follows and repairs logs; the
//! browser viewer does the same on a page. The repository's
//! [README](https://github.com/rewal/rewal#readme) is the user's guide;
//! [`docs/format.md`](https://github.com/rewal/rewal/blob/main/docs/format.md)
//! describes the bytes and the recovery rules,
//! [`docs/architecture.md`](https://github.com/rewal/rewal/blob/main/docs/architecture.md)
//! the code, and
//! [`docs/benchmarks.md`](https://github.com/rewal/rewal/blob/main/docs/benchmarks.md)
//! the figures against other WAL crates.

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
    pub use crate::read::scan_from::scan_storage_from;
    pub use crate::read::source::StorageReader;
    pub use crate::storage::segments::{segment_lsn, segment_name};
}

pub use builder::WalBuilder;
pub use encoding::BorrowedEvent;
// rewal 0.1.0 had its codec at the crate root; it lives in `encoding` now.
#[doc(hidden)]
pub use encoding::{decode_all_batches, decode_batch_frame_borrowed, scan_batch_header};
pub use error::{Details, Error, Result};
pub use event::{Batch, BatchView, Event, Lsn};
pub use hooks::Hooks;
pub use options::{Backpressure, Recovery, SyncMode};
pub use plugins::{Compressor, Indexer};
pub use read::iter::{NextFuture, WalIterator};
pub use read::set_aside::SetAside;
pub use state::State;
pub use stats::Stats;
pub use storage::{FileStorage, Mapped, MemoryStorage, ReadStorage, Storage};
pub use wal::{DurableFuture, Wal};
