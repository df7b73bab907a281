//! Model checks of the protocols between the engine's threads, with the
//! `shuttle` model checker: the real pipeline (turns, waiters, blocked
//! appenders, the writer's sleep and wake-ups, shutdown and close) and the
//! live readers' wake-ups run under thousands of schedules, each chosen by
//! the PCT scheduler to bring rare interleavings forward. A schedule in
//! which every thread waits for ever is a failure ("deadlock"); so is any
//! assertion below. Shuttle never lets a timed wait time out, so a caller
//! that could only be answered by a timer counts as a hang too: that is
//! the property checked, since no call may depend on one.
//!
//! Run: `RUSTFLAGS="--cfg rewal_shuttle" cargo test --target-dir
//! target/shuttle --test model` (the test command does, with
//! `REWAL_MODEL_ITERATIONS` schedules per model; `scripts/campaigns.sh
//! model` runs the long form). Each model's small configuration (two or
//! three threads, a queue of two to four) is where such protocols break.
#![cfg(rewal_shuttle)]

mod common;

use rewal::{Backpressure, MemoryStorage, SyncMode, Wal};
use shuttle::thread;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Schedules per model: `REWAL_MODEL_ITERATIONS`, else 5,000 (100,000 in
/// the long form).
fn iterations() -> usize {
    std::env::var("REWAL_MODEL_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| common::campaign::size(5_000, 100_000))
}

/// Checks `model` under the PCT scheduler (priority changes at up to three
/// points per schedule: enough for the bugs of this kind seen so far), and
/// records how many schedules ran (`name`'s figure, for RELIABILITY.md).
fn check(name: &'static str, model: impl Fn() + Send + Sync + 'static) {
    let schedules = iterations();
    shuttle::check_pct(model, schedules, 3);
    let mut c = common::campaign::Campaign::start(name);
    c.add("schedules", schedules as u64);
    c.finish();
}

fn memory_log(queue: usize, mode: SyncMode) -> Arc<Wal> {
    Arc::new(
        Wal::open("model")
            .storage(MemoryStorage::new())
            .queue_capacity(queue)
            .sync_mode(mode)
            .backpressure(Backpressure::Block)
            .build()
            .unwrap(),
    )
}

// Issue 19, defect 1: an appender blocked on a full queue beside one
// durable wait. Before the fix, the turn taken on the waiter's thread
// counted the blocked appender as a caller that would take the next turn,
// and nobody woke the writer: the appender slept for ever.
#[test]
fn a_burst_beside_one_durable_wait() {
    check("model-burst-beside-durable-wait", || {
        let wal = memory_log(2, SyncMode::Never);
        let other = Arc::clone(&wal);
        let waiter = thread::spawn(move || {
            let lsn = other.append("first").unwrap();
            other.wait_durable(lsn).unwrap();
        });
        for i in 0..5u8 {
            wal.append([i]).unwrap();
        }
        waiter.join().unwrap();
        wal.flush().unwrap();
        assert_eq!(wal.last_lsn(), 6);
    });
}

// The same with one flush, and with two blocked appenders.
#[test]
fn two_bursts_beside_one_flush() {
    check("model-bursts-beside-flush", || {
        let wal = memory_log(2, SyncMode::Never);
        let flusher = {
            let wal = Arc::clone(&wal);
            thread::spawn(move || {
                wal.append("first").unwrap();
                wal.flush().unwrap();
            })
        };
        let burst = {
            let wal = Arc::clone(&wal);
            thread::spawn(move || {
                for i in 0..4u8 {
                    wal.append([i]).unwrap();
                }
            })
        };
        for i in 0..4u8 {
            wal.append([i]).unwrap();
        }
        flusher.join().unwrap();
        burst.join().unwrap();
        wal.sync().unwrap();
        assert_eq!(wal.stats().events_written, 9);
    });
}

// Durable waits from three threads, each for its own events, under every
// sync mode that has no timer: each is answered, and what each was told
// is durable is.
#[test]
fn durable_waits_from_three_threads() {
    check("model-durable-waits", || {
        for mode in [SyncMode::Never, SyncMode::Batch] {
            let wal = memory_log(3, mode);
            let threads: Vec<_> = (0..3u8)
                .map(|t| {
                    let wal = Arc::clone(&wal);
                    thread::spawn(move || {
                        for i in 0..2u8 {
                            let lsn = wal.append([t, i]).unwrap();
                            wal.wait_durable(lsn).unwrap();
                        }
                    })
                })
                .collect();
            for thread in threads {
                thread.join().unwrap();
            }
            let stats = wal.stats();
            assert_eq!(stats.events_written, 6);
            assert_eq!(stats.bytes_synced, stats.bytes_written);
        }
    });
}

/// Polls `future` on this thread until it is ready, parking in between:
/// the executor of an async caller, small enough to model.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

// An async waiter never takes a turn: the writer thread commits for it,
// woken by the wait. Beside a thread that waits and a burst.
#[test]
fn an_async_wait_beside_a_thread_wait_and_a_burst() {
    check("model-async-wait", || {
        let wal = memory_log(2, SyncMode::Never);
        let task = {
            let wal = Arc::clone(&wal);
            thread::spawn(move || {
                let lsn = wal.append("async").unwrap();
                block_on(wal.wait_durable_async(lsn)).unwrap();
            })
        };
        let waiter = {
            let wal = Arc::clone(&wal);
            thread::spawn(move || {
                let lsn = wal.append("thread").unwrap();
                wal.wait_durable(lsn).unwrap();
            })
        };
        for i in 0..3u8 {
            wal.append([i]).unwrap();
        }
        task.join().unwrap();
        waiter.join().unwrap();
    });
}

// Shutdown and close racing appenders and waiters: every call returns, and
// an event said durable is in the log.
#[test]
fn shutdown_and_close_race_appenders_and_waiters() {
    check("model-shutdown-close-race", || {
        for close in [false, true] {
            let storage = MemoryStorage::new();
            let wal = Arc::new(
                Wal::open("model")
                    .storage(storage.clone())
                    .queue_capacity(1)
                    .build()
                    .unwrap(),
            );
            let waiter = {
                let wal = Arc::clone(&wal);
                thread::spawn(move || {
                    let mut durable = Vec::new();
                    for i in 0..2u8 {
                        let Ok(lsn) = wal.append([i]) else { break };
                        if wal.wait_durable(lsn).is_ok() {
                            durable.push(lsn);
                        }
                    }
                    durable
                })
            };
            let burst = {
                let wal = Arc::clone(&wal);
                thread::spawn(move || {
                    let mut appended = Vec::new();
                    for i in 0..3u8 {
                        match wal.append([i]) {
                            Ok(lsn) => appended.push(lsn),
                            Err(_) => break,
                        }
                    }
                    appended
                })
            };
            if close {
                wal.close().unwrap();
            } else {
                wal.shutdown(Duration::MAX).unwrap();
            }
            let appended = burst.join().unwrap();
            let durable = waiter.join().unwrap();
            let (kept, _, _) = rewal::encoding::decode_all_batches(&storage.to_bytes(), None);
            let held = |lsn: u64| kept.iter().any(|event| event.lsn == lsn);
            for lsn in durable {
                assert!(held(lsn), "LSN {lsn} was said durable and is lost");
            }
            // A shutdown writes everything appended before it stopped the
            // appends (found by tests/campaign_mixed.rs: an appender that
            // took a turn on a full queue while the log drained appended
            // after the drain).
            if !close {
                for lsn in appended {
                    assert!(held(lsn), "LSN {lsn} was appended and the shutdown lost it");
                }
            }
        }
    });
}

// Issue 19, defect 7: a live reader at the end of the log is woken by a
// shutdown or a close, and ends with `Ok(None)` after the events written
// before.
#[test]
fn a_live_reader_beside_a_shutdown_or_close() {
    check("model-live-reader", || {
        for close in [false, true] {
            let wal = memory_log(2, SyncMode::Never);
            wal.append("one").unwrap();
            let mut events = wal.iterator(0).unwrap();
            let reader = thread::spawn(move || {
                let mut lsns = Vec::new();
                while let Some(event) = events.next_wait(Duration::MAX).unwrap() {
                    lsns.push(event.lsn);
                }
                lsns
            });
            wal.append("two").unwrap();
            if close {
                wal.close().unwrap();
            } else {
                wal.shutdown(Duration::MAX).unwrap();
            }
            let lsns = reader.join().unwrap();
            // A close discards what is still queued; a shutdown writes it.
            assert!(lsns == [1, 2] || close && lsns == [1], "read {lsns:?}");
        }
    });
}

// The async live reader (`next_async`), its waker registered with the log:
// a poll racing a write. The reader must be woken by the write alone (the
// log stays open until it has read the event): a waker registered after
// the write looked for waiters, and a look at the log's end made before
// the write, would leave it parked for ever.
#[test]
fn an_async_reader_beside_a_write() {
    check("model-async-reader-write", || {
        let wal = memory_log(2, SyncMode::Never);
        wal.append("one").unwrap();
        let mut events = wal.iterator(0).unwrap();
        let reader = thread::spawn(move || {
            let first = block_on(events.next_async()).unwrap().map(|e| e.lsn);
            let second = block_on(events.next_async()).unwrap().map(|e| e.lsn);
            (first, second)
        });
        wal.append("two").unwrap();
        wal.flush().unwrap();
        assert_eq!(reader.join().unwrap(), (Some(1), Some(2)));
        wal.close().unwrap();
    });
}

// A poll racing a shutdown or a close: the reader ends with `Ok(None)`
// after the events written before, never parked for ever.
#[test]
fn an_async_reader_beside_a_shutdown_or_close() {
    check("model-async-reader-end", || {
        for close in [false, true] {
            let wal = memory_log(2, SyncMode::Never);
            wal.append("one").unwrap();
            let mut events = wal.iterator(0).unwrap();
            let reader = thread::spawn(move || {
                let mut lsns = Vec::new();
                while let Some(event) = block_on(events.next_async()).unwrap() {
                    lsns.push(event.lsn);
                }
                lsns
            });
            wal.append("two").unwrap();
            if close {
                wal.close().unwrap();
            } else {
                wal.shutdown(Duration::MAX).unwrap();
            }
            let lsns = reader.join().unwrap();
            // A close discards what is still queued; a shutdown writes it.
            assert!(lsns == [1, 2] || close && lsns == [1], "read {lsns:?}");
        }
    });
}
