//! Fault-injection campaign: a workload (open with recovery, appends of
//! singles and batches, flushes, syncs, durability waits, replays, then a
//! shutdown or a close) on a storage that injects one fault at one call:
//! every call of every kind in turn (write, sync, size, truncate, read_at,
//! close, map; and the compressor's compress and decompress), each failing
//! with EIO or ENOSPC, dying for good, taking a short or zero-length write
//! or read, landing part of a write and then failing, or panicking (see
//! testkit/src/scripted.rs).
//!
//! After each run: no hang and no panic; a short write or read changes
//! nothing at all; once a write or sync failed, every later append reports
//! that error and the shutdown too; a replay gives exactly the log or an
//! error; nothing reported durable is missing from the bytes as of the
//! last sync (what a power cut leaves), nothing reported written is
//! missing from the bytes (what a crash leaves); and reopening those
//! bytes, or those of a power cut that lands part of the unsynced tail,
//! recovers exactly a prefix of what was appended.

use rewal::frame::FrameHeader;
use rewal::inspect::LogEnd;
use rewal::{Error, Event, MemoryStorage, SyncMode, Wal};
use rewal_testkit::campaign::{size, within, Campaign};
use rewal_testkit::events::{self, Writer};
use rewal_testkit::rng::Rng;
use rewal_testkit::scripted::{
    quiet_injected_panics, Call, Fault, Plan, Scripted, ScriptedCompressor, CALLS,
};
use std::time::Duration;

/// One configuration of the workload.
#[derive(Debug, Clone, Copy)]
struct Config {
    seed: u64,
    mode: SyncMode,
    /// Reads through a map, or through the read buffer.
    maps: bool,
    /// What the storage holds at open: nothing, a log, a log with a torn
    /// tail (so recovery cuts and syncs).
    start: Start,
    buffer_capacity: usize,
    /// Every frame compressed (by a compressor that takes faults too).
    compress: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    Empty,
    Log,
    Torn,
}

/// The log the storage starts with, and its events.
fn start_log(config: &Config) -> (Vec<u8>, Vec<Event>) {
    if config.start == Start::Empty {
        return (Vec::new(), Vec::new());
    }
    let memory = MemoryStorage::new();
    let builder = Wal::open("start").storage(memory.clone());
    let builder = match config.compress {
        true => builder.compressor(rewal_testkit::Rle),
        false => builder,
    };
    let wal = builder.build().unwrap();
    let mut writer = Writer::new(config.seed, 1000, config.seed, 100);
    for _ in 0..5 {
        let append = writer.next();
        append.to(&wal).unwrap();
        writer.taken(&append);
    }
    let mut events = Vec::new();
    wal.replay(0, |event| {
        events.push(event);
        Ok(())
    })
    .unwrap();
    wal.shutdown(Duration::from_secs(5)).unwrap();
    let mut bytes = memory.to_bytes();
    if config.start == Start::Torn {
        let mut torn = Vec::new();
        rewal::encoding::encode_event(&mut torn, b"torn", b"", 10_000, None).unwrap();
        bytes.extend_from_slice(&torn[..torn.len() - 3]);
    }
    (bytes, events)
}

/// What the workload saw.
struct Outcome {
    opened: bool,
    /// The events the log took (`append` returned Ok), in order.
    appended: Vec<Event>,
    /// Every LSN up to this one was reported durable, or written.
    durable: u64,
    written: u64,
    /// The first error of a write-side call, and whether anything broke
    /// the rules on the spot.
    failure: Option<Error>,
    /// Whether that failure fails the log (a failed write or sync does; a
    /// failed read or compression fails only its call).
    sticky: bool,
    errors: u64,
    broken: Vec<String>,
    /// Ended with `close` (which discards what is not written yet, so the
    /// bytes left depend on timing), not `shutdown`.
    closed: bool,
    /// What was reported written, or durable, after the log had failed,
    /// and replays that said Ok after it with fewer events than appended:
    /// F6 (tests/campaign_found.rs) makes these untrue; they are checked
    /// apart, and counted, until it is fixed.
    late_written: u64,
    late_durable: u64,
    late_replays: u64,
    storage: Scripted,
}

impl Outcome {
    fn new(sticky: bool, storage: Scripted) -> Outcome {
        Outcome {
            opened: false,
            appended: Vec::new(),
            durable: 0,
            written: 0,
            failure: None,
            sticky,
            errors: 0,
            broken: Vec::new(),
            closed: false,
            late_written: 0,
            late_durable: 0,
            late_replays: 0,
            storage,
        }
    }

