//! A log kept as a directory of segment files (`Wal::open_dir`).
//!
//! Each segment is a complete v2 log, named by the first LSN it may hold
//! (one more than the last LSN of the segment before it) as 20 decimal
//! digits and `.wal`. The engine sees the segments as one byte sequence:
//! their frames one after the other, at offsets that start at 0 for the
//! oldest segment held when the log was opened and never move while it is
//! open (a checkpoint removes segments without renumbering the rest). A
//! batch never spans two segments: the writer rotates between writes.
//!
//! The directory is locked through a file in it, `rewal.lock`, held open
//! exclusively (flock / LockFileEx natively, the in-process registry
//! everywhere): a second open of the directory is refused.

use super::{FileStorage, Mapped, Storage};
use crate::error::on_file;
use crate::sync::{self, RwLock, RwLockReadGuard, RwLockWriteGuard};
use crate::{Error, Lsn, Result};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// The name of the lock file in a segment directory.
pub(crate) const LOCK_FILE: &str = "rewal.lock";

/// The file name of the segment whose first LSN is `lsn`.
pub fn segment_name(lsn: Lsn) -> String {
    format!("{lsn:020}.wal")
}

/// The first LSN of the segment file `name`, if it is one: 20 digits and
/// `.wal`.
pub fn segment_lsn(name: &str) -> Option<Lsn> {
    let digits = name.strip_suffix(".wal")?;
    if digits.len() != 20 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The segment files of `dir`, oldest first: `(first LSN, path)`.
pub(crate) fn list_segments(dir: &Path) -> Result<Vec<(Lsn, PathBuf)>> {
    let names = rewal_platform::list_dir(dir).map_err(|e| on_file("listing", dir, e))?;
    let mut segments: Vec<(Lsn, PathBuf)> = names
        .iter()
        .filter_map(|name| Some((segment_lsn(name)?, dir.join(name))))
        .collect();
    segments.sort_by_key(|(lsn, _)| *lsn);
    Ok(segments)
}

/// One segment file.
pub(crate) struct Segment {
    /// The first LSN it may hold (its name).
    pub(crate) first_lsn: Lsn,
    pub(crate) path: PathBuf,
    /// The offset of its first byte in the log.
    pub(crate) start: u64,
    /// The bytes of frames it holds (zeros written ahead come after).
    len: AtomicU64,
    /// Written since its last sync.
    dirty: AtomicBool,
    storage: RwLock<Box<dyn Storage>>,
}

impl Segment {
    pub(crate) fn new(
        first_lsn: Lsn,
        path: PathBuf,
        start: u64,
        len: u64,
        storage: Box<dyn Storage>,
    ) -> Arc<Segment> {
        Arc::new(Segment {
            first_lsn,
            path,
            start,
            len: AtomicU64::new(len),
            dirty: AtomicBool::new(false),
            storage: RwLock::new(storage),
        })
    }

    pub(crate) fn len(&self) -> u64 {
        self.len.load(Ordering::Acquire)
    }

    fn end(&self) -> u64 {
        self.start + self.len()
    }

    fn shared(&self) -> RwLockReadGuard<'_, Box<dyn Storage>> {
        sync::read(&self.storage)
    }

    fn exclusive(&self) -> RwLockWriteGuard<'_, Box<dyn Storage>> {
        sync::write(&self.storage)
    }
}

/// One mapped segment of a view of the log.
pub(crate) struct Part {
    pub(crate) start: u64,
    pub(crate) map: Box<dyn Mapped>,
}

/// The segments of an open log.
pub(crate) struct Segments {
    dir: PathBuf,
    /// The lock file, held open for the log's lifetime.
    lock: RwLock<Option<FileStorage>>,
    /// Oldest first; never empty while the log is open.
    list: RwLock<Vec<Arc<Segment>>>,
}

impl Segments {
    pub(crate) fn new(dir: PathBuf, lock: FileStorage, list: Vec<Arc<Segment>>) -> Segments {
        Segments {
            dir,
            lock: RwLock::new(Some(lock)),
            list: RwLock::new(list),
        }
    }

