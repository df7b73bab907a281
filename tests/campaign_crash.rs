//! Crash campaign: a child process appends to a log (one to three threads,
//! singles and batches of random sizes, some with meta, payloads that
//! embed frames) and says which events were acknowledged durable
//! (`wait_durable` returned Ok; under `SyncMode::Batch`, `flush` too); the
//! parent kills it with SIGKILL at a random moment, in every sync mode,
//! and checks a copy of what it left (see testkit/src/crash.rs).
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

use rewal::inspect::{self, LogEnd};
use rewal::{SyncMode, Wal};
use rewal_testkit::campaign::{size, Campaign};
use rewal_testkit::crash::{self, say, ChildEnv, Workload};
use rewal_testkit::events::{self, Stamp, Writer};
use rewal_testkit::rng::Rng;
use rewal_testkit::Scratch;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// One log appended to by a few threads: a single file, or a directory of
/// small segments that a checkpointer thread gives back as it goes (so
/// that kills land in rotations and checkpoints).
struct Crash {
    segments: bool,
    /// Everything at once (see `mixed_child`).
    mixed: bool,
}

const SINGLE_FILE: Crash = Crash {
    segments: false,
    mixed: false,
};
const SEGMENTS: Crash = Crash {
    segments: true,
    mixed: false,
};
const MIXED: Crash = Crash {
    segments: true,
    mixed: true,
};

/// The segments' size: a rotation every few dozen appends.
const SEGMENT_SIZE: u64 = 16 << 10;

/// What the parent remembers between kills on one log.
#[derive(Default)]
struct Remembered {
    /// Every acknowledgement so far: (LSN, its stamp).
    acked: Vec<(u64, Stamp)>,
    max_acked: u64,
    /// The highest LSN a child said it would checkpoint: events up to it
    /// may be gone.
    checkpointed: u64,
    /// The stamps recovered after the previous kill, from LSN
    /// `recovered_from` on.
    recovered_from: u64,
    recovered: Vec<Stamp>,
}

/// Stop appending past this many bytes per child: logs stay small enough
/// to copy and check after every kill.
const BYTES_PER_CHILD: u64 = 4 << 20;

impl Crash {
    fn builder(&self, dir: &Path) -> rewal::WalBuilder {
        match self.segments {
            // The workload's directory is the segment directory.
            true => Wal::open_dir(dir).segment_size(SEGMENT_SIZE),
            false => Wal::open(dir.join("log.wal")),
        }
    }

    /// In the child: every few milliseconds, checkpoint up to an LSN some
    /// appender acknowledged (said before the call: a kill in the middle
    /// of one may have removed segments already).
    fn checkpointer(wal: &Wal, acked: &AtomicU64, done: &AtomicBool, seed: u64) {
        let mut rng = Rng::new(seed);
        while !done.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_micros(500 + rng.below(4000)));
            let lsn = acked.load(Ordering::Acquire);
            if lsn > 0 {
                say(&format!("checkpoint {lsn}"));
                wal.checkpoint(lsn).expect("checkpoint");
            }
        }
    }

    /// As [`checkpointer`](Self::checkpointer), until the log stops.
    fn checkpointer_until_stopped(wal: &Wal, acked: &AtomicU64, done: &AtomicBool, seed: u64) {
        let mut rng = Rng::new(seed);
        while !done.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_micros(500 + rng.below(4000)));
            let lsn = acked.load(Ordering::Acquire);
            if lsn > 0 {
                say(&format!("checkpoint {lsn}"));
                match wal.checkpoint(lsn) {
                    Ok(()) | Err(rewal::Error::Closed) => {}
                    Err(error) => panic!("checkpoint: {error}"),
                }
            }
        }
    }
}

impl Workload for Crash {
    type State = Remembered;

