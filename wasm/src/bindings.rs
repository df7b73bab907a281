//! The JavaScript bindings (wasm-bindgen): `LogCore` (a log opened for
//! looking at), `WriterCore` (a log written in memory) and `StreamCore` (a
//! log read as it streams in). They are the engine's side of two front
//! ends, which check what JavaScript hands them:
//!
//! - the npm package `rewal-wasm` (`wasm/npm/index.js`), whose `WalLog`,
//!   `WalWriter` and `readEvents` wrap these classes and are the library's
//!   documented API;
//! - the viewer (`www/js/worker.js`), which also uses what only it needs:
//!   pages by ordinal, the events after a corruption, search, JSON lines,
//!   the minimap and the breakdowns (`picture`).
//!
//! Everything here is a thin shell over [`crate::view`], [`crate::writer`]
//! and [`crate::stream`], which hold the logic and are tested natively.
//! Records leave as plain objects ([`records::to_js`]); errors as
//! `RewalError`s ([`errors`]).
//!
//! Numbers: LSNs are `bigint` (u64); offsets, sizes, counts and ordinals
//! are `number` (exact below 2^53). A log of several segment files has
//! offsets that count from the first byte of its oldest segment; records
//! that hold an offset also say which segment it is in (`segment`) and
//! where in it (`segmentOffset`).

pub(crate) mod errors;
mod opfs;
pub(crate) mod records;
mod segments;

use crate::picture::MARKS;
use crate::search::{Asked, Query};
use crate::storage::{ByteSource, SourceStorage};
use crate::stream::StreamReader;
use crate::view::{LogView, Part};
use crate::writer::LogWriter;
use errors::{end_code, js_error, rewal_error};
use records::{to_js, Event, Frame, Segment, Summary, Verdict};
use rewal::inspect::LogScan;
use rewal::{Batch, Lsn};
use rewal_report::Verdict as Words;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

pub use errors::set_error_class;
pub use opfs::{opfs_error, OpfsCore, OpfsCursor};
pub use segments::segment_lsn;

#[wasm_bindgen(typescript_custom_section)]
const CORE_TS: &str = r#"
/** A page of events and where the next one begins (null: no more). */
export interface EventPage {
  events: LogEvent[];
  next: number | null;
}

/** What a search found: the ordinals of the first matches (at most the engine's ceiling) and how many events match in all. */
export interface SearchResult {
  ordinals: Uint32Array;
  total: number;
}

/** What a search looks for: exactly one of text, hex and regex; in the payload, the meta or both (the default). */
export interface SearchQuery {
  text?: string;
  hex?: string;
  regex?: string;
  in?: "payload" | "meta" | "both";
}

/**
 * The log at a glance (for the viewer): the minimap (the file cut into
 * `minimap.length / 3` buckets; for bucket b, [3b] counts the valid frames
 * touching it, [3b+1] the compressed ones, [3b+2] the valid frames after a
 * corruption), frames by size ([k]: 2^k to 2^(k+1) - 1 bytes), events by
 * meta (as `rewal demo` counts them), and the byte ranges that are not
 * valid frames.
 */
export interface Picture {
  minimap: Uint32Array;
  sizes: number[];
  metas: { label: string; count: number }[];
  blemishes: { from: number; to: number; kind: "torn" | "corrupt" }[];
}
"#;

pub use part::EventPart;

mod part {
    // wasm-bindgen adds undocumented items of its own to a string enum.
    #![allow(missing_docs)]
    use wasm_bindgen::prelude::*;

    /// Which events: the log's, or those of the valid frames after a
    /// corruption (what `rewal repair --cut-at-corruption` would remove).
    #[wasm_bindgen]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum EventPart {
        /// The log's events.
        Log = "log",
        /// The events after a corruption.
        After = "after",
    }
}

impl From<EventPart> for Part {
    fn from(part: EventPart) -> Part {
        match part {
            EventPart::After => Part::AfterCorruption,
            _ => Part::Log,
        }
    }
}

/// A log opened for looking at.
#[wasm_bindgen]
pub struct LogCore {
    view: LogView,
}

#[wasm_bindgen]
impl LogCore {
    /// Opens the log held in `bytes` (copied into wasm memory once).
    /// Bytes that are not a log open too: their summary says `not-a-log`.
    pub fn open(bytes: Vec<u8>) -> Result<LogCore, JsValue> {
        LogView::from_bytes(bytes)
            .map(LogCore::new)
            .map_err(js_error)
    }

    /// Opens the log that `source` reads, a slice at a time, never whole.
    #[wasm_bindgen(js_name = openSource)]
    pub fn open_source(source: ByteSource) -> Result<LogCore, JsValue> {
        let storage = SourceStorage::new(source).map_err(js_error)?;
        LogView::open(storage).map(LogCore::new).map_err(js_error)
    }

