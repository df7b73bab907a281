//! Segments and checkpoints: what keeping a log as a directory of segments
//! costs, against the same log kept as one file, in one run on one disk.
//!
//! Three measurements, as issue 14 asks:
//!   1. rotation: durable appends (one thread, `append` + `wait_durable`)
//!      into small segments, so that it rotates often, against one file:
//!      events per second, and the latency of the appends that rotated
//!      against the median one;
//!   2. checkpoint: the same durable writer while another thread
//!      checkpoints away segments: the writer's slowest append during the
//!      checkpoints against its slowest without, and what one checkpoint
//!      took;
//!   3. replay: `replay_borrowed` of a whole log kept as 16 segments
//!      against the same events in one file (1 GiB; 64 MiB quick), from a
//!      warm page cache.
//!
//! Rounds alternate the order of the two layouts; figures are medians over
//! rounds.
//!
//! Run:  cargo bench -p rewal-peers --bench segments
//! Smoke run: REWAL_BENCH_QUICK=1 cargo bench -p rewal-peers --bench segments

use rewal::{SyncMode, Wal};
use rewal_peers::{dir::TempDir, stats::median};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

const EVENT: [u8; 128] = [0x5a; 128];

struct Config {
    rounds: usize,
    /// How long each durable-write row runs.
    write_time: Duration,
    /// The size of the log replayed.
    replay_bytes: u64,
}

