//! The seek index of a run of valid frames, built while the engine scans
//! them, so that any page of events is found by a binary search and a short
//! walk, never by decoding the log from its start.
//!
//! It is sparse, so that it stays small beside a log that does not fit in
//! memory: a checkpoint (offset, first LSN, first ordinal) every
//! [`CHECKPOINT_EVERY`] frames, from which at most that many frame headers
//! are read to reach any frame; and inside frames of more than
//! [`MARK_EVERY`] records, a mark every [`MARK_EVERY`] records. A 2 GiB log
//! of 100-byte events (21 M frames) needs about 8 MB of checkpoints.
//!
//! Frames usually follow each other (the next one begins where the last
//! ends), so only checkpoints store offsets. A log of several segment
//! files is not one run of bytes: where a frame does not begin at the end
//! of the one before (the next segment, after zeros written ahead or
//! after a gap), it gets a checkpoint of its own, and walks jump there.
//!
//! Records are walked with the engine's cursor (`rewal::frame::RecordCursor`),
//! which is handed each record header as it is read through the storage,
//! from a frame's start or from a mark in the middle of it.

use rewal::frame::{FrameHeader, RecordCursor, HEADER_LEN, RECORD_HEADER_LEN, TRAILER_LEN};
/// Reads a log's bytes, whatever holds them.
type Reader = rewal::inspect::StorageReader<Box<dyn rewal::ReadStorage>>;
use rewal::{Error, Lsn, Result};

/// A checkpoint every this many frames.
pub const CHECKPOINT_EVERY: u64 = 64;

/// Inside a frame, a mark every this many records, so that a page in the
/// middle of one huge batch frame is found by a walk of at most this many
/// record headers.
pub const MARK_EVERY: u64 = 1024;

/// Where frame number `number` of the run is: every
/// [`CHECKPOINT_EVERY`]-th frame, and every frame that does not begin
/// where the one before it ends.
#[derive(Debug, Clone, Copy)]
struct Checkpoint {
    number: u64,
    offset: u64,
    first_lsn: Lsn,
    first_ordinal: u64,
}

/// Where a record inside a large uncompressed frame begins.
#[derive(Debug, Clone, Copy)]
struct Mark {
    ordinal: u64,
    pos: u64,
}

/// The index of consecutive valid frames (the log's, or those after a
/// corruption). Offsets are file offsets; ordinals count the run's events
/// from 0.
#[derive(Debug, Default)]
pub struct Index {
    checkpoints: Vec<Checkpoint>,
    marks: Vec<Mark>,
    /// The numbers of the frames that do not begin where the frame before
    /// them ends (each has a checkpoint); empty for a single file.
    jumps: Vec<u64>,
    /// Where the last frame pushed ends.
    end: u64,
    frames: u64,
    events: u64,
}

/// A frame found through the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// Its number in the run, from 0.
    pub number: u64,
    /// Its file offset.
    pub offset: u64,
    /// Its header.
    pub header: FrameHeader,
    /// The ordinal of its first event in the run.
    pub first_ordinal: u64,
}

impl Located {
    /// The ordinal just past its last event.
    fn end_ordinal(&self) -> u64 {
        self.first_ordinal + u64::from(self.header.record_count)
    }
}

/// One event as the viewer shows it. Events of compressed frames have their
/// LSN and frame but no payload or meta: like the native CLI, the viewer
/// has no decompressor (the frames are still CRC-checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    /// Position among the run's events, from 0.
    pub ordinal: u64,
    /// The event's LSN.
    pub lsn: Lsn,
    /// File offset of the frame holding it.
    pub frame_offset: u64,
    /// True when that frame is compressed (payload and meta unknown).
    pub compressed: bool,
    /// The payload, or its first bytes when the walk was asked for fewer
    /// (empty for a compressed frame).
    pub payload: &'a [u8],
    /// The payload's whole length.
    pub payload_len: u64,
    /// The meta, `None` when the event has none (or is compressed).
    pub meta: Option<&'a [u8]>,
}

impl Index {
    /// Adds a frame the engine's scan found valid; frames come in offset
    /// order. The records of an uncompressed frame are walked once, which
    /// marks large frames and shows each record's meta to `each_meta`.
    pub fn push(
        &mut self,
        reader: &mut Reader,
        offset: u64,
        header: &FrameHeader,
        mut each_meta: impl FnMut(Option<&[u8]>),
    ) -> Result<()> {
        let jump = self.frames > 0 && offset != self.end;
        if jump {
            self.jumps.push(self.frames);
        }
        let since = self.checkpoints.last().map(|c| self.frames - c.number);
        if jump || since.is_none_or(|since| since >= CHECKPOINT_EVERY) {
            self.checkpoints.push(Checkpoint {
                number: self.frames,
                offset,
                first_lsn: header.first_lsn,
                first_ordinal: self.events,
            });
        }
        if !header.is_compressed() {
            let first_ordinal = self.events;
            let marked = u64::from(header.record_count) > MARK_EVERY;
            let mut records = FrameRecords::new(offset, header, 0, offset + HEADER_LEN as u64);
            for k in 0..u64::from(header.record_count) {
                let record = records.next(reader)?;
                if marked && k > 0 && k.is_multiple_of(MARK_EVERY) {
                    self.marks.push(Mark {
                        ordinal: first_ordinal + k,
                        pos: record.at,
                    });
                }
                each_meta(match record.meta_len() {
                    0 => None,
                    n => Some(reader.get(record.meta_at, n)?),
                });
            }
        }
        self.frames += 1;
        self.events += u64::from(header.record_count);
        self.end = offset + header.len() as u64;
        Ok(())
    }

