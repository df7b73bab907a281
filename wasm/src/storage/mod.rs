//! The read-only storages the viewer opens logs from, all behind the
//! engine's [`rewal::Storage`] trait so that the engine's own scan checks
//! every frame:
//!
//! - [`BytesStorage`]: bytes already in wasm memory (a `Uint8Array` or a
//!   Node `Buffer` handed to `LogCore.open`); it maps, so the scan and the
//!   pages read it in place;
//! - [`SourceStorage`]: a JavaScript object with `size` and
//!   `readAt(offset, target)` (a `File` read slice by slice in a worker, a
//!   Node file descriptor): never held whole, read through a few cached
//!   blocks;
//! - [`TailStorage`]: another storage from an offset on, so that the frames
//!   after a corruption can be scanned by the engine as a log of their own.

mod bytes;
mod source;
mod tail;

pub use bytes::BytesStorage;
pub use source::{ByteSource, SourceStorage};
pub use tail::TailStorage;

use rewal::{Error, Result};

/// What every write-side call of a read-only storage returns.
fn read_only<T>() -> Result<T> {
    Err(Error::Closed)
}