    /// What the log holds and how it ends.
    #[wasm_bindgen(unchecked_return_type = "Summary")]
    pub fn summary(&self) -> JsValue {
        to_js(&Summary::of(&self.view))
    }

    /// What `rewal verify` would say, with its exit code.
    #[wasm_bindgen(unchecked_return_type = "Verdict")]
    pub fn verify(&self) -> JsValue {
        to_js(&Verdict::of(
            self.view.scan(),
            self.view.exit_code(),
            self.view.verdict(),
        ))
    }

    /// The segment files, oldest first (empty for a single file).
    #[wasm_bindgen(unchecked_return_type = "LogSegment[]")]
    pub fn segments(&self) -> JsValue {
        to_js(&self.view.segments().map(Segment::all).unwrap_or_default())
    }

    /// The `RewalError` saying how the log ends (`torn`, `corrupted`,
    /// `not-a-log`, with the verdict as its message), or null when it
    /// ends cleanly: what reading it to the end meets.
    #[wasm_bindgen(js_name = endError, unchecked_return_type = "Error | null")]
    pub fn end_error(&self) -> JsValue {
        end_error(self.view.scan(), &self.view.verdict())
    }

    /// The ordinal of the first event with an LSN at or above `lsn` (the
    /// number of events when there is none). For a log of segment files,
    /// an LSN other than 0 below its oldest segment throws `checkpointed`,
    /// as the engine's iterator does: those events are gone.
    #[wasm_bindgen(js_name = ordinalOf)]
    pub fn ordinal_of(&mut self, lsn: Lsn) -> Result<f64, JsValue> {
        if let Some(oldest) = self.view.segments().and_then(|s| s.files().first()) {
            if lsn != 0 && lsn < oldest.named {
                return Err(rewal_error(
                    "checkpointed",
                    &rewal::Error::checkpointed(
                        rewal::Details::new()
                            .with_lsn(lsn)
                            .with_first_lsn(oldest.named),
                    )
                    .to_string(),
                    None,
                    Some(oldest.named),
                ));
            }
        }
        Ok(self.view.ordinal_of_lsn(lsn).map_err(js_error)? as f64)
    }

    /// The event with LSN `lsn`; throws `invalid-lsn` when no event of the
    /// log has it.
    #[wasm_bindgen(unchecked_return_type = "LogEvent")]
    pub fn event(&mut self, lsn: Lsn) -> Result<JsValue, JsValue> {
        let ordinal = self.view.ordinal_of_lsn(lsn).map_err(js_error)?;
        let rows = self
            .view
            .rows_at(Part::Log, ordinal, 1, u64::MAX)
            .map_err(js_error)?;
        match rows.into_iter().next() {
            Some(row) if row.lsn == lsn => Ok(to_js(&Event::of(row, Some(&self.view)))),
            _ => Err(rewal_error(
                "invalid-lsn",
                &format!("{}: {lsn}", rewal::Error::InvalidLsn),
                None,
                Some(lsn),
            )),
        }
    }

    /// Up to `limit` events from the `ordinal`-th on, with an LSN below
    /// `to` (if given) and exactly the meta `meta` (if given; empty: no
    /// meta), and where to go on from.
    #[wasm_bindgen(unchecked_return_type = "EventPage")]
    pub fn page(
        &mut self,
        ordinal: f64,
        limit: u32,
        to: Option<Lsn>,
        meta: Option<Vec<u8>>,
    ) -> Result<JsValue, JsValue> {
        let (rows, next) = self
            .view
            .page(ordinal.max(0.0) as u64, limit as usize, to, meta.as_deref())
            .map_err(js_error)?;
        #[derive(serde::Serialize)]
        struct Page {
            events: Vec<Event>,
            next: Option<f64>,
        }
        let events = rows
            .into_iter()
            .map(|row| Event::of(row, Some(&self.view)))
            .collect();
        Ok(to_js(&Page {
            events,
            next: next.map(|n| n as f64),
        }))
    }

    /// Up to `limit` events of `part` from the `ordinal`-th (from 0) on,
    /// payloads cut to `maxPayload` bytes (`payloadLength` still says
    /// their whole length): a page of the viewer's list.
    #[wasm_bindgen(js_name = eventsAt, unchecked_return_type = "LogEvent[]")]
    pub fn events_at(
        &mut self,
        part: EventPart,
        ordinal: f64,
        limit: u32,
        max_payload: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let max_payload = max_payload.map_or(u64::MAX, |max| max.max(0.0) as u64);
        let rows = self
            .view
            .rows_at(
                part.into(),
                ordinal.max(0.0) as u64,
                limit as usize,
                max_payload,
            )
            .map_err(js_error)?;
        Ok(self.events(rows))
    }

