//! The public API end to end on real files: appends, LSNs, replay, states,
//! what each state refuses, shutdown, close and reopening.

use rewal::{Batch, Error, Event, MemoryStorage, State, Wal};
use rewal_testkit::Scratch;
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

fn events(wal: &Wal, from: u64) -> Vec<Event> {
    let mut out = Vec::new();
    wal.replay(from, |event| {
        out.push(event);
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn lsns_start_at_one_and_follow_appends_and_batches() {
    let dir = Scratch::new("lsns");
    let wal = Wal::open(dir.path("a.wal")).build().unwrap();
    assert_eq!(wal.state(), State::Running);
    assert_eq!(wal.last_lsn(), 0);
    assert_eq!(wal.append("one").unwrap(), 1);
    assert_eq!(wal.append_with_meta("two", "m").unwrap(), 2);
    let mut batch = Batch::with_capacity(3);
    batch.add("three");
    batch.add_with_meta("four", "kind:x");
    batch.add(b"five");
    assert_eq!(batch.len(), 3);
    // A batch takes consecutive LSNs; append_batch returns the last one.
    assert_eq!(wal.append_batch(&batch).unwrap(), 5);
    // The batch is reusable: same content again, next LSNs.
    assert_eq!(wal.append_batch(batch).unwrap(), 8);
    wal.flush().unwrap();
    assert_eq!(wal.last_lsn(), 8);

    let got = events(&wal, 0);
    let lsns: Vec<u64> = got.iter().map(|e| e.lsn).collect();
    assert_eq!(lsns, (1..=8).collect::<Vec<_>>());
    assert_eq!(got[1].meta.as_deref(), Some(&b"m"[..]));
    assert_eq!(got[0].meta, None);
    assert_eq!(got[3].payload, b"four");
    assert_eq!(got[3].meta.as_deref(), Some(&b"kind:x"[..]));
    // replay from the middle starts at the first LSN >= from, even mid-batch.
    let tail: Vec<u64> = events(&wal, 4).iter().map(|e| e.lsn).collect();
    assert_eq!(tail, vec![4, 5, 6, 7, 8]);
    assert!(events(&wal, 9).is_empty());
    wal.shutdown(SECOND).unwrap();
    assert_eq!(wal.state(), State::Closed);
}

#[test]
fn a_batch_collects_and_extends_from_iterators_and_iterates_by_reference() {
    let dir = Scratch::new("collect");
    let wal = Wal::open(dir.path("a.wal")).build().unwrap();
    // Any payload type: &str, String, byte slices and vectors.
    let mut batch: Batch = ["one", "two"].into_iter().collect();
    batch.extend(vec![b"three".to_vec(), b"four".to_vec()]);
    batch.extend(std::iter::once(String::from("five")));
    let mut by_hand = Batch::new();
    for payload in ["one", "two", "three", "four", "five"] {
        by_hand.add(payload);
    }
    assert_eq!(batch, by_hand);
    let pairs: Vec<(&[u8], Option<&[u8]>)> = (&batch).into_iter().collect();
    assert_eq!(pairs.len(), 5);
    assert_eq!(pairs[2], (&b"three"[..], None));
    assert_eq!(wal.append_batch(&batch).unwrap(), 5);
    // An empty iterator collects an empty batch, refused as one.
    let empty: Batch = std::iter::empty::<&[u8]>().collect();
    assert_eq!(wal.append_batch(&empty), Err(Error::EmptyBatch));
    wal.flush().unwrap();
    let payloads: Vec<Vec<u8>> = events(&wal, 0).into_iter().map(|e| e.payload).collect();
    assert_eq!(
        payloads,
        ["one", "two", "three", "four", "five"].map(|p| p.as_bytes().to_vec())
    );
}

#[test]
fn empty_meta_reads_back_as_none() {
    let dir = Scratch::new("meta");
    let wal = Wal::open(dir.path("a.wal")).build().unwrap();
    wal.append_with_meta("p", "").unwrap();
    assert_eq!(events(&wal, 0)[0].meta, None);
}

#[test]
fn replay_and_iterator_see_appends_made_before_them_without_explicit_flush() {
    let dir = Scratch::new("visible");
    let wal = Wal::open(dir.path("a.wal")).build().unwrap();
    for i in 0..100u32 {
        wal.append(i.to_le_bytes()).unwrap();
    }
    assert_eq!(events(&wal, 0).len(), 100);
    let mut it = wal.iterator(50).unwrap();
    let first = it.next().unwrap().unwrap();
    assert_eq!(first.lsn, 50);
    assert_eq!(first.payload, 49u32.to_le_bytes());
}

#[test]
fn reopening_resumes_lsns_after_the_last_event() {
    let dir = Scratch::new("resume");
    let path = dir.path("a.wal");
    {
        let wal = Wal::open(&path).build().unwrap();
        for _ in 0..10 {
            wal.append("x").unwrap();
        }
        wal.shutdown(SECOND).unwrap();
    }
    let wal = Wal::open(&path).build().unwrap();
    assert_eq!(wal.last_lsn(), 10);
    assert_eq!(wal.append("y").unwrap(), 11);
    assert_eq!(events(&wal, 0).len(), 11);
}

#[test]
fn a_closed_log_refuses_appends_and_reads_and_tells_the_truth_about_the_rest() {
    let dir = Scratch::new("closed");
    let wal = Wal::open(dir.path("a.wal")).build().unwrap();
    wal.append("x").unwrap();
    wal.shutdown(SECOND).unwrap();
    assert_eq!(wal.state(), State::Closed);
    assert_eq!(wal.append("x"), Err(Error::Closed));
    assert_eq!(wal.append_with_meta("x", "m"), Err(Error::Closed));
    let mut batch = Batch::new();
    batch.add("x");
    assert_eq!(wal.append_batch(&batch), Err(Error::Closed));
    assert_eq!(wal.replay(0, |_| Ok(())), Err(Error::Closed));
    assert!(matches!(wal.iterator(0), Err(Error::Closed)));
    // The shutdown wrote and synced everything: that stays true.
    assert_eq!(wal.flush(), Ok(()));
    assert_eq!(wal.sync(), Ok(()));
    assert_eq!(wal.wait_durable(1), Ok(()));
    assert_eq!(wal.wait_durable(2), Err(Error::InvalidLsn));
    // A second shutdown or close does nothing, as in rewal 0.1.0.
    assert_eq!(wal.shutdown(SECOND), Ok(()));
    assert_eq!(wal.close(), Ok(()));
    assert_eq!(wal.stats().state, State::Closed);
    // What was written before the shutdown is still there.
    assert_eq!(wal.last_lsn(), 1);
}

#[test]
fn shutdown_writes_and_syncs_what_is_pending() {
    let dir = Scratch::new("drain");
    let path = dir.path("a.wal");
    let wal = Wal::open(&path).build().unwrap();
    for i in 0..1000u32 {
        wal.append(i.to_le_bytes()).unwrap();
    }
    wal.shutdown(SECOND * 10).unwrap();
    let stats = wal.stats();
    assert_eq!(stats.events_written, 1000);
    assert!(stats.sync_count >= 1, "shutdown syncs");
    assert_eq!(stats.bytes_synced, stats.bytes_written);
    drop(wal);
    assert_eq!(rewal_testkit::read_all(&path).len(), 1000);
}

// Stalls the writer thread; the inline pipeline has none (variant below).
#[cfg(not(any(target_family = "wasm", rewal_inline)))]
#[test]
fn close_discards_unwritten_events_and_counts_them_as_drops() {
    let faults = rewal_testkit::fault::Faults::new();
    let memory = MemoryStorage::new();
    let wal = Wal::open("mem")
        .storage(rewal_testkit::fault::FaultStorage::new(
            memory.clone(),
            &faults,
        ))
        .build()
        .unwrap();
    wal.append("written").unwrap();
    wal.flush().unwrap();
    faults.close_gate();
    wal.append("stalls the writer").unwrap();
    faults.wait_stalled();
    wal.append("still queued 1").unwrap();
    wal.append("still queued 2").unwrap();
    // close must not wait for the gate forever: open it from another thread
    // once close has discarded the queue.
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(50));
            faults.open_gate();
        });
        wal.close().unwrap();
    });
    assert_eq!(wal.state(), State::Closed);
    assert_eq!(wal.stats().drops, 2);
    // The stalled write completed; the discarded ones never reached storage.
    let bytes = memory.to_bytes();
    let (events, _, error) = rewal::decode_all_batches(&bytes, None);
    assert!(error.is_none());
    let payloads: Vec<&[u8]> = events.iter().map(|e| &e.payload[..]).collect();
    assert_eq!(payloads, vec![&b"written"[..], b"stalls the writer"]);
}