    fn list(&self) -> RwLockReadGuard<'_, Vec<Arc<Segment>>> {
        sync::read(&self.list)
    }

    fn list_mut(&self) -> RwLockWriteGuard<'_, Vec<Arc<Segment>>> {
        sync::write(&self.list)
    }

    /// The newest segment: where writes go.
    pub(crate) fn newest(&self) -> Result<Arc<Segment>> {
        self.list().last().cloned().ok_or_else(|| Error::Closed)
    }

    /// The segments, oldest first (a snapshot).
    pub(crate) fn all(&self) -> Vec<Arc<Segment>> {
        self.list().clone()
    }

    /// The offset of the oldest segment held: where reading begins.
    pub(crate) fn start(&self) -> u64 {
        self.list().first().map_or(0, |segment| segment.start)
    }

    /// The first LSN the oldest segment may hold.
    pub(crate) fn first_lsn(&self) -> Lsn {
        self.list().first().map_or(1, |segment| segment.first_lsn)
    }

    /// The end of the log: the end of the newest segment's frames.
    pub(crate) fn size(&self) -> Result<u64> {
        Ok(self.newest()?.end())
    }

    /// Appends to the newest segment; returns how much it took.
    pub(crate) fn write(&self, buf: &[u8]) -> Result<usize> {
        let newest = self.newest()?;
        newest.dirty.store(true, Ordering::Release);
        let written = newest.exclusive().write(buf)?;
        newest.len.fetch_add(written as u64, Ordering::AcqRel);
        Ok(written)
    }

    /// Syncs every segment written since its last sync (the newest: a
    /// rotation syncs the one it finishes).
    pub(crate) fn sync(&self) -> Result<()> {
        for segment in self.all() {
            if segment.dirty.swap(false, Ordering::AcqRel) {
                if let Err(error) = segment.shared().sync() {
                    segment.dirty.store(true, Ordering::Release);
                    return Err(error);
                }
            }
        }
        Ok(())
    }

    /// Preallocates the newest segment so that the log reaches `len`.
    pub(crate) fn preallocate(&self, len: u64) -> Result<bool> {
        let newest = self.newest()?;
        let local = len.saturating_sub(newest.start);
        let done = newest.exclusive().preallocate(local)?;
        Ok(done)
    }

    /// Reads at `offset` of the log, within one segment; fewer bytes at the
    /// end of a segment (the caller reads on from the next).
    pub(crate) fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let Some(segment) = self.holding(offset) else {
            return Ok(0);
        };
        let local = offset - segment.start;
        let n = buf.len().min((segment.len() - local) as usize);
        let read = segment.shared().read_at(&mut buf[..n], local)?;
        Ok(read)
    }

    /// The segment holding `offset`, if one does.
    fn holding(&self, offset: u64) -> Option<Arc<Segment>> {
        let list = self.list();
        let at = list.partition_point(|segment| segment.end() <= offset);
        list.get(at)
            .filter(|segment| segment.start <= offset)
            .cloned()
    }

    /// Maps every segment that holds bytes below `limit`, or `None` if one
    /// of them does not map.
    pub(crate) fn map(&self, limit: u64) -> Result<Option<Vec<Part>>> {
        let mut parts = Vec::new();
        for segment in self.list().iter().filter(|segment| segment.start < limit) {
            let len = segment.len().min(limit - segment.start);
            match segment.shared().map(len)? {
                Some(map) => parts.push(Part {
                    start: segment.start,
                    map,
                }),
                None => return Ok(None),
            }
        }
        Ok(Some(parts))
    }

    /// Starts a new segment for the LSNs from `first_lsn` on. The newest
    /// one is finished first: its zeros written ahead cut off and its bytes
    /// synced (a clean file when the sync mode already synced its last
    /// write), so that the next segment can never be on disk while the
    /// frames before it are not: a power cut then leaves a shorter log, not
    /// a gap. The new file is created with its directory entry made
    /// durable before it is used. A rotation thus costs one sync of the
    /// directory beyond what the sync mode does.
    pub(crate) fn rotate(&self, first_lsn: Lsn) -> Result<()> {
        let newest = self.newest()?;
        trim(&newest)?;
        if newest.dirty.swap(false, Ordering::AcqRel) {
            if let Err(error) = newest.shared().sync() {
                newest.dirty.store(true, Ordering::Release);
                return Err(error);
            }
        }
        let path = self.dir.join(segment_name(first_lsn));
        let storage = FileStorage::new(&path)?;
        let segment = Segment::new(first_lsn, path, newest.end(), 0, Box::new(storage));
        self.list_mut().push(segment);
        Ok(())
    }

    /// Removes every segment but the newest whose events all have LSNs up
    /// to `through`, oldest first, each removal made durable before the
    /// next (a crash in between leaves the log without a gap). Returns how
    /// many it removed. Readers that hold a removed segment keep reading
    /// it until they let go.
    pub(crate) fn checkpoint(&self, through: Lsn) -> Result<usize> {
        let removed: Vec<Arc<Segment>> = {
            let mut list = self.list_mut();
            // Segment i's events end before segment i + 1's first LSN: keep
            // from the first segment whose events go past `through`.
            let keep_from = (0..list.len().saturating_sub(1))
                .find(|&i| list[i + 1].first_lsn.saturating_sub(1) > through)
                .unwrap_or(list.len().saturating_sub(1));
            list.drain(..keep_from).collect()
        };
        for segment in &removed {
            rewal_platform::remove_file(&segment.path)
                .map_err(|e| on_file("removing", &segment.path, e))?;
            rewal_platform::sync_dir(&self.dir).map_err(|e| on_file("syncing", &self.dir, e))?;
        }
        Ok(removed.len())
    }

    /// Closes every segment (cutting the newest one's zeros written ahead)
    /// and the lock file.
    pub(crate) fn close(&self) -> Result<()> {
        let mut outcome = Ok(());
        for segment in self.list().iter() {
            let closed = segment.exclusive().close();
            if outcome.is_ok() {
                outcome = closed;
            }
        }
        if let Some(mut lock) = sync::write(&self.lock).take() {
            let _ = lock.close();
        }
        outcome
    }
}

/// Cuts a segment's file to its frames (its zeros written ahead go).
fn trim(segment: &Segment) -> Result<()> {
    let storage = segment.shared();
    if storage.size()? > segment.len() {
        drop(storage);
        segment.exclusive().truncate(segment.len())?;
    }
    Ok(())
}
