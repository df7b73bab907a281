//! Logs kept as several segment files: `LogCore.openSegments` (files in
//! memory), `LogCore.openSegmentSources` (files read a slice at a time, as
//! the viewer's worker reads `File`s), and `segmentLsn(name)`, the
//! engine's rule for which file names are segments.

use super::errors::js_error;
use super::LogCore;
use crate::segments;
use crate::storage::{ByteSource, SourceStorage};
use crate::view::LogView;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const SEGMENT_TS: &str = r#"
/**
 * One segment file of a log kept as a directory (`Wal::open_dir`), in
 * memory: its file name (its first LSN, 20 digits and `.wal`) and its
 * bytes.
 */
export interface Segment {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** One segment file read a slice at a time: a `ByteSource` with the file's name. */
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

/// The LSN a segment file's name says, or undefined when `name` is not a
/// segment's (20 decimal digits and `.wal`).
#[wasm_bindgen(js_name = segmentLsn)]
pub fn segment_lsn(name: &str) -> Option<u64> {
    rewal::inspect::segment_lsn(name)
}

/// Segment `i`'s name, or a `TypeError` saying it has none.
fn name_of(value: JsValue, i: usize) -> Result<String, JsValue> {
    value.as_string().ok_or_else(|| {
        js_sys::TypeError::new(&format!("segments[{i}].name must be a string")).into()
    })
}

#[wasm_bindgen]
impl LogCore {
    /// Opens segment files held in memory (`{ name, bytes }`, in any
    /// order) as one log, ordered by the LSN their names say. Throws
    /// `invalid-segments` when a name is not a segment's, two are the
    /// same, or there are none.
    #[wasm_bindgen(js_name = openSegments)]
    pub fn open_segments(segments: Vec<Segment>) -> Result<LogCore, JsValue> {
        // Refused before any bytes are copied in.
        if segments.len() > segments::MAX_SEGMENTS {
            let names = vec![""; segments.len()];
            segments::order(&names).map_err(js_error)?;
        }
        let mut files = Vec::with_capacity(segments.len());
        for (i, segment) in segments.iter().enumerate() {
            let name = name_of(segment.segment_name(), i)?;
            let bytes = segment.segment_bytes().map_err(|_| {
                js_sys::TypeError::new(&format!("segments[{i}].bytes must be a Uint8Array"))
            })?;
            files.push((name, bytes));
        }
        LogView::from_segments(files)
            .map(LogCore::new)
            .map_err(js_error)
    }

    /// Opens segment files read a slice at a time (`SegmentSource`s, in
    /// any order) as one log, as `openSegments` does: never held whole, and
    /// read through one small cache whatever their number. The sources
    /// must stay readable while the log is open.
    #[wasm_bindgen(js_name = openSegmentSources)]
    pub fn open_segment_sources(segments: Vec<SegmentSource>) -> Result<LogCore, JsValue> {
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
        LogView::open_segments(storage, files)
            .map(LogCore::new)
            .map_err(js_error)
    }
}
