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
//! everywhere): a second open of the directory is refused. The same file
//! holds the sync mark (`mark.rs`): which segment, and how much of it, is
//! known to be synced. That lock covers
//! every segment: only the newest is held open (for writing); a sealed
//! segment is opened when a reader needs it (`Access::ReadCovered`: mapped,
//! no lock of its own) and closed again, so a log of thousands of segments
//! needs a handful of descriptors, not one per segment.

use super::mark::{SyncMark, Synced};
use super::{FileStorage, Mapped, ReadStorage, Storage};
use crate::error::on_file;
use crate::sync::{self, Mutex, RwLock, RwLockReadGuard};
use crate::{Details, Error, Lsn, Result};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// The name of the lock file in a segment directory.
pub(crate) const LOCK_FILE: &str = "rewal.lock";

/// How many sealed segments stay open for readers that read without maps
/// (WASI, custom targets): the most recently read ones.
const READ_HANDLES: usize = 4;

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

/// One segment file of an open log.
pub(crate) struct Segment {
    /// The first LSN it may hold (its name).
    pub(crate) first_lsn: Lsn,
    pub(crate) path: PathBuf,
    /// The offset of its first byte in the log.
    pub(crate) start: u64,
    /// The bytes of frames it holds (zeros written ahead come after).
    len: AtomicU64,
    /// The LSN of its first event, once it holds one (0 before). Usually
    /// its name; higher when events were dropped (`Backpressure::Drop`), or
    /// when the file was renamed below what it holds.
    first_event: AtomicU64,
    /// The newest segment's file, open for writing; `None` once sealed.
    file: RwLock<Option<Box<dyn Storage>>>,
}

impl Segment {
    /// A sealed segment (its file is opened when read), whose first event
    /// has LSN `first_event` (0: it holds none).
    pub(crate) fn sealed(
        first_lsn: Lsn,
        path: PathBuf,
        start: u64,
        len: u64,
        first_event: Lsn,
    ) -> Arc<Segment> {
        Arc::new(Segment {
            first_lsn,
            path,
            start,
            len: AtomicU64::new(len),
            first_event: AtomicU64::new(first_event),
            file: RwLock::new(None),
        })
    }

    /// The newest segment, whose `file` takes the writes.
    pub(crate) fn newest(
        first_lsn: Lsn,
        path: PathBuf,
        start: u64,
        len: u64,
        first_event: Lsn,
        file: Box<dyn Storage>,
    ) -> Arc<Segment> {
        let segment = Segment::sealed(first_lsn, path, start, len, first_event);
        *sync::write(&segment.file) = Some(file);
        segment
    }

    pub(crate) fn len(&self) -> u64 {
        self.len.load(Ordering::Acquire)
    }

    /// The first LSN it holds an event for: its first event's, or, while
    /// it holds none, its name.
    pub(crate) fn first_held(&self) -> Lsn {
        match self.first_event.load(Ordering::Acquire) {
            0 => self.first_lsn,
            lsn => lsn,
        }
    }

    fn end(&self) -> u64 {
        self.start + self.len()
    }

    /// The open file, if this is the newest segment.
    fn file(&self) -> RwLockReadGuard<'_, Option<Box<dyn Storage>>> {
        sync::read(&self.file)
    }

    /// Runs `f` on the newest segment's file: `Error::Closed` on a sealed
    /// one (the log closed, or rotated under the caller).
    fn with_file<T>(&self, f: impl FnOnce(&mut dyn Storage) -> Result<T>) -> Result<T> {
        match sync::write(&self.file).as_mut() {
            Some(file) => f(file.as_mut()),
            None => Err(Error::Closed),
        }
    }

    /// Opens this segment's file for reading (a sealed one). A file that
    /// is gone was removed by a checkpoint under the reader:
    /// `Error::Checkpointed`.
    fn open_for_reading(&self) -> Result<FileStorage> {
        FileStorage::open_covered(&self.path).map_err(|error| match error {
            Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                Error::checkpointed(Details::new().with_segment(&self.path))
            }
            other => other,
        })
    }
}

/// One mapped segment of a view of the log.
pub(crate) struct Part {
    pub(crate) start: u64,
    pub(crate) map: Box<dyn Mapped>,
    /// The segment (whose length goes on growing while it is the newest).
    segment: Arc<Segment>,
    /// For the last part of a view: the segment's file, held open so that
    /// the reader can map the rest of it when it grew, even once a
    /// checkpoint has removed it (the reader finishes the segment it is
    /// reading).
    file: Option<FileStorage>,
}

