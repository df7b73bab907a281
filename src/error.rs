//! The error type: one enum for every way a rewal call can fail.

use crate::frame::Problem;
use crate::inspect::Misfit;
use crate::Lsn;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in rewal.
///
/// Errors compare by variant (I/O errors also by [`io::ErrorKind`]), and can
/// be cloned: a log that failed to write keeps its error and hands a copy to
/// every later call.
///
/// # Where it happened
///
/// [`Corrupted`](Error::Corrupted), [`NotALog`](Error::NotALog),
/// [`FileLocked`](Error::FileLocked) and
/// [`Checkpointed`](Error::Checkpointed) carry [`Details`]: the path, the
/// segment, the offset, the [`Problem`] found there, the LSN asked and the
/// log's first LSN, as far as the engine knows them where it raises the
/// error. Their `Display` says them ("the log /x/app.wal is corrupted at
/// offset 35: ...; valid frames follow at offset 70"), and the accessors
/// ([`path`](Error::path), [`offset`](Error::offset),
/// [`problem`](Error::problem), [`lsn`](Error::lsn),
/// [`first_lsn`](Error::first_lsn), [`details`](Error::details)) hand them
/// to code.
///
/// # Upgrading from rewal 0.1
///
/// In rewal 0.1 these four were unit variants. A unit variant cannot gain
/// data without breaking the code that names it, so they are now struct
/// variants marked `#[non_exhaustive]`, their details boxed (an `Error`
/// stays as small as before). Match them with `{ .. }`:
///
/// ```
/// # fn main() {
/// # let error = rewal::Error::Closed;
/// // rewal 0.1: `matches!(error, rewal::Error::Corrupted)`
/// if matches!(error, rewal::Error::Corrupted { .. }) {
///     eprintln!("{error}"); // says where, and what is wrong there
/// }
/// # }
/// ```
///
/// Equality still compares the variant only: an error from the engine is
/// equal to [`Error::corrupted`]`(Details::default())`, whatever its
/// details.
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
    /// file is left untouched; see [`crate::Recovery`]). For a directory
    /// of segments, also a damaged segment that is not the newest, or
    /// segments that do not follow each other ([`Details::misfit`]).
    #[non_exhaustive]
    Corrupted {
        /// Where, and what is wrong there.
        details: Box<Details>,
    },
    /// The write queue is full ([`crate::Backpressure::Error`]).
    QueueFull,
    /// The file (or directory) is already open, in this process or another.
    #[non_exhaustive]
    FileLocked {
        /// Which file or directory.
        details: Box<Details>,
    },
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
    /// The file is not empty and is not a rewal log, or (for
    /// [`crate::Wal::open_dir`]) the directory holds other files and no
    /// segment ([`Details::is_directory`]); it was left untouched.
    #[non_exhaustive]
    NotALog {
        /// Which file or directory, and (for a file) how it begins.
        details: Box<Details>,
    },
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
    #[non_exhaustive]
    Checkpointed {
        /// The LSN asked for and the log's first LSN, as far as known.
        details: Box<Details>,
    },
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
            Error::Corrupted { details } => return details.corrupted(f),
            Error::QueueFull => "the write queue is full",
            Error::FileLocked { details } => return details.locked(f),
            Error::InvalidLsn => "no event has this LSN",
            Error::ShortWrite => "the storage wrote zero bytes",
            Error::InvalidRecord => "invalid frame or record",
            Error::CrcMismatch => "CRC-32C mismatch",
            Error::InvalidState => "not allowed in the log's current state",
            Error::EmptyBatch => "an append needs at least one event",
            Error::CompressorRequired => "a compressed frame needs a compressor to read it",
            Error::Io(error) => return fmt::Display::fmt(error, f),
            Error::NotALog { details } => return details.not_a_log(f),
            Error::TooLarge => {
                "too large for the format: meta is at most 65535 bytes, payloads and frames at most 4 GiB"
            }
            Error::Timeout => "shutdown timed out; the writer finishes in the background",
            Error::Dropped => "the event was dropped (Backpressure::Drop) and is not in the log",
            Error::Panicked(what) => what,
            Error::Checkpointed { details } => return details.checkpointed(f),
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
            Error::Corrupted { details } => Error::Corrupted {
                details: details.clone(),
            },
            Error::QueueFull => Error::QueueFull,
            Error::FileLocked { details } => Error::FileLocked {
                details: details.clone(),
            },
            Error::InvalidLsn => Error::InvalidLsn,
            Error::ShortWrite => Error::ShortWrite,
            Error::InvalidRecord => Error::InvalidRecord,
            Error::CrcMismatch => Error::CrcMismatch,
            Error::InvalidState => Error::InvalidState,
            Error::EmptyBatch => Error::EmptyBatch,
            Error::CompressorRequired => Error::CompressorRequired,
            Error::NotALog { details } => Error::NotALog {
                details: details.clone(),
            },
            Error::TooLarge => Error::TooLarge,
            Error::Timeout => Error::Timeout,
            Error::Dropped => Error::Dropped,
            Error::Checkpointed { details } => Error::Checkpointed {
                details: details.clone(),
            },
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

