//! Every error the JavaScript API throws, in one place: a `RewalError`
//! (the class the package's entry hands over with `setErrorClass`; a plain
//! `Error` named `RewalError` until then) with a `code` for programs, the
//! CLI's sentence as its `message` (the engine's and `rewal-report`'s
//! words), and the `offset` and `lsn` it is about where they are known.
//!
//! [`code`] is the one mapping from the engine's errors to codes, and
//! [`end_code`] the one from how a log ends.

use rewal::inspect::LogEnd;
use rewal::Error;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// Refusals of the bindings' own travel inside the engine's I/O error.
pub use crate::segments::Refusal;

/// The code of an engine error, as `RewalError.code` says it.
pub fn code(error: &Error) -> &'static str {
    match error {
        Error::Closed | Error::Draining => "closed",
        Error::Corrupted { .. } | Error::CrcMismatch | Error::InvalidRecord => "corrupted",
        Error::NotALog { .. } => "not-a-log",
        Error::InvalidLsn => "invalid-lsn",
        Error::Checkpointed { .. } => "checkpointed",
        Error::TooLarge => "too-large",
        Error::EmptyBatch => "empty-batch",
        Error::FileLocked { .. } => "locked",
        Error::Io(io) => match io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<Refusal>())
        {
            Some(refusal) => refusal.code,
            None if io.kind() == std::io::ErrorKind::NotFound => "not-found",
            None => "io",
        },
        _ => "internal",
    }
}

/// The code for a log that ends as `end`, or `None` when it ends cleanly.
pub fn end_code(end: LogEnd) -> Option<&'static str> {
    match end {
        LogEnd::Clean => None,
        // A power cut's lost writes (judged only with a log's sync mark,
        // which bytes in the browser never have) are cut by the open as a
        // torn tail is.
        LogEnd::TornTail { .. } | LogEnd::PowerCut { .. } => Some("torn"),
        LogEnd::Corrupted { .. } => Some("corrupted"),
        LogEnd::NotALog => Some("not-a-log"),
    }
}

thread_local! {
    /// The `RewalError` class errors are made with (see `setErrorClass`).
    static CLASS: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// Makes the errors the engine throws instances of `class` (called
/// `new class(message, code, offset, lsn)`): the package's `RewalError`.
/// Until it is called they are plain `Error`s named `RewalError` with the
/// same fields.
#[wasm_bindgen(js_name = setErrorClass)]
pub fn set_error_class(class: js_sys::Function) {
    CLASS.with(|slot| *slot.borrow_mut() = Some(class));
}

/// A `RewalError` with `code`, `message`, and where it is about.
pub fn rewal_error(code: &str, message: &str, offset: Option<u64>, lsn: Option<u64>) -> JsValue {
    let offset = offset.map_or(JsValue::NULL, |at| JsValue::from(at as f64));
    let lsn = lsn.map_or(JsValue::NULL, JsValue::from);
    let made = CLASS.with(|slot| {
        slot.borrow().as_ref().and_then(|class| {
            let args = js_sys::Array::of4(&message.into(), &code.into(), &offset, &lsn);
            js_sys::Reflect::construct(class, &args).ok()
        })
    });
    made.unwrap_or_else(|| {
        let error = js_sys::Error::new(message);
        error.set_name("RewalError");
        for (key, value) in [
            ("code", JsValue::from(code)),
            ("offset", offset),
            ("lsn", lsn),
        ] {
            // Setting a property on a fresh Error cannot fail.
            let _ = js_sys::Reflect::set(&error, &key.into(), &value);
        }
        error.into()
    })
}

/// The engine's error as a `RewalError`.
pub fn js_error(error: Error) -> JsValue {
    rewal_error(code(&error), &error.to_string(), None, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rewal::Details;

    #[test]
    fn every_error_the_api_can_meet_has_its_code() {
        for (error, want) in [
            (Error::Closed, "closed"),
            (Error::corrupted(Details::new()), "corrupted"),
            (Error::not_a_log(Details::new()), "not-a-log"),
            (Error::InvalidLsn, "invalid-lsn"),
            (Error::checkpointed(Details::new()), "checkpointed"),
            (Error::TooLarge, "too-large"),
            (Error::EmptyBatch, "empty-batch"),
            (Error::Io(std::io::Error::other("gone")), "io"),
            (Error::file_locked(Details::new()), "locked"),
            (
                Error::Io(std::io::Error::new(std::io::ErrorKind::NotFound, "no")),
                "not-found",
            ),
            (
                Refusal::error("invalid-segments", "no".into()),
                "invalid-segments",
            ),
            (Error::Timeout, "internal"),
        ] {
            assert_eq!(code(&error), want, "{error:?}");
        }
        assert_eq!(end_code(LogEnd::Clean), None);
        assert_eq!(end_code(LogEnd::TornTail { offset: 1 }), Some("torn"));
        assert_eq!(end_code(LogEnd::NotALog), Some("not-a-log"));
        assert_eq!(
            Refusal::error("invalid-segments", "two files are named x".into()).to_string(),
            "two files are named x"
        );
    }
}
