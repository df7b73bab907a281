//! The JavaScript API (wasm-bindgen): the classes `WalLog` (look inside a
//! log), `WalWriter` and `WalBatch` (write one), and the plain records they
//! hand out. Everything here is a thin shell over [`crate::view`] and
//! [`crate::writer`], which hold the logic and are tested natively; engine
//! errors become JavaScript `Error`s carrying the engine's message.
//!
//! Numbers: LSNs are `bigint` (they are u64 and may pass 2^53); offsets,
//! sizes, counts and ordinals are `number` (exact below 2^53 bytes, far
//! beyond any file).
//!
//! A log of several segment files (`WalLog.openSegments`, in `segments.rs`)
//! has offsets that count from the first byte of its oldest segment; every
//! record that holds an offset also says which segment it is in
//! (`segment`) and where in it (`segmentOffset`).

mod segments;

use crate::picture::MARKS;
use crate::storage::{ByteSource, SourceStorage};
use crate::view::{EventRow, FrameEntry, LogView, Part};

use crate::writer::LogWriter;
use rewal::inspect::LogEnd;
use rewal::Batch;
pub use segments::LogSegment;
use wasm_bindgen::prelude::*;

/// What a log holds and how it ends.
#[wasm_bindgen(getter_with_clone)]
pub struct Summary {
    /// Size of the log in bytes.
    pub bytes: f64,
    /// Bytes from the start covered by valid frames.
    #[wasm_bindgen(js_name = validBytes)]
    pub valid_bytes: f64,
    /// Number of valid frames.
    pub frames: f64,
    /// Number of events in them.
    pub events: f64,
    /// Frames whose records region is compressed.
    #[wasm_bindgen(js_name = compressedFrames)]
    pub compressed_frames: f64,
    /// The largest valid frame, in bytes.
    #[wasm_bindgen(js_name = largestFrame)]
    pub largest_frame: f64,
    /// LSN of the first event (0n when there is none).
    #[wasm_bindgen(js_name = firstLsn)]
    pub first_lsn: u64,
    /// Largest LSN (0n when there is none).
    #[wasm_bindgen(js_name = lastLsn)]
    pub last_lsn: u64,
    /// How the log ends: `clean`, `torn-tail`, `corrupted` or `not-a-log`.
    pub end: String,
    /// Where the invalid bytes begin (torn tail or corruption).
    #[wasm_bindgen(js_name = endOffset)]
    pub end_offset: Option<f64>,
    /// Where the next valid frame after a corruption begins, if one was
    /// found.
    #[wasm_bindgen(js_name = nextValid)]
    pub next_valid: Option<f64>,
    /// How the log ends, in the native CLI's words (`rewal info`'s "ends:").
    pub ending: String,
    /// The one-line verdict `rewal verify` prints (without the file name);
    /// for segment files, what `rewal verify DIR` prints of their directory.
    pub verdict: String,
    /// What is wrong where the valid frames end, in the engine's words (the
    /// clause of the verdict after "torn tail at offset N: "), or undefined
    /// for a clean log.
    pub problem: Option<String>,
    /// After a corruption: where the valid frames that follow it begin.
    #[wasm_bindgen(js_name = afterOffset)]
    pub after_offset: Option<f64>,
    /// After a corruption: where those frames end (the next invalid byte,
    /// or the end of the file).
    #[wasm_bindgen(js_name = afterEnd)]
    pub after_end: Option<f64>,
    /// The number of valid frames after the corruption (0 when none).
    #[wasm_bindgen(js_name = afterFrames)]
    pub after_frames: f64,
    /// The number of events in them: what `rewal repair
    /// --cut-at-corruption` would remove.
    #[wasm_bindgen(js_name = afterEvents)]
    pub after_events: f64,
    /// Their first LSN (0n when none).
    #[wasm_bindgen(js_name = afterFirstLsn)]
    pub after_first_lsn: u64,
    /// Their largest LSN (0n when none).
    #[wasm_bindgen(js_name = afterLastLsn)]
    pub after_last_lsn: u64,
    /// The number of segment files, for a log opened from several (0 for
    /// a single file); `segments()` lists them.
    pub segments: f64,
    /// For segment files: the segment where the log's events stop (a
    /// torn tail, damage, or a segment that does not follow the one
    /// before), or undefined when they all hold.
    #[wasm_bindgen(js_name = problemSegment)]
    pub problem_segment: Option<String>,
    /// For segment files: how the segments fail to follow each other,
    /// `gap`, `overlap` or `out-of-range`; `damaged` for damage in a
    /// segment older than the newest; undefined otherwise.
    #[wasm_bindgen(js_name = segmentProblem)]
    pub segment_problem: Option<String>,
}

