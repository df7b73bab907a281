//! The writer thread sleeps while a caller's turn syncs: what is due then
//! is the turn's to hand over when it ends. It once woke at once, again and
//! again, for the whole of every sync with anything queued beside it: a
//! core spent for nothing, and under a real-time scheduler (`chrt -f`) the
//! disk's completion starved, so 64 durable appenders fell from about
//! 100,000 events/s to a few hundred, with stalls of a second.
//!
//! Linux only (it reads the writer's CPU time in `/proc`); a file of its
//! own, so that its process has one writer thread.
#![cfg(target_os = "linux")]

use rewal::Wal;
use rewal_testkit::hooked::{Hooked, StorageHooks};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Holds a sync for `HELD` once told to, and says when one is held.
#[derive(Clone, Default)]
struct SlowSync {
    slow: Arc<AtomicBool>,
    in_sync: Arc<AtomicBool>,
}

const HELD: Duration = Duration::from_millis(600);

impl StorageHooks for SlowSync {
    fn before_sync(&self) {
        if self.slow.swap(false, Ordering::SeqCst) {
            self.in_sync.store(true, Ordering::SeqCst);
            std::thread::sleep(HELD);
        }
    }
}

/// The CPU time (user and system, in clock ticks: 10 ms) of this process's
/// threads named `rewal-writer`.
fn writer_ticks() -> u64 {
    let mut ticks = 0;
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let task = task.unwrap().path();
        let name = std::fs::read_to_string(task.join("comm")).unwrap_or_default();
        if name.trim() != "rewal-writer" {
            continue;
        }
        let stat = std::fs::read_to_string(task.join("stat")).unwrap_or_default();
        // After the name in parentheses: fields 3 on; utime and stime are
        // fields 14 and 15.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        ticks += fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    }
    ticks
}

#[test]
fn the_writer_sleeps_while_a_callers_turn_syncs_with_events_queued() {
    let hooks = SlowSync::default();
    let wal = Arc::new(
        Wal::open("held")
            .storage(Hooked::new(hooks.clone()))
            .build()
            .unwrap(),
    );
    let first = wal.append("first").unwrap();
    hooks.slow.store(true, Ordering::SeqCst);
    let waiter = std::thread::spawn({
        let wal = wal.clone();
        move || wal.wait_durable(first)
    });
    while !hooks.in_sync.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
    // Events queued beside the turn, which nobody waits for: the writer
    // must write them within its bound, after the turn, not spin for them
    // during it.
    for i in 0..10 {
        wal.append(format!("queued {i}")).unwrap();
    }
    std::thread::sleep(Duration::from_millis(50));
    let before = writer_ticks();
    std::thread::sleep(Duration::from_millis(400));
    let spent = writer_ticks() - before;
    waiter.join().unwrap().unwrap();
    assert!(
        spent <= 5,
        "the writer thread spent {spent} ticks of CPU (of 40) while a sync was held"
    );
    // And the queued events were written after the turn, by the bound.
    wal.flush().unwrap();
    assert_eq!(wal.iterator(0).unwrap().count(), 11);
    wal.shutdown(Duration::from_secs(5)).unwrap();
}
