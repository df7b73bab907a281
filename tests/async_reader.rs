//! `WalIterator::next_async`: a live reader as a future, woken by the
//! writer. Under tokio (natively): a writer task and a reader task across
//! segment rotations and checkpoints, on a single file, and through a
//! shutdown, a close and a failure; every wait has a watchdog, so a lost
//! wake-up fails the test instead of hanging it. Without a runtime
//! (everywhere, wasm32 included): a dropped future leaves no waker.

mod common;

use common::Scratch;
use rewal::{Event, Wal};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts its wake-ups.
struct Count(AtomicU32);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count(AtomicU32::new(0)));
    (Arc::clone(&count), Waker::from(count))
}

/// One poll of `future` with `waker`.
fn poll_once<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

#[test]
fn a_pending_future_is_woken_by_a_write_and_a_dropped_one_is_forgotten() {
    let scratch = Scratch::new("async-reader-drop");
    let wal = Wal::open(scratch.path("log.wal")).build().unwrap();
    wal.append("one").unwrap();
    let mut events = wal.iterator(0).unwrap();

    // An event is there: ready at once, no waker left.
    let (count, waker) = counting_waker();
    let first = poll_once(&mut events.next_async(), &waker);
    assert!(matches!(first, Poll::Ready(Ok(Some(Event { lsn: 1, .. })))));

    // At the end: pending, and the next write wakes it.
    let mut future = events.next_async();
    assert!(poll_once(&mut future, &waker).is_pending());
    wal.append("two").unwrap();
    wal.flush().unwrap();
    assert_eq!(count.0.load(Ordering::SeqCst), 1, "the write woke the task");
    let second = poll_once(&mut future, &waker);
    assert!(matches!(
        second,
        Poll::Ready(Ok(Some(Event { lsn: 2, .. })))
    ));
    drop(future);

    // Pending, then dropped: the next write wakes nobody.
    let (dropped, waker) = counting_waker();
    let mut future = events.next_async();
    assert!(poll_once(&mut future, &waker).is_pending());
    drop(future);
    wal.append("three").unwrap();
    wal.flush().unwrap();
    assert_eq!(
        dropped.0.load(Ordering::SeqCst),
        0,
        "a dropped future was woken"
    );

    // The next future still works, and reads what came meanwhile.
    let (_, waker) = counting_waker();
    let third = poll_once(&mut events.next_async(), &waker);
    assert!(matches!(third, Poll::Ready(Ok(Some(Event { lsn: 3, .. })))));

    // Pending on the iterator itself (as a stream does), then the
    // iterator is dropped: forgotten with it.
    let (dropped, waker) = counting_waker();
    assert!(events
        .poll_next_event(&mut Context::from_waker(&waker))
        .is_pending());
    drop(events);
    wal.append("four").unwrap();
    wal.flush().unwrap();
    assert_eq!(
        dropped.0.load(Ordering::SeqCst),
        0,
        "a dropped reader was woken"
    );

    // A close wakes a waiting reader, which then hears the end.
    let mut events = wal.iterator(4).unwrap();
    let (count, waker) = counting_waker();
    assert!(matches!(
        poll_once(&mut events.next_async(), &waker),
        Poll::Ready(Ok(Some(Event { lsn: 4, .. })))
    ));
    let mut future = events.next_async();
    assert!(poll_once(&mut future, &waker).is_pending());
    wal.close().unwrap();
    assert_eq!(count.0.load(Ordering::SeqCst), 1, "the close woke the task");
    assert!(matches!(
        poll_once(&mut future, &waker),
        Poll::Ready(Ok(None))
    ));
    // And again: the end stays the end.
    assert!(matches!(
        poll_once(&mut future, &waker),
        Poll::Ready(Ok(None))
    ));
}

/// The tokio tests: a writer and a reader in separate tasks of a
/// multi-threaded runtime.
#[cfg(not(target_family = "wasm"))]
mod under_tokio {
    use super::*;
    use rewal::{Error, MemoryStorage, ReadStorage, Storage, WalIterator};
    use std::sync::atomic::{AtomicBool, AtomicU64};
    use std::time::Duration;
    use tokio::time::{sleep, timeout};

    /// How long any one wait may take before the test calls it a lost
    /// wake-up (far beyond what a wake-up takes, even on a loaded
    /// machine).
    const WATCHDOG: Duration = Duration::from_secs(20);

    /// The next event, or a panic if it takes longer than the watchdog.
    /// (Not `tokio::time::timeout`: its timer wakes the task, which then
    /// polls the read first, and a lost wake-up would pass, only late.)
    async fn next(events: &mut WalIterator) -> rewal::Result<Option<Event>> {
        tokio::select! {
            biased;
            () = sleep(WATCHDOG) => panic!("the reader was not woken: a lost wake-up"),
            next = events.next_async() => next,
        }
    }

