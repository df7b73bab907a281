//! Scanning a segment directory without opening it for writing: its
//! segment files as a [`Run`], each read-only and without a lock (another
//! process may have the log open), opened one at a time.

use super::recover_dir::newest_synced_from;
use super::run::{Run, RunScan};
use crate::storage::mark::SyncMark;
use crate::storage::segments::{list_segments, LOCK_FILE};
use crate::storage::{FileStorage, ReadStorage};
use crate::Result;
use std::cell::OnceCell;
use std::path::{Path, PathBuf};

/// Scans the segment directory `dir` as a run of its segment files (see
/// [`Run::scan`]): each read-only and without a lock (another process may
/// have the log open), opened when its turn comes and closed after. A
/// directory without segment files scans as an empty log. The directory's
/// sync mark says where the newest segment may hold a power cut's lost
/// writes.
///
/// A damaged directory is no error: [`RunScan::problem`] says what is
/// wrong, and each segment's scan how it ends.
///
/// ```
/// use rewal::inspect::scan_dir;
/// use rewal::Wal;
/// use std::time::Duration;
///
/// # fn main() -> rewal::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("rewal-doc-scan-dir-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let wal = Wal::open_dir(&dir).segment_size(4096).build()?;
/// for n in 0..1000u64 {
///     wal.append(n.to_le_bytes())?;
/// }
/// wal.shutdown(Duration::from_secs(5))?;
///
/// let scan = scan_dir(&dir)?;
/// assert_eq!(scan.problem, None);
/// assert_eq!((scan.first_lsn(), scan.last_lsn(), scan.events()), (1, 1000, 1000));
/// for segment in &scan.segments {
///     let path = segment.path.as_ref().expect("read from a file");
///     println!("{}: LSNs up to {}", path.display(), segment.scan.last_lsn);
/// }
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// An I/O error if the directory cannot be listed (`NotFound` for a
/// missing one), or a segment cannot be opened or read.
pub fn scan_dir(dir: impl AsRef<Path>) -> Result<RunScan> {
    let dir = dir.as_ref();
    let listed = list_segments(dir)?;
    let synced = SyncMark::read(&dir.join(LOCK_FILE));
    let newest = listed.last().map(|(named, _)| *named);
    let mut run = Run::new();
    for (named, path) in listed {
        run.push_file(Some(named), path.clone(), SegmentFile::new(path));
    }
    let synced = match (synced, newest) {
        (Some(synced), Some(newest)) => newest_synced_from(synced, newest),
        _ => None,
    };
    run.synced_from(synced).scan(|_, _| {})
}

/// A segment file of a directory being scanned, opened read-only when it
/// is first read (and closed when dropped, once scanned).
struct SegmentFile {
    path: PathBuf,
    file: OnceCell<Result<FileStorage>>,
}

impl SegmentFile {
    fn new(path: PathBuf) -> SegmentFile {
        SegmentFile {
            path,
            file: OnceCell::new(),
        }
    }

    fn file(&self) -> Result<&FileStorage> {
        self.file
            .get_or_init(|| FileStorage::open_read_only(&self.path))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ReadStorage for SegmentFile {
    fn size(&self) -> Result<u64> {
        self.file()?.size()
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        self.file()?.read_at(buf, offset)
    }
}