    /// The number of events indexed.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The number of frames indexed.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Frame `number` of the run.
    pub fn frame(&self, reader: &mut Reader, number: u64) -> Result<Option<Located>> {
        if number >= self.frames {
            return Ok(None);
        }
        let after = self.checkpoints.partition_point(|c| c.number <= number);
        let mut at = self.checkpoint(reader, after - 1)?;
        while at.number < number {
            at = self.next(reader, &at)?;
        }
        Ok(Some(at))
    }

    /// Up to `limit` frames of the run from frame `number` on.
    pub fn frames_from(
        &self,
        reader: &mut Reader,
        number: u64,
        limit: usize,
    ) -> Result<Vec<Located>> {
        let mut found = Vec::with_capacity(limit.min(1024));
        let Some(mut at) = self.frame(reader, number)? else {
            return Ok(found);
        };
        loop {
            found.push(at);
            if found.len() >= limit || at.number + 1 >= self.frames {
                return Ok(found);
            }
            at = self.next(reader, &at)?;
        }
    }

    /// The frame holding event `ordinal`.
    pub fn frame_of_ordinal(&self, reader: &mut Reader, ordinal: u64) -> Result<Option<Located>> {
        if ordinal >= self.events {
            return Ok(None);
        }
        // Every frame holds at least one event, so first ordinals increase.
        let after = self
            .checkpoints
            .partition_point(|c| c.first_ordinal <= ordinal);
        let mut at = self.checkpoint(reader, after - 1)?;
        while ordinal >= at.end_ordinal() {
            at = self.next(reader, &at)?;
        }
        Ok(Some(at))
    }

    /// The number of the frame holding file offset `offset`, or of the first
    /// frame after it, or of the last frame when it is past them all.
    pub fn frame_at_offset(&self, reader: &mut Reader, offset: u64) -> Result<Option<u64>> {
        if self.frames == 0 {
            return Ok(None);
        }
        let after = self.checkpoints.partition_point(|c| c.offset <= offset);
        let mut at = self.checkpoint(reader, after.saturating_sub(1))?;
        while offset >= at.offset + at.header.len() as u64 && at.number + 1 < self.frames {
            at = self.next(reader, &at)?;
        }
        Ok(Some(at.number))
    }

    /// The ordinal of the first event with an LSN at or above `lsn`
    /// ([`Index::events`] when there is none). LSNs grow from frame to frame
    /// in a log rewal wrote.
    pub fn ordinal_of_lsn(&self, reader: &mut Reader, lsn: Lsn) -> Result<u64> {
        let after = self.checkpoints.partition_point(|c| c.first_lsn <= lsn);
        if after == 0 {
            return Ok(0);
        }
        let mut at = self.checkpoint(reader, after - 1)?;
        loop {
            if lsn < at.header.first_lsn {
                return Ok(at.first_ordinal);
            }
            if lsn <= at.header.last_lsn() {
                return Ok(at.first_ordinal + (lsn - at.header.first_lsn));
            }
            if at.number + 1 >= self.frames {
                return Ok(self.events);
            }
            at = self.next(reader, &at)?;
        }
    }

