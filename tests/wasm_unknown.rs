//! The engine on wasm32-unknown-unknown: builds `examples/browser_selftest.rs`
//! for that target, checks the module imports nothing (so no std clock,
//! thread or file call is linked in: they would need imports or trap), and
//! runs its `selftest` export under wasmtime. Behind the `wasm-host-tests`
//! feature, like `tests/wasi_plugin.rs`.

use std::path::Path;
use std::process::Command;

#[test]
fn the_engine_runs_on_wasm32_unknown_unknown_with_memory_storage() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--release",
            "--example",
            "browser_selftest",
        ])
        .args(["--target", "wasm32-unknown-unknown"])
        .current_dir(root)
        .status()
        .expect("run cargo build");
    assert!(
        status.success(),
        "building the self-test for wasm32-unknown-unknown failed"
    );
    let wasm = root.join("target/wasm32-unknown-unknown/release/examples/browser_selftest.wasm");
    let script = r#"
import sys
from wasmtime import Engine, Instance, Module, Store
engine = Engine()
module = Module.from_file(engine, sys.argv[1])
print("imports", len(module.imports))
store = Store(engine)
print("selftest", Instance(store, module, []).exports(store)["selftest"](store))
"#;
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(&wasm)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // 1002 events written and replayed; after tearing the last frame (a
    // batch of two), recovery keeps 1000.
    assert_eq!(stdout, "imports 0\nselftest 1000\n");
}
