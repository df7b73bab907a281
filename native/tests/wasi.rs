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
use common::{crate_dir, Runner, Scratch};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The built `.wasm`, or `None` (after saying why) when this machine
/// cannot build or run it.
fn wasm() -> Option<PathBuf> {
    static WASM: OnceLock<Option<PathBuf>> = OnceLock::new();
    WASM.get_or_init(build).clone()
}

fn build() -> Option<PathBuf> {
    let missing = |what: &str| {
        if std::env::var_os("REWAL_REQUIRE_WASI").is_some_and(|value| value == "1") {
            panic!("cannot run the WASI build: {what}");
        }
        eprintln!(
            "skipped: cannot run the WASI build: {what} (REWAL_REQUIRE_WASI=1 makes this fail)"
        );
        None
    };
    let python = Command::new("python3")
        .args(["-c", "import wasmtime"])
        .output();
    if !python.is_ok_and(|output| output.status.success()) {
        return missing(
            "python3 with the `wasmtime` package is not installed (pip install wasmtime)",
        );
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if !sysroot.join("lib/rustlib/wasm32-wasip1").exists() {
        return missing(
            "the wasm32-wasip1 target is not installed (rustup target add wasm32-wasip1)",
        );
    }
    let target_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rewal-cli-wasi");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "build",
            "-p",
            "rewal-cli",
            "--target",
            "wasm32-wasip1",
            "--manifest-path",
        ])
        .arg(crate_dir().join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("run cargo build");
    assert!(
        output.status.success(),
        "building the WASI CLI failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(target_dir.join("wasm32-wasip1/debug/rewal.wasm"))
}

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
