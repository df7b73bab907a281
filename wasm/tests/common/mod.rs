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
/// (`cli/tests/expected/NAME.txt`).
pub fn cli_verify_line(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../cli/tests/expected")
        .join(format!("{name}.txt"));
    let text = std::fs::read_to_string(path).unwrap();
    let command = format!("$ rewal verify {name}.wal\n");
    let after = &text[text.find(&command).expect("a verify transcript") + command.len()..];
    let line = after.lines().next().unwrap();
    line.strip_prefix(&format!("{name}.wal: "))
        .expect("the file name first")
        .to_string()
}

use rewal::{MemoryStorage, ReadStorage, Result};
use rewal_wasm::segments::{layout, order};
use rewal_wasm::view::LogView;
use std::path::Path;
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

/// A directory of its own under the temporary directory, removed on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new, empty one, its name made of `name` and the process id.
    pub fn new(name: &str) -> Scratch {
        let base = std::env::var_os("TMPDIR").map_or_else(std::env::temp_dir, PathBuf::from);
        let dir = base.join(format!("rewal-wasm-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.0
    }

    /// `file` in it.
    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The segment files of `dir` as a browser hands them over: `(name,
/// bytes)` of the files named as segments (the lock file left out),
/// newest first: the viewer must put them in order itself.
pub fn load_segments(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_string();
            rewal::inspect::segment_lsn(&name)?;
            let bytes = std::fs::read(&path).unwrap();
            Some((name, bytes))
        })
        .collect();
    files.sort_by(|a, b| b.0.cmp(&a.0));
    files
}

/// Segment files opened both ways the viewer opens them: in place
/// (`WalLog.openSegments`), and through a storage that does not map
/// (`WalLog.openSegmentSources`: `File`s read in slices).
pub fn segments_both_ways(files: &[(String, Vec<u8>)]) -> [(&'static str, LogView); 2] {
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    let order = order(&names).unwrap();
    let mut all = Vec::new();
    let mut laid = Vec::new();
    for &i in &order {
        all.extend_from_slice(&files[i].1);
        laid.push((files[i].0.clone(), files[i].1.len() as u64));
    }
    let sliced =
        LogView::open_segments(MemoryStorage::from_bytes(all), layout(laid).unwrap()).unwrap();
    [
        ("in place", LogView::from_segments(files.to_vec()).unwrap()),
        ("read in slices", sliced),
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

impl ReadStorage for CountingStorage {
    fn size(&self) -> Result<u64> {
        self.inner.size()
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let n = self.inner.read_at(buf, offset)?;
        self.total.fetch_add(n as u64, Ordering::Relaxed);
        self.largest.fetch_max(buf.len() as u64, Ordering::Relaxed);
        Ok(n)
    }
}
