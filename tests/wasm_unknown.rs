//! The engine on wasm32-unknown-unknown: builds `tests/programs/browser_selftest.rs`
//! for that target, checks the module imports nothing (so no std clock,
//! thread or file call is linked in: they would need imports or trap), and
//! runs its `selftest` export under wasmtime. Runs only with
//! `REWAL_WASM_HOST_TESTS=1`, like `tests/wasi_plugin.rs`.

#![cfg(not(target_family = "wasm"))]

mod common;

use common::wasm_host;
use std::process::Command;

#[test]
fn the_engine_runs_on_wasm32_unknown_unknown_with_memory_storage() {
    if !wasm_host::enabled("the wasm32-unknown-unknown self-test") {
        return;
    }
    let wasm = wasm_host::build_example("browser_selftest", "wasm32-unknown-unknown", true);
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
