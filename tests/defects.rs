//! Regression tests for the defects found by attacking rewal (issue 10),
//! numbered as the issue numbers them. Each failed before its fix.

use rewal::inspect::{self, LogEnd};
use rewal::{encoding, Error, MemoryStorage, Recovery, SyncMode, Wal};
use rewal_testkit::Scratch;
use std::path::Path;
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

/// The bytes of one sealed frame holding one event.
fn frame(lsn: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encoding::encode_event(&mut out, payload, b"", lsn, None).unwrap();
    out
}

fn lsns_of(path: &Path) -> Vec<u64> {
    rewal_testkit::read_all(path)
        .iter()
        .map(|e| e.lsn)
        .collect()
}

// 1. A torn last frame whose payload holds a valid frame is a torn tail,
//    not a corruption: what lies inside the torn frame's claimed extent is
//    its payload.
#[test]
fn d01_a_torn_frame_that_embeds_a_frame_is_a_torn_tail() {
    let dir = Scratch::new("d01");
    let path = dir.path("outer.wal");
    let inner = frame(1, b"hello\n");
    let mut log = frame(1, b"first");
    log.extend(frame(2, b"second"));
    let torn_at = log.len();
    // The payload: a whole log, with more after it, so that cuts land both
    // inside and after the embedded frame.
    let mut payload = inner.clone();
    payload.extend(frame(7, b"another embedded frame"));
    payload.extend_from_slice(b"tail bytes");
    log.extend(frame(3, &payload));
    for cut in torn_at + 1..log.len() {
        std::fs::write(&path, &log[..cut]).unwrap();
        let scan = inspect::scan_file(&path, |_| {}).unwrap();
        assert_eq!(
            scan.end,
            LogEnd::TornTail {
                offset: torn_at as u64
            },
            "cut at {cut}"
        );
        let wal = Wal::open(&path).build().unwrap();
        assert_eq!(wal.last_lsn(), 2, "cut at {cut}");
        wal.close().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), torn_at as u64);
    }
    // Through the read buffer as well (no map).
    for cut in torn_at + 1..log.len() {
        let memory = MemoryStorage::from_bytes(&log[..cut]);
        let wal = Wal::open("m").storage(memory.clone()).build().unwrap();
        assert_eq!(wal.last_lsn(), 2, "cut at {cut}");
    }
}

// 1, the other side: a damaged size field in the middle of a log still
// makes the frames after it a corruption (refused), even though the damaged
// header claims to reach past them.
#[test]
fn d01_a_damaged_size_in_the_middle_is_still_a_corruption() {
    let mut log = frame(1, b"one");
    let second = log.len();
    log.extend(frame(2, b"two"));
    let third = log.len();
    log.extend(frame(3, b"three"));
    log.extend(frame(4, b"four"));
    for (at, value) in [(20usize, 0x4000u32), (20, 60), (20, u32::MAX)] {
        let mut bytes = log.clone();
        let at = second + at;
        bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
        let scan = inspect::scan_bytes(&bytes, |_| {}).unwrap();
        assert_eq!(
            scan.end,
            LogEnd::Corrupted {
                offset: second as u64,
                next_valid: Some(third as u64),
            },
            "batch_size {value}"
        );
    }
}

// 2. Somebody else's file is never taken for a torn log and cut.
#[test]
fn d02_files_that_only_look_a_little_like_a_log_are_not_cut() {
    let dir = Scratch::new("d02");
    let mut image = vec![0u8; 512];
    image.extend_from_slice(b"precious data\n");
    let mut zeros_then_text = vec![0u8; 24];
    zeros_then_text.extend_from_slice(b"hello");
    let contents: Vec<Vec<u8>> = vec![
        image,
        zeros_then_text,
        b"EWALD wrote this\n".to_vec(),
        b"EWAL and then some words that are long enough for a header".to_vec(),
    ];
    for (i, content) in contents.iter().enumerate() {
        let path = dir.path(&format!("file{i}.bin"));
        std::fs::write(&path, content).unwrap();
        assert_eq!(
            inspect::scan_file(&path, |_| {}).unwrap().end,
            LogEnd::NotALog,
            "file {i}"
        );
        for policy in [Recovery::Strict, Recovery::TruncateAtCorruption] {
            let error = Wal::open(&path).recovery(policy).build().unwrap_err();
            assert!(matches!(error, Error::NotALog { .. }), "file {i}");
            assert_eq!(&std::fs::read(&path).unwrap(), content, "file {i}");
        }
    }
    // What one torn first write can leave is still ours: a header claiming
    // more than the file holds, a prefix of a header, or only zeros.
    let first = frame(1, b"a first event");
    let torn: Vec<Vec<u8>> = vec![
        first[..first.len() - 1].to_vec(),
        first[..30].to_vec(),
        first[..10].to_vec(),
        vec![0u8; 100],
    ];
    for (i, content) in torn.iter().enumerate() {
        let path = dir.path(&format!("torn{i}.wal"));
        std::fs::write(&path, content).unwrap();
        let wal = Wal::open(&path).build().unwrap();
        assert_eq!(wal.append("x").unwrap(), 1, "torn {i}");
        wal.shutdown(SECOND).unwrap();
        assert_eq!(lsns_of(&path), vec![1]);
    }
}

