//! The plugin host, end to end: builds the plugin component
//! (`plugin/`, wasm32-wasip2), runs it under wasmtime over a directory,
//! kills it in the middle of its work (fuel exhaustion at many points, and
//! the epoch kill switch from another thread), starts it again over the
//! same directory, and checks what it recovered against what it had
//! reported durable, and against the file as the native library reads it.

use rewal::inspect::{self, LogEnd};
use rewal_plugin_host::{Balance, Error, Event, Host, Limits, Plugin, Summary};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// The plugin, compiled once for every test of this file.
fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| Host::load(&build_plugin()).expect("load the plugin"))
}

/// Builds the plugin component (release: the log's read and write paths
/// are what the tests exercise, and they run many times). Into its own
/// target directory: the `cargo test` running this holds the main one.
fn build_plugin() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin");
    let output = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "-p",
            "rewal-plugin",
            "--target",
            "wasm32-wasip2",
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(root)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("run cargo build");
    assert!(
        output.status.success(),
        "building the plugin for wasm32-wasip2 failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    target_dir.join("wasm32-wasip2/release/rewal_plugin.wasm")
}

/// A fresh directory for one plugin.
fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("host-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Batch number `n` of a workload: 1 to 5 events, every amount unique, so
/// that the balances tell exactly which events a log holds.
fn batch(n: usize) -> Vec<Event> {
    const ACCOUNTS: [&str; 4] = ["alice", "bob", "carol", "dave"];
    (0..1 + n * 7 % 5)
        .map(|i| Event {
            account: ACCOUNTS[(n + i) % ACCOUNTS.len()].to_string(),
            amount: (n * 1000 + i + 1) as i64 * if (n + i).is_multiple_of(3) { -1 } else { 1 },
        })
        .collect()
}

/// What a plugin must report after handling `batches`, in order.
fn summary_of(batches: &[Vec<Event>]) -> Summary {
    let mut balances: BTreeMap<&str, (i64, u64)> = BTreeMap::new();
    for event in batches.iter().flatten() {
        let (total, events) = balances.entry(&event.account).or_default();
        *total += event.amount;
        *events += 1;
    }
    let events = batches.iter().map(Vec::len).sum::<usize>() as u64;
    Summary {
        balances: balances
            .into_iter()
            .map(|(account, (total, events))| Balance {
                account: account.to_string(),
                total,
                events,
            })
            .collect(),
        events,
        // One LSN per event, from 1, without gaps.
        last_lsn: events,
    }
}

/// The batches of the log in `dir`, as the native library reads the file
/// (without writing it): one entry per frame, checked against `frames`'s
/// frame count. Also returns how the file ends.
fn native_batches(dir: &Path) -> (Vec<Vec<Event>>, LogEnd) {
    let path = dir.join("events.wal");
    if !path.exists() {
        return (Vec::new(), LogEnd::Clean);
    }
    let mut sizes = Vec::new();
    let scan = inspect::scan_file(&path, |frame| sizes.push(frame.header.record_count)).unwrap();
    let mut events = inspect::read_file(&path, 0, None).unwrap();
    let mut batches = Vec::new();
    for size in sizes {
        let batch = (0..size)
            .map(|_| {
                let event = events.next().unwrap().expect("an event the scan counted");
                let (amount, account) = event.payload.split_at(8);
                Event {
                    account: String::from_utf8(account.to_vec()).unwrap(),
                    amount: i64::from_le_bytes(amount.try_into().unwrap()),
                }
            })
            .collect();
        batches.push(batch);
    }
    (batches, scan.end)
}

/// Checks a plugin that has just been started over a log whose history is
/// `handled` (every batch it was handed, in order, the last one possibly
/// cut off by a kill) and of which `durable` was reported durable: it
/// recovered a whole number of those batches, at least the durable ones,
/// and the file now holds exactly them. Returns the recovered batches.
fn check_recovery(
    plugin: &Plugin,
    dir: &Path,
    handled: &[Vec<Event>],
    durable: &Summary,
) -> Vec<Vec<Event>> {
    let opened = plugin.opened().clone();
    assert!(
        opened.events >= durable.events && opened.last_lsn >= durable.last_lsn,
        "events reported durable were lost: durable {durable:?}, recovered {opened:?}"
    );
    // The batch boundaries, in events: the recovered count must be one.
    let mut boundary = 0;
    let kept = std::iter::once(0)
        .chain(handled.iter().map(|batch| {
            boundary += batch.len() as u64;
            boundary
        }))
        .position(|events| events == opened.events)
        .unwrap_or_else(|| {
            panic!(
                "recovered {} events: not a whole number of batches",
                opened.events
            )
        });
    assert_eq!(opened, summary_of(&handled[..kept]), "recovered state");
    let (on_disk, end) = native_batches(dir);
    assert_eq!(end, LogEnd::Clean, "the reopened log ends cleanly");
    assert!(
        on_disk == handled[..kept],
        "the file holds the recovered batches, frame by frame"
    );
    handled[..kept].to_vec()
}

#[test]
fn a_plugin_keeps_its_ledger_across_restarts() {
    let dir = scratch("restarts");
    let mut handled = Vec::new();
    for run in 0..3 {
        let mut plugin = host().start(&dir, Limits::default()).unwrap();
        assert_eq!(
            plugin.opened(),
            &summary_of(&handled),
            "run {run} recovered"
        );
        for n in run * 10..run * 10 + 10 {
            let lsn = plugin.handle(&batch(n)).unwrap();
            handled.push(batch(n));
            assert_eq!(lsn, summary_of(&handled).last_lsn);
        }
        assert_eq!(plugin.state().unwrap(), summary_of(&handled));
        assert_eq!(plugin.snapshot().unwrap(), summary_of(&handled));
    }
    let (on_disk, end) = native_batches(&dir);
    assert_eq!((on_disk, end), (handled, LogEnd::Clean));
}

/// Runs batches from `next` on, snapshotting every fifth, until the plugin
/// stops; returns the error that stopped it, the batches handed to it (the
/// last one perhaps not taken) and the last snapshot.
fn work_until_stopped(
    plugin: &mut Plugin,
    next: &mut usize,
    handled: &mut Vec<Vec<Event>>,
    durable: &mut Summary,
) -> Error {
    loop {
        handled.push(batch(*next));
        *next += 1;
        if let Err(error) = plugin.handle(handled.last().unwrap()) {
            return error;
        }
        if next.is_multiple_of(5) {
            match plugin.snapshot() {
                Ok(summary) => {
                    assert_eq!(summary, summary_of(handled));
                    *durable = summary;
                }
                Err(error) => return error,
            }
        }
    }
}

/// Fuel makes the kill point exact and repeatable: the same workload,
/// stopped after more and more fuel, is cut at points spread over its
/// appends, its writes and its syncs.
#[test]
fn killed_by_fuel_at_any_point_it_keeps_what_it_reported_durable() {
    // What a run of 60 batches costs, measured with a large budget.
    let budget = 1 << 40;
    let dir = scratch("fuel-measure");
    let mut plugin = host().start(&dir, Limits { fuel: Some(budget) }).unwrap();
    let opened_cost = budget - plugin.fuel_left().unwrap();
    for n in 0..60 {
        plugin.handle(&batch(n)).unwrap();
        if (n + 1).is_multiple_of(5) {
            plugin.snapshot().unwrap();
        }
    }
    let work_cost = budget - opened_cost - plugin.fuel_left().unwrap();
    drop(plugin);

    for step in 1..=16 {
        let dir = scratch("fuel");
        let fuel = opened_cost + work_cost * step / 17 + step * 7919;
        let mut plugin = host().start(&dir, Limits { fuel: Some(fuel) }).unwrap();
        let (mut next, mut handled, mut durable) = (0, Vec::new(), summary_of(&[]));
        let error = work_until_stopped(&mut plugin, &mut next, &mut handled, &mut durable);
        assert!(matches!(error, Error::OutOfFuel), "step {step}: {error}");
        assert!(matches!(plugin.state(), Err(Error::Stopped)));
        drop(plugin);

        // What a sandbox's kill leaves is what a new instance must cope with.
        let (on_disk, _) = native_batches(&dir);
        assert!(
            handled.starts_with(&on_disk),
            "step {step}: the file holds batches that were not handed over, or parts of one"
        );
        let plugin = host().start(&dir, Limits::default()).unwrap();
        check_recovery(&plugin, &dir, &handled, &durable);
    }
}

/// Writes the first half of the log's last frame again after its end, as
/// a host that died in the middle of a write would leave it (a kill by the
/// sandbox cannot: it stops the guest between two host calls, and each
/// write is one).
fn tear_a_write_after_the_end(dir: &Path) {
    let path = dir.join("events.wal");
    let mut last = None;
    let scan = inspect::scan_file(&path, |frame| {
        last = Some((frame.offset, frame.header.batch_size));
    })
    .unwrap();
    let Some((offset, size)) = last else { return };
    let bytes = std::fs::read(&path).unwrap();
    let half = &bytes[offset as usize..][..size as usize / 2];
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&file, half, scan.valid_len).unwrap();
    let torn = inspect::scan_file(&path, |_| {}).unwrap();
    assert_eq!(
        torn.end,
        LogEnd::TornTail {
            offset: scan.valid_len
        }
    );
}