/// The verify report: what `rewal verify` says of the log, and its exit
/// code.
#[wasm_bindgen(getter_with_clone)]
pub struct VerifyReport {
    /// True for a clean log.
    pub ok: bool,
    /// `rewal verify`'s exit code: 0 clean, 1 torn tail, 2 corrupted, 3 not
    /// a log (for segment files, `rewal verify DIR`'s).
    #[wasm_bindgen(js_name = exitCode)]
    pub exit_code: u8,
    /// How the log ends: `clean`, `torn-tail`, `corrupted` or `not-a-log`.
    pub end: String,
    /// Where the invalid bytes begin (torn tail or corruption).
    #[wasm_bindgen(js_name = endOffset)]
    pub end_offset: Option<f64>,
    /// Where the next valid frame after a corruption begins.
    #[wasm_bindgen(js_name = nextValid)]
    pub next_valid: Option<f64>,
    /// Bytes from the start covered by valid frames.
    #[wasm_bindgen(js_name = validBytes)]
    pub valid_bytes: f64,
    /// The one-line verdict `rewal verify` prints (without the file name);
    /// for segment files, what `rewal verify DIR` prints of their directory.
    pub verdict: String,
}

/// One event.
#[wasm_bindgen(getter_with_clone)]
pub struct LogEvent {
    /// Its LSN.
    pub lsn: u64,
    /// Its position among the log's events, from 0.
    pub ordinal: f64,
    /// File offset of the frame holding it.
    #[wasm_bindgen(js_name = frameOffset)]
    pub frame_offset: f64,
    /// True when its frame is compressed: the viewer has no decompressor,
    /// so payload is empty and meta undefined (the frame is still checked).
    pub compressed: bool,
    /// The payload bytes (its first `maxPayload` bytes when the call asked
    /// for fewer).
    pub payload: Vec<u8>,
    /// The payload's whole length.
    #[wasm_bindgen(js_name = payloadLength)]
    pub payload_length: f64,
    /// The meta bytes, or undefined when the event has none.
    pub meta: Option<Vec<u8>>,
    /// For segment files: the segment holding its frame.
    pub segment: Option<String>,
    /// For segment files: the frame's offset in that segment.
    #[wasm_bindgen(js_name = segmentOffset)]
    pub segment_offset: Option<f64>,
}

/// One entry of the frame list.
#[wasm_bindgen(getter_with_clone)]
pub struct LogFrame {
    /// File offset of the frame.
    pub offset: f64,
    /// Its length in bytes, header and CRC included.
    pub size: f64,
    /// LSN of its first event.
    #[wasm_bindgen(js_name = firstLsn)]
    pub first_lsn: u64,
    /// Number of events.
    pub count: u32,
    /// Flags (bit 0: compressed).
    pub flags: u16,
    /// True when the frame passes every check (CRC, bounds, records).
    #[wasm_bindgen(js_name = crcOk)]
    pub crc_ok: bool,
    /// `ok`, `invalid` (where the valid frames end) or `after corruption`.
    pub status: String,
    /// The ordinal of its first event: among the log's events for an `ok`
    /// frame (for `eventsAt`), among the events after the corruption for an
    /// `after corruption` one (for `afterEventsAt`).
    #[wasm_bindgen(js_name = firstOrdinal)]
    pub first_ordinal: f64,
    /// For segment files: the segment holding the frame.
    pub segment: Option<String>,
    /// For segment files: the frame's offset in that segment.
    #[wasm_bindgen(js_name = segmentOffset)]
    pub segment_offset: Option<f64>,
}

/// The log at a glance: a minimap of its frames and two breakdowns.
#[wasm_bindgen(getter_with_clone)]
pub struct LogPicture {
    /// The minimap: the file cut into `minimap.length / 3` equal buckets;
    /// for bucket `b`, `[3b]` counts the valid frames touching it, `[3b+1]`
    /// the compressed ones, `[3b+2]` the valid frames after a corruption.
    /// Torn and corrupted bytes are where the summary's offsets say.
    pub minimap: Vec<u32>,
    /// Frames by size: `[k]` counts frames of 2^k to 2^(k+1) - 1 bytes.
    pub sizes: Vec<f64>,
    /// Meta values (as `rewal demo` prints them), sorted, then `(no meta)`,
    /// `(other values)` past the 256th distinct value, and `(compressed:
    /// meta unknown)`, when they have events.
    #[wasm_bindgen(js_name = metaLabels)]
    pub meta_labels: Vec<String>,
    /// The number of events for each of `metaLabels`.
    #[wasm_bindgen(js_name = metaCounts)]
    pub meta_counts: Vec<f64>,
    /// The byte ranges that are not valid frames, three numbers each:
    /// from, to (excluded), and 0 for a torn tail or 1 for corrupted
    /// bytes.
    pub blemishes: Vec<f64>,
}

