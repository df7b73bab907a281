#!/usr/bin/env bash
# Builds the npm package rewal-wasm into target/npm/rewal-wasm-VERSION.tgz
# (VERSION: the crate's) and prints the tarball's path last:
#
# - the engine as www/build.sh builds it (wasm-bindgen --target web):
#   rewal_wasm_bg.wasm and its glue rewal_wasm.js (internal: not exported);
# - index.js, the package's API (an ES module), and index.cjs, the same
#   source bundled as CommonJS by esbuild (from www/node_modules, which
#   `npm ci` in www/ installs), so that require("rewal-wasm") works in
#   Node 20 as well as import;
# - opfs-worker.js, the worker OpfsClient starts (browsers only);
# - index.d.ts (and index.d.cts for require), README.md, package.json.
set -euo pipefail
cd "$(dirname "$0")/../.."

www/build.sh >&2
if [ ! -x www/node_modules/.bin/esbuild ]; then
    (cd www && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
version=$(cargo pkgid --quiet --manifest-path wasm/Cargo.toml | sed 's/.*[@#]//')
target_dir=$(cargo metadata --format-version 1 --no-deps --manifest-path wasm/Cargo.toml |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
out="$target_dir/npm"
stage="$out/rewal-wasm"
rm -rf "$stage"
mkdir -p "$stage"
cp www/pkg/rewal_wasm.js www/pkg/rewal_wasm.d.ts www/pkg/rewal_wasm_bg.wasm "$stage/"
cp wasm/npm/index.js wasm/npm/opfs-worker.js wasm/npm/index.d.ts wasm/npm/README.md "$stage/"
# The same types for require; the engine's record types come from an ES
# module, which CommonJS types must say.
sed 's|^} from "./rewal_wasm.js";|} from "./rewal_wasm.js" with { "resolution-mode": "import" };|' wasm/npm/index.d.ts >"$stage/index.d.cts"
grep -q resolution-mode "$stage/index.d.cts"
www/node_modules/.bin/esbuild "$stage/index.js" --bundle --format=cjs --platform=node --target=node20 \
    --define:import.meta.url=importMetaUrl --inject:wasm/npm/cjs-shim.js \
    --outfile="$stage/index.cjs" --log-level=warning >&2
# The crate's version, so the package and the engine in it agree.
sed "s/\"0.0.0-set-by-pack.sh\"/\"$version\"/" wasm/npm/package.json >"$stage/package.json"
rm -f "$out/rewal-wasm-$version.tgz"
(cd "$out" && npm pack ./rewal-wasm --pack-destination . --loglevel=error >/dev/null)
echo "$out/rewal-wasm-$version.tgz"
