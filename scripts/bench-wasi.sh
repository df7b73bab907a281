#!/usr/bin/env bash
# The read-side figures of examples/wasi_bench.rs, natively and under
# wasmtime in one run, side by side, with the wasm instance's peak linear
# memory. Usage: scripts/bench-wasi.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cargo build --quiet --release --example wasi_bench
cargo build --quiet --release --example wasi_bench --target wasm32-wasip1
native=$(target/release/examples/wasi_bench "$scratch" "$@")
wasi=$(REWAL_WASI_MEMORY=1 scripts/wasmtime-run target/wasm32-wasip1/release/examples/wasi_bench.wasm /tmp "$@" 2>"$scratch/stderr")
memory=$(grep -o 'wasm linear memory: .*' "$scratch/stderr" || echo "wasm linear memory: unknown")

printf '%-28s %16s %16s %8s\n' workload native wasmtime ratio
paste <(echo "$native") <(echo "$wasi") | while read -r name value unit _ wasi_value _; do
    ratio=$(awk -v a="$wasi_value" -v b="$value" 'BEGIN { printf "%.2f", a / b }')
    printf '%-28s %10s %-5s %10s %-5s %8s\n' "$name" "$value" "$unit" "$wasi_value" "$unit" "1/$(awk -v r="$ratio" 'BEGIN { printf "%.1f", 1 / r }')"
done
echo "$memory (peak: linear memory never shrinks)"
