//! Checkpoints combined with what runs beside them: another checkpoint,
//! rotation, retention, live readers and new iterators, on real
//! directories. Each test failed before its fix (issue 19, defects 3, 4,
//! 5, 8, 9, and the smaller findings of the same runs).
#![cfg(not(target_family = "wasm"))]

use rewal::{Error, Wal};
use rewal_testkit::campaign::within;
use rewal_testkit::Scratch;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECOND: Duration = Duration::from_secs(1);
const WATCHDOG: Duration = Duration::from_secs(120);

/// The first LSN of each segment file of `dir`, oldest first.
fn segment_names(dir: &Path) -> Vec<u64> {
    let mut names: Vec<u64> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|entry| rewal::inspect::segment_lsn(entry.ok()?.file_name().to_str()?))
        .collect();
    names.sort_unstable();
    names
}

/// A log of `n` segments of one event each (an event larger than the
/// segment size closes its segment).
fn one_event_per_segment(dir: &Path, n: u64) -> Wal {
    let wal = Wal::open_dir(dir).segment_size(4096).build().unwrap();
    for i in 0..n {
        wal.append(vec![i as u8; 4100]).unwrap();
    }
    wal.flush().unwrap();
    wal
}

// Defects 3 and 4: two checkpoints at once. Each took its segments off the
// list and removed them with no order against the other: the later one
// returned (in 0.3 ms) while the earlier was still removing older
// segments, so the directory held a gap (a crash then left a log that would
// not open), and `checkpoint` said the segments were gone while they were
// not. Now one removal runs at a time, oldest first, and a checkpoint
// returns only once everything it covers is gone.
#[test]
fn d3_d4_a_checkpoint_beside_another_returns_once_its_segments_are_gone() {
    let scratch = Scratch::new("ckpt-two");
    for round in 0..3 {
        let dir = scratch.path(&format!("log-{round}"));
        let wal = Arc::new(one_event_per_segment(&dir, 300));
        let first = {
            let wal = Arc::clone(&wal);
            std::thread::spawn(move || wal.checkpoint(200))
        };
        // The second starts once the first has begun removing.
        while wal.first_lsn() == 1 {
            std::thread::yield_now();
        }
        wal.checkpoint(250).unwrap();
        // Every segment whose events are all at or below 250 is gone, and
        // what is left has no gap.
        let names = segment_names(&dir);
        assert!(
            names[0] >= 250,
            "round {round}: segment {} is still there",
            names[0]
        );
        assert!(
            names.windows(2).all(|pair| pair[1] == pair[0] + 1),
            "a gap: {names:?}"
        );
        first.join().unwrap().unwrap();
        wal.close().unwrap();
        let wal = Wal::open_dir(&dir).build().unwrap();
        assert_eq!(wal.last_lsn(), 300);
    }
}

// Defect 5: rotations beside two threads looping checkpoints failed the log
// with `FileLocked`, for good: a new segment got the inode of one just
// removed, whose in-process claim was released only after its descriptor.
#[test]
fn d5_rotations_beside_looping_checkpoints_never_fail_the_log() {
    let scratch = Scratch::new("ckpt-rotate");
    for round in 0..2 {
        let dir = scratch.path(&format!("log-{round}"));
        within("rotations beside checkpoints", WATCHDOG, move || {
            let wal = Arc::new(Wal::open_dir(&dir).segment_size(4096).build().unwrap());
            let stop = Arc::new(AtomicBool::new(false));
            let checkpointers: Vec<_> = (0..2)
                .map(|_| {
                    let (wal, stop) = (Arc::clone(&wal), Arc::clone(&stop));
                    std::thread::spawn(move || {
                        while !stop.load(Ordering::Relaxed) {
                            let through = wal.last_lsn().saturating_sub(2);
                            wal.checkpoint(through).unwrap();
                        }
                    })
                })
                .collect();
            let deadline = Instant::now() + Duration::from_millis(1500);
            while Instant::now() < deadline {
                wal.append([7u8; 4100]).unwrap();
                wal.flush().unwrap();
            }
            stop.store(true, Ordering::Relaxed);
            for thread in checkpointers {
                thread.join().unwrap();
            }
            wal.shutdown(SECOND).unwrap();
        });
    }
}