impl Config {
    fn from_env() -> Config {
        let quick = std::env::var("REWAL_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
        if quick {
            Config {
                rounds: 1,
                write_time: Duration::from_secs(1),
                replay_bytes: 64 << 20,
            }
        } else {
            Config {
                rounds: 5,
                write_time: Duration::from_secs(2),
                replay_bytes: 1 << 30,
            }
        }
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A durable writer's run: events per second, every append's latency, and
/// which appends started a new segment.
struct WriteRun {
    rate: f64,
    latencies: Vec<Duration>,
    rotated: Vec<bool>,
}

/// One thread appends and waits for each event to be durable, for `time`.
fn durable_writer(wal: &Wal, time: Duration, stop: Option<&AtomicBool>) -> WriteRun {
    let began = Instant::now();
    let mut latencies = Vec::new();
    let mut rotated = Vec::new();
    let mut first = wal.first_lsn();
    let mut segments = segment_count(wal.path());
    while began.elapsed() < time && !stop.is_some_and(|stop| stop.load(Relaxed)) {
        let at = Instant::now();
        let lsn = wal.append(EVENT).unwrap();
        wal.wait_durable(lsn).unwrap();
        latencies.push(at.elapsed());
        // Counting files costs a directory read: only every 64 appends,
        // and only to attribute a rotation to the appends just before.
        if latencies.len() % 64 == 0 {
            let now = segment_count(wal.path());
            let checkpointed = wal.first_lsn() != first;
            first = wal.first_lsn();
            let grew = now > segments || (checkpointed && now >= segments);
            segments = now;
            rotated.extend(std::iter::repeat_n(false, 63));
            rotated.push(grew);
        }
    }
    rotated.resize(latencies.len(), false);
    WriteRun {
        rate: latencies.len() as f64 / began.elapsed().as_secs_f64(),
        latencies,
        rotated,
    }
}

fn segment_count(path: &Path) -> usize {
    std::fs::read_dir(path).map_or(0, |entries| {
        entries
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "wal"))
            .count()
    })
}

fn percentile(latencies: &[Duration], fraction: f64) -> Duration {
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    sorted[((sorted.len() - 1) as f64 * fraction) as usize]
}

/// Rotation: one file against 32 KiB segments (a rotation every ~215 events).
fn rotation(config: &Config) {
    println!("1. rotation: durable appends of 128 B, one thread, 32 KiB segments");
    let (mut file_rates, mut seg_rates) = (Vec::new(), Vec::new());
    let (mut medians, mut rotating, mut p999s) = (Vec::new(), Vec::new(), Vec::new());
    let mut rotations = 0;
    for round in 0..config.rounds {
        for segmented in [round % 2 == 1, round % 2 == 0] {
            let dir = TempDir::new("segments", "rotation");
            if segmented {
                let wal = Wal::open_dir(dir.file("log"))
                    .segment_size(32 << 10)
                    .build()
                    .unwrap();
                let run = durable_writer(&wal, config.write_time, None);
                rotations += segment_count(wal.path()) - 1;
                wal.close().unwrap();
                seg_rates.push(run.rate);
                medians.push(millis(percentile(&run.latencies, 0.5)));
                p999s.push(millis(percentile(&run.latencies, 0.999)));
                // The slowest append of each 64 in which a rotation fell.
                let slowest: Vec<f64> = run
                    .rotated
                    .iter()
                    .enumerate()
                    .filter(|(_, rotated)| **rotated)
                    .map(|(i, _)| {
                        let window = &run.latencies[i.saturating_sub(63)..=i];
                        millis(*window.iter().max().unwrap())
                    })
                    .collect();
                if !slowest.is_empty() {
                    rotating.push(median(&slowest));
                }
            } else {
                let wal = Wal::open(dir.file("log.wal")).build().unwrap();
                file_rates.push(durable_writer(&wal, config.write_time, None).rate);
                wal.close().unwrap();
            }
        }
    }
    let (file, seg) = (median(&file_rates), median(&seg_rates));
    println!("   one file:            {file:>9.0} events/s");
    println!(
        "   segments:            {seg:>9.0} events/s  ({:.2}x one file; {rotations} rotations)",
        seg / file
    );
    println!(
        "   append latency:      median {:.3} ms, p99.9 {:.3} ms; slowest append around a rotation {:.3} ms",
        median(&medians),
        median(&p999s),
        if rotating.is_empty() { f64::NAN } else { median(&rotating) }
    );
}

/// Checkpoint: the durable writer's slowest append with and without
/// another thread checkpointing segments away.
fn checkpoint(config: &Config) {
    println!("2. checkpoint: the durable writer while segments are checkpointed away");
    let (mut calm, mut busy, mut took) = (Vec::new(), Vec::new(), Vec::new());
    let mut removed = 0;
    for round in 0..config.rounds {
        for checkpointing in [round % 2 == 1, round % 2 == 0] {
            let dir = TempDir::new("segments", "checkpoint");
            let wal = Wal::open_dir(dir.file("log"))
                .segment_size(64 << 10)
                .sync_mode(SyncMode::Never)
                .build()
                .unwrap();
            // Segments to give back: 64 KiB each.
            for _ in 0..(64 << 20) / EVENT.len() / 8 {
                wal.append(EVENT).unwrap();
            }
            wal.flush().unwrap();
            let held = segment_count(wal.path());
            let stop = AtomicBool::new(false);
            let run = std::thread::scope(|scope| {
                let writer = scope.spawn(|| durable_writer(&wal, config.write_time, Some(&stop)));
                if checkpointing {
                    std::thread::sleep(config.write_time / 4);
                    let at = Instant::now();
                    wal.checkpoint(wal.last_lsn()).unwrap();
                    took.push(millis(at.elapsed()));
                    removed += held.saturating_sub(segment_count(wal.path()));
                    std::thread::sleep(config.write_time / 4);
                    stop.store(true, Relaxed);
                }
                writer.join().unwrap()
            });
            let slowest = millis(*run.latencies.iter().max().unwrap());
            if checkpointing {
                busy.push(slowest);
            } else {
                calm.push(slowest);
            }
            wal.close().unwrap();
        }
    }
    println!(
        "   one checkpoint removed {} segments in {:.1} ms",
        removed / config.rounds,
        median(&took)
    );
    println!(
        "   writer's slowest append: {:.3} ms without a checkpoint, {:.3} ms during one",
        median(&calm),
        median(&busy)
    );
}

/// Replay: the same events as one file and as 16 segments.
fn replay(config: &Config) {
    let dir = TempDir::new("segments", "replay");
    let events = config.replay_bytes / (EVENT.len() as u64 + 24);
    let payload = [0x33u8; 512];
    let events = events * (EVENT.len() as u64 + 24) / (payload.len() as u64 + 24);
    println!(
        "3. replay: {} MiB of 512-byte events ({events} events), warm cache",
        config.replay_bytes >> 20
    );
    let file = Wal::open(dir.file("log.wal")).build().unwrap();
    let segments = Wal::open_dir(dir.file("log"))
        .segment_size(config.replay_bytes / 16)
        .build()
        .unwrap();
    for wal in [&file, &segments] {
        let mut batch = rewal::Batch::new();
        for i in 0..events {
            batch.add(payload);
            if i % 256 == 255 {
                wal.append_batch(&batch).unwrap();
                batch = rewal::Batch::new();
            }
        }
        if !batch.is_empty() {
            wal.append_batch(&batch).unwrap();
        }
        wal.sync().unwrap();
    }
    println!("   {} segments", segment_count(segments.path()));
    let time = |wal: &Wal| {
        let at = Instant::now();
        let mut bytes = 0u64;
        wal.replay_borrowed(0, |event| {
            bytes += event.payload.len() as u64;
            Ok(())
        })
        .unwrap();
        assert_eq!(bytes, events * payload.len() as u64);
        at.elapsed().as_secs_f64()
    };
    // Warm the page cache.
    time(&file);
    time(&segments);
    let (mut one, mut many) = (Vec::new(), Vec::new());
    for round in 0..config.rounds.max(3) {
        if round % 2 == 0 {
            one.push(time(&file));
            many.push(time(&segments));
        } else {
            many.push(time(&segments));
            one.push(time(&file));
        }
    }
    let (one, many) = (median(&one), median(&many));
    let gib = config.replay_bytes as f64 / (1u64 << 30) as f64;
    println!(
        "   one file:     {:>8.1} ms ({:.2} GiB/s)",
        one * 1e3,
        gib / one
    );
    println!(
        "   16 segments:  {:>8.1} ms ({:.2} GiB/s, {:+.1}% against one file)",
        many * 1e3,
        gib / many,
        (many / one - 1.0) * 100.0
    );
    file.close().unwrap();
    segments.close().unwrap();
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken.
    let config = Config::from_env();
    rotation(&config);
    checkpoint(&config);
    replay(&config);
}
