//! How the end of a damaged log is judged, for the shapes issue 19 found
//! judged wrongly: a last frame whose CRC matches but whose records
//! contradict its header (defect 13: it was cut as a torn tail), and a new
//! segment whose first page was lost in a power cut (defect 12: the whole
//! directory was refused as "not a log").

use rewal::inspect::{self, LogEnd};
use rewal::{encoding, Error, MemoryStorage, Recovery, Wal};

/// One sealed frame of one event.
fn frame(lsn: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encoding::encode_event(&mut out, payload, b"", lsn, None).unwrap();
    out
}

/// `frame` with its record count replaced by `count`, sealed again: its
/// CRC matches, its records do not.
fn resealed_with_count(mut frame: Vec<u8>, count: u32) -> Vec<u8> {
    frame[8..12].copy_from_slice(&count.to_le_bytes());
    let body = frame.len() - 4;
    let crc = rewal::crc::checksum(&frame[..body]);
    frame[body..].copy_from_slice(&crc.to_le_bytes());
    frame
}

// Defect 13: a torn write cannot produce a matching CRC, so a last frame
// that passes its CRC and is still wrong is a corruption: refused, the log
// untouched (a repair on request cuts it).
#[test]
fn d13_a_sealed_but_inconsistent_last_frame_is_a_corruption() {
    let mut log = frame(1, b"one");
    log.extend(frame(2, b"two"));
    let kept = log.len() as u64;
    for count in [u32::MAX, 2, 0] {
        let mut bytes = log.clone();
        bytes.extend(resealed_with_count(frame(3, b"three"), count));
        let scan = inspect::scan_bytes(&bytes, |_| {}).unwrap();
        assert!(
            matches!(scan.end, LogEnd::Corrupted { offset, .. } if offset == kept),
            "count {count}: {:?}",
            scan.end
        );
        let memory = MemoryStorage::from_bytes(bytes.clone());
        let refused = Wal::open("m").storage(memory.clone()).build().unwrap_err();
        assert!(matches!(refused, Error::Corrupted { .. }), "count {count}");
        assert_eq!(memory.to_bytes(), bytes, "untouched");
        let wal = Wal::open("m")
            .storage(memory.clone())
            .recovery(Recovery::TruncateAtCorruption)
            .build()
            .unwrap();
        assert_eq!(wal.last_lsn(), 2);
    }
}

// Defect 12, its first half: inside a directory that holds segments, a
// segment that does not begin like a log (its first page lost: zeros,
// then frames) is a damaged segment, never "not a log"; a repair opens
// the directory with every event of the older segments.
#[cfg(not(target_family = "wasm"))]
#[test]
fn d12_a_segment_that_begins_with_a_lost_page_is_never_not_a_log() {
    let scratch = rewal_testkit::Scratch::new("ending-lost-page");
    let dir = scratch.path("log");
    // Three segments of one event each (an event larger than the segment
    // size fills one), then a newest segment of one frame across two
    // pages, whose first page the power cut lost.
    let wal = Wal::open_dir(&dir).segment_size(4096).build().unwrap();
    for _ in 0..3 {
        wal.append([1u8; 4100]).unwrap();
    }
    wal.append([7u8; 6000]).unwrap();
    wal.shutdown(std::time::Duration::from_secs(1)).unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wal"))
        .collect();
    files.sort();
    let newest = files.last().unwrap();
    let mut bytes = std::fs::read(newest).unwrap();
    let older_events = 3;
    assert!(bytes.len() > 4096, "the newest segment spans two pages");
    bytes[..4096].fill(0);
    std::fs::write(newest, &bytes).unwrap();
    let opened = Wal::open_dir(&dir).build();
    assert!(!matches!(opened, Err(Error::NotALog { .. })), "{opened:?}");
    drop(opened);
    let wal = Wal::open_dir(&dir)
        .recovery(Recovery::TruncateAtCorruption)
        .build()
        .unwrap();
    assert_eq!(wal.last_lsn(), older_events);
    assert_eq!(wal.iterator(0).unwrap().count() as u64, older_events);
}