    /// The log's events at `ordinals` (ascending), payloads cut to
    /// `maxPayload` bytes: the rows of a filtered list.
    #[wasm_bindgen(js_name = eventsAtOrdinals, unchecked_return_type = "LogEvent[]")]
    pub fn events_at_ordinals(
        &mut self,
        ordinals: Vec<u32>,
        max_payload: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let max_payload = max_payload.map_or(u64::MAX, |max| max.max(0.0) as u64);
        let rows = self
            .view
            .rows_at_ordinals(&ordinals, max_payload)
            .map_err(js_error)?;
        Ok(self.events(rows))
    }

    /// The log's events that `query` matches (`SearchQuery`): the ordinals
    /// of the first `keep` (at most the engine's ceiling, 4,194,304), and
    /// how many there are. Throws a `TypeError` for a query that cannot
    /// be, saying why.
    #[wasm_bindgen(unchecked_return_type = "SearchResult")]
    pub fn search(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "SearchQuery")] query: JsValue,
        keep: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let asked: Asked = serde_wasm_bindgen::from_value(query)
            .map_err(|error| js_sys::TypeError::new(&format!("search: {error}")))?;
        let query = Query::new(&asked).map_err(|why| js_sys::TypeError::new(&why))?;
        let keep = keep.map_or(usize::MAX, |keep| keep as usize);
        let found = self.view.search(&query, keep).map_err(js_error)?;
        let result = js_sys::Object::new();
        let ordinals = js_sys::Uint32Array::from(&found.ordinals[..]);
        let _ = js_sys::Reflect::set(&result, &"ordinals".into(), &ordinals);
        let _ = js_sys::Reflect::set(&result, &"total".into(), &(found.total as f64).into());
        Ok(result.into())
    }

    /// The log's events at `ordinals` (ascending) as JSON lines, as `rewal
    /// dump --format jsonl` prints them.
    pub fn jsonl(&mut self, ordinals: Vec<u32>) -> Result<String, JsValue> {
        self.view.jsonl_at(&ordinals).map_err(js_error)
    }

    /// The number of entries in the frame list: the valid frames, the
    /// invalid one where they end, and any valid frames after it.
    #[wasm_bindgen(getter, js_name = frameCount)]
    pub fn frame_count(&self) -> f64 {
        self.view.frame_count() as f64
    }

    /// Up to `limit` entries of the frame list from the `start`-th.
    #[wasm_bindgen(unchecked_return_type = "LogFrame[]")]
    pub fn frames(&mut self, start: f64, limit: u32) -> Result<JsValue, JsValue> {
        let frames = self
            .view
            .frames(start.max(0.0) as u64, limit as usize)
            .map_err(js_error)?;
        let frames: Vec<Frame> = frames
            .into_iter()
            .map(|frame| Frame::of(frame, &self.view))
            .collect();
        Ok(to_js(&frames))
    }

    /// The frame-list position of the frame holding offset `offset`, or
    /// of the nearest one after it; undefined when the log has no frames.
    #[wasm_bindgen(js_name = frameAt)]
    pub fn frame_at(&mut self, offset: f64) -> Result<Option<f64>, JsValue> {
        let found = self
            .view
            .frame_at_offset(offset.max(0.0) as u64)
            .map_err(js_error)?;
        Ok(found.map(|i| i as f64))
    }

    /// The minimap, the breakdowns, and the bytes that are not frames.
    #[wasm_bindgen(unchecked_return_type = "Picture")]
    pub fn picture(&self) -> JsValue {
        #[derive(serde::Serialize)]
        struct Meta {
            label: String,
            count: f64,
        }
        #[derive(serde::Serialize)]
        struct Blemish {
            from: f64,
            to: f64,
            kind: &'static str,
        }
        #[derive(serde::Serialize)]
        struct Rest {
            sizes: Vec<f64>,
            metas: Vec<Meta>,
            blemishes: Vec<Blemish>,
        }
        let picture = self.view.picture();
        debug_assert_eq!(picture.minimap().len() % MARKS, 0);
        let rest = Rest {
            sizes: picture.sizes().iter().map(|&n| n as f64).collect(),
            metas: picture
                .metas()
                .into_iter()
                .map(|line| Meta {
                    label: line.label,
                    count: line.count as f64,
                })
                .collect(),
            blemishes: self
                .view
                .blemishes()
                .iter()
                .map(|&(from, to, kind)| Blemish {
                    from: from as f64,
                    to: to as f64,
                    kind: match kind {
                        crate::picture::Blemish::Torn => "torn",
                        crate::picture::Blemish::Corrupt => "corrupt",
                    },
                })
                .collect(),
        };
        let out = to_js(&rest);
        let minimap = js_sys::Uint32Array::from(picture.minimap());
        let _ = js_sys::Reflect::set(&out, &"minimap".into(), &minimap);
        out
    }
}

