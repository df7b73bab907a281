//! `rewal repair FILE`: cut a torn tail; cut at a corruption only when asked,
//! keeping the removed bytes beside the file.

use crate::failure::{describe, describe_io, existing_file, exit, Failure};
use crate::output;
use crate::scan::{self, count};
use rewal::inspect::{LogEnd, LogScan};
use rewal::{FileStorage, ReadStorage, Storage};
use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Copy the removed bytes in chunks of this size: constant memory.
const CHUNK: usize = 1 << 20;

/// Repairs the log at `path` (or, with `dry_run`, says what it would do).
pub fn run(path: &Path, dry_run: bool, cut_at_corruption: bool) -> Result<u8, Failure> {
    if crate::dir::is_dir(path) {
        return super::repair_dir::run(path, dry_run, cut_at_corruption);
    }
    existing_file(path)?;
    // Hold the exclusive lock from the scan to the cut, so that no writer
    // changes the file in between. (FileStorage::new would create a missing
    // file: existing_file has ruled that out.)
    let mut storage = if dry_run {
        None
    } else {
        Some(FileStorage::new(path).map_err(|error| match error {
            rewal::Error::FileLocked => Failure::at(
                exit::FAILED,
                path,
                "nothing repaired: the log is locked: another process (or this one) has it open for writing",
            ),
            other => Failure::at(
                exit::FAILED,
                path,
                format_args!("nothing repaired: cannot open it for writing: {}", describe(&other)),
            ),
        })?)
    };
    let found = scan::scan(path, "checking")?;
    let would = if dry_run { "would cut" } else { "cut" };
    let message = match found.end {
        LogEnd::Clean | LogEnd::NotALog => {
            format!(
                "{}: clean, nothing to repair ({})\n",
                path.display(),
                scan::lsn_range(&found)
            )
        }
        LogEnd::TornTail { offset } => {
            if let Some(storage) = storage.as_mut() {
                cut(path, storage, offset)?;
            }
            format!(
                "{}: {would} the torn tail at offset {offset}: {} removed; {}\n",
                path.display(),
                count(found.file_len - offset, "byte", "bytes"),
                remaining(&found)
            )
        }
        LogEnd::PowerCut { offset, .. } => {
            let kept = removed_path(path, offset);
            if let Some(storage) = storage.as_mut() {
                save(path, storage, offset, found.file_len, &kept)?;
                cut(path, storage, offset)?;
            }
            format!(
                "{}: {would} at the lost writes of a power cut at offset {offset}: {} removed (written after the last sync), {} in {}; {}\n",
                path.display(),
                count(found.file_len - offset, "byte", "bytes"),
                if dry_run { "to be kept" } else { "kept" },
                kept.display(),
                remaining(&found)
            )
        }
        LogEnd::Corrupted { offset, .. } if !cut_at_corruption => {
            return Err(refuse(path, &found, offset));
        }
        LogEnd::Corrupted { offset, .. } => {
            let kept = removed_path(path, offset);
            if let Some(storage) = storage.as_mut() {
                save(path, storage, offset, found.file_len, &kept)?;
                cut(path, storage, offset)?;
            }
            format!(
                "{}: {would} at the corruption at offset {offset}: {} removed (the corruption and every frame after it), {} in {}; {}\n",
                path.display(),
                count(found.file_len - offset, "byte", "bytes"),
                if dry_run { "to be kept" } else { "kept" },
                kept.display(),
                remaining(&found)
            )
        }
    };
    output::print(&message)?;
    Ok(exit::OK)
}

/// What the log holds after the cut.
fn remaining(found: &LogScan) -> String {
    if found.frames == 0 {
        "nothing remains (an empty log)".into()
    } else {
        format!(
            "{} remain ({})",
            count(found.events, "event", "events"),
            scan::lsn_range(found)
        )
    }
}

/// Why a corruption is not cut without `--cut-at-corruption`.
fn refuse(path: &Path, found: &LogScan, offset: u64) -> Failure {
    Failure::at(
        exit::CORRUPTED,
        path,
        format_args!(
            "not repaired: the log is {}; cutting there would remove {} including valid frames, so it takes --cut-at-corruption (the removed bytes are kept in {})",
            scan::ending(found),
            count(found.file_len - offset, "byte", "bytes"),
            removed_path(path, offset).display()
        ),
    )
}

/// `<FILE>.removed-<offset>`, beside the log.
fn removed_path(path: &Path, offset: u64) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(format!(".removed-{offset}"));
    PathBuf::from(name)
}

/// Copies bytes `[offset, len)` of the log to `kept` (a new file, never one
/// that exists) and syncs it and its directory, before anything is cut.
fn save(
    path: &Path,
    storage: &FileStorage,
    offset: u64,
    len: u64,
    kept: &Path,
) -> Result<(), Failure> {
    let failed =
        |what: String| Failure::at(exit::FAILED, path, format_args!("nothing repaired: {what}"));
    let mut file = File::create_new(kept).map_err(|error| {
        failed(format!(
            "cannot create {} for the removed bytes: {}",
            kept.display(),
            describe_io(&error)
        ))
    })?;
    let mut buf = vec![0u8; CHUNK.min((len - offset) as usize)];
    let mut at = offset;
    while at < len {
        let want = (len - at).min(buf.len() as u64) as usize;
        let n = storage
            .read_at(&mut buf[..want], at)
            .map_err(|error| failed(format!("cannot read offset {at}: {}", describe(&error))))?;
        if n == 0 {
            return Err(failed(format!(
                "the file ended at offset {at}, before the {len} bytes it had"
            )));
        }
        file.write_all(&buf[..n]).map_err(|error| {
            failed(format!(
                "cannot write {}: {}",
                kept.display(),
                describe_io(&error)
            ))
        })?;
        at += n as u64;
    }
    file.sync_all().map_err(|error| {
        failed(format!(
            "cannot sync {}: {}",
            kept.display(),
            describe_io(&error)
        ))
    })?;
    // The copy is only found after a power cut if its directory entry is
    // durable too: sync the directory before anything is cut.
    let dir = match kept.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    rewal_platform::sync_dir(dir).map_err(|error| {
        failed(format!(
            "cannot sync the directory {}: {}",
            dir.display(),
            describe_io(&error)
        ))
    })
}

/// Cuts the log to `offset` bytes and syncs it.
pub(super) fn cut(path: &Path, storage: &mut FileStorage, offset: u64) -> Result<(), Failure> {
    storage
        .truncate(offset)
        .and_then(|()| storage.sync())
        .map_err(|error| {
            Failure::at(
                exit::FAILED,
                path,
                format_args!("cutting at offset {offset} failed: {}", describe(&error)),
            )
        })
}