/// Where an error happened, and what was found there: the data of
/// [`Error::Corrupted`], [`Error::NotALog`], [`Error::FileLocked`] and
/// [`Error::Checkpointed`]. Each part is there when the engine knows it
/// where it raises the error (a log on a custom [`crate::Storage`] has no
/// path, for example).
///
/// Built with [`Details::new`] and the `with_` methods, for code that
/// raises these errors itself (a [`crate::Storage`] that locks, a front
/// end's own checks); read through its accessors, or the same ones on
/// [`Error`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    path: Option<PathBuf>,
    directory: bool,
    segment: Option<PathBuf>,
    offset: Option<u64>,
    next_valid: Option<u64>,
    problem: Option<Problem>,
    misfit: Option<Misfit>,
    lsn: Option<Lsn>,
    first_lsn: Option<Lsn>,
}

impl Details {
    /// No details yet.
    pub fn new() -> Details {
        Details::default()
    }

    /// The log's file, or its directory of segments.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Details {
        self.path = Some(path.into());
        self
    }

    /// The path is a directory (of segments, or for [`Error::NotALog`]
    /// meant to be one).
    pub fn with_directory(mut self, path: impl Into<PathBuf>) -> Details {
        self.directory = true;
        self.with_path(path)
    }

    /// The segment file, inside the directory, the error is in.
    pub fn with_segment(mut self, segment: impl Into<PathBuf>) -> Details {
        self.segment = Some(segment.into());
        self
    }

    /// Where the bad bytes begin.
    pub fn with_offset(mut self, offset: u64) -> Details {
        self.offset = Some(offset);
        self
    }

    /// Where the next valid frame after the bad bytes begins.
    pub fn with_next_valid(mut self, next_valid: Option<u64>) -> Details {
        self.next_valid = next_valid;
        self
    }

    /// What is wrong with the bytes.
    pub fn with_problem(mut self, problem: Problem) -> Details {
        self.problem = Some(problem);
        self
    }

    /// How a segment fails to follow the one before it.
    pub fn with_misfit(mut self, misfit: Misfit) -> Details {
        self.misfit = Some(misfit);
        self
    }

    /// The LSN asked for.
    pub fn with_lsn(mut self, lsn: Lsn) -> Details {
        self.lsn = Some(lsn);
        self
    }

    /// The oldest LSN the log holds.
    pub fn with_first_lsn(mut self, first_lsn: Lsn) -> Details {
        self.first_lsn = Some(first_lsn);
        self
    }

    /// The log's file, or its directory of segments.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Whether [`path`](Self::path) is a directory.
    pub fn is_directory(&self) -> bool {
        self.directory
    }

    /// The segment file the error is in, for a log kept as segments.
    pub fn segment(&self) -> Option<&Path> {
        self.segment.as_deref()
    }

    /// Where the bad bytes begin: in [`segment`](Self::segment) when there
    /// is one, else in the log (whose offsets, for a directory, run on
    /// across its segments).
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }

    /// Where the next valid frame after the bad bytes begins (offsets as
    /// for [`offset`](Self::offset)).
    pub fn next_valid(&self) -> Option<u64> {
        self.next_valid
    }

    /// What is wrong with the bytes at [`offset`](Self::offset); for
    /// [`Error::NotALog`] on a file, how the file begins.
    pub fn problem(&self) -> Option<Problem> {
        self.problem
    }

    /// How [`segment`](Self::segment) fails to follow the segment before
    /// it, when that is the corruption.
    pub fn misfit(&self) -> Option<Misfit> {
        self.misfit
    }

    /// The LSN asked for.
    pub fn lsn(&self) -> Option<Lsn> {
        self.lsn
    }

    /// The oldest LSN the log holds.
    pub fn first_lsn(&self) -> Option<Lsn> {
        self.first_lsn
    }

    /// "the log /x/app.wal", "the log /x/dir (segment /x/dir/…0001.wal)",
    /// or "the log".
    fn the_log(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the log")?;
        if let Some(path) = &self.path {
            write!(f, " {}", path.display())?;
        }
        if let Some(segment) = &self.segment {
            write!(f, " (segment {})", segment.display())?;
        }
        Ok(())
    }

    fn corrupted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.the_log(f)?;
        f.write_str(" is corrupted")?;
        if let Some(misfit) = self.misfit {
            return match misfit {
                Misfit::Gap { expected, named } => write!(
                    f,
                    ": a segment is missing (the next should begin at LSN {expected}, and this one begins at {named})"
                ),
                Misfit::Overlap { expected, named } => write!(
                    f,
                    ": this segment overlaps the one before (it should begin at LSN {expected}, and begins at {named})"
                ),
                Misfit::OutOfRange { named, first_lsn } => write!(
                    f,
                    ": this segment is named after LSN {named}, and its frames begin at LSN {first_lsn}"
                ),
            };
        }
        let Some(offset) = self.offset else {
            return f.write_str(": invalid data is followed by valid frames");
        };
        write!(f, " at offset {offset}")?;
        if let Some(problem) = &self.problem {
            write!(f, ": {}", Words(problem))?;
        }
        match self.next_valid {
            Some(next) => write!(f, "; valid frames follow at offset {next}"),
            None => Ok(()),
        }
    }

    fn not_a_log(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.directory) {
            (Some(path), true) => write!(
                f,
                "the directory {} is not a rewal log: it holds other files and no segment (left untouched)",
                path.display()
            ),
            (None, true) => f.write_str(
                "the directory is not a rewal log: it holds other files and no segment (left untouched)",
            ),
            (path, false) => {
                f.write_str("the file")?;
                if let Some(path) = path {
                    write!(f, " {}", path.display())?;
                }
                f.write_str(" is not a rewal log")?;
                if let Some(problem) = &self.problem {
                    write!(f, ": {}", Words(problem))?;
                }
                f.write_str(" (left untouched)")
            }
        }
    }

    fn locked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(
                f,
                "{} is already open in this or another process",
                path.display()
            ),
            None => f.write_str("the log file is already open in this or another process"),
        }
    }

    fn checkpointed(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.first_lsn {
            Some(first) => write!(
                f,
                "events before LSN {first} were given back by a checkpoint"
            )?,
            None => f.write_str("the events asked for were given back by a checkpoint")?,
        }
        match (self.lsn, self.first_lsn) {
            (Some(asked), Some(first)) => {
                write!(f, " (asked for {asked}; read from {first} or from 0)")
            }
            (Some(asked), None) => write!(f, " (asked for {asked}; read from first_lsn or from 0)"),
            (None, Some(first)) => write!(f, " (read from {first} or from 0)"),
            (None, None) => f.write_str(" (read from first_lsn)"),
        }
    }
}

