//! Exit codes for every way a log can end and for hostile files, each with
//! a message on stderr that names the file and says what is wrong.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::{rewal, rewal_with_input, Scratch};
use std::time::Duration;

/// `verify` on each kind of file: (file, exit code, what stdout or stderr
/// must say).
const VERDICTS: &[(&str, i32, &str)] = &[
    ("plain.wal", 0, "plain.wal: ok: every frame checked: 5 frames"),
    ("meta.wal", 0, "meta.wal: ok"),
    ("compressed.wal", 0, "compressed.wal: ok"),
    ("empty.wal", 0, "empty.wal: ok: an empty log"),
    ("torn.wal", 1, "torn.wal: torn tail at offset 233"),
    ("zeros.wal", 0, "zeros.wal: ok: an empty log (100 bytes of zeros"),
    ("huge.wal", 1, "huge.wal: torn tail at offset 0: the frame there claims 4294967295 bytes, but only 64 remain"),
    ("corrupt.wal", 2, "corrupt.wal: corrupted at offset 79: the frame there (48 bytes) fails its CRC-32C check"),
    ("random.bin", 3, "rewal: random.bin: it is not a rewal log"),
    // An empty directory: a segment directory without segments yet.
    ("dir.wal", 0, "dir.wal: ok: an empty log (no segment files)"),
    ("missing.wal", 3, "rewal: missing.wal: cannot read it: no such file or directory"),
];

#[test]
fn verify_exit_code_says_how_the_log_ends() {
    let dir = Scratch::new("verdicts");
    dir.reset();
    for &(file, code, says) in VERDICTS {
        let run = rewal(dir.dir(), &["verify", file]);
        assert_eq!(run.code, code, "verify {file}: {run:?}");
        let said = if code == 3 {
            run.stderr()
        } else {
            run.stdout()
        };
        assert!(said.starts_with(says), "verify {file} said {said:?}");
        assert_eq!(said.lines().count(), 1, "one sentence: {said:?}");
        assert!(!run.stderr().contains("panicked"));
    }
}

#[test]
fn reading_commands_agree_on_the_exit_code() {
    let dir = Scratch::new("agree");
    dir.reset();
    for &(file, code, _) in VERDICTS {
        for command in ["dump", "tail"] {
            let run = rewal(dir.dir(), &[command, file]);
            // Showing events (not checking frames) needs the decompressor
            // that the tests' RLE frames were written with.
            let code = if file == "compressed.wal" { 3 } else { code };
            assert_eq!(run.code, code, "{command} {file}: {run:?}");
            if code != 0 {
                let stderr = run.stderr();
                assert!(
                    stderr.starts_with(&format!("rewal: {file}: ")),
                    "{stderr:?}"
                );
                assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
            }
        }
        // info describes any log it can read, damaged or not.
        let run = rewal(dir.dir(), &["info", file]);
        assert_eq!(
            run.code,
            if code == 3 { 3 } else { 0 },
            "info {file}: {run:?}"
        );
    }
}

#[test]
fn append_to_a_locked_log_is_refused() {
    let dir = Scratch::new("locked");
    dir.reset();
    let path = dir.path("plain.wal");
    let wal = rewal::Wal::open(&path).build().expect("open the log here");
    let run = rewal_with_input(dir.dir(), &["append", "plain.wal"], b"x\n");
    assert_eq!(run.code, 4, "{run:?}");
    assert_eq!(
        run.stderr(),
        "rewal: plain.wal: nothing appended: the log is locked: another process (or this one) has it open for writing\n"
    );
    let run = rewal(dir.dir(), &["repair", "plain.wal"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr().contains("nothing repaired: the log is locked"),
        "{run:?}"
    );
    // Reading takes no lock: verify, dump and tail work on the open log.
    let run = rewal(dir.dir(), &["verify", "plain.wal"]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = rewal(dir.dir(), &["dump", "plain.wal", "--limit", "1"]);
    assert_eq!(run.stdout(), "1\t-\t\"hello world\"\n");
    wal.shutdown(Duration::from_secs(5)).expect("shutdown");
    // Once released, the append goes through.
    let run = rewal_with_input(dir.dir(), &["append", "plain.wal"], b"x\n");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout(),
        "appended 1 event to plain.wal: LSN 6, written and synced\n"
    );
}

#[test]
fn a_closed_stdout_ends_a_dump_quietly() {
    let dir = Scratch::new("pipe");
    dir.reset();
    let mut input = Vec::new();
    for i in 0..200_000 {
        input.extend_from_slice(format!("event {i}\n").as_bytes());
    }
    let run = rewal_with_input(dir.dir(), &["append", "big.wal", "--batch", "1000"], &input);
    assert_eq!(run.code, 0, "{run:?}");
    let mut child = std::process::Command::new(common::BIN)
        .args(["dump", "big.wal"])
        .current_dir(dir.dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start dump");
    // Read one chunk, then hang up, as `rewal dump big.wal | head` does.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 100];
    std::io::Read::read_exact(&mut stdout, &mut first).expect("first bytes");
    drop(stdout);
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}