/// The kill switch, pulled from another thread while the plugin works, in
/// rounds over the same directory: each new instance recovers, goes on,
/// and is killed again; every other time, a torn write follows the kill.
#[test]
fn killed_by_its_kill_switch_it_restarts_with_every_durable_event() {
    let dir = scratch("epoch");
    let (mut next, mut handled, mut durable) = (0, Vec::new(), summary_of(&[]));
    for round in 0..8u64 {
        let mut plugin = host().start(&dir, Limits::default()).unwrap();
        handled = check_recovery(&plugin, &dir, &handled, &durable);
        durable = plugin.opened().clone();
        let kill = plugin.kill_switch();
        let killer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5 + 7 * round));
            kill.kill();
        });
        let error = work_until_stopped(&mut plugin, &mut next, &mut handled, &mut durable);
        killer.join().unwrap();
        assert!(matches!(error, Error::Killed), "round {round}: {error}");
        assert!(matches!(plugin.handle(&batch(0)), Err(Error::Stopped)));
        drop(plugin);
        if round % 2 == 1 {
            tear_a_write_after_the_end(&dir);
        }
    }
    let plugin = host().start(&dir, Limits::default()).unwrap();
    let kept = check_recovery(&plugin, &dir, &handled, &durable);
    assert!(
        kept.len() >= 20,
        "the rounds got work done: {} batches",
        kept.len()
    );
}