/// A [`Problem`] in a clause, for an error's message. The tools' longer
/// sentences are the `rewal-report` crate's, which the engine cannot use
/// (it depends on the engine); these are its short form.
struct Words<'a>(&'a Problem);

impl fmt::Display for Words<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self.0 {
            Problem::Zeros => f.write_str("zero bytes where a frame should begin"),
            Problem::NotALog { head } => write!(f, "it begins with {}", Hex(head.as_bytes())),
            Problem::NoMagic { found } => {
                write!(f, "no frame begins there (found {})", Hex(found.as_bytes()))
            }
            Problem::ShortHeader { remaining } => write!(
                f,
                "an incomplete frame header ({remaining} bytes remain)"
            ),
            Problem::UnknownVersion { version } => {
                write!(f, "a frame of unknown format version {version}")
            }
            Problem::TooSmall { batch_size } => {
                write!(f, "a frame length of {batch_size} bytes, less than a frame")
            }
            Problem::BeyondEnd {
                batch_size,
                remaining,
            } => write!(
                f,
                "the frame there claims {batch_size} bytes, and {remaining} remain"
            ),
            Problem::CrcMismatch {
                batch_size,
                stored,
                computed,
            } => write!(
                f,
                "the frame there ({batch_size} bytes) fails its CRC-32C check (stored {stored:#010x}, computed {computed:#010x})"
            ),
            Problem::ImpossibleLsns {
                record_count,
                first_lsn,
            } => write!(
                f,
                "the frame there has impossible LSNs ({record_count} events from LSN {first_lsn})"
            ),
            Problem::RecordsEndEarly { record, count }
            | Problem::RecordOverruns { record, count } => write!(
                f,
                "the frame there passes its CRC but record {record} of {count} does not fit its region"
            ),
            Problem::BytesLeftOver { bytes, count } => write!(
                f,
                "the frame there passes its CRC but {bytes} bytes follow its {count} records"
            ),
            Problem::LsnsOutOfOrder { first_lsn } => write!(
                f,
                "the frame there (from LSN {first_lsn}) does not come after the frames before it"
            ),
        }
    }
}

