//! Concurrency campaign: `shutdown` and `close` racing appenders (singles
//! and batches), durability waiters, flushers and readers; also two
//! shutdowns at once, a shutdown racing a close, and a shutdown that times
//! out at once and is repeated. Each round is bounded: a hang fails it.
//!
//! After each round: every call answered with what the rules allow
//! (appends: Ok, Draining or Closed; waits and flushes: Ok or Closed);
//! LSNs unique and increasing per thread; every wait that heard Ok has its
//! events in the bytes as of the last sync, and every wait that heard
//! Closed does not (what is already true is reported first: issue 10,
//! defect 8); after a shutdown that returned Ok, every event any append
//! returned Ok for is there; every replay that ran during the race saw a
//! prefix of the log with whole batches; the log reopens at once.
#![cfg(not(target_family = "wasm"))]

use rewal::{Backpressure, Error, Event, MemoryStorage, SyncMode, Wal};
use rewal_testkit::campaign::{size, within, Campaign};
use rewal_testkit::events::{self, Writer};
use rewal_testkit::rng::Rng;
use rewal_testkit::scripted::Scripted;
use rewal_testkit::Scratch;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// How a round ends.
#[derive(Debug, Clone, Copy)]
enum Ending {
    Shutdown,
    Close,
    ShutdownRacingClose,
    TwoShutdowns,
    /// `shutdown(0)` (which may time out), then `shutdown` again.
    ShutdownAtOnceThenAgain,
    /// `shutdown(Duration::MAX)`: no deadline (issue 10, defect 6).
    ShutdownForever,
}

const ENDINGS: [Ending; 6] = [
    Ending::Shutdown,
    Ending::Close,
    Ending::ShutdownRacingClose,
    Ending::TwoShutdowns,
    Ending::ShutdownAtOnceThenAgain,
    Ending::ShutdownForever,
];

/// What one appender thread saw.
#[derive(Debug, Default)]
struct Seen {
    /// LSN ranges of the appends that returned Ok.
    appended: Vec<(u64, u64)>,
    durable: Vec<u64>,
    closed_waits: Vec<u64>,
    /// Waits that heard the event was dropped (Backpressure::Drop).
    dropped: Vec<u64>,
    flushed: Vec<u64>,
    wrong: Vec<String>,
}

fn appender(wal: &Wal, seed: u64, writer: u32, rng_seed: u64) -> Seen {
    let mut seen = Seen::default();
    let mut rng = Rng::new(rng_seed);
    let mut events = Writer::new(seed, writer, rng_seed, 200);
    loop {
        let append = events.next();
        let last = match append.to(wal) {
            Ok(last) => last,
            Err(Error::Draining | Error::Closed) => break,
            Err(other) => {
                seen.wrong.push(format!("append: {other}"));
                break;
            }
        };
        events.taken(&append);
        let first = last + 1 - append.len();
        if seen.appended.last().is_some_and(|&(_, prev)| first <= prev) {
            seen.wrong.push(format!("LSN {first} after {last}"));
        }
        seen.appended.push((first, last));
        match rng.below(4) {
            0 | 1 => match wal.wait_durable(last) {
                Ok(()) => seen.durable.push(last),
                Err(Error::Closed) => seen.closed_waits.push(last),
                Err(Error::Dropped) => seen.dropped.push(last),
                Err(other) => seen.wrong.push(format!("wait_durable({last}): {other}")),
            },
            2 => match wal.flush() {
                Ok(()) => seen.flushed.push(last),
                Err(Error::Closed) => {}
                Err(other) => seen.wrong.push(format!("flush: {other}")),
            },
            _ => {}
        }
    }
    // A wait on its last event after the log stopped taking appends.
    if let Some(&(_, last)) = seen.appended.last() {
        match wal.wait_durable(last) {
            Ok(()) => seen.durable.push(last),
            Err(Error::Closed) => seen.closed_waits.push(last),
            Err(Error::Dropped) => seen.dropped.push(last),
            Err(other) => seen
                .wrong
                .push(format!("late wait_durable({last}): {other}")),
        }
    }
    seen
}

