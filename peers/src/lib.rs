//! rewal beside its peers. This crate has no code of its own: its tests
//! (`tests/interop.rs`) check that rewal and rewal 0.1.0 read each other's
//! files, and its benchmarks (`benches/compare.rs`, `benches/durable.rs`)
//! run the same workloads on rewal, rewal 0.1.0 and okaywal in one run.
