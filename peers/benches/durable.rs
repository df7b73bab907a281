//! Durable writes: how many events per second reach the disk, acknowledged,
//! with rewal and its peers, in one run on one disk.
//!
//! Rows (128-byte events; every event is acknowledged only once durable):
//!   - rewal: each of T threads loops `append` + `wait_durable(lsn)`;
//!   - rewal async: T tokio tasks (two worker threads) loop `append` +
//!     `wait_durable_async(lsn).await`;
//!   - okaywal 0.3.1: each thread loops `begin_entry` / `write_chunk` /
//!     `commit`;
//!   - rewal 0.1.0: each thread loops `append`, `flush`, `sync`;
//!   - rewal with `SyncMode::Batch`: each thread loops `append` + `flush`
//!     (every write is synced before `flush` returns);
//!   - the machine's floors, one thread: `write` + `fdatasync` of a file
//!     that grows, and `pwrite` + `fdatasync` into blocks written
//!     beforehand (no size change for `fdatasync` to carry).
//!
//! Each row runs for a fixed time per round; rounds alternate the order of
//! the rows (forwards, then backwards), and the figure is the median over
//! rounds. Ratios compare rows of the same run.
//!
//! Run:  cargo bench -p rewal-peers --bench durable
//! Smoke run (short rounds, fewer threads):
//!       REWAL_BENCH_QUICK=1 cargo bench -p rewal-peers --bench durable
//!
//! `REWAL_BENCH_ONLY=text` keeps only the rows whose name contains `text`
//! (`a|b`: either),
//! `REWAL_BENCH_THREADS=1,64` sets the thread counts,
//! `REWAL_BENCH_ROUNDS=9` the number of rounds, and
//! `REWAL_BENCH_SYNCS=1` prints how many events each of rewal's syncs
//! covered (for profiling; group commit at work is not a matter of noise).
//!
//! Files go to a fresh directory under `target/` (a real disk, not a
//! tmpfs), removed at the end.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Barrier;
use std::time::{Duration, Instant};

const EVENT: [u8; 128] = [0x5a; 128];

struct Config {
    round: Duration,
    rounds: usize,
    threads: Vec<usize>,
}

