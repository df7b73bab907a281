//! `rewal tail`: the last events, and with -f the events another writer
//! appends afterwards; for a segment directory, across rotations and
//! checkpoints.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::follow::{segment_line, Follower};
use common::{rewal, segments, Runner, Scratch};
use std::time::Duration;

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

#[test]
fn tail_follow_keeps_up_with_a_durable_writer() {
    let scratch = Scratch::new("follow-durable");
    common::follow::follows_a_durable_writer(&common::Runner::Native, &scratch, None);
    common::follow::follows_a_durable_writer(&common::Runner::Native, &scratch, Some(1 << 20));
    common::follow::follows_a_durable_writer(&common::Runner::Native, &scratch, Some(4096));
}

#[test]
fn tail_follow_moves_across_rotations_and_checkpoints_of_a_segment_directory() {
    common::follow::follows_a_segment_directory(
        &common::Runner::Native,
        &Scratch::new("follow-segments"),
    );
}

/// A follower that sleeps while the writer rotates twice and a checkpoint
/// removes the segment it was following, before it read that segment's
/// last events: it says which events it could not print, and goes on
/// with the newest segment.
#[test]
fn tail_follow_says_what_a_checkpoint_took_before_it_was_read() {
    let dir = Scratch::new("follow-removed");
    dir.reset();
    let log = dir.path("segs");
    let mut follower = Follower::start(
        &Runner::Native,
        dir.dir(),
        &["-n", "1", "--interval-ms", "3000"],
        &log,
    );
    assert_eq!(follower.line(), segment_line(70));
    // The follower has polled once and sleeps now.
    std::thread::sleep(Duration::from_millis(300));
    let wal = segments::open(&log);
    segments::append(&wal, 70..110);
    wal.checkpoint(wal.last_lsn()).expect("checkpoint");
    let newest = segments::segment_files(&log);
    assert_eq!(newest.len(), 1, "only the newest is left");
    let first = segments::name_of(&newest[0]);
    let note = follower.error_line();
    assert!(
        note.starts_with(&format!(
            "rewal: {}: note: 00000000000000000055.wal was removed (by a checkpoint) before it was read to its end: the events 71 to ",
            log.display()
        )),
        "{note}"
    );
    assert!(note.ends_with(" were not printed"), "{note}");
    // It goes on with what is held: the newest segment, from its first
    // event.
    assert_eq!(follower.line(), segment_line(first));
    segments::append(&wal, 110..111);
    let mut last = first;
    while last < 111 {
        last += 1;
        assert_eq!(follower.line(), segment_line(last));
    }
    wal.shutdown(Duration::from_secs(5)).expect("shutdown");
    assert!(follower.running());
}

/// A segment that appears with the wrong name while the follower waits
/// (events missing between it and the followed one) ends the follow as
/// a corruption, saying which events are missing.
#[test]
fn tail_follow_stops_at_a_segment_that_does_not_follow() {
    let dir = Scratch::new("follow-gap");
    dir.reset();
    let log = dir.path("segs");
    let mut follower = Follower::start(
        &Runner::Native,
        dir.dir(),
        &["-n", "1", "--interval-ms", "20"],
        &log,
    );
    assert_eq!(follower.line(), segment_line(70));
    let files = segments::segment_files(&log);
    std::fs::copy(&files[0], log.join(format!("{:020}.wal", 100))).expect("copy");
    assert_eq!(follower.exit_code(), 2);
    assert_eq!(
        follower.error_line(),
        format!(
            "rewal: {}: stopped: corrupted: segment 00000000000000000100.wal should be named 00000000000000000071.wal: the events 71 to 99 are missing",
            log.display()
        )
    );
}

/// Following an empty directory: the first segment a writer creates is
/// followed from its first event.
#[test]
fn tail_follow_waits_for_the_first_segment_of_an_empty_directory() {
    let dir = Scratch::new("follow-empty");
    dir.reset();
    let log = dir.path("dir.wal");
    let mut follower = Follower::start(&Runner::Native, dir.dir(), &["--interval-ms", "20"], &log);
    std::thread::sleep(Duration::from_millis(200));
    let wal = segments::open(&log);
    segments::append(&wal, 0..25);
    for lsn in 1..=25 {
        assert_eq!(follower.line(), segment_line(lsn));
    }
    wal.shutdown(Duration::from_secs(5)).expect("shutdown");
    assert!(follower.running());
}
