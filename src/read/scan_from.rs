//! Scanning a log from inside it: from a frame boundary other than the
//! start, going on from frames already known. A tool that has read a log
//! up to some offset (the viewer, which goes on past a corruption to show
//! the frames after it) has the engine check the rest, frame by frame, and
//! judge how it ends by the rules a scan from the start uses
//! (`frame/ending.rs`), without copying those rules or making up frames to
//! stand for the ones before.

use super::scan::{FrameInfo, LogScan};
use super::source::{Plain, Source};
use crate::error::catch_panic;
use crate::frame::{check_frame, classify_end, Bytes, Problem};
use crate::storage::ReadStorage;
use crate::{Error, Lsn, Result};

/// Scans the log in `storage` from offset `from` on, as if valid frames
/// ended there, the last of their LSNs being `last_lsn` (0 when there are
/// none, or when the frames from `from` are to be read as a log of their
/// own). Every frame from `from` is checked, and LSNs must go on
/// increasing from `last_lsn`; `visit` is called with each valid frame.
///
/// What it returns counts the frames from `from` only, at the storage's
/// offsets: `valid_len` is where they end (`from` if there are none), and
/// `end` is how the log ends after them, judged as a scan from the start
/// judges it (at offset 0 by the rules for a file's first bytes; past it,
/// as bytes after valid frames). From `(0, 0)` this is
/// [`scan_storage`](crate::inspect::scan_storage).
///
/// ```
/// use rewal::encoding::encode_event;
/// use rewal::inspect::{scan_bytes, scan_storage_from, LogEnd};
///
/// # fn main() -> rewal::Result<()> {
/// let (mut log, mut offsets) = (Vec::new(), Vec::new());
/// for lsn in 1..=3 {
///     offsets.push(log.len() as u64);
///     encode_event(&mut log, format!("event {lsn}").as_bytes(), b"", lsn, None)?;
/// }
/// log[offsets[1] as usize + 30] ^= 0xff; // the second frame's first payload byte
///
/// let scan = scan_bytes(&log, |_| {})?;
/// let LogEnd::Corrupted { offset, next_valid: Some(next) } = scan.end else {
///     panic!("a corruption")
/// };
/// assert_eq!((offset, next, scan.last_lsn), (offsets[1], offsets[2], 1));
///
/// // The frames after the corruption, checked as the engine checks a log.
/// let mut seen = Vec::new();
/// let rest = scan_storage_from(&log[..], next, scan.last_lsn, |frame| seen.push(frame.offset))?;
/// assert_eq!(seen, [offsets[2]]);
/// assert_eq!((rest.frames, rest.first_lsn, rest.last_lsn), (1, 3, 3));
/// assert_eq!((rest.valid_len, rest.end), (log.len() as u64, LogEnd::Clean));
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// `Error::InvalidRecord` when `from` is past the end of the storage; the
/// storage's errors (from `size`, `map`, `read_at`; `Error::Panicked` if
/// it panicked); an I/O error of kind `UnexpectedEof` if it holds fewer
/// bytes than its size says.
pub fn scan_storage_from(
    storage: impl ReadStorage,
    from: u64,
    last_lsn: Lsn,
    mut visit: impl FnMut(&FrameInfo),
) -> Result<LogScan> {
    let len = catch_panic("the storage's size", || storage.size())?;
    if from > len {
        return Err(Error::InvalidRecord);
    }
    let mut source = Source::over(Plain(storage), len)?;
    let mut found = LogScan::new(len);
    found.valid_len = from;
    let stopped = match source.mapped() {
        // The whole log in one slice: the frame checker's fast path.
        Some(mut bytes) => match walk(&mut bytes, last_lsn, &mut found, &mut visit) {
            Ok(stopped) => stopped,
            Err(never) => match never {},
        },
        None => walk(&mut source, last_lsn, &mut found, &mut visit)?,
    };
    if let Some(problem) = stopped {
        let last = if found.frames > 0 {
            found.last_lsn
        } else {
            last_lsn
        };
        let (end, problem) = classify_end(&mut source, found.valid_len, last, problem, None)?;
        found.end = end;
        found.problem = problem;
    }
    Ok(found)
}

