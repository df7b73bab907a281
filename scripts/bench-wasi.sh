#!/usr/bin/env bash
# The read-side figures of tests/programs/wasi_bench.rs, natively and under
# wasmtime for both WASI targets (wasm32-wasip1, a core module;
# wasm32-wasip2, a component) in one run, side by side, with the wasip1
# instance's peak linear memory. All replay the same log files: a first
# native run writes them (its figures are discarded, and the disk is given
# time to settle with a `sync`), then each target measures.
#
# The wasmtime CLI is used when it is on PATH (`cargo install
# wasmtime-cli@48.0.8 --locked`): it is what the figures in the README come
# from. Otherwise the PyPI wasmtime of scripts/wasmtime-run runs them; its C
# API moves every file read to a helper thread, so its replay figures are
# lower. Usage: scripts/bench-wasi.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cargo build --quiet --release --example wasi_bench
for target in wasm32-wasip1 wasm32-wasip2; do
    cargo build --quiet --release --example wasi_bench --target "$target"
done
p1=target/wasm32-wasip1/release/examples/wasi_bench.wasm
p2=target/wasm32-wasip2/release/examples/wasi_bench.wasm
target/release/examples/wasi_bench "$scratch" "$@" >/dev/null
sync
native=$(target/release/examples/wasi_bench "$scratch" "$@")

# Runs a .wasm (module or component) with the scratch directory granted.
if command -v wasmtime >/dev/null; then
    host="wasmtime CLI $(wasmtime --version | awk '{print $2}')"
    run() { wasmtime run --dir "$scratch" "$1" "$scratch" "${@:2}"; }
else
    host="PyPI wasmtime (scripts/wasmtime-run; the CLI gives higher replay figures)"
    run() { REWAL_WASI_DIR="$scratch:$scratch" scripts/wasmtime-run "$1" "$scratch" "${@:2}"; }
fi
wasip1=$(run "$p1" "$@")
wasip2=$(run "$p2" "$@")
# The peak memory comes from the runner that can read it (a core module's).
memory=$(REWAL_WASI_MEMORY=1 REWAL_WASI_DIR="$scratch:$scratch" \
    scripts/wasmtime-run "$p1" "$scratch" "$@" 2>&1 >/dev/null |
    grep -o 'wasm linear memory: .*' || echo "wasm linear memory: unknown")

echo "host: $host"
printf '%-28s %16s %16s %8s %16s %8s\n' workload native wasip1 ratio wasip2 ratio
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "1/%.1f", b / a }'; }
paste <(echo "$native") <(echo "$wasip1") <(echo "$wasip2") |
    while read -r name value unit _ p1_value _ _ p2_value _; do
        printf '%-28s %10s %-5s %10s %-5s %8s %10s %-5s %8s\n' "$name" \
            "$value" "$unit" "$p1_value" "$unit" "$(ratio "$p1_value" "$value")" \
            "$p2_value" "$unit" "$(ratio "$p2_value" "$value")"
    done
echo "wasip1 $memory (peak: linear memory never shrinks)"
