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
//! - [`Window`]: one segment file's bytes among a log's, so that the
//!   engine scans each segment as the complete log it is.
//!
//! None of them writes: the viewer only reads, so they implement only the
//! read side. Scanning from inside a log (the frames after a corruption)
//! is the engine's `rewal::inspect::scan_storage_from`, over the same
//! storage.

mod bytes;
mod source;
mod window;

pub use bytes::BytesStorage;
pub use source::{ByteSource, SourceStorage};
pub use window::Window;