/// A log opened for looking at: summary, pages of events, frames, verify.
#[wasm_bindgen]
pub struct WalLog {
    view: LogView,
}

#[wasm_bindgen]
impl WalLog {
    /// Opens the log held in `bytes` (copied into wasm memory once, a
    /// `Uint8Array` or a Node `Buffer`). Every frame is checked and a seek
    /// index built. Bytes that are not a log open too: their summary says
    /// `not-a-log`.
    pub fn open(bytes: Vec<u8>) -> Result<WalLog, JsError> {
        Ok(WalLog {
            view: LogView::from_bytes(bytes).map_err(js_error)?,
        })
    }

    /// Opens the log that `source` reads (see `ByteSource`), a slice at a
    /// time through the engine's read buffer: the log is never held whole,
    /// so it may be larger than memory. The source is read again for pages
    /// of events and frames, so it must stay readable while the log is
    /// open. Fails with the source's own message if it throws.
    #[wasm_bindgen(js_name = openSource)]
    pub fn open_source(source: ByteSource) -> Result<WalLog, JsError> {
        let storage = SourceStorage::new(source).map_err(js_error)?;
        Ok(WalLog {
            view: LogView::open(storage).map_err(js_error)?,
        })
    }

    /// What the log holds and how it ends.
    pub fn summary(&self) -> Summary {
        let scan = self.view.scan();
        let (end, end_offset, next_valid) = end_parts(scan.end);
        let after = self.view.after_corruption();
        Summary {
            bytes: scan.file_len as f64,
            valid_bytes: scan.valid_len as f64,
            frames: scan.frames as f64,
            events: scan.events as f64,
            compressed_frames: scan.compressed_frames as f64,
            largest_frame: f64::from(scan.largest_frame),
            first_lsn: scan.first_lsn,
            last_lsn: scan.last_lsn,
            end,
            end_offset,
            next_valid,
            ending: self.view.ending(),
            verdict: self.view.verdict(),
            problem: self.view.problem(),
            after_offset: after.map(|a| a.offset as f64),
            after_end: after.map(|a| a.end as f64),
            after_frames: after.map_or(0.0, |a| a.frames() as f64),
            after_events: after.map_or(0.0, |a| a.events() as f64),
            after_first_lsn: after.map_or(0, |a| a.first_lsn),
            after_last_lsn: after.map_or(0, |a| a.last_lsn),
            segments: self.view.segments().map_or(0.0, |s| s.files().len() as f64),
            problem_segment: self.problem_segment(),
            segment_problem: self.segment_problem(),
        }
    }

    /// What `rewal verify` would say, with its exit code.
    pub fn verify(&self) -> VerifyReport {
        let scan = self.view.scan();
        let (end, end_offset, next_valid) = end_parts(scan.end);
        VerifyReport {
            ok: scan.end == LogEnd::Clean,
            exit_code: self.view.exit_code(),
            end,
            end_offset,
            next_valid,
            valid_bytes: scan.valid_len as f64,
            verdict: self.view.verdict(),
        }
    }

    /// Up to `limit` events, from the first with an LSN at or above
    /// `from_lsn`.
    #[wasm_bindgen(js_name = eventsFrom)]
    pub fn events_from(&mut self, from_lsn: u64, limit: u32) -> Result<Vec<LogEvent>, JsError> {
        let first = self.view.ordinal_of_lsn(from_lsn).map_err(js_error)?;
        self.events_at(first as f64, limit, None)
    }

    /// Up to `limit` events, from the `ordinal`-th (from 0) on: what a
    /// table showing rows `ordinal..ordinal + limit` needs. With
    /// `maxPayload`, payloads are cut to that many bytes (`payloadLength`
    /// still says their whole length), so a page costs no more than its
    /// previews.
    #[wasm_bindgen(js_name = eventsAt)]
    pub fn events_at(
        &mut self,
        ordinal: f64,
        limit: u32,
        max_payload: Option<f64>,
    ) -> Result<Vec<LogEvent>, JsError> {
        self.rows(Part::Log, ordinal, limit, max_payload)
    }

