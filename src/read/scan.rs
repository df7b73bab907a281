//! Scanning a whole log: every frame checked, and how the log ends
//! classified. Recovery at open runs this; so do the CLI and the viewer.

use super::iter::WalIterator;
use super::lines_ahead::LinesAhead;
use super::source::{Backing, Plain, Source};
use crate::error::catch_panic;
pub use crate::frame::LogEnd;
use crate::frame::{self, classify_end, Bytes, FrameHeader, Problem};
use crate::hooks::HookRunner;
use crate::plugins::Compressor;
use crate::shared::Shared;
use crate::storage::mark::{self, SyncMark};
use crate::storage::{FileStorage, ReadStorage, SharedStorage, Storage};
use crate::{Error, Lsn, Result, State};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A valid frame met by a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameInfo {
    /// File offset of the frame.
    pub offset: u64,
    /// Its header.
    pub header: FrameHeader,
}

/// What a scan found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogScan {
    /// Size of the data scanned.
    pub file_len: u64,
    /// Bytes from the start covered by valid frames.
    pub valid_len: u64,
    /// Number of valid frames.
    pub frames: u64,
    /// Number of events in them.
    pub events: u64,
    /// Frames whose region is compressed.
    pub compressed_frames: u64,
    /// The largest valid frame, in bytes.
    pub largest_frame: u32,
    /// First LSN of the log (0 when there are no frames).
    pub first_lsn: Lsn,
    /// Largest LSN of the log (0 when there are no frames).
    pub last_lsn: Lsn,
    /// How the log ends.
    pub end: LogEnd,
    /// What is wrong with the bytes where the valid frames end (`None` for
    /// a clean log): the same [`Problem`] `diagnose_*` would give, found by
    /// the scan itself.
    pub problem: Option<Problem>,
}

impl LogScan {
    /// A scan of `file_len` bytes that has met no frame yet: counts at 0,
    /// a clean end.
    pub fn new(file_len: u64) -> LogScan {
        LogScan {
            file_len,
            valid_len: 0,
            frames: 0,
            events: 0,
            compressed_frames: 0,
            largest_frame: 0,
            first_lsn: 0,
            last_lsn: 0,
            end: LogEnd::Clean,
            problem: None,
        }
    }

    /// Counts one more valid frame, the next after those counted so far:
    /// how a scan adds up its totals, for a reader that walks a log itself
    /// (a stream, say).
    pub fn count_frame(&mut self, frame: &FrameInfo) {
        let header = &frame.header;
        if self.frames == 0 {
            self.first_lsn = header.first_lsn;
        }
        self.frames += 1;
        self.events += u64::from(header.record_count);
        self.compressed_frames += u64::from(header.is_compressed());
        self.largest_frame = self.largest_frame.max(header.batch_size);
        self.last_lsn = header.last_lsn();
        self.valid_len = frame.offset + u64::from(header.batch_size);
    }
}

