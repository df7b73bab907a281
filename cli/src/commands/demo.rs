//! `rewal demo [DIR]`: the README's main job in miniature. An order
//! service writes its events (singles with meta, atomic batches, plain
//! checkpoints), waits until they are durable, replays the log and prints
//! what it holds and the stats. The log stays in DIR/demo.wal.

use crate::console;
use crate::failure::{describe, exit, Failure};
use rewal::{Batch, SyncMode, Wal};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

const ORDERS: u32 = 1_000;

/// Runs the demo in `dir`.
pub fn run(dir: &Path) -> Result<u8, Failure> {
    let path = dir.join("demo.wal");
    // A demo run into a new directory should just work.
    std::fs::create_dir_all(dir).map_err(|error| {
        Failure::at(
            exit::FAILED,
            dir,
            format_args!("cannot create the directory: {error}"),
        )
    })?;
    let fail = |error: rewal::Error| Failure::at(exit::FAILED, &path, describe(&error));
    let started = Instant::now();
    let wal = Wal::open(&path)
        .sync_mode(SyncMode::Interval(Duration::from_millis(10)))
        .build()
        .map_err(|error| match error {
            rewal::Error::Corrupted { .. } | rewal::Error::NotALog { .. } => Failure::at(
                exit::FAILED,
                &path,
                format_args!("{}; the demo needs a healthy log or none", describe(&error)),
            ),
            other => Failure::at(
                exit::FAILED,
                &path,
                format_args!("cannot create or open the demo log: {}", describe(&other)),
            ),
        })?;
    let recovered = wal.last_lsn();
    let mut text = format!("opened {} (holds {} events)\n", path.display(), recovered);

    // Each order is created (one event with meta), then its items are added
    // and it is paid for atomically (one batch of four).
    let mut batch = Batch::with_capacity(4);
    let mut last = recovered;
    for order in 0..ORDERS {
        let created = format!(r#"{{"order":{order},"customer":{},"total":0}}"#, order % 97);
        wal.append_with_meta(created, "type:order.created")
            .map_err(fail)?;
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
        last = wal.append_batch(&batch).map_err(fail)?;
        if order % 250 == 249 {
            // A plain event without meta: a checkpoint marker.
            last = wal
                .append(format!("checkpoint after order {order}"))
                .map_err(fail)?;
        }
    }
    wal.wait_durable(last).map_err(fail)?;
    let appended = started.elapsed();

    // Replay everything and count the events by their meta.
    let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
    let mut bytes = 0u64;
    wal.replay_borrowed(0, |event| {
        let kind = event.meta.map_or_else(
            || "(no meta)".to_string(),
            |meta| String::from_utf8_lossy(meta).into_owned(),
        );
        *by_type.entry(kind).or_default() += 1;
        bytes += event.payload.len() as u64;
        Ok(())
    })
    .map_err(fail)?;
    let _ = writeln!(
        text,
        "appended {} events ({ORDERS} orders: {ORDERS} singles with meta, {ORDERS} batches of 4, {} checkpoints) in {:.1} ms; durable up to LSN {last}",
        last - recovered,
        ORDERS / 250,
        appended.as_secs_f64() * 1e3
    );
    let _ = writeln!(
        text,
        "replayed the whole log: {} events, {bytes} payload bytes",
        by_type.values().sum::<u64>()
    );
    for (kind, count) in &by_type {
        let _ = writeln!(text, "  {kind:<20} {count:>8}");
    }
    wal.shutdown(Duration::from_secs(30)).map_err(fail)?;
    let stats = wal.stats();
    let _ = writeln!(
        text,
        "stats: {} events in {} frames, {} writes (group commit), {} syncs, {} bytes on disk, last LSN {}",
        stats.events_written,
        stats.batches_written,
        stats.write_count,
        stats.sync_count,
        stats.file_size,
        stats.last_lsn
    );
    let me = how_to_run_me();
    let log = shell_word(&path.display().to_string());
    let _ = writeln!(
        text,
        "look inside: {me} info {log}; {me} verify {log}; {me} dump {log} --limit 5"
    );
    console::print(&text)?;
    Ok(exit::OK)
}

/// The command that runs this binary when pasted into a shell: `rewal`
/// when that is what the PATH finds, otherwise the path it was run from
/// (after `cargo run`, `target/debug/rewal`, which no PATH has).
fn how_to_run_me() -> String {
    let Ok(me) = std::env::current_exe().and_then(std::fs::canonicalize) else {
        return "rewal".into();
    };
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(format!("rewal{}", std::env::consts::EXE_SUFFIX)))
            .find(|candidate| candidate.is_file())
    });
    match on_path.and_then(|found| std::fs::canonicalize(found).ok()) {
        Some(found) if found == me => "rewal".into(),
        _ => shell_word(&me.display().to_string()),
    }
}

/// `word` as one word for a POSIX shell: as it is when it holds nothing
/// the shell would split or expand, otherwise in single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
