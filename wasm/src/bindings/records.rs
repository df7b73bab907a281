//! The records the engine hands to JavaScript, as plain objects: each is
//! a serde struct, serialized once by [`to_js`] (serde-wasm-bindgen), so
//! that `console.log`, `JSON.stringify` (with a replacer for `bigint`),
//! `structuredClone` and `postMessage` all take them, and nothing needs
//! `free()`. LSNs are `bigint`; offsets, sizes and counts `number`; bytes
//! `Uint8Array`; what is not known `null`. Their TypeScript shapes are
//! the `RECORDS_TS` section below, which the package's README documents.

use crate::segments::{Segments, Standing};
use crate::view::{EventRow, FrameEntry, FrameStatus, LogView};
use rewal::inspect::{LogEnd, Misfit, RunProblem};
use serde::{Serialize, Serializer};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const RECORDS_TS: &str = r#"
/** How a log ends. */
export type LogEndKind = "clean" | "torn-tail" | "power-cut" | "corrupted" | "not-a-log";

/** What a log holds and how it ends. */
export interface Summary {
  /** Size of the log in bytes (of all its segment files together). */
  bytes: number;
  /** Bytes from the start covered by valid frames. */
  validBytes: number;
  /** Valid frames, and how many of them are compressed. */
  frames: number;
  compressedFrames: number;
  /** Events in the valid frames. */
  events: number;
  /** The largest valid frame, in bytes. */
  largestFrame: number;
  /** LSN of the first event and the largest LSN (0n when there is none). */
  firstLsn: bigint;
  lastLsn: bigint;
  /** How the log ends. */
  end: LogEndKind;
  /** Where the invalid bytes begin (a torn tail or a corruption), else null. */
  endOffset: number | null;
  /** After a corruption: where the next valid frame begins, if one was found. */
  nextValid: number | null;
  /** How the log ends in the CLI's words (`rewal info`'s "ends:"). */
  ending: string;
  /** The line `rewal verify` prints, without the file name. */
  verdict: string;
  /** What is wrong where the valid frames end, in the engine's words; null when clean. */
  problem: string | null;
  /** The valid frames after a corruption: where they begin and end, how many, their events and LSNs (what `rewal repair --cut-at-corruption` removes). */
  afterOffset: number | null;
  afterEnd: number | null;
  afterFrames: number;
  afterEvents: number;
  afterFirstLsn: bigint;
  afterLastLsn: bigint;
  /** The number of segment files (0 for a single file). */
  segments: number;
  /** Segment files: the one where the log's events stop, and how it fails (null when none). */
  problemSegment: string | null;
  segmentProblem: "gap" | "overlap" | "out-of-range" | "damaged" | null;
}

/** What `rewal verify` says of a log, and its exit code. */
export interface Verdict {
  /** True for a clean log. */
  ok: boolean;
  /** `rewal verify`'s exit code: 0 clean, 1 torn tail, 2 corrupted, 3 not a log. */
  exitCode: number;
  end: LogEndKind;
  endOffset: number | null;
  nextValid: number | null;
  validBytes: number;
  /** The line `rewal verify` prints, without the file name. */
  verdict: string;
}

/** One event. A plain object: it can be cloned, posted and logged. */
export interface LogEvent {
  lsn: bigint;
  /** The payload (empty for an event of a compressed frame, see `compressed`). */
  payload: Uint8Array;
  /** The meta, or null when the event has none. */
  meta: Uint8Array | null;
  /** Its position among the log's events, from 0. */
  ordinal: number;
  /** Offset of the frame holding it (in a log of segment files: from the oldest segment's first byte). */
  frameOffset: number;
  /** True when its frame is compressed: rewal-wasm has no decompressor, so payload is empty and meta null (the frame is still checked). */
  compressed: boolean;
  /** The payload's whole length (more than `payload.length` only where a caller asked for a preview). */
  payloadLength: number;
  /** For segment files: the file holding its frame, and the frame's offset in it; else null. */
  segment: string | null;
  segmentOffset: number | null;
}

/** Where a frame stands: one of the log's, where the valid frames end, or a valid one after a corruption. */
export type FrameStatus = "ok" | "invalid" | "after-corruption";

/** One frame. */
export interface LogFrame {
  offset: number;
  /** Its length in bytes, header and CRC included. */
  size: number;
  firstLsn: bigint;
  /** Its number of events. */
  count: number;
  /** Flags (bit 0: compressed). */
  flags: number;
  /** True when the frame passes every check. */
  crcOk: boolean;
  status: FrameStatus;
  /** The ordinal of its first event (among the events after the corruption, for such a frame). */
  firstOrdinal: number;
  segment: string | null;
  segmentOffset: number | null;
}

