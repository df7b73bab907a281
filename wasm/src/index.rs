//! The seek index: built once when a log is opened, so that any page of
//! events is found by two binary searches and a short walk, never by
//! decoding the log from its start. A 1 M-event log is paged as fast at
//! its end as at its beginning.

use rewal::encoding::{self, FrameHeader, HEADER_LEN, RECORD_HEADER_LEN};
use rewal::inspect::FrameInfo;
use rewal::Lsn;

/// Inside a frame, one mark every this many records, so that a page in the
/// middle of one huge batch frame is found by a walk of at most this many
/// record headers.
pub const MARK_EVERY: u64 = 1024;

/// One valid frame: where it is, the LSN it starts at, and the position of
/// its first event among all the log's events (its ordinal). 24 bytes a
/// frame; everything else is read from its header when needed.
#[derive(Debug, Clone, Copy)]
struct FrameAt {
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

/// The seek index of a log's valid frames (those before any invalid byte).
#[derive(Debug, Default)]
pub struct Index {
    frames: Vec<FrameAt>,
    marks: Vec<Mark>,
    events: u64,
}

/// One event as the viewer shows it. Events of compressed frames have
/// their LSN and frame but no payload or meta: like the native CLI, the
/// viewer has no decompressor (the frames are still CRC-checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    /// Position among all events of the log, from 0.
    pub ordinal: u64,
    /// The event's LSN.
    pub lsn: Lsn,
    /// File offset of the frame holding it.
    pub frame_offset: u64,
    /// True when that frame is compressed (payload and meta unknown).
    pub compressed: bool,
    /// The payload (empty for a compressed frame).
    pub payload: &'a [u8],
    /// The meta, `None` when the event has none (or is compressed).
    pub meta: Option<&'a [u8]>,
}

impl Index {
    /// Adds a frame met by the scan; frames come in file order.
    pub fn push(&mut self, frame: &FrameInfo) {
        self.frames.push(FrameAt {
            offset: frame.offset,
            first_lsn: frame.header.first_lsn,
            first_ordinal: self.events,
        });
        self.events += u64::from(frame.header.record_count);
    }

    /// Marks the large uncompressed frames of `data` (after every frame was
    /// pushed), walking their record headers once.
    pub fn mark(&mut self, data: &[u8]) {
        for i in 0..self.frames.len() {
            let frame = self.frames[i];
            let Some(header) = header_at(data, frame.offset) else {
                continue;
            };
            if header.is_compressed() || u64::from(header.record_count) <= MARK_EVERY {
                continue;
            }
            let mut pos = frame.offset as usize + HEADER_LEN;
            for k in 1..u64::from(header.record_count) {
                match skip_record(data, pos) {
                    Some(next) => pos = next,
                    None => break,
                }
                if k % MARK_EVERY == 0 {
                    self.marks.push(Mark {
                        ordinal: frame.first_ordinal + k,
                        pos: pos as u64,
                    });
                }
            }
        }
    }

    /// The number of events indexed.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The number of frames indexed.
    pub fn frames(&self) -> usize {
        self.frames.len()
    }

    /// File offset of frame `i`.
    pub fn frame_offset(&self, i: usize) -> Option<u64> {
        self.frames.get(i).map(|frame| frame.offset)
    }

    /// The ordinal of the first event with an LSN at or above `lsn`
    /// ([`Index::events`] when there is none).
    pub fn ordinal_of_lsn(&self, data: &[u8], lsn: Lsn) -> u64 {
        let after = self.frames.partition_point(|frame| frame.first_lsn <= lsn);
        let Some(frame) = after.checked_sub(1).map(|i| self.frames[i]) else {
            return 0;
        };
        match header_at(data, frame.offset) {
            Some(header) if lsn <= header.last_lsn() => {
                frame.first_ordinal + (lsn - frame.first_lsn)
            }
            _ => self
                .frames
                .get(after)
                .map_or(self.events, |next| next.first_ordinal),
        }
    }