    fn name(&self) -> &'static str {
        match (self.segments, self.mixed) {
            (_, true) => "mixed",
            (true, false) => "segments",
            (false, false) => "single-file",
        }
    }

    fn child(&self, env: &ChildEnv) {
        if self.mixed {
            return mixed_child(self, env);
        }
        let wal = self
            .builder(&env.dir)
            .sync_mode(env.mode)
            .build()
            .expect("open the log");
        say(&format!("open {} {}", wal.first_lsn(), wal.last_lsn()));
        let wal = Arc::new(wal);
        let acked = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let checkpointer = self.segments.then(|| {
            let (wal, acked, done) = (Arc::clone(&wal), Arc::clone(&acked), Arc::clone(&done));
            let seed = env.seed ^ u64::from(env.run);
            std::thread::spawn(move || Crash::checkpointer(&wal, &acked, &done, seed))
        });
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
                let acked = Arc::clone(&acked);
                std::thread::spawn(move || {
                    append_and_ack(&wal, seed, mode, writer, rng_seed, &acked)
                })
            })
            .collect();
        for handle in handles {
            handle.join().expect("an appender");
        }
        done.store(true, Ordering::Release);
        if let Some(checkpointer) = checkpointer {
            checkpointer.join().expect("the checkpointer");
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
                "open" => {
                    // The first open of a child recovered what the last one
                    // left (the mixed child opens again and again).
                    opened_at = opened_at.or(Some((number(1)?, number(2)?)));
                    c.add("opens", 1);
                }
                "checkpoint" => {
                    state.checkpointed = state.checkpointed.max(number(1)?);
                    c.add("checkpoints", 1);
                }
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
        let recovered_to = state.recovered_from + state.recovered.len() as u64;
        if let Some((first, last)) = opened_at {
            c.add("kills_after_open", 1);
            if last + 1 < recovered_to {
                return Err(format!(
                    "the child opened the log at LSN {last}, but events up to {} had been recovered",
                    recovered_to - 1
                ));
            }
            if first > state.checkpointed + 1 && last > 0 {
                return Err(format!("the child found the log from LSN {first} on"));
            }
        }

        let (ending, recovered) = match self.open_copy(copy)? {
            Some(found) => found,
            None if state.acked.is_empty() => return Ok(()),
            None => return Err("the log is gone".into()),
        };
        if self.segments {
            let files = std::fs::read_dir(copy).map_or(0, |entries| entries.count());
            c.add("segment_files_seen", files as u64 - 1);
        }
        match ending {
            Ending::Clean => {}
            Ending::Torn => c.add("torn_tails_found", 1),
        }
        let checked = match self.segments {
            true => events::check_log_after_checkpoints(seed, &recovered)?,
            false => events::check_log(seed, &recovered)?,
        };
        // The events run without a gap from the first one held, which is
        // at most one past what a checkpoint may have removed.
        let first = recovered.first().map_or(state.checkpointed + 1, |e| e.lsn);
        if first > state.checkpointed + 1 {
            return Err(format!(
                "the log begins at LSN {first}; only events up to {} were checkpointed",
                state.checkpointed
            ));
        }
        let stamps: Vec<Stamp> = recovered
            .iter()
            .enumerate()
            .map(|(i, event)| match event.lsn == first + i as u64 {
                true => Ok(checked.by_lsn[&event.lsn]),
                false => Err(format!("LSN {} at place {}: LSNs skip", event.lsn, i + 1)),
            })
            .collect::<Result<_, _>>()?;
        let last = first + stamps.len() as u64 - 1;
        if state.max_acked > last {
            return Err(format!(
                "LSN {} was acknowledged durable, the log ends at LSN {last}",
                state.max_acked
            ));
        }
        let held = |lsn: u64| {
            let at = usize::try_from(lsn.checked_sub(first)?).ok()?;
            stamps.get(at).copied()
        };
        for (lsn, said) in &state.acked {
            let got = match held(*lsn) {
                Some(got) => got,
                None if *lsn <= state.checkpointed => continue,
                None => return Err(format!("acknowledged LSN {lsn} is gone")),
            };
            if (got.writer, got.seq) != (said.writer, said.seq) {
                return Err(format!(
                    "acknowledged LSN {lsn} holds {got:?}, not {said:?}"
                ));
            }
        }
        // What was recovered after the previous kill is still there (what
        // a checkpoint has not taken), unchanged.
        for (i, before) in state.recovered.iter().enumerate() {
            let lsn = state.recovered_from + i as u64;
            match held(lsn) {
                Some(now) if now == *before => {}
                None if lsn < first => {}
                now => {
                    return Err(format!(
                        "LSN {lsn} held {before:?} after the previous kill, now {now:?}"
                    ))
                }
            }
        }
        c.add("acked_events_checked", state.max_acked);
        c.add("events_recovered", stamps.len() as u64);
        state.recovered_from = first;
        state.recovered = stamps;
        Ok(())
    }
}

/// How a copy ended before it was opened.
enum Ending {
    Clean,
    Torn,
}

