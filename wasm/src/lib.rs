//! # rewal-wasm — the rewal engine for JavaScript
//!
//! The browser and Node build of rewal (`wasm32-unknown-unknown`,
//! wasm-bindgen): the same engine as the native library. `www/` is the
//! viewer page built on it; `www/build.sh` turns this crate into
//! `www/pkg/`, and `wasm/npm/pack.sh` into an npm package.
//!
//! - [`WalLog`] opens a log from bytes (`WalLog.open`) or from any object
//!   that reads slices of it (`WalLog.openSource`: a `File` in a worker, a
//!   Node file descriptor), for logs larger than memory: a summary, pages
//!   of events, the frame list, what `rewal verify` would say, a minimap
//!   and breakdowns, and the events after a corruption. Opening runs the
//!   engine's scan once and builds a sparse seek index ([`index`]), so a
//!   page anywhere in a log costs the same as the first.
//! - A log kept as a directory of segment files (`Wal::open_dir`) opens as
//!   one (`WalLog.openSegments`, `WalLog.openSegmentSources`,
//!   [`segments`]): the files one after the other, each checked as the
//!   log it is, and a segment that does not follow the one before named.
//! - [`WalWriter`] and [`WalBatch`] write a log in memory, byte for byte as
//!   the native library writes it.
//!
//! The logic lives in plain Rust ([`view`], [`writer`]) and is tested
//! natively; [`bindings`] only converts types and errors. What `rewal
//! verify` would say comes from the engine (`rewal::inspect::Verdict`), so
//! the viewer and the command line word it alike.

#![warn(missing_docs)]

pub mod bindings;
mod clock;
pub mod index;
pub mod picture;
pub mod segments;
pub mod storage;
pub mod view;
pub mod writer;

pub use bindings::{
    LogEvent, LogFrame, LogPicture, LogSegment, Summary, VerifyReport, WalBatch, WalLog, WalWriter,
};
