#!/usr/bin/env bash
# Every test of the project, on a fresh machine with only the Rust toolchain:
# formatting, lints, the native suite (threaded pipeline), the same suite on
# the inline (wasm32) pipeline, and a smoke run of the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "rustfmt"
cargo fmt --all -- --check

step "clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "native test suite (threaded pipeline, mmap, hardware CRC)"
cargo test --workspace

step "the same suite on the inline pipeline that wasm32 uses"
RUSTFLAGS="--cfg rewal_inline" cargo test --target-dir target/inline

step "benchmark smoke run (small sizes; figures are not meaningful here)"
REWAL_BENCH_QUICK=1 cargo bench --bench compare

step "all tests passed"
