//! The mixed campaign: every feature at once, at random, in one process,
//! with a watchdog. Earlier campaigns each exercised one feature, shaped
//! like the code they tested; the defects of issue 19 (an append that
//! never returned beside one flush, two checkpoints leaving a hole, readers
//! sleeping through a shutdown) lived where features meet.
//!
//! Each round picks a log (a file, or segments of 4 to 64 KiB, with or
//! without retention), a sync mode, a queue (2 to 4096 frames) and a
//! backpressure, then runs side by side:
//!
//! - two or three appenders: singles, batches, bursts over a full queue,
//!   each followed at random by nothing, `flush`, `wait_durable`,
//!   `wait_durable_async` (on a small executor of its own) or `sync`;
//! - one or two live readers (`next_wait`), from 0 or from `first_lsn`;
//! - for segments, two checkpointers, each checkpointing through an LSN
//!   acknowledged durable;
//! - and, after a random moment, a `shutdown` or a `close`, while all of
//!   them still run.
//!
//! Every promise the README makes is checked as it happens and after the
//! round: every call returns (a watchdog fails the round otherwise); each
//! appender's LSNs increase; a reader sees every event once, in order,
//! each exactly as appended, until the log closes, and hears
//! `Error::Checkpointed` when it falls behind a checkpoint (never a silent
//! skip); `iterator(first_lsn())` begins there or says `Checkpointed`;
//! after the round the log opens cleanly, holds exactly what was appended
//! (each writer's events its first ones, batches whole), with LSNs
//! consecutive from its first, every event acknowledged durable (and after
//! a shutdown, every event appended) included, unless a checkpoint covered
//! it. The kill of a process running all this is the crash campaign's
//! `mixed` workload (tests/campaign_crash.rs).
#![cfg(not(target_family = "wasm"))]

use rewal::{Backpressure, Error, SyncMode, Wal};
use rewal_testkit::campaign::{size, within, Campaign};
use rewal_testkit::events::{self, Writer};
use rewal_testkit::rng::Rng;
use rewal_testkit::Scratch;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

const WATCHDOG: Duration = Duration::from_secs(120);

/// One round's log and how it is driven.
#[derive(Debug, Clone, Copy)]
struct Config {
    segment_size: Option<u64>,
    retain_bytes: Option<u64>,
    mode: SyncMode,
    queue: usize,
    backpressure: Backpressure,
    appenders: u32,
    readers: u32,
    /// Operations per appender before it stops by itself.
    ops: u32,
    /// How long the round runs before the shutdown or close.
    stop_after: Duration,
    close: bool,
}

impl Config {
    fn draw(rng: &mut Rng) -> Config {
        let segment_size = match rng.below(5) {
            0 | 1 => None,
            2 => Some(4096),
            3 => Some(16 << 10),
            _ => Some(64 << 10),
        };
        Config {
            segment_size,
            retain_bytes: (segment_size.is_some() && rng.below(4) == 0)
                .then(|| 64 << 10 << rng.below(3)),
            mode: match rng.below(3) {
                0 => SyncMode::Never,
                1 => SyncMode::Batch,
                _ => SyncMode::Interval(Duration::from_micros(500 + rng.below(3000))),
            },
            queue: [2, 3, 8, 64, 4096][rng.below(5) as usize],
            backpressure: match rng.below(10) {
                0 => Backpressure::Drop,
                1 => Backpressure::Error,
                _ => Backpressure::Block,
            },
            appenders: 2 + rng.below(2) as u32,
            readers: 1 + rng.below(2) as u32,
            ops: 50 + rng.below(400) as u32,
            stop_after: Duration::from_millis(5 + rng.below(120)),
            close: rng.below(2) == 0,
        }
    }

    fn open(&self, path: &Path) -> rewal::Result<Wal> {
        let builder = match self.segment_size {
            Some(size) => {
                let builder = Wal::open_dir(path).segment_size(size);
                match self.retain_bytes {
                    Some(bytes) => builder.retain_bytes(bytes),
                    None => builder,
                }
            }
            None => Wal::open(path),
        };
        builder
            .sync_mode(self.mode)
            .queue_capacity(self.queue)
            .backpressure(self.backpressure)
            .build()
    }
}

