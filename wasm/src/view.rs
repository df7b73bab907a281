//! `LogView`: a log opened for looking at, the core of the JavaScript
//! `LogCore` class (and usable natively, which is how it is tested).
//!
//! Opening (`opening/`, which builds a view: `LogView::open`,
//! `LogView::open_segments`) runs the engine's scan once: every frame
//! checked, the end classified, and, as each valid frame goes by, the seek
//! index and the picture built. After a corruption, the engine scans on
//! from the next valid frame it found (`rewal::inspect::scan_storage_from`),
//! so the frames a cut would remove are checked by the engine too, and can
//! be looked at. The storage is only ever read through the engine's read
//! buffer and the viewer's `Reader`: a log larger than memory opens with
//! memory in the order of its index.
//!
//! This module only reads a view; it names no module that builds one, so
//! that the modules' uses go one way.

use crate::index::{Index, Row};
use crate::jsonl;
use crate::picture::{Blemish, Picture};
use crate::search::{Field, Found, Query, MAX_MATCHES};
use crate::segments::Segments;
use rewal::encoding::FrameHeader;
/// Reads a log's bytes, whatever holds them.
type Reader = rewal::inspect::StorageReader<Box<dyn rewal::ReadStorage>>;
use rewal::inspect::{LogScan, Problem};
use rewal::{Lsn, Result};
use rewal_report::{describe, Verdict};

/// Which events: the log's (its valid frames from the start), or those of
/// the valid frames after a corruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The log's events: what rewal replays.
    Log,
    /// The events after a corruption: what `rewal repair
    /// --cut-at-corruption` would remove.
    AfterCorruption,
}

/// Where a frame of the frame list stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FrameStatus {
    /// One of the log's valid frames.
    Ok,
    /// The bytes where the valid frames end (a torn tail or a corruption).
    Invalid,
    /// A valid frame past the invalid bytes: what a cut would remove.
    AfterCorruption,
}

/// A frame as the frame list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameEntry {
    /// File offset of the frame.
    pub offset: u64,
    /// Its length in bytes (what its header claims; for an invalid frame
    /// whose header does not parse, the bytes left in the file).
    pub size: u64,
    /// LSN of its first event (0 when the header does not parse).
    pub first_lsn: Lsn,
    /// Number of events it claims.
    pub count: u32,
    /// Its flags (bit 0: compressed).
    pub flags: u16,
    /// True when the frame passes every check (CRC, bounds, records).
    pub crc_ok: bool,
    /// Where it stands.
    pub status: FrameStatus,
    /// The ordinal of its first event among its part's events (0 for the
    /// invalid entry).
    pub first_ordinal: u64,
}

/// One event, copied out of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// Position among its part's events, from 0.
    pub ordinal: u64,
    /// Its LSN.
    pub lsn: Lsn,
    /// File offset of the frame holding it.
    pub frame_offset: u64,
    /// True when that frame is compressed (no payload or meta to show).
    pub compressed: bool,
    /// The payload, or its first bytes when fewer were asked for.
    pub payload: Vec<u8>,
    /// The payload's whole length.
    pub payload_len: u64,
    /// The meta, `None` when it has none.
    pub meta: Option<Vec<u8>>,
}

/// The valid frames after a corruption.
#[derive(Debug)]
pub struct AfterCorruption {
    /// Where they begin (the scan's `next_valid`).
    pub offset: u64,
    /// Where they end: the next invalid byte, or the end of the file.
    pub end: u64,
    /// Their first LSN and largest LSN.
    pub first_lsn: Lsn,
    /// Their largest LSN.
    pub last_lsn: Lsn,
    pub(crate) index: Index,
}

impl AfterCorruption {
    /// The number of frames.
    pub fn frames(&self) -> u64 {
        self.index.frames()
    }

    /// The number of events.
    pub fn events(&self) -> u64 {
        self.index.events()
    }
}

/// A log opened for viewing (built in `opening/`, the one place a
/// view is assembled).
pub struct LogView {
    pub(crate) reader: Reader,
    pub(crate) scan: LogScan,
    /// What is wrong where the valid frames end (none for a clean log).
    pub(crate) problem: Option<Problem>,
    pub(crate) log: Index,
    pub(crate) invalid: Option<FrameEntry>,
    pub(crate) after: Option<AfterCorruption>,
    pub(crate) picture: Picture,
    /// The byte ranges that are not valid frames: torn or corrupted.
    pub(crate) blemishes: Vec<(u64, u64, Blemish)>,
    /// The segment files, for a log of several.
    pub(crate) segments: Option<Segments>,
}

