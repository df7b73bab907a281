//! rewal beside its peers. Its tests (`tests/interop.rs`,
//! `tests/dropin.rs`) check that rewal and rewal 0.1.0 read each other's
//! files and answer the same calls alike; its benchmarks
//! (`benches/durable.rs`, `benches/compare.rs`, `benches/segments.rs`) run
//! the same workloads on rewal and on the WAL crates a Rust user would pick
//! instead (rewal 0.1.0, okaywal, walrus-rust, wal-db), in one run on one
//! disk. `docs/benchmarks.md` says how to run them and how their figures
//! are computed.
//!
//! This library holds what the benchmarks share: a scratch directory on the
//! real disk ([`dir`]), the settings read from the environment
//! ([`settings`]), the child process that runs one measurement ([`child`]),
//! the CPU hog of the loaded condition ([`hog`]), the statistics
//! ([`stats`]) and the table printer ([`table`]).

#![warn(missing_docs)]

pub mod child;
pub mod dir;
pub mod hog;
pub mod priority;
pub mod settings;
pub mod stats;
pub mod table;
