//! Failures and exit codes: every error reaches the user as one sentence on
//! standard error (`rewal: FILE: what is wrong`) and a nonzero exit code.

use std::fmt::Display;
use std::io;
use std::path::Path;

/// The exit codes, the same for every subcommand (listed in `--help`).
pub use rewal_report::exit;

/// A failure to report: the message (without the `rewal: ` prefix) and the
/// exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// A failure about `path`.
    pub fn at(code: u8, path: &Path, what: impl Display) -> Failure {
        Failure {
            code,
            message: format!("{}: {what}", path.display()),
        }
    }

    /// The file could not be read.
    pub fn unreadable(path: &Path, error: &rewal::Error) -> Failure {
        Failure::at(
            exit::UNREADABLE,
            path,
            format_args!("cannot read it: {}", describe(error)),
        )
    }

    /// Stop without a message, successfully: the reader of our output has
    /// gone away (see `console::halt`).
    pub fn quiet() -> Failure {
        Failure {
            code: exit::OK,
            message: String::new(),
        }
    }

    /// Writing to standard output failed (other than the reader going
    /// away, which `console` treats as the end).
    pub fn stdout(error: &io::Error) -> Failure {
        Failure {
            code: exit::FAILED,
            message: format!("cannot write to standard output: {}", describe_io(error)),
        }
    }
}

/// A rewal error in words, without the library's `rewal: ` prefix (ours
/// already says it) and with I/O errors described by their kind.
pub fn describe(error: &rewal::Error) -> String {
    match error {
        rewal::Error::Io(error) => describe_io(error),
        rewal::Error::FileLocked { .. } => rewal_report::LOCKED.into(),
        other => other.to_string(),
    }
}

/// An I/O error in words that do not depend on the platform's error
/// numbers, so that the native and the WASI builds say the same thing.
pub fn describe_io(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "it is a directory, not a log file".into(),
        io::ErrorKind::AlreadyExists => "it already exists".into(),
        io::ErrorKind::StorageFull => "no space left on the device".into(),
        io::ErrorKind::ReadOnlyFilesystem => "the file system is read-only".into(),
        // The deepest cause: the file is named by the caller already.
        _ => {
            let mut cause: &dyn std::error::Error = error;
            while let Some(deeper) = cause.source() {
                cause = deeper;
            }
            cause.to_string()
        }
    }
}

/// Checks that `path` names an existing regular file, before anything opens
/// it: opening a directory read-only succeeds on some systems and only the
/// first read fails, with a less helpful message.
pub fn existing_file(path: &Path) -> Result<(), Failure> {
    match std::fs::metadata(path) {
        Err(error) => Err(Failure::at(
            exit::UNREADABLE,
            path,
            format_args!("cannot read it: {}", describe_io(&error)),
        )),
        Ok(meta) if meta.is_dir() => Err(Failure::at(
            exit::UNREADABLE,
            path,
            "cannot read it: it is a directory, not a log file",
        )),
        Ok(meta) if !meta.is_file() => Err(Failure::at(
            exit::UNREADABLE,
            path,
            "cannot read it: it is not a regular file",
        )),
        Ok(_) => Ok(()),
    }
}
