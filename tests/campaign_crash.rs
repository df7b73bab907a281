//! Crash campaign: a child process appends to a log (one to three threads,
//! singles and batches of random sizes, some with meta, payloads that
//! embed frames) and says which events were acknowledged durable
//! (`wait_durable` returned Ok; under `SyncMode::Batch`, `flush` too); the
//! parent kills it with SIGKILL at a random moment, in every sync mode,
//! and checks a copy of what it left (see tests/common/crash.rs).
//!
//! After every kill: the log opens (a torn tail is cut, never a
//! corruption); every acknowledged event is there, byte for byte, with its
//! LSN; every event there is exactly one that was appended (nothing
//! half-visible: batches whole, each writer's events its first ones, in
//! order); LSNs run 1, 2, 3, …; the events recovered after the previous
//! kill are all still there, unchanged; and the child saw, when it opened
//! the log, everything acknowledged before it. Built with `--cfg
//! rewal_inline` (as the test command's inline suite is), the same
//! campaign runs the inline pipeline.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::campaign::{size, Campaign};
use common::crash::{self, say, ChildEnv, Workload};
use common::events::{self, Stamp, Writer};
use common::rng::Rng;
use common::Scratch;
use rewal::inspect::{self, LogEnd};
use rewal::{SyncMode, Wal};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// One log file, appended to by a few threads.
struct SingleFile;

/// What the parent remembers between kills on one log.
#[derive(Default)]
struct Remembered {
    /// Every acknowledgement so far: (LSN, its stamp).
    acked: Vec<(u64, Stamp)>,
    max_acked: u64,
    /// The stamps recovered after the previous kill, by LSN from 1.
    recovered: Vec<Stamp>,
}

/// Stop appending past this many bytes per child: logs stay small enough
/// to copy and check after every kill.
const BYTES_PER_CHILD: u64 = 4 << 20;

impl Workload for SingleFile {
    type State = Remembered;

    fn name(&self) -> &'static str {
        "single-file"
    }

    fn child(&self, env: &ChildEnv) {
        let wal = Wal::open(env.dir.join("log.wal"))
            .sync_mode(env.mode)
            .build()
            .expect("open the log");
        say(&format!("open {}", wal.last_lsn()));
        let wal = Arc::new(wal);
        let mut rng = Rng::new(env.seed ^ u64::from(env.run).wrapping_mul(0x9e37_79b9));
        let threads = 1 + rng.below(3) as u32;
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let wal = Arc::clone(&wal);
                let (seed, mode) = (env.seed, env.mode);
                // Writers are numbered per child, so every child's events
                // are told apart.
                let writer = env.run * 16 + t;
                let rng_seed = rng.next_u64();
                std::thread::spawn(move || append_and_ack(&wal, seed, mode, writer, rng_seed))
            })
            .collect();
        for handle in handles {
            handle.join().expect("an appender");
        }
    }

    fn check(
        &self,
        c: &mut Campaign,
        copy: &Path,
        seed: u64,
        state: &mut Remembered,
        lines: &[String],
    ) -> Result<(), String> {
        // What the child said: where it found the log, what it acked.
        let mut opened_at = None;
        for line in lines {
            let words: Vec<&str> = line.split(' ').collect();
            let number = |i: usize| -> Result<u64, String> {
                words
                    .get(i)
                    .and_then(|w| w.parse().ok())
                    .ok_or_else(|| format!("bad line {line:?}"))
            };
            match words[0] {
                "open" => opened_at = Some(number(1)?),
                "ack" => {
                    let lsn = number(1)?;
                    let stamp = (number(2)? as u32, number(3)?);
                    state.acked.push((
                        lsn,
                        Stamp {
                            writer: stamp.0,
                            seq: stamp.1,
                            index: 0,
                            batch_len: 0,
                        },
                    ));
                    state.max_acked = state.max_acked.max(lsn);
                    c.add("acks", 1);
                }
                _ => return Err(format!("unknown line {line:?}")),
            }
        }
        if let Some(at) = opened_at {
            c.add("kills_after_open", 1);
            let before = state.recovered.len() as u64;
            if at < before {
                return Err(format!(
                    "the child opened the log at LSN {at}, but {before} events had been recovered"
                ));
            }
        }

        let path = copy.join("log.wal");
        if !path.exists() {
            return match state.acked.is_empty() {
                true => Ok(()),
                false => Err("the log is gone".into()),
            };
        }
        let scan = inspect::scan_file(&path, |_| {}).map_err(|e| format!("scan: {e}"))?;
        match scan.end {
            LogEnd::Clean => {}
            LogEnd::TornTail { .. } => c.add("torn_tails_found", 1),
            other => return Err(format!("the log ends {other:?}")),
        }
        let wal = Wal::open(&path)
            .build()
            .map_err(|e| format!("open after the kill: {e}"))?;
        let mut recovered = Vec::new();
        wal.replay(0, |event| {
            recovered.push(event);
            Ok(())
        })
        .map_err(|e| format!("replay: {e}"))?;
        wal.close().map_err(|e| format!("close: {e}"))?;

        let checked = events::check_log(seed, &recovered)?;
        let stamps: Vec<Stamp> = recovered
            .iter()
            .enumerate()
            .map(|(i, event)| match event.lsn == i as u64 + 1 {
                true => Ok(checked.by_lsn[&event.lsn]),
                false => Err(format!("LSN {} at place {}: LSNs skip", event.lsn, i + 1)),
            })
            .collect::<Result<_, _>>()?;
        if state.max_acked > stamps.len() as u64 {
            return Err(format!(
                "LSN {} was acknowledged durable, the log ends at LSN {}",
                state.max_acked,
                stamps.len()
            ));
        }
        for (lsn, said) in &state.acked {
            let got = stamps[*lsn as usize - 1];
            if (got.writer, got.seq) != (said.writer, said.seq) {
                return Err(format!(
                    "acknowledged LSN {lsn} holds {got:?}, not {said:?}"
                ));
            }
        }
        if stamps.len() < state.recovered.len()
            || stamps[..state.recovered.len()] != state.recovered[..]
        {
            return Err(format!(
                "after the previous kill {} events were recovered; now {}, or different",
                state.recovered.len(),
                stamps.len()
            ));
        }
        c.add("acked_events_checked", state.max_acked);
        c.add("events_recovered", stamps.len() as u64);
        state.recovered = stamps;
        Ok(())
    }
}