// 3. Reading from an LSN past the first frame checks every frame it passes:
//    a damaged frame before `from` is an error, never a silent skip, and an
//    event embedded in a payload is never returned.
#[test]
fn d03_reading_from_a_later_lsn_checks_the_frames_it_skips() {
    let dir = Scratch::new("d03");
    let path = dir.path("x.wal");
    let mut log = Vec::new();
    for i in 1..=4u64 {
        log.extend(frame(i, format!("event-{i:024}\n").as_bytes()));
    }
    log[20] = 0xc0; // the first frame's batch_size
    std::fs::write(&path, &log).unwrap();
    let mut events = inspect::read_file(&path, 2, None).unwrap();
    assert!(matches!(events.next(), Err(Error::Corrupted { .. })));

    // A frame whose payload is a frame with a later LSN: skipping by a
    // damaged header must not land on it.
    let mut log = frame(1, b"one");
    let second = log.len();
    let mut payload = vec![b'.'; 40];
    payload.extend(frame(9, b"not in the log"));
    log.extend(frame(2, &payload));
    log.extend(frame(3, b"three"));
    let claim = (second + 28 + 6 + 40) as u32; // lands on the embedded frame
    log[20..24].copy_from_slice(&claim.to_le_bytes());
    std::fs::write(&path, &log).unwrap();
    let mut events = inspect::read_file(&path, 3, None).unwrap();
    assert!(matches!(events.next(), Err(Error::Corrupted { .. })));
}

// 4. LSNs strictly increase from frame to frame; a log where they do not
//    is corrupt, for the scan, recovery and the iterator.
#[test]
fn d04_repeated_or_backward_lsns_are_a_corruption() {
    let dir = Scratch::new("d04");
    let path = dir.path("s.wal");
    let repeated = (frame(1, b"from a.wal"), frame(1, b"from b.wal"));
    let backward = (frame(5, b"five"), frame(3, b"three"));
    for (first, second) in [repeated, backward] {
        let bytes = [first.clone(), second].concat();
        let scan = inspect::scan_bytes(&bytes, |_| {}).unwrap();
        assert_eq!(
            scan.end,
            LogEnd::Corrupted {
                offset: first.len() as u64,
                next_valid: Some(first.len() as u64),
            }
        );
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            Wal::open(&path).build().unwrap_err(),
            Error::Corrupted { .. }
        ));
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        let mut events = inspect::read_file(&path, 0, None).unwrap();
        assert!(events.next().unwrap().is_some());
        assert!(matches!(events.next(), Err(Error::Corrupted { .. })));
    }
}

/// Writes panic once armed.
#[cfg(panic = "unwind")]
struct PanicWhenArmed(std::sync::Arc<std::sync::atomic::AtomicBool>);

#[cfg(panic = "unwind")]
impl rewal_testkit::hooked::StorageHooks for PanicWhenArmed {
    fn before_write(&self) {
        if self.0.load(std::sync::atomic::Ordering::SeqCst) {
            panic!("the disk caught fire");
        }
    }
}

/// Runs `f` on a thread and fails the test if it does not finish in time
/// (a hang would otherwise hang the suite).
#[cfg(not(target_family = "wasm"))]
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("{what} hung"))
}