/** One segment file of a log kept as a directory. */
export interface LogSegment {
  name: string;
  /** Where its bytes begin among the log's. */
  start: number;
  size: number;
  /** The LSN its name says. */
  named: bigint;
  frames: number;
  events: number;
  firstLsn: bigint;
  lastLsn: bigint;
  /** How the file ends on its own. */
  end: LogEndKind;
  /** Whether its events are the log's, where they stop, or after that (not replayed). */
  standing: "held" | "problem" | "after";
  /** What `rewal verify` says of the file alone. */
  verdict: string;
  /** How it ends in the log, as `rewal info DIR` lists it; null after the problem. */
  ending: string | null;
}
"#;

/// Converts a record to a plain JavaScript object: `u64` as `bigint`,
/// `None` as `null`, bytes as `Uint8Array`. The only conversion there is.
pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_large_number_types_as_bigints(true)
        .serialize_missing_as_null(true);
    // The records hold nothing that fails to serialize.
    value.serialize(&serializer).unwrap_or(JsValue::NULL)
}

fn bytes<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_bytes(bytes)
}

fn maybe_bytes<S: Serializer>(bytes: &Option<Vec<u8>>, serializer: S) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(bytes) => serializer.serialize_bytes(bytes),
        None => serializer.serialize_none(),
    }
}

/// How a log ends, as the records say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndKind {
    Clean,
    TornTail,
    PowerCut,
    Corrupted,
    NotALog,
}

impl From<LogEnd> for EndKind {
    fn from(end: LogEnd) -> Self {
        match end {
            LogEnd::Clean => EndKind::Clean,
            LogEnd::TornTail { .. } => EndKind::TornTail,
            LogEnd::PowerCut { .. } => EndKind::PowerCut,
            LogEnd::Corrupted { .. } => EndKind::Corrupted,
            LogEnd::NotALog => EndKind::NotALog,
        }
    }
}

/// How segment files fail to follow each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SegmentProblem {
    Gap,
    Overlap,
    OutOfRange,
    Damaged,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    bytes: f64,
    valid_bytes: f64,
    frames: f64,
    compressed_frames: f64,
    events: f64,
    largest_frame: f64,
    first_lsn: u64,
    last_lsn: u64,
    end: EndKind,
    end_offset: Option<f64>,
    next_valid: Option<f64>,
    ending: String,
    verdict: String,
    problem: Option<String>,
    after_offset: Option<f64>,
    after_end: Option<f64>,
    after_frames: f64,
    after_events: f64,
    after_first_lsn: u64,
    after_last_lsn: u64,
    segments: f64,
    problem_segment: Option<String>,
    segment_problem: Option<SegmentProblem>,
}

/// Where a scan's end is: the invalid bytes, and the next valid frame.
fn end_offsets(end: LogEnd) -> (Option<f64>, Option<f64>) {
    match end {
        LogEnd::Clean | LogEnd::NotALog => (None, None),
        LogEnd::TornTail { offset } => (Some(offset as f64), None),
        LogEnd::PowerCut { offset, next_valid } | LogEnd::Corrupted { offset, next_valid } => {
            (Some(offset as f64), next_valid.map(|at| at as f64))
        }
    }
}

impl Summary {
    pub fn of(view: &LogView) -> Summary {
        let scan = view.scan();
        let (end_offset, next_valid) = end_offsets(scan.end);
        let after = view.after_corruption();
        let segments = view.segments();
        Summary {
            bytes: scan.file_len as f64,
            valid_bytes: scan.valid_len as f64,
            frames: scan.frames as f64,
            compressed_frames: scan.compressed_frames as f64,
            events: scan.events as f64,
            largest_frame: f64::from(scan.largest_frame),
            first_lsn: scan.first_lsn,
            last_lsn: scan.last_lsn,
            end: scan.end.into(),
            end_offset,
            next_valid,
            ending: view.ending(),
            verdict: view.verdict(),
            problem: view.problem(),
            after_offset: after.map(|a| a.offset as f64),
            after_end: after.map(|a| a.end as f64),
            after_frames: after.map_or(0.0, |a| a.frames() as f64),
            after_events: after.map_or(0.0, |a| a.events() as f64),
            after_first_lsn: after.map_or(0, |a| a.first_lsn),
            after_last_lsn: after.map_or(0, |a| a.last_lsn),
            segments: segments.map_or(0.0, |s| s.files().len() as f64),
            problem_segment: segments.and_then(problem_segment),
            segment_problem: segments.and_then(segment_problem),
        }
    }
}

