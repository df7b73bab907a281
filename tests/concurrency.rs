//! Many threads appending at once: unique LSNs, nothing lost, frames in LSN
//! order, group commit folding appends into fewer writes. Needs threads, so
//! not built for wasm32.
#![cfg(not(target_family = "wasm"))]

use rewal::{Batch, SyncMode, Wal};
use rewal_testkit::Scratch;
use std::collections::HashSet;
use std::time::Duration;

#[test]
fn threads_appending_get_unique_lsns_and_everything_is_replayed() {
    let dir = Scratch::new("threads");
    let path = dir.path("a.wal");
    let wal = Wal::open(&path).build().unwrap();
    const THREADS: usize = 8;
    const EACH: usize = 2000;
    let assigned: Vec<Vec<(u64, Vec<u8>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let wal = &wal;
                scope.spawn(move || {
                    (0..EACH)
                        .map(|i| {
                            let payload = format!("t{t}-e{i}").into_bytes();
                            if i % 10 == 0 {
                                let mut batch = Batch::new();
                                batch.add(&payload);
                                (wal.append_batch(&batch).unwrap(), payload)
                            } else {
                                (wal.append(&payload).unwrap(), payload)
                            }
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut lsns = HashSet::new();
    for per_thread in &assigned {
        // Each thread sees its own LSNs increase.
        assert!(per_thread.windows(2).all(|w| w[0].0 < w[1].0));
        for (lsn, _) in per_thread {
            assert!(lsns.insert(*lsn), "LSN {lsn} assigned twice");
        }
    }
    assert_eq!(lsns.len(), THREADS * EACH);
    assert_eq!(*lsns.iter().max().unwrap(), (THREADS * EACH) as u64);
    wal.shutdown(Duration::from_secs(10)).unwrap();
    let stats = wal.stats();
    assert!(
        stats.write_count < stats.batches_written,
        "group commit: {} writes for {} frames",
        stats.write_count,
        stats.batches_written
    );

    // Replay after reopening: every event, LSNs strictly increasing, each
    // payload where its append said it would be.
    let events = rewal_testkit::read_all(&path);
    assert_eq!(events.len(), THREADS * EACH);
    assert!(events.windows(2).all(|w| w[0].lsn + 1 == w[1].lsn));
    for per_thread in &assigned {
        for (lsn, payload) in per_thread {
            assert_eq!(&events[(*lsn - 1) as usize].payload, payload);
        }
    }
}

#[test]
fn durable_appenders_share_syncs_under_sync_mode_batch() {
    let dir = Scratch::new("group");
    let wal = Wal::open(dir.path("a.wal"))
        .sync_mode(SyncMode::Batch)
        .build()
        .unwrap();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let wal = &wal;
            scope.spawn(move || {
                for i in 0..200 {
                    let lsn = wal.append(format!("{t}:{i}")).unwrap();
                    wal.wait_durable(lsn).unwrap();
                }
            });
        }
    });
    let stats = wal.stats();
    assert_eq!(stats.events_written, 800);
    assert_eq!(stats.bytes_synced, stats.bytes_written);
    assert!(stats.sync_count <= 800, "{} syncs", stats.sync_count);
}

#[test]
fn readers_iterate_while_writers_append() {
    let dir = Scratch::new("readers");
    let wal = Wal::open(dir.path("a.wal")).build().unwrap();
    for i in 0..100u32 {
        wal.append(i.to_le_bytes()).unwrap();
    }
    std::thread::scope(|scope| {
        let writer = {
            let wal = &wal;
            scope.spawn(move || {
                for i in 100..5000u32 {
                    wal.append(i.to_le_bytes()).unwrap();
                }
                wal.flush().unwrap();
            })
        };
        for _ in 0..4 {
            let wal = &wal;
            scope.spawn(move || {
                let mut it = wal.iterator(0).unwrap();
                let mut expected = 0u32;
                while let Some(event) = it.next_borrowed().unwrap() {
                    assert_eq!(event.payload, expected.to_le_bytes());
                    assert_eq!(event.lsn, u64::from(expected) + 1);
                    expected += 1;
                }
                assert!(expected >= 100);
            });
        }
        writer.join().unwrap();
    });
    // An iterator made now sees everything.
    let mut it = wal.iterator(4990).unwrap();
    let mut n = 0;
    while it.next().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 11);
}
