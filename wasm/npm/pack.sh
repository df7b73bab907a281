#!/usr/bin/env bash
# Builds the npm package rewal-wasm: the engine as www/build.sh builds it
# for the viewer (wasm-bindgen --target web), with this folder's entry
# (index.js: initialised on import, in browsers and in Node), types and
# README, staged in target/npm/rewal-wasm/ and packed by `npm pack` into
# target/npm/rewal-wasm-VERSION.tgz (VERSION: the crate's). Prints the
# tarball's path last.
set -euo pipefail
cd "$(dirname "$0")/../.."

www/build.sh >&2
version=$(cargo pkgid --quiet --manifest-path wasm/Cargo.toml | sed 's/.*[@#]//')
target_dir=$(cargo metadata --format-version 1 --no-deps --manifest-path wasm/Cargo.toml |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
out="$target_dir/npm"
stage="$out/rewal-wasm"
rm -rf "$stage"
mkdir -p "$stage"
cp www/pkg/rewal_wasm.js www/pkg/rewal_wasm.d.ts www/pkg/rewal_wasm_bg.wasm www/pkg/rewal_wasm_bg.wasm.d.ts "$stage/"
cp wasm/npm/index.js wasm/npm/index.d.ts wasm/npm/README.md "$stage/"
# The crate's version, so the package and the engine in it agree.
sed "s/\"0.0.0-set-by-pack.sh\"/\"$version\"/" wasm/npm/package.json >"$stage/package.json"
rm -f "$out/rewal-wasm-$version.tgz"
(cd "$out" && npm pack ./rewal-wasm --pack-destination . --loglevel=error >/dev/null)
echo "$out/rewal-wasm-$version.tgz"
