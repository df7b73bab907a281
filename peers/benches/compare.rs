//! rewal (this crate) against rewal 0.1.0 (crates.io, the `upstream`
//! dev-dependency): the same workloads on both libraries in one run.
//!
//! Measures
//!   1. single 128-byte appends, then one flush (`SyncMode::Never`);
//!   2. batches of 100 x 128 B built fresh each iteration, then one flush;
//!   3. recovery: `Wal::open(path).build()` of a log of 256-byte events
//!      (written once by this crate; shutdown not timed);
//!   4. replay of that log: owned (`replay`) and borrowed (iterator
//!      `next_borrowed`), counting payload bytes;
//!   5. CRC-32C over a 64 KiB buffer (`crc::checksum`).
//!
//! Every workload repeats 5 times, alternating which library runs first, and
//! reports the median as a throughput (open: as a time). `ratio` is
//! throughput(ours) / throughput(0.1.0), so above 1 means this crate is
//! faster (for open: time(0.1.0) / time(ours)).
//!
//! Run:  cargo bench --bench compare
//! Smoke run (every workload ~10x smaller):
//!       REWAL_BENCH_QUICK=1 cargo bench --bench compare
//!
//! Files go to a fresh directory under `std::env::temp_dir()`, removed at
//! the end (also on panic).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SHUTDOWN: Duration = Duration::from_secs(60);

/// Sizes of every workload.
struct Config {
    quick: bool,
    single_appends: usize,
    batches: usize,
    batch_len: usize,
    log_events: usize,
    crc_seconds: f64,
}

