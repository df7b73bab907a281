//! `rewal tail`: the last events, and with -f the events another writer
//! appends afterwards.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::{rewal, Scratch};

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

#[test]
fn tail_follow_picks_up_events_appended_by_another_writer() {
    common::follow::follows_another_writer(&common::Runner::Native, &Scratch::new("follow"));
}