// 5. A panicking Storage::write fails the log with an error; no caller
//    waits forever.
#[cfg(all(panic = "unwind", not(target_family = "wasm")))]
#[test]
fn d05_a_panicking_storage_fails_the_log_and_hangs_nobody() {
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::Arc;
    let armed = Arc::new(AtomicBool::new(false));
    let storage = rewal_testkit::hooked::Hooked::new(PanicWhenArmed(Arc::clone(&armed)));
    let wal = Arc::new(Wal::open("p").storage(storage).build().unwrap());
    wal.append("fine").unwrap();
    wal.flush().unwrap();
    armed.store(true, SeqCst);
    let lsn = wal.append("boom").unwrap();
    let w = Arc::clone(&wal);
    let flushed = within("flush", move || w.flush());
    assert!(matches!(flushed, Err(Error::Panicked(_))), "{flushed:?}");
    let w = Arc::clone(&wal);
    let waited = within("wait_durable", move || w.wait_durable(lsn));
    assert!(matches!(waited, Err(Error::Panicked(_))), "{waited:?}");
    let w = Arc::clone(&wal);
    let appended = within("append", move || w.append("after"));
    assert!(matches!(appended, Err(Error::Panicked(_))), "{appended:?}");
    let w = Arc::clone(&wal);
    let shut = within("shutdown", move || w.shutdown(SECOND));
    assert!(matches!(shut, Err(Error::Panicked(_))), "{shut:?}");
    within("drop", move || drop(wal));
}

/// A compressor that panics.
#[cfg(panic = "unwind")]
struct PanickyCompressor;

#[cfg(panic = "unwind")]
impl rewal::Compressor for PanickyCompressor {
    fn compress(&self, _src: &[u8], _dst: &mut Vec<u8>) -> rewal::Result<()> {
        panic!("compressor bug");
    }
    fn decompress(&self, _src: &[u8], _dst: &mut Vec<u8>) -> rewal::Result<()> {
        panic!("decompressor bug");
    }
}

// 5, the compressor: its panic is an error of the call, not of the thread.
#[cfg(panic = "unwind")]
#[test]
fn d05_a_panicking_compressor_is_an_error() {
    let wal = Wal::open("c")
        .storage(MemoryStorage::new())
        .compressor(PanickyCompressor)
        .build()
        .unwrap();
    assert!(matches!(wal.append("x"), Err(Error::Panicked(_))));
    wal.close().unwrap();

    let memory = MemoryStorage::new();
    let wal = Wal::open("c")
        .storage(memory.clone())
        .compressor(rewal_testkit::Rle)
        .build()
        .unwrap();
    wal.append("compressed").unwrap();
    wal.shutdown(SECOND).unwrap();
    let wal = Wal::open("c")
        .storage(memory)
        .compressor(PanickyCompressor)
        .build()
        .unwrap();
    assert!(matches!(wal.replay(0, |_| Ok(())), Err(Error::Panicked(_))));
}

// 6. Durations that a user may well pass as "forever" do not overflow.
#[test]
fn d06_duration_max_is_forever_not_a_panic() {
    #[cfg(not(target_family = "wasm"))]
    within("a log with Duration::MAX", duration_max);
    #[cfg(target_family = "wasm")]
    duration_max();
}

fn duration_max() {
    let dir = Scratch::new("d06");
    let wal = Wal::open(dir.path("a.wal"))
        .sync_mode(SyncMode::Interval(Duration::MAX))
        .build()
        .unwrap();
    for i in 0..100 {
        wal.append(format!("event {i}")).unwrap();
    }
    wal.flush().unwrap();
    let lsn = wal.append("last").unwrap();
    wal.wait_durable(lsn).unwrap();
    wal.append("pending").unwrap();
    wal.shutdown(Duration::MAX).unwrap();
    assert_eq!(lsns_of(&dir.path("a.wal")).len(), 102);
}

// 7. An event dropped under Backpressure::Drop is never reported durable.
#[cfg(not(any(target_family = "wasm", rewal_inline)))]
#[test]
fn d07_a_dropped_event_is_not_reported_durable() {
    use rewal_testkit::fault::{FaultStorage, Faults};
    let faults = Faults::new();
    let wal = Wal::open("bp")
        .storage(FaultStorage::new(MemoryStorage::new(), &faults))
        .backpressure(rewal::Backpressure::Drop)
        .queue_capacity(2)
        .build()
        .unwrap();
    faults.close_gate();
    wal.append("taken by the writer").unwrap();
    faults.wait_stalled();
    wal.append("queued 1").unwrap();
    wal.append("queued 2").unwrap();
    let dropped = wal.append("dropped").unwrap();
    faults.open_gate();
    wal.flush().unwrap();
    let kept = wal.append("kept").unwrap();
    wal.wait_durable(kept).unwrap();
    assert_eq!(wal.wait_durable(dropped), Err(Error::Dropped));
    assert_eq!(wal.wait_durable(dropped - 1), Ok(()));
    wal.shutdown(SECOND).unwrap();
    assert_eq!(wal.wait_durable(dropped), Err(Error::Dropped));
}