    /// Like `eventsAt`, for the events of the valid frames after a
    /// corruption: read-only, and what `rewal repair --cut-at-corruption`
    /// would remove. Empty when the log has none.
    #[wasm_bindgen(js_name = afterEventsAt)]
    pub fn after_events_at(
        &mut self,
        ordinal: f64,
        limit: u32,
        max_payload: Option<f64>,
    ) -> Result<Vec<LogEvent>, JsError> {
        self.rows(Part::AfterCorruption, ordinal, limit, max_payload)
    }

    /// The ordinal of the first event with an LSN at or above `lsn` (the
    /// number of events when there is none): where "jump to LSN" lands.
    #[wasm_bindgen(js_name = ordinalOf)]
    pub fn ordinal_of(&mut self, lsn: u64) -> Result<f64, JsError> {
        Ok(self.view.ordinal_of_lsn(lsn).map_err(js_error)? as f64)
    }

    /// The ordinals of the events whose meta contains `needle` (UTF-8), in
    /// order: at most `max` of them (default and ceiling 4,194,304).
    #[wasm_bindgen(js_name = filterMeta)]
    pub fn filter_meta(&mut self, needle: &str, max: Option<u32>) -> Result<Vec<u32>, JsError> {
        let max = max.map_or(usize::MAX, |max| max as usize);
        self.view
            .filter_meta(needle.as_bytes(), max)
            .map_err(js_error)
    }

    /// The number of entries in the frame list.
    #[wasm_bindgen(getter, js_name = frameCount)]
    pub fn frame_count(&self) -> f64 {
        self.view.frame_count() as f64
    }

    /// Up to `limit` entries of the frame list from the `start`-th: the
    /// valid frames, then the invalid one and any valid frames after a
    /// corruption.
    pub fn frames(&mut self, start: f64, limit: u32) -> Result<Vec<LogFrame>, JsError> {
        let frames = self
            .view
            .frames(start.max(0.0) as u64, limit as usize)
            .map_err(js_error)?;
        Ok(frames
            .into_iter()
            .map(|frame| log_frame(frame, self.view.locate(frame.offset)))
            .collect())
    }

    /// The frame-list position of the frame holding file offset `offset`,
    /// or of the nearest frame after it; undefined when the log has no
    /// frames. What a click on the minimap opens.
    #[wasm_bindgen(js_name = frameAt)]
    pub fn frame_at(&mut self, offset: f64) -> Result<Option<f64>, JsError> {
        let offset = offset.max(0.0) as u64;
        Ok(self
            .view
            .frame_at_offset(offset)
            .map_err(js_error)?
            .map(|i| i as f64))
    }

    /// The minimap and the breakdowns by meta and by frame size.
    pub fn picture(&self) -> LogPicture {
        let picture = self.view.picture();
        let metas = picture.metas();
        debug_assert_eq!(picture.minimap().len() % MARKS, 0);
        LogPicture {
            minimap: picture.minimap().to_vec(),
            sizes: picture.sizes().iter().map(|&n| n as f64).collect(),
            meta_labels: metas.iter().map(|line| line.label.clone()).collect(),
            meta_counts: metas.iter().map(|line| line.count as f64).collect(),
            blemishes: self
                .view
                .blemishes()
                .iter()
                .flat_map(|&(from, to, kind)| [from as f64, to as f64, kind as u8 as f64])
                .collect(),
        }
    }
}

impl WalLog {
    fn rows(
        &mut self,
        part: Part,
        ordinal: f64,
        limit: u32,
        max_payload: Option<f64>,
    ) -> Result<Vec<LogEvent>, JsError> {
        let max_payload = max_payload.map_or(u64::MAX, |max| max.max(0.0) as u64);
        let rows = self
            .view
            .rows_at(part, ordinal.max(0.0) as u64, limit as usize, max_payload)
            .map_err(js_error)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let at = self.view.locate(row.frame_offset);
                log_event(row, at)
            })
            .collect())
    }
}

/// Events collected to be appended as one frame.
#[wasm_bindgen]
#[derive(Default)]
pub struct WalBatch {
    batch: Batch,
}

#[wasm_bindgen]
impl WalBatch {
    /// An empty batch.
    #[wasm_bindgen(constructor)]
    pub fn new() -> WalBatch {
        WalBatch::default()
    }

