//! Builds the CLI for wasm32-wasip1 and wasm32-wasip2 once per test
//! binary, for the tests that run it under wasmtime (`wasi.rs`,
//! `campaign_cli.rs`).
//!
//! The `.wasm` goes into its own target directory under cargo's test temp
//! dir: the `cargo test` running this holds the lock of the main one.
//! Without the target or Python's `wasmtime` package it says so and the
//! caller skips; `REWAL_REQUIRE_WASI=1` makes that a failure instead (for
//! CI, where both are installed).

use super::crate_dir;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The two WASI targets the CLI builds for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    P1,
    P2,
}

impl Target {
    pub fn triple(self) -> &'static str {
        match self {
            Target::P1 => "wasm32-wasip1",
            Target::P2 => "wasm32-wasip2",
        }
    }

    /// What the native transcript looks like under this target: the same,
    /// except that a Preview 2 program's failures all exit with 1.
    pub fn expected(self, native: &str) -> String {
        if self == Target::P1 {
            return native.to_string();
        }
        native
            .lines()
            .map(|line| {
                match line
                    .strip_prefix("[exit ")
                    .and_then(|rest| rest.strip_suffix(']'))
                {
                    Some(code) if code != "0" => "[exit 1]",
                    _ => line,
                }
            })
            .fold(String::new(), |text, line| text + line + "\n")
    }
}

/// The built `.wasm`, or `None` (after saying why) when this machine
/// cannot build or run it.
pub fn wasm(target: Target) -> Option<PathBuf> {
    static P1: OnceLock<Option<PathBuf>> = OnceLock::new();
    static P2: OnceLock<Option<PathBuf>> = OnceLock::new();
    let built = match target {
        Target::P1 => &P1,
        Target::P2 => &P2,
    };
    built.get_or_init(|| build(target)).clone()
}

fn build(target: Target) -> Option<PathBuf> {
    let triple = target.triple();
    let missing = |what: &str| {
        if std::env::var_os("REWAL_REQUIRE_WASI").is_some_and(|value| value == "1") {
            panic!("cannot run the {triple} build: {what}");
        }
        eprintln!(
            "skipped: cannot run the {triple} build: {what} (REWAL_REQUIRE_WASI=1 makes this fail)"
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
    if !sysroot.join("lib/rustlib").join(triple).exists() {
        return missing(&format!(
            "the {triple} target is not installed (rustup target add {triple})"
        ));
    }
    let target_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rewal-cli-wasi");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "build",
            "-p",
            "rewal-cli",
            "--target",
            triple,
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
        "building the {triple} CLI failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(target_dir.join(triple).join("debug/rewal.wasm"))
}
