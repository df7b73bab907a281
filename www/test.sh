#!/usr/bin/env bash
# The browser suite, from nothing: lints rewal-wasm for wasm32, builds the
# wasm into www/pkg/ (build.sh), installs playwright-core, axe-core,
# esbuild and typescript at the versions package-lock.json pins (npm ci),
# installs Debian's Chromium if it is missing, checks the viewer's
# JavaScript with tsc against the engine's generated types, and runs
# www/tests/ with node's test runner (one file
# at a time: the speed figures are measured with the machine otherwise
# idle). tests/npm-package.test.js packs the npm package itself
# (wasm/npm/pack.sh) and installs Node 22 from npm once (target/node22);
# tests/bigfile.test.js writes a 2 GiB log to the
# temporary directory for half a minute and removes it.
set -euo pipefail
cd "$(dirname "$0")"

# The bindings lint-clean for the browser target too (the workspace's
# clippy run covers the host build).
cargo clippy -p rewal-wasm --target wasm32-unknown-unknown -- -D warnings
./build.sh

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
    echo "www/test.sh: installing Debian's chromium (no $chromium)"
    if [ "$(id -u)" -ne 0 ]; then
        echo "www/test.sh: need root for apt-get, or set CHROMIUM to a Chromium binary" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
# The viewer's JavaScript against the engine's generated types (// @ts-check
# in every file; the worker apart, with a worker's globals).
node_modules/.bin/tsc -p tsconfig.json
node_modules/.bin/tsc -p tsconfig.worker.json
node --test --test-concurrency=1 tests/
