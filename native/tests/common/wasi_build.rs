//! Builds the CLI for wasm32-wasip1 once per test binary, for the tests
//! that run it under wasmtime (`wasi.rs`, `campaign_cli.rs`).
//!
//! The `.wasm` goes into its own target directory under cargo's test temp
//! dir: the `cargo test` running this holds the lock of the main one.
//! Without the wasm32-wasip1 target or Python's `wasmtime` package it says
//! so and the caller skips; `REWAL_REQUIRE_WASI=1` makes that a failure
//! instead (for CI, where both are installed).

use super::crate_dir;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The built `.wasm`, or `None` (after saying why) when this machine
/// cannot build or run it.
pub fn wasm() -> Option<PathBuf> {
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