#[test]
fn one_live_plugin_per_directory() {
    let dir = scratch("exclusive");
    let mut first = host().start(&dir, Limits::default()).unwrap();
    first.handle(&batch(1)).unwrap();
    first.snapshot().unwrap();

    // The same directory, by another spelling too, is refused while the
    // first plugin lives.
    for spelling in [
        dir.clone(),
        dir.join("."),
        dir.join("../").join(dir.file_name().unwrap()),
    ] {
        match host().start(&spelling, Limits::default()) {
            Err(Error::DirectoryInUse(held)) => assert_eq!(held, dir.canonicalize().unwrap()),
            other => panic!(
                "{}: {:?}",
                spelling.display(),
                other.map(|p| p.opened().clone())
            ),
        }
    }
    // Another directory is no problem.
    let other = scratch("exclusive-other");
    let _second = host().start(&other, Limits::default()).unwrap();

    // Once the first is gone (killed, here), the directory is free again.
    first.kill_switch().kill();
    assert!(matches!(first.handle(&batch(2)), Err(Error::Killed)));
    drop(first);
    let again = host().start(&dir, Limits::default()).unwrap();
    assert_eq!(again.opened(), &summary_of(&[batch(1)]));
}

#[test]
fn bad_input_gets_an_error_not_a_trap() {
    let dir = scratch("bad-input");
    let mut plugin = host().start(&dir, Limits::default()).unwrap();
    match plugin.handle(&[]) {
        Err(Error::Plugin(message)) => assert!(message.contains("at least one event"), "{message}"),
        other => panic!("an empty batch: {other:?}"),
    }
    // The plugin lives on.
    assert_eq!(plugin.handle(&batch(3)).unwrap(), batch(3).len() as u64);
    drop(plugin);

    // A file in the plugin's place that is not a log: refused, untouched.
    let foreign = scratch("foreign");
    let text = b"this is somebody's notes, not a log\n".repeat(10);
    std::fs::write(foreign.join("events.wal"), &text).unwrap();
    match host().start(&foreign, Limits::default()) {
        Err(Error::Plugin(message)) => {
            assert!(message.contains("/data/events.wal"), "{message}");
            assert!(message.contains("not a rewal log"), "{message}");
        }
        other => panic!("a foreign file: {:?}", other.map(|p| p.opened().clone())),
    }
    assert_eq!(std::fs::read(foreign.join("events.wal")).unwrap(), text);

    // A log whose events are not the ledger's: the plugin says which.
    let alien = scratch("alien");
    let wal = rewal::Wal::open(alien.join("events.wal")).build().unwrap();
    wal.append("short").unwrap();
    wal.shutdown(Duration::from_secs(5)).unwrap();
    match host().start(&alien, Limits::default()) {
        Err(Error::Plugin(message)) => {
            assert!(
                message.contains("event 1 is not a ledger event"),
                "{message}"
            );
        }
        other => panic!("an alien log: {:?}", other.map(|p| p.opened().clone())),
    }

    // A directory that does not exist: the host says so.
    let missing = dir.join("missing");
    assert!(matches!(
        host().start(&missing, Limits::default()),
        Err(Error::Host(_))
    ));
}

