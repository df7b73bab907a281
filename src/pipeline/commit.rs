//! The write side, shared by both pipelines: seal frames, write them in one
//! call, count them, tell the indexer, and sync when the mode says so.
//!
//! Preallocation: once the log is used for durability (a sync mode that
//! syncs, or a first sync of data), the committer keeps zero-filled space
//! ahead of the data, a chunk at a time (`Storage::preallocate`), so that a
//! sync after a write carries no change of the file's size: on ext4 that
//! is the difference between journalling metadata on every durable write
//! and not. A log only ever written without syncs never pays for the zeros.

use super::queue::{Frames, Queue};
use crate::builder::SegmentOptions;
use crate::frame::{self, FrameEvents, FrameHeader, HEADER_LEN, TRAILER_LEN};
use crate::plugins::Indexer;
use crate::shared::Shared;
use crate::stats::Counters;
use crate::storage::segments::Segments;
use crate::{Lsn, Result, SyncMode};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct Committer {
    shared: Arc<Shared>,
    /// The frames taken from the queue, to write next; reused.
    taken: Frames,
    indexer: Option<Box<dyn Indexer>>,
    sync_mode: SyncMode,
    /// End of the data: where the next write lands.
    file_end: u64,
    /// How far the storage holds space (data or zeros written ahead).
    allocated: u64,
    /// Whether to keep zeros ahead of the data (see the module docs).
    preallocating: bool,
    /// Bytes written since the last sync.
    unsynced: u64,
    last_sync: Duration,
    /// Reused by the indexer for compressed frames.
    scratch: Vec<u8>,
    /// For a log kept as segments: when to rotate, what to keep.
    segments: Option<SegmentOptions>,
    /// When each segment this process saw completed was completed, by its
    /// first LSN (for `retain_age`).
    completed: Vec<(Lsn, Duration)>,
    /// When the log was opened: the completion time of segments completed
    /// before.
    opened_at: Duration,
}

impl Committer {
    pub(crate) fn new(
        shared: Arc<Shared>,
        indexer: Option<Box<dyn Indexer>>,
        sync_mode: SyncMode,
        (file_end, allocated): (u64, u64),
        buffer_capacity: usize,
        segments: Option<SegmentOptions>,
    ) -> Committer {
        Committer {
            segments,
            completed: Vec::new(),
            opened_at: rewal_platform::now(),
            shared,
            taken: Frames::with_capacity(buffer_capacity),
            indexer,
            sync_mode,
            file_end,
            allocated: allocated.max(file_end),
            preallocating: sync_mode != SyncMode::Never,
            unsynced: 0,
            last_sync: rewal_platform::now(),
            scratch: Vec::new(),
        }
    }

    /// What the log's handle, writer and readers share.
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Seals and writes `frames`: in one write, or for a log kept as
    /// segments in one write per segment they fill (a frame never spans
    /// two). Then counts them and tells the indexer, from the headers the
    /// queue kept (nothing is parsed).
    fn write(&mut self, frames: &mut Frames) -> Result<()> {
        if frames.is_empty() {
            return Ok(());
        }
        let mut at = 0;
        for header in &frames.headers {
            frame::seal(&mut frames.bytes[at..at + header.len()]);
            at += header.len();
        }
        let (mut from, mut at) = (0, 0);
        while from < frames.headers.len() {
            self.rotate_if_due()?;
            let room = self.segment_room()?;
            // At least one frame, then as many as fit.
            let (mut to, mut end) = (from + 1, at + frames.headers[from].len());
            while let Some(next) = frames.headers.get(to) {
                if (end - at + next.len()) as u64 > room {
                    break;
                }
                end += next.len();
                to += 1;
            }
            self.write_run(&frames.bytes[at..end], &frames.headers[from..to])?;
            (from, at) = (to, end);
        }
        Ok(())
    }

    /// How many more bytes the newest segment takes before it is due to
    /// rotate (no limit for a single file).
    fn segment_room(&self) -> Result<u64> {
        match (self.segments, self.shared.storage.segments()) {
            (Some(options), Some(segments)) => Ok(options
                .segment_size
                .saturating_sub(segments.newest()?.len())),
            _ => Ok(u64::MAX),
        }
    }

