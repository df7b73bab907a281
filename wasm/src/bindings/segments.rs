//! The JavaScript API for logs kept as several segment files:
//! `WalLog.openSegments` (files in memory), `WalLog.openSegmentSources`
//! (files read a slice at a time, as the viewer's worker reads `File`s),
//! `log.segments()`, and `segmentLsn(name)`, the engine's rule for which
//! file names are segments.

use super::{js_error, WalLog};
use crate::segments::{self, Standing};
use crate::storage::{ByteSource, SourceStorage};
use crate::view::LogView;
use rewal::inspect::{DirProblem, LogEnd, Misfit};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const SEGMENT_TS: &str = r#"
/**
 * One segment file of a log kept as a directory (`Wal::open_dir`), in
 * memory: its file name (its first LSN, 20 digits and `.wal`) and its
 * bytes (a `Uint8Array` or a Node `Buffer`).
 */
export interface Segment {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * One segment file read a slice at a time: a `ByteSource` with the file's
 * name.
 */
export interface SegmentSource extends ByteSource {
  readonly name: string;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// A `{ name, bytes }` object.
    #[wasm_bindgen(typescript_type = "Segment")]
    pub type Segment;

    #[wasm_bindgen(method, getter, js_name = name)]
    fn segment_name(this: &Segment) -> JsValue;

    #[wasm_bindgen(method, getter, catch, js_name = bytes)]
    fn segment_bytes(this: &Segment) -> Result<Vec<u8>, JsValue>;

    /// A `ByteSource` with a `name`.
    #[wasm_bindgen(extends = ByteSource, typescript_type = "SegmentSource")]
    pub type SegmentSource;

    #[wasm_bindgen(method, getter, js_name = name)]
    fn source_name(this: &SegmentSource) -> JsValue;
}

/// One segment file of the log, and what scanning it found.
#[wasm_bindgen(getter_with_clone)]
pub struct LogSegment {
    /// Its file name.
    pub name: String,
    /// Where its bytes begin among the log's (offsets count from the
    /// oldest segment's first byte).
    pub start: f64,
    /// Its size in bytes.
    pub size: f64,
    /// The first LSN it may hold: what its name says.
    pub named: u64,
    /// Its valid frames (before any damage in it).
    pub frames: f64,
    /// The events in them.
    pub events: f64,
    /// Their first LSN (0n when none).
    #[wasm_bindgen(js_name = firstLsn)]
    pub first_lsn: u64,
    /// Their last LSN (0n when none).
    #[wasm_bindgen(js_name = lastLsn)]
    pub last_lsn: u64,
    /// How the file ends on its own: `clean`, `torn-tail`, `corrupted` or
    /// `not-a-log`.
    pub end: String,
    /// `held` (its events are the log's), `problem` (where the log's events
    /// stop) or `after` (after that: not replayed).
    pub standing: String,
    /// What `rewal verify` says of the file alone.
    pub verdict: String,
    /// How it ends in the log, as `rewal info DIR` lists it (torn while
    /// newer segments follow is a corruption; a segment that does not
    /// follow the one before says why); undefined after the problem,
    /// where rewal scans no further.
    pub ending: Option<String>,
}

/// The LSN a segment file's name says, or undefined when `name` is not a
/// segment's (20 decimal digits and `.wal`): which files of a folder are
/// a log's segments.
#[wasm_bindgen(js_name = segmentLsn)]
pub fn segment_lsn(name: &str) -> Option<u64> {
    rewal::inspect::segment_lsn(name)
}

/// Segment `i`'s name, or an error saying it has none.
fn name_of(value: JsValue, i: usize) -> Result<String, JsError> {
    value
        .as_string()
        .ok_or_else(|| JsError::new(&format!("segment {i} has no name (a string)")))
}

#[wasm_bindgen]
impl WalLog {
    /// Opens segment files held in memory (`{ name, bytes }`, in any
    /// order) as one log: ordered by the LSN their names say, their frames
    /// one after the other. Each segment is checked as the log it is, and
    /// the segments are checked to follow each other; the summary and the
    /// verdict name the segment where a problem is. Throws when a name is
    /// not a segment's, two are the same, or there are none.
    #[wasm_bindgen(js_name = openSegments)]
    pub fn open_segments(segments: Vec<Segment>) -> Result<WalLog, JsError> {
        // Refused before any bytes are copied in.
        if segments.len() > segments::MAX_SEGMENTS {
            let names = vec![""; segments.len()];
            segments::order(&names).map_err(js_error)?;
        }
        let mut files = Vec::with_capacity(segments.len());
        for (i, segment) in segments.iter().enumerate() {
            let name = name_of(segment.segment_name(), i)?;
            let bytes = segment
                .segment_bytes()
                .map_err(|_| JsError::new(&format!("{name}: its bytes are not a Uint8Array")))?;
            files.push((name, bytes));
        }
        Ok(WalLog {
            view: LogView::from_segments(files).map_err(js_error)?,
        })
    }

