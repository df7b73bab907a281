//! The native library writing logs for the browser tests (`www/tests/`):
//! built for the host, it writes real files through `FileStorage` and the
//! writer thread, so the tests can compare what the page writes with what
//! native rewal writes, and open large logs without committing them.
//!
//! ```text
//! native_writer compose OUT      events on stdin: a first line `single` or
//!                                `batch`, then one event a line as
//!                                `<payload hex> <meta hex, or ->`
//! native_writer big OUT EVENTS   a synthetic log of EVENTS single events
//!                                (JSON payloads, meta `type:…`), ~100 bytes
//!                                an event on disk
//! native_writer huge OUT BYTES   a log of at least BYTES bytes, fast: frames
//!                                encoded by the engine's encoder (the bytes a
//!                                `Wal` writes) and written in 8 MiB chunks,
//!                                15 single events then a batch of 16, over
//!                                and over; prints what it wrote as JSON
//! native_writer segments DIR EVENTS SEGMENT_SIZE
//!                                a log kept as a directory of segment files
//!                                (`Wal::open_dir`, segments of SEGMENT_SIZE
//!                                bytes): EVENTS events as `big` writes them,
//!                                each write flushed so the writer rotates
//!                                between them; prints the segment names
//! ```

use rewal::encoding::{encode_batch, encode_event};
use rewal::{Batch, Result, Wal};
use std::io::{BufRead, Write};
use std::time::Duration;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["compose", out] => compose(out),
        ["big", out, events] => big(out, events.parse().expect("EVENTS is a number")),
        ["huge", out, bytes] => huge(out, bytes.parse().expect("BYTES is a number")),
        ["segments", dir, events, size] => segments(
            dir,
            events.parse().expect("EVENTS is a number"),
            size.parse().expect("SEGMENT_SIZE is a number"),
        ),
        _ => {
            eprintln!(
                "usage: native_writer compose OUT | big OUT EVENTS | huge OUT BYTES | segments DIR EVENTS SEGMENT_SIZE"
            );
            std::process::exit(64);
        }
    }
}

/// A fresh log at `out` (an existing file is replaced).
fn fresh(out: &str) -> Result<Wal> {
    let _ = std::fs::remove_file(out);
    Wal::open(out).build()
}

fn compose(out: &str) -> Result<()> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines().map(|line| line.expect("stdin"));
    let as_batch = match lines.next().as_deref() {
        Some("batch") => true,
        Some("single") => false,
        other => panic!("the first line is `single` or `batch`, not {other:?}"),
    };
    let wal = fresh(out)?;
    let mut batch = Batch::new();
    for line in lines.filter(|line| !line.is_empty()) {
        let (payload, meta) = line.split_once(' ').expect("`<payload hex> <meta hex>`");
        let payload = unhex(payload);
        let meta = if meta == "-" { Vec::new() } else { unhex(meta) };
        match (as_batch, meta.is_empty()) {
            (true, _) => batch.add_with_meta(&payload, &meta),
            (false, true) => drop(wal.append(&payload)?),
            (false, false) => drop(wal.append_with_meta(&payload, &meta)?),
        }
    }
    if !batch.is_empty() {
        wal.append_batch(&batch)?;
    }
    wal.shutdown(Duration::from_secs(30))
}

/// Event `i` (from 0) of a `big` log: its payload and meta.
fn big_event(i: u64) -> (String, &'static str) {
    const KINDS: [&str; 4] = ["type:order", "type:payment", "type:refund", "type:audit"];
    let payload = format!(
        "{{\"id\":{i},\"amount\":{},\"currency\":\"EUR\",\"note\":\"n{:06}\"}}",
        (i * 37) % 100_000,
        i % 1_000_000
    );
    (payload, KINDS[(i % 4) as usize])
}

fn big(out: &str, events: u64) -> Result<()> {
    let wal = fresh(out)?;
    for i in 0..events {
        let (payload, kind) = big_event(i);
        wal.append_with_meta(payload, kind)?;
    }
    wal.shutdown(Duration::from_secs(60))
}

fn segments(dir: &str, events: u64, size: u64) -> Result<()> {
    let _ = std::fs::remove_dir_all(dir);
    let wal = Wal::open_dir(dir).segment_size(size).build()?;
    for i in 0..events {
        let (payload, kind) = big_event(i);
        wal.append_with_meta(payload, kind)?;
        wal.flush()?;
    }
    wal.shutdown(Duration::from_secs(60))?;
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()?;
    names.sort();
    for name in names.iter().filter(|name| name.ends_with(".wal")) {
        println!("{name}");
    }
    Ok(())
}

/// The payload and meta of event `lsn` in a `huge` log.
fn huge_event(lsn: u64) -> (String, &'static str) {
    const KINDS: [&str; 4] = ["type:order", "type:payment", "type:refund", "type:audit"];
    let payload = format!(
        "{{\"id\":{lsn},\"amount\":{},\"currency\":\"EUR\",\"customer\":\"c{:07}\",\"note\":\"{}\"}}",
        (lsn * 37) % 100_000,
        lsn % 9_999_991,
        "x".repeat((lsn % 40) as usize)
    );
    (payload, KINDS[(lsn % 4) as usize])
}

fn huge(out: &str, target: u64) -> Result<()> {
    let file = std::fs::File::create(out)?;
    let mut writer = std::io::BufWriter::with_capacity(8 << 20, file);
    let (mut lsn, mut bytes, mut frames) = (0u64, 0u64, 0u64);
    let mut frame = Vec::with_capacity(8 << 10);
    let mut batch = Batch::new();
    while bytes < target {
        frame.clear();
        if frames % 16 == 15 {
            batch.clear();
            for k in 1..=16 {
                let (payload, meta) = huge_event(lsn + k);
                batch.add_with_meta(payload, meta);
            }
            encode_batch(&mut frame, &batch, lsn + 1, None)?;
            lsn += 16;
        } else {
            lsn += 1;
            let (payload, meta) = huge_event(lsn);
            encode_event(&mut frame, payload.as_bytes(), meta.as_bytes(), lsn, None)?;
        }
        writer.write_all(&frame)?;
        bytes += frame.len() as u64;
        frames += 1;
    }
    writer.flush()?;
    let (first, first_meta) = huge_event(1);
    let (last, last_meta) = huge_event(lsn);
    println!(
        "{{\"bytes\":{bytes},\"frames\":{frames},\"events\":{lsn},\"firstPayload\":{first:?},\"firstMeta\":{first_meta:?},\"lastPayload\":{last:?},\"lastMeta\":{last_meta:?}}}"
    );
    Ok(())
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}