    /// Whether the log has failed for good: a write or sync fault was
    /// injected (the workload may not have heard of it yet: the writer
    /// thread may have met it).
    fn failed(&self) -> bool {
        self.sticky && (self.failure.is_some() || self.storage.lock().injected)
    }

    /// Records that every event up to `lsn` was reported written (and,
    /// when `durable`, durable).
    fn acked(&mut self, lsn: u64, durable: bool) {
        let (written, synced) = match self.failed() {
            true => (&mut self.late_written, &mut self.late_durable),
            false => (&mut self.written, &mut self.durable),
        };
        *written = (*written).max(lsn);
        if durable {
            *synced = (*synced).max(lsn);
        }
    }

    fn last(&self, pre: &[Event]) -> u64 {
        self.appended
            .last()
            .or(pre.last())
            .map_or(0, |event| event.lsn)
    }

    /// Notes the result of a write-side call. Once one failed, appends
    /// must report that same failure (`must_fail`).
    fn note<T>(&mut self, what: &str, result: &rewal::Result<T>, must_fail: bool) {
        match result {
            Err(error) => {
                self.errors += 1;
                match &self.failure {
                    None => self.failure = Some(error.clone()),
                    Some(first) if must_fail && self.sticky && error != first => self
                        .broken
                        .push(format!("{what} reported {error}, not the failure {first}")),
                    Some(_) => {}
                }
            }
            Ok(_) if must_fail && self.sticky && self.failure.is_some() => self
                .broken
                .push(format!("{what} succeeded after the log failed")),
            Ok(_) => {}
        }
    }
}

/// The events of `append`, numbered from LSN `first`.
fn events_of(append: &events::Append, first: u64) -> Vec<Event> {
    match append {
        events::Append::Single { payload, meta } => vec![Event {
            lsn: first,
            payload: payload.clone(),
            meta: meta.clone(),
        }],
        events::Append::Batch(batch) => batch
            .iter()
            .enumerate()
            .map(|(i, (payload, meta))| Event {
                lsn: first + i as u64,
                payload: payload.to_vec(),
                meta: meta.map(<[u8]>::to_vec),
            })
            .collect(),
    }
}

/// Runs the workload of `config` on `storage`.
fn workload(config: Config, storage: Scripted, sticky: bool, pre: &[Event]) -> Outcome {
    let mut out = Outcome::new(sticky, storage.clone());
    let builder = Wal::open("faults")
        .storage(storage.clone())
        .sync_mode(config.mode)
        .buffer_capacity(config.buffer_capacity);
    let builder = match config.compress {
        true => builder.compressor(ScriptedCompressor(storage)),
        false => builder,
    };
    let opened = builder.build();
    let wal = match opened {
        Ok(wal) => wal,
        Err(_) => return out,
    };
    out.opened = true;
    let mut rng = Rng::new(config.seed ^ 0xa11);
    let mut writer = Writer::new(config.seed, 0, config.seed ^ 0xb22, 300);
    for _ in 0..size(24, 40) {
        match rng.below(10) {
            0..=4 => {
                let append = writer.next();
                let result = append.to(&wal);
                out.note("append", &result, true);
                let first = out.last(pre) + 1;
                match result {
                    Ok(last) if last + 1 - append.len() != first => out.broken.push(format!(
                        "append got LSNs from {} after {}",
                        last + 1 - append.len(),
                        first - 1
                    )),
                    Ok(_) => {
                        out.appended.extend(events_of(&append, first));
                        writer.taken(&append);
                    }
                    Err(_) => {}
                }
            }
            5 => {
                let result = wal.flush();
                out.note("flush", &result, false);
                // Under SyncMode::Batch a flush returns only after its
                // sync (F7 in tests/campaign_found.rs): durable.
                if result.is_ok() {
                    out.acked(out.last(pre), config.mode == SyncMode::Batch);
                }
            }
            6 => {
                let lsn = out.last(pre);
                let result = wal.wait_durable(lsn);
                out.note("wait_durable", &result, false);
                if result.is_ok() {
                    out.acked(lsn, true);
                }
            }
            7 => {
                let result = wal.sync();
                out.note("sync", &result, false);
                if result.is_ok() {
                    out.acked(out.last(pre), true);
                }
            }
            8 => {
                let mut seen = Vec::new();
                let result = wal.replay(0, |event| {
                    seen.push(event);
                    Ok(())
                });
                let want: Vec<Event> = pre.iter().chain(&out.appended).cloned().collect();
                if result.is_ok() && seen != want && out.failed() {
                    out.late_replays += 1;
                } else if result.is_ok() && seen != want {
                    out.broken.push(format!(
                        "replay gave {} events, want {}",
                        seen.len(),
                        want.len()
                    ));
                }
            }
            _ => std::thread::sleep(Duration::from_micros(300)),
        }
    }
    if rng.below(4) == 0 {
        out.closed = true;
        let _ = wal.close();
    } else {
        let result = wal.shutdown(Duration::from_secs(10));
        out.note("shutdown", &result, true);
        if result.is_ok() {
            out.acked(out.last(pre), true);
        }
    }
    out
}