#[test]
fn reopening_after_shutdown_or_close_works_while_the_old_handle_lives() {
    let dir = Scratch::new("reopen");
    let path = dir.path("a.wal");
    let first = Wal::open(&path).build().unwrap();
    first.append("a").unwrap();
    first.shutdown(SECOND).unwrap();
    let second = Wal::open(&path).build().unwrap();
    assert_eq!(second.append("b").unwrap(), 2);
    second.flush().unwrap();
    second.close().unwrap();
    let third = Wal::open(&path).build().unwrap();
    assert_eq!(third.last_lsn(), 2);
    // `first` and `second` are still alive here.
    drop((first, second));
    third.shutdown(SECOND).unwrap();
}

#[test]
fn dropping_a_running_log_shuts_it_down_gracefully() {
    let dir = Scratch::new("drop");
    let path = dir.path("a.wal");
    {
        let wal = Wal::open(&path).build().unwrap();
        for _ in 0..500 {
            wal.append("x").unwrap();
        }
    }
    assert_eq!(rewal_testkit::read_all(&path).len(), 500);
}

#[test]
fn empty_batches_are_refused_and_take_no_lsn() {
    let dir = Scratch::new("empty");
    let wal = Wal::open(dir.path("a.wal")).build().unwrap();
    assert_eq!(wal.append_batch(Batch::new()), Err(Error::EmptyBatch));
    assert_eq!(wal.append("x").unwrap(), 1);
}

