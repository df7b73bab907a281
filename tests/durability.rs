//! flush / sync / wait_durable, the sync modes, and the failed state.

use rewal::{Error, MemoryStorage, SyncMode, Wal};
use rewal_testkit::fault::{FaultStorage, Faults};
use rewal_testkit::Scratch;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

fn faulty(faults: &Arc<Faults>, mode: SyncMode) -> (Wal, MemoryStorage) {
    let memory = MemoryStorage::new();
    let wal = Wal::open("faulty")
        .storage(FaultStorage::new(memory.clone(), faults))
        .sync_mode(mode)
        .build()
        .unwrap();
    (wal, memory)
}

#[test]
fn wait_durable_returns_after_a_sync_that_covers_the_lsn() {
    let faults = Faults::new();
    let (wal, memory) = faulty(&faults, SyncMode::Never);
    let lsn = wal.append("x").unwrap();
    let syncs_before = faults.syncs.load(SeqCst);
    wal.wait_durable(lsn).unwrap();
    assert_eq!(faults.syncs.load(SeqCst), syncs_before + 1);
    assert!(!memory.is_empty(), "written before it was synced");
    // Already durable: no new sync.
    wal.wait_durable(lsn).unwrap();
    assert_eq!(faults.syncs.load(SeqCst), syncs_before + 1);
    assert_eq!(wal.wait_durable(lsn + 1), Err(Error::InvalidLsn));
    assert_eq!(wal.wait_durable(0), Ok(()));
}

#[test]
fn sync_makes_everything_appended_before_durable() {
    let dir = Scratch::new("sync");
    let wal = Wal::open(dir.path("a.wal")).build().unwrap();
    for _ in 0..10 {
        wal.append("x").unwrap();
    }
    wal.sync().unwrap();
    let stats = wal.stats();
    assert_eq!(stats.events_written, 10);
    assert_eq!(stats.bytes_synced, stats.bytes_written);
    assert!(stats.sync_count >= 1);
    // Nothing new: no new sync.
    wal.sync().unwrap();
    assert_eq!(wal.stats().sync_count, stats.sync_count);
}

// Stalls the writer thread; the inline pipeline has none.
#[cfg(not(any(target_family = "wasm", rewal_inline)))]
#[test]
fn many_waiters_share_one_sync() {
    let faults = Faults::new();
    let (wal, _memory) = faulty(&faults, SyncMode::Never);
    wal.append("first").unwrap();
    wal.flush().unwrap();
    // Stall the writer so every waiter queues up behind one write.
    faults.close_gate();
    wal.append("stall").unwrap();
    faults.wait_stalled();
    let syncs_before = faults.syncs.load(SeqCst);
    std::thread::scope(|scope| {
        for i in 0..8 {
            let wal = &wal;
            scope.spawn(move || {
                let lsn = wal.append(format!("waiter {i}")).unwrap();
                wal.wait_durable(lsn).unwrap();
            });
        }
        std::thread::sleep(Duration::from_millis(100));
        faults.open_gate();
    });
    let syncs = faults.syncs.load(SeqCst) - syncs_before;
    assert!((1..=2).contains(&syncs), "8 waiters took {syncs} syncs");
    assert_eq!(wal.stats().events_written, 10);
}

#[test]
fn sync_mode_batch_syncs_every_write() {
    let faults = Faults::new();
    let (wal, _memory) = faulty(&faults, SyncMode::Batch);
    for _ in 0..5 {
        wal.append("x").unwrap();
        wal.flush().unwrap();
    }
    let stats = wal.stats();
    assert_eq!(stats.write_count, 5);
    // One per write (opening an empty log syncs nothing).
    assert_eq!(faults.syncs.load(SeqCst), stats.write_count);
    assert_eq!(stats.bytes_synced, stats.bytes_written);
}

#[test]
fn sync_mode_never_does_not_sync_on_its_own() {
    let faults = Faults::new();
    let (wal, _memory) = faulty(&faults, SyncMode::Never);
    for _ in 0..5 {
        wal.append("x").unwrap();
        wal.flush().unwrap();
    }
    assert_eq!(wal.stats().sync_count, 0);
}

