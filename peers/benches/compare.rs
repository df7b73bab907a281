//! rewal (this crate) against rewal 0.1.0 (crates.io, the `upstream`
//! dependency), the peers where they can append without syncing, and the
//! machine's memory bandwidth: the same workloads in one run.
//!
//! Measures
//!   1. single 128-byte appends, then one flush (nothing synced):
//!      - rewal: `append` x n, then `flush` (`SyncMode::Never`);
//!      - rewal 0.1.0: the same;
//!      - walrus 0.2.0: `append_for_topic` x n on one topic, opened with
//!        `FsyncSchedule::NoFsync` (each append is a `pwrite`: nothing to
//!        flush);
//!      - wal-db 1.1.0: `append` x n (each a `pwrite`: nothing to flush);
//!      - okaywal 0.3.1: none (it cannot append without a durable commit);
//!   2. batches of 100 x 128 B built fresh each iteration, then one flush:
//!      - rewal and rewal 0.1.0: `Batch` + `append_batch`, then `flush`;
//!      - wal-db: it has no batches: 100 `append` per batch, not atomic
//!        (marker §);
//!      - walrus: none (`batch_append_for_topic` always fsyncs);
//!      - okaywal: none (see 1.);
//!   3. recovery: `Wal::open(path).build()` of a log of 256-byte events
//!      (written once by this crate; shutdown not timed);
//!   4. replay of that log: owned (`replay`) and borrowed (iterator
//!      `next_borrowed`), counting payload bytes;
//!   5. CRC-32C over a 64 KiB buffer (`crc::checksum`);
//!   6. the memory-bandwidth floor beside 3. and 4.: one pass over the same
//!      log file's bytes, counting a byte with `memchr`, once over the bytes
//!      already in memory and once reading the file (from the page cache,
//!      as recovery and replay do) and then counting.
//!
//! Rows 1 and 2 run each cell (a workload, a library, a round) in a child
//! process of its own (walrus keeps its fsync mode and its files in
//! process globals), in rounds that alternate the order of the cells
//! (forwards, then backwards). Rows 3 to 5 run in this process, alternating
//! which library goes first. Every figure is the median over 5 rounds
//! (`REWAL_BENCH_ROUNDS`), as a throughput (open: as a time). A ratio is
//! the median of the per-round ratios (rewal's figure over the other's of
//! the same round, taken a moment apart), with the ratio of the medians
//! beside it. In the first table it is throughput(ours) /
//! throughput(0.1.0), so above 1 means this crate is faster (for open:
//! time(0.1.0) / time(ours)); against the peers it is rewal's cell over the
//! peer's; against the floors it is the share of the machine's limit
//! rewal reaches (of the medians).
//!
//! `REWAL_BENCH_ONLY=open|replay` runs only the sections with a row whose
//! name contains one of the parts (`append`, `batch`, `open`, `replay
//! owned`, `replay borrowed`, `crc`).
//!
//! Run:  cargo bench -p rewal-peers --bench compare
//! Smoke run (every workload ~10x smaller):
//!       REWAL_BENCH_QUICK=1 cargo bench -p rewal-peers --bench compare
//!
//! Files go to a fresh directory under `target/` (a real disk, not a
//! tmpfs), removed at the end (also on panic).

use rewal_peers::{
    child::{self, Cell},
    dir::TempDir,
    settings,
    stats::{self, format_ratio},
    table::{Align, Table},
};
use std::ffi::OsString;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

const SHUTDOWN: Duration = Duration::from_secs(60);
/// The single appends' payload.
const PAYLOAD: [u8; 128] = [0xA5; 128];
/// The batches' payload.
const BATCH_PAYLOAD: [u8; 128] = [0x5A; 128];
/// Events per batch.
const BATCH_LEN: usize = 100;

/// Sizes of every workload.
struct Config {
    quick: bool,
    rounds: usize,
    single_appends: usize,
    batches: usize,
    log_events: usize,
    crc_seconds: f64,
}

