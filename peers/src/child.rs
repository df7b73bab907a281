//! One measurement, a *cell*, per child process.
//!
//! Some peers keep state in process globals: walrus-rust 0.2.0 fixes its
//! fsync mode for the whole process at its first `Walrus`, keeps every file
//! it opened in a process-wide map, and starts a background thread per
//! instance that never ends. A cell measured after another one in the same
//! process would inherit all of that. So the bench binary runs each cell
//! (a row, a thread count, a round) in a fresh copy of itself: the parent
//! starts [`std::env::current_exe`] with environment variables naming the
//! cell ([`Cell::command`]), the child measures and prints its figure on
//! standard output ([`report`]), and the parent reads it back ([`run`]).

use crate::priority;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CELL: &str = "REWAL_BENCH_CELL";
const THREADS: &str = "REWAL_BENCH_CELL_THREADS";
const SECONDS: &str = "REWAL_BENCH_CELL_SECONDS";
const EVENTS: &str = "REWAL_BENCH_CELL_EVENTS";
const DIR: &str = "REWAL_BENCH_CELL_DIR";
/// What starts the line that carries a child's figure.
const FIGURE: &str = "rewal-bench-figure:";

/// What one child process measures.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The row's key, which the bench maps to its workload.
    pub key: String,
    /// Threads (or tasks) the workload runs on.
    pub threads: usize,
    /// How long the workload measures, for a workload that runs for a
    /// time (zero otherwise).
    pub time: Duration,
    /// How many events the workload writes, for a workload of a fixed size
    /// (zero otherwise).
    pub events: u64,
    /// A fresh directory for the workload's files (the parent removes it).
    pub dir: PathBuf,
}

impl Cell {
    /// The cell this process was started to measure, or `None` in the
    /// parent. Panics when the variables are there but malformed (only a
    /// parent of ours sets them).
    pub fn asked() -> Option<Cell> {
        let key = std::env::var(CELL).ok()?;
        let number = |name: &str| -> f64 {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("cell {key}: {name} missing or malformed"))
        };
        Some(Cell {
            threads: number(THREADS) as usize,
            time: Duration::from_secs_f64(number(SECONDS)),
            events: number(EVENTS) as u64,
            dir: std::env::var_os(DIR)
                .map(PathBuf::from)
                .unwrap_or_else(|| panic!("cell {key}: {DIR} missing")),
            key,
        })
    }

    /// The command that runs this cell: this very program, with the cell in
    /// its environment and `env` added, at the bench's own scheduling
    /// policy or, with `normal_priority`, at the normal one (see
    /// [`crate::priority`]). The child's standard output is the parent's to
    /// read; its standard error is the parent's own.
    pub fn command(
        &self,
        env: &[(&str, OsString)],
        normal_priority: bool,
    ) -> std::io::Result<Command> {
        let program = std::env::current_exe()?;
        let mut command = if normal_priority {
            priority::normal(program)
        } else {
            Command::new(program)
        };
        command
            .env(CELL, &self.key)
            .env(THREADS, self.threads.to_string())
            .env(SECONDS, self.time.as_secs_f64().to_string())
            .env(EVENTS, self.events.to_string())
            .env(DIR, &self.dir)
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        Ok(command)
    }
}

/// In the child: hands the cell's figure to the parent.
pub fn report(figure: f64) {
    println!("{FIGURE} {figure:e}");
}

/// In the parent: runs `cell` in a child process (see [`Cell::command`];
/// with `normal_priority`, at the normal scheduling policy) and returns the
/// figure it reported. The child is killed if it has not
/// ended after `timeout`. Lines the child printed besides its figure are
/// passed on to standard error, after the cell's key.
pub fn run(
    cell: &Cell,
    env: &[(&str, OsString)],
    normal_priority: bool,
    timeout: Duration,
) -> Result<f64, String> {
    let mut child = cell
        .command(env, normal_priority)
        .and_then(|mut command| command.spawn())
        .map_err(|e| format!("cell {}: cannot start: {e}", cell.key))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    // Read on a thread of its own, so that a child that fills the pipe
    // cannot block while the parent waits for it to end.
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });
    let began = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if began.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("cell {}: killed after {timeout:?}", cell.key));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => break Err(format!("cell {}: wait: {e}", cell.key)),
        }
    };
    let lines = reader.join().unwrap_or_default();
    let status = status?;
    let mut figure = None;
    for line in &lines {
        match parse_figure(line) {
            Some(value) => figure = Some(value),
            None => eprintln!("  [{}] {line}", cell.key),
        }
    }
    if !status.success() {
        return Err(format!("cell {}: child ended with {status}", cell.key));
    }
    figure.ok_or_else(|| format!("cell {}: the child reported no figure", cell.key))
}

/// Runs `cells` cells for `rounds` rounds: in order in even rounds (the
/// first is round 0), in reverse order in odd ones, so that no cell always
/// runs first or right after the same neighbour. `measure(cell, round)`
/// gives one figure (`NaN` for none). Returns the figures as
/// `figures[cell][round]`.
pub fn alternate(
    cells: usize,
    rounds: usize,
    mut measure: impl FnMut(usize, usize) -> f64,
) -> Vec<Vec<f64>> {
    let mut figures = vec![Vec::with_capacity(rounds); cells];
    for round in 0..rounds {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..cells).collect()
        } else {
            (0..cells).rev().collect()
        };
        for cell in order {
            let figure = measure(cell, round);
            figures[cell].push(figure);
        }
    }
    figures
}

fn parse_figure(line: &str) -> Option<f64> {
    line.strip_prefix(FIGURE)?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_alternate() {
        let mut order = Vec::new();
        let figures = alternate(3, 3, |cell, round| {
            order.push(cell);
            (cell * 10 + round) as f64
        });
        assert_eq!(order, [0, 1, 2, 2, 1, 0, 0, 1, 2]);
        assert_eq!(figures[1], [10.0, 11.0, 12.0]);
    }

    #[test]
    fn figure_lines() {
        assert_eq!(parse_figure("rewal-bench-figure: 1.5e3"), Some(1500.0));
        assert_eq!(parse_figure(&format!("{FIGURE} {:e}", 0.1f64)), Some(0.1));
        assert_eq!(parse_figure("[walrus] new"), None);
        assert_eq!(parse_figure("rewal-bench-figure: many"), None);
    }

    #[test]
    fn the_command_names_the_cell() {
        let cell = Cell {
            key: "rewal".to_owned(),
            threads: 4,
            time: Duration::from_millis(250),
            events: 0,
            dir: PathBuf::from("/nowhere"),
        };
        let command = cell
            .command(&[("EXTRA", OsString::from("1"))], false)
            .expect("current_exe");
        let envs: Vec<(String, String)> = command
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_str()?.to_owned(), v?.to_str()?.to_owned())))
            .collect();
        for (name, value) in [
            (CELL, "rewal"),
            (THREADS, "4"),
            (SECONDS, "0.25"),
            (EVENTS, "0"),
            (DIR, "/nowhere"),
            ("EXTRA", "1"),
        ] {
            assert!(
                envs.contains(&(name.to_owned(), value.to_owned())),
                "{name}={value} in {envs:?}"
            );
        }
    }
}
