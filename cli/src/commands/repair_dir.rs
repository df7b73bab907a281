//! `rewal repair DIR`: cut a torn tail in the newest segment of a segment
//! directory, as `repair FILE` cuts a file's (and as opening the log
//! would). Anything else wrong with a directory is a corruption, refused:
//! cutting there would remove every newer segment, valid events and all.

use super::repair::cut;
use crate::dir::{self, LOCK_FILE};
use crate::failure::{describe, exit, Failure};
use crate::output;
use crate::scan::count;
use rewal::inspect::{segment_name, LogEnd, RunScan};
use rewal::FileStorage;
use rewal_report::{dir_exit_code, DirVerdict};
use std::path::Path;

/// Repairs the segment directory `path` (or, with `dry_run`, says what it
/// would do).
pub fn run(path: &Path, dry_run: bool, cut_at_corruption: bool) -> Result<u8, Failure> {
    let found = dir::scan(path)?;
    let _lock;
    let found = if !dry_run && dir_exit_code(&found) == exit::TORN {
        // Hold the directory's lock, as a writer does, from the scan to the
        // cut (scanning again under it), so that no writer changes the
        // newest segment in between.
        _lock = lock(path)?;
        dir::scan(path)?
    } else {
        found
    };
    let newest = found.segments.last();
    let message = match (dir_exit_code(&found), newest) {
        (exit::OK, _) | (_, None) => format!(
            "{}: clean, nothing to repair ({})\n",
            path.display(),
            holds(&found)
        ),
        (exit::TORN, Some(newest)) => {
            let LogEnd::TornTail { offset } = newest.scan.end else {
                return Err(refuse(path, &found, cut_at_corruption));
            };
            let newest_path = newest.path.as_deref().unwrap_or(path);
            if !dry_run {
                let mut storage = FileStorage::new(newest_path).map_err(|error| {
                    Failure::at(
                        exit::FAILED,
                        newest_path,
                        format_args!(
                            "nothing repaired: cannot open it for writing: {}",
                            describe(&error)
                        ),
                    )
                })?;
                cut(newest_path, &mut storage, offset)?;
            }
            format!(
                "{}: {} the torn tail of {} at offset {offset}: {} removed; {}\n",
                path.display(),
                if dry_run { "would cut" } else { "cut" },
                segment_name(newest.named.unwrap_or_default()),
                count(newest.scan.file_len - offset, "byte", "bytes"),
                holds(&found)
            )
        }
        _ => return Err(refuse(path, &found, cut_at_corruption)),
    };
    output::print(&message)?;
    Ok(exit::OK)
}

/// Takes the directory's lock, as `Wal::open_dir` does.
fn lock(path: &Path) -> Result<FileStorage, Failure> {
    FileStorage::new(path.join(LOCK_FILE)).map_err(|error| match error {
        rewal::Error::FileLocked => Failure::at(
            exit::FAILED,
            path,
            "nothing repaired: the log is locked: another process (or this one) has it open for writing",
        ),
        other => Failure::at(
            exit::FAILED,
            path,
            format_args!(
                "nothing repaired: cannot take its lock: {}",
                describe(&other)
            ),
        ),
    })
}

/// What the directory holds, valid: `200 events, LSNs 1 to 200, in 6
/// segments`.
fn holds(found: &RunScan) -> String {
    let segments = count(found.segments.len() as u64, "segment", "segments");
    match found.events() {
        0 => format!("no events, {segments}"),
        events => format!(
            "{}, LSNs {} to {}, in {segments}",
            count(events, "event", "events"),
            found.first_lsn(),
            found.last_lsn()
        ),
    }
}

/// Why a corrupted directory is not repaired.
fn refuse(path: &Path, found: &RunScan, cut_at_corruption: bool) -> Failure {
    Failure::at(
        exit::CORRUPTED,
        path,
        format_args!(
            "not repaired: the log is {}; in a segment directory, `rewal repair` cuts only a torn tail in the newest segment: cutting at a corruption would remove every newer segment, valid events and all{}",
            DirVerdict::new(found).ending(),
            if cut_at_corruption {
                " (--cut-at-corruption is for single-file logs)"
            } else {
                ""
            }
        ),
    )
}