    /// Writes sealed frames in one write, counts them and tells the indexer.
    fn write_run(&mut self, bytes: &[u8], headers: &[FrameHeader]) -> Result<()> {
        let len = bytes.len();
        self.make_room(len as u64)?;
        let hooks = &self.shared.hooks;
        hooks.run(|hooks| hooks.before_write(len));
        self.shared.storage.write_all(bytes)?;
        hooks.run(|hooks| hooks.after_write(len));

        let counters = &self.shared.counters;
        let (mut events, mut compressed) = (0, 0);
        for header in headers {
            events += u64::from(header.record_count);
            if header.is_compressed() {
                compressed += header.region_len() as u64;
            }
        }
        if let Some(indexer) = &self.indexer {
            let mut offset = self.file_end;
            for header in headers {
                let frame = &bytes[(offset - self.file_end) as usize..][..header.len()];
                // A panicking indexer must not take the writer down with it.
                let _ = catch_unwind(AssertUnwindSafe(|| {
                    notify_indexer(
                        indexer.as_ref(),
                        &self.shared,
                        header,
                        frame,
                        offset,
                        &mut self.scratch,
                    )
                }));
                offset += header.len() as u64;
            }
        }
        Counters::add(&counters.write_count, 1);
        Counters::add(&counters.bytes_written, len as u64);
        Counters::add(&counters.batches_written, headers.len() as u64);
        Counters::add(&counters.events_written, events);
        Counters::add(&counters.compressed_bytes, compressed);
        if let Some(first) = headers.first() {
            self.shared.note_first_lsn(first.first_lsn);
            if let Some(segments) = self.shared.storage.segments() {
                segments.note_first_event(first.first_lsn);
            }
        }
        if let Some(last) = headers.last() {
            counters
                .last_lsn
                .store(last.last_lsn(), std::sync::atomic::Ordering::Relaxed);
        }
        self.file_end += len as u64;
        self.unsynced += len as u64;
        self.shared.set_file_end(self.file_end);
        Ok(())
    }

    /// For a log kept as segments: starts a new segment once the newest
    /// holds `segment_size` bytes (between writes, so a batch never spans
    /// two), then applies the retention options. The rotation costs one
    /// sync, of the directory (the new file's entry); the segment left
    /// behind is synced by the next sync of the log.
    fn rotate_if_due(&mut self) -> Result<()> {
        let shared = Arc::clone(&self.shared);
        let (Some(options), Some(segments)) = (self.segments, shared.storage.segments()) else {
            return Ok(());
        };
        let newest = segments.newest()?;
        if newest.len() < options.segment_size {
            return Ok(());
        }
        let next = self
            .shared
            .counters
            .last_lsn
            .load(std::sync::atomic::Ordering::Relaxed)
            + 1;
        segments.rotate(next)?;
        self.completed
            .push((newest.first_lsn, rewal_platform::now()));
        // Nothing of the new segment is allocated yet.
        self.allocated = self.file_end;
        self.retain(segments, options)
    }

    /// Removes the oldest segments beyond `retain_bytes`, or completed
    /// longer ago than `retain_age`.
    fn retain(&mut self, segments: &Segments, options: SegmentOptions) -> Result<()> {
        let all = segments.all();
        let total: u64 = all.iter().map(|segment| segment.len()).sum();
        let now = rewal_platform::now();
        let mut freed = 0;
        let mut through = None;
        for (i, segment) in all.iter().enumerate().take(all.len().saturating_sub(1)) {
            let too_big = options
                .retain_bytes
                .is_some_and(|limit| total - freed > limit);
            let completed = self
                .completed
                .iter()
                .find(|(lsn, _)| *lsn == segment.first_lsn)
                .map_or(self.opened_at, |(_, at)| *at);
            let too_old = options
                .retain_age
                .is_some_and(|age| now.saturating_sub(completed) > age);
            if !too_big && !too_old {
                break;
            }
            freed += segment.len();
            through = Some(all[i + 1].first_lsn.saturating_sub(1));
        }
        if let Some(through) = through {
            // Not behind a checkpoint under way: the next rotation retries.
            segments.try_checkpoint(through)?;
            let first = segments.first_lsn();
            self.completed.retain(|(lsn, _)| *lsn >= first);
        }
        Ok(())
    }

    /// Preallocates, when preallocating, so that `len` more bytes of data
    /// fit in space that exists: up to the chunk boundary past them, plus a
    /// chunk ahead (for a segment, no further than its size).
    fn make_room(&mut self, len: u64) -> Result<()> {
        const CHUNK: u64 = 1 << 20;
        let needed = self.file_end.saturating_add(len);
        if !self.preallocating || needed <= self.allocated {
            return Ok(());
        }
        let mut target = (needed / CHUNK).saturating_add(2).saturating_mul(CHUNK);
        // A segment rotates at its size: space past it would be written
        // as zeros, synced, and cut off again at the rotation.
        if let (Some(options), Some(segments)) = (self.segments, self.shared.storage.segments()) {
            let segment_end = segments
                .newest()?
                .start
                .saturating_add(options.segment_size);
            target = target.min(segment_end.max(needed));
        }
        if self.shared.storage.preallocate(target)? {
            self.allocated = target;
        } else {
            self.preallocating = false;
        }
        Ok(())
    }

