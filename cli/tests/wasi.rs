//! The WASI builds of the CLI, run under wasmtime (`scripts/wasmtime-run`)
//! on copies of the golden vectors in a granted directory, say exactly
//! what the native binary says: the wasm32-wasip1 module and the
//! wasm32-wasip2 component alike.
//!
//! One difference is WASI's, not ours: a Preview 2 program exits with
//! success or failure and nothing else (`wasi:cli/exit` carries a
//! `result`), so where the native binary exits with 2 or 3 (`verify`'s
//! corrupted and unreadable), the component exits with 1. Its words are
//! the same.
//!
//! The test builds each `.wasm` itself (`cargo build -p rewal-cli
//! --target ...`), into its own target directory under cargo's test temp
//! dir: the `cargo test` running this holds the lock of the main one.
//! Without the WASI targets or Python's `wasmtime` package it says so and
//! passes; `REWAL_REQUIRE_WASI=1` makes that a failure instead (for CI,
//! where both are installed).
#![cfg(not(target_family = "wasm"))]

mod common;

use common::scripts::{self, Paths};
use common::wasi_build::{wasm, Target};
use common::{Runner, Scratch};

#[test]
fn every_script_says_the_same_under_wasmtime_p1() {
    every_script_says_the_same(Target::P1);
}

#[test]
fn every_script_says_the_same_under_wasmtime_p2() {
    every_script_says_the_same(Target::P2);
}

fn every_script_says_the_same(target: Target) {
    let Some(wasm) = wasm(target) else { return };
    // Scripts run side by side, each in its own directory, native first,
    // then the WASI build on fresh copies at the same paths.
    std::thread::scope(|scope| {
        let runs: Vec<_> = scripts::all()
            .into_iter()
            .map(|script| {
                let wasm = wasm.clone();
                scope.spawn(move || {
                    let dir = Scratch::new(&format!("{}-{}", target.triple(), script.name));
                    let wasi = Runner::wasi(wasm, &dir);
                    let native =
                        scripts::transcript(&Runner::Native, &dir, &script, Paths::Absolute);
                    let under_wasi = scripts::transcript(&wasi, &dir, &script, Paths::Absolute);
                    (script.name, target.expected(&native), under_wasi)
                })
            })
            .collect();
        for run in runs {
            let (name, native, under_wasi) = run.join().expect("a script thread");
            if native != under_wasi {
                let line = native
                    .lines()
                    .zip(under_wasi.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                panic!(
                    "script {name}: the {} build differs at line {}:\n  native: {}\n  wasi:   {}\n--- whole WASI transcript\n{under_wasi}",
                    target.triple(),
                    line + 1,
                    native.lines().nth(line).unwrap_or("<end>"),
                    under_wasi.lines().nth(line).unwrap_or("<end>"),
                );
            }
        }
    });
}

#[test]
fn demo_writes_the_same_bytes_under_wasmtime_p1() {
    demo_writes_the_same_bytes(Target::P1);
}

#[test]
fn demo_writes_the_same_bytes_under_wasmtime_p2() {
    demo_writes_the_same_bytes(Target::P2);
}

fn demo_writes_the_same_bytes(target: Target) {
    let Some(wasm) = wasm(target) else { return };
    let native_dir = Scratch::new(&format!("demo-native-{}", target.triple()));
    let wasi_dir = Scratch::new(&format!("demo-{}", target.triple()));
    let native = Runner::Native.run(
        native_dir.dir(),
        &["demo".into(), native_dir.dir().display().to_string()],
        b"",
    );
    assert_eq!(native.code, 0, "{native:?}");
    let wasi = Runner::wasi(wasm, &wasi_dir);
    let run = wasi.run(
        wasi_dir.dir(),
        &["demo".into(), wasi_dir.dir().display().to_string()],
        b"",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run
        .stdout()
        .contains("replayed the whole log: 5004 events, 175444 payload bytes"));
    let native_log = std::fs::read(native_dir.path("demo.wal")).expect("native demo.wal");
    let wasi_log = std::fs::read(wasi_dir.path("demo.wal")).expect("wasi demo.wal");
    assert!(
        native_log == wasi_log,
        "demo.wal differs between the native and the {} build",
        target.triple()
    );
}

#[test]
fn tail_follow_works_under_wasmtime_p1() {
    tail_follow_works(Target::P1);
}

#[test]
fn tail_follow_works_under_wasmtime_p2() {
    tail_follow_works(Target::P2);
}

/// The WASI build for `target` and a scratch directory `name` it is
/// granted, for a `tail -f` test; `None` (the test skips) without the
/// build.
fn follower_under_wasmtime(target: Target, name: &str) -> Option<(Runner, Scratch)> {
    let wasm = wasm(target)?;
    let dir = Scratch::new(name);
    Some((Runner::wasi(wasm, &dir), dir))
}

fn tail_follow_works(target: Target) {
    let Some((runner, dir)) =
        follower_under_wasmtime(target, &format!("{}-follow", target.triple()))
    else {
        return;
    };
    common::follow::follows_another_writer(&runner, &dir);
}

#[test]
fn tail_follow_of_a_segment_directory_works_under_wasmtime() {
    let Some((runner, dir)) = follower_under_wasmtime(Target::P1, "wasi-follow-segments") else {
        return;
    };
    common::follow::follows_a_segment_directory(&runner, &dir);
}

#[test]
fn tail_follow_survives_files_removed_while_it_lists_under_wasmtime() {
    let Some((runner, dir)) = follower_under_wasmtime(Target::P1, "wasi-follow-churn") else {
        return;
    };
    common::follow::follows_while_files_come_and_go(&runner, &dir);
}

#[test]
fn tail_follow_keeps_up_with_a_durable_writer_under_wasmtime() {
    let Some((runner, dir)) = follower_under_wasmtime(Target::P1, "wasi-follow-durable") else {
        return;
    };
    common::follow::follows_a_durable_writer(&runner, &dir, None);
    common::follow::follows_a_durable_writer(&runner, &dir, Some(4096));
}