/// One appender of the child: appends, sometimes waits for durability
/// (or, under SyncMode::Batch, flushes) and says so.
fn append_and_ack(wal: &Wal, seed: u64, mode: SyncMode, writer: u32, rng_seed: u64) {
    let mut rng = Rng::new(rng_seed);
    let max_filler = if rng.below(4) == 0 { 20_000 } else { 800 };
    let mut events = Writer::new(seed, writer, rng_seed, max_filler);
    let mut bytes = 0;
    while bytes < BYTES_PER_CHILD {
        let append = events.next();
        let last = append.to(wal).expect("append");
        events.taken(&append);
        bytes += 64
            + match &append {
                events::Append::Single { payload, .. } => payload.len() as u64,
                events::Append::Batch(batch) => batch.iter().map(|(p, _)| p.len() as u64).sum(),
            };
        let acked = match rng.below(4) {
            0 | 1 => wal.wait_durable(last).map(|()| true),
            2 if mode == SyncMode::Batch => wal.flush().map(|()| true),
            _ => Ok(false),
        };
        if acked.expect("an acknowledgement") {
            say(&format!("ack {last} {writer} {}", events.seq - 1));
        }
    }
}

#[test]
fn crash_child() {
    crash::child_main(|env| match env.workload.as_str() {
        "single-file" => SingleFile.child(env),
        other => panic!("no crash workload named {other:?}"),
    });
}

fn crash_in(name: &'static str, mode: SyncMode) {
    let mut c = Campaign::start(name);
    let dir = Scratch::new(name);
    let kills = size(100, 2000);
    crash::campaign(
        &mut c,
        &SingleFile,
        mode,
        kills,
        10,
        Duration::from_millis(60),
        dir.dir(),
    );
    c.finish();
}

#[test]
fn crash_sync_mode_never() {
    crash_in("crash-never", SyncMode::Never);
}

#[test]
fn crash_sync_mode_batch() {
    crash_in("crash-batch", SyncMode::Batch);
}

#[test]
fn crash_sync_mode_interval() {
    crash_in(
        "crash-interval",
        SyncMode::Interval(Duration::from_millis(2)),
    );
}
