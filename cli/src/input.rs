//! What a FILE argument of `info`, `verify` and `dump` names: a log file
//! (read in place: mapped, or through the engine's read buffer), a
//! segment directory, or a stream read front to back once: `-` for
//! standard input, or a path that is not a regular file (a pipe, a FIFO,
//! `/dev/stdin` when standard input is a pipe, a character device).

use crate::failure::{describe_io, exit, Failure};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The argument that means standard input.
pub const STDIN_ARG: &str = "-";

/// What the messages call standard input.
pub const STDIN_LABEL: &str = "standard input";

/// What a FILE argument names.
pub enum Input {
    /// A regular file, or a path that cannot be looked at (the file
    /// commands say why).
    File,
    /// A directory: a log kept as segment files.
    Dir,
    /// A stream: see [`Stream`].
    Stream(Stream),
}

/// A log read front to back, once.
pub struct Stream {
    /// The path to open, or `None` for standard input.
    path: Option<PathBuf>,
    /// What messages call it (`standard input`, or the path).
    pub label: PathBuf,
}

impl Stream {
    /// Opens it for reading.
    pub fn open(&self) -> Result<Box<dyn Read>, Failure> {
        match &self.path {
            None => Ok(Box::new(std::io::stdin().lock())),
            Some(path) => std::fs::File::open(path)
                .map(|file| Box::new(file) as Box<dyn Read>)
                .map_err(|error| {
                    Failure::at(
                        exit::UNREADABLE,
                        path,
                        format_args!("cannot read it: {}", describe_io(&error)),
                    )
                }),
        }
    }

    /// What failed reads of it are reported as.
    pub fn unreadable(&self, error: &std::io::Error) -> Failure {
        Failure::at(
            exit::UNREADABLE,
            &self.label,
            format_args!("cannot read it: {}", describe_io(error)),
        )
    }
}

/// Tells what `path` names.
pub fn resolve(path: &Path) -> Input {
    if path.as_os_str() == STDIN_ARG {
        return Input::Stream(Stream {
            path: None,
            label: PathBuf::from(STDIN_LABEL),
        });
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Input::Dir,
        // Neither a file nor a directory: something that can only be read
        // as it comes (a pipe, a FIFO, a device).
        Ok(meta) if !meta.is_file() => Input::Stream(Stream {
            path: Some(path.to_path_buf()),
            label: path.to_path_buf(),
        }),
        _ => Input::File,
    }
}

/// Refuses `-` where a command needs a file it can open again, lock or
/// write (tail, repair, append).
pub fn not_stdin(path: &Path, command: &str) -> Result<(), Failure> {
    if path.as_os_str() == STDIN_ARG {
        let needs = if command == "append" {
            "a log file"
        } else {
            "a log file or directory"
        };
        return Err(Failure {
            code: exit::USAGE,
            message: format!(
                "`rewal {command}` needs {needs}; standard input (`-`) can be read by `info`, `verify` and `dump`"
            ),
        });
    }
    Ok(())
}
