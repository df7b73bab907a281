//! # rewal-wasm — the rewal engine for JavaScript
//!
//! The browser build of rewal (`wasm32-unknown-unknown`, wasm-bindgen):
//! the same engine as the native library, on in-memory storage and the
//! inline pipeline. `www/` is the viewer page built on it; `www/build.sh`
//! turns this crate into `www/pkg/`.
//!
//! - [`WalLog`] opens a log from a `Uint8Array`: a summary, pages of
//!   events, the frame list and what `rewal verify` would say. Opening
//!   checks every frame once and builds a seek index ([`index`]), so a page
//!   anywhere in a 1 M-event log costs the same as the first.
//! - [`WalWriter`] and [`WalBatch`] write a log in memory, byte for byte as
//!   the native library writes it.
//!
//! The logic lives in plain Rust ([`view`], [`writer`]) and is tested
//! natively; [`bindings`] only converts types and errors. What `rewal
//! verify` would say comes from the engine (`rewal::inspect::Verdict`), so
//! the viewer and the command line word it alike.

#![warn(missing_docs)]

pub mod bindings;
pub mod bytes_storage;
mod clock;
pub mod index;
pub mod view;
pub mod writer;

pub use bindings::{LogEvent, LogFrame, Summary, VerifyReport, WalBatch, WalLog, WalWriter};
