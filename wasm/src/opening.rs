//! `Opening`: what opening a log builds while the engine scans it, for a
//! single file ([`crate::view::LogView::open`]) and for a run of segment
//! files ([`crate::segments`]) alike: the reader, the seek index of the
//! log's frames and that of the valid frames after the problem, the
//! picture, and the byte ranges that are not valid frames. Once the scans
//! are over, [`Opening::finish`] makes the [`LogView`]: the one place a
//! view is assembled.

use crate::index::{header_at, Index};
use crate::picture::{Blemish, Mark, Picture};
use crate::segments::Segments;
use crate::view::{entry, AfterCorruption, FrameEntry, FrameStatus, LogView};
/// Reads a log's bytes, whatever holds them.
type Reader = rewal::inspect::StorageReader<Box<dyn rewal::ReadStorage>>;
use rewal::inspect::{self, FrameInfo, LogScan};
use rewal::{Lsn, ReadStorage, Result};

/// A run of valid frames after the problem (a scan of them): where it
/// begins and ends, and its LSNs.
#[derive(Debug, Clone, Copy)]
struct Run {
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
    runs: Vec<Run>,
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

    /// Scans `storage` (bytes of the log from offset `base` on) as a log of
    /// its own, its valid frames going after the problem; returns the scan
    /// (offsets in `storage`).
    pub fn scan_after<S: ReadStorage + 'static>(&mut self, storage: S, base: u64) -> Result<LogScan> {
        let mut failed = None;
        let scan = inspect::scan_storage(storage, |frame| {
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
        self.ran_after(base, &scan);
        Ok(scan)
    }

    /// Notes a scan (from offset `base`) whose valid frames went after the
    /// problem.
    pub fn ran_after(&mut self, base: u64, scan: &LogScan) {
        if scan.frames > 0 {
            self.runs.push(Run {
                offset: base,
                end: base + scan.valid_len,
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