    /// Adds an event without meta.
    pub fn add(&mut self, payload: &[u8]) {
        self.batch.add(payload);
    }

    /// Adds an event with meta (an empty meta means none).
    #[wasm_bindgen(js_name = addWithMeta)]
    pub fn add_with_meta(&mut self, payload: &[u8], meta: &[u8]) {
        self.batch.add_with_meta(payload, meta);
    }

    /// The number of events in the batch.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u32 {
        self.batch.len() as u32
    }
}

/// A log written in memory by the engine; its bytes are what the native
/// library writes for the same appends.
#[wasm_bindgen]
pub struct WalWriter {
    writer: LogWriter,
}

#[wasm_bindgen]
impl WalWriter {
    /// A new, empty log.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<WalWriter, JsError> {
        Ok(WalWriter {
            writer: LogWriter::new().map_err(js_error)?,
        })
    }

    /// Appends one event; returns its LSN.
    pub fn append(&self, payload: &[u8]) -> Result<u64, JsError> {
        self.writer.append(payload, &[]).map_err(js_error)
    }

    /// Appends one event with meta (at most 65 535 bytes; empty means
    /// none); returns its LSN.
    #[wasm_bindgen(js_name = appendWithMeta)]
    pub fn append_with_meta(&self, payload: &[u8], meta: &[u8]) -> Result<u64, JsError> {
        self.writer.append(payload, meta).map_err(js_error)
    }

    /// Appends a batch as one frame; returns the batch's last LSN.
    #[wasm_bindgen(js_name = appendBatch)]
    pub fn append_batch(&self, batch: &WalBatch) -> Result<u64, JsError> {
        self.writer.append_batch(&batch.batch).map_err(js_error)
    }

    /// The LSN of the last event appended (0n before the first).
    #[wasm_bindgen(getter, js_name = lastLsn)]
    pub fn last_lsn(&self) -> u64 {
        self.writer.last_lsn()
    }

    /// The log's bytes so far.
    pub fn bytes(&self) -> Result<Vec<u8>, JsError> {
        self.writer.bytes().map_err(js_error)
    }

    /// Shuts the log down and returns its bytes; later appends throw.
    pub fn finish(&self) -> Result<Vec<u8>, JsError> {
        self.writer.finish().map_err(js_error)
    }
}

/// The engine's error as a JavaScript `Error` with its message.
fn js_error(error: rewal::Error) -> JsError {
    JsError::new(&error.to_string())
}

/// A scan's end as (`kind`, offset, next valid frame).
fn end_parts(end: LogEnd) -> (String, Option<f64>, Option<f64>) {
    match end {
        LogEnd::Clean => ("clean".into(), None, None),
        LogEnd::TornTail { offset } => ("torn-tail".into(), Some(offset as f64), None),
        LogEnd::PowerCut { offset, next_valid } => (
            "power-cut".into(),
            Some(offset as f64),
            next_valid.map(|at| at as f64),
        ),
        LogEnd::Corrupted { offset, next_valid } => (
            "corrupted".into(),
            Some(offset as f64),
            next_valid.map(|at| at as f64),
        ),
        LogEnd::NotALog => ("not-a-log".into(), None, None),
    }
}

/// A segment's name and an offset in it, as a record's two fields.
fn place(at: Option<(&str, u64)>) -> (Option<String>, Option<f64>) {
    match at {
        Some((name, offset)) => (Some(name.to_string()), Some(offset as f64)),
        None => (None, None),
    }
}

fn log_frame(frame: FrameEntry, at: Option<(&str, u64)>) -> LogFrame {
    let (segment, segment_offset) = place(at);
    LogFrame {
        offset: frame.offset as f64,
        size: frame.size as f64,
        first_lsn: frame.first_lsn,
        count: frame.count,
        flags: frame.flags,
        crc_ok: frame.crc_ok,
        status: frame.status.into(),
        first_ordinal: frame.first_ordinal as f64,
        segment,
        segment_offset,
    }
}

fn log_event(row: EventRow, at: Option<(&str, u64)>) -> LogEvent {
    let (segment, segment_offset) = place(at);
    LogEvent {
        lsn: row.lsn,
        ordinal: row.ordinal as f64,
        frame_offset: row.frame_offset as f64,
        compressed: row.compressed,
        payload: row.payload,
        payload_length: row.payload_len as f64,
        meta: row.meta,
        segment,
        segment_offset,
    }
}