    /// Calls `visit` with every event from ordinal `ordinal` on, while it
    /// returns true. Payloads are cut to their first `max_payload` bytes, so
    /// a page of rows costs no more than its previews whatever the events
    /// hold.
    pub fn walk(
        &self,
        reader: &mut Reader,
        ordinal: u64,
        max_payload: u64,
        mut visit: impl FnMut(Row<'_>) -> bool,
    ) -> Result<()> {
        let Some(mut at) = self.frame_of_ordinal(reader, ordinal)? else {
            return Ok(());
        };
        let mut ordinal = ordinal;
        loop {
            let end = at.end_ordinal();
            let mut lsn = at.header.first_lsn + (ordinal - at.first_ordinal);
            if at.header.is_compressed() {
                while ordinal < end {
                    let row = Row {
                        ordinal,
                        lsn,
                        frame_offset: at.offset,
                        compressed: true,
                        payload: &[],
                        payload_len: 0,
                        meta: None,
                    };
                    if !visit(row) {
                        return Ok(());
                    }
                    ordinal += 1;
                    lsn += 1;
                }
            } else {
                let mut records = self.records_from(reader, &at, ordinal)?;
                while ordinal < end {
                    let record = records.next(reader)?;
                    let (meta_len, payload_len) = (record.meta_len(), record.payload_len);
                    let shown = payload_len.min(max_payload) as usize;
                    let bytes = reader.get(record.meta_at, meta_len + shown)?;
                    let (meta, payload) = bytes.split_at(meta_len);
                    let row = Row {
                        ordinal,
                        lsn,
                        frame_offset: at.offset,
                        compressed: false,
                        payload,
                        payload_len,
                        meta: (meta_len > 0).then_some(meta),
                    };
                    if !visit(row) {
                        return Ok(());
                    }
                    ordinal += 1;
                    lsn += 1;
                }
            }
            if at.number + 1 >= self.frames {
                return Ok(());
            }
            at = self.next(reader, &at)?;
        }
    }

    /// The frame at checkpoint `i`.
    fn checkpoint(&self, reader: &mut Reader, i: usize) -> Result<Located> {
        let checkpoint = self.checkpoints.get(i).ok_or(Error::InvalidRecord)?;
        Ok(Located {
            number: checkpoint.number,
            offset: checkpoint.offset,
            header: header_at(reader, checkpoint.offset)?,
            first_ordinal: checkpoint.first_ordinal,
        })
    }

    /// The frame after `at` (which must not be the last): where `at` ends,
    /// unless it is a jump, whose checkpoint says where it is.
    fn next(&self, reader: &mut Reader, at: &Located) -> Result<Located> {
        let number = at.number + 1;
        let mut offset = at.offset + at.header.len() as u64;
        if !self.jumps.is_empty() && self.jumps.binary_search(&number).is_ok() {
            let i = self.checkpoints.partition_point(|c| c.number < number);
            offset = self.checkpoints.get(i).ok_or(Error::InvalidRecord)?.offset;
        }
        Ok(Located {
            number,
            offset,
            header: header_at(reader, offset)?,
            first_ordinal: at.end_ordinal(),
        })
    }

    /// The records of the uncompressed frame `at` from the one with ordinal
    /// `ordinal` on: from the nearest mark at or before it (or the frame's
    /// start), after a walk over fewer than [`MARK_EVERY`] records.
    fn records_from(
        &self,
        reader: &mut Reader,
        at: &Located,
        ordinal: u64,
    ) -> Result<FrameRecords> {
        let mut from = (at.first_ordinal, at.offset + HEADER_LEN as u64);
        let marked = self.marks.partition_point(|mark| mark.ordinal <= ordinal);
        if let Some(mark) = marked.checked_sub(1).map(|m| self.marks[m]) {
            if mark.ordinal >= at.first_ordinal {
                from = (mark.ordinal, mark.pos);
            }
        }
        let skipped = (from.0 - at.first_ordinal) as u32;
        let mut records = FrameRecords::new(at.offset, &at.header, skipped, from.1);
        for _ in from.0..ordinal {
            records.next(reader)?;
        }
        Ok(records)
    }
}

/// The records of a checked, uncompressed frame, walked with the engine's
/// cursor through the reader, from record `skipped` (at file position
/// `pos`) on.
struct FrameRecords {
    /// File position the cursor's offsets count from.
    base: u64,
    cursor: RecordCursor,
}

/// One record: where it and its meta begin, and its lengths.
struct Record {
    at: u64,
    meta_at: u64,
    payload_at: u64,
    payload_len: u64,
}

impl Record {
    fn meta_len(&self) -> usize {
        (self.payload_at - self.meta_at) as usize
    }
}

impl FrameRecords {
    fn new(frame_offset: u64, header: &FrameHeader, skipped: u32, pos: u64) -> FrameRecords {
        let region_end = frame_offset + header.len() as u64 - TRAILER_LEN as u64;
        FrameRecords {
            base: pos,
            cursor: RecordCursor::new(region_end - pos, header.record_count - skipped),
        }
    }

    /// The next record. The frames indexed were checked by the engine, so
    /// an error here means the storage changed under the viewer.
    fn next(&mut self, reader: &mut Reader) -> Result<Record> {
        let at = self.cursor.next_at().ok_or(Error::InvalidRecord)?;
        let left = self.cursor_end() - at;
        let head = reader.get(self.base + at, left.min(RECORD_HEADER_LEN as u64) as usize)?;
        let place = self.cursor.step(head).map_err(|_| Error::InvalidRecord)?;
        Ok(Record {
            at: self.base + at,
            meta_at: self.base + place.meta.start,
            payload_at: self.base + place.payload.start,
            payload_len: place.payload.end - place.payload.start,
        })
    }

    fn cursor_end(&self) -> u64 {
        self.cursor.region_len()
    }
}

/// The header of the frame at `offset`, through the engine's parser.
pub fn header_at(reader: &mut Reader, offset: u64) -> Result<FrameHeader> {
    let n = reader.len().saturating_sub(offset).min(HEADER_LEN as u64) as usize;
    FrameHeader::read(reader.get(offset, n)?).map_err(Error::from)
}