/// Replays until the log is closed; every replay must be a consistent
/// prefix of the log. Returns how many replays ran, or what was wrong.
fn reader(wal: &Wal, seed: u64, drops: bool) -> Result<u64, String> {
    let mut replays = 0;
    loop {
        let mut events = Vec::new();
        match wal.replay(0, |event| {
            events.push(event);
            Ok(())
        }) {
            Ok(()) => {}
            Err(Error::Closed) => return Ok(replays),
            Err(other) => return Err(format!("replay: {other}")),
        }
        check_log(seed, &events, drops).map_err(|e| format!("a replay during the race: {e}"))?;
        replays += 1;
    }
}

fn end(wal: &Wal, ending: Ending) -> Result<(), String> {
    let ten = Duration::from_secs(10);
    let shutdown = |timeout| match wal.shutdown(timeout) {
        Ok(()) => Ok(()),
        Err(Error::Timeout) if timeout.is_zero() => Ok(()),
        Err(other) => Err(format!("shutdown: {other}")),
    };
    let close = || wal.close().map_err(|e| format!("close: {e}"));
    match ending {
        Ending::Shutdown => shutdown(ten),
        Ending::Close => close(),
        Ending::ShutdownRacingClose | Ending::TwoShutdowns => std::thread::scope(|scope| {
            let other = scope.spawn(|| match ending {
                Ending::TwoShutdowns => shutdown(ten),
                _ => close(),
            });
            let mine = shutdown(ten);
            other.join().unwrap().and(mine)
        }),
        Ending::ShutdownAtOnceThenAgain => shutdown(Duration::ZERO).and(shutdown(ten)),
        Ending::ShutdownForever => shutdown(Duration::MAX),
    }
}

/// One round; returns the figures it adds.
fn round(c: &mut Campaign, n: u64, dir: &Scratch) -> Result<(), String> {
    let mut context = String::new();
    checked_round(c, n, dir, &mut context).map_err(|e| format!("{context}: {e}"))
}

