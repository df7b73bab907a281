//! The helpers the workspace's tests share: scratch directories, a seeded
//! PRNG, a tiny deterministic compressor, the golden vectors' sidecars, the
//! hostile-file corpus, the reliability campaigns' parts (seeds and
//! figures, self-checking events, the crash harness), storages that fail
//! on purpose, and the wasm host tests' switches. A dev-dependency of the
//! crates whose tests use it (not published).
//!
//! It builds for every target the engine's tests run on, wasm32-wasip1 and
//! wasm32-wasip2 included (there without the crash harness and the wasm
//! host helpers, which start processes).

pub mod campaign;
pub mod corpus;
#[cfg(not(target_family = "wasm"))]
pub mod crash;
pub mod events;
pub mod fault;
pub mod hooked;
pub mod rle;
pub mod rng;
pub mod scratch;
pub mod scripted;
pub mod segment_dirs;
pub mod sidecar;
#[cfg(not(target_family = "wasm"))]
pub mod wasm_host;

pub use rle::{rle_compress, rle_decompress, Rle};
pub use scratch::{temp_dir, Scratch};

use std::path::Path;

/// Reads back every event of the log at `path` (opening and shutting it).
pub fn read_all(path: &Path) -> Vec<rewal::Event> {
    let wal = rewal::Wal::open(path).build().expect("open for read_all");
    let mut events = Vec::new();
    wal.replay(0, |event| {
        events.push(event);
        Ok(())
    })
    .expect("replay");
    wal.shutdown(std::time::Duration::from_secs(5))
        .expect("shutdown");
    events
}
