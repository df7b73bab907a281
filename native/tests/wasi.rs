//! The wasm32-wasip1 build of the CLI, run under wasmtime
//! (`scripts/wasmtime-run`) on copies of the golden vectors in a granted
//! directory, says exactly what the native binary says.
//!
//! The test builds the `.wasm` itself (`cargo build -p rewal-cli --target
//! wasm32-wasip1`), into its own target directory under cargo's test temp
//! dir: the `cargo test` running this holds the lock of the main one.
//! Without the wasm32-wasip1 target or Python's `wasmtime` package it says
//! so and passes; `REWAL_REQUIRE_WASI=1` makes that a failure instead
//! (for CI, where both are installed).
#![cfg(not(target_family = "wasm"))]

mod common;

use common::scripts::{self, Paths};
use common::wasi_build::wasm;
use common::{Runner, Scratch};

#[test]
fn every_script_says_the_same_under_wasmtime() {
    let Some(wasm) = wasm() else { return };
    // Scripts run side by side, each in its own directory, native first,
    // then the WASI build on fresh copies at the same paths.
    std::thread::scope(|scope| {
        let runs: Vec<_> = scripts::all()
            .into_iter()
            .map(|script| {
                let wasm = wasm.clone();
                scope.spawn(move || {
                    let dir = Scratch::new(&format!("wasi-{}", script.name));
                    let wasi = Runner::Wasi {
                        wasm,
                        grant: dir.dir().to_path_buf(),
                    };
                    let native =
                        scripts::transcript(&Runner::Native, &dir, &script, Paths::Absolute);
                    let under_wasi = scripts::transcript(&wasi, &dir, &script, Paths::Absolute);
                    (script.name, native, under_wasi)
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
                    "script {name}: the WASI build differs at line {}:\n  native: {}\n  wasi:   {}\n--- whole WASI transcript\n{under_wasi}",
                    line + 1,
                    native.lines().nth(line).unwrap_or("<end>"),
                    under_wasi.lines().nth(line).unwrap_or("<end>"),
                );
            }
        }
    });
}

#[test]
fn demo_writes_the_same_bytes_under_wasmtime() {
    let Some(wasm) = wasm() else { return };
    let native_dir = Scratch::new("demo-native");
    let wasi_dir = Scratch::new("demo-wasi");
    let native = Runner::Native.run(
        native_dir.dir(),
        &["demo".into(), native_dir.dir().display().to_string()],
        b"",
    );
    assert_eq!(native.code, 0, "{native:?}");
    let wasi = Runner::Wasi {
        wasm,
        grant: wasi_dir.dir().to_path_buf(),
    };
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
        "demo.wal differs between the native and the WASI build"
    );
}

#[test]
fn tail_follow_works_under_wasmtime() {
    let Some(wasm) = wasm() else { return };
    let dir = Scratch::new("wasi-follow");
    let runner = Runner::Wasi {
        wasm,
        grant: dir.dir().to_path_buf(),
    };
    common::follow::follows_another_writer(&runner, &dir);
}

#[test]
fn tail_follow_of_a_segment_directory_works_under_wasmtime() {
    let Some(wasm) = wasm() else { return };
    let dir = Scratch::new("wasi-follow-segments");
    let runner = Runner::Wasi {
        wasm,
        grant: dir.dir().to_path_buf(),
    };
    common::follow::follows_a_segment_directory(&runner, &dir);
}
