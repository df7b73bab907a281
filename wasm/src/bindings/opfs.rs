//! `OpfsCore`: a log open for writing in an OPFS file, through a
//! `FileSystemSyncAccessHandle` the package's worker code made
//! (`openOpfsLog` in `wasm/npm/index.js`); `OpfsCursor`: its events, a page
//! at a time; `opfsError`: an exception of OPFS as a `RewalError` (the lock
//! is `locked`). The logic is [`crate::opfs`].

use super::errors::js_error;
use super::records::to_js;
use crate::opfs::{exception_error, DurableLog, JsHandle, OpfsStorage, SyncAccessHandle};
use rewal::{Batch, Lsn, Recovery, WalIterator};
use serde::{Serialize, Serializer};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const OPFS_TS: &str = r#"
/** An event of a log open for writing: its LSN, payload and meta (null: none). */
export interface StoredEvent {
  lsn: bigint;
  payload: Uint8Array;
  meta: Uint8Array | null;
}
"#;

/// A log open for writing in an OPFS file.
#[wasm_bindgen]
pub struct OpfsCore {
    log: DurableLog,
    batch: RefCell<Batch>,
}

#[wasm_bindgen]
impl OpfsCore {
    /// Opens (recovers) the log in the file `handle` is on; the handle is
    /// the log's from now on (closed with it, or when an open fails). A
    /// torn tail is cut; a file that is not a log is refused untouched
    /// (`not-a-log`), and so is a corrupted one (`corrupted`) unless
    /// `truncateAtCorruption`.
    pub fn open(
        handle: SyncAccessHandle,
        name: &str,
        truncate_at_corruption: bool,
    ) -> Result<OpfsCore, JsValue> {
        let storage = OpfsStorage::new(JsHandle::new(handle)).map_err(js_error)?;
        let recovery = if truncate_at_corruption {
            Recovery::TruncateAtCorruption
        } else {
            Recovery::Strict
        };
        let log = DurableLog::open(name, storage, recovery).map_err(js_error)?;
        Ok(OpfsCore {
            log,
            batch: RefCell::new(Batch::new()),
        })
    }

    /// Appends one event (an empty `meta` means none); returns its LSN.
    pub fn append(&self, payload: &[u8], meta: &[u8]) -> Result<Lsn, JsValue> {
        self.log.append(payload, meta).map_err(js_error)
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
        self.log.append_batch(&batch).map_err(js_error)
    }

    /// The last LSN appended, or recovered at open (0n: none).
    #[wasm_bindgen(getter, js_name = lastLsn)]
    pub fn last_lsn(&self) -> Lsn {
        self.log.last_lsn()
    }

    /// How many torn tails the open cut (0 or 1).
    #[wasm_bindgen(getter)]
    pub fn repaired(&self) -> f64 {
        self.log.repaired() as f64
    }

    /// Where the log's data ends, once everything appended is written.
    #[wasm_bindgen(js_name = dataEnd)]
    pub fn data_end(&self) -> Result<f64, JsValue> {
        self.log.data_end().map(|n| n as f64).map_err(js_error)
    }

    /// Writes what was appended to the file.
    pub fn flush(&self) -> Result<(), JsValue> {
        self.log.flush().map_err(js_error)
    }

    /// Writes, then makes durable, everything up to `lsn`.
    #[wasm_bindgen(js_name = waitDurable)]
    pub fn wait_durable(&self, lsn: Lsn) -> Result<(), JsValue> {
        self.log.wait_durable(lsn).map_err(js_error)
    }

    /// Writes, then makes durable, everything appended.
    pub fn sync(&self) -> Result<(), JsValue> {
        self.log.sync().map_err(js_error)
    }

    /// The events from `from` (0n: the first) on.
    pub fn iterate(&self, from: Lsn) -> Result<OpfsCursor, JsValue> {
        let iter = self.log.iterator(from).map_err(js_error)?;
        Ok(OpfsCursor { iter })
    }

    /// Writes and syncs everything appended, cuts the space kept ahead and
    /// releases the file's lock.
    pub fn close(&self) -> Result<(), JsValue> {
        self.log.close().map_err(js_error)
    }
}

/// The events of an [`OpfsCore`], read in order.
#[wasm_bindgen]
pub struct OpfsCursor {
    iter: WalIterator,
}

#[derive(Serialize)]
struct Stored<'a> {
    lsn: Lsn,
    #[serde(serialize_with = "bytes")]
    payload: &'a [u8],
    #[serde(serialize_with = "maybe_bytes")]
    meta: Option<&'a [u8]>,
}

fn bytes<S: Serializer>(bytes: &&[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_bytes(bytes)
}

fn maybe_bytes<S: Serializer>(bytes: &Option<&[u8]>, serializer: S) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(bytes) => serializer.serialize_bytes(bytes),
        None => serializer.serialize_none(),
    }
}

#[wasm_bindgen]
impl OpfsCursor {
    /// Up to `limit` more events (fewer only at the end of the log: an
    /// empty array there).
    #[wasm_bindgen(unchecked_return_type = "StoredEvent[]")]
    pub fn next(&mut self, limit: u32) -> Result<js_sys::Array, JsValue> {
        let page = js_sys::Array::new();
        for _ in 0..limit {
            match self.iter.next_borrowed().map_err(js_error)? {
                Some(event) => {
                    page.push(&to_js(&Stored {
                        lsn: event.lsn,
                        payload: event.payload,
                        meta: event.meta,
                    }));
                }
                None => break,
            }
        }
        Ok(page)
    }
}

/// An exception of OPFS (a `DOMException` from `getFileHandle`,
/// `createSyncAccessHandle`, `removeEntry`...) as a `RewalError`: the lock
/// (`NoModificationAllowedError`) is `locked`, a missing file `not-found`,
/// anything else `io` with the exception's name and message.
#[wasm_bindgen(js_name = opfsError)]
pub fn opfs_error(exception: JsValue) -> JsValue {
    js_error(exception_error(exception))
}
