//! The error type: one enum for every way a rewal call can fail.

use std::fmt;
use std::io;

/// Everything that can go wrong in rewal.
///
/// Errors compare by variant (I/O errors also by [`io::ErrorKind`]), and can
/// be cloned: a log that failed to write keeps its error and hands a copy to
/// every later call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The log is closed.
    Closed,
    /// The log is shutting down and takes no more appends.
    Draining,
    /// The operation needs a running log, and this one has not started.
    /// Not returned by this version's public API; kept for compatibility.
    NotRunning,
    /// Bad data where only good data may be: a frame failed its check during
    /// replay, or on open an invalid region is followed by valid frames (the
    /// file is left untouched; see [`crate::Recovery`]).
    Corrupted,
    /// The write queue is full ([`crate::Backpressure::Error`]).
    QueueFull,
    /// The file is already open, in this process or another.
    FileLocked,
    /// An LSN argument that no event has (for example beyond the last one
    /// assigned), or the LSN space is used up.
    InvalidLsn,
    /// The storage accepted zero bytes of a write without reporting an error.
    ShortWrite,
    /// A frame or record that does not decode: truncated, wrong magic or
    /// version, or lengths that do not fit.
    InvalidRecord,
    /// A frame whose CRC-32C does not match its bytes.
    CrcMismatch,
    /// A lifecycle transition or storage call that is not allowed in the
    /// current state. Not returned by this version's public API (a second
    /// `shutdown` waits for the first, as in rewal 0.1.0); kept for
    /// compatibility.
    InvalidState,
    /// An append of zero events.
    EmptyBatch,
    /// A compressed frame was found and no [`crate::Compressor`] is set.
    CompressorRequired,
    /// An I/O error from the storage.
    Io(io::Error),
    /// The file is not empty and is not a rewal log; it was left untouched.
    NotALog,
    /// An event or batch too large for the format: meta over 65 535 bytes, a
    /// payload or a whole frame over `u32::MAX` bytes. Nothing was written.
    TooLarge,
    /// `shutdown` did not finish within its timeout; the writer finishes
    /// in the background and closes the file when done.
    Timeout,
    /// The event was dropped under [`crate::Backpressure::Drop`]: its LSN
    /// was assigned, but the event is not in the log and never will be.
    Dropped,
    /// Code the log calls (a [`crate::Storage`] or a [`crate::Compressor`])
    /// panicked; the text says which call and what the panic said. A panic
    /// in the storage fails the log, like any other failed write.
    Panicked(String),
    /// A read from an LSN that a checkpoint gave back: the events before
    /// the log's first LSN ([`crate::Wal::first_lsn`]) are gone. Read from
    /// there, or from 0 (the oldest held), knowing what was skipped.
    Checkpointed,
}

/// Lowercase, without a crate prefix, and never repeating its source (the
/// Rust API guidelines' C-GOOD-ERR): an I/O error displays the I/O error's
/// own message (for rewal's files, what was being done, to which file,
/// and the OS's reason: "writing /var/log/app.wal: No space left on device
/// (os error 28)"), and its [`source`](std::error::Error::source) is that
/// error's cause if it has one not already said, so `{:#}` in anyhow
/// prints each once.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Error::Closed => "the log is closed",
            Error::Draining => "the log is shutting down and takes no more appends",
            Error::NotRunning => "the log is not running",
            Error::Corrupted => "the log is corrupted: invalid data is followed by valid frames",
            Error::QueueFull => "the write queue is full",
            Error::FileLocked => "the log file is already open in this or another process",
            Error::InvalidLsn => "no event has this LSN",
            Error::ShortWrite => "the storage wrote zero bytes",
            Error::InvalidRecord => "invalid frame or record",
            Error::CrcMismatch => "CRC-32C mismatch",
            Error::InvalidState => "not allowed in the log's current state",
            Error::EmptyBatch => "an append needs at least one event",
            Error::CompressorRequired => "a compressed frame needs a compressor to read it",
            Error::Io(error) => return fmt::Display::fmt(error, f),
            Error::NotALog => "the file is not a rewal log (left untouched)",
            Error::TooLarge => {
                "too large for the format: meta is at most 65535 bytes, payloads and frames at most 4 GiB"
            }
            Error::Timeout => "shutdown timed out; the writer finishes in the background",
            Error::Dropped => "the event was dropped (Backpressure::Drop) and is not in the log",
            Error::Panicked(what) => what,
            Error::Checkpointed => {
                "the events asked for were given back by a checkpoint (read from first_lsn)"
            }
        };
        f.write_str(text)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The I/O error's message is this error's: its cause comes next.
            Error::Io(error) => error.source(),
            _ => None,
        }
    }
}

