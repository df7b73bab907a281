#!/usr/bin/env bash
# Builds the viewer's wasm: rewal-wasm for wasm32-unknown-unknown (release),
# then `wasm-bindgen --target web` into www/pkg/ (git-ignored). The
# wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in
# Cargo.lock (the two share an ABI); a different or missing one is replaced
# by `cargo install` (a few minutes, once).
set -euo pipefail
cd "$(dirname "$0")/.."

# The version Cargo.lock pins, e.g. "0.2.130".
pinned=$(cargo pkgid --quiet --manifest-path wasm/Cargo.toml -p wasm-bindgen | sed 's/.*[@#]//')
installed=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$installed" != "$pinned" ]; then
    echo "www/build.sh: installing wasm-bindgen-cli $pinned (found: ${installed:-none})"
    # --locked first, as its authors tested it; if the registry no longer
    # has one of those exact dependency versions, resolve afresh.
    cargo install wasm-bindgen-cli --version "$pinned" --locked ||
        cargo install wasm-bindgen-cli --version "$pinned"
fi

rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
cargo build --manifest-path wasm/Cargo.toml --release --target wasm32-unknown-unknown

target_dir=$(cargo metadata --format-version 1 --no-deps --manifest-path wasm/Cargo.toml |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
rm -rf www/pkg
wasm-bindgen --target web --out-dir www/pkg \
    "$target_dir/wasm32-unknown-unknown/release/rewal_wasm.wasm"
# The npm package's API beside the engine (wasm/npm/: index.js wraps
# pkg/rewal_wasm.js): the viewer's OPFS logs and the browser tests use it.
cp wasm/npm/index.js wasm/npm/index.d.ts wasm/npm/opfs-worker.js www/pkg/
echo "www/build.sh: built www/pkg/ ($(du -h www/pkg/rewal_wasm_bg.wasm | cut -f1) of wasm)"
