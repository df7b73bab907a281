//! A sandboxed plugin that keeps its log as a directory of segments and
//! gives space back: the loop of snapshot, `checkpoint(lsn)`, and restart
//! from the snapshot plus the events after it. Built for `wasm32-wasip1`
//! and `wasm32-wasip2`; `tests/wasi_plugin.rs` runs it under wasmtime,
//! kills it at random moments (in rotations and checkpoints too), tears
//! its newest segment, and restarts it.
//!
//! Its state is a running total: event `n` carries the number `n`, so a
//! log that holds events 1 to `L` (some of them in the snapshot, the rest
//! replayed) must add up to `L (L + 1) / 2`, whatever was killed where.
//!
//! ```text
//! snapshot_plugin DIR run      append until killed; every 7 events wait
//!                              until durable and say so, every 50 take a
//!                              snapshot and checkpoint
//! snapshot_plugin DIR report   print the total, the last LSN, the oldest
//!                              LSN the log holds and the snapshot's LSN
//! ```

use rewal::{Error, Lsn, Result, Wal};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The state: the total of every event up to `covered`.
struct State {
    total: u64,
    covered: Lsn,
}

fn snapshot_path(dir: &Path) -> PathBuf {
    dir.join("state.snapshot")
}

/// The last snapshot (none yet: nothing covered).
fn load_snapshot(dir: &Path) -> Result<State> {
    match std::fs::read(snapshot_path(dir)) {
        Ok(bytes) if bytes.len() == 16 => {
            let word = |at: usize| {
                let mut eight = [0; 8];
                eight.copy_from_slice(&bytes[at..at + 8]);
                u64::from_le_bytes(eight)
            };
            Ok(State {
                total: word(0),
                covered: word(8),
            })
        }
        Ok(_) => Err(Error::Io(std::io::Error::other("a damaged snapshot"))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(State {
            total: 0,
            covered: 0,
        }),
        Err(error) => Err(Error::Io(error)),
    }
}

/// Writes the snapshot whole or not at all: a new file, synced, then
/// renamed over the old one.
fn save_snapshot(dir: &Path, state: &State) -> Result<()> {
    let fresh = dir.join("state.snapshot.new");
    let mut bytes = state.total.to_le_bytes().to_vec();
    bytes.extend(state.covered.to_le_bytes());
    let mut file = std::fs::File::create(&fresh).map_err(Error::Io)?;
    file.write_all(&bytes).map_err(Error::Io)?;
    file.sync_all().map_err(Error::Io)?;
    std::fs::rename(&fresh, snapshot_path(dir)).map_err(Error::Io)
}

/// Opens the log and rebuilds the state: the snapshot, then every event
/// after it, each checked to carry its own LSN.
fn recover(dir: &Path) -> Result<(Wal, State)> {
    let wal = Wal::open_dir(dir.join("log")).segment_size(4096).build()?;
    let mut state = load_snapshot(dir)?;
    wal.replay(state.covered + 1, |event| {
        let mut eight = [0; 8];
        eight.copy_from_slice(event.payload.get(..8).unwrap_or(&[0; 8]));
        let n = u64::from_le_bytes(eight);
        if n != event.lsn {
            return Err(Error::Io(std::io::Error::other(format!(
                "event {} carries {n}",
                event.lsn
            ))));
        }
        state.total += n;
        Ok(())
    })?;
    Ok((wal, state))
}

fn say(line: String) {
    let mut out = std::io::stdout().lock();
    // One write per line, flushed: a kill never leaves half of one.
    let _ = out.write_all(format!("{line}\n").as_bytes());
    let _ = out.flush();
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(args.first().map_or("/data", String::as_str));
    let (wal, mut state) = recover(&dir)?;
    let covered = state.covered;
    match args.get(1).map(String::as_str) {
        Some("run") => {
            let mut since_snapshot = 0;
            let mut next = wal.last_lsn().max(covered) + 1;
            loop {
                let lsn = wal.append(next.to_le_bytes())?;
                assert_eq!(lsn, next, "LSNs follow each other");
                next += 1;
                state.total += lsn;
                since_snapshot += 1;
                if lsn % 7 == 0 {
                    wal.wait_durable(lsn)?;
                    say(format!("durable {lsn}"));
                }
                if since_snapshot == 50 {
                    wal.wait_durable(lsn)?;
                    state.covered = lsn;
                    save_snapshot(&dir, &state)?;
                    say(format!("snapshot {lsn}"));
                    wal.checkpoint(lsn)?;
                    since_snapshot = 0;
                }
            }
        }
        _ => {
            let last = wal.last_lsn().max(covered);
            say(format!(
                "total {} last {last} first {} snapshot {covered}",
                state.total,
                wal.first_lsn()
            ));
            wal.shutdown(Duration::from_secs(5))
        }
    }
}
