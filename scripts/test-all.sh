#!/usr/bin/env bash
# Every test of the project, on a fresh machine with only the Rust toolchain
# (it adds the rustup targets and the wasmtime it needs): formatting, lints on
# every target, the native suite (threaded pipeline), the same suite on the
# inline pipeline natively and on wasm32-wasip1 and wasm32-wasip2 under
# wasmtime, the sandboxed plugin tests, the fuzzers' short run, smoke runs of
# the benchmarks, and last, in a step of its own, the Rust plugin host
# (examples/host: it builds the wasmtime crates, several minutes on a fresh
# machine).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step says how long the one before it took: the whole must stay well
# under CI's limit on a fresh machine.
step_start=$SECONDS
step() {
    printf '    (%d s)\n\n==> %s\n' "$((SECONDS - step_start))" "$*"
    step_start=$SECONDS
}

step "setup: rustup targets and wasmtime (the PyPI package)"
targets="wasm32-wasip1 wasm32-wasip2 wasm32-unknown-unknown x86_64-pc-windows-gnu aarch64-unknown-linux-gnu"
# shellcheck disable=SC2086
rustup target add $targets >/dev/null
python3 -c "import wasmtime" 2>/dev/null || python3 -m pip install --quiet wasmtime
# strace shows which syscalls really happen (cli/tests/syscalls.rs).
command -v strace >/dev/null || { apt-get update -qq && apt-get install -y -qq strace >/dev/null; }
# Tests that need wasmtime, a wasm target or strace fail, rather than skip,
# without them.
export REWAL_REQUIRE_WASI=1 REWAL_REQUIRE_STRACE=1

step "rustfmt"
cargo fmt --all -- --check
(cd examples/host && cargo fmt --all -- --check)

step "clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "the engine builds, lint-clean, for every target it supports"
for target in $targets; do
    echo "    $target"
    cargo clippy --target "$target" -- -D warnings
done

step "MSRV: rewal and rewal-platform build with Rust 1.81, natively and for wasm32-wasip1"
rustup toolchain list | grep -q '^1\.81' || rustup toolchain install 1.81 --profile minimal
rustup target add wasm32-wasip1 --toolchain 1.81 >/dev/null
cargo +1.81 check -p rewal -p rewal-platform
cargo +1.81 check -p rewal -p rewal-platform --target wasm32-wasip1

step "the library's docs (warnings are errors) and its packages (only what users need)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p rewal -p rewal-platform
# The packages are verified against each other through a local registry
# that cargo makes under target/package. Cargo keeps what it unpacked from
# such a registry, by version, and unpacks a package again only if it has
# not got one of that version: a second run in the same checkout would
# build rewal against the first run's rewal-platform. So our own crates'
# unpacked copies go first (only from local registries, whose directories
# are named "-<hash>"; crates.io's rewal 0.1.0 stays).
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/rewal-*
# (Quiet: it warns about every test it leaves out, which is the point.)
cargo package -p rewal -p rewal-platform --allow-dirty >target/package.log 2>&1 || {
    cat target/package.log
    exit 1
}
for crate in rewal-0.2.0 rewal-platform-0.2.0; do
    # What a package holds: sources, manifest, README, license; never the
    # tools, tests, viewer or scripts.
    if tar tzf "target/package/$crate.crate" | grep -E '/(www|scripts|tests|cli|wasm|peers|fuzz|\.ci)/'; then
        echo "$crate ships files its users do not need" >&2
        exit 1
    fi
done

step "the README's Quick start as a new user runs it: a new crate, built without a warning, run twice (scripts/quickstart.sh)"
./scripts/quickstart.sh

step "native test suites: the engine (threaded pipeline, mmap, hardware CRC), the platform, and the CLI (natively and its WASI build under wasmtime)"
cargo test --workspace

step "power cuts on a simulated disk: every event reported durable survives (tests/power_loss.rs)"
RUSTFLAGS="--cfg rewal_simdisk" cargo test --target-dir target/simdisk --test power_loss

step "model checks of the protocols between threads (shuttle: the real pipeline under PCT schedules; tests/model.rs)"
RUSTFLAGS="--cfg rewal_shuttle" cargo test --target-dir target/shuttle --test model

step "the same suite on the inline pipeline that wasm32 uses"
# (Not the doctests: the API docs show threads, which the real inline
# targets do not have.)
RUSTFLAGS="--cfg rewal_inline" cargo test --target-dir target/inline --lib --tests

step "the engine's test suite on wasm32-wasip1, under wasmtime; and the platform's (CRC: the SIMD128 path against the portable one)"
# (The doctests run natively: they are the API docs.)
cargo test --target wasm32-wasip1 --lib --tests
cargo test -p rewal-platform --target wasm32-wasip1

step "the same on wasm32-wasip2, as components under wasmtime; the platform's suite adds its Preview 2 backend's (positional I/O, identities, directory sync)"
cargo test --target wasm32-wasip2 --lib --tests
cargo test -p rewal-platform --target wasm32-wasip2

step "wasm programs run by a host: the sandboxed WASI plugin, as a wasip1 module and a wasip2 component (killed, torn, restarted), and the engine on wasm32-unknown-unknown"
REWAL_WASM_HOST_TESTS=1 cargo test --test wasi_plugin --test wasm_unknown

step "the browser viewer: wasm build, then www/tests/ in headless Chromium (playwright-core)"
www/test.sh

# The other campaigns' short forms ran above, in the suites
# (tests/campaign_*.rs, cli/tests/campaign_cli.rs, www/tests/hostile.test.js).
step "reliability campaigns: the fuzzers, short form (cargo-fuzz on nightly, 20 s per target; RELIABILITY.md)"
scripts/campaigns.sh --short fuzz

step "benchmark smoke runs (small sizes; figures are not meaningful here)"
REWAL_BENCH_QUICK=1 cargo bench -p rewal-peers --bench compare
REWAL_BENCH_QUICK=1 cargo bench -p rewal-peers --bench durable
REWAL_BENCH_QUICK=1 cargo bench -p rewal-peers --bench segments
scripts/bench-wasi.sh --quick

step "the plugin host (examples/host, its own workspace: wasmtime 48): lints, then its tests (a plugin component run, killed by fuel and by its kill switch, restarted over its directory; one plugin per directory)"
host_start=$SECONDS
(
    cd examples/host
    cargo clippy --all-targets -- -D warnings
    cargo clippy -p rewal-plugin --target wasm32-wasip2 -- -D warnings
    cargo test
)
echo "    the plugin host's step took $((SECONDS - host_start)) s"

step "all tests passed"