/// The name of the segment where the log's events stop, if any.
fn problem_segment(segments: &Segments) -> Option<String> {
    (0..segments.files().len())
        .find(|&i| segments.standing(i) == Standing::Problem)
        .map(|i| segments.files()[i].name.clone())
}

/// How the segments fail to follow each other, or that one is damaged.
fn segment_problem(segments: &Segments) -> Option<SegmentProblem> {
    Some(match segments.dir_problem()? {
        RunProblem::Misfit { misfit, .. } => match misfit {
            Misfit::Gap { .. } => SegmentProblem::Gap,
            Misfit::Overlap { .. } => SegmentProblem::Overlap,
            Misfit::OutOfRange { .. } => SegmentProblem::OutOfRange,
        },
        RunProblem::Damaged { .. } => SegmentProblem::Damaged,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    ok: bool,
    exit_code: u8,
    end: EndKind,
    end_offset: Option<f64>,
    next_valid: Option<f64>,
    valid_bytes: f64,
    verdict: String,
}

impl Verdict {
    pub fn of(scan: &rewal::inspect::LogScan, exit_code: u8, verdict: String) -> Verdict {
        let (end_offset, next_valid) = end_offsets(scan.end);
        Verdict {
            ok: scan.end == LogEnd::Clean,
            exit_code,
            end: scan.end.into(),
            end_offset,
            next_valid,
            valid_bytes: scan.valid_len as f64,
            verdict,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    lsn: u64,
    #[serde(serialize_with = "bytes")]
    payload: Vec<u8>,
    #[serde(serialize_with = "maybe_bytes")]
    meta: Option<Vec<u8>>,
    ordinal: f64,
    frame_offset: f64,
    compressed: bool,
    payload_length: f64,
    segment: Option<String>,
    segment_offset: Option<f64>,
}

impl Event {
    /// An event of `view` (or of a stream, `view` being `None`).
    pub fn of(row: EventRow, view: Option<&LogView>) -> Event {
        let (segment, segment_offset) = place(view, row.frame_offset);
        Event {
            lsn: row.lsn,
            payload: row.payload,
            meta: row.meta,
            ordinal: row.ordinal as f64,
            frame_offset: row.frame_offset as f64,
            compressed: row.compressed,
            payload_length: row.payload_len as f64,
            segment,
            segment_offset,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Frame {
    offset: f64,
    size: f64,
    first_lsn: u64,
    count: u32,
    flags: u16,
    crc_ok: bool,
    status: FrameStatus,
    first_ordinal: f64,
    segment: Option<String>,
    segment_offset: Option<f64>,
}

impl Frame {
    pub fn of(frame: FrameEntry, view: &LogView) -> Frame {
        let (segment, segment_offset) = place(Some(view), frame.offset);
        Frame {
            offset: frame.offset as f64,
            size: frame.size as f64,
            first_lsn: frame.first_lsn,
            count: frame.count,
            flags: frame.flags,
            crc_ok: frame.crc_ok,
            status: frame.status,
            first_ordinal: frame.first_ordinal as f64,
            segment,
            segment_offset,
        }
    }
}

/// The segment holding `offset` and the offset in it, for segment files.
fn place(view: Option<&LogView>, offset: u64) -> (Option<String>, Option<f64>) {
    match view.and_then(|view| view.locate(offset)) {
        Some((name, offset)) => (Some(name.to_string()), Some(offset as f64)),
        None => (None, None),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Segment {
    name: String,
    start: f64,
    size: f64,
    named: u64,
    frames: f64,
    events: f64,
    first_lsn: u64,
    last_lsn: u64,
    end: EndKind,
    standing: StandingKind,
    verdict: String,
    ending: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
enum StandingKind {
    Held,
    Problem,
    After,
}

impl Segment {
    pub fn all(segments: &Segments) -> Vec<Segment> {
        let files = segments.files().iter().enumerate();
        files
            .map(|(i, file)| {
                let scan = segments.scan(i);
                Segment {
                    name: file.name.clone(),
                    start: file.start as f64,
                    size: file.len as f64,
                    named: file.named,
                    frames: scan.map_or(0.0, |s| s.frames as f64),
                    events: scan.map_or(0.0, |s| s.events as f64),
                    first_lsn: scan.map_or(0, |s| s.first_lsn),
                    last_lsn: scan.map_or(0, |s| s.last_lsn),
                    end: scan.map_or(EndKind::Clean, |s| s.end.into()),
                    standing: match segments.standing(i) {
                        Standing::Held => StandingKind::Held,
                        Standing::Problem => StandingKind::Problem,
                        Standing::After => StandingKind::After,
                    },
                    verdict: segments.segment_verdict(i).unwrap_or_default(),
                    ending: segments.segment_ending(i),
                }
            })
            .collect()
    }
}
