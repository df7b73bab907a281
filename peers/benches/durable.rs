//! Durable writes: how many 128-byte events per second reach the disk,
//! acknowledged, with rewal and with the WAL crates a Rust user would pick
//! instead, in one run on one disk. `docs/benchmarks.md` has the same
//! account at more length.
//!
//! The libraries: rewal (this workspace), rewal 0.1.0 (crates.io), okaywal
//! 0.3.1, walrus-rust 0.2.0 and wal-db 1.1.0. Each row gives each library
//! its fairest way of doing what the row means:
//!
//! 1. Durable events, one at a time: T threads (1, 4, 16, 64), each loops
//!    "write one event, wait until it is durable":
//!    - rewal: `append` + `wait_durable(lsn)` (syncs shared: group commit);
//!    - rewal async: T tokio tasks on two worker threads, `append` +
//!      `wait_durable_async(lsn).await`;
//!    - okaywal: `begin_entry`, `write_chunk`, `commit` (which syncs);
//!    - walrus: `append_for_topic` on one topic, opened with
//!      `FsyncSchedule::SyncEach`, its only mode in which an append is
//!      durable when it returns. That mode syncs twice per append (the file
//!      is opened `O_SYNC`, and the append then calls `fsync`), under the
//!      topic's mutex, so threads never share a sync (marker †);
//!    - wal-db: `append_and_sync` (syncs shared: group commit). wal-db never
//!      preallocates (every `fdatasync` carries a size change) and does not
//!      sync the directory of a log file it creates (marker ‡);
//!    - rewal 0.1.0: `append`, `flush`, `sync`;
//!    - rewal with `SyncMode::Batch`, at the largest thread count only:
//!      `append` + `flush` (each write is synced before `flush` returns).
//! 2. Durable batches of 100 events, one thread, each batch durable before
//!    the next (events per second):
//!    - rewal: `append_batch(&batch)` + `wait_durable(last)`;
//!    - okaywal: one entry of 100 chunks, then `commit`;
//!    - walrus: `batch_append_for_topic` of 100 slices, which syncs the
//!      file it wrote (`fsync`) in every fsync mode; the log is opened with
//!      `FsyncSchedule::NoFsync` so that the file is not `O_SYNC` (which
//!      would sync each of the 100 writes too);
//!    - wal-db: it has no batches: 100 `append` + one `sync`, which is not
//!      atomic (a crash can keep part of a batch; marker §);
//!    - rewal 0.1.0: `append_batch(batch)`, `flush`, `sync`.
//! 3. Non-durable events, 1 and 4 threads: appends, and what hands
//!    everything to the OS once at the end (timed with the appends):
//!    - rewal: `append`, then one `flush` (default `SyncMode::Never`);
//!    - rewal 0.1.0: `append`, then one `flush`;
//!    - walrus: `append_for_topic` with `FsyncSchedule::NoFsync` (each
//!      append is a `pwrite`; there is nothing to flush);
//!    - wal-db: `append` (each a `pwrite`; nothing to flush);
//!    - okaywal: no row: it cannot append without a durable commit.
//! 4. The machine's floors, one thread: `write` + `fdatasync` of a file that
//!    grows, and the honest floor: `pwrite` + `fdatasync` of 128 B into
//!    space written beforehand in 64 KiB pieces and synced before the timed
//!    loop. (Written in 1 MiB pieces, that space would sit in large
//!    page-cache folios on ext4 under Linux 6.16 and later, and every later
//!    small write would walk 256 buffer heads: a floor 4-7% too slow.)
//!    Beside the batches, two more: `pwrite` + `fdatasync` of a batch's
//!    payload (12,800 B) into such space, and the same into a fresh file
//!    that gets its zeros as it fills (2 MiB ahead, synced), as a log that
//!    does not reuse its space pays on a new file: each byte goes to the
//!    disk twice. rewal's and okaywal's batch rows are printed against
//!    both.
//! 5. The run's resolution: okaywal's one-thread durable row and its batch
//!    row run a second time as rows of their own (`okaywal 0.3.1 again`),
//!    and each is paired with the first exactly as rewal is. The same
//!    workload against itself gives 1.00 but for the disk's and the
//!    machine's noise, so a ratio of rewal's is measured no closer than
//!    that. (On this project's machine, okaywal against itself gave 0.79×
//!    to 1.12× with 7 to 11 rounds of 2 to 6 s, and 0.97× to 1.07× with
//!    21 to 40 rounds of 0.3 to 1 s.)
//!
//! How the figures are made: every cell (a row, a thread count, a round)
//! runs in a fresh child process, this binary started again with the cell
//! in its environment (walrus keeps its fsync mode and its files in process
//! globals). Each cell measures for a fixed time; rounds alternate the
//! order of the cells (forwards, then backwards); a row's figure is the
//! median over rounds. rewal's row is compared with each peer's row of the
//! same thread count by paired ratios: per round, rewal's figure over the
//! peer's figure of the same round, then the median of those ratios (the
//! headline); the ratio of the medians is printed beside it. Everything
//! runs under two load conditions, one table each: `quiet`, and `loaded`,
//! where a separate process keeps two threads busy at normal priority for
//! as long as the cells run.
//!
//! Run:  cargo bench -p rewal-peers --bench durable
//! Smoke run (one round, short cells, 1 and 4 threads; about 15 s):
//!       REWAL_BENCH_QUICK=1 cargo bench -p rewal-peers --bench durable
//!
//! Settings: `REWAL_BENCH_ROUNDS` (default 9), `REWAL_BENCH_SECONDS` per
//! cell (default 2), `REWAL_BENCH_THREADS` (default 1,4,16,64; the
//! non-durable rows always use 1 and 4), `REWAL_BENCH_LOAD` (quiet, loaded
//! or both, the default), `REWAL_BENCH_ONLY=a|b` (rows whose name contains
//! `a` or `b`), `REWAL_BENCH_SYNCS=1` (rewal's cells print how many events
//! each sync covered).
//!
//! Files go to a fresh directory under `target/` (a real disk, not a
//! tmpfs), removed at the end.

