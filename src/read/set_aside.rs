//! What recovery takes out of a log is kept, not thrown away: bytes cut
//! from a file go to a file beside it (`FILE.removed-OFFSET`, as `rewal
//! repair` names them), and segments (or the cut tail of one) go to a
//! `removed/` folder in the log's directory. Each copy is synced, and its
//! directory entry made durable, before the log itself is changed: a crash
//! in between leaves the bytes in both places, never in neither.

use super::source::Source;
use crate::error::on_file;
use crate::frame::{check_frame, LogEnd};
use crate::storage::{FileStorage, SharedStorage, Storage};
use crate::{Error, Lsn, Result};
use std::path::{Path, PathBuf};

/// Bytes recovery took out of a log when it opened, and where it kept
/// them: the bytes after a power cut's lost writes, the rest of a file cut
/// at a corruption on request (`Recovery::TruncateAtCorruption`), or whole
/// segments of a directory that no longer followed the rest. Nothing
/// recovery takes is thrown away; a torn tail (the rest of one interrupted
/// write, holding no valid frame) is simply cut, and not listed here.
///
/// See [`Wal::set_aside`](crate::Wal::set_aside), the `Stats` counters
/// `set_aside_bytes` and `set_aside_events`, and
/// [`Hooks::on_set_aside`](crate::Hooks::on_set_aside).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SetAside {
    /// Why: how the log ended where it was cut (for a whole segment moved
    /// aside, how it ended, or `Clean` when the segment itself was sound
    /// but did not follow the ones kept).
    pub end: LogEnd,
    /// The file the bytes were cut from (a segment's, for a directory).
    pub from: PathBuf,
    /// Where in that file they began.
    pub offset: u64,
    /// How many bytes.
    pub len: u64,
    /// The file that holds them now.
    pub kept_in: PathBuf,
    /// How many events the valid frames among them hold (0: none).
    pub events: u64,
    /// The LSN of the first of those events (0 when there are none).
    pub first_lsn: Lsn,
    /// The LSN of the last of those events (0 when there are none).
    pub last_lsn: Lsn,
}

/// The events of the valid frames of `storage` in `[from, to)`, one after
/// another from `from` while they are valid and their LSNs increase: how
/// many, and the first and last LSN (zeros for none).
pub(crate) fn valid_frames_in(
    storage: &SharedStorage,
    from: u64,
    to: u64,
) -> Result<(u64, Lsn, Lsn)> {
    let mut source = Source::open(storage, to)?;
    let (mut at, mut events, mut first, mut last) = (from, 0, 0, 0);
    while at < to {
        match check_frame(&mut source, at)? {
            Ok(header) if header.first_lsn > last => {
                if events == 0 {
                    first = header.first_lsn;
                }
                events += u64::from(header.record_count);
                last = header.last_lsn();
                at += u64::from(header.batch_size);
            }
            _ => break,
        }
    }
    Ok((events, first, last))
}

/// The folder of a segment directory that holds what recovery took out.
pub(crate) const REMOVED_DIR: &str = "removed";

/// How much is copied at a time: memory stays bounded.
const CHUNK: usize = 1 << 20;

/// `<FILE>.removed-<offset>`, beside `path`.
pub(crate) fn removed_path(path: &Path, offset: u64) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".removed-{offset}"));
    path.with_file_name(name)
}

/// The `removed/` folder of the segment directory `dir`, created (durably)
/// if missing.
pub(crate) fn removed_dir(dir: &Path) -> Result<PathBuf> {
    let removed = dir.join(REMOVED_DIR);
    rewal_platform::create_dir(&removed).map_err(|e| on_file("creating", &removed, e))?;
    Ok(removed)
}

/// Moves the segment file `path` of the directory `dir` into its
/// `removed/` folder, durably; returns where it went.
pub(crate) fn move_segment_aside(dir: &Path, path: &Path) -> Result<PathBuf> {
    let removed = removed_dir(dir)?;
    let to = removed.join(path.file_name().unwrap_or_default());
    rewal_platform::rename(path, &to).map_err(|e| on_file("moving aside", path, e))?;
    rewal_platform::sync_dir(&removed).map_err(|e| on_file("syncing", &removed, e))?;
    rewal_platform::sync_dir(dir).map_err(|e| on_file("syncing", dir, e))?;
    Ok(to)
}

/// Copies the bytes `[from, to)` of `storage` into a new file at `into`
/// (replacing one there), synced, with its directory entry made durable.
pub(crate) fn copy_out(storage: &SharedStorage, from: u64, to: u64, into: &Path) -> Result<()> {
    let _ = rewal_platform::remove_file(into);
    let mut out = FileStorage::new(into)?;
    let mut buf = vec![0; CHUNK.min((to - from) as usize)];
    let mut at = from;
    while at < to {
        let n = CHUNK.min((to - at) as usize);
        storage.read_exact_at(&mut buf[..n], at)?;
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            match out.write(rest)? {
                0 => return Err(Error::ShortWrite),
                written => rest = &rest[written.min(rest.len())..],
            }
        }
        at += n as u64;
    }
    out.sync()?;
    out.close()
}
