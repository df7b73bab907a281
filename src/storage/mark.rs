//! The sync mark: where a log is known to be synced through, kept in a
//! small file beside it (`FILE.synced` for a single file; the lock file
//! `rewal.lock` of a segment directory, naming the newest segment).
//!
//! It lets recovery tell a power cut from damage. Under `SyncMode::Never`
//! the OS writes pages back in any order, so a power cut can keep a later
//! page of unsynced frames and lose an earlier one: zeros, then frames.
//! Bytes the log had synced cannot be lost that way; so zeros before the
//! mark are damage (refused), and zeros after it are what the power cut
//! took (cut, and kept beside the log: see `frame/ending.rs`).
//!
//! The mark is written after a sync of the log, with a positional write and
//! no sync of its own, and made durable when the log opens and closes.
//! After a power cut it may therefore say less than was synced, never
//! more: it is written only once the sync it records has returned. A mark
//! that says too little only lets recovery judge more of the log as a
//! power cut's; the bytes it cuts are kept all the same.
//!
//! With a writer thread, it is written at most once per `PACE`: a write
//! to a second file after every sync measured 10-15% of a one-thread
//! durable append (the file's times change, and its dirty page is written
//! back beside the log's). A sync within `PACE` of the last write leaves
//! its mark pending, written by the next sync after `PACE`, by the writer
//! thread when it next looks at the log (`catch_up`, within about a
//! millisecond), or at close. So the mark lags the syncs by a few
//! milliseconds at most, which weakens only the judging of damage in
//! those milliseconds' bytes, never what a power cut keeps. Without
//! threads (the inline pipeline) nobody would catch up: there it is
//! written after every sync.
//!
//! Layout: two slots, at offsets 0 and 512 (different sectors, so a torn
//! write spoils at most one), written in turn; the slot with the valid CRC
//! and the higher sequence number holds the mark.
//!
//! ```text
//! slot: "RWSY" | sequence u64 | segment u64 | offset u64 | CRC-32C u32
//! ```
//! `segment`: the first LSN (the name) of the segment the offset is in; 0
//! for a single file.

use crate::error::on_file;
use crate::{crc, Lsn, Result};
use rewal_platform::{Access, File};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The mark is written at most this often by `record` (see above).
const PACE: Duration = Duration::from_millis(2);

const MAGIC: &[u8; 4] = b"RWSY";
const SLOT_LEN: usize = 32;
const SLOTS: [u64; 2] = [0, 512];

/// Where a log is known to be synced through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Synced {
    /// The segment (its first LSN) the offset is in; 0 for a single file.
    pub(crate) segment: Lsn,
    /// The bytes of that file known to be synced.
    pub(crate) offset: u64,
}

/// The sync mark of an open log: its file, held exclusively.
#[derive(Debug)]
pub(crate) struct SyncMark {
    file: File,
    path: PathBuf,
    /// The sequence number of the last slot written.
    sequence: u64,
    /// When the mark was last written (`rewal_platform::now()`).
    written_at: Option<Duration>,
    /// A mark recorded within `PACE` of the last write, not yet written.
    pending: Option<Synced>,
    /// What the file says: the mark found at open, or the last written.
    holds: Option<Synced>,
}

/// The sync mark's file beside the single-file log at `log`.
pub(crate) fn beside(log: &Path) -> PathBuf {
    let mut name = log.file_name().unwrap_or_default().to_os_string();
    name.push(".synced");
    log.with_file_name(name)
}