impl LogView {
    /// The segment files, for a log opened from several.
    pub fn segments(&self) -> Option<&Segments> {
        self.segments.as_ref()
    }

    /// Where offset `offset` is, for a log of several segment files: the
    /// segment's name and the offset in it (`None` for a single file).
    pub fn locate(&self, offset: u64) -> Option<(&str, u64)> {
        self.segments
            .as_ref()
            .map(|segments| segments.locate(offset))
    }

    /// The byte ranges that are not valid frames (`[from, to)`, and
    /// whether they are a torn tail or corrupted), oldest first.
    pub fn blemishes(&self) -> &[(u64, u64, Blemish)] {
        &self.blemishes
    }

    /// What the scan found: sizes, counts, LSN range, how the log ends.
    pub fn scan(&self) -> &LogScan {
        &self.scan
    }

    /// The valid frames after a corruption, if the log has any.
    pub fn after_corruption(&self) -> Option<&AfterCorruption> {
        self.after.as_ref()
    }

    /// The minimap and the breakdowns.
    pub fn picture(&self) -> &Picture {
        &self.picture
    }

    /// The one-line verdict of `rewal verify` (without its `FILE: `
    /// prefix): `rewal-report` words it for both. For segment files, what
    /// `rewal verify DIR` says of them: the problem named by its segment,
    /// with offsets in it.
    pub fn verdict(&self) -> String {
        match &self.segments {
            Some(segments) => segments.verdict(),
            None => Verdict::of_scan(&self.scan).to_string(),
        }
    }

    /// `rewal verify`'s exit code: 0 clean, 1 torn tail, 2 corrupted, 3
    /// not a log (for segment files, as for their directory).
    pub fn exit_code(&self) -> u8 {
        match &self.segments {
            Some(segments) => segments.exit_code(),
            None => rewal_report::exit_code(self.scan.end),
        }
    }

    /// How the log ends, in the native CLI's words (`rewal info`'s `ends:`:
    /// `clean`, `torn tail at offset N: ...`).
    pub fn ending(&self) -> String {
        match &self.segments {
            Some(segments) => segments.ending(),
            None => Verdict::of_scan(&self.scan).ending().to_string(),
        }
    }

    /// What is wrong where the valid frames end, in the engine's words (a
    /// clause such as "the frame there fails its CRC-32C check ..."), or
    /// `None` for a clean log. For segment files that do not follow each
    /// other, which ones and how; for a torn tail in an older segment, why
    /// that is a corruption.
    pub fn problem(&self) -> Option<String> {
        if let Some(segments) = &self.segments {
            return segments.problem();
        }
        self.problem
            .as_ref()
            .map(|problem| describe(problem).to_string())
    }

    /// The number of events of `part`.
    pub fn events(&self, part: Part) -> u64 {
        match part {
            Part::Log => self.log.events(),
            Part::AfterCorruption => self.after.as_ref().map_or(0, AfterCorruption::events),
        }
    }

    /// Up to `limit` events of `part` from the `ordinal`-th on, payloads cut
    /// to `max_payload` bytes.
    pub fn rows_at(
        &mut self,
        part: Part,
        ordinal: u64,
        limit: usize,
        max_payload: u64,
    ) -> Result<Vec<EventRow>> {
        let mut rows = Vec::with_capacity(limit.min(4096));
        if limit == 0 {
            return Ok(rows);
        }
        let Some((index, reader)) = self.part(part) else {
            return Ok(rows);
        };
        index.walk(reader, ordinal, max_payload, |row| {
            rows.push(owned(row));
            rows.len() < limit
        })?;
        Ok(rows)
    }

    /// Up to `limit` events of the log from the first with an LSN at or
    /// above `from`.
    pub fn rows_from(&mut self, from: Lsn, limit: usize) -> Result<Vec<EventRow>> {
        let first = self.ordinal_of_lsn(from)?;
        self.rows_at(Part::Log, first, limit, u64::MAX)
    }

    /// The ordinal of the log's first event with an LSN at or above `lsn`
    /// (the number of events when there is none).
    pub fn ordinal_of_lsn(&mut self, lsn: Lsn) -> Result<u64> {
        self.log.ordinal_of_lsn(&mut self.reader, lsn)
    }

