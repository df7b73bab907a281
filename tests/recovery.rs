//! Recovery at open, as docs/format.md says: clean, torn tail (cut, synced,
//! reported), corruption followed by valid frames (refused, untouched, or
//! cut on request), not a log (refused, untouched).

use rewal::inspect::{self, LogEnd};
use rewal::{Error, Recovery, Wal};
use rewal_testkit::Scratch;
use std::path::Path;
use std::time::Duration;

/// Writes `n` single events "event-<i>" and returns the frame offsets.
fn write_log(path: &Path, n: usize) -> Vec<u64> {
    let wal = Wal::open(path).build().unwrap();
    for i in 0..n {
        wal.append(format!("event-{i}")).unwrap();
    }
    wal.shutdown(Duration::from_secs(1)).unwrap();
    let mut offsets = Vec::new();
    inspect::scan_file(path, |frame| offsets.push(frame.offset)).unwrap();
    offsets
}

fn lsns(path: &Path) -> Vec<u64> {
    rewal_testkit::read_all(path)
        .iter()
        .map(|e| e.lsn)
        .collect()
}

#[test]
fn a_clean_log_reopens_untouched() {
    let dir = Scratch::new("clean");
    let path = dir.path("a.wal");
    write_log(&path, 5);
    let before = std::fs::read(&path).unwrap();
    let scan = inspect::scan_file(&path, |_| {}).unwrap();
    assert_eq!(scan.end, LogEnd::Clean);
    assert_eq!(
        (scan.frames, scan.events, scan.first_lsn, scan.last_lsn),
        (5, 5, 1, 5)
    );
    assert_eq!(lsns(&path), vec![1, 2, 3, 4, 5]);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_torn_tail_is_cut_at_every_possible_length() {
    let dir = Scratch::new("torn");
    let path = dir.path("a.wal");
    let offsets = write_log(&path, 3);
    let full = std::fs::read(&path).unwrap();
    let last = offsets[2] as usize;
    // Every cut inside the last frame is a torn tail: the frame is lost, the
    // first two survive, and the file is cut back to them.
    for cut in last + 1..full.len() {
        std::fs::write(&path, &full[..cut]).unwrap();
        let scan = inspect::scan_file(&path, |_| {}).unwrap();
        assert_eq!(
            scan.end,
            LogEnd::TornTail {
                offset: last as u64
            },
            "cut at {cut}"
        );
        let wal = Wal::open(&path).build().unwrap();
        assert_eq!(wal.stats().corruptions, 1);
        assert_eq!(wal.last_lsn(), 2);
        assert_eq!(wal.append("after").unwrap(), 3);
        wal.shutdown(Duration::from_secs(1)).unwrap();
        assert_eq!(lsns(&path), vec![1, 2, 3]);
    }
}

#[test]
fn zeros_after_the_last_frame_are_the_clean_end_and_a_clean_close_cuts_them() {
    let dir = Scratch::new("zeros");
    let path = dir.path("a.wal");
    write_log(&path, 2);
    let mut bytes = std::fs::read(&path).unwrap();
    let len = bytes.len() as u64;
    let frames = bytes.clone();
    bytes.extend_from_slice(&[0; 4096]);
    std::fs::write(&path, &bytes).unwrap();
    let scan = inspect::scan_file(&path, |_| {}).unwrap();
    assert_eq!((scan.end, scan.valid_len), (LogEnd::Clean, len));
    let events: Vec<u64> = inspect::read_file(&path, 0, None)
        .unwrap()
        .map(|event| event.unwrap().lsn)
        .collect();
    assert_eq!(events, vec![1, 2]);
    // Opening keeps the zeros (space for the next writes) and counts no
    // corruption; the next event goes right after the frames.
    let wal = Wal::open(&path).build().unwrap();
    assert_eq!(wal.stats().corruptions, 0);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), len + 4096);
    wal.append("third").unwrap();
    wal.flush().unwrap();
    assert_eq!(lsns_while_open(&wal), vec![1, 2, 3]);
    wal.shutdown(Duration::from_secs(1)).unwrap();
    // A clean shutdown cuts the zeros off: frames only.
    let after = std::fs::read(&path).unwrap();
    assert_eq!(&after[..frames.len()], &frames[..]);
    assert_eq!(
        inspect::scan_bytes(&after, |_| {}).unwrap().valid_len,
        after.len() as u64
    );
    assert_eq!(lsns(&path), vec![1, 2, 3]);
}

fn lsns_while_open(wal: &Wal) -> Vec<u64> {
    let mut lsns = Vec::new();
    wal.replay(0, |event| {
        lsns.push(event.lsn);
        Ok(())
    })
    .unwrap();
    lsns
}

