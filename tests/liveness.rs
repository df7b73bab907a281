//! Calls that must return: features combined (a burst of appends beside one
//! durable wait, an interval beside a flush, a live reader beside a
//! shutdown). Each test here failed before its fix (issue 19, defects 1, 2
//! and 7); a watchdog turns a hang into a failure. (Threads: not on
//! wasm32.)
#![cfg(not(target_family = "wasm"))]

use rewal::{SyncMode, Wal};
use rewal_testkit::campaign::within;
use rewal_testkit::Scratch;
use std::sync::Arc;
use std::time::{Duration, Instant};

const WATCHDOG: Duration = Duration::from_secs(60);

// Defect 1: an appender blocked on a full queue was taken, at the end of a
// turn on a caller's thread, for a caller that would take the next turn;
// nobody did, and nobody woke the writer thread. One durable wait beside a
// burst was enough (6 runs in 10).
#[test]
fn d1_a_burst_beside_one_durable_wait_always_finishes() {
    let scratch = Scratch::new("live-burst");
    for round in 0..8 {
        let path = scratch.path(&format!("burst-{round}.wal"));
        within("a burst beside one durable wait", WATCHDOG, move || {
            let wal = Arc::new(Wal::open(&path).queue_capacity(64).build().unwrap());
            let other = Arc::clone(&wal);
            let waiter = std::thread::spawn(move || {
                let lsn = other.append("first").unwrap();
                other.wait_durable(lsn)
            });
            for i in 0..20_000 {
                wal.append(format!("live {i}")).unwrap();
            }
            waiter.join().unwrap().unwrap();
            wal.flush().unwrap();
            assert_eq!(wal.last_lsn(), 20_001);
        });
    }
}

// Defect 1, the same with one flush and a log kept as segments.
#[test]
fn d1_a_burst_beside_one_flush_on_segments_always_finishes() {
    let scratch = Scratch::new("live-burst-dir");
    for round in 0..8 {
        let dir = scratch.path(&format!("dir-{round}"));
        within("a burst beside one flush", WATCHDOG, move || {
            let wal = Arc::new(
                Wal::open_dir(&dir)
                    .segment_size(4096)
                    .queue_capacity(64)
                    .build()
                    .unwrap(),
            );
            let other = Arc::clone(&wal);
            let flusher = std::thread::spawn(move || {
                other.append("first").unwrap();
                other.flush()
            });
            for i in 0..5_000 {
                wal.append(format!("live {i}")).unwrap();
            }
            flusher.join().unwrap().unwrap();
            wal.flush().unwrap();
            assert_eq!(wal.last_lsn(), 5_001);
        });
    }
}

// Defect 2: under `SyncMode::Interval(d)`, what a flush wrote (on the
// caller's thread) was never synced when no more appends came. The README
// promises a sync at most `d` after data is written.
#[test]
fn d2_an_interval_syncs_what_a_flush_wrote() {
    if !rewal_platform::HAS_THREADS {
        return; // no writer thread: the inline pipeline syncs at flush points
    }
    let scratch = Scratch::new("live-interval");
    let wal = Wal::open(scratch.path("interval.wal"))
        .sync_mode(SyncMode::Interval(Duration::from_millis(20)))
        .build()
        .unwrap();
    wal.append("written by the flush").unwrap();
    wal.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while wal.stats().sync_count == 0 {
        assert!(
            Instant::now() < deadline,
            "no interval sync 20 s after a flush under Interval(20 ms)"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let stats = wal.stats();
    assert_eq!(stats.bytes_synced, stats.bytes_written);
}

// Defect 7: a live reader at the end of the log slept through a shutdown or
// a close (with `Duration::MAX`, for ever). `next_wait` returns `Ok(None)`
// once the log is closed.
#[test]
fn d7_a_live_reader_returns_when_the_log_shuts_down_or_closes() {
    if !rewal_platform::HAS_THREADS {
        return; // no writer thread: a reader at the end does not wait
    }
    let scratch = Scratch::new("live-reader");
    for (n, shutdown) in [(0, true), (1, false)] {
        for dir in [false, true] {
            let path = scratch.path(&format!("reader-{n}-{dir}"));
            let wal = if dir {
                Wal::open_dir(&path).segment_size(4096).build().unwrap()
            } else {
                Wal::open(&path).build().unwrap()
            };
            let wal = Arc::new(wal);
            wal.append("one").unwrap();
            let mut events = wal.iterator(0).unwrap();
            let reader = std::thread::spawn(move || {
                let first = events.next_wait(Duration::MAX).unwrap().unwrap();
                assert_eq!(first.lsn, 1);
                let started = Instant::now();
                let end = events.next_wait(Duration::MAX);
                (end, started.elapsed())
            });
            // Let the reader reach the end and wait there.
            std::thread::sleep(Duration::from_millis(100));
            if shutdown {
                wal.shutdown(Duration::from_secs(5)).unwrap();
            } else {
                wal.close().unwrap();
            }
            let (end, waited) = within("a live reader beside a close", WATCHDOG, move || {
                reader.join().unwrap()
            });
            assert_eq!(end.unwrap(), None, "shutdown {shutdown}, dir {dir}");
            assert!(waited < WATCHDOG);
        }
    }
}

// Defect 7, the other half: events written during the shutdown's drain
// still reach a reader waiting at the end, then `Ok(None)`.
#[test]
fn d7_a_live_reader_sees_the_drain_then_the_end() {
    if !rewal_platform::HAS_THREADS {
        return; // no writer thread: a reader at the end does not wait
    }
    let scratch = Scratch::new("live-drain");
    let wal = Arc::new(Wal::open(scratch.path("drain.wal")).build().unwrap());
    let mut events = wal.iterator(0).unwrap();
    let reader = std::thread::spawn(move || {
        let mut lsns = Vec::new();
        while let Some(event) = events.next_wait(Duration::MAX).unwrap() {
            lsns.push(event.lsn);
        }
        lsns
    });
    for i in 0..1000 {
        wal.append(format!("event {i}")).unwrap();
    }
    wal.shutdown(Duration::from_secs(5)).unwrap();
    let lsns = within("a reader beside a drain", WATCHDOG, move || {
        reader.join().unwrap()
    });
    assert_eq!(lsns, (1..=1000).collect::<Vec<_>>());
}
