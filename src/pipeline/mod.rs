//! The write pipelines. Two fulfil one contract (LSNs, frames, errors,
//! stats, hooks, lifecycle), chosen by target at compile time:
//!
//! - `threaded`: a bounded queue and a writer thread doing group commit;
//! - `inline`: for wasm32 without threads, appends are encoded at once and
//!   written when the buffer fills or a flush point is reached.

mod commit;
mod dropped;
mod queue;

pub(crate) use commit::Committer;
pub(crate) use queue::Item;

use crate::Backpressure;

cfg_if::cfg_if! {
    // `--cfg rewal_inline` selects it natively too, to test it there.
    if #[cfg(any(rewal_inline, all(target_family = "wasm", not(target_feature = "atomics"))))] {
        mod inline;
        pub(crate) use inline::Pipeline;
    } else {
        mod threaded;
        pub(crate) use threaded::Pipeline;
    }
}

/// What a durability wait found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    /// Written and synced.
    Durable,
    /// Everything up to the LSN is synced, but whether this one event was
    /// dropped was forgotten (see `dropped.rs`): the log itself must say.
    UnlessDropped,
}

/// What the builder tells the pipeline.
#[derive(Debug, Clone, Copy)]
// The inline pipeline has no queue: it reads only `buffer_capacity`.
#[cfg_attr(any(rewal_inline, target_family = "wasm"), allow(dead_code))]
pub(crate) struct Settings {
    pub(crate) queue_capacity: usize,
    pub(crate) buffer_capacity: usize,
    pub(crate) backpressure: Backpressure,
}