/// Bytes as `3f 9a c2` (as the tools show them), or `nothing`.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((first, rest)) = self.0.split_first() else {
            return f.write_str("nothing");
        };
        write!(f, "{first:02x}")?;
        rest.iter().try_for_each(|byte| write!(f, " {byte:02x}"))
    }
}

impl Error {
    /// [`Error::Corrupted`] with `details`.
    pub fn corrupted(details: Details) -> Error {
        Error::Corrupted {
            details: Box::new(details),
        }
    }

    /// [`Error::NotALog`] with `details`.
    pub fn not_a_log(details: Details) -> Error {
        Error::NotALog {
            details: Box::new(details),
        }
    }

    /// [`Error::FileLocked`] with `details`.
    pub fn file_locked(details: Details) -> Error {
        Error::FileLocked {
            details: Box::new(details),
        }
    }

    /// [`Error::Checkpointed`] with `details`.
    pub fn checkpointed(details: Details) -> Error {
        Error::Checkpointed {
            details: Box::new(details),
        }
    }

    /// The details of [`Corrupted`](Error::Corrupted),
    /// [`NotALog`](Error::NotALog), [`FileLocked`](Error::FileLocked) and
    /// [`Checkpointed`](Error::Checkpointed); `None` for the other kinds.
    pub fn details(&self) -> Option<&Details> {
        match self {
            Error::Corrupted { details }
            | Error::NotALog { details }
            | Error::FileLocked { details }
            | Error::Checkpointed { details } => Some(details),
            _ => None,
        }
    }

    /// The log's file or directory the error is about, if known
    /// ([`Details::path`]).
    pub fn path(&self) -> Option<&Path> {
        self.details()?.path()
    }

    /// The segment file the error is in ([`Details::segment`]).
    pub fn segment(&self) -> Option<&Path> {
        self.details()?.segment()
    }

    /// Where the bad bytes begin ([`Details::offset`]).
    pub fn offset(&self) -> Option<u64> {
        self.details()?.offset()
    }

    /// What is wrong with the bytes there ([`Details::problem`]).
    pub fn problem(&self) -> Option<Problem> {
        self.details()?.problem()
    }

    /// The LSN asked for ([`Details::lsn`]).
    pub fn lsn(&self) -> Option<Lsn> {
        self.details()?.lsn()
    }

    /// The oldest LSN the log holds ([`Details::first_lsn`]).
    pub fn first_lsn(&self) -> Option<Lsn> {
        self.details()?.first_lsn()
    }

    /// This error, its details given `path` if they have none yet: the
    /// storage and the scans do not know the path, their callers do.
    pub(crate) fn at_path(mut self, path: &Path, directory: bool) -> Error {
        if let Error::Corrupted { details }
        | Error::NotALog { details }
        | Error::FileLocked { details }
        | Error::Checkpointed { details } = &mut self
        {
            if details.path.is_none() {
                details.path = Some(path.to_path_buf());
                details.directory = directory;
            }
        }
        self
    }
}