fn checked_round(
    c: &mut Campaign,
    n: u64,
    dir: &Scratch,
    context: &mut String,
) -> Result<(), String> {
    let mut rng = c.rng(n);
    let seed = rng.next_u64();
    let mode = match rng.below(4) {
        0 => SyncMode::Never,
        1 => SyncMode::Batch,
        2 => SyncMode::Interval(Duration::from_millis(1)),
        _ => SyncMode::Interval(Duration::MAX),
    };
    // One round in four drops appends when the queue is full.
    let drops = cfg!(not(rewal_inline)) && rng.below(4) == 0;
    let backpressure = if drops {
        Backpressure::Drop
    } else {
        Backpressure::Block
    };
    let ending = ENDINGS[rng.below(ENDINGS.len() as u64) as usize];
    // A memory disk that knows what was synced, or (one round in four) a
    // real file.
    let real_file = n % 4 == 3;
    let path = dir.path(&format!("round-{n}.wal"));
    let disk = Scripted::new(Vec::new(), None, rng.below(2) == 0);
    let builder = Wal::open(&path)
        .sync_mode(mode)
        .backpressure(backpressure)
        .queue_capacity(1 + rng.below(64) as usize);
    let builder = if real_file {
        builder
    } else {
        builder.storage(disk.clone())
    };
    let wal = Arc::new(builder.build().map_err(|e| format!("open: {e}"))?);
    let appenders = 1 + rng.below(5) as u32;
    let delay = Duration::from_micros(rng.below(4000));
    let rng_seed = rng.next_u64();
    let (seen, replays, ended) = {
        let wal = Arc::clone(&wal);
        within("a round of the race", Duration::from_secs(60), move || {
            std::thread::scope(|scope| {
                let threads: Vec<_> = (0..appenders)
                    .map(|w| {
                        let wal = &*wal;
                        scope.spawn(move || appender(wal, seed, w, rng_seed ^ u64::from(w)))
                    })
                    .collect();
                let reading = scope.spawn(|| reader(&wal, seed, drops));
                std::thread::sleep(delay);
                let ended = end(&wal, ending);
                let seen: Vec<Seen> = threads.into_iter().map(|t| t.join().unwrap()).collect();
                (seen, reading.join().unwrap(), ended)
            })
        })
    };
    *context = format!("{mode:?}, {backpressure:?}, {ending:?}, real file: {real_file}");
    ended?;
    let replays = replays?;
    if wal.state() != rewal::State::Closed {
        return Err(format!("state {:?} after the round", wal.state()));
    }
    drop(wal);

    // What is on disk: the bytes left and the bytes as of the last sync
    // (for a real file, the file, which the shutdown or the close left).
    let (bytes, synced) = if real_file {
        let bytes = std::fs::read(&path).unwrap();
        (bytes.clone(), bytes)
    } else {
        let disk = disk.lock();
        (disk.bytes.clone(), disk.synced.clone())
    };
    let lsns = |bytes: Vec<u8>| -> Result<BTreeSet<u64>, String> {
        let events = replay(bytes)?;
        check_log(seed, &events, drops)?;
        Ok(events.iter().map(|e| e.lsn).collect())
    };
    let on_disk = lsns(bytes)?;
    let durable = lsns(synced)?;
    let shutdown_ok = !matches!(ending, Ending::Close | Ending::ShutdownRacingClose);
    let mut all = BTreeSet::new();
    for (w, seen) in seen.iter().enumerate() {
        if let Some(wrong) = seen.wrong.first() {
            return Err(format!("appender {w}: {wrong}"));
        }
        for &(first, last) in &seen.appended {
            for lsn in first..=last {
                if !all.insert(lsn) {
                    return Err(format!("LSN {lsn} given twice"));
                }
                if shutdown_ok && !drops && !durable.contains(&lsn) {
                    return Err(format!("LSN {lsn} was taken, then lost by a shutdown"));
                }
            }
        }
        for &lsn in &seen.durable {
            if !durable.contains(&lsn) {
                // F6b (tests/campaign_found.rs) was this, with a close in
                // the race.
                return Err(format!("LSN {lsn} was reported durable and is not"));
            }
        }
        for &lsn in &seen.dropped {
            if on_disk.contains(&lsn) {
                return Err(format!("LSN {lsn} was reported dropped and is in the log"));
            }
        }
        for &lsn in seen.flushed.iter().filter(|_| !drops) {
            if !on_disk.contains(&lsn) {
                return Err(format!("LSN {lsn} was reported written and is not"));
            }
        }
        // A real file cannot say what was synced: after a close, written
        // events are in it whether synced or not.
        let knows_synced = !real_file || shutdown_ok;
        for &lsn in seen.closed_waits.iter().filter(|_| knows_synced) {
            // F3 (tests/campaign_found.rs) was the close's side of this,
            // F3b the same with a close racing a shutdown.
            if durable.contains(&lsn) {
                return Err(format!("LSN {lsn} is durable but its waiter heard Closed"));
            }
        }
        c.add("appends", seen.appended.len() as u64);
        c.add("durable_acks_checked", seen.durable.len() as u64);
        c.add("closed_waits_checked", seen.closed_waits.len() as u64);
        c.add("dropped_waits_checked", seen.dropped.len() as u64);
    }
    if real_file {
        // The lock was released: the log reopens at once, whole.
        let wal = Wal::open(&path)
            .build()
            .map_err(|e| format!("reopen: {e}"))?;
        wal.close().map_err(|e| format!("close: {e}"))?;
    }
    c.add("rounds", 1);
    c.add("threads", u64::from(appenders) + 1);
    c.add("replays_during_the_race", replays);
    Ok(())
}

fn check_log(seed: u64, events: &[Event], drops: bool) -> Result<(), String> {
    match drops {
        true => events::check_log_with_drops(seed, events).map(drop),
        false => events::check_log(seed, events).map(drop),
    }
}

fn replay(bytes: Vec<u8>) -> Result<Vec<Event>, String> {
    let wal = Wal::open("check")
        .storage(MemoryStorage::from_bytes(bytes))
        .build()
        .map_err(|e| format!("reopen: {e}"))?;
    let mut events = Vec::new();
    wal.replay(0, |event| {
        events.push(event);
        Ok(())
    })
    .map_err(|e| format!("replay: {e}"))?;
    Ok(events)
}

#[test]
fn shutdown_and_close_racing_appenders_waiters_and_readers() {
    let mut c = Campaign::start("concurrency");
    let dir = Scratch::new("campaign-concurrency");
    for n in 0..size(200, 5000) as u64 {
        round(&mut c, n, &dir)
            .map_err(|e| format!("round {n}: {e}"))
            .unwrap();
    }
    c.finish();
}