/// What a reader sees of the segments, taken at one moment: the first LSN
/// held, where it begins, and each segment's bytes mapped (or `None` when a
/// segment does not map: the reader then reads through its buffer).
pub(crate) struct SegmentsView {
    pub(crate) first_lsn: Lsn,
    pub(crate) start: u64,
    pub(crate) parts: Option<Vec<Part>>,
}

/// The segments of an open log.
pub(crate) struct Segments {
    dir: PathBuf,
    /// The lock file, held open for the log's lifetime: the sync mark.
    mark: Mutex<Option<SyncMark>>,
    /// Oldest first; never empty while the log is open.
    list: RwLock<Vec<Arc<Segment>>>,
    /// The newest segment was written since its last sync (sealed segments
    /// are synced as they are sealed).
    dirty: AtomicBool,
    /// Held by the checkpoint (or retention) removing segments: one at a
    /// time, so that removals go oldest first and a checkpoint returns only
    /// once everything it covers is gone.
    removing: Mutex<()>,
    /// Sealed segments open for unmapped reads, most recently used last.
    read_handles: Mutex<Vec<(Lsn, Arc<FileStorage>)>>,
}

impl Segments {
    pub(crate) fn new(dir: PathBuf, mark: SyncMark, list: Vec<Arc<Segment>>) -> Segments {
        Segments {
            dir,
            mark: Mutex::new(Some(mark)),
            list: RwLock::new(list),
            dirty: AtomicBool::new(false),
            removing: Mutex::new(()),
            read_handles: Mutex::new(Vec::new()),
        }
    }