impl Crash {
    /// Scans the copy (a torn tail in the newest file is all it may show)
    /// and opens it: the events it holds, or `None` if there is no log.
    fn open_copy(&self, copy: &Path) -> Result<Option<(Ending, Vec<rewal::Event>)>, String> {
        let end = if self.segments {
            let scan = inspect::scan_dir(copy).map_err(|e| format!("scan: {e}"))?;
            if let Some(problem) = scan.problem {
                return Err(format!("the directory has a problem: {problem:?}"));
            }
            match scan.segments.last() {
                Some(newest) => newest.scan.end,
                None => return Ok(None),
            }
        } else {
            let path = copy.join("log.wal");
            if !path.exists() {
                return Ok(None);
            }
            inspect::scan_file(&path, |_| {})
                .map_err(|e| format!("scan: {e}"))?
                .end
        };
        let ending = match end {
            LogEnd::Clean => Ending::Clean,
            LogEnd::TornTail { .. } => Ending::Torn,
            other => return Err(format!("the log ends {other:?}")),
        };
        let wal = self
            .builder(copy)
            .build()
            .map_err(|e| format!("open after the kill: {e}"))?;
        let mut recovered = Vec::new();
        wal.replay(0, |event| {
            recovered.push(event);
            Ok(())
        })
        .map_err(|e| format!("replay: {e}"))?;
        wal.close().map_err(|e| format!("close: {e}"))?;
        Ok(Some((ending, recovered)))
    }
}

/// One appender of the child: appends, sometimes waits for durability
/// (or, under SyncMode::Batch, flushes) and says so.
fn append_and_ack(
    wal: &Wal,
    seed: u64,
    mode: SyncMode,
    writer: u32,
    rng_seed: u64,
    acked_lsn: &AtomicU64,
) {
    let mut events = Writer::new(seed, writer, rng_seed, 0);
    appender_until(wal, mode, &mut events, rng_seed, acked_lsn, BYTES_PER_CHILD);
}

/// Appends `writer`'s events to `wal` until `budget` bytes are appended or
/// the log stops under it (a shutdown or close of the mixed workload);
/// sometimes waits for durability (a thread's wait, or a task's, or,
/// under SyncMode::Batch, a flush) and says so. Returns whether the log
/// stopped.
fn appender_until(
    wal: &Wal,
    mode: SyncMode,
    events: &mut Writer,
    rng_seed: u64,
    acked_lsn: &AtomicU64,
    budget: u64,
) -> bool {
    let mut rng = Rng::new(rng_seed);
    events.max_filler = if rng.below(4) == 0 { 20_000 } else { 800 };
    let stopped =
        |error: &rewal::Error| matches!(error, rewal::Error::Closed | rewal::Error::Draining);
    let mut bytes = 0;
    while bytes < budget {
        let append = events.next();
        let last = match append.to(wal) {
            Ok(last) => last,
            Err(error) if stopped(&error) => return true,
            Err(error) => panic!("append: {error}"),
        };
        events.taken(&append);
        bytes += 64
            + match &append {
                events::Append::Single { payload, .. } => payload.len() as u64,
                events::Append::Batch(batch) => batch.iter().map(|(p, _)| p.len() as u64).sum(),
            };
        let acked = match rng.below(5) {
            0 | 1 => wal.wait_durable(last).map(|()| true),
            2 => block_on(wal.wait_durable_async(last)).map(|()| true),
            3 if mode == SyncMode::Batch => wal.flush().map(|()| true),
            _ => Ok(false),
        };
        match acked {
            Ok(true) => {
                say(&format!("ack {last} {} {}", events.writer, events.seq - 1));
                acked_lsn.fetch_max(last, Ordering::AcqRel);
            }
            Ok(false) => {}
            Err(error) if stopped(&error) => return true,
            Err(error) => panic!("an acknowledgement: {error}"),
        }
    }
    false
}

/// Polls `future` on this thread until it is ready, parking in between.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::park();
    }
}

