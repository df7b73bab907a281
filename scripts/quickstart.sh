#!/usr/bin/env bash
# What a new user does with the README: a new crate whose main.rs is the
# Quick start's first Rust block, depending on this checkout by path. It
# must build without a warning and run twice: the second run finds the
# first run's five events and adds five more after them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/orders/src"
cat >"$work/orders/Cargo.toml" <<TOML
[package]
name = "orders"
version = "0.1.0"
edition = "2021"

[dependencies]
rewal = { path = "$root" }

[workspace]
TOML
# The first ```rust block after "## Quick start".
awk '/^## Quick start/ { in_section = 1 }
     in_section && /^```rust$/ { copying = 1; next }
     copying && /^```$/ { exit }
     copying { print }' "$root/README.md" >"$work/orders/src/main.rs"
grep -q 'fn main' "$work/orders/src/main.rs" || { echo "quickstart: no Quick start block found in README.md" >&2; exit 1; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}/quickstart"
export TMPDIR="$work"   # std::env::temp_dir(): the log lands in $work
cd "$work/orders"
# Offline when the registry already has what the engine needs.
cargo build --quiet --offline 2>"$work/build.txt" || cargo build --quiet 2>"$work/build.txt" || { cat "$work/build.txt" >&2; exit 1; }
if grep -q 'warning' "$work/build.txt"; then
    echo "quickstart: the README's Quick start builds with warnings:" >&2
    cat "$work/build.txt" >&2
    exit 1
fi
first=$(cargo run --quiet --offline)
second=$(cargo run --quiet --offline)
echo "$first" | grep -qx "1 hello world" || { echo "quickstart: first run: $first" >&2; exit 1; }
echo "$first" | grep -q "holds 5 events, LSNs 1 to 5$" || { echo "quickstart: first run: $first" >&2; exit 1; }
echo "$second" | grep -qx "6 hello world" || { echo "quickstart: second run: $second" >&2; exit 1; }
echo "$second" | grep -q "holds 10 events, LSNs 1 to 10$" || { echo "quickstart: second run: $second" >&2; exit 1; }
echo "quickstart: the README's Quick start builds cleanly and runs twice"
printf '%s\n--- second run ---\n%s\n' "$first" "$second"