/// Checks frame after frame from `found.valid_len`, counting the valid ones
/// into `found`; returns what stopped the walk, if it stopped before the
/// end. LSNs strictly increase from `last_lsn` on: a valid frame that
/// breaks the order stops it too.
fn walk<B: Bytes>(
    bytes: &mut B,
    last_lsn: Lsn,
    found: &mut LogScan,
    visit: &mut impl FnMut(&FrameInfo),
) -> std::result::Result<Option<Problem>, B::Error> {
    let len = bytes.limit();
    let mut last = last_lsn;
    while found.valid_len < len {
        let offset = found.valid_len;
        let header = match check_frame(bytes, offset)? {
            Ok(header) => header,
            Err(problem) => return Ok(Some(problem)),
        };
        // (A valid frame's LSNs begin at 1: after 0, any frame follows.)
        if header.first_lsn <= last {
            return Ok(Some(Problem::LsnsOutOfOrder {
                first_lsn: header.first_lsn,
            }));
        }
        let frame = FrameInfo { offset, header };
        visit(&frame);
        found.count_frame(&frame); // the next frame starts where this one ends
        last = found.last_lsn;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::encode_event;
    use crate::frame::LogEnd;
    use crate::inspect::scan_bytes;

    /// A log of single-event frames for LSNs `lsns`, and where each begins.
    fn log(lsns: impl IntoIterator<Item = Lsn>) -> (Vec<u8>, Vec<u64>) {
        let mut bytes = Vec::new();
        let mut offsets = Vec::new();
        for lsn in lsns {
            offsets.push(bytes.len() as u64);
            encode_event(
                &mut bytes,
                format!("event {lsn}").as_bytes(),
                b"",
                lsn,
                None,
            )
            .unwrap();
        }
        (bytes, offsets)
    }

    /// The scan from `(from, last_lsn)`, read in place and through the
    /// read buffer (a storage that does not map): both must agree.
    fn scan_from(bytes: &[u8], from: u64, last_lsn: Lsn) -> (LogScan, Vec<u64>) {
        let mut seen = Vec::new();
        let mapped = scan_storage_from(bytes, from, last_lsn, |f| seen.push(f.offset)).unwrap();
        let mut buffered_seen = Vec::new();
        let buffered = scan_storage_from(Unmapped(bytes), from, last_lsn, |f| {
            buffered_seen.push(f.offset)
        })
        .unwrap();
        assert_eq!((&mapped, &seen), (&buffered, &buffered_seen));
        (mapped, seen)
    }

    /// Bytes read through `read_at` only.
    struct Unmapped<'a>(&'a [u8]);

    impl ReadStorage for Unmapped<'_> {
        fn size(&self) -> Result<u64> {
            self.0.size()
        }

        fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
            self.0.read_at(buf, offset)
        }
    }

    #[test]
    fn from_the_start_it_is_the_scan_of_the_whole_log() {
        let (clean, offsets) = log(1..=5);
        let mut torn = clean.clone();
        torn.extend_from_slice(b"EWAL\x02");
        let mut corrupt = clean.clone();
        corrupt[offsets[2] as usize + 30] ^= 1;
        for bytes in [clean, torn, corrupt, b"not a log at all".to_vec(), vec![]] {
            let mut whole_seen = Vec::new();
            let whole = scan_bytes(&bytes, |f| whole_seen.push(f.offset)).unwrap();
            assert_eq!(scan_from(&bytes, 0, 0), (whole, whole_seen));
        }
    }

    #[test]
    fn the_frames_after_a_corruption_are_checked_and_counted_at_their_offsets() {
        let (mut bytes, offsets) = log(1..=6);
        bytes[offsets[2] as usize + 30] ^= 1;
        let whole = scan_bytes(&bytes, |_| {}).unwrap();
        assert_eq!(
            whole.end,
            LogEnd::Corrupted {
                offset: offsets[2],
                next_valid: Some(offsets[3])
            }
        );
        let (rest, seen) = scan_from(&bytes, offsets[3], whole.last_lsn);
        assert_eq!(seen, &offsets[3..]);
        assert_eq!((rest.frames, rest.events), (3, 3));
        assert_eq!((rest.first_lsn, rest.last_lsn), (4, 6));
        assert_eq!(
            (rest.file_len, rest.valid_len),
            (bytes.len() as u64, bytes.len() as u64)
        );
        assert_eq!((rest.end, rest.problem), (LogEnd::Clean, None));
    }

    #[test]
    fn lsns_must_go_on_from_the_last_one_given() {
        let (bytes, offsets) = log(1..=4);
        // Frame 3 (LSN 3) after a last LSN of 3: out of order, and since it
        // passes its CRC, a corruption (never a torn tail).
        let (scan, seen) = scan_from(&bytes, offsets[2], 3);
        assert!(seen.is_empty());
        assert_eq!(scan.problem, Some(Problem::LsnsOutOfOrder { first_lsn: 3 }));
        assert_eq!(
            scan.end,
            LogEnd::Corrupted {
                offset: offsets[2],
                next_valid: Some(offsets[2])
            }
        );
        // After a last LSN of 2 they follow.
        let (scan, seen) = scan_from(&bytes, offsets[2], 2);
        assert_eq!((seen.len(), scan.end), (2, LogEnd::Clean));
    }

    #[test]
    fn bytes_past_valid_frames_are_judged_as_a_tail_not_as_a_files_first() {
        // Junk that, as a file of its own, is not a log; after valid frames,
        // it is a torn tail, even when no frame follows `from`.
        let (mut bytes, offsets) = log(1..=2);
        let end = bytes.len() as u64;
        bytes.extend_from_slice(b"junk, not a frame");
        assert_eq!(
            scan_bytes(&bytes[end as usize..], |_| {}).unwrap().end,
            LogEnd::NotALog
        );
        let (scan, seen) = scan_from(&bytes, end, 2);
        assert!(seen.is_empty());
        assert_eq!((scan.frames, scan.valid_len), (0, end));
        assert_eq!(scan.end, LogEnd::TornTail { offset: end });
        let (scan, _) = scan_from(&bytes, offsets[1], 1);
        assert_eq!(
            (scan.frames, scan.end),
            (1, LogEnd::TornTail { offset: end })
        );
    }

    #[test]
    fn an_offset_past_the_end_is_refused_and_the_end_itself_is_clean() {
        let (bytes, _) = log(1..=2);
        let len = bytes.len() as u64;
        assert!(matches!(
            scan_storage_from(&bytes[..], len + 1, 0, |_| {}),
            Err(Error::InvalidRecord)
        ));
        let (scan, _) = scan_from(&bytes, len, 2);
        assert_eq!(
            (scan.frames, scan.valid_len, scan.end),
            (0, len, LogEnd::Clean)
        );
    }
}
