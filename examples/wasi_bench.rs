//! Read-side figures for one target, printed as `name value unit` lines:
//! replay of a 1,000,000-event log, replay of a 256 MiB log of 1 KiB
//! events (the read buffer's bounded memory is the point there), and
//! CRC-32C over 64 KiB. `scripts/bench-wasi.sh` runs it natively and under
//! wasmtime in one go and prints the two side by side, with the wasm
//! instance's peak linear memory.
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
    write_log(&small, events, 100)?;
    let seconds = replay(&small, events)?;
    println!(
        "replay_1m_events {:.2} M_events/s",
        events as f64 / seconds / 1e6
    );

    let big = Path::new(&dir).join("bench-256mib.wal");
    let big_events = (256 << 20) / 1024 / scale;
    write_log(&big, big_events, 1024)?;
    let seconds = replay(&big, big_events)?;
    let bytes = std::fs::metadata(&big)?.len();
    println!(
        "replay_256mib_1kib_events {:.0} MB/s",
        bytes as f64 / seconds / 1e6
    );

    let buffer: Vec<u8> = (0..64 * 1024u32).map(|i| (i * 31) as u8).collect();
    let rounds = 20_000 / scale;
    let started = Instant::now();
    for _ in 0..rounds {
        black_box(rewal::crc::checksum(black_box(&buffer)));
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "crc32c_64kib {:.2} GB/s",
        (rounds * buffer.len()) as f64 / seconds / 1e9
    );

    std::fs::remove_file(&small)?;
    std::fs::remove_file(&big)?;
    Ok(())
}

/// Writes `events` events of `size` bytes, in batches of 100.
fn write_log(path: &Path, events: usize, size: usize) -> Result<()> {
    let _ = std::fs::remove_file(path);
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

/// Opens the log and replays it borrowed; returns the replay's seconds.
fn replay(path: &Path, expected: usize) -> Result<f64> {
    let wal = Wal::open(path).build()?;
    let started = Instant::now();
    let mut events = wal.iterator(0)?;
    let (mut count, mut bytes) = (0usize, 0usize);
    while let Some(event) = events.next_borrowed()? {
        count += 1;
        bytes += event.payload.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(count, expected, "events replayed");
    black_box(bytes);
    drop(events);
    wal.shutdown(Duration::from_secs(60))?;
    Ok(seconds)
}
