//! [`JsHandle`]: a real `FileSystemSyncAccessHandle`, kept in a per-thread
//! table (JavaScript values cannot cross threads, and the engine's storage
//! must be `Send + Sync`); the handle holds its key, and dropping it closes
//! the JavaScript handle (releasing the file's lock) and frees the place.
//! On `wasm32-unknown-unknown` there is one thread, the worker's.

use super::{count, dom_error, offset, Handle};
use rewal::{Error, Result};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const HANDLE_TS: &str = r#"
/** What the engine uses of a `FileSystemSyncAccessHandle` (OPFS, in a dedicated worker). */
export interface SyncAccessHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  flush(): void;
  getSize(): number;
  truncate(size: number): void;
  close(): void;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// A `FileSystemSyncAccessHandle`.
    #[wasm_bindgen(typescript_type = "SyncAccessHandle")]
    pub type SyncAccessHandle;

    #[wasm_bindgen(method, catch)]
    fn read(
        this: &SyncAccessHandle,
        buffer: &mut [u8],
        options: &js_sys::Object,
    ) -> std::result::Result<f64, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn write(
        this: &SyncAccessHandle,
        buffer: &[u8],
        options: &js_sys::Object,
    ) -> std::result::Result<f64, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn flush(this: &SyncAccessHandle) -> std::result::Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_name = getSize)]
    fn get_size(this: &SyncAccessHandle) -> std::result::Result<f64, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn truncate(this: &SyncAccessHandle, size: f64) -> std::result::Result<(), JsValue>;

    #[wasm_bindgen(method, catch)]
    fn close(this: &SyncAccessHandle) -> std::result::Result<(), JsValue>;
}

/// A handle, and the `{ at }` object its reads and writes are given (one,
/// reused: a call sets `at`).
struct Entry {
    handle: SyncAccessHandle,
    at: js_sys::Object,
}

thread_local! {
    static HANDLES: RefCell<Vec<Option<Entry>>> = const { RefCell::new(Vec::new()) };
}

/// A `FileSystemSyncAccessHandle`, by its place in the per-thread table.
pub struct JsHandle(usize);

impl JsHandle {
    /// Takes `handle` (closed when this is dropped).
    pub fn new(handle: SyncAccessHandle) -> JsHandle {
        let entry = Entry {
            handle,
            at: js_sys::Object::new(),
        };
        JsHandle(HANDLES.with(|table| {
            let mut table = table.borrow_mut();
            match table.iter().position(Option::is_none) {
                Some(free) => {
                    table[free] = Some(entry);
                    free
                }
                None => {
                    table.push(Some(entry));
                    table.len() - 1
                }
            }
        }))
    }

    /// Runs `f` on the handle; `Error::Closed` once it is closed.
    fn with<T>(&self, f: impl FnOnce(&Entry) -> std::result::Result<T, JsValue>) -> Result<T> {
        HANDLES.with(|table| {
            let table = table.borrow();
            let entry = table
                .get(self.0)
                .and_then(Option::as_ref)
                .ok_or(Error::Closed)?;
            f(entry).map_err(js_dom_error)
        })
    }

    /// Runs a read or a write at `at`.
    fn at<T>(
        &self,
        at: u64,
        f: impl FnOnce(&SyncAccessHandle, &js_sys::Object) -> std::result::Result<T, JsValue>,
    ) -> Result<T> {
        let at = offset(at)?;
        self.with(|entry| {
            js_sys::Reflect::set(&entry.at, &"at".into(), &at.into())?;
            f(&entry.handle, &entry.at)
        })
    }
}

impl Handle for JsHandle {
    fn read(&self, buf: &mut [u8], at: u64) -> Result<usize> {
        let len = buf.len() as u64;
        let n = self.at(at, |handle, options| handle.read(buf, options))?;
        count(n, len, "read").map(|n| n as usize)
    }

    fn write(&self, buf: &[u8], at: u64) -> Result<usize> {
        let n = self.at(at, |handle, options| handle.write(buf, options))?;
        count(n, buf.len() as u64, "write").map(|n| n as usize)
    }

    fn flush(&self) -> Result<()> {
        self.with(|entry| entry.handle.flush())
    }

    fn size(&self) -> Result<u64> {
        let n = self.with(|entry| entry.handle.get_size())?;
        count(n, 1 << 53, "getSize")
    }

    fn truncate(&self, len: u64) -> Result<()> {
        let len = offset(len)?;
        self.with(|entry| entry.handle.truncate(len))
    }

    fn close(&self) {
        let entry = HANDLES.with(|table| table.borrow_mut().get_mut(self.0).and_then(Option::take));
        if let Some(entry) = entry {
            // Closing a handle the browser already closed throws nothing
            // worth reporting: the lock is gone either way.
            let _ = entry.handle.close();
        }
    }
}

impl Drop for JsHandle {
    fn drop(&mut self) {
        Handle::close(self);
    }
}

/// A JavaScript exception from a handle as the engine's error (see
/// [`dom_error`]).
fn js_dom_error(value: JsValue) -> Error {
    let name = js_sys::Reflect::get(&value, &"name".into())
        .ok()
        .and_then(|name| name.as_string())
        .unwrap_or_default();
    let message = js_sys::Reflect::get(&value, &"message".into())
        .ok()
        .and_then(|message| message.as_string())
        .unwrap_or_else(|| format!("{value:?}"));
    dom_error(&name, &message)
}

/// Exposed for the bindings: an exception of OPFS (from
/// `createSyncAccessHandle()`, `getFileHandle()`, ...) as the engine's error.
pub fn exception_error(value: JsValue) -> Error {
    js_dom_error(value)
}
