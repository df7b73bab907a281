//! What a command's argument names, resolved once: a **log** kept in
//! files, read in place (a log file, which is a run of one segment, or a
//! directory of segment files, a run of many: both scanned into the
//! engine's `RunScan`), or a **stream** read front to back once (`-` for
//! standard input, or a path that is neither a file nor a directory: a
//! pipe, a FIFO, `/dev/stdin`, a character device).

use crate::failure::{describe_io, existing_file, exit, Failure};
use crate::progress::Progress;
use rewal::inspect::{self, segment_lsn, segment_name, RunScan, SegmentScan};
use rewal::Lsn;
use rewal_platform::EntryKind;
use rewal_report::{RunVerdict, LEFT_UNTOUCHED, NO_SEGMENTS};
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// The argument that means standard input.
pub const STDIN_ARG: &str = "-";

/// What the messages call standard input.
pub const STDIN_LABEL: &str = "standard input";

/// The lock file a segment directory holds (the engine's name for it).
pub const LOCK_FILE: &str = "rewal.lock";

/// What an argument names.
pub enum Target {
    Log(Log),
    Stream(Stream),
}

impl Target {
    /// Tells what `path` names.
    pub fn resolve(path: &Path) -> Target {
        if path.as_os_str() == STDIN_ARG {
            return Target::Stream(Stream {
                path: None,
                label: PathBuf::from(STDIN_LABEL),
            });
        }
        match std::fs::metadata(path) {
            // Neither a file nor a directory: something that can only be
            // read as it comes (a pipe, a FIFO, a device).
            Ok(meta) if !meta.is_file() && !meta.is_dir() => Target::Stream(Stream {
                path: Some(path.to_path_buf()),
                label: path.to_path_buf(),
            }),
            _ => Target::Log(Log::at(path)),
        }
    }
}

/// A log kept in files: a log file (or a path that cannot be looked at,
/// which the scan reports), or a directory of segment files.
pub struct Log {
    pub path: PathBuf,
    pub dir: bool,
}

impl Log {
    /// The log at `path`.
    pub fn at(path: &Path) -> Log {
        Log {
            path: path.to_path_buf(),
            dir: std::fs::metadata(path).is_ok_and(|meta| meta.is_dir()),
        }
    }

    /// The log `command` works on, which must be kept in files: `-` is
    /// refused (tail, repair, append, dump --follow).
    pub fn needed(path: &Path, command: &str, needs: &str) -> Result<Log, Failure> {
        if path.as_os_str() == STDIN_ARG {
            return Err(Failure {
                code: exit::USAGE,
                message: format!(
                    "`rewal {command}` needs {needs}; standard input (`-`) can be read by `info`, `verify`, `dump`, `frames` and `stats`"
                ),
            });
        }
        Ok(Log::at(path))
    }

    /// Scans the log read-only (no lock: another process may have it
    /// open): every frame of every segment checked, and a file's sync mark
    /// (or a directory's) read, so that a power cut's lost writes are told
    /// from damage. A file that is not a log, a directory that holds files
    /// but no segment (somebody else's), one whose only segment is not a
    /// log, and one that cannot be read are failures (exit 3); a damaged
    /// log is a result. Segments after the first problem are dropped: they
    /// hold nothing the log holds.
    pub fn scan(&self, label: &'static str) -> Result<RunScan, Failure> {
        let mut found = self.scan_whole(label)?;
        let held = found.held().len();
        found.segments.truncate(held);
        Ok(found)
    }

    /// [`scan`](Self::scan), keeping every segment, those after the first
    /// problem too (what a repair of a directory weighs).
    pub fn scan_whole(&self, label: &'static str) -> Result<RunScan, Failure> {
        let path = &self.path;
        let found = if self.dir {
            let found =
                inspect::scan_dir(path).map_err(|error| Failure::unreadable(path, &error))?;
            if found.segments.is_empty() && holds_other_files(path)? {
                return Err(Failure::at(
                    exit::UNREADABLE,
                    path,
                    format_args!("{NO_SEGMENTS} {LEFT_UNTOUCHED}"),
                ));
            }
            found
        } else {
            existing_file(path)?;
            let len = std::fs::metadata(path).map_or(0, |meta| meta.len());
            let mut progress = Progress::new(label, len);
            let scan = inspect::scan_file(path, |frame| progress.at(frame.offset))
                .map_err(|error| Failure::unreadable(path, &error))?;
            progress.finish();
            let segment = SegmentScan::new(None, Some(path.clone()), scan);
            RunScan::judge(vec![segment])
        };
        let verdict = RunVerdict::new(&found);
        if verdict.exit_code() == exit::UNREADABLE {
            return Err(Failure::at(
                exit::UNREADABLE,
                path,
                format_args!("{} {LEFT_UNTOUCHED}", verdict.ending()),
            ));
        }
        Ok(found)
    }

    /// The file of segment `segment` of `found` (the log file itself for a
    /// run of one).
    pub fn file_of<'a>(&'a self, found: &'a RunScan, segment: usize) -> &'a Path {
        found.segments[segment]
            .path
            .as_deref()
            .unwrap_or(&self.path)
    }

    /// The name a segment is shown by in a directory (`None` for a file).
    pub fn segment_name(&self, found: &RunScan, segment: usize) -> Option<String> {
        found.segments[segment].named.map(segment_name)
    }
}

/// Whether `dir` holds anything but the lock file: the engine takes a
/// directory without segments for a new log only if it does not. Stops at
/// the first such entry, whatever the directory holds.
fn holds_other_files(dir: &Path) -> Result<bool, Failure> {
    let unreadable = |error: io::Error| {
        Failure::at(
            exit::UNREADABLE,
            dir,
            format_args!("cannot read it: {}", describe_io(&error)),
        )
    };
    rewal_platform::fold_dir(
        dir,
        || false,
        |_, name, _| match name == LOCK_FILE {
            true => ControlFlow::Continue(false),
            false => ControlFlow::Break(true),
        },
    )
    .map_err(unreadable)
}

/// The segment file of `dir` that follows the one named `after` (the
/// smallest name above it), or the oldest when `after` is `None`. Reads
/// the directory as a stream and keeps one name: constant memory however
/// many files it holds. Names that are not segment names (not UTF-8
/// included) are passed over.
pub fn segment_after(dir: &Path, after: Option<Lsn>) -> io::Result<Option<(Lsn, PathBuf)>> {
    let best = rewal_platform::fold_dir(
        dir,
        || None,
        |best: Option<Lsn>, name, kind| {
            let named = name.to_str().and_then(segment_lsn);
            ControlFlow::Continue(match named {
                Some(named)
                    if kind == EntryKind::File
                        && after.is_none_or(|after| named > after)
                        && best.is_none_or(|best| named < best) =>
                {
                    Some(named)
                }
                _ => best,
            })
        },
    )?;
    Ok(best.map(|named| (named, dir.join(segment_name(named)))))
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
            None => Ok(Box::new(io::stdin().lock())),
            Some(path) => std::fs::File::open(path)
                .map(|file| Box::new(file) as Box<dyn Read>)
                .map_err(|error| self.unreadable(&error)),
        }
    }

    /// What failed reads of it are reported as.
    pub fn unreadable(&self, error: &io::Error) -> Failure {
        Failure::at(
            exit::UNREADABLE,
            &self.label,
            format_args!("cannot read it: {}", describe_io(error)),
        )
    }
}