impl Config {
    fn from_env() -> Config {
        let quick = settings::quick();
        let div = if quick { 10 } else { 1 };
        Config {
            quick,
            rounds: settings::rounds(5),
            single_appends: 1_000_000 / div,
            batches: 20_000 / div,
            log_events: 1_000_000 / div,
            crc_seconds: 0.5 / div as f64,
        }
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

/// A row of the first table: rewal against rewal 0.1.0, each side's time
/// (in seconds) per round.
struct Row {
    name: String,
    ours: Vec<f64>,
    upstream: Vec<f64>,
    unit: Unit,
}

impl Row {
    /// The median of the per-round ratios throughput(ours) /
    /// throughput(upstream) == time(upstream) / time(ours), and the ratio of
    /// the medians beside it.
    fn ratio(&self) -> stats::Paired {
        stats::paired(&self.upstream, &self.ours)
    }

    /// Ours, the median time.
    fn ours(&self) -> Duration {
        Duration::from_secs_f64(stats::median(&self.ours))
    }

    /// rewal 0.1.0, the median time.
    fn upstream(&self) -> Duration {
        Duration::from_secs_f64(stats::median(&self.upstream))
    }
}

fn format_figure(d: Duration, unit: Unit) -> String {
    let secs = d.as_secs_f64();
    match unit {
        Unit::Events(n) => format_rate(n / secs),
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

fn format_rate(rate: f64) -> String {
    if !rate.is_finite() {
        "-".to_owned()
    } else if rate >= 1e6 {
        format!("{:.2} M events/s", rate / 1e6)
    } else {
        format!("{:.1} k events/s", rate / 1e3)
    }
}

/// Runs `ours` and `upstream` `reps` times each, alternating which goes
/// first; each returns the time of its measured part. Returns both sides'
/// times in seconds, round by round.
fn alternate(
    reps: usize,
    mut ours: impl FnMut(usize) -> Duration,
    mut upstream: impl FnMut(usize) -> Duration,
) -> (Vec<f64>, Vec<f64>) {
    let (mut a, mut b) = (Vec::with_capacity(reps), Vec::with_capacity(reps));
    for rep in 0..reps {
        if rep % 2 == 0 {
            a.push(ours(rep).as_secs_f64());
            b.push(upstream(rep).as_secs_f64());
        } else {
            b.push(upstream(rep).as_secs_f64());
            a.push(ours(rep).as_secs_f64());
        }
    }
    (a, b)
}

/// Runs one workload, written once, on both libraries with [`alternate`]:
/// in the body `$lib` is `rewal` for ours and `upstream` for 0.1.0, and
/// `$who` names the library (for file names and messages). The body
/// returns the time of its measured part.
macro_rules! on_both {
    ($reps:expr, |$lib:ident, $who:ident, $rep:pat_param| $body:block) => {
        alternate(
            $reps,
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

// ── 1./2. appends: each cell in a child process ─────────────────────────────

/// The two append workloads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Appends {
    Single,
    Batches,
}

/// One library's way of doing one append workload: writes `events` events
/// into a log in `dir` and returns the time that took.
type AppendRun = fn(&Path, usize) -> Duration;

struct AppendCell {
    /// Names the cell to its child process.
    key: &'static str,
    workload: Appends,
    library: &'static str,
    /// Where the library does other than the row means: a footnote marker.
    marker: &'static str,
    /// `None`: the library cannot append without syncing this way.
    run: Option<AppendRun>,
}

const APPENDS: &[AppendCell] = &[
    AppendCell {
        key: "single-rewal",
        workload: Appends::Single,
        library: "rewal",
        marker: "",
        run: Some(single_rewal),
    },
    AppendCell {
        key: "single-upstream",
        workload: Appends::Single,
        library: "rewal 0.1.0",
        marker: "",
        run: Some(single_upstream),
    },
    AppendCell {
        key: "single-okaywal",
        workload: Appends::Single,
        library: "okaywal 0.3.1",
        marker: "*",
        run: None,
    },
    AppendCell {
        key: "single-walrus",
        workload: Appends::Single,
        library: "walrus 0.2.0",
        marker: "",
        #[cfg(unix)]
        run: Some(single_walrus),
        #[cfg(not(unix))]
        run: None,
    },
    AppendCell {
        key: "single-wal-db",
        workload: Appends::Single,
        library: "wal-db 1.1.0",
        marker: "",
        run: Some(single_wal_db),
    },
    AppendCell {
        key: "batch-rewal",
        workload: Appends::Batches,
        library: "rewal",
        marker: "",
        run: Some(batch_rewal),
    },
    AppendCell {
        key: "batch-upstream",
        workload: Appends::Batches,
        library: "rewal 0.1.0",
        marker: "",
        run: Some(batch_upstream),
    },
    AppendCell {
        key: "batch-okaywal",
        workload: Appends::Batches,
        library: "okaywal 0.3.1",
        marker: "*",
        run: None,
    },
    AppendCell {
        key: "batch-walrus",
        workload: Appends::Batches,
        library: "walrus 0.2.0",
        marker: "¶",
        run: None,
    },
    AppendCell {
        key: "batch-wal-db",
        workload: Appends::Batches,
        library: "wal-db 1.1.0",
        marker: "§",
        run: Some(batch_wal_db),
    },
];

/// The footnotes of the markers above.
const NOTES: &[(&str, &str)] = &[
    (
        "*",
        "okaywal cannot append without a durable commit: no row.",
    ),
    (
        "¶",
        "walrus' batch call syncs the file it wrote in every fsync mode: no row.",
    ),
    (
        "§",
        "wal-db has no batches: 100 appends per batch, not atomic.",
    ),
];

fn single_rewal(dir: &Path, events: usize) -> Duration {
    let wal = rewal::Wal::open(dir.join("rewal.wal"))
        .build()
        .expect("open");
    let start = Instant::now();
    for _ in 0..events {
        black_box(wal.append(&PAYLOAD[..]).expect("append"));
    }
    wal.flush().expect("flush");
    let elapsed = start.elapsed();
    wal.shutdown(SHUTDOWN).expect("shutdown");
    elapsed
}

fn single_upstream(dir: &Path, events: usize) -> Duration {
    let wal = upstream::Wal::open(dir.join("upstream.wal"))
        .build()
        .expect("open");
    let start = Instant::now();
    for _ in 0..events {
        black_box(wal.append(&PAYLOAD[..]).expect("append"));
    }
    wal.flush().expect("flush");
    let elapsed = start.elapsed();
    wal.shutdown(SHUTDOWN).expect("shutdown");
    elapsed
}

/// walrus' files go to `WALRUS_DATA_DIR`, which the parent points at this
/// cell's directory.
#[cfg(unix)]
fn single_walrus(_dir: &Path, events: usize) -> Duration {
    let wal = walrus_rust::Walrus::with_consistency_and_schedule(
        walrus_rust::ReadConsistency::StrictlyAtOnce,
        walrus_rust::FsyncSchedule::NoFsync,
    )
    .expect("open");
    let start = Instant::now();
    for _ in 0..events {
        wal.append_for_topic("bench", &PAYLOAD).expect("append");
    }
    start.elapsed()
}

fn single_wal_db(dir: &Path, events: usize) -> Duration {
    let wal = wal_db::Wal::open(dir.join("wal-db.wal")).expect("open");
    let start = Instant::now();
    for _ in 0..events {
        let _ = wal.append(&PAYLOAD).expect("append");
    }
    start.elapsed()
}

fn batch_rewal(dir: &Path, events: usize) -> Duration {
    let wal = rewal::Wal::open(dir.join("rewal.wal"))
        .build()
        .expect("open");
    let start = Instant::now();
    for _ in 0..events / BATCH_LEN {
        let mut batch = rewal::Batch::with_capacity(BATCH_LEN);
        for _ in 0..BATCH_LEN {
            batch.add(&BATCH_PAYLOAD[..]);
        }
        black_box(wal.append_batch(batch).expect("append_batch"));
    }
    wal.flush().expect("flush");
    let elapsed = start.elapsed();
    wal.shutdown(SHUTDOWN).expect("shutdown");
    elapsed
}

fn batch_upstream(dir: &Path, events: usize) -> Duration {
    let wal = upstream::Wal::open(dir.join("upstream.wal"))
        .build()
        .expect("open");
    let start = Instant::now();
    for _ in 0..events / BATCH_LEN {
        let mut batch = upstream::Batch::with_capacity(BATCH_LEN);
        for _ in 0..BATCH_LEN {
            batch.add(&BATCH_PAYLOAD[..]);
        }
        black_box(wal.append_batch(batch).expect("append_batch"));
    }
    wal.flush().expect("flush");
    let elapsed = start.elapsed();
    wal.shutdown(SHUTDOWN).expect("shutdown");
    elapsed
}

fn batch_wal_db(dir: &Path, events: usize) -> Duration {
    let wal = wal_db::Wal::open(dir.join("wal-db.wal")).expect("open");
    let start = Instant::now();
    for _ in 0..events / BATCH_LEN {
        for _ in 0..BATCH_LEN {
            let _ = wal.append(&BATCH_PAYLOAD).expect("append");
        }
    }
    start.elapsed()
}

/// The append cells' figures (seconds), `[cell][round]`, for the cells
/// that run; the others are `NaN`.
fn appends(cfg: &Config) -> Vec<Vec<f64>> {
    let events = |workload| match workload {
        Appends::Single => cfg.single_appends,
        Appends::Batches => cfg.batches * BATCH_LEN,
    };
    child::alternate(APPENDS.len(), cfg.rounds, |cell, _round| {
        let def = &APPENDS[cell];
        if def.run.is_none() {
            return f64::NAN;
        }
        let dir = TempDir::new("compare", def.key);
        let cell = Cell {
            key: def.key.to_owned(),
            threads: 1,
            time: Duration::ZERO,
            events: events(def.workload) as u64,
            dir: dir.path().to_owned(),
        };
        let env = [
            ("WALRUS_DATA_DIR", OsString::from(dir.path())),
            ("WALRUS_QUIET", OsString::from("1")),
        ];
        child::run(&cell, &env, false, Duration::from_secs(600)).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// The first table's append rows: rewal and 0.1.0 from the cells.
fn append_rows(cfg: &Config, seconds: &[Vec<f64>], rows: &mut Vec<Row>) {
    let time = |key: &str| {
        let cell = APPENDS.iter().position(|c| c.key == key).expect("a cell");
        seconds[cell].clone()
    };
    let n = cfg.single_appends;
    rows.push(Row {
        name: format!("append 128 B x {n} + flush"),
        ours: time("single-rewal"),
        upstream: time("single-upstream"),
        unit: Unit::Events(n as f64),
    });
    let batches = cfg.batches;
    rows.push(Row {
        name: format!("batch {BATCH_LEN} x 128 B x {batches} + flush"),
        ours: time("batch-rewal"),
        upstream: time("batch-upstream"),
        unit: Unit::Events((batches * BATCH_LEN) as f64),
    });
}

/// The append rows beside the peers: each library's figure, and rewal's
/// paired ratio to it.
fn print_peers(cfg: &Config, seconds: &[Vec<f64>]) {
    let mut table = Table::new(&[
        ("workload", Align::Left),
        ("library", Align::Left),
        ("figure", Align::Right),
        ("rewal / it, paired", Align::Right),
        ("ratio of medians", Align::Right),
    ]);
    let mut markers = Vec::new();
    for workload in [Appends::Single, Appends::Batches] {
        let (name, events) = match workload {
            Appends::Single => ("append 128 B + flush", cfg.single_appends),
            Appends::Batches => ("batch 100 x 128 B + flush", cfg.batches * BATCH_LEN),
        };
        // Events per second, per round.
        let rates =
            |cell: usize| -> Vec<f64> { seconds[cell].iter().map(|s| events as f64 / s).collect() };
        let ours = APPENDS
            .iter()
            .position(|c| c.workload == workload && c.library == "rewal")
            .map(rates)
            .expect("rewal's cell");
        for (cell, def) in APPENDS.iter().enumerate() {
            if def.workload != workload {
                continue;
            }
            let library = if def.marker.is_empty() {
                def.library.to_owned()
            } else {
                markers.push(def.marker);
                format!("{} {}", def.library, def.marker)
            };
            if def.run.is_none() {
                table.row(vec![name.to_owned(), library, "n/a".to_owned()]);
                continue;
            }
            let theirs = rates(cell);
            let figure = format_rate(stats::median(&theirs));
            if def.library == "rewal" {
                table.row(vec![name.to_owned(), library, figure]);
                continue;
            }
            let paired = stats::paired(&ours, &theirs);
            table.row(vec![
                name.to_owned(),
                library,
                figure,
                format_ratio(paired.median_of_ratios),
                format_ratio(paired.ratio_of_medians),
            ]);
        }
    }
    println!();
    println!("appends beside the peers (nothing synced; each cell in a child process):");
    table.print();
    for (marker, note) in NOTES {
        if markers.contains(marker) {
            println!("{marker} {note}");
        }
    }
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
    let (ours, upstream) = on_both!(cfg.rounds, |lib, who, _rep| {
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
    let (ours, upstream) = on_both!(cfg.rounds, |lib, who, _rep| {
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
    let (ours, upstream) = on_both!(cfg.rounds, |lib, who, _rep| {
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

// ── 6. the memory-bandwidth floor ───────────────────────────────────────────

/// One pass over `bytes`, counting the newlines with `memchr` (a vector
/// loop that reads every byte; the count keeps the compiler from dropping
/// it).
fn count_pass(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', black_box(bytes)).count()
}

/// The floors' times over the log file at `path`: (a pass over its bytes
/// already in memory, reading the file and then a pass), medians over
/// `cfg.rounds`, alternating which goes first.
fn floors(cfg: &Config, path: &Path) -> (Duration, Duration) {
    let bytes = std::fs::read(path).expect("read the log");
    let expected = count_pass(&bytes);
    let (memory, read) = alternate(
        cfg.rounds,
        |_| {
            let start = Instant::now();
            let count = count_pass(&bytes);
            let elapsed = start.elapsed();
            assert_eq!(black_box(count), expected);
            elapsed
        },
        |_| {
            let start = Instant::now();
            let read = std::fs::read(path).expect("read the log");
            let count = count_pass(&read);
            let elapsed = start.elapsed();
            assert_eq!(black_box(count), expected);
            elapsed
        },
    );
    let median = |secs: &[f64]| Duration::from_secs_f64(stats::median(secs));
    (median(&memory), median(&read))
}

/// Recovery and replay against the floors, in GB/s of the log file.
fn print_floors(rows: &[Row], file_bytes: u64, memory: Duration, read: Duration) {
    let rate = |d: Duration| file_bytes as f64 / d.as_secs_f64() / 1e9;
    let mut table = Table::new(&[
        ("workload", Align::Left),
        ("rewal", Align::Right),
        ("rewal / memory floor", Align::Right),
        ("rewal / read floor", Align::Right),
    ]);
    for row in rows
        .iter()
        .filter(|row| row.name.starts_with("open") || row.name.starts_with("replay"))
    {
        table.row(vec![
            row.name.clone(),
            format!("{:.2} GB/s", rate(row.ours())),
            format_ratio(rate(row.ours()) / rate(memory)),
            format_ratio(rate(row.ours()) / rate(read)),
        ]);
    }
    println!();
    println!(
        "against the machine's limit, over the log file's {:.1} MB: memory floor (memchr count \
         over bytes in memory) {:.2} GB/s; read floor (read the file, then count) {:.2} GB/s",
        file_bytes as f64 / 1e6,
        rate(memory),
        rate(read)
    );
    table.print();
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

    let (ours, upstream) = on_both!(cfg.rounds, |lib, _who, _rep| {
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
    let mut table = Table::new(&[
        ("workload", Align::Left),
        ("rewal", Align::Right),
        ("rewal 0.1.0", Align::Right),
        ("ratio, paired", Align::Right),
        ("ratio of medians", Align::Right),
    ]);
    for row in rows {
        let ratio = row.ratio();
        table.row(vec![
            row.name.clone(),
            format_figure(row.ours(), row.unit),
            format_figure(row.upstream(), row.unit),
            format_ratio(ratio.median_of_ratios),
            format_ratio(ratio.ratio_of_medians),
        ]);
    }
    table.print();
}

/// In a child process: runs the append cell it was started for.
fn run_cell(cell: &Cell) -> f64 {
    let def = APPENDS
        .iter()
        .find(|def| def.key == cell.key)
        .unwrap_or_else(|| panic!("no cell {}", cell.key));
    let run = def.run.expect("a cell that runs");
    run(&cell.dir, cell.events as usize).as_secs_f64()
}

fn main() {
    if let Some(cell) = Cell::asked() {
        child::report(run_cell(&cell));
        return;
    }
    let cfg = Config::from_env();
    let dir = TempDir::new("compare", "run");
    let total = Instant::now();

    println!(
        "rewal vs rewal 0.1.0 and the peers (medians of {} rounds; ratio > 1: rewal faster)",
        cfg.rounds
    );
    match cpu_model() {
        Some(model) => println!("{model}"),
        None => println!("cpu: unknown"),
    }
    if cfg.quick {
        println!("REWAL_BENCH_QUICK: workloads ~10x smaller");
    }
    println!("temp dir: {}", dir.path().display());
    println!();

    // Each section runs when `REWAL_BENCH_ONLY` keeps one of its rows.
    let seconds = (settings::keeps("append") || settings::keeps("batch")).then(|| appends(&cfg));
    let mut rows = Vec::new();
    if let Some(seconds) = &seconds {
        append_rows(&cfg, seconds, &mut rows);
    }

    let (open, owned, borrowed) = (
        settings::keeps("open"),
        settings::keeps("replay owned"),
        settings::keeps("replay borrowed"),
    );
    let mut floor = None;
    if open || owned || borrowed {
        let log = dir.file("recovery.wal");
        write_log(&log, cfg.log_events);
        if open {
            recovery(&cfg, &log, &mut rows);
        }
        if owned {
            replay_owned(&cfg, &log, &mut rows);
        }
        if borrowed {
            replay_borrowed(&cfg, &log, &mut rows);
        }
        let file_bytes = std::fs::metadata(&log).expect("the log").len();
        let (memory, read) = floors(&cfg, &log);
        floor = Some((file_bytes, memory, read));
        let _ = std::fs::remove_file(&log);
    }

    if settings::keeps("crc") {
        crc(&cfg, &mut rows);
    }

    print_table(&rows);
    let paired = |row: &Row| row.ratio().median_of_ratios;
    if let Some(slowest) = rows.iter().min_by(|a, b| paired(a).total_cmp(&paired(b))) {
        println!();
        println!("slowest row: {} at {:.2}x", slowest.name, paired(slowest));
    }
    if let Some(seconds) = &seconds {
        print_peers(&cfg, seconds);
    }
    if let Some((file_bytes, memory, read)) = floor {
        print_floors(&rows, file_bytes, memory, read);
    }
    println!();
    println!("total time: {:.1} s", total.elapsed().as_secs_f64());
}
