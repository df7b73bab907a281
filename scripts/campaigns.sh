#!/usr/bin/env bash
# The reliability campaigns (RELIABILITY.md says what each one checks).
#
#   scripts/campaigns.sh                 the long form of every campaign
#   scripts/campaigns.sh engine|model|cli|fuzz|browser  one part of the long form
#   scripts/campaigns.sh --short fuzz    the fuzzers' short form (20 s each;
#                                        scripts/test-all.sh runs this)
#
# The short forms of the engine's and the CLI's campaigns run in `cargo
# test` (tests/campaign_*.rs, cli/tests/campaign_*.rs); the long form
# runs the same tests with REWAL_CAMPAIGN=long (optimised, with debug
# assertions and overflow checks), natively on the threaded pipeline and
# again on the inline one, then each fuzz target for REWAL_FUZZ_RUNS
# executions (10,000,000 by default; REWAL_FUZZ_ONLY="model-inline …"
# picks runs). Every campaign appends its figures
# to target/campaigns/figures-FORM-PART.txt; the script prints them at
# the end. A failure stops the script with the campaign's message (and its
# seed, to replay it with REWAL_SEED).
set -euo pipefail
cd "$(dirname "$0")/.."

form=long
if [ "${1:-}" = --short ]; then
    form=short
    shift
fi
parts=${1:-all}
mkdir -p target/campaigns
figures=$PWD/target/campaigns/figures-$form-$parts.txt
: >"$figures"
export REWAL_CAMPAIGN_FIGURES=$figures

step() { printf '\n==> %s\n' "$*"; }

# Optimised, but with the checks of a debug build.
export CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true
export CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true

engine() {
    step "engine campaigns, long form, threaded pipeline"
    REWAL_CAMPAIGN=long cargo test --release --test 'campaign_*'
    step "engine campaigns, long form, inline pipeline"
    REWAL_CAMPAIGN=long RUSTFLAGS="--cfg rewal_inline" cargo test --release \
        --target-dir target/inline-release --test 'campaign_*'
    step "power cuts on the simulated disk, long form (3,000 schedules, half the cuts reordered)"
    REWAL_CAMPAIGN=long REWAL_POWER_CUTS=${REWAL_POWER_CUTS:-3000} RUSTFLAGS="--cfg rewal_simdisk" cargo test --release \
        --target-dir target/simdisk-release --test power_loss
}

model() {
    step "model checks, long form (shuttle, REWAL_MODEL_ITERATIONS schedules per model)"
    REWAL_CAMPAIGN=long RUSTFLAGS="--cfg rewal_shuttle" cargo test --release \
        --target-dir target/shuttle-release --test model
}

cli() {
    step "CLI campaign, long form (native and the WASI build under wasmtime)"
    REWAL_CAMPAIGN=long cargo test --release -p rewal-cli --test 'campaign_*'
}

browser() {
    step "the durable browser log killed in Chromium, long form (REWAL_OPFS_CRASH_KILLS, 2,000 by default)"
    www/build.sh
    (cd www && npm ci --no-audit --no-fund --loglevel=error)
    REWAL_OPFS_CRASH_KILLS=${REWAL_OPFS_CRASH_KILLS:-2000} node --test www/tests/opfs-crash.test.js |
        tee target/campaigns/opfs-crash.log
    local kills
    kills=$(sed -n 's/.*opfs-crash: //p' target/campaigns/opfs-crash.log | tail -n 1)
    echo "campaign opfs-crash: ${kills:-see target/campaigns/opfs-crash.log} [$form]" | tee -a "$figures"
}

# Runs fuzz target $1 (built with RUSTFLAGS $2, in target dir $3) for
# $4 (libFuzzer options), and records its figures.
fuzz_one() {
    local target=$1 flags=$2 dir=$3 label=$4
    shift 4
    # REWAL_FUZZ_ONLY="model-inline …" runs only the runs it names.
    case " ${REWAL_FUZZ_ONLY:-$target-$label} " in
        *" $target-$label "*) ;;
        *) return 0 ;;
    esac
    local log=target/campaigns/fuzz-$target-$label.log
    echo "    $target ($label): $*"
    mkdir -p "fuzz/corpus/$target"
    if ! (cd fuzz && RUSTFLAGS="$flags" cargo +nightly fuzz run -O -a -s none \
        --target-dir "$dir" "$target" "corpus/$target" -- -print_final_stats=1 "$@") >"$log" 2>&1; then
        tail -n 40 "$log"
        echo "fuzz target $target ($label) failed: see $log and fuzz/artifacts/$target/" >&2
        exit 1
    fi
    local runs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    echo "campaign fuzz-$target: executions=$runs [$form, $label]" | tee -a "$figures"
}

fuzz() {
    step "fuzzing (cargo-fuzz, nightly), $form form"
    rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
    # Seed the corpora with the golden vectors (recovery's inputs begin
    # with a byte of options).
    mkdir -p fuzz/corpus/decoder fuzz/corpus/recovery fuzz/corpus/model
    for vector in tests/vectors/*.wal; do
        cp "$vector" fuzz/corpus/decoder/
        { printf '\0'; cat "$vector"; } >"fuzz/corpus/recovery/$(basename "$vector")"
    done
    local inline="--cfg rewal_inline"
    if [ "$form" = short ]; then
        for target in decoder recovery model; do
            fuzz_one "$target" "" target threaded -max_total_time=20
        done
    else
        local runs=${REWAL_FUZZ_RUNS:-10000000}
        fuzz_one decoder "" target threaded -runs="$runs"
        fuzz_one recovery "$inline" target/inline inline -runs="$runs"
        fuzz_one model "$inline" target/inline inline -runs="$runs"
        # The threaded pipeline is slower to fuzz (a writer thread per
        # open): a time-bounded run of each.
        fuzz_one recovery "" target threaded -max_total_time="${REWAL_FUZZ_THREADED_SECONDS:-600}"
        fuzz_one model "" target threaded -max_total_time="${REWAL_FUZZ_THREADED_SECONDS:-600}"
    fi
}

case $parts in
    all) engine; model; cli; fuzz; browser ;;
    engine) engine ;;
    model) model ;;
    cli) cli ;;
    fuzz) fuzz ;;
    browser) browser ;;
    *) echo "usage: $0 [--short] [all|engine|model|cli|fuzz|browser]" >&2; exit 2 ;;
esac

step "figures ($figures)"
cat "$figures"
