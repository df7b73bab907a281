//! `rewal demo`: it writes, replays and reports, and leaves a healthy log
//! whose contents are the same on every run.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::{expect, rewal, Scratch, BIN};
use std::path::Path;
use std::process::Command;

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

/// The demo's last line, run as printed by a shell in the same directory:
/// every command in it works.
fn run_the_hint(dir: &Path, path_var: &std::ffi::OsStr) -> String {
    let run = Command::new(BIN)
        .args(["demo", "."])
        .current_dir(dir)
        .env("PATH", path_var)
        .output()
        .expect("run the demo");
    assert!(run.status.success(), "{run:?}");
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    let hint = stdout
        .lines()
        .find_map(|line| line.strip_prefix("look inside: "))
        .unwrap_or_else(|| panic!("no hint in {stdout}"))
        .to_string();
    let shell = Command::new("sh")
        .args(["-c", &format!("set -e; {hint}")])
        .current_dir(dir)
        .env("PATH", path_var)
        .output()
        .expect("run the hint");
    let said = String::from_utf8_lossy(&shell.stdout);
    assert!(shell.status.success(), "`{hint}` failed: {shell:?}");
    assert!(said.contains("file:       ./demo.wal"), "{said}");
    assert!(
        said.contains("./demo.wal: ok: every frame checked"),
        "{said}"
    );
    assert!(said.contains("1\t\"type:order.created\""), "{said}");
    hint
}

#[test]
fn the_demo_hint_works_as_printed() {
    let dir = Scratch::new("demo-hint");
    let system_path = std::env::var_os("PATH").unwrap_or_default();
    // Not on the PATH (as after `cargo run`): the hint names the binary
    // by the path it was run from.
    let hint = run_the_hint(dir.dir(), &system_path);
    let me = std::fs::canonicalize(BIN).expect("the binary");
    assert!(
        hint.starts_with(&format!("{} info ./demo.wal", me.display())),
        "{hint}"
    );
    // Installed (its directory first on the PATH): the hint says `rewal`.
    let bin_dir = me.parent().expect("the binary's directory").to_path_buf();
    let path_var =
        std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(&system_path)))
            .expect("a PATH");
    let hint = run_the_hint(dir.dir(), &path_var);
    assert!(
        hint.starts_with("rewal info ./demo.wal; rewal verify ./demo.wal"),
        "{hint}"
    );
}
