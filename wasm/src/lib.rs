//! # rewal-wasm — the rewal engine for JavaScript
//!
//! The browser and Node build of rewal (`wasm32-unknown-unknown`,
//! wasm-bindgen): the same engine as the native library. `www/build.sh`
//! turns this crate into `www/pkg/` (the viewer's), and `wasm/npm/pack.sh`
//! into the npm package `rewal-wasm`, whose documented API
//! (`wasm/npm/src/`, `wasm/npm/README.md`) wraps the classes here.
//!
//! - [`view::LogView`] opens a log from bytes or from any object that
//!   reads slices of it (a `File` in a worker, a Node file descriptor),
//!   for logs larger than memory: a summary, pages of events, the frame
//!   list, what `rewal verify` would say, search, JSON lines, a minimap
//!   and breakdowns, and the events after a corruption. Opening runs the
//!   engine's scan once and builds a sparse seek index ([`index`]).
//! - A log kept as a directory of segment files (`Wal::open_dir`) opens as
//!   one ([`segments`]).
//! - [`opfs`]: a durable log in the browser, written by the engine in an
//!   OPFS file through a `FileSystemSyncAccessHandle` (in a dedicated
//!   worker), locked by that handle.
//! - [`writer::LogWriter`] writes a log in memory, byte for byte as the
//!   native library writes it; [`stream::StreamReader`] reads one as it
//!   streams in.
//!
//! The logic lives in plain Rust and is tested natively; [`bindings`] only
//! converts types and errors. What `rewal verify` would say comes from the
//! engine and `rewal-report`, so the viewer and the command line word it
//! alike.

#![warn(missing_docs)]

pub mod bindings;
mod clock;
pub mod index;
pub mod jsonl;
mod opening;
pub mod opfs;
pub mod picture;
pub mod search;
pub mod segments;
pub mod storage;
pub mod stream;
pub mod view;
pub mod writer;

pub use bindings::{LogCore, OpfsCore, StreamCore, WriterCore};
