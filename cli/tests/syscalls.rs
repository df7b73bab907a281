//! What reaches the kernel, seen with `strace`: a new log's directory is
//! synced before anything is reported durable, no sync is issued with
//! nothing new to sync, and `repair` makes its copy of the removed bytes
//! durable, directory entry included, before it cuts the log.
//!
//! Needs `strace` (Debian's package); without it the tests say so and
//! pass, unless `REWAL_REQUIRE_STRACE` is set (the test command sets it).
#![cfg(target_os = "linux")]

mod common;

use common::{Scratch, BIN};
use std::path::Path;
use std::process::{Command, Stdio};

/// One syscall line of `strace -f -y`: its name and its text.
struct Call {
    name: String,
    line: String,
}

/// Runs the binary under `strace -f -y` (which prints the path behind each
/// descriptor) and returns the calls named in `trace`, in order.
fn trace(dir: &Path, args: &[&str], stdin: &str, trace: &str) -> Option<Vec<Call>> {
    if Command::new("strace").arg("-V").output().is_err() {
        assert!(
            std::env::var_os("REWAL_REQUIRE_STRACE").is_none(),
            "strace is required (REWAL_REQUIRE_STRACE is set) but not installed"
        );
        eprintln!("strace is not installed: skipped");
        return None;
    }
    let log = dir.join("strace.out");
    let mut child = Command::new("strace")
        .args(["-f", "-y", "-qq", "-e", &format!("trace={trace}"), "-o"])
        .arg(&log)
        .arg(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run strace");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&log).expect("read strace output");
    std::fs::remove_file(&log).expect("remove strace output");
    Some(
        text.lines()
            .filter_map(|line| {
                // "1234 name(args) = result", with -f's pid first.
                let call = line.split_once(' ').map_or(line, |(_, rest)| rest).trim();
                let name = call.split('(').next()?.to_owned();
                Some(Call {
                    name,
                    line: call.to_owned(),
                })
            })
            .collect(),
    )
}

fn position(calls: &[Call], what: &str, f: impl Fn(&Call) -> bool) -> usize {
    calls
        .iter()
        .position(f)
        .unwrap_or_else(|| panic!("no {what} in:\n{}", listing(calls)))
}

fn listing(calls: &[Call]) -> String {
    calls
        .iter()
        .map(|call| call.line.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_new_log_s_directory_is_synced_before_the_append_is_reported_durable() {
    let dir = Scratch::new("strace-new");
    let d = dir.dir().display().to_string();
    let wal = dir.path("new.wal").display().to_string();
    let Some(calls) = trace(
        dir.dir(),
        &["append", "new.wal"],
        "one\ntwo\n",
        "openat,fsync,fdatasync,pwrite64,write",
    ) else {
        return;
    };
    let created = position(&calls, "creating open of new.wal", |call| {
        call.name == "openat" && call.line.contains("new.wal") && call.line.contains("O_CREAT")
    });
    let dir_sync = position(&calls, "fsync of the directory", |call| {
        call.name == "fsync" && call.line.contains(&format!("<{d}>"))
    });
    let data_syncs: Vec<usize> = calls
        .iter()
        .enumerate()
        .filter(|(_, call)| {
            matches!(call.name.as_str(), "fsync" | "fdatasync")
                && call.line.contains(&format!("<{wal}>"))
        })
        .map(|(i, _)| i)
        .collect();
    assert!(created < dir_sync, "{}", listing(&calls));
    let first_data_sync = *data_syncs.first().expect("a data sync");
    assert!(dir_sync < first_data_sync, "{}", listing(&calls));
    // No sync with nothing new to sync: between two syncs of the log,
    // something was written to it.
    for pair in data_syncs.windows(2) {
        let wrote = calls[pair[0]..pair[1]].iter().any(|call| {
            matches!(call.name.as_str(), "pwrite64" | "write")
                && call.line.contains(&format!("<{wal}>"))
        });
        assert!(wrote, "a sync with nothing new:\n{}", listing(&calls));
    }
}

#[test]
fn repair_makes_the_removed_bytes_durable_before_it_cuts() {
    let dir = Scratch::new("strace-repair");
    dir.reset();
    let d = dir.dir().display().to_string();
    let Some(calls) = trace(
        dir.dir(),
        &["repair", "corrupt.wal", "--cut-at-corruption"],
        "",
        "openat,fsync,fdatasync,ftruncate",
    ) else {
        return;
    };
    let kept = position(&calls, "creation of the copy", |call| {
        call.name == "openat" && call.line.contains("corrupt.wal.removed-79")
    });
    let kept_sync = position(&calls, "fsync of the copy", |call| {
        call.name == "fsync" && call.line.contains("corrupt.wal.removed-79>")
    });
    let dir_sync = position(&calls, "fsync of the directory", |call| {
        call.name == "fsync" && call.line.contains(&format!("<{d}>"))
    });
    let cut = position(&calls, "the cut", |call| call.name == "ftruncate");
    assert!(kept < kept_sync, "{}", listing(&calls));
    assert!(kept_sync < dir_sync, "{}", listing(&calls));
    assert!(dir_sync < cut, "{}", listing(&calls));
}
