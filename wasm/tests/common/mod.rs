//! Helpers shared by the tests: the golden vectors and their sidecars.

#![allow(dead_code)] // each test file uses its own part

use std::path::PathBuf;

/// The repository's `tests/vectors/` directory.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

/// The names of the golden vectors.
pub const VECTORS: [&str; 5] = ["plain", "meta", "compressed", "torn", "corrupt"];

// The one sidecar parser, shared with the engine's `tests/vectors.rs`.
#[path = "../../../tests/common/sidecar.rs"]
mod shared_sidecar;
pub use shared_sidecar::Sidecar;

/// Reads and parses the sidecar of vector `name`.
pub fn sidecar(name: &str) -> Sidecar {
    let text = std::fs::read_to_string(vectors_dir().join(format!("{name}.events"))).unwrap();
    shared_sidecar::parse_sidecar(&text).unwrap_or_else(|error| panic!("{name}.events: {error}"))
}

/// What the native `rewal verify NAME.wal` prints for vector `name`,
/// without its `NAME.wal: ` prefix, from the CLI's expected transcripts
/// (`native/tests/expected/NAME.txt`).
pub fn cli_verify_line(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../native/tests/expected")
        .join(format!("{name}.txt"));
    let text = std::fs::read_to_string(path).unwrap();
    let command = format!("$ rewal verify {name}.wal\n");
    let after = &text[text.find(&command).expect("a verify transcript") + command.len()..];
    let line = after.lines().next().unwrap();
    line.strip_prefix(&format!("{name}.wal: "))
        .expect("the file name first")
        .to_string()
}

use rewal::{MemoryStorage, Result, Storage};
use rewal_wasm::view::LogView;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// `bytes` opened both ways the viewer opens logs: in place (`WalLog.open`,
/// a map) and through the read buffers (`WalLog.openSource`: a storage that
/// does not map, as a `File` read in slices). Every check runs on both.
pub fn both_ways(bytes: &[u8]) -> [(&'static str, LogView); 2] {
    [
        ("in memory", LogView::from_bytes(bytes.to_vec()).unwrap()),
        (
            "read in slices",
            LogView::open(MemoryStorage::from_bytes(bytes.to_vec())).unwrap(),
        ),
    ]
}

/// A storage that does not map and counts what is read from it: how many
/// bytes in all, and the largest single read.
#[derive(Clone)]
pub struct CountingStorage {
    inner: MemoryStorage,
    /// Bytes read so far.
    pub total: Arc<AtomicU64>,
    /// The largest single read.
    pub largest: Arc<AtomicU64>,
}

impl CountingStorage {
    /// Counts the reads of `bytes`.
    pub fn new(bytes: Vec<u8>) -> Self {
        CountingStorage {
            inner: MemoryStorage::from_bytes(bytes),
            total: Arc::default(),
            largest: Arc::default(),
        }
    }
}

impl Storage for CountingStorage {
    fn write(&mut self, _buf: &[u8]) -> Result<usize> {
        Err(rewal::Error::Closed)
    }
    fn sync(&self) -> Result<()> {
        Ok(())
    }
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
    fn size(&self) -> Result<u64> {
        self.inner.size()
    }
    fn truncate(&mut self, _size: u64) -> Result<()> {
        Err(rewal::Error::Closed)
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let n = self.inner.read_at(buf, offset)?;
        self.total.fetch_add(n as u64, Ordering::Relaxed);
        self.largest.fetch_max(buf.len() as u64, Ordering::Relaxed);
        Ok(n)
    }
}
