//! The host side of the sandboxed-plugin story: builds `examples/plugin.rs`
//! for wasm32-wasip1 (a core module) and for wasm32-wasip2 (a component),
//! runs each under wasmtime (`scripts/wasmtime-run`) with one granted
//! directory, kills it, tears its last write, and restarts it.
//! (`examples/host/` is a Rust host for plugin components, with its own
//! tests.)
//!
//! Needs both WASI targets and the `wasmtime` Python package, so it runs
//! only with `REWAL_WASM_HOST_TESTS=1`; `scripts/test-all.sh` installs them
//! and sets it.
//!
//! `examples/snapshot_plugin.rs` keeps its log as a directory of segments,
//! snapshots its state and checkpoints: the kill campaign here kills it at
//! random moments (in rotations and checkpoints too), tears its newest
//! segment, and checks what it recovers.

#![cfg(not(target_family = "wasm"))]

use rewal_testkit::rng::Rng;
use rewal_testkit::wasm_host;

use rewal::inspect::{self, LogEnd};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Runs the plugin with `dir` granted as /data; returns its stdout.
fn run(wasm: &Path, dir: &Path, args: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(root.join("scripts/wasmtime-run"))
        .arg(wasm)
        .arg("/data")
        .args(args)
        .env("REWAL_WASI_DIR", format!("{}:/data", dir.display()))
        .output()
        .expect("run wasmtime");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "plugin {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn a_wasip1_plugin_keeps_its_state_across_kills_and_torn_writes() {
    keeps_its_state_across_kills_and_torn_writes("wasm32-wasip1");
}

#[test]
fn a_wasip2_plugin_keeps_its_state_across_kills_and_torn_writes() {
    keeps_its_state_across_kills_and_torn_writes("wasm32-wasip2");
}

fn keeps_its_state_across_kills_and_torn_writes(target: &str) {
    if !wasm_host::enabled("the plugin test") {
        return;
    }
    let wasm = wasm_host::build_example("plugin", target, false);
    let scratch = rewal_testkit::Scratch::new(&format!("plugin-{target}"));
    let log = scratch.path("views.wal");

    // Run 1: 25 views, durable every 10, then killed: 20 survive.
    let out = run(&wasm, scratch.dir(), &["view", "home", "25", "--crash"]);
    assert!(out.contains("recovered 0 events"), "{out}");
    assert!(out.contains("durable up to LSN 20"), "{out}");
    let scan = inspect::scan_file(&log, |_| {}).unwrap();
    assert_eq!((scan.end, scan.events), (LogEnd::Clean, 20));

    // Run 2: recovers 20, records 7 more on another page, stops cleanly.
    let out = run(&wasm, scratch.dir(), &["view", "about", "7"]);
    assert!(out.contains("recovered 20 events, last LSN 20"), "{out}");

    // The host tears the last frame, as a kill in the middle of a write
    // would leave it.
    let bytes = std::fs::read(&log).unwrap();
    std::fs::write(&log, &bytes[..bytes.len() - 9]).unwrap();
    assert!(matches!(
        inspect::scan_file(&log, |_| {}).unwrap().end,
        LogEnd::TornTail { .. }
    ));

    // Run 3: recovery cuts the torn frame; the state is rebuilt from the
    // rest; the LSNs continue after the last valid event.
    let out = run(&wasm, scratch.dir(), &["report"]);
    assert!(out.contains("recovered 26 events, last LSN 26"), "{out}");
    assert!(
        out.contains("about 6\n") && out.contains("home 20\n"),
        "{out}"
    );
    let scan = inspect::scan_file(&log, |_| {}).unwrap();
    assert_eq!(
        (scan.end, scan.events, scan.last_lsn),
        (LogEnd::Clean, 26, 26)
    );

    // The native library reads what the plugin wrote.
    let events = rewal_testkit::read_all(&log);
    assert_eq!(events.len(), 26);
    assert_eq!(events[25].payload, b"about");
    assert_eq!(events[25].meta.as_deref(), Some(&b"view"[..]));
}

#[test]
fn a_wasip1_segment_plugin_survives_kills_in_rotations_and_checkpoints() {
    survives_kills_in_rotations_and_checkpoints("wasm32-wasip1");
}

#[test]
fn a_wasip2_segment_plugin_survives_kills_in_rotations_and_checkpoints() {
    survives_kills_in_rotations_and_checkpoints("wasm32-wasip2");
}

/// The plugin's numbers, as `report` prints them.
#[derive(Debug)]
struct Report {
    total: u64,
    last: u64,
    first: u64,
    snapshot: u64,
}

