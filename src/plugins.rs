//! The caller's extension points: a compressor for frames and an indexer
//! told of every event once it is written.

use crate::{Lsn, Result};

/// Compresses the records region of every frame (flag bit 0 on disk).
///
/// Both methods append their output to `dst`, which rewal hands over empty.
/// `decompress` may be given hostile bytes from a damaged file: it must fail
/// with an error, not panic, and should bound what it allocates.
///
/// See [`WalBuilder::compressor`](crate::WalBuilder::compressor) for an
/// example.
pub trait Compressor: Send + Sync {
    /// Appends the compressed form of `src` to `dst`.
    ///
    /// # Errors
    ///
    /// Any error is returned, as it is, by the append that asked (or by
    /// [`encode_batch`](crate::encoding::encode_batch) /
    /// [`encode_event`](crate::encoding::encode_event)); nothing of it is
    /// appended, and the log goes on. A panic is caught and returned as
    /// `Error::Panicked`.
    fn compress(&self, src: &[u8], dst: &mut Vec<u8>) -> Result<()>;
    /// Appends the decompressed form of `src` to `dst`.
    ///
    /// # Errors
    ///
    /// Any error (for bytes that do not decompress) ends the read that
    /// asked: the iterator or replay returns it, as it is (a panic as
    /// `Error::Panicked`). The indexer is then not told of that frame's
    /// events.
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