/// Scans a log file without writing to it and without taking its lock (it
/// may be open in another process). Calls `visit` for every valid frame.
///
/// A damaged log is no error: the scan says how the log ends
/// ([`LogScan::end`]) and what is wrong there ([`LogScan::problem`]).
///
/// ```
/// use rewal::inspect::{scan_file, LogEnd};
/// use std::time::Duration;
///
/// # fn main() -> rewal::Result<()> {
/// # let path = std::env::temp_dir().join(format!("rewal-doc-scan-file-{}.wal", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let wal = rewal::Wal::open(&path).build()?;
/// let mut batch = rewal::Batch::new();
/// batch.add("two");
/// batch.add("three");
/// wal.append("one")?;
/// wal.append_batch(&batch)?;
/// wal.shutdown(Duration::from_secs(5))?;
///
/// let mut offsets = Vec::new();
/// let scan = scan_file(&path, |frame| offsets.push(frame.offset))?;
/// assert_eq!((scan.frames, scan.events, scan.last_lsn), (2, 3, 3));
/// assert_eq!(offsets, [0, 37]);
/// assert_eq!(scan.end, LogEnd::Clean);
///
/// // A write torn by a crash: the scan says so; opening the log cuts it.
/// std::fs::write(&path, [std::fs::read(&path)?, b"EWAL".to_vec()].concat())?;
/// let scan = scan_file(&path, |_| {})?;
/// assert_eq!(scan.end, LogEnd::TornTail { offset: scan.valid_len });
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// An I/O error if the file cannot be opened (`NotFound` for a missing
/// one) or read (`UnexpectedEof` if it shrinks while being scanned).
pub fn scan_file(path: impl AsRef<Path>, mut visit: impl FnMut(&FrameInfo)) -> Result<LogScan> {
    let path = path.as_ref();
    // What the log's sync mark says (beside it), to tell a power cut's
    // lost writes from damage.
    let synced = SyncMark::read(&mark::beside(path))
        .filter(|synced| synced.segment == 0)
        .map(|synced| synced.offset);
    scan_file_synced(path, &mut visit, synced)
}

/// [`scan_file`], judging damage from `synced` on as a power cut's when it
/// looks like one (see `frame/ending.rs`).
pub(crate) fn scan_file_synced(
    path: &Path,
    visit: &mut impl FnMut(&FrameInfo),
    synced: Option<u64>,
) -> Result<LogScan> {
    let storage = SharedStorage::new(Box::new(FileStorage::open_read_only(path)?));
    let len = storage.size()?;
    let mut source = Source::open(&storage, len)?;
    scan(&mut source, visit, synced)
}

/// Scans a log held in memory; see [`scan_file`].
///
/// # Errors
///
/// None: bytes in memory always read (the `Result` is
/// [`scan_storage`]'s).
pub fn scan_bytes(bytes: &[u8], mut visit: impl FnMut(&FrameInfo)) -> Result<LogScan> {
    let mut source = Source::over(Plain(bytes), bytes.len() as u64)?;
    scan(&mut source, &mut visit, None)
}

/// Scans a log in any storage; see [`scan_file`].
///
/// # Errors
///
/// The storage's errors (from `size`, `map`, `read_at`; `Error::Panicked`
/// if it panicked); an I/O error of kind `UnexpectedEof` if it holds fewer
/// bytes than its size says; `Error::InvalidRecord` if its map is shorter
/// than its size.
pub fn scan_storage(
    storage: impl ReadStorage,
    mut visit: impl FnMut(&FrameInfo),
) -> Result<LogScan> {
    let len = catch_panic("the storage's size", || storage.size())?;
    let mut source = Source::over(Plain(storage), len)?;
    scan(&mut source, &mut visit, None)
}

/// Reads the events of a log file from LSN `from` on, without locking or
/// writing it (it may be open in another process): the same iterator as
/// [`crate::Wal::iterator`], over the file as it is now. Every frame is
/// checked; the first invalid one ends the iteration with
/// `Error::Corrupted` (a torn tail included: [`scan_file`] says which).
/// Compressed frames need `compressor`.
///
/// # Errors
///
/// An I/O error if the file cannot be opened (`NotFound` for a missing
/// one) or its size read. What reading the events returns is the
/// iterator's (see [`WalIterator::next_borrowed`]).
pub fn read_file(
    path: impl AsRef<Path>,
    from: Lsn,
    compressor: Option<Box<dyn Compressor>>,
) -> Result<WalIterator> {
    let path = path.as_ref();
    let storage = FileStorage::open_read_only(path)?;
    read_from(storage, from, compressor, Some(path.to_path_buf()))
}

/// Reads the events of a log in any storage; see [`read_file`].
///
/// # Errors
///
/// The storage's errors from `size` and `map` (`Error::Panicked` if it
/// panicked).
pub fn read_storage(
    storage: impl Storage + 'static,
    from: Lsn,
    compressor: Option<Box<dyn Compressor>>,
) -> Result<WalIterator> {
    read_from(storage, from, compressor, None)
}