/// How many images were refused on purpose (see `refused_on_purpose`).
static REFUSED_ON_PURPOSE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Whether `bytes` end in the one shape recovery refuses on purpose
/// although a torn write can leave it (src/read/scan.rs,
/// `find_valid_frame`): invalid bytes whose header claims an extent that
/// holds a valid frame beginning with the LSN that would come next, from
/// which valid frames run to the end. A damaged size field looks the same, and cutting there would lose that
/// frame and what follows, so the open refuses and touches nothing. The
/// workload's payloads embed whole logs from LSN 1 (kind 4), so the first
/// frame of an empty log, torn, takes this shape.
fn refused_on_purpose(bytes: &[u8]) -> bool {
    let Ok(scan) = rewal::inspect::scan_bytes(bytes, |_| {}) else {
        return false;
    };
    let LogEnd::Corrupted {
        offset,
        next_valid: Some(next),
    } = scan.end
    else {
        return false;
    };
    let header_at = |at: u64| {
        let at = usize::try_from(at).ok()?;
        FrameHeader::read(bytes.get(at..)?).ok()
    };
    let (Some(torn), Some(following)) = (header_at(offset), header_at(next)) else {
        return false;
    };
    let followed = scan
        .last_lsn
        .saturating_add(1)
        .saturating_add(u64::from(torn.record_count));
    // ... and valid frames run from there to the end.
    let chain_to_the_end = usize::try_from(next)
        .ok()
        .and_then(|next| bytes.get(next..))
        .and_then(|rest| rewal::inspect::scan_bytes(rest, |_| {}).ok())
        .is_some_and(|rest| rest.end == LogEnd::Clean);
    next < offset + u64::from(torn.batch_size)
        && (following.first_lsn == torn.last_lsn().saturating_add(1)
            || following.first_lsn == followed)
        && chain_to_the_end
}

/// Opens `bytes` as a log and replays it.
fn recover(bytes: &[u8], compress: bool) -> Result<Vec<Event>, String> {
    let builder = Wal::open("recover").storage(MemoryStorage::from_bytes(bytes));
    let builder = match compress {
        true => builder.compressor(rewal_testkit::Rle),
        false => builder,
    };
    let wal = builder.build().map_err(|e| format!("reopen: {e}"))?;
    let mut events = Vec::new();
    wal.replay(0, |event| {
        events.push(event);
        Ok(())
    })
    .map_err(|e| format!("replay after reopen: {e}"))?;
    Ok(events)
}

/// Checks that `bytes` recover a prefix of `all` (nothing whose append
/// returned an error: F4 was the inline pipeline's exception) that holds
/// every event up to LSN `at_least`.
fn recovers_prefix(
    what: &str,
    config: &Config,
    bytes: &[u8],
    all: &[Event],
    at_least: u64,
) -> Result<(), String> {
    // Refused, untouched: what the engine does on purpose with a torn
    // frame whose payload holds the very frame that would follow it.
    if refused_on_purpose(bytes) {
        REFUSED_ON_PURPOSE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Ok(());
    }
    let got = recover(bytes, config.compress).map_err(|e| format!("{what}: {e}"))?;
    if got.len() > all.len() || got[..] != all[..got.len()] {
        return Err(format!(
            "{what}: {} events recovered, not a prefix of the {} appended",
            got.len(),
            all.len()
        ));
    }
    let last = got.last().map_or(0, |event| event.lsn);
    if last < at_least {
        return Err(format!(
            "{what}: recovered up to LSN {last}, but LSN {at_least} was acknowledged"
        ));
    }
    Ok(())
}