    fn payload(i: u64) -> Vec<u8> {
        // Long enough that a few dozen events fill a small segment.
        format!("event {i:06} {}", "x".repeat(90)).into_bytes()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_follows_a_writer_across_rotations_and_checkpoints() {
        const EVENTS: u64 = 3_000;
        let scratch = Scratch::new("async-reader-segments");
        let dir = scratch.path("log");
        let wal = Arc::new(Wal::open_dir(&dir).segment_size(4096).build().unwrap());
        // What the reader has received: the writer checkpoints behind it.
        let received = Arc::new(AtomicU64::new(0));
        let mut events = wal.iterator(0).unwrap();

        let reader = {
            let received = Arc::clone(&received);
            tokio::spawn(async move {
                let mut expected = 1;
                while let Some(event) = next(&mut events).await? {
                    assert_eq!(event.lsn, expected, "events out of order or repeated");
                    assert_eq!(event.payload, payload(event.lsn));
                    received.store(event.lsn, Ordering::SeqCst);
                    expected += 1;
                }
                Ok::<u64, Error>(expected - 1)
            })
        };

        let writer = {
            let wal = Arc::clone(&wal);
            let received = Arc::clone(&received);
            tokio::spawn(async move {
                let mut checkpoints = 0;
                for i in 1..=EVENTS {
                    assert_eq!(wal.append(payload(i)).unwrap(), i);
                    if i % 50 == 0 {
                        // Now and then the writer pauses: the reader
                        // catches up and waits at the end of the log.
                        // (The flush is for the inline pipeline, which
                        // writes only at flush points.)
                        wal.flush().unwrap();
                        sleep(Duration::from_millis(2)).await;
                    }
                    if i % 400 == 0 {
                        let behind = received.load(Ordering::SeqCst);
                        if behind > 0 {
                            wal.checkpoint(behind).unwrap();
                            checkpoints += 1;
                        }
                    }
                }
                wal.flush().unwrap();
                checkpoints
            })
        };

        let checkpoints = writer.await.unwrap();
        // The writer does not shut the log down before the reader has
        // everything: had a write not woken it, it would wait here (and
        // the watchdog fail it), not be rescued by the shutdown's wake-up.
        timeout(WATCHDOG, async {
            while received.load(Ordering::SeqCst) < EVENTS {
                sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .expect("the reader fell behind: a lost wake-up");
        assert!(checkpoints >= 5, "{checkpoints} checkpoints");
        assert!(
            wal.first_lsn() > EVENTS / 2,
            "checkpoints gave back the old segments (first LSN {})",
            wal.first_lsn()
        );
        let segments = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|entry| entry.as_ref().unwrap().path().extension() == Some("wal".as_ref()))
            .count();
        // 3,000 events of about 120 bytes in 4 KiB segments: dozens of
        // rotations, and only the segments since the last checkpoint left.
        assert!((1..40).contains(&segments), "{segments} segments");

        // The shutdown ends the reader: `None`, with nothing more read.
        let log = Arc::clone(&wal);
        tokio::task::spawn_blocking(move || log.shutdown(Duration::from_secs(10)))
            .await
            .unwrap()
            .unwrap();
        let read = timeout(WATCHDOG, reader)
            .await
            .expect("the shutdown did not end the reader")
            .unwrap()
            .unwrap();
        assert_eq!(read, EVENTS);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_follows_a_writer_on_a_single_file() {
        const EVENTS: u64 = 500;
        let scratch = Scratch::new("async-reader-file");
        let wal = Arc::new(Wal::open(scratch.path("log.wal")).build().unwrap());
        let mut events = wal.iterator(1).unwrap();
        let reader = tokio::spawn(async move {
            let mut lsns = Vec::new();
            while let Some(event) = next(&mut events).await.unwrap() {
                assert_eq!(event.payload, payload(event.lsn));
                lsns.push(event.lsn);
                if lsns.len() as u64 == EVENTS {
                    break;
                }
            }
            lsns
        });
        let writer = {
            let wal = Arc::clone(&wal);
            tokio::spawn(async move {
                for i in 1..=EVENTS {
                    wal.append(payload(i)).unwrap();
                    if i % 20 == 0 {
                        wal.flush().unwrap();
                        sleep(Duration::from_millis(1)).await;
                    }
                }
                wal.flush().unwrap();
            })
        };
        writer.await.unwrap();
        // Read while the log is still open: only the writes woke it.
        let lsns = timeout(WATCHDOG, reader).await.unwrap().unwrap();
        assert_eq!(lsns, (1..=EVENTS).collect::<Vec<_>>());
        wal.close().unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_awaiting_the_end_hears_a_shutdown_or_a_close() {
        for close in [false, true] {
            let scratch = Scratch::new("async-reader-end");
            let wal = Arc::new(Wal::open(scratch.path("log.wal")).build().unwrap());
            wal.append("before").unwrap();
            let mut events = wal.iterator(0).unwrap();
            let reader = tokio::spawn(async move {
                let mut lsns = Vec::new();
                while let Some(event) = next(&mut events).await? {
                    lsns.push(event.lsn);
                }
                Ok::<_, Error>(lsns)
            });
            // The reader reaches the end and waits there.
            sleep(Duration::from_millis(50)).await;
            wal.append("during").unwrap();
            let log = Arc::clone(&wal);
            tokio::task::spawn_blocking(move || {
                if close {
                    log.close()
                } else {
                    log.shutdown(Duration::from_secs(10))
                }
            })
            .await
            .unwrap()
            .unwrap();
            let lsns = timeout(WATCHDOG, reader)
                .await
                .expect("the end of the log did not end the reader")
                .unwrap()
                .unwrap();
            // A shutdown writes what was queued (the reader reads it
            // before the end); a close may discard it.
            assert!(
                lsns == [1, 2] || close && lsns == [1],
                "close {close}: read {lsns:?}"
            );
        }
    }

    /// A memory storage whose writes fail once `failing` is set.
    struct Failing {
        inner: MemoryStorage,
        failing: Arc<AtomicBool>,
    }

    impl ReadStorage for Failing {
        fn size(&self) -> rewal::Result<u64> {
            self.inner.size()
        }
        fn read_at(&self, buf: &mut [u8], offset: u64) -> rewal::Result<usize> {
            self.inner.read_at(buf, offset)
        }
    }

    impl Storage for Failing {
        fn write(&mut self, buf: &[u8]) -> rewal::Result<usize> {
            if self.failing.load(Ordering::SeqCst) {
                return Err(std::io::Error::other("the disk is gone").into());
            }
            self.inner.write(buf)
        }
        fn sync(&self) -> rewal::Result<()> {
            self.inner.sync()
        }
        fn close(&mut self) -> rewal::Result<()> {
            self.inner.close()
        }
        fn truncate(&mut self, size: u64) -> rewal::Result<()> {
            self.inner.truncate(size)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_awaiting_the_end_hears_a_failure() {
        let failing = Arc::new(AtomicBool::new(false));
        let wal = Arc::new(
            Wal::open("failing")
                .storage(Failing {
                    inner: MemoryStorage::new(),
                    failing: Arc::clone(&failing),
                })
                .build()
                .unwrap(),
        );
        wal.append("written").unwrap();
        let mut events = wal.iterator(0).unwrap();
        let reader = tokio::spawn(async move {
            let first = next(&mut events).await;
            let end = next(&mut events).await;
            (first, end)
        });
        sleep(Duration::from_millis(50)).await;
        failing.store(true, Ordering::SeqCst);
        wal.append("lost").unwrap();
        let flushed = wal.flush();
        assert!(matches!(flushed, Err(Error::Io(_))), "{flushed:?}");
        // The log is still open: only the failure tells the reader.
        let (first, end) = timeout(WATCHDOG, reader)
            .await
            .expect("the failure did not end the reader")
            .unwrap();
        assert_eq!(first.unwrap().map(|event| event.lsn), Some(1));
        assert!(matches!(end, Err(Error::Io(_))), "{end:?}");
        let _ = wal.close();
    }

    #[cfg(feature = "stream")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_iterator_is_a_stream() {
        use futures_core::Stream;

        let scratch = Scratch::new("async-reader-stream");
        let wal = Arc::new(Wal::open(scratch.path("log.wal")).build().unwrap());
        let mut events = wal.iterator(1).unwrap();
        let reader = tokio::spawn(async move {
            let mut lsns = Vec::new();
            // (What `StreamExt::next` does.)
            fn next(
                events: &mut WalIterator,
            ) -> impl Future<Output = Option<rewal::Result<Event>>> + '_ {
                std::future::poll_fn(move |cx| Pin::new(&mut *events).poll_next(cx))
            }
            while let Some(event) = tokio::select! {
                biased;
                () = sleep(WATCHDOG) => panic!("the stream was not woken: a lost wake-up"),
                event = next(&mut events) => event,
            } {
                lsns.push(event.unwrap().lsn);
            }
            lsns
        });
        for i in 1..=100u64 {
            wal.append(payload(i)).unwrap();
            if i % 10 == 0 {
                wal.flush().unwrap();
                sleep(Duration::from_millis(1)).await;
            }
        }
        let log = Arc::clone(&wal);
        tokio::task::spawn_blocking(move || log.shutdown(Duration::from_secs(10)))
            .await
            .unwrap()
            .unwrap();
        let lsns = timeout(WATCHDOG, reader).await.unwrap().unwrap();
        assert_eq!(lsns, (1..=100).collect::<Vec<_>>());
    }
}