impl Config {
    fn from_env() -> Config {
        let quick = std::env::var("REWAL_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
        let div = if quick { 10 } else { 1 };
        Config {
            quick,
            single_appends: 1_000_000 / div,
            batches: 20_000 / div,
            batch_len: 100,
            log_events: 1_000_000 / div,
            crc_seconds: 0.5 / div as f64,
        }
    }
}

/// The bench's temporary directory; removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "rewal-bench-compare-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How a result is shown.
#[derive(Clone, Copy)]
enum Unit {
    /// `amount` events per run.
    Events(f64),
    /// `amount` bytes per run, shown as GB/s.
    Bytes(f64),
    /// A latency, shown in ms (lower is better).
    Millis,
}

struct Row {
    name: String,
    ours: Duration,
    upstream: Duration,
    unit: Unit,
}

impl Row {
    /// throughput(ours) / throughput(upstream) == time(upstream) / time(ours).
    fn ratio(&self) -> f64 {
        self.upstream.as_secs_f64() / self.ours.as_secs_f64()
    }
}

fn format_figure(d: Duration, unit: Unit) -> String {
    let secs = d.as_secs_f64();
    match unit {
        Unit::Events(n) => {
            let rate = n / secs;
            if rate >= 1e6 {
                format!("{:.2} M events/s", rate / 1e6)
            } else {
                format!("{:.1} k events/s", rate / 1e3)
            }
        }
        Unit::Bytes(n) => {
            let rate = n / secs;
            if rate >= 1e9 {
                format!("{:.2} GB/s", rate / 1e9)
            } else {
                format!("{:.1} MB/s", rate / 1e6)
            }
        }
        Unit::Millis => format!("{:.2} ms", secs * 1e3),
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let mid = samples.len() / 2;
    if samples.len() % 2 == 1 {
        samples[mid]
    } else {
        (samples[mid - 1] + samples[mid]) / 2
    }
}

/// Runs `ours` and `upstream` `reps` times each, alternating which goes
/// first; each returns the time of its measured part. Returns the medians.
fn alternate(
    reps: usize,
    mut ours: impl FnMut(usize) -> Duration,
    mut upstream: impl FnMut(usize) -> Duration,
) -> (Duration, Duration) {
    let (mut a, mut b) = (Vec::with_capacity(reps), Vec::with_capacity(reps));
    for rep in 0..reps {
        if rep % 2 == 0 {
            a.push(ours(rep));
            b.push(upstream(rep));
        } else {
            b.push(upstream(rep));
            a.push(ours(rep));
        }
    }
    (median(a), median(b))
}

/// Runs one workload, written once, on both libraries with [`alternate`]:
/// in the body `$lib` is `rewal` for ours and `upstream` for 0.1.0, and
/// `$who` names the library (for file names and messages). The body
/// returns the time of its measured part.
macro_rules! on_both {
    (|$lib:ident, $who:ident, $rep:pat_param| $body:block) => {
        alternate(
            5,
            |$rep| {
                use rewal as $lib;
                let $who = "ours";
                $body
            },
            |$rep| {
                use upstream as $lib;
                let $who = "0.1.0";
                $body
            },
        )
    };
}

fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
}

// ── 1. single appends ───────────────────────────────────────────────────────

fn single_appends(cfg: &Config, dir: &TempDir, rows: &mut Vec<Row>) {
    let n = cfg.single_appends;
    let payload = [0xA5u8; 128];
    let (ours, upstream) = on_both!(|lib, who, rep| {
        let path = dir.file(&format!("single-{who}-{rep}.wal"));
        let wal = lib::Wal::open(&path).build().expect("open");
        let start = Instant::now();
        for _ in 0..n {
            black_box(wal.append(&payload[..]).expect("append"));
        }
        wal.flush().expect("flush");
        let elapsed = start.elapsed();
        wal.shutdown(SHUTDOWN).expect("shutdown");
        drop(wal);
        remove(&path);
        elapsed
    });
    rows.push(Row {
        name: format!("append 128 B x {n} + flush"),
        ours,
        upstream,
        unit: Unit::Events(n as f64),
    });
}

// ── 2. batches ──────────────────────────────────────────────────────────────

fn batch_appends(cfg: &Config, dir: &TempDir, rows: &mut Vec<Row>) {
    let (batches, len) = (cfg.batches, cfg.batch_len);
    let payload = [0x5Au8; 128];
    let (ours, upstream) = on_both!(|lib, who, rep| {
        let path = dir.file(&format!("batch-{who}-{rep}.wal"));
        let wal = lib::Wal::open(&path).build().expect("open");
        let start = Instant::now();
        for _ in 0..batches {
            let mut batch = lib::Batch::with_capacity(len);
            for _ in 0..len {
                batch.add(&payload[..]);
            }
            black_box(wal.append_batch(batch).expect("append_batch"));
        }
        wal.flush().expect("flush");
        let elapsed = start.elapsed();
        wal.shutdown(SHUTDOWN).expect("shutdown");
        drop(wal);
        remove(&path);
        elapsed
    });
    rows.push(Row {
        name: format!("batch {len} x 128 B x {batches} + flush"),
        ours,
        upstream,
        unit: Unit::Events((batches * len) as f64),
    });
}

// ── 3./4. recovery and replay of one log ────────────────────────────────────

/// Writes `events` 256-byte events with single appends through this crate.
fn write_log(path: &Path, events: usize) {
    let mut payload = [0u8; 256];
    let wal = rewal::Wal::open(path).build().expect("open log writer");
    for i in 0..events {
        payload[..8].copy_from_slice(&(i as u64).to_le_bytes());
        wal.append(&payload[..]).expect("append log");
    }
    wal.shutdown(SHUTDOWN).expect("shutdown log writer");
}

fn recovery(cfg: &Config, path: &Path, rows: &mut Vec<Row>) {
    let events = cfg.log_events;
    let (ours, upstream) = on_both!(|lib, who, _rep| {
        let start = Instant::now();
        let wal = lib::Wal::open(path).build().expect("reopen");
        let elapsed = start.elapsed();
        assert_eq!(wal.last_lsn(), events as u64, "{who} recovered");
        wal.shutdown(SHUTDOWN).expect("shutdown");
        elapsed
    });
    rows.push(Row {
        name: format!("open (recover) {events} x 256 B"),
        ours,
        upstream,
        unit: Unit::Millis,
    });
}

fn replay_owned(cfg: &Config, path: &Path, rows: &mut Vec<Row>) {
    let events = cfg.log_events;
    let expected = events * 256;
    let (ours, upstream) = on_both!(|lib, who, _rep| {
        let wal = lib::Wal::open(path).build().expect("open");
        let (mut count, mut bytes) = (0usize, 0usize);
        let start = Instant::now();
        wal.replay(0, |event| {
            count += 1;
            bytes += black_box(event).payload.len();
            Ok(())
        })
        .expect("replay");
        let elapsed = start.elapsed();
        assert_eq!((count, black_box(bytes)), (events, expected), "{who}");
        wal.shutdown(SHUTDOWN).expect("shutdown");
        elapsed
    });
    rows.push(Row {
        name: format!("replay owned {events} x 256 B"),
        ours,
        upstream,
        unit: Unit::Events(events as f64),
    });
}

fn replay_borrowed(cfg: &Config, path: &Path, rows: &mut Vec<Row>) {
    let events = cfg.log_events;
    let expected = events * 256;
    let (ours, upstream) = on_both!(|lib, who, _rep| {
        let wal = lib::Wal::open(path).build().expect("open");
        let (mut count, mut bytes) = (0usize, 0usize);
        let start = Instant::now();
        let mut it = wal.iterator(0).expect("iterator");
        while let Some(event) = it.next_borrowed().expect("next") {
            count += 1;
            bytes += black_box(event.payload).len();
        }
        drop(it);
        let elapsed = start.elapsed();
        assert_eq!((count, black_box(bytes)), (events, expected), "{who}");
        wal.shutdown(SHUTDOWN).expect("shutdown");
        elapsed
    });
    rows.push(Row {
        name: format!("replay borrowed {events} x 256 B"),
        ours,
        upstream,
        unit: Unit::Events(events as f64),
    });
}

// ── 5. CRC-32C ──────────────────────────────────────────────────────────────

fn crc(cfg: &Config, rows: &mut Vec<Row>) {
    // Pseudo-random contents (xorshift), so nothing is special-cased.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let buf: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    assert_eq!(
        rewal::crc::checksum(&buf),
        upstream::crc::checksum(&buf),
        "both compute CRC-32C"
    );