#[test]
fn oversized_meta_is_refused_whole_and_nothing_is_written() {
    let dir = Scratch::new("large");
    let wal = Wal::open(dir.path("a.wal")).build().unwrap();
    let meta = vec![b'm'; 65_536];
    assert_eq!(wal.append_with_meta("p", &meta), Err(Error::TooLarge));
    let mut batch = Batch::new();
    batch.add("fine");
    batch.add_with_meta("too much", &meta);
    assert_eq!(wal.append_batch(&batch), Err(Error::TooLarge));
    // The largest meta the format allows is fine.
    assert_eq!(wal.append_with_meta("p", &meta[..65_535]).unwrap(), 1);
    let got = events(&wal, 0);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].meta.as_ref().map(Vec::len), Some(65_535));
    // A cleared batch forgets its oversized event.
    batch.clear();
    assert!(batch.is_empty());
    batch.add("ok");
    assert_eq!(wal.append_batch(&batch).unwrap(), 2);
}

#[test]
fn stats_count_what_was_written() {
    let dir = Scratch::new("stats");
    let wal = Wal::open(dir.path("a.wal")).build().unwrap();
    wal.append("12345").unwrap();
    let mut batch = Batch::new();
    batch.add("a");
    batch.add("b");
    wal.append_batch(&batch).unwrap();
    wal.flush().unwrap();
    let stats = wal.stats();
    assert_eq!(stats.events_written, 3);
    assert_eq!(stats.batches_written, 2);
    // Frames: 28 + 6 + 5, and 28 + 2 * (6 + 1).
    assert_eq!(stats.bytes_written, 39 + 42);
    assert_eq!(stats.file_size, 81);
    assert_eq!(stats.last_lsn, 3);
    assert_eq!(stats.queue_len, 0);
    assert_eq!(stats.state, State::Running);
    assert_eq!(stats.drops, 0);
    assert_eq!(stats.corruptions, 0);
    assert!(stats.write_count >= 1 && stats.write_count <= 2);
    assert_eq!(std::fs::metadata(wal.path()).unwrap().len(), 81);
}

