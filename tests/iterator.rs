//! The iterator: owned and borrowed events, `from`, growth while iterating,
//! corruption met mid-iteration, close and err; on the map and on the read
//! buffer.

use rewal::{Error, MemoryStorage, Wal};
use rewal_testkit::Scratch;
use std::time::Duration;

fn fill(wal: &Wal, range: std::ops::Range<u32>) {
    for i in range {
        if i % 3 == 0 {
            wal.append_with_meta(i.to_le_bytes(), format!("m{i}"))
                .unwrap();
        } else {
            wal.append(i.to_le_bytes()).unwrap();
        }
    }
}

fn check_iteration(wal: &Wal) {
    fill(wal, 0..300);
    let mut it = wal.iterator(0).unwrap();
    for i in 0..300u32 {
        let event = it.next_borrowed().unwrap().unwrap();
        assert_eq!(event.lsn, u64::from(i) + 1);
        assert_eq!(event.payload, i.to_le_bytes());
        let meta = format!("m{i}");
        assert_eq!(event.meta, (i % 3 == 0).then_some(meta.as_bytes()));
    }
    assert!(it.next_borrowed().unwrap().is_none());
    // New events appear to an iterator that already reached the end.
    fill(wal, 300..310);
    wal.flush().unwrap();
    let event = it.next().unwrap().unwrap();
    assert_eq!(event.lsn, 301);
    assert_eq!(event.payload, 300u32.to_le_bytes());
    assert!(it.err().is_none());
    it.close().unwrap();
    assert_eq!(it.next(), Err(Error::Closed));

    // Starting in the middle, owned events.
    let mut it = wal.iterator(150).unwrap();
    let event = it.next().unwrap().unwrap();
    assert_eq!(
        (event.lsn, event.payload),
        (150, 149u32.to_le_bytes().to_vec())
    );
}

#[test]
fn iterates_a_file_through_its_memory_map() {
    let dir = Scratch::new("iter");
    let wal = Wal::open(dir.path("a.wal")).build().unwrap();
    check_iteration(&wal);
}

#[test]
fn iterates_memory_storage_through_the_read_buffer() {
    let wal = Wal::open("m")
        .storage(MemoryStorage::new())
        .build()
        .unwrap();
    check_iteration(&wal);
}

#[test]
fn a_frame_damaged_after_open_ends_iteration_with_corrupted() {
    let dir = Scratch::new("damage");
    let path = dir.path("a.wal");
    let wal = Wal::open(&path).build().unwrap();
    fill(&wal, 0..10);
    wal.flush().unwrap();
    // Damage the 5th frame behind the log's back (each frame here is 34 or
    // 37-38 bytes; find it with a scan).
    let mut offsets = Vec::new();
    rewal::inspect::scan_file(&path, |frame| offsets.push(frame.offset)).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[offsets[4] as usize + 27] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();

    let mut it = wal.iterator(0).unwrap();
    for lsn in 1..=4 {
        assert_eq!(it.next().unwrap().unwrap().lsn, lsn);
    }
    assert!(matches!(it.next(), Err(Error::Corrupted { .. })));
    assert!(matches!(it.err(), Some(Error::Corrupted { .. })));
    assert!(
        matches!(it.next(), Err(Error::Corrupted { .. })),
        "the error sticks"
    );
    assert_eq!(wal.stats().corruptions, 1);
    assert!(matches!(
        wal.replay(0, |_| Ok(())),
        Err(Error::Corrupted { .. })
    ));
    // Starting after the damaged frame still checks the frames before:
    // a damaged length must never make a reader land inside a payload.
    let mut it = wal.iterator(6).unwrap();
    assert!(matches!(it.next(), Err(Error::Corrupted { .. })));
}

#[test]
fn the_replay_callback_can_stop_the_replay() {
    let wal = Wal::open("m")
        .storage(MemoryStorage::new())
        .build()
        .unwrap();
    fill(&wal, 0..20);
    let mut seen = 0;
    let result = wal.replay(0, |event| {
        seen += 1;
        if event.lsn == 5 {
            return Err(Error::InvalidLsn);
        }
        Ok(())
    });
    assert_eq!(result, Err(Error::InvalidLsn));
    assert_eq!(seen, 5);
}