// A timer in the writer thread; see the inline variant below.
#[cfg(not(any(target_family = "wasm", rewal_inline)))]
#[test]
fn sync_mode_interval_syncs_even_when_appends_stop() {
    let faults = Faults::new();
    let (wal, _memory) = faulty(&faults, SyncMode::Interval(Duration::from_millis(20)));
    wal.append("only one").unwrap();
    wal.flush().unwrap();
    let deadline = std::time::Instant::now() + SECOND * 5;
    while wal.stats().sync_count == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no interval sync within 5 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let stats = wal.stats();
    assert_eq!(stats.bytes_synced, stats.bytes_written);
    // Nothing more written: no more syncs.
    std::thread::sleep(Duration::from_millis(80));
    assert_eq!(wal.stats().sync_count, stats.sync_count);
}

#[test]
fn a_failed_write_fails_the_log_for_every_later_call() {
    let faults = Faults::new();
    let (wal, _memory) = faulty(&faults, SyncMode::Never);
    wal.append("fine").unwrap();
    wal.flush().unwrap();
    faults.fail_writes_after.store(0, SeqCst);
    let lsn = wal.append("lost").unwrap();
    let error = wal.flush().unwrap_err();
    assert!(
        matches!(&error, Error::Io(e) if e.to_string().contains("disk full")),
        "{error}"
    );
    assert_eq!(wal.append("more"), Err(error.clone()));
    assert_eq!(wal.flush(), Err(error.clone()));
    assert_eq!(wal.sync(), Err(error.clone()));
    assert_eq!(wal.wait_durable(lsn), Err(error.clone()));
    // Nothing after the failure is reported durable; shutdown reports it too
    // and still releases the storage.
    assert_eq!(wal.shutdown(SECOND), Err(error));
    assert_eq!(wal.state(), rewal::State::Closed);
    assert_eq!(wal.last_lsn(), 1);
    assert_eq!(wal.stats().queue_len, 0);
}

#[test]
fn a_failed_sync_fails_the_log() {
    let faults = Faults::new();
    let (wal, _memory) = faulty(&faults, SyncMode::Never);
    faults.fail_syncs.store(true, SeqCst);
    let lsn = wal.append("x").unwrap();
    let error = wal.wait_durable(lsn).unwrap_err();
    assert!(matches!(&error, Error::Io(e) if e.to_string().contains("sync failed")));
    assert_eq!(wal.append("y"), Err(error));
}

#[test]
fn a_storage_that_takes_nothing_is_a_short_write() {
    let faults = Faults::new();
    let (wal, _memory) = faulty(&faults, SyncMode::Never);
    faults.zero_writes.store(true, SeqCst);
    wal.append("x").unwrap();
    assert_eq!(wal.flush(), Err(Error::ShortWrite));
}

#[test]
fn partial_writes_are_continued_until_complete() {
    let faults = Faults::new();
    faults.max_write.store(7, SeqCst);
    let (wal, memory) = faulty(&faults, SyncMode::Never);
    for i in 0..20u8 {
        wal.append([i; 33]).unwrap();
    }
    wal.flush().unwrap();
    let (events, _, error) = rewal::decode_all_batches(&memory.to_bytes(), None);
    assert!(error.is_none());
    assert_eq!(events.len(), 20);
    assert_eq!(events[19].payload, [19u8; 33]);
}

#[test]
fn durable_means_on_disk_for_real_files() {
    // A real file, real fsync: after wait_durable the bytes are in the file
    // as seen through a separate descriptor.
    let dir = Scratch::new("real");
    let path = dir.path("a.wal");
    let wal = Wal::open(&path).build().unwrap();
    let lsn = wal.append_with_meta("payload", "meta").unwrap();
    wal.wait_durable(lsn).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let (events, _, error) = rewal::decode_all_batches(&bytes, None);
    assert!(error.is_none());
    assert_eq!(events.len(), 1);
    assert_eq!(wal.stats().sync_count, 1);
}

// Without a thread, the interval is honoured at the flush points.
#[cfg(any(target_family = "wasm", rewal_inline))]
#[test]
fn sync_mode_interval_syncs_at_the_next_flush_point_once_due() {
    let faults = Faults::new();
    let (wal, _memory) = faulty(&faults, SyncMode::Interval(Duration::from_millis(20)));
    wal.append("x").unwrap();
    wal.flush().unwrap();
    let first = wal.stats().sync_count;
    std::thread::sleep(Duration::from_millis(40));
    wal.append("y").unwrap();
    wal.flush().unwrap();
    let stats = wal.stats();
    assert!(
        stats.sync_count > first,
        "no sync once the interval had passed"
    );
    assert_eq!(stats.bytes_synced, stats.bytes_written);
}
