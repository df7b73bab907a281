#!/usr/bin/env bash
# Every test of the project, on a fresh machine with only the Rust toolchain
# (it adds the rustup targets and the wasmtime it needs): formatting, lints on
# every target, the native suite (threaded pipeline), the same suite on the
# inline pipeline natively and on wasm32-wasip1 under wasmtime, the sandboxed
# plugin test, the fuzzers' short run, and smoke runs of the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "setup: rustup targets and wasmtime (the PyPI package)"
targets="wasm32-wasip1 wasm32-unknown-unknown x86_64-pc-windows-gnu aarch64-unknown-linux-gnu"
# shellcheck disable=SC2086
rustup target add $targets >/dev/null
python3 -c "import wasmtime" 2>/dev/null || python3 -m pip install --quiet wasmtime
# strace shows which syscalls really happen (native/tests/syscalls.rs).
command -v strace >/dev/null || { apt-get update -qq && apt-get install -y -qq strace >/dev/null; }
# Tests that need wasmtime, a wasm target or strace fail, rather than skip,
# without them.
export REWAL_REQUIRE_WASI=1 REWAL_REQUIRE_STRACE=1

step "rustfmt"
cargo fmt --all -- --check

step "clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "the engine builds, lint-clean, for every target it supports"
for target in $targets; do
    echo "    $target"
    cargo clippy --target "$target" -- -D warnings
done

step "native test suites: the engine (threaded pipeline, mmap, hardware CRC), the platform, and the CLI (natively and its WASI build under wasmtime)"
cargo test --workspace

step "power cuts on a simulated disk: every event reported durable survives (tests/power_loss.rs)"
RUSTFLAGS="--cfg rewal_simdisk" cargo test --target-dir target/simdisk --test power_loss

step "the same suite on the inline pipeline that wasm32 uses"
RUSTFLAGS="--cfg rewal_inline" cargo test --target-dir target/inline

step "the engine's test suite on wasm32-wasip1, under wasmtime; and the platform's (CRC: the SIMD128 path against the portable one)"
cargo test --target wasm32-wasip1
cargo test -p rewal-platform --target wasm32-wasip1

step "wasm programs run by a host: the sandboxed WASI plugin (killed, torn, restarted) and the engine on wasm32-unknown-unknown"
cargo test --features wasm-host-tests --test wasi_plugin --test wasm_unknown

step "the browser viewer: wasm build, then www/tests/ in headless Chromium (playwright-core)"
www/test.sh

# The other campaigns' short forms ran above, in the suites
# (tests/campaign_*.rs, native/tests/campaign_cli.rs, www/tests/hostile.test.js).
step "reliability campaigns: the fuzzers, short form (cargo-fuzz on nightly, 20 s per target; RELIABILITY.md)"
scripts/campaigns.sh --short fuzz

step "benchmark smoke runs (small sizes; figures are not meaningful here)"
REWAL_BENCH_QUICK=1 cargo bench -p rewal-peers --bench compare
REWAL_BENCH_QUICK=1 cargo bench -p rewal-peers --bench durable
REWAL_BENCH_QUICK=1 cargo bench -p rewal-peers --bench segments
scripts/bench-wasi.sh --quick

step "all tests passed"