/// The mixed workload's child: every feature at once until killed. The
/// log (a directory of small segments, with a small or a large queue)
/// is opened, then two or three appenders (waits of threads and of tasks),
/// a live reader (which panics, failing the run, if it ever skips or
/// repeats an event, or reads one that is not exactly as appended) and a
/// checkpointer run, until, at a random moment, the child shuts the log
/// down or closes it under them, and opens it again: over and over, until
/// the kill lands somewhere in all that.
fn mixed_child(workload: &Crash, env: &ChildEnv) {
    let mut rng = Rng::new(env.seed ^ u64::from(env.run).wrapping_mul(0x51_7cc1_b727));
    for generation in 0u32..1024 {
        let queue = [2, 8, 4096][rng.below(3) as usize];
        let wal = workload
            .builder(&env.dir)
            .sync_mode(env.mode)
            .queue_capacity(queue)
            .build()
            .expect("open the log");
        say(&format!("open {} {}", wal.first_lsn(), wal.last_lsn()));
        let wal = Arc::new(wal);
        let acked = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let checkpointer = {
            let (wal, acked, done) = (Arc::clone(&wal), Arc::clone(&acked), Arc::clone(&done));
            let seed = rng.next_u64();
            std::thread::spawn(move || Crash::checkpointer_until_stopped(&wal, &acked, &done, seed))
        };
        let reader = {
            let (wal, seed) = (Arc::clone(&wal), env.seed);
            std::thread::spawn(move || live_reader(&wal, seed))
        };
        // New writers each time: a close discards what was still queued,
        // so a writer's events in the log are a prefix of what it appended
        // (numbered per child and per generation, so none repeats).
        let count = 2 + rng.below(2) as u32;
        let writers: Vec<Writer> = (0..count)
            .map(|i| {
                let writer = env.run * 4096 + generation * 4 + i;
                Writer::new(env.seed, writer, rng.next_u64(), 0)
            })
            .collect();
        let appenders: Vec<_> = writers
            .into_iter()
            .map(|mut events| {
                let (wal, acked, mode) = (Arc::clone(&wal), Arc::clone(&acked), env.mode);
                let rng_seed = rng.next_u64();
                std::thread::spawn(move || {
                    appender_until(&wal, mode, &mut events, rng_seed, &acked, BYTES_PER_CHILD)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_micros(2_000 + rng.below(30_000)));
        match (generation + rng.below(2) as u32) % 2 {
            0 => wal.shutdown(Duration::from_secs(60)).expect("shutdown"),
            _ => wal.close().expect("close"),
        }
        done.store(true, Ordering::Release);
        for appender in appenders {
            appender.join().expect("an appender");
        }
        checkpointer.join().expect("the checkpointer");
        reader.join().expect("the live reader");
    }
}

/// A live reader of the mixed child: every event once, in order, exactly
/// as appended, until the log closes.
fn live_reader(wal: &Wal, seed: u64) {
    let Ok(mut events) = wal.iterator(0) else {
        return;
    };
    let mut previous = None;
    loop {
        match events.next_wait(Duration::from_millis(5)) {
            Ok(Some(event)) => {
                events::read(seed, &event).expect("an event as appended");
                if let Some(previous) = previous {
                    assert_eq!(
                        event.lsn,
                        previous + 1,
                        "the live reader skipped or repeated"
                    );
                }
                previous = Some(event.lsn);
            }
            Ok(None) if wal.state() == rewal::State::Closed => return,
            Ok(None) => {}
            Err(rewal::Error::Checkpointed { .. }) => match wal.iterator(0) {
                Ok(again) => (events, previous) = (again, None),
                Err(_) => return,
            },
            Err(rewal::Error::Closed) => return,
            Err(error) => panic!("the live reader: {error}"),
        }
    }
}

#[test]
fn crash_child() {
    crash::child_main(|env| match env.workload.as_str() {
        "single-file" => SINGLE_FILE.child(env),
        "segments" => SEGMENTS.child(env),
        "mixed" => MIXED.child(env),
        other => panic!("no crash workload named {other:?}"),
    });
}

fn crash_in(name: &'static str, mode: SyncMode) {
    crash_workload(name, &SINGLE_FILE, mode, size(100, 2000));
}

fn crash_workload(name: &'static str, workload: &Crash, mode: SyncMode, kills: usize) {
    let mut c = Campaign::start(name);
    let dir = Scratch::new(name);
    crash::campaign(
        &mut c,
        workload,
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

#[test]
fn crash_segments_with_checkpoints_sync_mode_batch() {
    crash_workload(
        "crash-segments-batch",
        &SEGMENTS,
        SyncMode::Batch,
        size(60, 1000),
    );
}

#[test]
fn crash_segments_with_checkpoints_sync_mode_never() {
    crash_workload(
        "crash-segments-never",
        &SEGMENTS,
        SyncMode::Never,
        size(60, 1000),
    );
}

#[test]
fn crash_mixed_sync_mode_never() {
    crash_workload("crash-mixed-never", &MIXED, SyncMode::Never, size(60, 1000));
}

#[test]
fn crash_mixed_sync_mode_batch() {
    crash_workload("crash-mixed-batch", &MIXED, SyncMode::Batch, size(60, 1000));
}

#[test]
fn crash_mixed_sync_mode_interval() {
    crash_workload(
        "crash-mixed-interval",
        &MIXED,
        SyncMode::Interval(Duration::from_millis(1)),
        size(60, 1000),
    );
}