#[cfg(unix)]
fn main() {
    bench::main();
}

#[cfg(not(unix))]
fn main() {
    println!("the durable benchmark's floors use unix positional writes: unix only");
}

/// Everything but `main`: the floors use unix positional writes, and
/// walrus builds for unix only.
#[cfg(unix)]
mod bench {
    use rewal_peers::{
        child::{self, Cell},
        dir::TempDir,
        hog::{self, Hog},
        settings::{self, Load},
        stats::{self, format_ratio},
        table::{Align, Table},
    };
    use std::ffi::OsString;
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
    use std::sync::Barrier;
    use std::time::{Duration, Instant};

    const EVENT: [u8; 128] = [0x5a; 128];
    /// Events per batch in the batch rows.
    const BATCH: usize = 100;
    /// walrus' topic: one topic is one log.
    const TOPIC: &str = "bench";

    // ── the rows ────────────────────────────────────────────────────────────────

    /// The three kinds of rows (the floors among the first two), each
    /// printed as a table.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Group {
        Durable,
        Batch,
        NonDurable,
    }

    impl Group {
        fn title(self) -> &'static str {
            match self {
                Group::Durable => "durable events, one at a time; the machine's floors",
                Group::Batch => "durable batches of 100 events, one thread",
                Group::NonDurable => "non-durable events, handed to the OS once at the end",
            }
        }
    }

    /// What a row is to the ratios.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Role {
        /// rewal's row of its group: the numerator of every ratio.
        Ours,
        /// A peer: a denominator.
        Peer,
        /// The machine's floors, against rewal's one-thread durable row and
        /// the batch rows.
        Floor,
        /// Shown, not compared (rewal's other ways of writing).
        Shown,
        /// A peer's row run a second time, compared with the first: the
        /// same workload against itself, so its ratio is the run's own
        /// noise, the resolution of the ratios beside it.
        Control,
    }

    /// When a row runs.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Threads {
        /// At every thread count of the run.
        Each,
        /// At one thread.
        One,
        /// At the largest thread count of the run.
        Largest,
        /// At 1 and 4 threads.
        OneAndFour,
    }

    type Workload = fn(&Path, usize, Duration) -> f64;

    struct Row {
        /// Names the row to its child process.
        key: &'static str,
        group: Group,
        role: Role,
        threads: Threads,
        /// The library, as the ratio table names it.
        library: &'static str,
        /// The calls the row makes.
        calls: &'static str,
        /// Where the library does other than the row means: a footnote marker.
        marker: &'static str,
        /// `None`: the library cannot do what the row means (printed, not run).
        run: Option<Workload>,
    }

    impl Row {
        fn name(&self) -> String {
            if self.marker.is_empty() {
                format!("{}: {}", self.library, self.calls)
            } else {
                format!("{}: {} {}", self.library, self.calls, self.marker)
            }
        }
    }

    const ROWS: &[Row] = &[
        Row {
            key: "floor-growing",
            group: Group::Durable,
            role: Role::Floor,
            threads: Threads::One,
            library: "floor",
            calls: "write + fdatasync, growing file",
            marker: "",
            run: Some(floor_growing),
        },
        Row {
            key: "floor-honest",
            group: Group::Durable,
            role: Role::Floor,
            threads: Threads::One,
            library: "floor",
            calls: "pwrite + fdatasync into space written in 64 KiB pieces",
            marker: "",
            run: Some(floor_honest),
        },
        Row {
            key: "floor-batch",
            group: Group::Batch,
            role: Role::Floor,
            threads: Threads::One,
            library: "floor",
            calls: "pwrite + fdatasync of 12,800 B into space written in 64 KiB pieces",
            marker: "",
            run: Some(floor_batch),
        },
        Row {
            key: "floor-batch-fresh",
            group: Group::Batch,
            role: Role::Floor,
            threads: Threads::One,
            library: "floor",
            calls: "pwrite + fdatasync of 12,800 B into a fresh file, zeroed 2 MiB ahead",
            marker: "",
            run: Some(floor_batch_fresh),
        },
        Row {
            key: "rewal",
            group: Group::Durable,
            role: Role::Ours,
            threads: Threads::Each,
            library: "rewal",
            calls: "append + wait_durable",
            marker: "",
            run: Some(rewal_durable),
        },
        Row {
            key: "rewal-unmarked",
            group: Group::Durable,
            role: Role::Peer,
            threads: Threads::Each,
            library: "rewal without its sync mark",
            calls: "append + wait_durable, the file given as a custom storage",
            marker: "§§",
            run: Some(rewal_unmarked),
        },
        Row {
            key: "rewal-async",
            group: Group::Durable,
            role: Role::Shown,
            threads: Threads::Each,
            library: "rewal async",
            calls: "tasks append + await wait_durable_async",
            marker: "",
            run: Some(rewal_async),
        },
        Row {
            key: "okaywal",
            group: Group::Durable,
            role: Role::Peer,
            threads: Threads::Each,
            library: "okaywal 0.3.1",
            calls: "begin_entry + write_chunk + commit",
            marker: "",
            run: Some(okaywal_durable),
        },
        Row {
            key: "okaywal-again",
            group: Group::Durable,
            role: Role::Control,
            threads: Threads::One,
            library: "okaywal 0.3.1 again",
            calls: "begin_entry + write_chunk + commit",
            marker: "",
            run: Some(okaywal_durable),
        },
        Row {
            key: "walrus",
            group: Group::Durable,
            role: Role::Peer,
            threads: Threads::Each,
            library: "walrus 0.2.0",
            calls: "append_for_topic, SyncEach",
            marker: "†",
            run: Some(walrus_durable),
        },
        Row {
            key: "wal-db",
            group: Group::Durable,
            role: Role::Peer,
            threads: Threads::Each,
            library: "wal-db 1.1.0",
            calls: "append_and_sync",
            marker: "‡",
            run: Some(wal_db_durable),
        },
        Row {
            key: "upstream",
            group: Group::Durable,
            role: Role::Peer,
            threads: Threads::Each,
            library: "rewal 0.1.0",
            calls: "append + flush + sync",
            marker: "",
            run: Some(upstream_durable),
        },
        Row {
            key: "rewal-syncmode-batch",
            group: Group::Durable,
            role: Role::Shown,
            threads: Threads::Largest,
            library: "rewal SyncMode::Batch",
            calls: "append + flush",
            marker: "",
            run: Some(rewal_sync_mode_batch),
        },
        Row {
            key: "rewal-batch",
            group: Group::Batch,
            role: Role::Ours,
            threads: Threads::One,
            library: "rewal",
            calls: "append_batch + wait_durable",
            marker: "",
            run: Some(rewal_batch),
        },
        Row {
            key: "okaywal-batch",
            group: Group::Batch,
            role: Role::Peer,
            threads: Threads::One,
            library: "okaywal 0.3.1",
            calls: "one entry of 100 chunks + commit",
            marker: "",
            run: Some(okaywal_batch),
        },
        Row {
            key: "okaywal-batch-again",
            group: Group::Batch,
            role: Role::Control,
            threads: Threads::One,
            library: "okaywal 0.3.1 again",
            calls: "one entry of 100 chunks + commit",
            marker: "",
            run: Some(okaywal_batch),
        },
        Row {
            key: "walrus-batch",
            group: Group::Batch,
            role: Role::Peer,
            threads: Threads::One,
            library: "walrus 0.2.0",
            calls: "batch_append_for_topic, NoFsync (fsyncs itself)",
            marker: "",
            run: Some(walrus_batch),
        },
        Row {
            key: "wal-db-batch",
            group: Group::Batch,
            role: Role::Peer,
            threads: Threads::One,
            library: "wal-db 1.1.0",
            calls: "100 x append + sync",
            marker: "§",
            run: Some(wal_db_batch),
        },
        Row {
            key: "upstream-batch",
            group: Group::Batch,
            role: Role::Peer,
            threads: Threads::One,
            library: "rewal 0.1.0",
            calls: "append_batch + flush + sync",
            marker: "",
            run: Some(upstream_batch),
        },
        Row {
            key: "rewal-nondurable",
            group: Group::NonDurable,
            role: Role::Ours,
            threads: Threads::OneAndFour,
            library: "rewal",
            calls: "append, one flush at the end",
            marker: "",
            run: Some(rewal_non_durable),
        },
        Row {
            key: "okaywal-nondurable",
            group: Group::NonDurable,
            role: Role::Peer,
            threads: Threads::OneAndFour,
            library: "okaywal 0.3.1",
            calls: "(none)",
            marker: "*",
            run: None,
        },
        Row {
            key: "walrus-nondurable",
            group: Group::NonDurable,
            role: Role::Peer,
            threads: Threads::OneAndFour,
            library: "walrus 0.2.0",
            calls: "append_for_topic, NoFsync",
            marker: "",
            run: Some(walrus_non_durable),
        },
        Row {
            key: "wal-db-nondurable",
            group: Group::NonDurable,
            role: Role::Peer,
            threads: Threads::OneAndFour,
            library: "wal-db 1.1.0",
            calls: "append",
            marker: "",
            run: Some(wal_db_non_durable),
        },
        Row {
            key: "upstream-nondurable",
            group: Group::NonDurable,
            role: Role::Peer,
            threads: Threads::OneAndFour,
            library: "rewal 0.1.0",
            calls: "append, one flush at the end",
            marker: "",
            run: Some(upstream_non_durable),
        },
    ];

    /// The footnotes of the markers above.
    const NOTES: &[(&str, &str)] = &[
        (
            "†",
            "walrus syncs twice per append (its file is opened O_SYNC, then it calls fsync), \
         under the topic's mutex: threads never share a sync.",
        ),
        (
            "‡",
            "wal-db does not sync the directory of a log file it creates (a crash can lose a new \
         log's first events) and never preallocates (every fdatasync carries a size change).",
        ),
        (
            "§",
            "wal-db has no batches: 100 appends and one sync, not atomic (a crash can keep part \
         of a batch).",
        ),
        (
            "*",
            "okaywal cannot append without a durable commit: it has no non-durable row.",
        ),
        (
            "§§",
            "not a peer: rewal itself without its sync mark (the file handed to the builder as a \
         custom storage); rewal against it is what the mark costs.",
        ),
    ];

    // ── the workloads (each runs in a child process) ────────────────────────────

    /// Runs `work` on `threads` threads for `time`, then `finish` once; each
    /// call of `work` is one operation. Returns operations per second, over the
    /// time from the start to the end of `finish`: threads end the operation
    /// they are in after `stop`, and that time counts.
    fn run_threads<S: Sync>(
        state: &S,
        threads: usize,
        time: Duration,
        work: impl Fn(&S) + Sync,
        finish: impl FnOnce(&S),
    ) -> f64 {
        let stop = AtomicBool::new(false);
        let done = AtomicU64::new(0);
        let start = Barrier::new(threads + 1);
        let began = std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    start.wait();
                    let mut n = 0u64;
                    while !stop.load(Relaxed) {
                        work(state);
                        n += 1;
                    }
                    done.fetch_add(n, Relaxed);
                });
            }
            start.wait();
            let began = Instant::now();
            std::thread::sleep(time);
            stop.store(true, Relaxed);
            began
        });
        finish(state);
        done.load(Relaxed) as f64 / began.elapsed().as_secs_f64()
    }

    fn nothing<S>(_: &S) {}

    fn rewal_durable(dir: &Path, threads: usize, time: Duration) -> f64 {
        let wal = rewal::Wal::open(dir.join("rewal.wal")).build().unwrap();
        let rate = append_and_wait(&wal, threads, time);
        print_syncs(&wal, threads);
        wal.shutdown(Duration::from_secs(60)).unwrap();
        rate
    }

    /// rewal's durable row without its sync mark (a `FileStorage` handed to
    /// the builder keeps none): rewal against this row is what the mark
    /// (a positional write after a sync, at most every 2 ms) costs.
    fn rewal_unmarked(dir: &Path, threads: usize, time: Duration) -> f64 {
        let file = rewal::FileStorage::new(dir.join("unmarked.wal")).unwrap();
        let wal = rewal::Wal::open("unmarked").storage(file).build().unwrap();
        let rate = append_and_wait(&wal, threads, time);
        wal.shutdown(Duration::from_secs(60)).unwrap();
        rate
    }

    /// `threads` threads each looping `append` + `wait_durable` on `wal`
    /// for `time`: events per second.
    fn append_and_wait(wal: &rewal::Wal, threads: usize, time: Duration) -> f64 {
        run_threads(
            wal,
            threads,
            time,
            |wal| {
                let lsn = wal.append(EVENT).unwrap();
                wal.wait_durable(lsn).unwrap();
            },
            nothing,
        )
    }

    /// With `REWAL_BENCH_SYNCS` set: how many events each of rewal's syncs
    /// covered (on standard error, which the parent shows).
    fn print_syncs(wal: &rewal::Wal, threads: usize) {
        if std::env::var_os("REWAL_BENCH_SYNCS").is_some() {
            let stats = wal.stats();
            eprintln!(
                "  rewal, {threads} threads: {:.1} events per sync",
                stats.events_written as f64 / stats.sync_count.max(1) as f64
            );
        }
    }

    /// `tasks` tasks on a tokio runtime with two worker threads, each looping
    /// `append` + `wait_durable_async(lsn).await`: durable writes from many
    /// tasks without a thread per waiter.
    fn rewal_async(dir: &Path, tasks: usize, time: Duration) -> f64 {
        use std::sync::Arc;
        let wal = Arc::new(rewal::Wal::open(dir.join("async.wal")).build().unwrap());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let began = Instant::now();
        runtime.block_on(async {
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    let (wal, stop, done) =
                        (Arc::clone(&wal), Arc::clone(&stop), Arc::clone(&done));
                    tokio::spawn(async move {
                        while !stop.load(Relaxed) {
                            let lsn = wal.append(EVENT).unwrap();
                            wal.wait_durable_async(lsn).await.unwrap();
                            done.fetch_add(1, Relaxed);
                        }
                    })
                })
                .collect();
            tokio::time::sleep(time).await;
            stop.store(true, Relaxed);
            for handle in handles {
                handle.await.unwrap();
            }
        });
        let rate = done.load(Relaxed) as f64 / began.elapsed().as_secs_f64();
        drop(runtime);
        Arc::into_inner(wal)
            .expect("every task has ended")
            .shutdown(Duration::from_secs(60))
            .unwrap();
        rate
    }

    fn rewal_sync_mode_batch(dir: &Path, threads: usize, time: Duration) -> f64 {
        let wal = rewal::Wal::open(dir.join("batch.wal"))
            .sync_mode(rewal::SyncMode::Batch)
            .build()
            .unwrap();
        let rate = run_threads(
            &wal,
            threads,
            time,
            |wal| {
                wal.append(EVENT).unwrap();
                wal.flush().unwrap();
            },
            nothing,
        );
        wal.shutdown(Duration::from_secs(60)).unwrap();
        rate
    }

    fn okaywal_durable(dir: &Path, threads: usize, time: Duration) -> f64 {
        let log = okaywal::WriteAheadLog::recover(dir.join("okaywal"), okaywal::LogVoid).unwrap();
        let rate = run_threads(
            &log,
            threads,
            time,
            |log| {
                let mut entry = log.begin_entry().unwrap();
                entry.write_chunk(&EVENT).unwrap();
                entry.commit().unwrap();
            },
            nothing,
        );
        log.shutdown().unwrap();
        rate
    }

    /// A walrus log in this cell's directory (the parent points
    /// `WALRUS_DATA_DIR` there), with `schedule` as the process's fsync mode.
    fn walrus(schedule: walrus_rust::FsyncSchedule) -> walrus_rust::Walrus {
        walrus_rust::Walrus::with_consistency_and_schedule(
            walrus_rust::ReadConsistency::StrictlyAtOnce,
            schedule,
        )
        .unwrap()
    }

    fn walrus_durable(_dir: &Path, threads: usize, time: Duration) -> f64 {
        let wal = walrus(walrus_rust::FsyncSchedule::SyncEach);
        run_threads(
            &wal,
            threads,
            time,
            |wal| wal.append_for_topic(TOPIC, &EVENT).unwrap(),
            nothing,
        )
    }

    fn wal_db_durable(dir: &Path, threads: usize, time: Duration) -> f64 {
        let wal = wal_db::Wal::open(dir.join("wal-db.wal")).unwrap();
        run_threads(
            &wal,
            threads,
            time,
            |wal| {
                let _ = wal.append_and_sync(&EVENT).unwrap();
            },
            nothing,
        )
    }

    fn upstream_durable(dir: &Path, threads: usize, time: Duration) -> f64 {
        let wal = upstream::Wal::open(dir.join("upstream.wal"))
            .build()
            .unwrap();
        let rate = run_threads(
            &wal,
            threads,
            time,
            |wal| {
                wal.append(EVENT).unwrap();
                wal.flush().unwrap();
                wal.sync().unwrap();
            },
            nothing,
        );
        wal.shutdown(Duration::from_secs(60)).unwrap();
        rate
    }

    // Batches: the workloads return batches per second; the figure is events.

    fn rewal_batch(dir: &Path, threads: usize, time: Duration) -> f64 {
        let wal = rewal::Wal::open(dir.join("rewal.wal")).build().unwrap();
        let mut batch = rewal::Batch::with_capacity(BATCH);
        for _ in 0..BATCH {
            batch.add(EVENT);
        }
        let rate = run_threads(
            &wal,
            threads,
            time,
            |wal| {
                let last = wal.append_batch(&batch).unwrap();
                wal.wait_durable(last).unwrap();
            },
            nothing,
        );
        wal.shutdown(Duration::from_secs(60)).unwrap();
        rate * BATCH as f64
    }

    fn okaywal_batch(dir: &Path, threads: usize, time: Duration) -> f64 {
        let log = okaywal::WriteAheadLog::recover(dir.join("okaywal"), okaywal::LogVoid).unwrap();
        let rate = run_threads(
            &log,
            threads,
            time,
            |log| {
                let mut entry = log.begin_entry().unwrap();
                for _ in 0..BATCH {
                    entry.write_chunk(&EVENT).unwrap();
                }
                entry.commit().unwrap();
            },
            nothing,
        );
        log.shutdown().unwrap();
        rate * BATCH as f64
    }

    fn walrus_batch(_dir: &Path, threads: usize, time: Duration) -> f64 {
        let wal = walrus(walrus_rust::FsyncSchedule::NoFsync);
        let batch: Vec<&[u8]> = vec![&EVENT[..]; BATCH];
        let rate = run_threads(
            &wal,
            threads,
            time,
            |wal| wal.batch_append_for_topic(TOPIC, &batch).unwrap(),
            nothing,
        );
        rate * BATCH as f64
    }

    fn wal_db_batch(dir: &Path, threads: usize, time: Duration) -> f64 {
        let wal = wal_db::Wal::open(dir.join("wal-db.wal")).unwrap();
        let rate = run_threads(
            &wal,
            threads,
            time,
            |wal| {
                for _ in 0..BATCH {
                    let _ = wal.append(&EVENT).unwrap();
                }
                wal.sync().unwrap();
            },
            nothing,
        );
        rate * BATCH as f64
    }

    fn upstream_batch(dir: &Path, threads: usize, time: Duration) -> f64 {
        let wal = upstream::Wal::open(dir.join("upstream.wal"))
            .build()
            .unwrap();
        let rate = run_threads(
            &wal,
            threads,
            time,
            |wal| {
                // 0.1.0 takes the batch by value: one is built per call.
                let mut batch = upstream::Batch::with_capacity(BATCH);
                for _ in 0..BATCH {
                    batch.add(EVENT);
                }
                wal.append_batch(batch).unwrap();
                wal.flush().unwrap();
                wal.sync().unwrap();
            },
            nothing,
        );
        wal.shutdown(Duration::from_secs(60)).unwrap();
        rate * BATCH as f64
    }

    // Non-durable appends.

    fn rewal_non_durable(dir: &Path, threads: usize, time: Duration) -> f64 {
        let wal = rewal::Wal::open(dir.join("rewal.wal")).build().unwrap();
        let rate = run_threads(
            &wal,
            threads,
            time,
            |wal| {
                wal.append(EVENT).unwrap();
            },
            |wal| wal.flush().unwrap(),
        );
        wal.shutdown(Duration::from_secs(60)).unwrap();
        rate
    }

    fn walrus_non_durable(_dir: &Path, threads: usize, time: Duration) -> f64 {
        let wal = walrus(walrus_rust::FsyncSchedule::NoFsync);
        run_threads(
            &wal,
            threads,
            time,
            |wal| wal.append_for_topic(TOPIC, &EVENT).unwrap(),
            nothing,
        )
    }

    fn wal_db_non_durable(dir: &Path, threads: usize, time: Duration) -> f64 {
        let wal = wal_db::Wal::open(dir.join("wal-db.wal")).unwrap();
        run_threads(
            &wal,
            threads,
            time,
            |wal| {
                let _ = wal.append(&EVENT).unwrap();
            },
            nothing,
        )
    }

    fn upstream_non_durable(dir: &Path, threads: usize, time: Duration) -> f64 {
        let wal = upstream::Wal::open(dir.join("upstream.wal"))
            .build()
            .unwrap();
        let rate = run_threads(
            &wal,
            threads,
            time,
            |wal| {
                wal.append(EVENT).unwrap();
            },
            |wal| wal.flush().unwrap(),
        );
        wal.shutdown(Duration::from_secs(60)).unwrap();
        rate
    }

    // The floors.

    /// One thread: `write` + `fdatasync` on a file that grows.
    fn floor_growing(dir: &Path, _threads: usize, time: Duration) -> f64 {
        use std::io::Write;
        let mut file = std::fs::File::create(dir.join("growing")).unwrap();
        let began = Instant::now();
        let mut n = 0u64;
        while began.elapsed() < time {
            file.write_all(&EVENT).unwrap();
            file.sync_data().unwrap();
            n += 1;
        }
        n as f64 / began.elapsed().as_secs_f64()
    }

    /// One thread: `pwrite` + `fdatasync` of 128 B into space written and
    /// synced before the timed loop (see [`prezeroed_loop`]).
    fn floor_honest(dir: &Path, _threads: usize, time: Duration) -> f64 {
        prezeroed_loop(dir, time, &EVENT, 256 * 1024)
    }

    /// One thread: `pwrite` + `fdatasync` of a batch's payload bytes (100
    /// events, 12,800 B) into space written and synced before the timed
    /// loop; in events per second, as the batch rows are.
    fn floor_batch(dir: &Path, _threads: usize, time: Duration) -> f64 {
        prezeroed_loop(dir, time, &[EVENT[0]; BATCH * EVENT.len()], 16 * 1024) * BATCH as f64
    }

    /// One thread: the batch floor's writes into a fresh file, which gets
    /// its zeros as it fills, the way a log that does not reuse its space
    /// keeps a sync from changing the file's size: whenever the next write
    /// would pass them, zeros up to two MiB past it, in 64 KiB writes, then
    /// a sync. So each byte goes to the disk twice, once as a zero. A
    /// library that recycles its files (okaywal) pays for zeros only in
    /// files it has not recycled yet.
    fn floor_batch_fresh(dir: &Path, _threads: usize, time: Duration) -> f64 {
        use std::os::unix::fs::FileExt;
        const MIB: u64 = 1 << 20;
        let file = std::fs::File::create(dir.join("fresh")).unwrap();
        let zeros = vec![0u8; ZERO_PIECE];
        let batch = [EVENT[0]; BATCH * EVENT.len()];
        let began = Instant::now();
        let (mut n, mut at, mut zeroed) = (0u64, 0u64, 0u64);
        while began.elapsed() < time {
            let end = at + batch.len() as u64;
            if end > zeroed {
                let target = (end / MIB + 2) * MIB;
                while zeroed < target {
                    file.write_all_at(&zeros, zeroed).unwrap();
                    zeroed += ZERO_PIECE as u64;
                }
                file.sync_data().unwrap();
            }
            file.write_all_at(&batch, at).unwrap();
            file.sync_data().unwrap();
            at = end;
            n += 1;
        }
        n as f64 * BATCH as f64 / began.elapsed().as_secs_f64()
    }

    /// The pieces zeros are written in. In 1 MiB writes they would land in
    /// large page-cache folios (ext4, Linux 6.16 and later), where every
    /// later small write walks 256 buffer heads, 4-7% slower.
    const ZERO_PIECE: usize = 64 << 10;

    /// `pwrite` + `fdatasync` of `data`, one after the other, into space
    /// written (in [`ZERO_PIECE`]s) and synced before the timed loop, so
    /// that no `fdatasync` carries a size change; returns writes per
    /// second. Room for `most_per_second` writes per second of the cell
    /// (far more than this disk syncs; at least 4 MiB); should the loop use
    /// it up, it stops there and the rate is over the time it ran.
    fn prezeroed_loop(dir: &Path, time: Duration, data: &[u8], most_per_second: usize) -> f64 {
        use std::os::unix::fs::FileExt;
        let per_second = (most_per_second * data.len()) as f64;
        let pieces = ((time.as_secs_f64() * per_second) as usize / ZERO_PIECE).max(64);
        let room = (pieces * ZERO_PIECE) as u64;
        let file = std::fs::File::create(dir.join("prezeroed")).unwrap();
        let zeros = vec![0u8; ZERO_PIECE];
        for piece in 0..pieces {
            file.write_all_at(&zeros, (piece * ZERO_PIECE) as u64)
                .unwrap();
        }
        file.sync_all().unwrap();
        let began = Instant::now();
        let mut n = 0u64;
        let mut at = 0u64;
        while began.elapsed() < time {
            if at + data.len() as u64 > room {
                eprintln!("  a floor used up its {room} bytes early");
                break;
            }
            file.write_all_at(data, at).unwrap();
            file.sync_data().unwrap();
            at += data.len() as u64;
            n += 1;
        }
        n as f64 / began.elapsed().as_secs_f64()
    }

    // ── the parent: cells, rounds, tables ───────────────────────────────────────

    struct Config {
        rounds: usize,
        time: Duration,
        threads: Vec<usize>,
        loads: Vec<Load>,
    }

    impl Config {
        fn from_env() -> Config {
            let quick = settings::quick();
            let (rounds, time, threads, loads): (usize, f64, &[usize], &[Load]) = if quick {
                (1, 0.15, &[1, 4], &[Load::Quiet, Load::Loaded])
            } else {
                (9, 2.0, &[1, 4, 16, 64], &[Load::Quiet, Load::Loaded])
            };
            Config {
                rounds: settings::rounds(rounds),
                time: settings::cell_time(Duration::from_secs_f64(time)),
                threads: settings::threads(threads),
                loads: settings::loads(loads),
            }
        }
    }

    /// One cell of a round: a row at a thread count.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Slot {
        row: usize,
        threads: usize,
    }

    /// The cells of one round, in their forward order: each thread count's
    /// durable rows together (the floors beside the one-thread rows), then
    /// the batches (their floors among them), then the non-durable rows.
    /// Rows a library cannot run are left out (they are printed all the
    /// same).
    fn plan(config: &Config) -> Vec<Slot> {
        let largest = config.threads.iter().copied().max().unwrap_or(1);
        let mut slots = Vec::new();
        let mut add = |group: Group, threads: usize| {
            for (row, def) in ROWS.iter().enumerate() {
                let runs_here = match def.threads {
                    Threads::Each => true,
                    Threads::One => threads == 1,
                    Threads::Largest => threads == largest,
                    Threads::OneAndFour => true,
                };
                if def.group == group
                    && runs_here
                    && def.run.is_some()
                    && settings::keeps(&def.name())
                {
                    slots.push(Slot { row, threads });
                }
            }
        };
        for &threads in &config.threads {
            add(Group::Durable, threads);
        }
        add(Group::Batch, 1);
        for threads in [1, 4] {
            add(Group::NonDurable, threads);
        }
        slots
    }

    /// Measures one cell in a child process, in a fresh directory.
    fn measure(slot: Slot, time: Duration, load: Load) -> Result<f64, String> {
        let dir = TempDir::new("durable", ROWS[slot.row].key);
        let cell = Cell {
            key: ROWS[slot.row].key.to_owned(),
            threads: slot.threads,
            time,
            events: 0,
            dir: dir.path().to_owned(),
        };
        let env = [
            // walrus: its files in the cell's directory, and no chatter on
            // standard output (it prints unless WALRUS_QUIET is set).
            ("WALRUS_DATA_DIR", OsString::from(dir.path())),
            ("WALRUS_QUIET", OsString::from("1")),
        ];
        // Under load, at the hog's priority (see `rewal_peers::priority`).
        child::run(
            &cell,
            &env,
            load == Load::Loaded,
            time * 5 + Duration::from_secs(120),
        )
    }

    pub fn main() {
        hog::serve_if_asked();
        if let Some(cell) = Cell::asked() {
            let row = ROWS
                .iter()
                .find(|row| row.key == cell.key)
                .unwrap_or_else(|| panic!("no row {}", cell.key));
            let run = row.run.expect("a row that runs");
            child::report(run(&cell.dir, cell.threads, cell.time));
            return;
        }

        let config = Config::from_env();
        let slots = plan(&config);
        // A failed cell is reported and left out (its figure is NaN); the
        // run goes on, and fails at the end.
        let mut failures = Vec::new();
        let total = Instant::now();
        println!(
            "durable writes: 128-byte events; {} round(s) of {:?} per cell, each cell in a child \
         process; medians over rounds",
            config.rounds, config.time
        );
        for line in machine() {
            println!("{line}");
        }
        for &load in &config.loads {
            let hog = match load {
                Load::Quiet => None,
                Load::Loaded => Some(Hog::start(2).expect("start the CPU hog")),
            };
            let figures = child::alternate(slots.len(), config.rounds, |cell, round| {
                if cell == 0 && round % 2 == 0 || cell + 1 == slots.len() && round % 2 == 1 {
                    eprintln!("  {}: round {}/{}", load.name(), round + 1, config.rounds);
                }
                measure(slots[cell], config.time, load).unwrap_or_else(|error| {
                    eprintln!("  {error}");
                    failures.push(error);
                    f64::NAN
                })
            });
            let busy = hog.as_ref().map(Hog::threads);
            drop(hog);
            println!();
            match busy {
                None => println!("## quiet: nothing else of the bench runs beside the cells"),
                Some(n) => println!(
                    "## loaded: {n} busy-looping threads (another process) run beside the cells"
                ),
            }
            report(&slots, &figures);
        }
        println!();
        println!("total time: {:.1} s", total.elapsed().as_secs_f64());
        if !failures.is_empty() {
            eprintln!("{} cell(s) failed:", failures.len());
            for error in &failures {
                eprintln!("  {error}");
            }
            std::process::exit(1);
        }
    }

    /// The kernel and the processor: both move the figures.
    fn machine() -> Vec<String> {
        let mut lines = Vec::new();
        if let Ok(release) = std::fs::read_to_string("/proc/sys/kernel/osrelease") {
            lines.push(format!("kernel {}", release.trim()));
        }
        if let Ok(info) = std::fs::read_to_string("/proc/cpuinfo") {
            if let Some(model) = info.lines().find(|line| line.starts_with("model name")) {
                lines.push(model.split(':').nth(1).unwrap_or(model).trim().to_owned());
            }
        }
        lines
    }

    /// Prints one condition's tables: the figures of each group, then the
    /// ratios, then rewal (and okaywal's batches) against the floors, then
    /// the footnotes.
    fn report(slots: &[Slot], figures: &[Vec<f64>]) {
        let find = |key: &str, threads: usize| -> Option<&[f64]> {
            slots
                .iter()
                .position(|slot| ROWS[slot.row].key == key && slot.threads == threads)
                .map(|cell| &figures[cell][..])
        };
        let mut markers = Vec::new();
        for group in [Group::Durable, Group::Batch, Group::NonDurable] {
            let mut table = Table::new(&[
                ("row", Align::Left),
                ("threads", Align::Right),
                ("events/s", Align::Right),
                ("lowest", Align::Right),
                ("highest", Align::Right),
            ]);
            let mut counts: Vec<usize> = slots
                .iter()
                .filter(|slot| ROWS[slot.row].group == group)
                .map(|slot| slot.threads)
                .collect();
            counts.sort_unstable();
            counts.dedup();
            for &threads in &counts {
                for def in ROWS.iter().filter(|def| def.group == group) {
                    let name = def.name();
                    let cells = match (def.run, find(def.key, threads)) {
                        (None, _) if settings::keeps(&name) => {
                            vec![name, threads.to_string(), "n/a".to_owned()]
                        }
                        (Some(_), Some(values)) => {
                            let (low, high) = stats::range(values);
                            vec![
                                name,
                                threads.to_string(),
                                format!("{:.0}", stats::median(values)),
                                format!("{low:.0}"),
                                format!("{high:.0}"),
                            ]
                        }
                        _ => continue,
                    };
                    if !def.marker.is_empty() && !markers.contains(&def.marker) {
                        markers.push(def.marker);
                    }
                    table.row(cells);
                }
            }
            if !table.is_empty() {
                println!();
                println!("{}:", group.title());
                table.print();
            }
        }

        let mut ratios = Table::new(&[
            ("rewal against", Align::Left),
            ("rows", Align::Left),
            ("threads", Align::Right),
            ("paired (median of per-round ratios)", Align::Right),
            ("ratio of medians", Align::Right),
            ("rounds", Align::Right),
        ]);
        for group in [Group::Durable, Group::Batch, Group::NonDurable] {
            let Some(ours) = ROWS
                .iter()
                .find(|def| def.group == group && def.role == Role::Ours)
            else {
                continue;
            };
            for &slot in slots.iter().filter(|slot| slot.row_is(ours.key)) {
                let mine = find(ours.key, slot.threads).expect("its own cell");
                for peer in ROWS
                    .iter()
                    .filter(|def| def.group == group && def.role == Role::Peer)
                {
                    if let Some(theirs) = find(peer.key, slot.threads) {
                        let paired = stats::paired(mine, theirs);
                        ratios.row(vec![
                            format!("{}{}", peer.library, marker_suffix(peer.marker)),
                            group_short(group).to_owned(),
                            slot.threads.to_string(),
                            format_ratio(paired.median_of_ratios),
                            format_ratio(paired.ratio_of_medians),
                            paired.rounds.to_string(),
                        ]);
                    }
                }
            }
        }
        if !ratios.is_empty() {
            println!();
            println!("rewal's figure over the peer's (above 1: rewal faster):");
            ratios.print();
        }

        let mut controls = Vec::new();
        for (again, first, what) in [
            ("okaywal-again", "okaywal", "durable events, one thread"),
            ("okaywal-batch-again", "okaywal-batch", "durable batches"),
        ] {
            if let (Some(again), Some(first)) = (find(again, 1), find(first, 1)) {
                controls.push(format!("  {what}: {}", paired_figures(again, first)));
            }
        }
        print_lines(
            "the run's resolution: okaywal against itself, the same cells twice \
             (1.00 but for noise; a ratio above is measured no closer than this):",
            &controls,
        );

        const HONEST: (&str, &str) = (
            "floor-honest",
            "the honest floor (pwrite + fdatasync, 64 KiB pieces)",
        );
        const GROWING: (&str, &str) = (
            "floor-growing",
            "the growing-file floor (write + fdatasync)",
        );
        const BATCH_FLOOR: (&str, &str) = (
            "floor-batch",
            "the batch floor (pwrite + fdatasync of 12,800 B, 64 KiB pieces)",
        );
        const BATCH_FRESH: (&str, &str) = (
            "floor-batch-fresh",
            "the fresh-file batch floor (the same, zeroed 2 MiB ahead as it fills)",
        );
        for (who, title, floors) in [
            (
                "rewal",
                "rewal, one thread, append + wait_durable, against the machine's floors:",
                &[HONEST, GROWING][..],
            ),
            (
                "rewal-batch",
                "rewal, batches of 100, append_batch + wait_durable, against the machine's floors:",
                &[BATCH_FLOOR, BATCH_FRESH][..],
            ),
            (
                "okaywal-batch",
                "okaywal 0.3.1, batches of 100, against the same floors:",
                &[BATCH_FLOOR, BATCH_FRESH][..],
            ),
        ] {
            let Some(figures) = find(who, 1) else {
                continue;
            };
            let lines: Vec<String> = floors
                .iter()
                .filter_map(|&(key, name)| {
                    let floor = find(key, 1)?;
                    Some(format!("  / {name}: {}", paired_figures(figures, floor)))
                })
                .collect();
            print_lines(title, &lines);
        }

        if !markers.is_empty() {
            println!();
            for (marker, note) in NOTES {
                if markers.contains(marker) {
                    println!("{marker} {note}");
                }
            }
        }
    }

    impl Slot {
        fn row_is(&self, key: &str) -> bool {
            ROWS[self.row].key == key
        }
    }

    /// `mine` paired with `theirs`, round by round: "… paired, … of
    /// medians".
    fn paired_figures(mine: &[f64], theirs: &[f64]) -> String {
        let paired = stats::paired(mine, theirs);
        format!(
            "{} paired, {} of medians",
            format_ratio(paired.median_of_ratios),
            format_ratio(paired.ratio_of_medians)
        )
    }

    /// A blank line, `title`, then `lines`; nothing when there are none.
    fn print_lines(title: &str, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        println!();
        println!("{title}");
        for line in lines {
            println!("{line}");
        }
    }

    fn marker_suffix(marker: &str) -> String {
        if marker.is_empty() {
            String::new()
        } else {
            format!(" {marker}")
        }
    }

    fn group_short(group: Group) -> &'static str {
        match group {
            Group::Durable => "durable events",
            Group::Batch => "durable batches",
            Group::NonDurable => "non-durable",
        }
    }
}
