//! The README's main job: an order service's event log in miniature.
//!
//! Opens (or creates) `demo.wal` in the directory given as the first
//! argument (default: the current directory), appends a realistic mix of
//! single events, events with meta and atomic batches, waits until they are
//! durable, replays the log, and prints a summary and the stats. Run it
//! twice: the second run recovers the first run's events and continues
//! their LSNs.
//!
//! ```text
//! cargo run --release --example demo [DIR]
//! ```

use rewal::{Batch, Result, SyncMode, Wal};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn main() -> Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let path = std::path::Path::new(&dir).join("demo.wal");
    let started = Instant::now();
    let wal = Wal::open(&path)
        .sync_mode(SyncMode::Interval(Duration::from_millis(10)))
        .build()?;
    let recovered = wal.last_lsn();
    println!("opened {} (holds {} events)", path.display(), recovered);

    // 2,000 orders: each is created (one event with meta), then its items
    // are added and it is paid for atomically (one batch).
    let mut batch = Batch::with_capacity(4);
    let mut last = 0;
    for order in 0..2_000u32 {
        let created = format!(r#"{{"order":{order},"customer":{},"total":0}}"#, order % 97);
        wal.append_with_meta(created, "type:order.created")?;
        batch.clear();
        for item in 0..3 {
            batch.add_with_meta(
                format!(
                    r#"{{"order":{order},"sku":"SKU-{:04}","qty":{}}}"#,
                    (order * 7 + item) % 1000,
                    item + 1
                ),
                "type:order.item",
            );
        }
        batch.add_with_meta(
            format!(r#"{{"order":{order},"paid":true}}"#),
            "type:order.paid",
        );
        last = wal.append_batch(&batch)?;
        if order % 500 == 499 {
            // A plain event without meta: a checkpoint marker.
            last = wal.append(format!("checkpoint after order {order}"))?;
        }
    }
    wal.wait_durable(last)?;
    let appended = started.elapsed();

    // Replay everything and count events by their meta.
    let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
    let mut bytes = 0u64;
    wal.replay(0, |event| {
        let kind = event
            .meta
            .as_deref()
            .map(|meta| String::from_utf8_lossy(meta).into_owned())
            .unwrap_or_else(|| "(no meta)".into());
        *by_type.entry(kind).or_default() += 1;
        bytes += event.payload.len() as u64;
        Ok(())
    })?;

    println!(
        "appended {} events (2000 singles, 2000 batches of 4, 4 checkpoints) in {:.1} ms; durable up to LSN {last}",
        last - recovered,
        appended.as_secs_f64() * 1e3
    );
    println!(
        "replayed the whole log: {} events, {} payload bytes",
        by_type.values().sum::<u64>(),
        bytes
    );
    for (kind, count) in &by_type {
        println!("  {kind:<20} {count:>8}");
    }
    wal.shutdown(Duration::from_secs(5))?;
    let stats = wal.stats();
    println!(
        "stats: {} events in {} frames, {} writes (group commit), {} syncs, {} bytes on disk, last LSN {}",
        stats.events_written, stats.batches_written, stats.write_count, stats.sync_count, stats.file_size, stats.last_lsn
    );
    Ok(())
}
