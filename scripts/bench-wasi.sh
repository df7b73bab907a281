#!/usr/bin/env bash
# The read-side figures of examples/wasi_bench.rs, natively and under
# wasmtime in one run, side by side, with the wasm instance's peak linear
# memory. Both replay the same log files: a first native run writes them
# (its figures are discarded, and the disk is given time to settle with a
# `sync`), then each target measures.
#
# The wasmtime CLI is used when it is on PATH (`cargo install
# wasmtime-cli@48.0.8 --locked`): it is what the figures in the README come
# from. Otherwise the PyPI wasmtime of scripts/wasmtime-run runs it; its C
# API moves every file read to a helper thread, so its replay figures are
# lower. Usage: scripts/bench-wasi.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cargo build --quiet --release --example wasi_bench
cargo build --quiet --release --example wasi_bench --target wasm32-wasip1
wasm=target/wasm32-wasip1/release/examples/wasi_bench.wasm
target/release/examples/wasi_bench "$scratch" "$@" >/dev/null
sync
native=$(target/release/examples/wasi_bench "$scratch" "$@")
if command -v wasmtime >/dev/null; then
    host="wasmtime CLI $(wasmtime --version | awk '{print $2}')"
    wasi=$(wasmtime run --dir "$scratch" "$wasm" "$scratch" "$@")
    memory="wasm linear memory: not measured (the PyPI runner reports it)"
    # The peak memory comes from the runner that can read it.
    memory=$(REWAL_WASI_MEMORY=1 REWAL_WASI_DIR="$scratch:$scratch" \
        scripts/wasmtime-run "$wasm" "$scratch" "$@" 2>&1 >/dev/null |
        grep -o 'wasm linear memory: .*' || echo "$memory")
else
    host="PyPI wasmtime (scripts/wasmtime-run; the CLI gives higher replay figures)"
    if ! wasi=$(REWAL_WASI_MEMORY=1 REWAL_WASI_DIR="$scratch:$scratch" \
        scripts/wasmtime-run "$wasm" "$scratch" "$@" 2>"$scratch/stderr"); then
        cat "$scratch/stderr" >&2
        exit 1
    fi
    memory=$(grep -o 'wasm linear memory: .*' "$scratch/stderr" || echo "wasm linear memory: unknown")
fi

echo "host: $host"
printf '%-28s %16s %16s %8s\n' workload native wasmtime ratio
paste <(echo "$native") <(echo "$wasi") | while read -r name value unit _ wasi_value _; do
    ratio=$(awk -v a="$wasi_value" -v b="$value" 'BEGIN { printf "%.2f", a / b }')
    printf '%-28s %10s %-5s %10s %-5s %8s\n' "$name" "$value" "$unit" "$wasi_value" "$unit" "1/$(awk -v r="$ratio" 'BEGIN { printf "%.1f", 1 / r }')"
done
echo "$memory (peak: linear memory never shrinks)"