/// What an I/O error on one of rewal's files was doing, and to which file;
/// the OS error is its source. It travels inside an `io::Error` of the same
/// kind, so `Error::Io(e).kind()` still says what failed.
#[derive(Debug)]
pub(crate) struct OnFile {
    doing: &'static str,
    path: std::path::PathBuf,
    source: io::Error,
}

/// "opening /var/log/app.wal: Too many open files (os error 24)": most
/// programs print an error with `{}` alone, so the OS's reason is part of
/// the message (and, said there, it is not repeated as a `source`).
impl fmt::Display for OnFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.doing, self.path.display(), self.source)
    }
}

impl std::error::Error for OnFile {}

/// `error`, saying it happened `doing` something (`"writing"`) to `path`.
pub(crate) fn on_file(doing: &'static str, path: &std::path::Path, error: io::Error) -> Error {
    let kind = error.kind();
    Error::Io(io::Error::new(
        kind,
        OnFile {
            doing,
            path: path.to_path_buf(),
            source: error,
        },
    ))
}

impl From<io::Error> for Error {
    fn from(error: io::Error) -> Self {
        Error::Io(error)
    }
}

impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Error::Io(a), Error::Io(b)) => a.kind() == b.kind(),
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl Eq for Error {}

impl Clone for Error {
    fn clone(&self) -> Self {
        match self {
            // io::Error is not Clone: keep its kind, and its message with
            // its causes (the clone has no source of its own).
            Error::Io(error) => Error::Io(io::Error::new(error.kind(), chain(error))),
            Error::Closed => Error::Closed,
            Error::Draining => Error::Draining,
            Error::NotRunning => Error::NotRunning,
            Error::Corrupted => Error::Corrupted,
            Error::QueueFull => Error::QueueFull,
            Error::FileLocked => Error::FileLocked,
            Error::InvalidLsn => Error::InvalidLsn,
            Error::ShortWrite => Error::ShortWrite,
            Error::InvalidRecord => Error::InvalidRecord,
            Error::CrcMismatch => Error::CrcMismatch,
            Error::InvalidState => Error::InvalidState,
            Error::EmptyBatch => Error::EmptyBatch,
            Error::CompressorRequired => Error::CompressorRequired,
            Error::NotALog => Error::NotALog,
            Error::TooLarge => Error::TooLarge,
            Error::Timeout => Error::Timeout,
            Error::Dropped => Error::Dropped,
            Error::Checkpointed => Error::Checkpointed,
            Error::Panicked(what) => Error::Panicked(what.clone()),
        }
    }
}

impl Error {
    /// The error for a panic caught in `call` (for example "the storage's
    /// write"), keeping what the panic said.
    pub(crate) fn from_panic(call: &str, payload: &(dyn std::any::Any + Send)) -> Error {
        let said = payload
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        Error::Panicked(format!("{call} panicked: {said}"))
    }
}

/// Runs `f`, turning a panic in it into [`Error::Panicked`]: code the log
/// calls (storage, compressor) must never take a thread of the log down,
/// or leave a caller waiting for a writer that is gone.
pub(crate) fn catch_panic<T>(call: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(outcome) => outcome,
        Err(payload) => Err(Error::from_panic(call, payload.as_ref())),
    }
}

/// An error's message followed by its causes', `: `-separated.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text.push_str(": ");
        text.push_str(&error.to_string());
        cause = error.source();
    }
    text
}

/// The result type of rewal calls.
pub type Result<T> = std::result::Result<T, Error>;