// Defect 8: a reader part-way through a segment that a checkpoint then
// removed got `Error::InvalidRecord` on a healthy log, and never saw the
// rest of its segment. A reader finishes the segment it is reading.
#[test]
fn d8_a_reader_finishes_the_segment_a_checkpoint_removed() {
    let scratch = Scratch::new("ckpt-reader");
    let dir = scratch.path("log");
    let wal = Wal::open_dir(&dir).segment_size(4096).build().unwrap();
    for i in 0..10u64 {
        wal.append(format!("{i:0100}")).unwrap();
    }
    let mut reader = wal.iterator(0).unwrap();
    for lsn in 1..=10 {
        assert_eq!(reader.next().unwrap().unwrap().lsn, lsn);
    }
    for i in 10..600u64 {
        wal.append(format!("{i:0100}")).unwrap();
    }
    wal.flush().unwrap();
    let first_segment_end = segment_names(&dir)[1] - 1;
    wal.checkpoint(wal.last_lsn() - 5).unwrap();
    // The rest of the first segment: read to its end.
    for lsn in 11..=first_segment_end {
        let event = reader.next_wait(SECOND).unwrap().unwrap();
        assert_eq!(event.lsn, lsn);
    }
    // The segments after it are gone: the reader hears so.
    assert!(matches!(
        reader.next_wait(SECOND),
        Err(Error::Checkpointed { .. })
    ));
}

// Defect 9: `iterator(first_lsn())` beside checkpoints began past the LSN
// asked, without `Error::Checkpointed` (242 of 1452 tries). The iterator
// now takes where the log begins and its segments from one moment.
#[test]
fn d9_an_iterator_from_first_lsn_never_starts_later_than_asked() {
    let scratch = Scratch::new("ckpt-iter");
    let dir = scratch.path("log");
    let wal = Arc::new(one_event_per_segment(&dir, 400));
    let checkpointer = {
        let wal = Arc::clone(&wal);
        std::thread::spawn(move || {
            for through in (0..=390).step_by(3) {
                wal.checkpoint(through).unwrap();
            }
        })
    };
    let mut tries = 0;
    while !checkpointer.is_finished() || tries < 100 {
        let asked = wal.first_lsn();
        match wal.iterator(asked) {
            Ok(mut events) => {
                let first = events.next().unwrap().unwrap();
                assert_eq!(first.lsn, asked, "asked {asked}, began at {}", first.lsn);
            }
            Err(Error::Checkpointed { .. }) => {}
            Err(error) => panic!("{error}"),
        }
        tries += 1;
    }
    checkpointer.join().unwrap();
}

// A checkpoint beyond the last LSN appended is refused, as `wait_durable`
// refuses it, and gives nothing back.
#[test]
fn a_checkpoint_beyond_the_last_appended_lsn_is_refused() {
    let scratch = Scratch::new("ckpt-beyond");
    let dir = scratch.path("log");
    let wal = one_event_per_segment(&dir, 10);
    let before = segment_names(&dir);
    assert_eq!(wal.checkpoint(11), Err(Error::InvalidLsn));
    assert_eq!(wal.wait_durable(11), Err(Error::InvalidLsn));
    assert_eq!(segment_names(&dir), before);
}

// The oldest segment renamed below its first event: the log's first LSN is
// its first event's, so reading from below it is `Error::Checkpointed`,
// not a silent start at a later event.
#[test]
fn the_first_lsn_is_the_oldest_segments_first_event() {
    let scratch = Scratch::new("ckpt-renamed");
    let dir = scratch.path("log");
    let wal = one_event_per_segment(&dir, 30);
    wal.checkpoint(22).unwrap();
    wal.shutdown(SECOND).unwrap();
    let oldest = segment_names(&dir)[0];
    assert_eq!(oldest, 23);
    std::fs::rename(
        dir.join(rewal::inspect::segment_name(23)),
        dir.join(rewal::inspect::segment_name(1)),
    )
    .unwrap();
    let wal = Wal::open_dir(&dir).build().unwrap();
    assert_eq!(wal.first_lsn(), 23);
    assert!(matches!(wal.iterator(12), Err(Error::Checkpointed { .. })));
    assert_eq!(wal.iterator(0).unwrap().next().unwrap().unwrap().lsn, 23);
}

// A directory that holds only folders is somebody else's, as `rewal
// verify` says: no log is created in it.
#[test]
fn a_directory_of_folders_is_not_a_log() {
    let scratch = Scratch::new("ckpt-folders");
    let dir = scratch.path("photos");
    std::fs::create_dir_all(dir.join("2024")).unwrap();
    assert!(matches!(
        Wal::open_dir(&dir).build().unwrap_err(),
        Error::NotALog { .. }
    ));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "untouched");
}
