//! `LogView`: a log opened for looking at, the core of the JavaScript
//! `WalLog` class (and usable natively, which is how it is tested). The
//! bytes are scanned once by the engine (`rewal::inspect::scan_storage`):
//! every frame checked, the end classified, the seek index built.

use crate::bytes_storage::BytesStorage;
use crate::index::{header_at, Index, Row};
use rewal::encoding;
use rewal::inspect::{self, LogEnd, LogScan, Verdict};
use rewal::{Lsn, Result};
use std::sync::Arc;

/// A frame as the frame list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameEntry {
    /// File offset of the frame.
    pub offset: u64,
    /// Its length in bytes (what its header claims; for an invalid frame
    /// whose header does not parse, the bytes left in the file).
    pub size: u64,
    /// LSN of its first event (0 when the header does not parse).
    pub first_lsn: Lsn,
    /// Number of events it claims.
    pub count: u32,
    /// Its flags (bit 0: compressed).
    pub flags: u16,
    /// True when the frame passes every check (CRC, bounds, records).
    pub crc_ok: bool,
    /// Where it stands: `ok`, `invalid` (where the valid frames end), or
    /// `after corruption` (a valid frame past the invalid bytes; its events
    /// are not listed, as the native CLI does not list them either).
    pub status: &'static str,
}

/// A log opened for viewing.
pub struct LogView {
    data: Arc<Vec<u8>>,
    scan: LogScan,
    index: Index,
    /// The invalid frame and the frames after a corruption, if any.
    beyond: Vec<FrameEntry>,
}

impl LogView {
    /// Scans `bytes` (every frame checked, as recovery does) and builds the
    /// seek index. Bytes that are not a log open too: the scan's end says
    /// [`LogEnd::NotALog`] and there are no events.
    pub fn open(bytes: Vec<u8>) -> Result<LogView> {
        let data = Arc::new(bytes);
        let mut index = Index::default();
        let scan = inspect::scan_storage(BytesStorage(data.clone()), |frame| index.push(frame))?;
        index.mark(&data);
        let beyond = beyond(&data, &scan);
        Ok(LogView {
            data,
            scan,
            index,
            beyond,
        })
    }

    /// What the scan found: sizes, counts, LSN range, how the log ends.
    pub fn scan(&self) -> &LogScan {
        &self.scan
    }

    /// The bytes of the log.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The one-line verdict of `rewal verify` for these bytes (without its
    /// `FILE: ` prefix): the engine words it for both.
    pub fn verdict(&self) -> String {
        Verdict::of_bytes(&self.data, &self.scan).to_string()
    }

    /// How the log ends, in the native CLI's words (`clean`, `torn tail at
    /// offset N: ...`).
    pub fn ending(&self) -> String {
        Verdict::of_bytes(&self.data, &self.scan)
            .ending()
            .to_string()
    }

    /// Up to `limit` events from the `ordinal`-th on.
    pub fn rows_at(&self, ordinal: u64, limit: usize) -> Vec<Row<'_>> {
        self.index.rows(&self.data, ordinal, limit)
    }

    /// Up to `limit` events from the first with an LSN at or above `from`.
    pub fn rows_from(&self, from: Lsn, limit: usize) -> Vec<Row<'_>> {
        self.rows_at(self.ordinal_of_lsn(from), limit)
    }

    /// The ordinal of the first event with an LSN at or above `lsn` (the
    /// number of events when there is none).
    pub fn ordinal_of_lsn(&self, lsn: Lsn) -> u64 {
        self.index.ordinal_of_lsn(&self.data, lsn)
    }

    /// The ordinals of the events whose meta contains `needle`.
    pub fn filter_meta(&self, needle: &[u8]) -> Vec<u32> {
        let mut found = Vec::new();
        self.index.walk(&self.data, 0, |row| {
            if row.meta.is_some_and(|meta| contains(meta, needle)) {
                // Ordinals fit in u32 on wasm32: every event takes at least
                // 6 bytes of a log that fits in a 4 GiB memory.
                found.push(u32::try_from(row.ordinal).unwrap_or(u32::MAX));
            }
            true
        });
        found
    }

    /// The number of entries in the frame list: the valid frames, then the
    /// invalid one and any valid frames after a corruption.
    pub fn frame_count(&self) -> usize {
        self.index.frames() + self.beyond.len()
    }

    /// The `i`-th entry of the frame list.
    pub fn frame(&self, i: usize) -> Option<FrameEntry> {
        match self.index.frame_offset(i) {
            Some(offset) => {
                let header = header_at(&self.data, offset)?;
                Some(entry(offset, &header, true, "ok"))
            }
            None => self.beyond.get(i - self.index.frames()).copied(),
        }
    }
}

fn entry(
    offset: u64,
    header: &encoding::FrameHeader,
    ok: bool,
    status: &'static str,
) -> FrameEntry {
    FrameEntry {
        offset,
        size: u64::from(header.batch_size),
        first_lsn: header.first_lsn,
        count: header.record_count,
        flags: header.flags,
        crc_ok: ok,
        status,
    }
}

/// The frame list past the valid frames: an entry for the invalid bytes,
/// and after a corruption the valid frames that follow them, up to the next
/// invalid byte.
fn beyond(data: &[u8], scan: &LogScan) -> Vec<FrameEntry> {
    let (invalid, next) = match scan.end {
        LogEnd::TornTail { offset } => (offset, None),
        LogEnd::Corrupted { offset, next_valid } => (offset, next_valid),
        LogEnd::Clean | LogEnd::NotALog => return Vec::new(),
    };
    let left = data.len() as u64 - invalid;
    let mut list = vec![match header_at(data, invalid) {
        Some(header) => entry(invalid, &header, false, "invalid"),
        None => FrameEntry {
            offset: invalid,
            size: left,
            first_lsn: 0,
            count: 0,
            flags: 0,
            crc_ok: false,
            status: "invalid",
        },
    }];
    let mut at = next.and_then(|at| usize::try_from(at).ok());
    while let Some(off) = at.filter(|&off| off < data.len()) {
        match encoding::check_frame(data, off) {
            Ok(header) => {
                list.push(entry(off as u64, &header, true, "after corruption"));
                at = Some(off + header.len());
            }
            Err(_) => at = None,
        }
    }
    list
}

/// True when `needle` occurs in `haystack` (an empty needle always does).
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window == needle)
}
