//! For the tests that build wasm programs and run them under wasmtime as a
//! host would (`tests/wasi_plugin.rs`, `tests/wasm_unknown.rs`): whether
//! they run at all, and where cargo puts what it builds.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether the wasm host tests run: they need the wasm targets and the
/// `wasmtime` Python package, and take a while to build, so a plain
/// `cargo test` skips them unless `REWAL_WASM_HOST_TESTS=1` (the test
/// command sets it). A test-only switch, not a feature of the crate.
pub fn enabled(test: &str) -> bool {
    let on = std::env::var("REWAL_WASM_HOST_TESTS").is_ok_and(|v| v == "1");
    if !on {
        eprintln!("{test}: skipped (set REWAL_WASM_HOST_TESTS=1 to run it)");
    }
    on
}

/// The workspace's root, where the engine's package is (the testkit is
/// its `testkit/`).
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the testkit is inside the workspace")
}

/// The target directory cargo builds into: `CARGO_TARGET_DIR` if set (a
/// relative one from the workspace's root), else the workspace's `target/`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        }
        None => root().join("target"),
    }
}

/// Builds the engine's example `name` for `target` (`release` or not) and
/// returns the path of its wasm file.
pub fn build_example(name: &str, target: &str, release: bool) -> PathBuf {
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "--example", name, "--target", target]);
    if release {
        build.arg("--release");
    }
    let status = build.current_dir(root()).status().expect("run cargo build");
    assert!(
        status.success(),
        "building example {name} for {target} failed"
    );
    target_dir()
        .join(target)
        .join(if release { "release" } else { "debug" })
        .join("examples")
        .join(format!("{name}.wasm"))
}