impl LogCore {
    fn new(view: LogView) -> LogCore {
        LogCore { view }
    }

    fn events(&self, rows: Vec<crate::view::EventRow>) -> JsValue {
        let events: Vec<Event> = rows
            .into_iter()
            .map(|row| Event::of(row, Some(&self.view)))
            .collect();
        to_js(&events)
    }
}

/// The `RewalError` for a log that ends as `scan` says, worded `verdict`;
/// null for a clean one.
fn end_error(scan: &LogScan, verdict: &str) -> JsValue {
    match end_code(scan.end) {
        None => JsValue::NULL,
        Some(code) => rewal_error(
            code,
            verdict,
            scan.end.offset(),
            (scan.frames > 0).then_some(scan.last_lsn),
        ),
    }
}

/// A log written in memory by the engine; its bytes are what the native
/// library writes for the same appends.
#[wasm_bindgen]
pub struct WriterCore {
    writer: LogWriter,
    batch: RefCell<Batch>,
}

#[wasm_bindgen]
impl WriterCore {
    /// A new, empty log.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<WriterCore, JsValue> {
        Ok(WriterCore {
            writer: LogWriter::new().map_err(js_error)?,
            batch: RefCell::new(Batch::new()),
        })
    }

    /// Appends one event (an empty `meta` means none); returns its LSN.
    pub fn append(&self, payload: &[u8], meta: &[u8]) -> Result<Lsn, JsValue> {
        self.writer.append(payload, meta).map_err(js_error)
    }

    /// Adds an event to the batch `appendBatch` appends next.
    #[wasm_bindgen(js_name = batchAdd)]
    pub fn batch_add(&self, payload: &[u8], meta: &[u8]) {
        self.batch.borrow_mut().add_with_meta(payload, meta);
    }

    /// Appends the events added with `batchAdd` as one frame (and empties
    /// the batch); returns the last LSN.
    #[wasm_bindgen(js_name = appendBatch)]
    pub fn append_batch(&self) -> Result<Lsn, JsValue> {
        let batch = self.batch.replace(Batch::new());
        self.writer.append_batch(&batch).map_err(js_error)
    }

    /// The LSN of the last event appended (0n before the first).
    #[wasm_bindgen(getter, js_name = lastLsn)]
    pub fn last_lsn(&self) -> Lsn {
        self.writer.last_lsn()
    }

    /// The log's bytes so far.
    pub fn bytes(&self) -> Result<Vec<u8>, JsValue> {
        self.writer.bytes().map_err(js_error)
    }

    /// Shuts the log down and returns its bytes; later appends throw
    /// `closed`.
    pub fn finish(&self) -> Result<Vec<u8>, JsValue> {
        self.writer.finish().map_err(js_error)
    }
}

/// A log read as it streams in, a chunk at a time (see
/// [`crate::stream`]).
#[wasm_bindgen]
#[derive(Default)]
pub struct StreamCore {
    reader: StreamReader,
}

#[wasm_bindgen]
impl StreamCore {
    /// A reader at the start of a stream.
    #[wasm_bindgen(constructor)]
    pub fn new() -> StreamCore {
        StreamCore::default()
    }

    /// Takes the next chunk; returns the events of the frames it
    /// completes, each checked.
    #[wasm_bindgen(unchecked_return_type = "LogEvent[]")]
    pub fn push(&mut self, chunk: &[u8]) -> JsValue {
        let events: Vec<Event> = self
            .reader
            .push(chunk)
            .into_iter()
            .map(|row| Event::of(row, None))
            .collect();
        to_js(&events)
    }

    /// The stream has ended: what `rewal verify` says of its bytes.
    #[wasm_bindgen(unchecked_return_type = "Verdict")]
    pub fn finish(&self) -> JsValue {
        let scan = self.reader.finish();
        let verdict = Words::of_scan(&scan).to_string();
        to_js(&Verdict::of(
            &scan,
            rewal_report::exit_code(scan.end),
            verdict,
        ))
    }

    /// Once ended: the `RewalError` saying how the stream ends, or null
    /// when it ends cleanly.
    #[wasm_bindgen(js_name = endError, unchecked_return_type = "Error | null")]
    pub fn end_error(&self) -> JsValue {
        let scan = self.reader.finish();
        end_error(&scan, &Words::of_scan(&scan).to_string())
    }
}
