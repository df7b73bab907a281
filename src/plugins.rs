//! The caller's extension points: a compressor for frames and an indexer
//! told of every event once it is written.

use crate::{Lsn, Result};

/// Compresses the records region of every frame (flag bit 0 on disk).
///
/// Both methods append their output to `dst`, which rewal hands over empty.
/// `decompress` may be given hostile bytes from a damaged file: it must fail
/// with an error, not panic, and should bound what it allocates.
pub trait Compressor: Send + Sync {
    /// Appends the compressed form of `src` to `dst`.
    fn compress(&self, src: &[u8], dst: &mut Vec<u8>) -> Result<()>;
    /// Appends the decompressed form of `src` to `dst`.
    fn decompress(&self, src: &[u8], dst: &mut Vec<u8>) -> Result<()>;
}

/// Told of every event after its frame is written to storage, in LSN order,
/// from the writer (the writer thread natively; the appending call on
/// wasm32). It runs on the write path: keep it fast, and never call back
/// into the `Wal` from it.
pub trait Indexer: Send + Sync {
    /// One event was written: its LSN, its meta, and the file offset of the
    /// frame that holds it.
    fn on_append(&self, lsn: Lsn, meta: Option<&[u8]>, offset: u64);
}