/// One run with `plan`; returns whether the fault was injected.
fn run(c: &mut Campaign, config: Config, plan: Plan, clean_bytes: &[u8]) -> Result<bool, String> {
    let (start, pre) = start_log(&config);
    let storage = Scripted::new(start, Some(plan), config.maps);
    let handle = storage.clone();
    let pre_for_run = pre.clone();
    // A failed write or sync fails the log for good; so does a dead disk.
    let sticky = matches!(plan.call, Call::Write | Call::Sync) || plan.fault == Fault::Dead;
    let out = within(
        "a workload with an injected fault",
        Duration::from_secs(30),
        move || workload(config, storage, sticky, &pre_for_run),
    );
    let disk = handle.lock();
    if !out.broken.is_empty() {
        return Err(out.broken.join("; "));
    }
    // A short write or read is legal: the run must be the clean run.
    let same_bytes = out.closed || disk.bytes == clean_bytes;
    if matches!(plan.fault, Fault::Short(_)) && (out.errors > 0 || !same_bytes) {
        return Err(format!(
            "a short {:?} changed the run: {} errors ({:?})",
            plan.call, out.errors, out.failure
        ));
    }
    let all: Vec<Event> = pre.iter().chain(&out.appended).cloned().collect();
    events::check_log(config.seed, &all).map_err(|e| format!("the appended events: {e}"))?;
    let at_least = out.written.max(out.durable);
    recovers_prefix("the bytes left", &config, &disk.bytes, &all, at_least)?;
    let synced = &disk.synced;
    recovers_prefix(
        "the bytes as of the last sync",
        &config,
        synced,
        &all,
        out.durable,
    )?;
    // A power cut that lands part of what was written after the last sync.
    if disk.bytes.len() > disk.synced.len() && disk.bytes.starts_with(&disk.synced) {
        let mut rng = Rng::new(config.seed ^ plan.nth);
        for _ in 0..3 {
            let extra = rng.below((disk.bytes.len() - disk.synced.len()) as u64 + 1) as usize;
            let image = &disk.bytes[..disk.synced.len() + extra];
            recovers_prefix("a power cut's image", &config, image, &all, out.durable)?;
            c.add("power_cut_images", 1);
        }
    }
    // What was reported after the failure must be as true as the rest
    // (F6 in tests/campaign_found.rs).
    let late = out.late_written.max(out.late_durable);
    if late > 0 {
        recovers_prefix(
            "after the failure, the bytes left",
            &config,
            &disk.bytes,
            &all,
            late,
        )?;
        recovers_prefix(
            "after the failure, the bytes as of the last sync",
            &config,
            &disk.synced,
            &all,
            out.late_durable,
        )?;
    }
    if out.late_replays > 0 {
        return Err("after the failure, a replay said Ok with fewer events than appended".into());
    }
    c.add("durable_events_checked", out.durable);
    c.add("runs_failing_the_log", u64::from(out.failure.is_some()));
    Ok(disk.injected)
}

fn configs(c: &Campaign) -> Vec<Config> {
    let mut rng = c.rng(0);
    let modes = [
        SyncMode::Never,
        SyncMode::Batch,
        SyncMode::Interval(Duration::from_millis(1)),
    ];
    let starts = [Start::Empty, Start::Log, Start::Torn];
    let mut out = Vec::new();
    for round in 0..size(1, 4) {
        for (i, &mode) in modes.iter().enumerate() {
            for (j, &start) in starts.iter().enumerate() {
                // The short form: every mode and start once, reads through
                // a map or the buffer in turn.
                let maps = (i + j + round) % 2 == 0;
                for maps in [maps, !maps].into_iter().take(size(1, 2)) {
                    out.push(Config {
                        seed: rng.next_u64(),
                        mode,
                        maps,
                        start,
                        buffer_capacity: 64 + rng.below(4000) as usize,
                        compress: rng.below(3) == 0,
                    });
                }
            }
        }
    }
    out
}

#[test]
fn every_storage_call_failing_short_or_panicking_keeps_the_rules() {
    quiet_injected_panics();
    let mut c = Campaign::start("faults");
    for config in configs(&c) {
        // A clean run: how many calls of each kind the workload makes.
        let (start, pre) = start_log(&config);
        let clean = Scripted::new(start, None, config.maps);
        let out = workload(config, clean.clone(), true, &pre);
        assert!(
            out.broken.is_empty() && out.failure.is_none(),
            "{config:?}: the clean run: {:?} {:?}",
            out.broken,
            out.failure
        );
        let (counts, clean_bytes) = {
            let disk = clean.lock();
            (disk.counts.clone(), disk.bytes.clone())
        };
        for call in CALLS {
            // One more than the clean run made: timing varies.
            for nth in 0..counts.get(&call).map_or(0, |n| n + 1) {
                for fault in Fault::for_call(call) {
                    let plan = Plan { call, nth, fault };
                    let injected = run(&mut c, config, plan, &clean_bytes)
                        .map_err(|e| format!("{config:?}, {plan:?}: {e}"))
                        .unwrap();
                    c.add("runs", 1);
                    c.add("faults_injected", u64::from(injected));
                }
            }
        }
    }
    c.add(
        "power_cut_images_refused_on_purpose",
        REFUSED_ON_PURPOSE.load(std::sync::atomic::Ordering::Relaxed),
    );
    c.finish();
}