    /// The ordinals of the log's events whose meta contains `needle`: at
    /// most `max` of them (and at most [`MAX_MATCHES`]), from the start.
    pub fn filter_meta(&mut self, needle: &[u8], max: usize) -> Result<Vec<u32>> {
        let mut found = self.search(&Query::bytes(needle, Field::Meta), max)?;
        found.ordinals.truncate(max);
        Ok(found.ordinals)
    }

    /// The log's events that `query` matches: the ordinals of the first
    /// `keep` of them (at most [`MAX_MATCHES`]), and how many there are,
    /// all counted.
    /// Events of compressed frames have no bytes to search.
    pub fn search(&mut self, query: &Query, keep: usize) -> Result<Found> {
        let keep = keep.min(MAX_MATCHES);
        let mut found = Found::default();
        let max_payload = if query.reads_payload() { u64::MAX } else { 0 };
        self.log.walk(&mut self.reader, 0, max_payload, |row| {
            if !row.compressed && query.matches(row.payload, row.meta) {
                found.total += 1;
                if found.ordinals.len() < keep {
                    // Ordinals past u32 would need a log of over 24 GiB;
                    // the search stops there rather than wrap.
                    match u32::try_from(row.ordinal) {
                        Ok(ordinal) => found.ordinals.push(ordinal),
                        Err(_) => return false,
                    }
                }
            }
            true
        })?;
        Ok(found)
    }

    /// The log's events at `ordinals` (ascending), payloads cut to
    /// `max_payload` bytes; ordinals past the last event are left out.
    /// Runs of consecutive ordinals are read in one walk.
    pub fn rows_at_ordinals(
        &mut self,
        ordinals: &[u32],
        max_payload: u64,
    ) -> Result<Vec<EventRow>> {
        let mut rows = Vec::with_capacity(ordinals.len());
        self.each_at(ordinals, max_payload, |row| rows.push(owned(row)))?;
        Ok(rows)
    }

