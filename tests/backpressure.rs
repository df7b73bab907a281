//! The three backpressure modes against a full queue (the writer is stalled
//! at a gate in the storage). Needs the writer thread: not on wasm32, where
//! there is no queue.
#![cfg(not(any(target_family = "wasm", rewal_inline)))]

use rewal::{Backpressure, Error, Hooks, MemoryStorage, Wal};
use rewal_testkit::fault::{FaultStorage, Faults};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

fn stalled(mode: Backpressure, hooks: impl Hooks + 'static) -> (Wal, Arc<Faults>, MemoryStorage) {
    let faults = Faults::new();
    let memory = MemoryStorage::new();
    let wal = Wal::open("bp")
        .storage(FaultStorage::new(memory.clone(), &faults))
        .backpressure(mode)
        .queue_capacity(4)
        .hooks(hooks)
        .build()
        .unwrap();
    faults.close_gate();
    wal.append("taken by the writer").unwrap();
    faults.wait_stalled();
    for i in 0..4 {
        wal.append(format!("queued {i}")).unwrap();
    }
    assert_eq!(wal.stats().queue_len, 4);
    (wal, faults, memory)
}

struct NoHooks;
impl Hooks for NoHooks {}

#[test]
fn error_mode_refuses_with_queue_full() {
    let (wal, faults, _) = stalled(Backpressure::Error, NoHooks);
    assert_eq!(wal.append("one too many"), Err(Error::QueueFull));
    faults.open_gate();
    wal.flush().unwrap();
    // QueueFull took no LSN.
    assert_eq!(wal.append("room again").unwrap(), 6);
    wal.flush().unwrap();
    assert_eq!(wal.stats().events_written, 6);
}

#[derive(Clone, Default)]
struct DropCounter(Arc<AtomicUsize>);
impl Hooks for DropCounter {
    fn on_drop(&self, count: usize) {
        self.0.fetch_add(count, SeqCst);
    }
}

#[test]
fn drop_mode_drops_counts_and_leaves_an_lsn_gap() {
    let counter = DropCounter::default();
    let (wal, faults, memory) = stalled(Backpressure::Drop, counter.clone());
    assert_eq!(wal.append("dropped").unwrap(), 6);
    assert_eq!(wal.stats().drops, 1);
    assert_eq!(counter.0.load(SeqCst), 1);
    faults.open_gate();
    wal.flush().unwrap();
    assert_eq!(wal.append("kept").unwrap(), 7);
    wal.flush().unwrap();
    let (events, _, error) = rewal::decode_all_batches(&memory.to_bytes(), None);
    assert!(error.is_none());
    let lsns: Vec<u64> = events.iter().map(|e| e.lsn).collect();
    assert_eq!(lsns, vec![1, 2, 3, 4, 5, 7]);
    // The gap does not hold up durability waits, and the dropped event is
    // never reported durable.
    wal.wait_durable(7).unwrap();
    assert_eq!(wal.wait_durable(6), Err(Error::Dropped));
    wal.wait_durable(5).unwrap();
}

#[test]
fn block_mode_waits_for_room() {
    let (wal, faults, _) = stalled(Backpressure::Block, NoHooks);
    let appended = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            wal.append("waits").unwrap();
            appended.store(1, SeqCst);
        });
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(
            appended.load(SeqCst),
            0,
            "append returned while the queue was full"
        );
        faults.open_gate();
    });
    assert_eq!(appended.load(SeqCst), 1);
    wal.flush().unwrap();
    assert_eq!(wal.stats().events_written, 6);
}

#[test]
fn a_blocked_append_is_released_by_close() {
    let (wal, faults, _) = stalled(Backpressure::Block, NoHooks);
    std::thread::scope(|scope| {
        let blocked = scope.spawn(|| wal.append("waits"));
        std::thread::sleep(Duration::from_millis(50));
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(50));
            faults.open_gate();
        });
        wal.close().unwrap();
        assert_eq!(blocked.join().unwrap(), Err(Error::Closed));
    });
    assert_eq!(wal.stats().drops, 4);
}

#[test]
fn shutdown_times_out_while_the_storage_stalls_then_completes() {
    let (wal, faults, memory) = stalled(Backpressure::Block, NoHooks);
    assert_eq!(wal.shutdown(Duration::from_millis(50)), Err(Error::Timeout));
    assert_eq!(wal.state(), rewal::State::Draining);
    assert_eq!(wal.append("late"), Err(Error::Draining));
    // A second shutdown waits for the first, within its own timeout.
    assert_eq!(wal.shutdown(Duration::from_millis(50)), Err(Error::Timeout));
    faults.open_gate();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while wal.state() != rewal::State::Closed {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(2));
    }
    let (events, _, _) = rewal::decode_all_batches(&memory.to_bytes(), None);
    assert_eq!(events.len(), 5, "the background drain wrote everything");
}