impl SyncMark {
    /// Opens (creating if missing) and locks the mark file at `path`;
    /// returns it and the mark it holds. `Ok(None)` for the mark when the
    /// file holds none; `Err` with kind `InvalidData` when it holds
    /// something else (somebody else's file: it is left untouched).
    pub(crate) fn open(path: &Path) -> Result<(SyncMark, Option<Synced>)> {
        let file =
            rewal_platform::open(path, Access::Exclusive).map_err(|error| match error.kind() {
                std::io::ErrorKind::WouldBlock => {
                    crate::Error::file_locked(crate::Details::new().with_path(path))
                }
                _ => on_file("opening", path, error),
            })?;
        let (sequence, synced) = read_slots(&file).map_err(|e| on_file("reading", path, e))?;
        let size = file
            .size()
            .map_err(|e| on_file("reading the size of", path, e))?;
        if synced.is_none() && size > 0 && !only_zeros(&file, size) {
            return Err(on_file(
                "keeping the sync mark in",
                path,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "the file holds something else",
                ),
            ));
        }
        let mark = SyncMark {
            file,
            path: path.to_path_buf(),
            sequence,
            written_at: None,
            pending: None,
            holds: synced,
        };
        Ok((mark, synced))
    }

    /// The mark in the file at `path`, read-only and without a lock (for
    /// tools looking into a log another process may have open); `None` if
    /// there is no such file or it holds no mark.
    pub(crate) fn read(path: &Path) -> Option<Synced> {
        let file = rewal_platform::open(path, Access::ReadOnly).ok()?;
        read_slots(&file).ok()?.1
    }

    /// Records that the log is synced through `synced`: written now, or
    /// within `PACE` of the last write, left pending (see the module docs);
    /// synced with the next `record_durably` (or by the OS in its time).
    /// A failure is ignored: the mark then says less than it could, which
    /// only makes recovery judge more of the log as a power cut's.
    pub(crate) fn record(&mut self, synced: Synced) {
        let now = rewal_platform::now();
        // Paced only where a writer thread catches up (without threads,
        // nobody would write a pending mark before the next sync).
        if rewal_platform::HAS_THREADS
            && self
                .written_at
                .is_some_and(|at| now < at.saturating_add(PACE))
        {
            self.pending = Some(synced);
            return;
        }
        self.pending = None;
        self.written_at = Some(now);
        let _ = self.write(synced);
    }

    /// When the mark a sync left pending is due (`PACE` after the last
    /// write), if a sync left one.
    pub(crate) fn due(&self) -> Option<Duration> {
        self.pending?;
        Some(self.written_at.unwrap_or_default().saturating_add(PACE))
    }

    /// Writes the pending mark, if a sync left one (see `record`).
    pub(crate) fn catch_up(&mut self) {
        if let Some(synced) = self.pending.take() {
            self.written_at = Some(rewal_platform::now());
            let _ = self.write(synced);
        }
    }

    /// As [`record`](Self::record), written at once, and synced. A file
    /// that already says `synced` (a log closed cleanly, opened again) is
    /// only synced: rewriting the same mark cost half a millisecond of
    /// each open (a write, and a sync with something to write back).
    pub(crate) fn record_durably(&mut self, synced: Synced) -> Result<()> {
        self.pending = None;
        let written = if self.holds == Some(synced) {
            Ok(())
        } else {
            self.written_at = Some(rewal_platform::now());
            self.write(synced)
        };
        written
            .and_then(|()| self.file.sync_data())
            .map_err(|e| on_file("syncing", &self.path, e))
    }

    /// Writes a pending mark and syncs the mark file (what it says
    /// survives a crash from now on). A failure is ignored, as in
    /// [`record`](Self::record).
    pub(crate) fn sync(&mut self) {
        self.catch_up();
        let _ = self.file.sync_data();
    }

    /// Releases the lock (the file stays, with its mark).
    pub(crate) fn release(&mut self) {
        let _ = self.file.release_lock();
    }

    fn write(&mut self, synced: Synced) -> std::io::Result<()> {
        // Unknown until the slot is whole.
        self.holds = None;
        self.sequence += 1;
        let mut slot = [0u8; SLOT_LEN];
        slot[..4].copy_from_slice(MAGIC);
        slot[4..12].copy_from_slice(&self.sequence.to_le_bytes());
        slot[12..20].copy_from_slice(&synced.segment.to_le_bytes());
        slot[20..28].copy_from_slice(&synced.offset.to_le_bytes());
        let crc = crc::checksum(&slot[..28]);
        slot[28..].copy_from_slice(&crc.to_le_bytes());
        let at = SLOTS[(self.sequence % 2) as usize];
        let mut written = 0;
        while written < SLOT_LEN {
            match self.file.write_at(&slot[written..], at + written as u64)? {
                0 => return Err(std::io::ErrorKind::WriteZero.into()),
                n => written += n,
            }
        }
        self.holds = Some(synced);
        Ok(())
    }
}

/// The highest sequence number of a valid slot (0 for none), and the mark
/// it holds.
fn read_slots(file: &File) -> std::io::Result<(u64, Option<Synced>)> {
    let mut best: (u64, Option<Synced>) = (0, None);
    for at in SLOTS {
        let mut slot = [0u8; SLOT_LEN];
        let mut read = 0;
        while read < SLOT_LEN {
            match file.read_at(&mut slot[read..], at + read as u64)? {
                0 => break,
                n => read += n,
            }
        }
        if read < SLOT_LEN || &slot[..4] != MAGIC {
            continue;
        }
        let number =
            |from: usize| u64::from_le_bytes(slot[from..from + 8].try_into().unwrap_or_default());
        let stored = u32::from_le_bytes(slot[28..].try_into().unwrap_or_default());
        if crc::checksum(&slot[..28]) != stored {
            continue;
        }
        let sequence = number(4);
        if sequence >= best.0 {
            best = (
                sequence,
                Some(Synced {
                    segment: number(12),
                    offset: number(20),
                }),
            );
        }
    }
    Ok(best)
}

/// Whether the first `size` bytes of `file` (a few, at most) are zeros.
fn only_zeros(file: &File, size: u64) -> bool {
    let mut head = [0u8; 1024];
    let n = (size as usize).min(head.len());
    matches!(file.read_at(&mut head[..n], 0), Ok(read) if head[..read].iter().all(|&b| b == 0))
        && size <= head.len() as u64
}
