//! Read-side figures for one target, printed as `name value unit` lines:
//! replay (`Wal::replay_borrowed`) and iteration (`WalIterator::next_borrowed`)
//! of a 1,000,000-event log, replay of a 256 MiB log of 1 KiB events (the
//! read buffer's bounded memory is the point there), and CRC-32C over
//! 64 KiB, with the engine's CRC and with the portable table-driven one.
//! `scripts/bench-wasi.sh` runs it natively and under wasmtime in one go and
//! prints the two side by side, with the wasm instance's peak linear memory.
//!
//! Each figure is the median of five timed runs after one untimed run.
//!
//! The logs are written into DIR unless they are already there, and left
//! there: the script writes them once, natively, and both targets replay
//! the same files. (Who wrote a file matters: the native writer's
//! multi-megabyte group commits leave the page cache holding it in large
//! pieces, which read back faster than the inline pipeline's 64 KiB
//! writes.)
//!
//! ```text
//! cargo run --release --example wasi_bench -- DIR [--quick]
//! ```

use rewal::{Batch, Result, Wal};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "/tmp".into());
    let quick = args.any(|arg| arg == "--quick");
    let scale = if quick { 10 } else { 1 };

    let small = Path::new(&dir).join("bench-1m.wal");
    let events = 1_000_000 / scale;
    ensure_log(&small, events, 100)?;
    let wal = Wal::open(&small).build()?;
    let seconds = median_seconds(|| replay(&wal, events))?;
    println!(
        "replay_1m_events {:.2} M_events/s",
        events as f64 / seconds / 1e6
    );
    let seconds = median_seconds(|| iterate(&wal, events))?;
    println!(
        "iterate_1m_events {:.2} M_events/s",
        events as f64 / seconds / 1e6
    );
    wal.shutdown(Duration::from_secs(60))?;

    let big = Path::new(&dir).join("bench-256mib.wal");
    let big_events = (256 << 20) / 1024 / scale;
    ensure_log(&big, big_events, 1024)?;
    let wal = Wal::open(&big).build()?;
    let seconds = median_seconds(|| replay(&wal, big_events))?;
    let bytes = std::fs::metadata(&big)?.len();
    println!(
        "replay_256mib_1kib_events {:.0} MB/s",
        bytes as f64 / seconds / 1e6
    );
    wal.shutdown(Duration::from_secs(60))?;

    let buffer: Vec<u8> = (0..64 * 1024u32).map(|i| (i * 31) as u8).collect();
    let rounds = 4_000 / scale;
    for (name, crc) in [
        ("crc32c_64kib", rewal::crc::checksum as fn(&[u8]) -> u32),
        ("crc32c_portable_64kib", |data| {
            rewal_platform::crc32c_portable(0, data)
        }),
    ] {
        let seconds = median_seconds(|| {
            for _ in 0..rounds {
                black_box(crc(black_box(&buffer)));
            }
            Ok(())
        })?;
        println!(
            "{name} {:.2} GB/s",
            (rounds * buffer.len()) as f64 / seconds / 1e9
        );
    }
    Ok(())
}

/// Runs `work` once untimed, then five times timed; the median seconds.
fn median_seconds(mut work: impl FnMut() -> Result<()>) -> Result<f64> {
    work()?;
    let mut seconds = Vec::with_capacity(5);
    for _ in 0..5 {
        let started = Instant::now();
        work()?;
        seconds.push(started.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    Ok(seconds[2])
}

/// Writes `events` events of `size` bytes, in batches of 100, unless the
/// file exists (the replays check the count).
fn ensure_log(path: &Path, events: usize, size: usize) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    let wal = Wal::open(path).build()?;
    let payload = vec![0xA5u8; size];
    let mut batch = Batch::with_capacity(100);
    for chunk in 0..events.div_ceil(100) {
        batch.clear();
        for _ in 0..100.min(events - chunk * 100) {
            batch.add(&payload);
        }
        wal.append_batch(&batch)?;
    }
    wal.shutdown(Duration::from_secs(60))
}

/// Replays the whole log, borrowed, checking the count.
fn replay(wal: &Wal, expected: usize) -> Result<()> {
    let (mut count, mut bytes) = (0usize, 0usize);
    wal.replay_borrowed(0, |event| {
        count += 1;
        bytes += event.payload.len();
        Ok(())
    })?;
    assert_eq!(count, expected, "events replayed");
    black_box(bytes);
    Ok(())
}

/// Reads the whole log with an iterator, borrowed, checking the count.
fn iterate(wal: &Wal, expected: usize) -> Result<()> {
    let mut events = wal.iterator(0)?;
    let (mut count, mut bytes) = (0usize, 0usize);
    while let Some(event) = events.next_borrowed()? {
        count += 1;
        bytes += event.payload.len();
    }
    assert_eq!(count, expected, "events read");
    black_box(bytes);
    Ok(())
}
