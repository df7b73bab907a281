//! `rewal tail -f` against another writer, for any [`Runner`]: the native
//! binary and the WASI build under wasmtime follow the same way.

use super::{Runner, Scratch};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

/// How long the follower may take to show an event (the WASI build starts
/// a Python interpreter and wasmtime first).
const PATIENCE: Duration = Duration::from_secs(20);

/// Kills the child when dropped, so that a failing test leaves no follower
/// behind.
struct Follower(std::process::Child);

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `rewal tail -f` on a copy of `plain.wal` in `dir`, appends from
/// this process, and checks that every appended event is printed while the
/// follower keeps running.
pub fn follows_another_writer(runner: &Runner, dir: &Scratch) {
    dir.reset();
    let log = dir.path("plain.wal");
    let mut child = Follower(
        runner
            .command()
            .args(["tail", "-f", "-n", "1", "--interval-ms", "20"])
            .arg(&log)
            .current_dir(dir.dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tail -f"),
    );
    // Lines arrive through a thread, so that waiting for one is bounded.
    let stdout = child.0.stdout.take().expect("stdout");
    let (lines, arrived) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let first = arrived
        .recv_timeout(PATIENCE)
        .expect("the last event")
        .expect("a line");
    assert_eq!(first, "5\t-\t\"the end\"");

    // Another writer (this process) opens the log and appends.
    let wal = rewal::Wal::open(&log).build().expect("open");
    wal.append_with_meta("appended later", "by:test")
        .expect("append");
    let mut batch = rewal::Batch::new();
    batch.add("batch one");
    batch.add("batch two");
    wal.append_batch(&batch).expect("append batch");
    wal.flush().expect("flush");
    for expected in [
        "6\t\"by:test\"\t\"appended later\"",
        "7\t-\t\"batch one\"",
        "8\t-\t\"batch two\"",
    ] {
        let line = arrived
            .recv_timeout(PATIENCE)
            .expect("a followed event")
            .expect("a line");
        assert_eq!(line, expected);
    }
    wal.shutdown(Duration::from_secs(5)).expect("shutdown");
    assert!(
        child.0.try_wait().expect("status").is_none(),
        "tail -f keeps running"
    );
}
