//! `rewal demo`: it writes, replays and reports, and leaves a healthy log
//! whose contents are the same on every run.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::{expect, rewal, Scratch};

#[test]
fn demo_leaves_a_log_for_the_other_subcommands() {
    let dir = Scratch::new("demo");
    let run = rewal(dir.dir(), &["demo", "."]);
    assert_eq!(run.code, 0, "{run:?}");
    let stdout = run.stdout();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "opened ./demo.wal (holds 0 events)");
    assert!(
        lines[1].starts_with("appended 5004 events (1000 orders"),
        "{stdout}"
    );
    assert!(lines[1].ends_with("durable up to LSN 5004"), "{stdout}");
    assert_eq!(
        lines[2],
        "replayed the whole log: 5004 events, 175444 payload bytes"
    );
    assert_eq!(
        &lines[3..7],
        [
            "  (no meta)                   4",
            "  type:order.created       1000",
            "  type:order.item          3000",
            "  type:order.paid          1000",
        ]
    );
    assert!(
        lines[7].starts_with("stats: 5004 events in 2004 frames, "),
        "{stdout}"
    );
    assert!(
        lines[7].ends_with(" 339580 bytes on disk, last LSN 5004"),
        "{stdout}"
    );
    assert_eq!(run.stderr(), "");

    // What it left: the same on every run and every target.
    let mut transcript = String::new();
    for args in [
        &["info", "demo.wal"][..],
        &["verify", "demo.wal"],
        &["dump", "demo.wal", "--limit", "6"],
        &["tail", "demo.wal", "-n", "3", "--format", "jsonl"],
    ] {
        let run = rewal(dir.dir(), args);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        transcript.push_str(&format!("$ rewal {}\n{}\n", args.join(" "), run.stdout()));
    }
    expect("demo.txt", &transcript);

    // A second run continues the LSNs.
    let run = rewal(dir.dir(), &["demo", "."]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run
        .stdout()
        .starts_with("opened ./demo.wal (holds 5004 events)\n"));
    assert!(run.stdout().contains("durable up to LSN 10008"));
}
