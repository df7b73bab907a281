//! Helpers shared by the integration tests: scratch directories, a seeded
//! PRNG, and a tiny deterministic compressor.
#![allow(dead_code)]

pub mod campaign;
pub mod corpus;
#[cfg(not(target_family = "wasm"))]
pub mod crash;
pub mod events;
pub mod hooked;
pub mod rng;
pub mod scripted;
pub mod sidecar;
#[cfg(not(target_family = "wasm"))]
pub mod wasm_host;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory under the temp dir, removed when dropped. On WASI the
/// temp dir is the scratch directory the test runner preopens.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        // Not std::process::id(): WASI has no process ids (it panics there).
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.subsec_nanos());
        let dir = temp_dir().join(format!("rewal-{name}-{nonce}-{n}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch { dir }
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `$TMPDIR`, else the platform's temp dir. (`std::env::temp_dir` panics
/// on WASI; the wasmtime runner sets TMPDIR to its preopened scratch dir.)
pub fn temp_dir() -> PathBuf {
    std::env::var_os("TMPDIR").map_or_else(std::env::temp_dir, PathBuf::from)
}

/// Run-length encoding as `(run length 1..=255, byte)` pairs: deterministic,
/// so rewal and rewal 0.1.0 compress identically, and trivially safe to
/// decode (output is at most 255 × input).
pub fn rle_compress(src: &[u8], dst: &mut Vec<u8>) {
    let mut i = 0;
    while i < src.len() {
        let byte = src[i];
        let mut run = 1;
        while i + run < src.len() && src[i + run] == byte && run < 255 {
            run += 1;
        }
        dst.push(run as u8);
        dst.push(byte);
        i += run;
    }
}

/// Inverse of [`rle_compress`]; `None` on malformed input.
pub fn rle_decompress(src: &[u8], dst: &mut Vec<u8>) -> Option<()> {
    if src.len() & 1 == 1 {
        return None;
    }
    for pair in src.chunks_exact(2) {
        if pair[0] == 0 {
            return None;
        }
        dst.resize(dst.len() + usize::from(pair[0]), pair[1]);
    }
    Some(())
}

/// The RLE compressor as a rewal `Compressor`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rle;

impl rewal::Compressor for Rle {
    fn compress(&self, src: &[u8], dst: &mut Vec<u8>) -> rewal::Result<()> {
        rle_compress(src, dst);
        Ok(())
    }

    fn decompress(&self, src: &[u8], dst: &mut Vec<u8>) -> rewal::Result<()> {
        rle_decompress(src, dst).ok_or(rewal::Error::InvalidRecord)
    }
}

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

pub mod fault;