/// [`read_storage`], for the log at `path` if it has one.
fn read_from(
    storage: impl Storage + 'static,
    from: Lsn,
    compressor: Option<Box<dyn Compressor>>,
    path: Option<PathBuf>,
) -> Result<WalIterator> {
    let len = storage.size()?;
    // Nothing writes to it here: as far as waiting readers go, it is
    // closed.
    let shared = Arc::new(Shared::new(
        SharedStorage::new(Box::new(storage)),
        compressor,
        HookRunner::new(None),
        State::Closed,
        path,
    ));
    shared.set_file_end(len);
    WalIterator::new(shared, from)
}

/// Checks every frame of `source` from offset 0 and classifies the end;
/// damage from `synced` on (the log's sync mark, if known) may be a power
/// cut's (see `frame/ending.rs`).
pub(crate) fn scan<B: Backing>(
    source: &mut Source<B>,
    visit: &mut impl FnMut(&FrameInfo),
    synced: Option<u64>,
) -> Result<LogScan> {
    let len = source.limit();
    let mut found = LogScan::new(len);
    let (_, stopped) = if source.is_mapped() {
        // The common native case: the whole log is one slice.
        let data = source.get(0, usize::try_from(len).map_err(|_| Error::InvalidRecord)?)?;
        walk_in_memory(data, 0, len, &mut found, visit)
    } else {
        walk_range(source, 0, len, &mut found, visit)?
    };
    classify(source, found, stopped, synced)
}

/// Says how the log ends where the walk that counted `found` stopped.
pub(crate) fn classify<B: Backing>(
    source: &mut Source<B>,
    mut found: LogScan,
    stopped: Option<Problem>,
    synced: Option<u64>,
) -> Result<LogScan> {
    if let Some(problem) = stopped {
        let (end, problem) =
            classify_end(source, found.valid_len, found.last_lsn, problem, synced)?;
        found.end = end;
        found.problem = problem;
    }
    Ok(found)
}

/// [`walk_range`] over a log held whole in memory (a map), hinting the
/// lines of the page ahead of each frame checked (`lines_ahead.rs`).
pub(crate) fn walk_in_memory(
    data: &[u8],
    from: u64,
    until: u64,
    found: &mut LogScan,
    visit: &mut impl FnMut(&FrameInfo),
) -> (u64, Option<Problem>) {
    let mut ahead = LinesAhead::new(from);
    let mut visit = |frame: &FrameInfo| {
        ahead.passed(data, frame.offset + u64::from(frame.header.batch_size));
        visit(frame);
    };
    match walk_range(&mut &data[..], from, until, found, &mut visit) {
        Ok(walked) => walked,
        Err(never) => match never {},
    }
}

/// Checks frame after frame from offset `from` (a frame boundary) until
/// one begins at or past `until`, counting the valid ones into `found`;
/// returns where the walk ended and what stopped it, if a frame that is not
/// valid did. LSNs strictly increase from frame to frame: a valid frame
/// that breaks the order stops it too.
pub(crate) fn walk_range<B: Bytes>(
    bytes: &mut B,
    from: u64,
    until: u64,
    found: &mut LogScan,
    visit: &mut impl FnMut(&FrameInfo),
) -> std::result::Result<(u64, Option<Problem>), B::Error> {
    let mut off = from;
    let stopped = loop {
        if off >= until {
            break None;
        }
        let header = match frame::check_frame(bytes, off)? {
            Ok(header) => header,
            Err(problem) => break Some(problem),
        };
        if found.frames > 0 && header.first_lsn <= found.last_lsn {
            break Some(Problem::LsnsOutOfOrder {
                first_lsn: header.first_lsn,
            });
        }
        let frame = FrameInfo {
            offset: off,
            header,
        };
        visit(&frame);
        found.count_frame(&frame);
        off = found.valid_len; // the next frame starts where this one ends
    };
    Ok((off, stopped))
}
