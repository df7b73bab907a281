//! Opening a log for viewing: [`LogView::open`] for a single file, and
//! [`LogView::open_segments`] for a run of segment files (`run`), both
//! building an [`Opening`] while the engine scans: the reader, the seek
//! index of the log's frames and that of the valid frames after the
//! problem, the picture, and the byte ranges that are not valid frames.
//! Once the scans are over, [`Opening::finish`] makes the [`LogView`]: the
//! one place a view is assembled.
//!
//! The uses go one way: this module builds a view (`crate::view`) of
//! segments (`crate::segments`) read from storages (`crate::storage`), and
//! none of those names it.

mod run;

use crate::index::{header_at, Index};
use crate::picture::{Blemish, Mark, Picture};
use crate::segments::{self, SegmentFile, Segments};
use crate::storage::BytesStorage;
use crate::view::{entry, AfterCorruption, FrameEntry, FrameStatus, LogView};
/// Reads a log's bytes, whatever holds them.
type Reader = rewal::inspect::StorageReader<Box<dyn rewal::ReadStorage>>;
use rewal::inspect::{self, FrameInfo, LogEnd, LogScan};
use rewal::{Lsn, ReadStorage, Result};
use std::sync::Arc;

/// A run of valid frames after the problem (a scan of them): where it
/// begins and ends, and its LSNs.
#[derive(Debug, Clone, Copy)]
struct Span {
    offset: u64,
    end: u64,
    first_lsn: Lsn,
    last_lsn: Lsn,
}

/// What opening a log has built so far.
pub(crate) struct Opening {
    pub reader: Reader,
    picture: Picture,
    log: Index,
    after: Index,
    runs: Vec<Span>,
    blemishes: Vec<(u64, u64, Blemish)>,
}

impl Opening {
    /// An opening of the `len` bytes of `storage`.
    pub fn new<S: ReadStorage + 'static>(storage: S, len: u64) -> Result<Opening> {
        Ok(Opening {
            reader: Reader::new(Box::new(storage), len)?,
            picture: Picture::new(len),
            log: Index::default(),
            after: Index::default(),
            runs: Vec::new(),
            blemishes: Vec::new(),
        })
    }

    /// Indexes a valid frame of the log (`frame.offset` in the log's
    /// offsets): in the seek index, on the minimap, in the breakdowns.
    pub fn log_frame(&mut self, frame: &FrameInfo) -> Result<()> {
        let header = &frame.header;
        let mark = if header.is_compressed() {
            self.picture
                .compressed_events(u64::from(header.record_count));
            Mark::Compressed
        } else {
            Mark::Valid
        };
        self.picture.frame(frame.offset, header.len() as u64, mark);
        let picture = &mut self.picture;
        self.log
            .push(&mut self.reader, frame.offset, header, |meta| {
                picture.meta(meta)
            })
    }

    /// Indexes a valid frame after the problem: in its own index, and on
    /// the minimap.
    pub fn after_frame(&mut self, frame: &FrameInfo) -> Result<()> {
        let size = frame.header.len() as u64;
        self.picture
            .frame(frame.offset, size, Mark::AfterCorruption);
        self.after
            .push(&mut self.reader, frame.offset, &frame.header, |_| {})
    }

    /// Scans `storage` (bytes of the log from offset `base` on) from its
    /// offset `from`, a frame boundary, on: the engine checks every frame
    /// there as a log of its own (`rewal::inspect::scan_storage_from`), and
    /// the valid ones go after the problem. Returns the scan (offsets in
    /// `storage`).
    pub fn scan_after<S: ReadStorage>(
        &mut self,
        storage: S,
        base: u64,
        from: u64,
    ) -> Result<LogScan> {
        let mut failed = None;
        // Last LSN 0: the frames after a corruption are shown as they are,
        // whatever LSNs the log's own frames had.
        let scan = inspect::scan_storage_from(storage, from, 0, |frame| {
            if failed.is_none() {
                let at = FrameInfo {
                    offset: base + frame.offset,
                    header: frame.header,
                };
                failed = self.after_frame(&at).err();
            }
        })?;
        if let Some(error) = failed {
            return Err(error);
        }
        self.ran_after(base + from, base + scan.valid_len, &scan);
        Ok(scan)
    }

    /// Notes a scan whose valid frames, from offset `from` to `end` of
    /// the log, went after the problem.
    pub fn ran_after(&mut self, from: u64, end: u64, scan: &LogScan) {
        if scan.frames > 0 {
            self.runs.push(Span {
                offset: from,
                end,
                first_lsn: scan.first_lsn,
                last_lsn: scan.last_lsn,
            });
        }
    }

    /// Notes bytes that are not valid frames.
    pub fn blemish(&mut self, from: u64, to: u64, kind: Blemish) {
        self.blemishes.push((from, to, kind));
    }

    /// Where the valid frames after the problem begin and end, if any.
    pub fn after_span(&self) -> Option<(u64, u64)> {
        let first = self.runs.first()?;
        Some((
            first.offset,
            self.runs.last().map_or(first.end, |run| run.end),
        ))
    }

    /// The frame-list entry for the invalid bytes at `offset`, which go on
    /// to `limit` at most.
    pub fn invalid_entry(&mut self, offset: u64, limit: u64) -> FrameEntry {
        let mut invalid = match header_at(&mut self.reader, offset) {
            Ok(header) => entry(offset, &header, FrameStatus::Invalid, 0),
            Err(_) => FrameEntry {
                offset,
                size: limit.saturating_sub(offset),
                first_lsn: 0,
                count: 0,
                flags: 0,
                crc_ok: false,
                status: FrameStatus::Invalid,
                first_ordinal: 0,
            },
        };
        invalid.crc_ok = false;
        invalid
    }

    /// The view of the log: its scan (in the log's offsets), the entry for
    /// where its valid frames end, and its segment files if it has several.
    pub fn finish(
        self,
        scan: LogScan,
        invalid: Option<FrameEntry>,
        segments: Option<Segments>,
    ) -> LogView {
        let after = self.runs.first().map(|first| AfterCorruption {
            offset: first.offset,
            end: self.runs.last().map_or(first.end, |run| run.end),
            first_lsn: first.first_lsn,
            last_lsn: self
                .runs
                .iter()
                .map(|run| run.last_lsn)
                .max()
                .unwrap_or(first.last_lsn),
            index: self.after,
        });
        LogView {
            reader: self.reader,
            problem: scan.problem,
            scan,
            log: self.log,
            invalid,
            after,
            picture: self.picture,
            blemishes: self.blemishes,
            segments,
        }
    }
}

