//! A durable log in the browser: rewal on the Origin Private File System
//! (OPFS), through a `FileSystemSyncAccessHandle`, which browsers give only
//! to dedicated workers.
//!
//! - [`Handle`]: what the engine needs of a sync access handle (positional
//!   reads and writes, `flush`, `getSize`, `truncate`, `close`); [`JsHandle`]
//!   is the real one, kept in a per-thread table (a JavaScript value is not
//!   `Send`, and a `Storage` must be);
//! - [`OpfsStorage`]: the engine's [`rewal::Storage`] on a handle
//!   (`storage.rs`, one small file): `write` appends at the end, `sync` is
//!   the handle's `flush()`, reads go through the engine's read buffer (no
//!   map), as on WASI;
//! - [`DurableLog`]: a [`rewal::Wal`] on that storage (the inline pipeline:
//!   no threads on `wasm32-unknown-unknown`), which the bindings' `OpfsCore`
//!   serves to JavaScript;
//! - [`dom_error`]: the one mapping from the `DOMException`s of OPFS to the
//!   engine's errors. The lock is the handle's: a second
//!   `createSyncAccessHandle()` on the same file, in this worker or any
//!   other of the origin, throws `NoModificationAllowedError`, which is
//!   [`rewal::Error::FileLocked`] (the package's `RewalError` code
//!   `locked`).
//!
//! Everything but [`JsHandle`] is plain Rust, tested natively on a handle
//! in memory (`log.rs`).

mod handle;
mod log;
mod storage;

pub use handle::{exception_error, JsHandle, SyncAccessHandle};
pub use log::DurableLog;
pub use storage::OpfsStorage;

use rewal::{Error, Result};
use std::io;

/// What the engine needs of a `FileSystemSyncAccessHandle`. Calls come
/// from one thread (the worker's), through `&self`: the handle is shared by
/// the storage and nothing else.
pub trait Handle: Send + Sync {
    /// Reads at `at` into `buf`; returns the bytes read (fewer at the end).
    fn read(&self, buf: &mut [u8], at: u64) -> Result<usize>;
    /// Writes `buf` at `at`; returns the bytes written.
    fn write(&self, buf: &[u8], at: u64) -> Result<usize>;
    /// Persists what was written (`flush()`).
    fn flush(&self) -> Result<()>;
    /// The file's size.
    fn size(&self) -> Result<u64>;
    /// Cuts, or extends with zeros, the file to `len` bytes.
    fn truncate(&self, len: u64) -> Result<()>;
    /// Closes the handle, releasing the file's lock.
    fn close(&self);
}

/// The engine's error for a `DOMException` of OPFS named `name`: the lock
/// (`NoModificationAllowedError`) is [`Error::FileLocked`]; a missing file
/// or folder (`NotFoundError`) and a name that is a folder
/// (`TypeMismatchError`) are I/O errors of kinds `NotFound` and
/// `InvalidInput`; anything else (a full quota, `QuotaExceededError`; a
/// handle the browser closed, `InvalidStateError`) is an I/O error that
/// keeps the exception's name and message.
pub fn dom_error(name: &str, message: &str) -> Error {
    let said = format!("{name}: {message}");
    match name {
        // (The exception does not say which file: the caller's message does.)
        "NoModificationAllowedError" => Error::file_locked(rewal::Details::new()),
        "NotFoundError" => Error::Io(io::Error::new(io::ErrorKind::NotFound, said)),
        "TypeMismatchError" => Error::Io(io::Error::new(io::ErrorKind::InvalidInput, said)),
        _ => Error::Io(io::Error::other(said)),
    }
}

/// A file offset or size as JavaScript gets it: a number, exact up to 2^53.
fn offset(at: u64) -> Result<f64> {
    if at > 1 << 53 {
        return Err(Error::Io(io::Error::other(format!(
            "offset {at} is past 2^53, beyond what JavaScript numbers hold exactly"
        ))));
    }
    Ok(at as f64)
}

/// A count a handle returned, checked to be a whole number up to `max`.
fn count(n: f64, max: u64, what: &str) -> Result<u64> {
    if n >= 0.0 && n.fract() == 0.0 && n <= max as f64 {
        Ok(n as u64)
    } else {
        Err(Error::Io(io::Error::other(format!(
            "the sync access handle's {what} returned {n} (at most {max} expected)"
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_is_file_locked_and_other_exceptions_keep_their_words() {
        assert!(matches!(
            dom_error("NoModificationAllowedError", "held by another"),
            Error::FileLocked { .. }
        ));
        for (name, kind) in [
            ("NotFoundError", io::ErrorKind::NotFound),
            ("TypeMismatchError", io::ErrorKind::InvalidInput),
            ("QuotaExceededError", io::ErrorKind::Other),
            ("InvalidStateError", io::ErrorKind::Other),
        ] {
            match dom_error(name, "why") {
                Error::Io(error) => {
                    assert_eq!(error.kind(), kind, "{name}");
                    assert_eq!(error.to_string(), format!("{name}: why"));
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn offsets_and_counts_stay_exact() {
        assert_eq!(offset(1 << 53).unwrap(), 9_007_199_254_740_992.0);
        assert!(offset((1 << 53) + 1).is_err());
        assert_eq!(count(5.0, 10, "read").unwrap(), 5);
        for bad in [-1.0, 11.0, 2.5, f64::NAN] {
            assert!(count(bad, 10, "read").is_err(), "{bad}");
        }
    }
}