#[test]
fn the_same_engine_runs_on_memory_storage() {
    let memory = MemoryStorage::new();
    {
        let wal = Wal::open("in-memory")
            .storage(memory.clone())
            .build()
            .unwrap();
        wal.append_with_meta("hello", "m").unwrap();
        wal.append("world").unwrap();
        wal.shutdown(SECOND).unwrap();
    }
    let bytes = memory.to_bytes();
    // Frames: 28 + 6 + 1 + 5, and 28 + 6 + 5.
    assert_eq!(bytes.len(), 40 + 39);
    let wal = Wal::open("again")
        .storage(MemoryStorage::from_bytes(bytes))
        .build()
        .unwrap();
    let got = events(&wal, 0);
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].payload, b"world");
    assert_eq!(wal.append("more").unwrap(), 3);
}

#[cfg(any(target_family = "wasm", rewal_inline))]
#[test]
fn close_discards_buffered_events_and_counts_them_as_drops() {
    let memory = MemoryStorage::new();
    let wal = Wal::open("mem").storage(memory.clone()).build().unwrap();
    wal.append("written").unwrap();
    wal.flush().unwrap();
    wal.append("buffered 1").unwrap();
    wal.append("buffered 2").unwrap();
    wal.close().unwrap();
    assert_eq!(wal.stats().drops, 2);
    let (events, _, error) = rewal::decode_all_batches(&memory.to_bytes(), None);
    assert!(error.is_none());
    assert_eq!(events.len(), 1);
}

/// Memory storage whose `close` fails.
struct FailingClose(rewal::MemoryStorage);

impl rewal::ReadStorage for FailingClose {
    fn size(&self) -> rewal::Result<u64> {
        self.0.size()
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> rewal::Result<usize> {
        self.0.read_at(buf, offset)
    }
}

impl rewal::Storage for FailingClose {
    fn write(&mut self, buf: &[u8]) -> rewal::Result<usize> {
        self.0.write(buf)
    }
    fn sync(&self) -> rewal::Result<()> {
        self.0.sync()
    }
    fn close(&mut self) -> rewal::Result<()> {
        Err(rewal::Error::Io(std::io::Error::other(
            "the disk went away",
        )))
    }
    fn truncate(&mut self, size: u64) -> rewal::Result<()> {
        self.0.truncate(size)
    }
}

#[test]
fn only_the_call_that_stopped_the_log_reports_how_closing_went() {
    // rewal 0.1.0 answers a second shutdown or close with `Ok`: code that
    // shuts down explicitly and again in `Drop` must not see an error.
    for first_close in [true, false] {
        let wal = Wal::open("failing-close")
            .storage(FailingClose(rewal::MemoryStorage::new()))
            .build()
            .unwrap();
        wal.append("one").unwrap();
        let first = if first_close {
            wal.close()
        } else {
            wal.shutdown(Duration::from_secs(5))
        };
        assert!(first.is_err(), "the first stop reports the failed close");
        assert_eq!(wal.close(), Ok(()));
        assert_eq!(wal.shutdown(Duration::from_secs(5)), Ok(()));
        assert_eq!(wal.close(), Ok(()));
    }
}
