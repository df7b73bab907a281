//! The storages the viewer reads logs from, each a [`rewal::ReadStorage`]
//! (the read side of the engine's storage, which asks for no `Send`), so
//! that the engine's own scans check every frame:
//!
//! - [`BytesStorage`]: bytes already in wasm memory (a `Uint8Array` or a
//!   Node `Buffer` handed to `LogCore.open`); it maps, so the scan and the
//!   pages read it in place;
//! - [`SourceStorage`]: JavaScript objects with `size` and
//!   `readAt(offset, target)` (a `File` read slice by slice in a worker, a
//!   Node file descriptor), held as they are: never read whole, read
//!   through a few cached blocks;
//! - [`TailStorage`]: another storage from an offset on, so that the frames
//!   after a corruption can be scanned by the engine as a log of their own.

mod bytes;
mod source;
mod tail;

pub use bytes::BytesStorage;
pub use source::{ByteSource, SourceStorage};
pub use tail::TailStorage;

