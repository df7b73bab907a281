//! The fuzz targets' bodies (the targets in fuzz_targets/ only call these):
//!
//! - [`decoder`]: one frame, all frames, the scan and the diagnosis over
//!   arbitrary bytes, and whether they agree;
//! - [`recovery`]: arbitrary bytes opened as a log;
//! - [`model`]: appends, batches, flushes, syncs, reopens and torn cuts
//!   decoded from the input, replayed and compared with a simple model.
//!
//! None may panic, hang or allocate what a file claims; each asserts what
//! must hold, so a wrong answer is a crash too.

use rewal::encoding;
use rewal::inspect::{self, LogEnd, Problem};
use rewal::{Compressor, Details, Error, MemoryStorage, Recovery, SyncMode, Wal};
use std::time::Duration;

mod model;
pub use model::model;

/// Run-length pairs `(count 1..=255, byte)`: a compressor whose decoder
/// refuses malformed input, so compressed frames are fuzzed too.
pub struct Rle;

impl Compressor for Rle {
    fn compress(&self, src: &[u8], dst: &mut Vec<u8>) -> rewal::Result<()> {
        for run in src.chunk_by(|a, b| a == b) {
            for piece in run.chunks(255) {
                dst.extend_from_slice(&[piece.len() as u8, piece[0]]);
            }
        }
        Ok(())
    }

    fn decompress(&self, src: &[u8], dst: &mut Vec<u8>) -> rewal::Result<()> {
        if !src.len().is_multiple_of(2) {
            return Err(Error::InvalidRecord);
        }
        for pair in src.chunks_exact(2) {
            if pair[0] == 0 {
                return Err(Error::InvalidRecord);
            }
            dst.extend(std::iter::repeat_n(pair[1], usize::from(pair[0])));
        }
        Ok(())
    }
}

/// The frame checks and the scan over arbitrary bytes.
pub fn decoder(data: &[u8]) {
    let at = data.first().map_or(0, |&b| usize::from(b));
    for off in [0, at] {
        let checked = encoding::check_frame(data, off);
        let mut scratch = Vec::new();
        let decoded = encoding::decode_batch_frame_borrowed(data, off, None, &mut scratch)
            .map(|(events, next)| (events.count(), next));
        match (&checked, &decoded) {
            (Ok(header), Ok((count, next))) if !header.is_compressed() => {
                assert_eq!(*count, header.record_count as usize);
                assert_eq!(*next, off + header.len());
            }
            (Ok(header), Err(Error::CompressorRequired)) if header.is_compressed() => {}
            (Err(a), Err(b)) => assert_eq!(a, b),
            other => panic!("check_frame and the decoder disagree at {off}: {other:?}"),
        }
        let mut scratch = Vec::new();
        if let Ok((events, _)) =
            encoding::decode_batch_frame_borrowed(data, off, Some(&Rle), &mut scratch)
        {
            let header = checked.as_ref().expect("decoded, so checked");
            assert_eq!(events.count(), header.record_count as usize);
        }
    }

    let (events, stopped, error) = encoding::decode_all_batches(data, None);
    assert!(stopped <= data.len());
    assert_eq!(error.is_none(), stopped == data.len());

    let mut last = 0;
    let scan = inspect::scan_bytes(data, |frame| {
        assert!(
            frame.header.first_lsn > last,
            "LSNs of valid frames increase"
        );
        last = frame.header.last_lsn();
    })
    .expect("a scan of memory");
    assert!(scan.valid_len <= data.len() as u64);
    // Clean: every byte is in a valid frame, or zeros follow the last one
    // (space allocated ahead and never written).
    let rest = &data[scan.valid_len as usize..];
    let clean = rest.iter().all(|&byte| byte == 0);
    assert_eq!(scan.end == LogEnd::Clean, clean, "{:?}", scan.end);
    if scan.compressed_frames == 0 {
        // The scan stops at the first invalid frame, or earlier at one out
        // of order; the decoder only at the first invalid one.
        assert!(scan.valid_len <= stopped as u64);
        assert!(events.len() as u64 >= scan.events);
    }
    if scan.end != LogEnd::Clean {
        // The diagnosis finds a problem exactly when the frame there is
        // invalid (else it says its LSNs are out of order).
        let problem = inspect::diagnose_bytes(data, scan.valid_len);
        let valid_there = encoding::check_frame(data, scan.valid_len as usize).is_ok();
        assert_eq!(
            matches!(problem, Problem::LsnsOutOfOrder { .. }),
            valid_there,
            "{problem:?} at {}",
            scan.valid_len
        );
        let _ = format!("{problem:?}");
    }
    let _ = format!("{:?}", inspect::diagnose_bytes(data, at as u64));
}