    /// Opens segment files read a slice at a time (`SegmentSource`s: a
    /// `ByteSource` with a `name`, in any order) as one log, as
    /// `openSegments` does: never held whole, however large, and read
    /// through one small cache whatever their number. The sources must
    /// stay readable while the log is open.
    #[wasm_bindgen(js_name = openSegmentSources)]
    pub fn open_segment_sources(segments: Vec<SegmentSource>) -> Result<WalLog, JsError> {
        let names = segments
            .iter()
            .enumerate()
            .map(|(i, segment)| name_of(segment.source_name(), i))
            .collect::<Result<Vec<_>, _>>()?;
        let order = segments::order(&names.iter().map(String::as_str).collect::<Vec<_>>())
            .map_err(js_error)?;
        let sources: Vec<ByteSource> = order
            .iter()
            .map(|&i| segments[i].clone().unchecked_into())
            .collect();
        let storage = SourceStorage::concat(sources).map_err(js_error)?;
        let laid = order
            .iter()
            .zip(storage.sizes())
            .map(|(&i, len)| (names[i].clone(), len));
        let files = segments::layout(laid.collect()).map_err(js_error)?;
        Ok(WalLog {
            view: LogView::open_segments(storage, files).map_err(js_error)?,
        })
    }

    /// The segment files, oldest first (empty for a single file).
    pub fn segments(&self) -> Vec<LogSegment> {
        let Some(segments) = self.view.segments() else {
            return Vec::new();
        };
        let files = segments.files().iter().enumerate();
        files
            .map(|(i, file)| {
                let scan = segments.scan(i);
                LogSegment {
                    name: file.name.clone(),
                    start: file.start as f64,
                    size: file.len as f64,
                    named: file.named,
                    frames: scan.map_or(0.0, |s| s.frames as f64),
                    events: scan.map_or(0.0, |s| s.events as f64),
                    first_lsn: scan.map_or(0, |s| s.first_lsn),
                    last_lsn: scan.map_or(0, |s| s.last_lsn),
                    end: scan.map_or("clean", |s| end_kind(s.end)).into(),
                    standing: match segments.standing(i) {
                        Standing::Held => "held",
                        Standing::Problem => "problem",
                        Standing::After => "after",
                    }
                    .into(),
                    verdict: segments.segment_verdict(i).unwrap_or_default(),
                    ending: segments.segment_ending(i),
                }
            })
            .collect()
    }
}

impl WalLog {
    /// The name of the segment where the log's events stop, if any.
    pub(super) fn problem_segment(&self) -> Option<String> {
        let segments = self.view.segments()?;
        (0..segments.files().len())
            .find(|&i| segments.standing(i) == Standing::Problem)
            .map(|i| segments.files()[i].name.clone())
    }

    /// How the segments fail to follow each other, or `damaged`.
    pub(super) fn segment_problem(&self) -> Option<String> {
        let kind = match self.view.segments()?.dir_problem()? {
            DirProblem::Misfit { misfit, .. } => match misfit {
                Misfit::Gap { .. } => "gap",
                Misfit::Overlap { .. } => "overlap",
                Misfit::OutOfRange { .. } => "out-of-range",
            },
            DirProblem::Damaged { .. } => "damaged",
        };
        Some(kind.into())
    }
}

/// How a scan ends, as the summary's `end` says it.
fn end_kind(end: LogEnd) -> &'static str {
    match end {
        LogEnd::Clean => "clean",
        LogEnd::TornTail { .. } => "torn-tail",
        LogEnd::PowerCut { .. } => "power-cut",
        LogEnd::Corrupted { .. } => "corrupted",
        LogEnd::NotALog => "not-a-log",
    }
}