// 8. What is already true is reported first: an event the shutdown wrote
//    and synced is durable, not "closed".
#[test]
fn d08_durable_events_are_durable_after_a_shutdown() {
    let dir = Scratch::new("d08");
    let wal = Wal::open(dir.path("a.wal")).build().unwrap();
    let lsn = wal.append("written and synced by the shutdown").unwrap();
    wal.shutdown(SECOND).unwrap();
    assert_eq!(wal.wait_durable(lsn), Ok(()));
    assert_eq!(wal.flush(), Ok(()));
    assert_eq!(wal.sync(), Ok(()));
    assert_eq!(wal.append("refused"), Err(Error::Closed));
}

// 8, racing: waiters that race a shutdown never hear "closed" for an event
//    the shutdown made durable.
#[cfg(not(target_family = "wasm"))]
#[test]
fn d08_waiters_racing_a_shutdown_hear_the_truth() {
    use std::sync::Arc;
    let dir = Scratch::new("d08race");
    for round in 0..20 {
        let path = dir.path(&format!("{round}.wal"));
        let wal = Arc::new(Wal::open(&path).build().unwrap());
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let wal = Arc::clone(&wal);
                std::thread::spawn(move || {
                    let mut acked = Vec::new();
                    while let Ok(lsn) = wal.append("event") {
                        match wal.wait_durable(lsn) {
                            Ok(()) => acked.push(lsn),
                            Err(Error::Closed) => return (acked, Some(lsn)),
                            Err(error) => panic!("{error}"),
                        }
                    }
                    (acked, None)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(5));
        wal.shutdown(Duration::from_secs(5)).unwrap();
        let on_disk: std::collections::BTreeSet<u64> = lsns_of(&path).into_iter().collect();
        for waiter in waiters {
            let (acked, closed_on) = waiter.join().unwrap();
            for lsn in acked {
                assert!(on_disk.contains(&lsn));
            }
            if let Some(lsn) = closed_on {
                assert!(
                    !on_disk.contains(&lsn),
                    "LSN {lsn} is durable but its waiter heard Closed"
                );
            }
        }
    }
}

// 9. A hard link is the same file: a second open through it is refused in
//    this process on every target (WASI has no OS lock to catch it).
#[test]
fn d09_a_hard_link_does_not_open_the_same_log_twice() {
    let dir = Scratch::new("d09");
    let path = dir.path("a.wal");
    let link = dir.path("link.wal");
    let wal = Wal::open(&path).build().unwrap();
    std::fs::hard_link(&path, &link).unwrap();
    assert!(matches!(
        Wal::open(&link).build().unwrap_err(),
        Error::FileLocked { .. }
    ));
    wal.shutdown(SECOND).unwrap();
    Wal::open(&link).build().unwrap().close().unwrap();
}

// 10. A read-only reader never maps: a file truncated under it (as another
//     process's recovery or `rewal repair` may do) gives an error, not
//     SIGBUS.
#[test]
fn d10_a_file_truncated_under_a_read_only_reader_is_an_error() {
    let dir = Scratch::new("d10");
    let path = dir.path("a.wal");
    let wal = Wal::open(&path).build().unwrap();
    let payload = vec![7u8; 4000];
    for _ in 0..2000 {
        wal.append(&payload).unwrap();
    }
    wal.shutdown(SECOND).unwrap();
    let mut events = inspect::read_file(&path, 0, None).unwrap();
    assert!(events.next().unwrap().is_some());
    // Cut the file well below what the reader has seen of it.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(4096)
        .unwrap();
    let mut outcome = Ok(None);
    for _ in 0..2000 {
        outcome = events.next();
        if !matches!(outcome, Ok(Some(_))) {
            break;
        }
    }
    assert!(outcome.is_err(), "{outcome:?}");
}