/// Arbitrary bytes opened as a log: the first byte picks the options.
pub fn recovery(input: &[u8]) {
    let Some((&options, bytes)) = input.split_first() else {
        return;
    };
    let policy = match options & 1 {
        0 => Recovery::Strict,
        _ => Recovery::TruncateAtCorruption,
    };
    let compress = options & 2 != 0;
    let scan = inspect::scan_bytes(bytes, |_| {}).expect("a scan of memory");
    let memory = MemoryStorage::from_bytes(bytes);
    let builder = Wal::open("fuzz").storage(memory.clone()).recovery(policy);
    let builder = if compress {
        builder.compressor(Rle)
    } else {
        builder
    };
    let wal = match builder.build() {
        Ok(wal) => wal,
        Err(error) => {
            // Refused: for the reason the scan gives, and untouched.
            let expected = match scan.end {
                // (Errors compare by kind: the details are not compared.)
                LogEnd::NotALog => Error::not_a_log(Details::new()),
                LogEnd::Corrupted { .. } if policy == Recovery::Strict => {
                    Error::corrupted(Details::new())
                }
                other => panic!("open failed with {error} on a log that ends {other:?}"),
            };
            assert_eq!(error, expected);
            assert_eq!(memory.to_bytes(), bytes, "refused, yet modified");
            return;
        }
    };
    assert!(scan.end != LogEnd::NotALog, "opened somebody else's file");
    let mut events = Vec::new();
    let replayed = wal.replay(0, |event| {
        events.push(event);
        Ok(())
    });
    match replayed {
        Ok(()) => {
            assert_eq!(events.len() as u64, scan.events);
            assert!(events.windows(2).all(|w| w[0].lsn < w[1].lsn));
            assert_eq!(events.last().map_or(0, |e| e.lsn), scan.last_lsn);
        }
        // Compressed frames pass their CRC, but their region may not
        // decompress, or not to whole records.
        Err(_) => assert!(scan.compressed_frames > 0, "replay failed: {replayed:?}"),
    }
    assert_eq!(wal.last_lsn(), scan.last_lsn);
    // An append lands right after what was recovered, and survives.
    match wal.append("after recovery") {
        Ok(lsn) => assert_eq!(lsn, scan.last_lsn + 1),
        Err(error) => {
            assert_eq!(scan.last_lsn, u64::MAX);
            assert_eq!(error, Error::InvalidLsn);
        }
    }
    wal.shutdown(Duration::from_secs(5)).expect("shutdown");
    let again = inspect::scan_bytes(&memory.to_bytes(), |_| {}).expect("a scan");
    assert_eq!(again.end, LogEnd::Clean, "after recovery and an append");
    assert!(again.frames >= scan.frames.min(1));
}

/// A cursor over the fuzz input; past its end it reads zeros.
pub struct Input<'a>(pub &'a [u8]);

impl Input<'_> {
    pub fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *first
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    pub fn take(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.0.len());
        let (taken, rest) = self.0.split_at(n);
        self.0 = rest;
        taken.to_vec()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The sync mode the byte `b` picks.
pub fn mode(b: u8) -> SyncMode {
    match b % 3 {
        0 => SyncMode::Never,
        1 => SyncMode::Batch,
        _ => SyncMode::Interval(Duration::from_micros(200)),
    }
}