    /// Takes everything queued, to be written by the next `commit`; returns
    /// the queue's mark (see `Queue::take`).
    pub(crate) fn take(&mut self, queue: &mut Queue) -> Lsn {
        queue.take(&mut self.taken)
    }

    /// Writes what was taken (then forgets it) and syncs if `sync` asks or
    /// the mode says so; returns whether everything written so far is
    /// durable. A sync with nothing new to sync is not issued.
    pub(crate) fn commit(&mut self, sync: bool) -> Result<bool> {
        self.write_taken()?;
        self.sync_if(sync)
    }

    /// Writes what was taken (then forgets it): the first half of a commit.
    pub(crate) fn write_taken(&mut self) -> Result<()> {
        let mut frames = std::mem::take(&mut self.taken);
        let written = self.write(&mut frames);
        frames.clear();
        self.taken = frames;
        written
    }

    /// Syncs if `sync` asks or the mode says so, and there is anything to
    /// sync: the second half of a commit. Returns whether everything
    /// written so far is durable.
    pub(crate) fn sync_if(&mut self, sync: bool) -> Result<bool> {
        if self.sync_wanted(sync) {
            self.sync()?;
        }
        Ok(self.unsynced == 0)
    }

    /// Whether a write counts as written only once synced: in
    /// `SyncMode::Batch`, `flush` returning reports the events durable.
    pub(crate) fn written_means_synced(&self) -> bool {
        self.sync_mode == SyncMode::Batch
    }

    /// Whether `sync_if(sync)` would sync.
    pub(crate) fn sync_wanted(&self, sync: bool) -> bool {
        self.unsynced > 0 && (sync || self.sync_due())
    }

    /// True when there is written data the sync mode wants durable now.
    pub(crate) fn sync_due(&self) -> bool {
        self.unsynced > 0
            && match self.sync_mode {
                SyncMode::Never => false,
                SyncMode::Batch => true,
                SyncMode::Interval(every) => self
                    .interval_sync_at(every)
                    .is_some_and(|at| rewal_platform::now() >= at),
            }
    }

    /// When an interval sync is due: `None` when the interval is too long
    /// to add to the clock (`Duration::MAX`), that is, never.
    fn interval_sync_at(&self, every: Duration) -> Option<Duration> {
        self.last_sync.checked_add(every)
    }

    /// When the sync mode wants what is written synced, if it will:
    /// under `SyncMode::Interval`, with data written since the last sync.
    pub(crate) fn sync_due_at(&self) -> Option<Duration> {
        match self.sync_mode {
            SyncMode::Interval(every) if self.unsynced > 0 => self.interval_sync_at(every),
            _ => None,
        }
    }

    /// Syncs the storage.
    pub(crate) fn sync(&mut self) -> Result<()> {
        let hooks = &self.shared.hooks;
        hooks.run(|hooks| hooks.before_sync());
        let started = rewal_platform::now();
        self.shared.storage.sync_through(self.file_end)?;
        let now = rewal_platform::now();
        hooks.run(|hooks| hooks.after_sync(now.saturating_sub(started)));
        let counters = &self.shared.counters;
        Counters::add(&counters.sync_count, 1);
        Counters::add(&counters.bytes_synced, self.unsynced);
        self.unsynced = 0;
        self.last_sync = now;
        // Durability is in use: from now on, keep space ahead.
        self.preallocating = true;
        Ok(())
    }

    /// Closes the storage (releasing its lock).
    pub(crate) fn close_storage(&mut self) -> Result<()> {
        self.shared.storage.close()
    }
}

/// Tells the indexer of each event of one sealed frame at file offset
/// `offset`.
fn notify_indexer(
    indexer: &dyn Indexer,
    shared: &Shared,
    header: &FrameHeader,
    frame: &[u8],
    offset: u64,
    scratch: &mut Vec<u8>,
) {
    // Our own frame, just sealed: no need to check it again. Opening the
    // region can fail only if the compressor cannot read back what it
    // wrote; the indexer then hears nothing of that frame.
    let region = &frame[HEADER_LEN..frame.len() - TRAILER_LEN];
    let compressor = shared.compressor.as_deref();
    if let Ok(Ok(region)) = frame::open_region(header, region, compressor, scratch) {
        for event in FrameEvents::new(region, header) {
            indexer.on_append(event.lsn, event.meta, offset);
        }
    }
}