/// What the round's threads record, checked at its end.
#[derive(Default)]
struct Record {
    /// LSNs said durable (`wait_durable`, its async form, `sync`, or a
    /// flush under `SyncMode::Batch`).
    durable: Vec<u64>,
    /// The last LSN of every append the log took, and what it held.
    appended: Vec<u64>,
    /// Figures for the campaign.
    appends: u64,
    acks: u64,
    async_acks: u64,
    read: u64,
    behind_checkpoints: u64,
    checkpoints: u64,
    iterator_starts: u64,
}

/// Polls `future` on this thread until it is ready, parking in between:
/// an async caller's executor, as small as can be.
fn block_on<F: Future>(future: F) -> F::Output {
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

/// Whether an error means the log stopped under the caller (a shutdown or
/// close of this round): the thread stops.
fn stopped(error: &Error) -> bool {
    matches!(error, Error::Closed | Error::Draining)
}

/// One appender: `ops` operations, or until the log stops.
fn appender(
    wal: &Wal,
    config: Config,
    seed: u64,
    writer: u32,
    rng_seed: u64,
    record: &Mutex<Record>,
    acked: &AtomicU64,
) -> Result<(), String> {
    let mut rng = Rng::new(rng_seed);
    let mut events = Writer::new(seed, writer, rng_seed, 600);
    let mut last_lsn = 0;
    for _ in 0..config.ops {
        let burst = if rng.below(10) == 0 { 40 } else { 1 };
        let mut last = None;
        for _ in 0..burst {
            let append = events.next();
            match append.to(wal) {
                Ok(lsn) => {
                    if lsn <= last_lsn {
                        return Err(format!("writer {writer}: LSN {lsn} after {last_lsn}"));
                    }
                    last_lsn = lsn;
                    events.taken(&append);
                    last = Some(lsn);
                    let mut record = record.lock().unwrap();
                    record.appended.push(lsn);
                    record.appends += 1;
                }
                // A full queue under `Backpressure::Error` takes nothing:
                // the next append tries again with the same events.
                Err(Error::QueueFull) => {}
                Err(error) if stopped(&error) => return Ok(()),
                Err(error) => return Err(format!("writer {writer}: append: {error}")),
            }
        }
        let Some(lsn) = last else { continue };
        // A `flush` under `SyncMode::Batch` and a `sync` vouch for every
        // event appended before them but those `Backpressure::Drop` threw
        // away (which the appender cannot tell): under `Drop`, only a wait
        // on the LSN itself says that it is durable.
        let vouches = config.backpressure != Backpressure::Drop;
        let said = match rng.below(6) {
            0 => wal
                .flush()
                .map(|()| vouches && config.mode == SyncMode::Batch),
            1 | 2 => wal.wait_durable(lsn).map(|()| true),
            3 => block_on(wal.wait_durable_async(lsn)).map(|()| {
                record.lock().unwrap().async_acks += 1;
                true
            }),
            4 => wal.sync().map(|()| vouches),
            _ => Ok(false),
        };
        match said {
            Ok(true) => {
                let mut record = record.lock().unwrap();
                record.durable.push(lsn);
                record.acks += 1;
                acked.fetch_max(lsn, Ordering::AcqRel);
            }
            Ok(false) => {}
            // An event `Backpressure::Drop` threw away: no answer to give.
            Err(Error::Dropped) => {}
            Err(error) if stopped(&error) => return Ok(()),
            Err(error) => return Err(format!("writer {writer}: wait for LSN {lsn}: {error}")),
        }
    }
    Ok(())
}

/// One live reader: follows the log from 0 or from its first LSN until it
/// closes. Each event is checked against its stamp, and follows the one
/// before (no skip, no repeat), but after `Error::Checkpointed`, when the
/// reader starts again from the oldest event held.
fn reader(
    wal: &Wal,
    seed: u64,
    from_first: bool,
    drops: bool,
    record: &Mutex<Record>,
) -> Result<(), String> {
    // An iterator from 0 or from the first LSN, and the LSN of the event
    // it read to check where it began; `None` when the log stopped.
    let start = |wal: &Wal| -> Result<Option<(rewal::WalIterator, Option<u64>)>, String> {
        loop {
            let asked = if from_first { wal.first_lsn() } else { 0 };
            match wal.iterator(asked) {
                Ok(mut events) => {
                    record.lock().unwrap().iterator_starts += 1;
                    // It begins at the LSN asked (when that one is held),
                    // or says the events are gone.
                    let first = match events.next() {
                        Ok(Some(first)) if asked > 0 && first.lsn != asked => {
                            return Err(format!("iterator({asked}) began at LSN {}", first.lsn));
                        }
                        Ok(first) => first.map(|event| event.lsn),
                        Err(Error::Checkpointed { .. }) => continue,
                        Err(error) if stopped(&error) => return Ok(None),
                        Err(error) => return Err(format!("first read: {error}")),
                    };
                    return Ok(Some((events, first)));
                }
                Err(Error::Checkpointed { .. }) => {
                    record.lock().unwrap().behind_checkpoints += 1;
                }
                Err(error) if stopped(&error) => return Ok(None),
                Err(error) => return Err(format!("iterator({asked}): {error}")),
            }
        }
    };
    let Some((mut events, mut previous)) = start(wal)? else {
        return Ok(());
    };
    loop {
        match events.next_wait(Duration::from_millis(5)) {
            Ok(Some(event)) => {
                events::read(seed, &event)?;
                if let Some(previous) = previous {
                    let follows = event.lsn == previous + 1 || drops && event.lsn > previous;
                    if !follows {
                        return Err(format!("a reader read LSN {} after {previous}", event.lsn));
                    }
                }
                previous = Some(event.lsn);
                record.lock().unwrap().read += 1;
            }
            Ok(None) if wal.state() == rewal::State::Closed => return Ok(()),
            Ok(None) => {}
            Err(Error::Checkpointed { .. }) => {
                // Behind a checkpoint: said, never skipped silently. Start
                // again from what is held.
                record.lock().unwrap().behind_checkpoints += 1;
                match start(wal)? {
                    Some((again, first)) => (events, previous) = (again, first),
                    None => return Ok(()),
                }
            }
            Err(Error::Closed) => return Ok(()),
            Err(error) => return Err(format!("a reader: {error}")),
        }
    }
}

/// One checkpointer: through LSNs acknowledged durable, now and then.
fn checkpointer(
    wal: &Wal,
    rng_seed: u64,
    acked: &AtomicU64,
    through: &AtomicU64,
    record: &Mutex<Record>,
) -> Result<(), String> {
    let mut rng = Rng::new(rng_seed);
    loop {
        std::thread::sleep(Duration::from_micros(200 + rng.below(3000)));
        let lsn = acked.load(Ordering::Acquire);
        if lsn == 0 {
            if wal.state() == rewal::State::Closed {
                return Ok(());
            }
            continue;
        }
        let lsn = rng.below(lsn + 1);
        through.fetch_max(lsn, Ordering::AcqRel);
        match wal.checkpoint(lsn) {
            Ok(()) => record.lock().unwrap().checkpoints += 1,
            Err(error) if stopped(&error) => return Ok(()),
            Err(error) => return Err(format!("checkpoint({lsn}): {error}")),
        }
    }
}

/// One round: the threads run, the log stops under them, everything is
/// checked.
fn round(
    c: &mut Campaign,
    path: &Path,
    config: Config,
    seed: u64,
    rng: &mut Rng,
) -> Result<(), String> {
    let wal = Arc::new(config.open(path).map_err(|e| format!("open: {e}"))?);
    let record = Arc::new(Mutex::new(Record::default()));
    let acked = Arc::new(AtomicU64::new(0));
    let through = Arc::new(AtomicU64::new(0));
    let drops = config.backpressure == Backpressure::Drop;
    let mut threads = Vec::new();
    for writer in 0..config.appenders {
        let (wal, record, acked) = (Arc::clone(&wal), Arc::clone(&record), Arc::clone(&acked));
        let rng_seed = rng.next_u64();
        threads.push(std::thread::spawn(move || {
            appender(&wal, config, seed, writer, rng_seed, &record, &acked)
        }));
    }
    for r in 0..config.readers {
        let (wal, record) = (Arc::clone(&wal), Arc::clone(&record));
        let from_first = r % 2 == 1;
        threads.push(std::thread::spawn(move || {
            reader(&wal, seed, from_first, drops, &record)
        }));
    }
    if config.segment_size.is_some() {
        for _ in 0..2 {
            let (wal, record, acked, through) = (
                Arc::clone(&wal),
                Arc::clone(&record),
                Arc::clone(&acked),
                Arc::clone(&through),
            );
            let rng_seed = rng.next_u64();
            threads.push(std::thread::spawn(move || {
                checkpointer(&wal, rng_seed, &acked, &through, &record)
            }));
        }
    }
    std::thread::sleep(config.stop_after);
    let ended = if config.close {
        wal.close()
    } else {
        wal.shutdown(Duration::from_secs(60))
    };
    ended.map_err(|e| format!("the stop: {e}"))?;
    for thread in threads {
        thread
            .join()
            .map_err(|_| "a thread panicked".to_string())??;
    }

    // Reopened, the log holds exactly what was appended, consecutively.
    let wal = config.open(path).map_err(|e| format!("reopen: {e}"))?;
    let held: Vec<rewal::Event> = wal
        .iterator(0)
        .and_then(|events| events.collect())
        .map_err(|e| format!("read back: {e}"))?;
    wal.close().map_err(|e| e.to_string())?;
    let checked = match drops {
        true => events::check_log_with_drops(seed, &held)?,
        false => events::check_log_after_checkpoints(seed, &held)?,
    };
    let first = held.first().map_or(0, |event| event.lsn);
    if !drops {
        for (i, event) in held.iter().enumerate() {
            if event.lsn != first + i as u64 {
                return Err(format!("LSN {} at place {i}: a gap", event.lsn));
            }
        }
    }
    let through = through.load(Ordering::Acquire);
    let record = record.lock().unwrap();
    let retained = config.retain_bytes.is_some();
    let must_hold = |lsn: &u64| *lsn > through && !retained;
    for lsn in record.durable.iter().filter(|lsn| must_hold(lsn)) {
        if !checked.by_lsn.contains_key(lsn) && *lsn >= first {
            return Err(format!("LSN {lsn} was acknowledged durable and is gone"));
        }
        if *lsn < first {
            return Err(format!(
                "LSN {lsn} was acknowledged durable; the log begins at {first}"
            ));
        }
    }
    if !config.close && !drops {
        // After a shutdown, everything appended was written.
        for lsn in record.appended.iter().filter(|lsn| must_hold(lsn)) {
            if *lsn < first || !checked.by_lsn.contains_key(lsn) {
                return Err(format!(
                    "LSN {lsn} was appended before the shutdown and is gone"
                ));
            }
        }
    }
    c.add("rounds", 1);
    c.add(if config.close { "closes" } else { "shutdowns" }, 1);
    c.add("appends", record.appends);
    c.add("durable_acks", record.acks);
    c.add("async_acks", record.async_acks);
    c.add("events_read_live", record.read);
    c.add("readers_told_checkpointed", record.behind_checkpoints);
    c.add("iterators_started", record.iterator_starts);
    c.add("checkpoints", record.checkpoints);
    c.add("events_checked_after", held.len() as u64);
    Ok(())
}

#[test]
fn mixed() {
    let mut c = Campaign::start("mixed");
    let scratch = Scratch::new("mixed");
    let mut rng = c.rng(0);
    for n in 0..size(40, 1500) {
        let config = Config::draw(&mut rng);
        let path = scratch.path(&format!("round-{n}"));
        let seed = rng.next_u64();
        let mut round_rng = Rng::new(rng.next_u64());
        let (outcome, campaign) = within(&format!("round {n} ({config:?})"), WATCHDOG, move || {
            let outcome = round(&mut c, &path, config, seed, &mut round_rng);
            let _ = std::fs::remove_dir_all(&path);
            let _ = std::fs::remove_file(&path);
            (outcome, c)
        });
        c = campaign;
        if let Err(error) = outcome {
            panic!("round {n} ({config:?}, seed {seed:#x}): {error}");
        }
    }
    c.finish();
}