fn report(wasm: &Path, dir: &Path) -> Report {
    let out = run(wasm, dir, &["report"]);
    let words: Vec<&str> = out.split_whitespace().collect();
    let number = |name: &str| -> u64 {
        let at = words.iter().position(|w| *w == name).expect(name);
        words[at + 1].parse().expect("a number")
    };
    Report {
        total: number("total"),
        last: number("last"),
        first: number("first"),
        snapshot: number("snapshot"),
    }
}

/// The kill campaign under wasmtime: the plugin appends into 4 KiB
/// segments, waits for every seventh event to be durable, snapshots and
/// checkpoints every fiftieth; the host kills it (SIGKILL) at a random
/// moment, sometimes leaves half a frame after the newest segment's end
/// (what a kill in the middle of a write leaves), and restarts it. Each
/// time: the log opens; every event it said was durable is there; the
/// total (the snapshot plus the events after it) is exactly that of the
/// events 1 to the last; nothing the last snapshot covers is needed.
fn survives_kills_in_rotations_and_checkpoints(target: &str) {
    if !wasm_host::enabled("the segment plugin campaign") {
        return;
    }
    let wasm = wasm_host::build_example("snapshot_plugin", target, false);
    let scratch = rewal_testkit::Scratch::new(&format!("snapshot-plugin-{target}"));
    let dir = scratch.dir();
    let mut rng = Rng::new(0x5e9_3e27 ^ target.len() as u64);
    let (mut durable, mut snapshot, mut rotations, mut checkpoints) = (0, 0, 0, 0);
    for round in 0..8 {
        let delay = Duration::from_millis(300 + rng.below(1200));
        let said = run_until_killed(&wasm, dir, delay);
        for line in said.lines() {
            let mut words = line.split(' ');
            let (what, lsn) = (words.next(), words.next().and_then(|n| n.parse().ok()));
            match (what, lsn) {
                (Some("durable"), Some(lsn)) => durable = lsn,
                (Some("snapshot"), Some(lsn)) => {
                    snapshot = lsn;
                    checkpoints += 1;
                }
                _ => panic!("round {round}: the plugin said {line:?}"),
            }
        }
        let segments = segment_files(&dir.join("log"));
        rotations += segments.len();
        if round % 2 == 1 {
            // Half a frame where the newest segment's frames end (over the
            // zeros written ahead, if any): a kill in the middle of a write.
            let newest = segments.last().expect("a segment");
            let end = inspect::scan_file(newest, |_| {}).unwrap().valid_len as usize;
            let mut torn = std::fs::read(newest).unwrap();
            let mut frame = Vec::new();
            rewal::encoding::encode_event(&mut frame, b"half of it", b"", durable + 1_000, None)
                .unwrap();
            let half = &frame[..frame.len() / 2];
            torn.resize(torn.len().max(end + half.len()), 0);
            torn[end..end + half.len()].copy_from_slice(half);
            std::fs::write(newest, torn).unwrap();
        }
        let found = report(&wasm, dir);
        assert!(
            found.last >= durable,
            "round {round}: LSN {durable} was said durable, the log ends at {found:?}"
        );
        assert_eq!(
            found.total,
            found.last * (found.last + 1) / 2,
            "round {round}: the snapshot and the events after it do not add up: {found:?}"
        );
        assert!(
            found.snapshot >= snapshot,
            "round {round}: {found:?}, snapshot {snapshot}"
        );
        assert!(
            found.first <= found.snapshot + 1,
            "round {round}: {found:?}"
        );
        // What the plugin found is the new floor (it may have written more
        // than it said before the kill).
        durable = found.last;
        snapshot = found.snapshot;
    }
    assert!(checkpoints > 0, "no checkpoint happened before a kill");
    eprintln!("{target}: 8 kills, {checkpoints} checkpoints, {rotations} segment files seen, last LSN {durable}");
}

/// Starts the plugin's `run`, kills it after `delay`, and returns what it
/// said (whole lines only).
fn run_until_killed(wasm: &Path, dir: &Path, delay: Duration) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(root.join("scripts/wasmtime-run"))
        .arg(wasm)
        .args(["/data", "run"])
        .env("REWAL_WASI_DIR", format!("{}:/data", dir.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wasmtime");
    std::thread::sleep(delay);
    let exited = child.try_wait().expect("the plugin's state");
    let _ = child.kill();
    let output = child.wait_with_output().expect("wait for the plugin");
    assert!(
        exited.is_none(),
        "the plugin stopped by itself: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    // A line cut by the kill was not said.
    match said.rfind('\n') {
        Some(end) => said[..end + 1].to_string(),
        None => String::new(),
    }
}

fn segment_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|path| path.extension().is_some_and(|ext| ext == "wal"));
    files.sort();
    files
}