#[test]
fn a_file_of_only_zeros_or_a_partial_first_frame_is_ours() {
    let dir = Scratch::new("zerofile");
    let path = dir.path("a.wal");
    for content in [&[0u8; 100][..], b"EW", b"EWAL\x02\x00\x00"] {
        std::fs::write(&path, content).unwrap();
        let wal = Wal::open(&path).build().unwrap();
        assert_eq!(wal.append("first").unwrap(), 1);
        wal.shutdown(Duration::from_secs(1)).unwrap();
        assert_eq!(lsns(&path), vec![1]);
    }
}

#[test]
fn a_corruption_followed_by_valid_frames_is_refused_and_left_untouched() {
    let dir = Scratch::new("corrupt");
    let path = dir.path("a.wal");
    let offsets = write_log(&path, 5);
    let mut bytes = std::fs::read(&path).unwrap();
    let third = offsets[2] as usize;
    bytes[third + 30] ^= 0xFF; // a payload byte of the third frame
    std::fs::write(&path, &bytes).unwrap();

    let scan = inspect::scan_file(&path, |_| {}).unwrap();
    assert_eq!(
        scan.end,
        LogEnd::Corrupted {
            offset: third as u64,
            next_valid: Some(offsets[3]),
        }
    );
    assert_eq!(scan.last_lsn, 2);
    assert!(matches!(
        Wal::open(&path).build().unwrap_err(),
        Error::Corrupted { .. }
    ));
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "file untouched");
    // Refusing released the lock: a second attempt gets the same answer.
    assert!(matches!(
        Wal::open(&path).build().unwrap_err(),
        Error::Corrupted { .. }
    ));

    // The user decides: cut at the corruption.
    let wal = Wal::open(&path)
        .recovery(Recovery::TruncateAtCorruption)
        .build()
        .unwrap();
    assert_eq!(wal.last_lsn(), 2);
    assert_eq!(wal.stats().corruptions, 1);
    wal.shutdown(Duration::from_secs(1)).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), third as u64);
    assert_eq!(lsns(&path), vec![1, 2]);
}

#[test]
fn a_damaged_header_in_the_middle_is_a_corruption_too() {
    let dir = Scratch::new("header");
    let path = dir.path("a.wal");
    let offsets = write_log(&path, 4);
    let mut bytes = std::fs::read(&path).unwrap();
    // batch_size of frame 2 claims far past the end.
    let at = offsets[1] as usize + 20;
    bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let scan = inspect::scan_file(&path, |_| {}).unwrap();
    assert_eq!(
        scan.end,
        LogEnd::Corrupted {
            offset: offsets[1],
            next_valid: Some(offsets[2]),
        }
    );
    assert!(matches!(
        Wal::open(&path).build().unwrap_err(),
        Error::Corrupted { .. }
    ));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_file_that_is_not_a_log_is_refused_and_never_modified() {
    let dir = Scratch::new("notalog");
    let path = dir.path("someone-elses.db");
    let mut content = b"SQLite format 3\0".to_vec();
    content.extend((0..5000u32).map(|i| (i * 7) as u8));
    std::fs::write(&path, &content).unwrap();
    assert_eq!(
        inspect::scan_file(&path, |_| {}).unwrap().end,
        LogEnd::NotALog
    );
    for policy in [Recovery::Strict, Recovery::TruncateAtCorruption] {
        assert!(matches!(
            Wal::open(&path).recovery(policy).build().unwrap_err(),
            Error::NotALog { .. }
        ));
        assert_eq!(std::fs::read(&path).unwrap(), content);
    }
    // A single non-zero byte that is not 'E' is not ours either.
    std::fs::write(&path, b"x").unwrap();
    assert!(matches!(
        Wal::open(&path).build().unwrap_err(),
        Error::NotALog { .. }
    ));
    assert_eq!(std::fs::read(&path).unwrap(), b"x");
}

#[test]
fn recovery_is_idempotent() {
    let dir = Scratch::new("idem");
    let path = dir.path("a.wal");
    write_log(&path, 3);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"EWAL\x02\x00\x01\x00garbage");
    std::fs::write(&path, &bytes).unwrap();
    // A "crash" after scanning but before cutting is simply the same file
    // again; after cutting, a second open finds a clean log.
    for _ in 0..3 {
        let wal = Wal::open(&path).build().unwrap();
        assert_eq!(wal.last_lsn(), 3);
        wal.close().unwrap();
    }
    assert_eq!(
        inspect::scan_file(&path, |_| {}).unwrap().end,
        LogEnd::Clean
    );
}

