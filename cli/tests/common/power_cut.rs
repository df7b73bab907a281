//! Logs that a power cut left, written by the engine itself: events
//! written and synced, more written after the last sync and not synced,
//! the log closed without a sync (its sync mark says where the last sync
//! was), then a page after the mark zeroed, as a power cut loses a write
//! that had not reached the disk.

use std::path::Path;

const PAGE: usize = 4096;

/// The payload of event number `i`: recognisable, about 200 bytes.
fn payload(kind: &str, i: u64) -> String {
    format!("{kind} {i:04} {}", ".".repeat(190))
}

/// Zeroes the page that starts at or after `offset` plus one page.
fn lose_a_page(file: &Path, synced: u64) {
    let mut bytes = std::fs::read(file).expect("read");
    let lost = (synced as usize).div_ceil(PAGE) * PAGE + PAGE;
    assert!(lost + PAGE < bytes.len(), "frames after the lost page");
    bytes[lost..lost + PAGE].fill(0);
    std::fs::write(file, bytes).expect("write");
}

/// `cut.wal` (10 events synced, 80 not, a page lost after the mark) and
/// `cut-dir/` (a segment directory whose newest segment lost a page of
/// the events written after its last sync).
pub fn write_all(dir: &Path) {
    let file = dir.join("cut.wal");
    let wal = rewal::Wal::open(&file).build().expect("open cut.wal");
    for i in 0..10 {
        wal.append(payload("synced", i)).expect("append");
    }
    wal.sync().expect("sync");
    let synced = wal.stats().file_size;
    for i in 0..80 {
        wal.append(payload("unsynced", i)).expect("append");
    }
    wal.flush().expect("flush");
    wal.close().expect("close");
    lose_a_page(&file, synced);

    let log = dir.join("cut-dir");
    let wal = rewal::Wal::open_dir(&log)
        .segment_size(64 << 10)
        .build()
        .expect("open cut-dir");
    for i in 0..300 {
        wal.append(payload("synced", i)).expect("append");
        wal.flush().expect("flush");
    }
    wal.sync().expect("sync");
    for i in 0..60 {
        wal.append(payload("unsynced", i)).expect("append");
    }
    wal.flush().expect("flush");
    wal.close().expect("close");
    let newest = super::segments::segment_files(&log)
        .pop()
        .expect("a segment");
    let scan = rewal::inspect::scan_file(&newest, |_| {}).expect("scan");
    // The newest segment's own synced part: what its first unsynced event
    // follows (the mark is in rewal.lock; the scan of the file alone does
    // not know it).
    let mut synced_in_newest = 0;
    rewal::inspect::scan_file(&newest, |frame| {
        if frame.header.first_lsn <= 300 {
            synced_in_newest = frame.offset + u64::from(frame.header.batch_size);
        }
    })
    .expect("scan");
    assert!(scan.frames > 0);
    lose_a_page(&newest, synced_in_newest);
}