    fn list(&self) -> RwLockReadGuard<'_, Vec<Arc<Segment>>> {
        sync::read(&self.list)
    }

    /// The newest segment: where writes go.
    pub(crate) fn newest(&self) -> Result<Arc<Segment>> {
        self.list().last().cloned().ok_or_else(|| Error::Closed)
    }

    /// The segments, oldest first (a snapshot).
    pub(crate) fn all(&self) -> Vec<Arc<Segment>> {
        self.list().clone()
    }

    /// The first LSN the log holds: that of the oldest segment's first
    /// event, or its name while it holds none.
    pub(crate) fn first_lsn(&self) -> Lsn {
        self.list()
            .first()
            .map_or(1, |segment| segment.first_held())
    }

    /// Notes that the newest segment's first event, if it had none yet,
    /// has LSN `lsn` (called after each write).
    pub(crate) fn note_first_event(&self, lsn: Lsn) {
        if let Ok(newest) = self.newest() {
            let _ =
                newest
                    .first_event
                    .compare_exchange(0, lsn, Ordering::AcqRel, Ordering::Acquire);
        }
    }

    /// The end of the log: the end of the newest segment's frames.
    pub(crate) fn size(&self) -> Result<u64> {
        Ok(self.newest()?.end())
    }

    /// Appends to the newest segment; returns how much it took.
    pub(crate) fn write(&self, buf: &[u8]) -> Result<usize> {
        let newest = self.newest()?;
        self.dirty.store(true, Ordering::Release);
        let written = newest.with_file(|file| file.write(buf))?;
        newest.len.fetch_add(written as u64, Ordering::AcqRel);
        Ok(written)
    }

    /// Syncs the newest segment, if it was written since its last sync, and
    /// records that in the sync mark.
    pub(crate) fn sync(&self) -> Result<()> {
        if self.dirty.swap(false, Ordering::AcqRel) {
            let newest = self.newest()?;
            // The length before the sync: the mark may say less than was
            // synced, never more.
            let len = newest.len();
            let synced = match newest.file().as_ref() {
                Some(file) => file.sync(),
                None => Err(Error::Closed),
            };
            if let Err(error) = synced {
                self.dirty.store(true, Ordering::Release);
                return Err(error);
            }
            if let Some(mark) = sync::lock(&self.mark).as_mut() {
                mark.record(Synced {
                    segment: newest.first_lsn,
                    offset: len,
                });
            }
        }
        Ok(())
    }

    /// The directory's sync mark (in its lock file).
    pub(crate) fn mark(&self) -> &Mutex<Option<SyncMark>> {
        &self.mark
    }

    /// Preallocates the newest segment so that the log reaches `len`.
    pub(crate) fn preallocate(&self, len: u64) -> Result<bool> {
        let newest = self.newest()?;
        let local = len.saturating_sub(newest.start);
        newest.with_file(|file| file.preallocate(local))
    }

    /// Reads at `offset` of the log, within one segment; fewer bytes at the
    /// end of a segment (the caller reads on from the next). Below the
    /// oldest segment held: `Error::Checkpointed`.
    pub(crate) fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let Some(segment) = self.holding(offset)? else {
            return Ok(0);
        };
        let local = offset - segment.start;
        let n = buf.len().min((segment.len() - local) as usize);
        if let Some(file) = segment.file().as_ref() {
            return file.read_at(&mut buf[..n], local);
        }
        self.read_handle(&segment)?.read_at(&mut buf[..n], local)
    }

    /// The segment holding `offset`, if one does.
    fn holding(&self, offset: u64) -> Result<Option<Arc<Segment>>> {
        let list = self.list();
        if let Some(oldest) = list.first().filter(|oldest| offset < oldest.start) {
            let details = Details::new().with_first_lsn(oldest.first_held());
            return Err(Error::checkpointed(details));
        }
        let at = list.partition_point(|segment| segment.end() <= offset);
        Ok(list
            .get(at)
            .filter(|segment| segment.start <= offset)
            .cloned())
    }

    /// The path of the segment holding the log's `offset`, and the offset
    /// its file begins at, if one does.
    pub(crate) fn locate(&self, offset: u64) -> Option<(PathBuf, u64)> {
        let segment = self.holding(offset).ok()??;
        Some((segment.path.clone(), segment.start))
    }

    /// A read handle of the sealed `segment`, from the few kept open.
    fn read_handle(&self, segment: &Segment) -> Result<Arc<FileStorage>> {
        let mut handles = sync::lock(&self.read_handles);
        if let Some(at) = handles
            .iter()
            .position(|(lsn, _)| *lsn == segment.first_lsn)
        {
            let entry = handles.remove(at);
            handles.push(entry);
        } else {
            let file = Arc::new(segment.open_for_reading()?);
            if handles.len() == READ_HANDLES {
                handles.remove(0);
            }
            handles.push((segment.first_lsn, file));
        }
        Ok(Arc::clone(&handles[handles.len() - 1].1))
    }

    /// What a reader of the log's first `limit` bytes sees, from one
    /// snapshot of the segments (see [`SegmentsView`]).
    pub(crate) fn view(&self, limit: u64) -> Result<SegmentsView> {
        loop {
            let list = self.all();
            let first = list.first().ok_or_else(|| Error::Closed)?;
            let (first_lsn, start) = (first.first_held(), first.start);
            match map_segments(&list, start, limit) {
                Ok(parts) => {
                    return Ok(SegmentsView {
                        first_lsn,
                        start,
                        parts,
                    })
                }
                // A checkpoint removed a segment between the snapshot and
                // its map: look again (the log now begins later).
                Err(Error::Checkpointed { .. }) if self.first_lsn() != first_lsn => continue,
                Err(error) => return Err(error),
            }
        }
    }

    /// Extends a view's `parts` to the log's first `limit` bytes, as the
    /// segments are now: its last part mapped again over what its segment
    /// holds now (through its own open file, so even a segment a
    /// checkpoint removed meanwhile is read to its end), and the segments
    /// after it added; the parts before it are let go (readers move
    /// forwards). `Ok(false)` if a segment does not map. When the segments
    /// that come next were removed before the reader reached them, the view
    /// ends with the last part: reading past it is `Error::Checkpointed`.
    pub(crate) fn extend_view(&self, parts: &mut Vec<Part>, limit: u64) -> Result<bool> {
        let Some(mut last) = parts.pop() else {
            return Ok(false);
        };
        parts.clear();
        let len = last.segment.len().min(limit - last.start);
        if len > last.map.bytes().len() as u64 {
            let file = match last.file.take() {
                Some(file) => file,
                None => last.segment.open_for_reading()?,
            };
            match file.map(len)? {
                Some(map) => last.map = map,
                None => return Ok(false),
            }
            last.file = Some(file);
        }
        let next = last.segment.end();
        parts.push(last);
        if next >= limit {
            return Ok(true);
        }
        let list = self.all();
        if list.first().map_or(true, |oldest| oldest.start > next) {
            // The segments after it are gone: the reader reads to the end of
            // this one, then hears `Error::Checkpointed` (see `read_parts`).
            return Ok(true);
        }
        match map_segments(&list, next, limit)? {
            Some(more) => {
                if let Some(last) = parts.last_mut() {
                    last.file = None;
                }
                parts.extend(more);
                Ok(true)
            }
            None => Ok(false),
        }
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
        let len = newest.len();
        newest.with_file(|file| {
            if file.size()? > len {
                file.truncate(len)?;
            }
            Ok(())
        })?;
        self.sync()?;
        let path = self.dir.join(segment_name(first_lsn));
        let file = FileStorage::new(&path)?;
        let segment = Segment::newest(first_lsn, path, newest.end(), 0, 0, Box::new(file));
        sync::write(&self.list).push(segment);
        // Sealed: its file closes (a reader opens it again when it needs).
        if let Some(mut file) = sync::write(&newest.file).take() {
            file.close()?;
        }
        Ok(())
    }

    /// Removes every segment but the newest whose events all have LSNs up
    /// to `through`, oldest first, each removal made durable (a directory
    /// sync) before the next: a crash in between leaves a log that begins
    /// later, never one with a gap. One removal runs at a time: a second
    /// checkpoint waits for the first, then removes what is left to remove.
    /// Returns how many it removed. Readers that mapped a removed segment
    /// read on until they let go.
    pub(crate) fn checkpoint(&self, through: Lsn) -> Result<usize> {
        let _removing = sync::lock(&self.removing);
        self.remove_through(through)
    }

    /// As [`checkpoint`](Self::checkpoint), unless another removal is under
    /// way (retention, on the writer's path, does not wait: it tries again
    /// at the next rotation).
    pub(crate) fn try_checkpoint(&self, through: Lsn) -> Result<usize> {
        match self.removing.try_lock() {
            Ok(_removing) => self.remove_through(through),
            Err(_) => Ok(0),
        }
    }

    /// Removes the oldest segments through `through`; the caller holds
    /// `removing`.
    fn remove_through(&self, through: Lsn) -> Result<usize> {
        let mut removed = 0;
        loop {
            // Taken off the list first, so no new reader starts in it.
            let oldest = {
                let mut list = sync::write(&self.list);
                // Segment 0's events end before segment 1's first LSN.
                match list.get(1) {
                    Some(next) if next.first_lsn.saturating_sub(1) <= through => list.remove(0),
                    _ => return Ok(removed),
                }
            };
            sync::lock(&self.read_handles).retain(|(lsn, _)| *lsn != oldest.first_lsn);
            rewal_platform::remove_file(&oldest.path)
                .map_err(|e| on_file("removing", &oldest.path, e))?;
            rewal_platform::sync_dir(&self.dir).map_err(|e| on_file("syncing", &self.dir, e))?;
            removed += 1;
        }
    }

    /// Closes the newest segment (cutting its zeros written ahead), the
    /// read handles and the lock file.
    pub(crate) fn close(&self) -> Result<()> {
        let outcome = match self.newest() {
            Ok(newest) => match sync::write(&newest.file).as_mut() {
                Some(file) => file.close(),
                None => Ok(()),
            },
            Err(_) => Ok(()),
        };
        sync::lock(&self.read_handles).clear();
        if let Some(mut mark) = sync::lock(&self.mark).take() {
            mark.sync();
            mark.release();
        }
        outcome
    }
}

/// Maps each of `list`'s segments that holds bytes of `[from, limit)`,
/// whole from its start, or `None` if one of them does not map. Each
/// segment's file is opened for its map and closed again (the map outlives
/// it), but the last one's, kept in its part (see `Part::file`).
fn map_segments(list: &[Arc<Segment>], from: u64, limit: u64) -> Result<Option<Vec<Part>>> {
    let mut parts = Vec::new();
    let wanted: Vec<&Arc<Segment>> = list
        .iter()
        .filter(|segment| segment.start < limit && segment.end() > from)
        .collect();
    for (i, segment) in wanted.iter().enumerate() {
        let len = segment.len().min(limit - segment.start);
        let file = segment.open_for_reading()?;
        let Some(map) = file.map(len)? else {
            return Ok(None);
        };
        let last = i + 1 == wanted.len();
        parts.push(Part {
            start: segment.start,
            map,
            segment: Arc::clone(segment),
            file: last.then_some(file),
        });
    }
    Ok(Some(parts))
}