#[test]
fn a_corruption_is_found_in_logs_read_through_the_read_buffer_too() {
    // MemoryStorage has no map: recovery and replay use the read buffer.
    let dir = Scratch::new("membuf");
    let path = dir.path("a.wal");
    let offsets = write_log(&path, 5);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[offsets[1] as usize + 26] ^= 1;
    let memory = rewal::MemoryStorage::from_bytes(bytes.clone());
    assert!(matches!(
        Wal::open("m").storage(memory.clone()).build().unwrap_err(),
        Error::Corrupted { .. }
    ));
    assert_eq!(memory.to_bytes(), bytes);
    assert_eq!(
        inspect::scan_bytes(&bytes, |_| {}).unwrap().end,
        LogEnd::Corrupted {
            offset: offsets[1],
            next_valid: Some(offsets[2]),
        }
    );
}

#[test]
fn large_frames_beyond_the_read_window_are_checked_and_replayed() {
    // 3 MiB payloads: several of the 1 MiB read window, so checks stream.
    let memory = rewal::MemoryStorage::new();
    let big: Vec<u8> = (0..3 << 20).map(|i: u32| (i % 251) as u8).collect();
    {
        let wal = Wal::open("m").storage(memory.clone()).build().unwrap();
        for _ in 0..3 {
            wal.append(&big).unwrap();
        }
        wal.append("small").unwrap();
        wal.shutdown(Duration::from_secs(1)).unwrap();
    }
    let mut bytes = memory.to_bytes();
    let wal = Wal::open("m").storage(memory.clone()).build().unwrap();
    let mut seen = 0;
    wal.replay_borrowed(0, |event| {
        if event.lsn <= 3 {
            assert!(event.payload == &big[..]);
        }
        seen += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, 4);
    wal.close().unwrap();
    // A flipped byte deep inside the second big frame is found.
    let second = 28 + 6 + big.len();
    bytes[second + 2_500_000] ^= 0x10;
    let damaged = rewal::MemoryStorage::from_bytes(bytes);
    assert!(matches!(
        Wal::open("m").storage(damaged).build().unwrap_err(),
        Error::Corrupted { .. }
    ));
}

/// Writes a log large enough for open to check it on several cores (over
/// 16 MiB), as batches of 1 KiB events; returns the frame offsets.
fn write_large_log(path: &Path) -> Vec<u64> {
    let wal = Wal::open(path).build().unwrap();
    for i in 0..400u32 {
        let mut batch = rewal::Batch::new();
        for j in 0..50u32 {
            let mut payload = vec![(i ^ j) as u8; 1024];
            payload[..8].copy_from_slice(&u64::from(i * 50 + j).to_le_bytes());
            batch.add(payload);
        }
        wal.append_batch(&batch).unwrap();
    }
    wal.shutdown(Duration::from_secs(5)).unwrap();
    let mut offsets = Vec::new();
    inspect::scan_file(path, |frame| offsets.push(frame.offset)).unwrap();
    offsets
}

#[test]
fn a_large_log_is_recovered_as_the_serial_scan_reads_it() {
    // Open checks a large mapped log on several cores; the inspect scan
    // (which visits frames) walks it on one. They must agree on a clean
    // log, and on where damage in any part stops the log.
    let dir = Scratch::new("large");
    let path = dir.path("a.wal");
    let offsets = write_large_log(&path);
    let clean = std::fs::read(&path).unwrap();
    assert!(clean.len() > 16 << 20, "{} bytes", clean.len());
    let wal = Wal::open(&path).build().unwrap();
    assert_eq!(wal.last_lsn(), 20_000);
    wal.shutdown(Duration::from_secs(5)).unwrap();

    // Damage early, in the middle (where the parts meet) and late.
    for at in [
        offsets[3],
        offsets[200],
        offsets[201] - 7,
        offsets[398] + 100,
    ] {
        let mut data = clean.clone();
        data[at as usize + 40] ^= 0x10;
        std::fs::write(&path, &data).unwrap();
        let serial = inspect::scan_file(&path, |_| {}).unwrap();
        let LogEnd::Corrupted { offset, .. } = serial.end else {
            panic!("damage at {at}: {:?}", serial.end);
        };
        match Wal::open(&path).build() {
            Err(Error::Corrupted { .. }) => {}
            other => panic!("strict open after damage at {at}: {other:?}"),
        }
        assert_eq!(std::fs::read(&path).unwrap(), data, "strict open kept it");
        let wal = Wal::open(&path)
            .recovery(Recovery::TruncateAtCorruption)
            .build()
            .unwrap();
        assert_eq!(wal.last_lsn(), serial.last_lsn, "damage at {at}");
        wal.shutdown(Duration::from_secs(5)).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), offset);
        for removed in std::fs::read_dir(dir.path(".")).unwrap() {
            let name = removed.unwrap().file_name();
            if name.to_string_lossy().contains(".removed-") {
                std::fs::remove_file(dir.path(&name.to_string_lossy())).unwrap();
            }
        }
    }
}
