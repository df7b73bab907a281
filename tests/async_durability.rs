//! `Wal::wait_durable_async`: a future the writer's group commit completes
//! through a waker, with no executor of its own. Run here under a
//! hand-written executor (everywhere, wasm32 included) and under tokio
//! with 10,000 tasks (natively).

use rewal::{Error, Wal};
use rewal_testkit::Scratch;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
#[cfg(not(any(target_family = "wasm", rewal_inline)))]
use std::sync::Mutex;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// A minimal executor: runs every task on this thread, polling a task
/// again only once its waker was called, and parking the thread while no
/// task is ready. Returns each task's output and how many polls it took.
fn run_all<F: Future>(tasks: Vec<F>) -> (Vec<F::Output>, usize) {
    struct Flag {
        ready: AtomicBool,
        thread: std::thread::Thread,
    }
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.ready.store(true, Ordering::Release);
            self.thread.unpark();
        }
    }
    let mut tasks: Vec<Pin<Box<F>>> = tasks.into_iter().map(Box::pin).collect();
    let flags: Vec<Arc<Flag>> = (0..tasks.len())
        .map(|_| {
            Arc::new(Flag {
                ready: AtomicBool::new(true),
                thread: std::thread::current(),
            })
        })
        .collect();
    let mut outputs: Vec<Option<F::Output>> = (0..tasks.len()).map(|_| None).collect();
    let (mut left, mut polls) = (tasks.len(), 0);
    while left > 0 {
        let mut progressed = false;
        for (i, task) in tasks.iter_mut().enumerate() {
            if outputs[i].is_some() || !flags[i].ready.swap(false, Ordering::AcqRel) {
                continue;
            }
            progressed = true;
            polls += 1;
            let waker = Waker::from(Arc::clone(&flags[i]));
            if let Poll::Ready(output) = task.as_mut().poll(&mut Context::from_waker(&waker)) {
                outputs[i] = Some(output);
                left -= 1;
            }
        }
        if !progressed {
            // Nothing ready: sleep until a waker calls (a bounded park, so
            // a lost wake-up shows as a slow test, not a hang).
            std::thread::park_timeout(Duration::from_secs(5));
        }
    }
    (outputs.into_iter().map(Option::unwrap).collect(), polls)
}

#[test]
fn a_hand_written_executor_awaits_many_durable_appends_on_one_thread() {
    let scratch = Scratch::new("async-hand");
    let wal = Wal::open(scratch.path("log.wal")).build().unwrap();
    let tasks: Vec<_> = (0..500)
        .map(|i| {
            let wal = &wal;
            async move {
                let lsn = wal.append(format!("event {i}"))?;
                wal.wait_durable_async(lsn).await?;
                Ok::<_, Error>(lsn)
            }
        })
        .collect();
    let (outcomes, polls) = run_all(tasks);
    let lsns: Vec<u64> = outcomes.into_iter().map(Result::unwrap).collect();
    assert_eq!(lsns, (1..=500).collect::<Vec<_>>());
    // Woken, not polled in a loop: a few polls per task at most.
    assert!(polls <= 500 * 4, "{polls} polls for 500 tasks");
    // Group commit: the tasks shared syncs. (Without threads each task's
    // first poll writes and syncs on the spot.)
    if cfg!(not(any(target_family = "wasm", rewal_inline))) {
        let syncs = wal.stats().sync_count;
        assert!(syncs < 250, "{syncs} syncs for 500 events");
    }
    wal.close().unwrap();
}

#[test]
fn the_future_answers_what_wait_durable_answers() {
    let scratch = Scratch::new("async-errors");
    let wal = Wal::open(scratch.path("log.wal")).build().unwrap();
    let lsn = wal.append("one").unwrap();
    let (outcomes, _) = run_all(vec![
        wal.wait_durable_async(lsn),
        wal.wait_durable_async(lsn + 1),
    ]);
    assert_eq!(outcomes, vec![Ok(()), Err(Error::InvalidLsn)]);
    wal.close().unwrap();
    // Durable before the close: still durable after it.
    assert_eq!(run_all(vec![wal.wait_durable_async(lsn)]).0, vec![Ok(())]);
}

/// Syncs wait until the test opens the gate.
#[cfg(not(any(target_family = "wasm", rewal_inline)))]
struct Gate(Arc<(Mutex<bool>, std::sync::Condvar)>);

#[cfg(not(any(target_family = "wasm", rewal_inline)))]
impl rewal_testkit::hooked::StorageHooks for Gate {
    fn before_sync(&self) {
        let (open, changed) = &*self.0;
        let mut open = open.lock().unwrap();
        while !*open {
            open = changed.wait(open).unwrap();
        }
    }
}

#[cfg(not(any(target_family = "wasm", rewal_inline)))]
#[test]
fn a_dropped_future_is_forgotten_and_never_woken() {
    struct Count(Mutex<u32>);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            *self.0.lock().unwrap() += 1;
        }
    }
    let gate = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let wal = Wal::open("gated")
        .storage(rewal_testkit::hooked::Hooked::new(Gate(Arc::clone(&gate))))
        .build()
        .unwrap();
    let lsn = wal.append("one").unwrap();
    let woken = Arc::new(Count(Mutex::new(0)));
    {
        let mut future = Box::pin(wal.wait_durable_async(lsn));
        let waker = Waker::from(Arc::clone(&woken) as Arc<Count>);
        // The sync cannot finish while the gate is shut: registered.
        assert!(future
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
    }
    // Dropped before the sync finished: nobody may call its waker.
    *gate.0.lock().unwrap() = true;
    gate.1.notify_all();
    wal.sync().unwrap();
    assert_eq!(*woken.0.lock().unwrap(), 0, "a dropped future was woken");
    assert_eq!(run_all(vec![wal.wait_durable_async(lsn)]).0, vec![Ok(())]);
    wal.close().unwrap();
}

#[cfg(rewal_inline)]
#[test]
fn without_threads_the_future_is_ready_at_its_first_poll() {
    let scratch = Scratch::new("async-inline");
    let wal = Wal::open(scratch.path("log.wal")).build().unwrap();
    let lsn = wal.append("one").unwrap();
    let mut future = Box::pin(wal.wait_durable_async(lsn));
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    drop(future);
    wal.close().unwrap();
}

#[cfg(not(target_family = "wasm"))]
#[cfg(not(rewal_inline))]
#[test]
fn ten_thousand_tokio_tasks_append_and_await_durability() {
    let scratch = Scratch::new("async-tokio");
    let wal = Arc::new(Wal::open(scratch.path("log.wal")).build().unwrap());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let lsns = runtime.block_on(async {
        let tasks: Vec<_> = (0..10_000)
            .map(|i| {
                let wal = Arc::clone(&wal);
                tokio::spawn(async move {
                    let lsn = wal.append(format!("task {i}"))?;
                    wal.wait_durable_async(lsn).await?;
                    Ok::<_, Error>(lsn)
                })
            })
            .collect();
        let mut lsns = Vec::with_capacity(tasks.len());
        for task in tasks {
            lsns.push(task.await.unwrap().unwrap());
        }
        lsns
    });
    lsns.iter()
        .for_each(|&lsn| assert!((1..=10_000).contains(&lsn)));
    let mut sorted = lsns.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 10_000);
    let stats = wal.stats();
    assert!(
        stats.sync_count < 5_000,
        "{} syncs for 10,000 tasks",
        stats.sync_count
    );
    // Every one is really there.
    let mut count = 0;
    wal.replay(0, |_| {
        count += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(count, 10_000);
}
