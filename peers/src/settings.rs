//! The benchmarks' settings, read from environment variables (`cargo
//! bench` passes no arguments of ours through to a bench without a harness).
//!
//! - `REWAL_BENCH_QUICK=1`: the smoke run (short, few cells; CI runs it);
//! - `REWAL_BENCH_ROUNDS=n`: rounds per cell;
//! - `REWAL_BENCH_THREADS=1,4,16`: thread counts;
//! - `REWAL_BENCH_SECONDS=2`: how long one cell measures (decimals allowed);
//! - `REWAL_BENCH_LOAD=quiet|loaded|both`: the load conditions;
//! - `REWAL_BENCH_ONLY=a|b`: only the rows whose name contains `a` or `b`.

use std::time::Duration;

/// Whether `REWAL_BENCH_QUICK` asks for the smoke run (set, not empty,
/// not `0`).
pub fn quick() -> bool {
    std::env::var("REWAL_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// `REWAL_BENCH_ROUNDS`, at least 1; `default` when unset or unreadable.
pub fn rounds(default: usize) -> usize {
    parsed("REWAL_BENCH_ROUNDS").map_or(default, |n: usize| n.max(1))
}

/// `REWAL_BENCH_THREADS` (a comma-separated list), or `default`.
pub fn threads(default: &[usize]) -> Vec<usize> {
    match std::env::var("REWAL_BENCH_THREADS") {
        Ok(list) => {
            let threads: Vec<usize> = list
                .split(',')
                .filter_map(|n| n.trim().parse().ok())
                .filter(|&n| n > 0)
                .collect();
            if threads.is_empty() {
                default.to_vec()
            } else {
                threads
            }
        }
        Err(_) => default.to_vec(),
    }
}

/// `REWAL_BENCH_SECONDS`, how long one cell measures, or `default`.
pub fn cell_time(default: Duration) -> Duration {
    parsed("REWAL_BENCH_SECONDS")
        .filter(|&s: &f64| s.is_finite() && s > 0.0)
        .map_or(default, Duration::from_secs_f64)
}

/// Whether a row named `name` is kept by `REWAL_BENCH_ONLY` (a list of
/// parts separated by `|`; a row is kept when its name contains one).
/// Every row is kept when the variable is unset.
pub fn keeps(name: &str) -> bool {
    match std::env::var("REWAL_BENCH_ONLY") {
        Ok(only) => only.split('|').any(|part| name.contains(part)),
        Err(_) => true,
    }
}

/// A load condition under which the cells run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// Nothing else of ours runs while a cell measures.
    Quiet,
    /// A CPU hog (see [`crate::hog`]) runs while a cell measures.
    Loaded,
}

impl Load {
    /// `quiet` or `loaded`.
    pub fn name(self) -> &'static str {
        match self {
            Load::Quiet => "quiet",
            Load::Loaded => "loaded",
        }
    }
}

/// The conditions `REWAL_BENCH_LOAD` names (`quiet`, `loaded` or `both`),
/// or `default` when unset. Panics on another value: a typo would
/// otherwise run for many minutes measuring what was not asked for.
pub fn loads(default: &[Load]) -> Vec<Load> {
    match std::env::var("REWAL_BENCH_LOAD") {
        Ok(value) => parse_loads(&value)
            .unwrap_or_else(|| panic!("REWAL_BENCH_LOAD={value:?}: quiet, loaded or both")),
        Err(_) => default.to_vec(),
    }
}

fn parse_loads(value: &str) -> Option<Vec<Load>> {
    match value.trim() {
        "quiet" => Some(vec![Load::Quiet]),
        "loaded" => Some(vec![Load::Loaded]),
        "both" => Some(vec![Load::Quiet, Load::Loaded]),
        _ => None,
    }
}

fn parsed<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::{parse_loads, Load};

    #[test]
    fn load_names() {
        assert_eq!(parse_loads("quiet"), Some(vec![Load::Quiet]));
        assert_eq!(parse_loads(" loaded"), Some(vec![Load::Loaded]));
        assert_eq!(parse_loads("both"), Some(vec![Load::Quiet, Load::Loaded]));
        assert_eq!(parse_loads("busy"), None);
        assert_eq!(Load::Loaded.name(), "loaded");
    }
}