impl LogView {
    /// Opens a log held in memory (read in place).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<LogView> {
        LogView::open(BytesStorage(Arc::new(bytes)))
    }

    /// Scans the log in `storage` (every frame checked, as recovery does)
    /// and builds the seek index and the picture. Bytes that are not a log
    /// open too: the scan's end says [`LogEnd::NotALog`] and there are no
    /// events. Fails only when the storage cannot be read.
    pub fn open<S: ReadStorage + Clone + 'static>(storage: S) -> Result<LogView> {
        let len = storage.size()?;
        let mut opening = Opening::new(storage.clone(), len)?;
        let mut failed = None;
        let scan = inspect::scan_storage(storage.clone(), |frame| {
            if failed.is_none() {
                failed = opening.log_frame(frame).err();
            }
        })?;
        if let Some(error) = failed {
            return Err(error);
        }
        let invalid = scan
            .end
            .offset()
            .filter(|_| scan.end != LogEnd::NotALog)
            .map(|offset| opening.invalid_entry(offset, len));
        if let LogEnd::Corrupted {
            next_valid: Some(offset),
            ..
        } = scan.end
        {
            // The engine scans on from the next valid frame it found.
            opening.scan_after(storage, 0, offset)?;
        }
        for (from, to, kind) in blemishes(&scan, opening.after_span()) {
            opening.blemish(from, to, kind);
        }
        Ok(opening.finish(scan, invalid, None))
    }

    /// Opens segment files held in memory as one log: `files` are `(name,
    /// bytes)`, in any order; each name must be a segment's (its first LSN
    /// as 20 digits and `.wal`). The files are read in place, one after the
    /// other, oldest first.
    pub fn from_segments(files: Vec<(String, Vec<u8>)>) -> Result<LogView> {
        let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        let order = segments::order(&names)?;
        let total = files.iter().map(|(_, bytes)| bytes.len()).sum();
        let mut all = Vec::with_capacity(total);
        let mut laid = Vec::with_capacity(files.len());
        for &i in &order {
            let (name, bytes) = &files[i];
            laid.push((name.clone(), bytes.len() as u64));
            all.extend_from_slice(bytes);
        }
        drop(files);
        let layout = segments::layout(laid)?;
        LogView::open_segments(BytesStorage(Arc::new(all)), layout)
    }

    /// Opens the segment files `files` as one log: `storage` holds their
    /// bytes one after the other, as `files` (from [`segments::layout`])
    /// say. Each segment is scanned as the complete log it is, and the
    /// segments are checked to follow each other by the engine's rule
    /// (`rewal::inspect::RunScan`); the log's events are those up to the
    /// first problem, and the valid frames after it are the part
    /// [`Part::AfterCorruption`](crate::view::Part::AfterCorruption). Fails
    /// when the storage cannot be read or does not hold what `files` say.
    pub fn open_segments<S: ReadStorage + Clone + 'static>(
        storage: S,
        files: Vec<SegmentFile>,
    ) -> Result<LogView> {
        run::open(storage, files)
    }
}

/// The byte ranges of a single file that are not valid frames.
fn blemishes(scan: &LogScan, after: Option<(u64, u64)>) -> Vec<(u64, u64, Blemish)> {
    let len = scan.file_len;
    match scan.end {
        LogEnd::Clean => vec![],
        LogEnd::TornTail { offset } | LogEnd::PowerCut { offset, .. } => {
            vec![(offset, len, Blemish::Torn)]
        }
        LogEnd::NotALog => vec![(0, len, Blemish::Corrupt)],
        LogEnd::Corrupted { offset, .. } => {
            let mut found = vec![(
                offset,
                after.map_or(len, |(from, _)| from),
                Blemish::Corrupt,
            )];
            if let Some((_, end)) = after.filter(|&(_, end)| end < len) {
                found.push((end, len, Blemish::Corrupt));
            }
            found
        }
    }
}