#[test]
fn an_iterator_after_shutdown_reads_on_through_everything_written() {
    let dir = Scratch::new("after");
    let wal = Wal::open(dir.path("a.wal")).build().unwrap();
    fill(&wal, 0..50);
    let mut it = wal.iterator(0).unwrap();
    wal.shutdown(Duration::from_secs(1)).unwrap();
    let mut n = 0;
    let end = loop {
        match it.next_borrowed() {
            Ok(Some(_)) => n += 1,
            other => break other.map(|_| ()),
        }
    };
    // The storage stays readable after its close (its map natively, its
    // descriptor everywhere): everything written before.
    assert_eq!((end, n), (Ok(()), 50));
    assert!(matches!(wal.iterator(0), Err(Error::Closed)));
}

#[test]
fn compressed_logs_replay_through_the_compressor() {
    let dir = Scratch::new("compressed");
    let path = dir.path("a.wal");
    let wal = Wal::open(&path)
        .compressor(rewal_testkit::Rle)
        .build()
        .unwrap();
    let mut batch = rewal::Batch::new();
    batch.add([7u8; 500]);
    batch.add_with_meta([8u8; 300], "meta");
    wal.append_batch(&batch).unwrap();
    wal.append([9u8; 1000]).unwrap();
    wal.shutdown(Duration::from_secs(1)).unwrap();
    let stats = wal.stats();
    assert!(stats.compressed_bytes > 0 && stats.compressed_bytes < 100);
    assert!(
        std::fs::metadata(&path).unwrap().len() < 200,
        "RLE shrank the runs"
    );
    let wal = Wal::open(&path)
        .compressor(rewal_testkit::Rle)
        .build()
        .unwrap();
    let mut events = Vec::new();
    wal.replay(0, |event| {
        events.push(event);
        Ok(())
    })
    .unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[1].payload, vec![8u8; 300]);
    assert_eq!(events[1].meta.as_deref(), Some(&b"meta"[..]));
    assert_eq!(events[2].payload, vec![9u8; 1000]);
}

/// A `sync` says it has started, then waits at a gate until the test
/// opens it.
#[cfg(not(any(target_family = "wasm", rewal_inline)))]
struct SlowSync(std::sync::Arc<(std::sync::Mutex<(bool, bool)>, std::sync::Condvar)>);

#[cfg(not(any(target_family = "wasm", rewal_inline)))]
impl rewal_testkit::hooked::StorageHooks for SlowSync {
    fn before_sync(&self) {
        let (lock, cond) = &*self.0;
        let mut state = lock.lock().unwrap();
        state.0 = true; // a sync is in progress
        cond.notify_all();
        while !state.1 {
            state = cond.wait(state).unwrap();
        }
    }
}

#[cfg(not(any(target_family = "wasm", rewal_inline)))]
#[test]
fn readers_do_not_wait_behind_a_sync() {
    use std::sync::{Arc, Condvar, Mutex};
    use std::time::Duration;
    let gate = Arc::new((Mutex::new((false, false)), Condvar::new()));
    let wal = Arc::new(
        Wal::open("slow")
            .storage(rewal_testkit::hooked::Hooked::new(SlowSync(Arc::clone(
                &gate,
            ))))
            .build()
            .unwrap(),
    );
    for i in 0..3 {
        wal.append(format!("event {i}")).unwrap();
    }
    let syncing = {
        let wal = Arc::clone(&wal);
        std::thread::spawn(move || wal.sync())
    };
    {
        let (lock, cond) = &*gate;
        let mut state = lock.lock().unwrap();
        while !state.0 {
            state = cond.wait(state).unwrap();
        }
    }
    // The sync is stuck at the gate: a reader still opens and reads.
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let wal = Arc::clone(&wal);
        std::thread::spawn(move || {
            let lsns: Vec<u64> = wal.iterator(0).unwrap().map(|e| e.unwrap().lsn).collect();
            let _ = tx.send(lsns);
        });
    }
    let read = rx.recv_timeout(Duration::from_secs(10));
    {
        let (lock, cond) = &*gate;
        lock.lock().unwrap().1 = true;
        cond.notify_all();
    }
    syncing.join().unwrap().unwrap();
    assert_eq!(
        read.expect("the reader waited behind the sync"),
        vec![1, 2, 3]
    );
}
