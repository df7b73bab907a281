//! `rewal tail`: the last events, and with -f the events another writer
//! appends afterwards.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::{rewal, Scratch};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long the follower may take to show an event.
const PATIENCE: Duration = Duration::from_secs(20);

#[test]
fn tail_prints_the_last_events_across_frames() {
    let dir = Scratch::new("tail");
    dir.reset();
    // meta.wal's LSNs 5 to 7 are one batch: the last 4 events start inside it.
    let run = rewal(dir.dir(), &["tail", "meta.wal", "-n", "4"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lsns: Vec<String> = run
        .stdout()
        .lines()
        .map(|line| line.split('\t').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(lsns, ["5", "6", "7", "8"]);
    let run = rewal(dir.dir(), &["tail", "meta.wal", "-n", "100"]);
    assert_eq!(run.stdout().lines().count(), 8);
}

/// Kills the child when dropped, so that a failing test leaves no follower
/// behind.
struct Follower(std::process::Child);

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn tail_follow_picks_up_events_appended_by_another_writer() {
    let dir = Scratch::new("follow");
    dir.reset();
    let mut child = Follower(
        Command::new(common::BIN)
            .args(["tail", "-f", "-n", "1", "--interval-ms", "20", "plain.wal"])
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
    let wal = rewal::Wal::open(dir.path("plain.wal"))
        .build()
        .expect("open");
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