impl Config {
    fn from_env() -> Config {
        let quick = std::env::var("REWAL_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
        let mut config = if quick {
            Config {
                round: Duration::from_millis(150),
                rounds: 1,
                threads: vec![1, 4],
            }
        } else {
            Config {
                round: Duration::from_secs(2),
                rounds: 5,
                threads: vec![1, 4, 16, 64],
            }
        };
        if let Some(rounds) = std::env::var("REWAL_BENCH_ROUNDS")
            .ok()
            .and_then(|n| n.trim().parse().ok())
        {
            config.rounds = rounds;
        }
        if let Ok(list) = std::env::var("REWAL_BENCH_THREADS") {
            config.threads = list
                .split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect();
        }
        config
    }
}

/// A fresh directory under `target/`; removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-durable");
        let dir = base.join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create bench dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `work` on `threads` threads for `time`, each call one acknowledged
/// event; returns events per second.
fn run_threads<S: Sync>(
    state: &S,
    threads: usize,
    time: Duration,
    work: impl Fn(&S) + Sync,
) -> f64 {
    let stop = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let start = Barrier::new(threads + 1);
    let elapsed = std::thread::scope(|scope| {
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
    // Threads finish their last event after `stop`: count the time they took.
    done.load(Relaxed) as f64 / elapsed.elapsed().as_secs_f64()
}

fn rewal_durable(dir: &Path, threads: usize, time: Duration) -> f64 {
    let wal = rewal::Wal::open(dir.join("rewal.wal")).build().unwrap();
    let rate = run_threads(&wal, threads, time, |wal| {
        let lsn = wal.append(EVENT).unwrap();
        wal.wait_durable(lsn).unwrap();
    });
    let stats = wal.stats();
    if std::env::var_os("REWAL_BENCH_SYNCS").is_some() {
        println!(
            "  rewal, {threads} threads: {:.1} events per sync",
            stats.events_written as f64 / stats.sync_count.max(1) as f64
        );
    }
    wal.shutdown(Duration::from_secs(60)).unwrap();
    rate
}

/// `threads` tasks on a tokio runtime with two worker threads, each
/// looping `append` + `wait_durable_async(lsn).await`: durable writes
/// from many tasks without a thread per waiter.
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
                let (wal, stop, done) = (Arc::clone(&wal), Arc::clone(&stop), Arc::clone(&done));
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

fn rewal_batch_mode(dir: &Path, threads: usize, time: Duration) -> f64 {
    let wal = rewal::Wal::open(dir.join("batch.wal"))
        .sync_mode(rewal::SyncMode::Batch)
        .build()
        .unwrap();
    let rate = run_threads(&wal, threads, time, |wal| {
        wal.append(EVENT).unwrap();
        wal.flush().unwrap();
    });
    wal.shutdown(Duration::from_secs(60)).unwrap();
    rate
}

fn okaywal_durable(dir: &Path, threads: usize, time: Duration) -> f64 {
    let log = okaywal::WriteAheadLog::recover(dir.join("okaywal"), okaywal::LogVoid).unwrap();
    let rate = run_threads(&log, threads, time, |log| {
        let mut entry = log.begin_entry().unwrap();
        entry.write_chunk(&EVENT).unwrap();
        entry.commit().unwrap();
    });
    log.shutdown().unwrap();
    rate
}

fn upstream_durable(dir: &Path, threads: usize, time: Duration) -> f64 {
    let wal = upstream::Wal::open(dir.join("upstream.wal"))
        .build()
        .unwrap();
    let rate = run_threads(&wal, threads, time, |wal| {
        wal.append(EVENT.to_vec()).unwrap();
        wal.flush().unwrap();
        wal.sync().unwrap();
    });
    wal.shutdown(Duration::from_secs(60)).unwrap();
    rate
}

/// One thread: `write` + `fdatasync` on a file that grows.
fn floor_growing(dir: &Path, _threads: usize, time: Duration) -> f64 {
    let mut file = std::fs::File::create(dir.join("growing")).unwrap();
    run_threads(&(), 1, time, |()| {}); // warm the thread machinery alike
    let began = Instant::now();
    let mut n = 0u64;
    while began.elapsed() < time {
        file.write_all(&EVENT).unwrap();
        file.sync_data().unwrap();
        n += 1;
    }
    n as f64 / began.elapsed().as_secs_f64()
}

/// One thread: `pwrite` + `fdatasync` into blocks written (and synced)
/// beforehand, so that `fdatasync` carries no size change. The blocks come
/// in 1 MiB chunks, each written and synced when the one before is full, as
/// okaywal and rewal do: one large preallocated file made this loop 8-12%
/// slower on this machine (a 64 MiB file against 1 MiB chunks, measured
/// alternately), which would have flattered both libraries.
fn floor_preallocated(dir: &Path, _threads: usize, time: Duration) -> f64 {
    use std::os::unix::fs::FileExt;
    const CHUNK: u64 = 1 << 20;
    let file = std::fs::File::create(dir.join("preallocated")).unwrap();
    let zeros = vec![0u8; CHUNK as usize];
    let mut room = 0u64;
    let began = Instant::now();
    let mut n = 0u64;
    let mut at = 0u64;
    while began.elapsed() < time {
        if at + EVENT.len() as u64 > room {
            file.write_all_at(&zeros, room).unwrap();
            file.sync_data().unwrap();
            room += CHUNK;
        }
        file.write_all_at(&EVENT, at).unwrap();
        file.sync_data().unwrap();
        at += EVENT.len() as u64;
        n += 1;
    }
    n as f64 / began.elapsed().as_secs_f64()
}

type Workload = fn(&Path, usize, Duration) -> f64;

struct Row {
    name: String,
    threads: usize,
    workload: Workload,
    rates: Vec<f64>,
}

impl Row {
    fn new(name: &str, threads: usize, workload: Workload) -> Row {
        Row {
            name: name.to_owned(),
            threads,
            workload,
            rates: Vec::new(),
        }
    }

    fn median(&self) -> f64 {
        let mut rates = self.rates.clone();
        rates.sort_by(f64::total_cmp);
        rates[rates.len() / 2]
    }
}

fn find(rows: &[Row], name: &str, threads: usize) -> f64 {
    rows.iter()
        .find(|row| row.name == name && row.threads == threads)
        .map_or(f64::NAN, Row::median)
}

#[cfg(unix)]
fn main() {
    let config = Config::from_env();
    let mut rows = vec![
        Row::new("floor: write + fdatasync, growing file", 1, floor_growing),
        Row::new(
            "floor: pwrite + fdatasync, preallocated",
            1,
            floor_preallocated,
        ),
    ];
    for &threads in &config.threads {
        rows.push(Row::new(
            "rewal append + wait_durable",
            threads,
            rewal_durable,
        ));
        rows.push(Row::new(
            "rewal async: tasks append + await durable",
            threads,
            rewal_async,
        ));
        rows.push(Row::new(
            "okaywal 0.3.1 entry + commit",
            threads,
            okaywal_durable,
        ));
        rows.push(Row::new(
            "rewal 0.1.0 append + flush + sync",
            threads,
            upstream_durable,
        ));
    }
    let many = *config.threads.last().unwrap_or(&1);
    rows.push(Row::new(
        "rewal SyncMode::Batch, append + flush",
        many,
        rewal_batch_mode,
    ));
    if let Ok(only) = std::env::var("REWAL_BENCH_ONLY") {
        rows.retain(|row| only.split('|').any(|part| row.name.contains(part)));
    }

    println!(
        "durable writes: 128-byte events, {} round(s) of {:?} per row, medians",
        config.rounds, config.round
    );
    for round in 0..config.rounds {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..rows.len()).collect()
        } else {
            (0..rows.len()).rev().collect()
        };
        for i in order {
            let dir = TempDir::new("row");
            let row = &mut rows[i];
            let rate = (row.workload)(&dir.0, row.threads, config.round);
            row.rates.push(rate);
        }
    }

    println!("{:<44} {:>7} {:>12}", "workload", "threads", "events/s");
    for row in &rows {
        println!("{:<44} {:>7} {:>12.0}", row.name, row.threads, row.median());
    }
    println!();
    println!(
        "{:>7} {:>16} {:>16}",
        "threads", "rewal/okaywal", "rewal/0.1.0"
    );
    for &threads in &config.threads {
        let ours = find(&rows, "rewal append + wait_durable", threads);
        println!(
            "{:>7} {:>16} {:>16}",
            threads,
            ratio(ours, find(&rows, "okaywal 0.3.1 entry + commit", threads)),
            ratio(
                ours,
                find(&rows, "rewal 0.1.0 append + flush + sync", threads)
            )
        );
    }
    let one = find(&rows, "rewal append + wait_durable", 1);
    println!(
        "one thread / preallocated floor: {}; / growing floor: {}",
        ratio(
            one,
            find(&rows, "floor: pwrite + fdatasync, preallocated", 1)
        ),
        ratio(
            one,
            find(&rows, "floor: write + fdatasync, growing file", 1)
        )
    );
}

/// `ours / theirs` as `1.23x`, or `-` when a row was not run.
fn ratio(ours: f64, theirs: f64) -> String {
    let ratio = ours / theirs;
    if ratio.is_finite() {
        format!("{ratio:.2}x")
    } else {
        "-".to_owned()
    }
}

#[cfg(not(unix))]
fn main() {
    println!("the durable benchmark's floors use unix positional writes: unix only");
}
