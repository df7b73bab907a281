//! The host side of the sandboxed-plugin story: builds `examples/plugin.rs`
//! for wasm32-wasip1 (a core module) and for wasm32-wasip2 (a component),
//! runs each under wasmtime (`scripts/wasmtime-run`) with one granted
//! directory, kills it, tears its last write, and restarts it.
//! (`examples/host/` is a Rust host for plugin components, with its own
//! tests.)
//!
//! Needs both WASI targets and the `wasmtime` Python package, so it is
//! behind the `wasm-host-tests` feature; `scripts/test-all.sh` installs
//! them and runs it.

mod common;

use rewal::inspect::{self, LogEnd};
use std::path::{Path, PathBuf};
use std::process::Command;

fn plugin_wasm(target: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--example",
            "plugin",
            "--target",
            target,
        ])
        .current_dir(root)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building the plugin for {target} failed");
    root.join("target")
        .join(target)
        .join("debug/examples/plugin.wasm")
}

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
    let wasm = plugin_wasm(target);
    let scratch = common::Scratch::new(&format!("plugin-{target}"));
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
    let events = common::read_all(&log);
    assert_eq!(events.len(), 26);
    assert_eq!(events[25].payload, b"about");
    assert_eq!(events[25].meta.as_deref(), Some(&b"view"[..]));
}