    /// Calls `visit` with the log's events at `ordinals` (ascending).
    fn each_at(
        &mut self,
        ordinals: &[u32],
        max_payload: u64,
        mut visit: impl FnMut(Row<'_>),
    ) -> Result<()> {
        let mut i = 0;
        while i < ordinals.len() {
            let first = ordinals[i];
            let mut run = 1;
            while i + run < ordinals.len()
                && u64::from(ordinals[i + run]) == u64::from(first) + run as u64
            {
                run += 1;
            }
            let mut seen = 0;
            self.log
                .walk(&mut self.reader, u64::from(first), max_payload, |row| {
                    visit(row);
                    seen += 1;
                    seen < run
                })?;
            i += run;
        }
        Ok(())
    }

    /// The log's events at `ordinals` (ascending) as JSON lines, each as
    /// `rewal dump --format jsonl` prints it (see [`jsonl`]); events of
    /// compressed frames, which the CLI cannot print either, are left out.
    pub fn jsonl_at(&mut self, ordinals: &[u32]) -> Result<String> {
        let mut out = String::new();
        let mut rows = Vec::new();
        self.each_at(ordinals, u64::MAX, |row| {
            if !row.compressed {
                rows.push(owned(row));
            }
        })?;
        for row in rows {
            let (segment, offset) = match self.locate(row.frame_offset) {
                Some((name, offset)) => (Some(name), offset),
                None => (None, row.frame_offset),
            };
            jsonl::line(
                &mut out,
                row.lsn,
                row.meta.as_deref(),
                &row.payload,
                offset,
                segment,
            );
        }
        Ok(out)
    }

    /// Up to `limit` of the log's events from the `ordinal`-th on, with an
    /// LSN below `to` (all when `None`) and, when `meta` is given, exactly
    /// that meta (an empty one: events without meta); and the ordinal to
    /// go on from, `None` when there are no more. A page of the library's
    /// event iterator.
    pub fn page(
        &mut self,
        ordinal: u64,
        limit: usize,
        to: Option<Lsn>,
        meta: Option<&[u8]>,
    ) -> Result<(Vec<EventRow>, Option<u64>)> {
        let mut rows = Vec::new();
        let mut next = None;
        let mut ended = true;
        if limit == 0 {
            return Ok((rows, Some(ordinal)));
        }
        self.log.walk(&mut self.reader, ordinal, u64::MAX, |row| {
            if to.is_some_and(|to| row.lsn >= to) {
                return false;
            }
            if rows.len() == limit {
                next = Some(row.ordinal);
                ended = false;
                return false;
            }
            let kept = match meta {
                None => true,
                Some([]) => row.meta.is_none(),
                Some(wanted) => row.meta == Some(wanted),
            };
            if kept {
                rows.push(owned(row));
            }
            true
        })?;
        Ok((rows, if ended { None } else { next }))
    }

    /// The number of entries in the frame list: the log's frames, the
    /// invalid one where they end, and the valid frames after a corruption.
    pub fn frame_count(&self) -> u64 {
        self.log.frames()
            + u64::from(self.invalid.is_some())
            + self.after.as_ref().map_or(0, AfterCorruption::frames)
    }

    /// Up to `limit` entries of the frame list from the `start`-th, each
    /// part walked from frame to frame.
    pub fn frames(&mut self, start: u64, limit: usize) -> Result<Vec<FrameEntry>> {
        let mut list = Vec::new();
        let log_frames = self.log.frames();
        if start < log_frames {
            let found = self.log.frames_from(&mut self.reader, start, limit)?;
            list.extend(
                found
                    .iter()
                    .map(|at| entry(at.offset, &at.header, FrameStatus::Ok, at.first_ordinal)),
            );
        }
        let mut at = start.max(log_frames);
        if let Some(invalid) = self.invalid {
            if at == log_frames && list.len() < limit {
                list.push(invalid);
            }
            at = at.max(log_frames + 1);
        }
        if let Some(after) = &self.after {
            let first_after = log_frames + u64::from(self.invalid.is_some());
            if list.len() < limit && at >= first_after {
                let found = after.index.frames_from(
                    &mut self.reader,
                    at - first_after,
                    limit - list.len(),
                )?;
                list.extend(found.iter().map(|f| {
                    entry(
                        f.offset,
                        &f.header,
                        FrameStatus::AfterCorruption,
                        f.first_ordinal,
                    )
                }));
            }
        }
        Ok(list)
    }

    /// The `i`-th entry of the frame list.
    pub fn frame(&mut self, i: u64) -> Result<Option<FrameEntry>> {
        if let Some(at) = self.log.frame(&mut self.reader, i)? {
            return Ok(Some(entry(
                at.offset,
                &at.header,
                FrameStatus::Ok,
                at.first_ordinal,
            )));
        }
        let mut i = i - self.log.frames();
        if let Some(invalid) = self.invalid {
            if i == 0 {
                return Ok(Some(invalid));
            }
            i -= 1;
        }
        let Some(after) = &self.after else {
            return Ok(None);
        };
        Ok(after.index.frame(&mut self.reader, i)?.map(|at| {
            entry(
                at.offset,
                &at.header,
                FrameStatus::AfterCorruption,
                at.first_ordinal,
            )
        }))
    }

    /// The frame-list entry of the frame holding file offset `offset` (or
    /// the nearest one after it): what a click on the minimap opens.
    pub fn frame_at_offset(&mut self, offset: u64) -> Result<Option<u64>> {
        let log_frames = self.log.frames();
        if offset < self.scan.valid_len || (self.invalid.is_none() && self.after.is_none()) {
            return self.log.frame_at_offset(&mut self.reader, offset);
        }
        let invalid_entry = self.invalid.map(|_| log_frames);
        let Some(after) = &self.after else {
            return Ok(invalid_entry);
        };
        if offset < after.offset {
            return Ok(invalid_entry);
        }
        let first_after = log_frames + u64::from(self.invalid.is_some());
        Ok(after
            .index
            .frame_at_offset(&mut self.reader, offset)?
            .map(|number| first_after + number))
    }

    /// The index and the reader for `part`, if it has events.
    fn part(&mut self, part: Part) -> Option<(&Index, &mut Reader)> {
        match part {
            Part::Log => Some((&self.log, &mut self.reader)),
            Part::AfterCorruption => self
                .after
                .as_ref()
                .map(|after| (&after.index, &mut self.reader)),
        }
    }
}

pub(crate) fn entry(
    offset: u64,
    header: &FrameHeader,
    status: FrameStatus,
    first_ordinal: u64,
) -> FrameEntry {
    FrameEntry {
        offset,
        size: u64::from(header.batch_size),
        first_lsn: header.first_lsn,
        count: header.record_count,
        flags: header.flags,
        crc_ok: status != FrameStatus::Invalid,
        status,
        first_ordinal,
    }
}

fn owned(row: Row<'_>) -> EventRow {
    EventRow {
        ordinal: row.ordinal,
        lsn: row.lsn,
        frame_offset: row.frame_offset,
        compressed: row.compressed,
        payload: row.payload.to_vec(),
        payload_len: row.payload_len,
        meta: row.meta.map(<[u8]>::to_vec),
    }
}