    /// Up to `limit` events from ordinal `ordinal` on.
    pub fn rows<'a>(&self, data: &'a [u8], ordinal: u64, limit: usize) -> Vec<Row<'a>> {
        let mut rows = Vec::with_capacity(limit.min(4096));
        self.walk(data, ordinal, |row| {
            rows.push(row);
            rows.len() < limit
        });
        rows
    }

    /// Calls `visit` with every event from ordinal `ordinal` on, while it
    /// returns true.
    pub fn walk<'a>(&self, data: &'a [u8], ordinal: u64, mut visit: impl FnMut(Row<'a>) -> bool) {
        if ordinal >= self.events {
            return;
        }
        let mut i = self
            .frames
            .partition_point(|frame| frame.first_ordinal <= ordinal)
            - 1;
        let mut ordinal = ordinal;
        while let Some(frame) = self.frames.get(i).copied() {
            let Some(header) = header_at(data, frame.offset) else {
                return;
            };
            let skip = ordinal - frame.first_ordinal;
            let mut lsn = frame.first_lsn + skip;
            let end = frame.first_ordinal + u64::from(header.record_count);
            if header.is_compressed() {
                while ordinal < end {
                    let row = Row {
                        ordinal,
                        lsn,
                        frame_offset: frame.offset,
                        compressed: true,
                        payload: &[],
                        meta: None,
                    };
                    if !visit(row) {
                        return;
                    }
                    ordinal += 1;
                    lsn += 1;
                }
            } else {
                let mut pos = self.start_of(data, &frame, ordinal);
                while ordinal < end {
                    let Some((meta, payload, next)) = record_at(data, pos) else {
                        return;
                    };
                    let row = Row {
                        ordinal,
                        lsn,
                        frame_offset: frame.offset,
                        compressed: false,
                        payload,
                        meta,
                    };
                    if !visit(row) {
                        return;
                    }
                    pos = next;
                    ordinal += 1;
                    lsn += 1;
                }
            }
            i += 1;
        }
    }

    /// The position of the record with ordinal `ordinal` in the
    /// uncompressed `frame`: from the nearest mark at or before it (or the
    /// frame's start), a walk over fewer than [`MARK_EVERY`] records.
    fn start_of(&self, data: &[u8], frame: &FrameAt, ordinal: u64) -> usize {
        let mut from = (frame.first_ordinal, frame.offset as usize + HEADER_LEN);
        let marked = self.marks.partition_point(|mark| mark.ordinal <= ordinal);
        if let Some(mark) = marked.checked_sub(1).map(|m| self.marks[m]) {
            if mark.ordinal >= frame.first_ordinal {
                from = (mark.ordinal, mark.pos as usize);
            }
        }
        let mut pos = from.1;
        for _ in from.0..ordinal {
            match skip_record(data, pos) {
                Some(next) => pos = next,
                None => break,
            }
        }
        pos
    }
}

/// The header of the (already checked) frame at `offset`.
pub fn header_at(data: &[u8], offset: u64) -> Option<FrameHeader> {
    let at = usize::try_from(offset).ok()?;
    encoding::parse_header(data.get(at..)?).ok()
}

/// A record's meta (`None` when it has none), payload, and where the next
/// record begins.
type Record<'a> = (Option<&'a [u8]>, &'a [u8], usize);

/// The record at `pos`. The scan checked every record of every indexed
/// frame, so `None` only guards against misuse.
fn record_at(data: &[u8], pos: usize) -> Option<Record<'_>> {
    let head = data.get(pos..pos.checked_add(RECORD_HEADER_LEN)?)?;
    let payload_len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let meta_len = usize::from(u16::from_le_bytes([head[4], head[5]]));
    let meta_at = pos + RECORD_HEADER_LEN;
    let payload_at = meta_at.checked_add(meta_len)?;
    let end = payload_at.checked_add(payload_len)?;
    let payload = data.get(payload_at..end)?;
    let meta = (meta_len > 0).then(|| &data[meta_at..payload_at]);
    Some((meta, payload, end))
}

/// The end of the record at `pos`.
fn skip_record(data: &[u8], pos: usize) -> Option<usize> {
    record_at(data, pos).map(|(_, _, end)| end)
}