/// Why the host keeps one live plugin per directory: without that rule,
/// two instances in one store (or two hosts) over one directory both open
/// the log, since rewal's guard is per instance and WASI has no locks; the
/// second then writes over what the first made durable. This drives
/// wasmtime directly, as a host without the rule would.
#[test]
fn two_instances_over_one_directory_cannot_see_each_other() {
    use wasmtime::component::{Component, Linker, ResourceTable};
    use wasmtime::{Engine, Store};
    use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};

    mod raw {
        wasmtime::component::bindgen!({ path: "wit", world: "event-log" });
    }
    struct Sandbox(WasiCtx, ResourceTable);
    impl WasiView for Sandbox {
        fn ctx(&mut self) -> WasiCtxView<'_> {
            WasiCtxView {
                ctx: &mut self.0,
                table: &mut self.1,
            }
        }
    }

    let dir = scratch("one-store");
    let engine = Engine::default();
    let component = Component::from_file(&engine, build_plugin()).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let mut wasi = WasiCtx::builder();
    wasi.preopened_dir(&dir, "/data", FsPerms::ReadWrite)
        .unwrap();
    let mut store = Store::new(&engine, Sandbox(wasi.build(), ResourceTable::new()));
    let first = raw::EventLog::instantiate(&mut store, &component, &linker).unwrap();
    let second = raw::EventLog::instantiate(&mut store, &component, &linker).unwrap();
    let (first, second) = (first.rewal_plugin_ledger(), second.rewal_plugin_ledger());

    // Only the granted directory is there.
    for elsewhere in ["/", "/etc", "/tmp", "/data/.."] {
        let refused = first.call_open(&mut store, elsewhere).unwrap();
        assert!(refused.is_err(), "{elsewhere}: {refused:?}");
    }

    // Both open the same log: neither gets FileLocked.
    first.call_open(&mut store, "/data").unwrap().unwrap();
    second.call_open(&mut store, "/data").unwrap().unwrap();
    let event = |account: &str, amount| raw::exports::rewal::plugin::ledger::Event {
        account: account.into(),
        amount,
    };
    first
        .call_handle(&mut store, &[event("first", 1)])
        .unwrap()
        .unwrap();
    let durable = first.call_snapshot(&mut store).unwrap().unwrap();
    assert_eq!(durable.events, 1);
    second
        .call_handle(&mut store, &[event("second", 2)])
        .unwrap()
        .unwrap();
    second.call_snapshot(&mut store).unwrap().unwrap();

    // The second wrote where the first had: the first's durable event is
    // gone. Hence the host's rule.
    let (on_disk, _) = native_batches(&dir);
    let second_only = Event {
        account: "second".into(),
        amount: 2,
    };
    assert_eq!(on_disk, vec![vec![second_only]]);
}