    // Calibrate on ours for ~crc_seconds per repetition.
    let probe = 2_000;
    let start = Instant::now();
    for _ in 0..probe {
        black_box(rewal::crc::checksum(black_box(&buf)));
    }
    let per_call = start.elapsed().as_secs_f64() / probe as f64;
    let iters = ((cfg.crc_seconds / per_call) as usize).max(100);

    let (ours, upstream) = on_both!(|lib, _who, _rep| {
        let mut acc = 0u32;
        let start = Instant::now();
        for _ in 0..iters {
            acc ^= lib::crc::checksum(black_box(&buf));
        }
        let elapsed = start.elapsed();
        black_box(acc);
        elapsed
    });
    rows.push(Row {
        name: "crc32c 64 KiB".to_string(),
        ours,
        upstream,
        unit: Unit::Bytes((iters * buf.len()) as f64),
    });
}

// ── main ────────────────────────────────────────────────────────────────────

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|line| line.starts_with("model name"))
        .map(str::to_string)
}

fn print_table(rows: &[Row]) {
    let headers = ["workload", "rewal", "rewal 0.1.0", "ratio"];
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|row| {
            [
                row.name.clone(),
                format_figure(row.ours, row.unit),
                format_figure(row.upstream, row.unit),
                format!("{:.2}x", row.ratio()),
            ]
        })
        .collect();
    let mut widths = headers.map(str::len);
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let line = |cols: [&str; 4]| {
        format!(
            "| {:<w0$} | {:>w1$} | {:>w2$} | {:>w3$} |",
            cols[0],
            cols[1],
            cols[2],
            cols[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
        )
    };
    println!("{}", line(headers));
    println!(
        "|{}|{}|{}|{}|",
        "-".repeat(widths[0] + 2),
        "-".repeat(widths[1] + 2),
        "-".repeat(widths[2] + 2),
        "-".repeat(widths[3] + 2),
    );
    for row in &cells {
        println!("{}", line([&row[0], &row[1], &row[2], &row[3]]));
    }
}

fn main() {
    let cfg = Config::from_env();
    let dir = TempDir::new();
    let total = Instant::now();

    println!("rewal vs rewal 0.1.0 (medians; ratio > 1: rewal faster)");
    match cpu_model() {
        Some(model) => println!("{model}"),
        None => println!("cpu: unknown"),
    }
    if cfg.quick {
        println!("REWAL_BENCH_QUICK: workloads ~10x smaller");
    }
    println!("temp dir: {}", dir.0.display());
    println!();

    let mut rows = Vec::new();
    single_appends(&cfg, &dir, &mut rows);
    batch_appends(&cfg, &dir, &mut rows);

    let log = dir.file("recovery.wal");
    write_log(&log, cfg.log_events);
    recovery(&cfg, &log, &mut rows);
    replay_owned(&cfg, &log, &mut rows);
    replay_borrowed(&cfg, &log, &mut rows);
    remove(&log);

    crc(&cfg, &mut rows);

    print_table(&rows);
    if let Some(slowest) = rows.iter().min_by(|a, b| a.ratio().total_cmp(&b.ratio())) {
        println!();
        println!("slowest row: {} at {:.2}x", slowest.name, slowest.ratio());
    }
    println!("total time: {:.1} s", total.elapsed().as_secs_f64());
}
