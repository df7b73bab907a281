//! Scratch directories for the benchmarks' files.
//!
//! They live under the workspace's `target/`, on the disk the project is
//! built on: `/tmp` is a tmpfs on many machines, where a sync costs nothing
//! and a durable-write figure would mean nothing.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A fresh directory under `target/bench-<bench>/`, removed (with all it
/// holds) when dropped, also when a panic unwinds.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `target/bench-<bench>/<name>-<pid>-<n>`, where `n` counts
    /// the directories this process made, so that no two collide. Panics
    /// if the directory cannot be made: a benchmark cannot go on without
    /// it.
    pub fn new(bench: &str, name: &str) -> TempDir {
        static MADE: AtomicU64 = AtomicU64::new(0);
        let n = MADE.fetch_add(1, Relaxed);
        let path = root()
            .join(format!("bench-{bench}"))
            .join(format!("{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("create bench dir {}: {e}", path.display()));
        TempDir { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path inside the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
        // The bench's own folder goes too once it is empty (it fails, and
        // stays, while another directory of it is still in use).
        if let Some(parent) = self.path.parent() {
            let _ = std::fs::remove_dir(parent);
        }
    }
}

/// The workspace's `target/` directory.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(
        || PathBuf::from("target"),
        |workspace| workspace.join("target"),
    )
}

#[cfg(test)]
mod tests {
    use super::TempDir;

    #[test]
    fn made_under_target_and_removed_when_dropped() {
        let dir = TempDir::new("test", "dir");
        let path = dir.path().to_owned();
        assert!(path.is_dir());
        assert!(path.components().any(|part| part.as_os_str() == "target"));
        std::fs::write(dir.file("a"), b"x").unwrap();
        let other = TempDir::new("test", "dir");
        assert_ne!(other.path(), path, "two directories of one name differ");
        drop(dir);
        assert!(!path.exists());
    }
}
