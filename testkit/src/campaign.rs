//! What every reliability campaign shares (see RELIABILITY.md): its size,
//! its seed, its figures, and a bound on every wait.
//!
//! - Size: the short form runs in the test command; `REWAL_CAMPAIGN=long`
//!   (set by `scripts/campaigns.sh`) runs the long form.
//! - Seed: printed at the start of every campaign (libtest shows it with a
//!   failure); `REWAL_SEED=0x…` replays it.
//! - Figures: printed at the end ("campaign NAME: key=value …"), and
//!   appended to the file `REWAL_CAMPAIGN_FIGURES` names, which is how
//!   `scripts/campaigns.sh` collects them.

use crate::rng::Rng;
use std::collections::BTreeMap;
use std::time::Duration;

/// True for the long form (`REWAL_CAMPAIGN=long`).
pub fn is_long() -> bool {
    std::env::var("REWAL_CAMPAIGN").is_ok_and(|value| value == "long")
}

/// `short` in the test command, `long` in the long form.
pub fn size(short: usize, long: usize) -> usize {
    if is_long() {
        long
    } else {
        short
    }
}

/// One run of one campaign: its seed and its counters.
pub struct Campaign {
    name: &'static str,
    pub seed: u64,
    figures: BTreeMap<&'static str, u64>,
}

impl Campaign {
    /// Starts campaign `name`, with the seed from `REWAL_SEED` or a fresh
    /// one, and says which.
    pub fn start(name: &'static str) -> Campaign {
        let seed = match std::env::var("REWAL_SEED") {
            Ok(text) => parse_seed(&text).unwrap_or_else(|| panic!("bad REWAL_SEED {text:?}")),
            Err(_) => fresh_seed(),
        };
        eprintln!(
            "campaign {name}: seed {seed:#x} (replay: REWAL_SEED={seed:#x}), {} form",
            if is_long() { "long" } else { "short" }
        );
        Campaign {
            name,
            seed,
            figures: BTreeMap::new(),
        }
    }

    /// A PRNG for one part of the campaign, derived from the seed.
    pub fn rng(&self, part: u64) -> Rng {
        Rng::new(mix(self.seed ^ mix(part.wrapping_add(1))))
    }

    /// Adds `n` to the figure `key`.
    pub fn add(&mut self, key: &'static str, n: u64) {
        *self.figures.entry(key).or_default() += n;
    }

    /// The figure `key` so far.
    pub fn get(&self, key: &'static str) -> u64 {
        self.figures.get(key).copied().unwrap_or(0)
    }

    /// Prints the figures and records them for `scripts/campaigns.sh`.
    pub fn finish(self) {
        let figures: Vec<String> = self
            .figures
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        let line = format!(
            "campaign {}: {} [{}{}]",
            self.name,
            figures.join(" "),
            if is_long() { "long" } else { "short" },
            pipeline_label()
        );
        record(&line);
    }
}

/// Prints a campaign's line of figures, and appends it to the file
/// `REWAL_CAMPAIGN_FIGURES` names, if any (`scripts/campaigns.sh` prints
/// them at the end).
pub fn record(line: &str) {
    eprintln!("{line}");
    if let Some(path) = std::env::var_os("REWAL_CAMPAIGN_FIGURES") {
        use std::io::Write;
        // Best effort: on WASI the file may not be reachable.
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "{line}");
        }
    }
}

/// Which pipeline this build of the engine runs, for the figures.
fn pipeline_label() -> &'static str {
    if cfg!(target_family = "wasm") {
        ", wasm32"
    } else if cfg!(rewal_inline) {
        ", inline pipeline"
    } else {
        ""
    }
}

fn parse_seed(text: &str) -> Option<u64> {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |since| since.as_nanos() as u64);
    mix(nanos)
}

/// splitmix64's finaliser: spreads the bits of `x`.
pub fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Runs `f`, failing the test if it takes longer than `limit`: a hang
/// must fail the campaign, not hang CI. (wasm32 has no threads to watch
/// with; there `f` just runs.)
#[cfg(not(target_family = "wasm"))]
pub fn within<T: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("{what} did not finish within {limit:?}: a hang"),
    }
}

#[cfg(target_family = "wasm")]
pub fn within<T>(_what: &str, _limit: Duration, f: impl FnOnce() -> T) -> T {
    f()
}
