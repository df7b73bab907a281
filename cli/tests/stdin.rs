//! `-` (standard input) and pipes in `verify`, `info` and `dump`: on every
//! kind of log, damaged at random, what is said of a piped log is what is
//! said of the same bytes in a file; `/dev/stdin` and a FIFO too; and
//! hostile streams neither hang nor allocate without bound. (The peak
//! memory of a large pipe is measured in `stdin_memory.rs`.)
#![cfg(not(target_family = "wasm"))]

mod common;

use common::{rewal_with_input, Run, Scratch, BIN};
use rewal_testkit::rng::Rng;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A log of `events` events in frames of 1 to 5 events, payloads of 0 to
/// 300 bytes, some with meta, written by the engine's encoder.
fn log_bytes(rng: &mut Rng, events: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut lsn = 1;
    while lsn <= events {
        let mut batch = rewal::Batch::new();
        for _ in 0..(1 + rng.below(5)).min(events + 1 - lsn) {
            let len = rng.below(300) as usize;
            let payload = rng.bytes(len);
            if rng.below(3) == 0 {
                batch.add_with_meta(payload, "m");
            } else {
                batch.add(payload);
            }
        }
        rewal::frame::encode_batch(&mut out, &batch, lsn, None).expect("encode");
        lsn += batch.len() as u64;
    }
    out
}

/// `log` damaged the `kind`-th way: cut, a byte flipped, garbage or zeros
/// after it, a hole of zeros, a frame repeated (LSNs out of order), a
/// length field changed, garbage before it.
fn damaged(rng: &mut Rng, log: &[u8], kind: u64) -> Vec<u8> {
    let mut bytes = log.to_vec();
    let at = rng.below(log.len() as u64) as usize;
    match kind {
        0 => bytes.truncate(at),
        1 => bytes[at] ^= 1 << rng.below(8),
        2 => {
            let len = 1 + rng.below(2000) as usize;
            bytes.extend(rng.bytes(len));
        }
        3 => bytes.extend(vec![0; 1 + rng.below(5000) as usize]),
        4 => {
            let end = (at + 1 + rng.below(400) as usize).min(bytes.len());
            bytes[at..end].fill(0);
        }
        5 => {
            let first = rewal::frame::FrameHeader::read(log).expect("a first frame");
            bytes.extend_from_slice(&log[..first.len()]);
        }
        6 => {
            // Somewhere a frame may begin: a length field set at random.
            let field = at.min(bytes.len().saturating_sub(4));
            let value = (rng.below(1 << 20) as u32).to_le_bytes();
            let n = value.len().min(bytes.len() - field);
            bytes[field..field + n].copy_from_slice(&value[..n]);
        }
        7 => {
            let len = 1 + rng.below(64) as usize;
            let mut garbage = rng.bytes(len);
            garbage.extend_from_slice(&bytes);
            bytes = garbage;
        }
        _ => {
            // A copy of a later part pasted over an earlier one.
            let len = rng.below(200) as usize;
            let from = rng.below(log.len() as u64) as usize;
            let len = len.min(log.len() - from).min(bytes.len() - at);
            bytes[at..at + len].copy_from_slice(&log[from..from + len]);
        }
    }
    bytes
}

/// What a run said, with the name of its input replaced by `name` (and,
/// in JSON, what kind of input it was by a file's).
fn said(run: &Run, label: &str, name: &str) -> (i32, String, String) {
    let stream = "\"kind\": \"stream\",\n  \"path\": \"-\"";
    let file = format!("\"kind\": \"file\",\n  \"path\": \"{name}\"");
    (
        run.code,
        run.stdout().replace(stream, &file).replace(label, name),
        run.stderr().replace(label, name),
    )
}

/// Runs `args` on the file `name` in `dir`, and again with `-` and the
/// file's bytes on standard input; both must say the same.
fn agree(dir: &Scratch, name: &str, args: &[&str]) {
    let bytes = std::fs::read(dir.path(name)).expect("read the log");
    let mut on_file: Vec<&str> = args.to_vec();
    on_file.insert(1, name);
    let mut on_stdin: Vec<&str> = args.to_vec();
    on_stdin.insert(1, "-");
    let file = rewal_with_input(dir.dir(), &on_file, b"");
    let piped = rewal_with_input(dir.dir(), &on_stdin, &bytes);
    assert_eq!(
        said(&piped, "standard input", name),
        said(&file, name, name),
        "{args:?} on {name}: the pipe and the file disagree"
    );
    assert!(!piped.stderr().contains("panicked"), "{piped:?}");
}

#[test]
fn a_piped_log_is_judged_as_the_same_bytes_in_a_file() {
    let dir = Scratch::new("stdin-agree");
    dir.reset();
    let mut rng = Rng::new(0x5717);
    // The vectors and the hostile files first.
    for name in [
        "plain.wal",
        "meta.wal",
        "compressed.wal",
        "torn.wal",
        "corrupt.wal",
        "empty.wal",
        "random.bin",
        "huge.wal",
        "zeros.wal",
    ] {
        for args in [
            &["verify"][..],
            &["info"],
            &["info", "--format", "json"],
            &["dump"],
            &["dump", "--format", "jsonl", "--from", "3", "--limit", "2"],
        ] {
            agree(&dir, name, args);
        }
    }
    // Then logs damaged every way, at random places.
    for case in 0..180u64 {
        let events = 5 + rng.below(60);
        let log = log_bytes(&mut rng, events);
        let bytes = damaged(&mut rng, &log, case % 9);
        let name = format!("case-{case}.wal");
        std::fs::write(dir.path(&name), &bytes).expect("write the case");
        agree(&dir, &name, &["verify"]);
        if case % 3 == 0 {
            agree(&dir, &name, &["info", "--format", "json"]);
            agree(&dir, &name, &["dump", "--payload", "hex"]);
        }
    }
}

#[test]
fn dev_stdin_and_a_fifo_are_read_as_streams() {
    let dir = Scratch::new("stdin-paths");
    dir.reset();
    let torn = std::fs::read(dir.path("torn.wal")).expect("torn.wal");
    // /dev/stdin is a pipe here (the runner pipes standard input).
    if std::path::Path::new("/dev/stdin").exists() {
        let run = rewal_with_input(dir.dir(), &["verify", "/dev/stdin"], &torn);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(
            run.stdout()
                .starts_with("/dev/stdin: torn tail at offset 233: "),
            "{run:?}"
        );
    }
    // A named pipe, written by another process.
    let fifo = dir.path("log.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|status| status.success()) {
        eprintln!("skipped the FIFO: no mkfifo here");
        return;
    }
    let writer = {
        let fifo = fifo.clone();
        let torn = torn.clone();
        std::thread::spawn(move || {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .open(fifo)
                .expect("open the FIFO for writing");
            file.write_all(&torn).expect("write into the FIFO");
        })
    };
    let run = rewal_with_input(dir.dir(), &["dump", "log.fifo"], b"");
    writer.join().expect("the FIFO writer");
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout().lines().count(), 5, "{run:?}");
    assert!(
        run.stderr()
            .starts_with("rewal: log.fifo: stopped: torn tail at offset 233: "),
        "{run:?}"
    );
}

/// The most virtual memory a reader of a hostile stream may map, in kB
/// (`ulimit -v`): an allocation past it fails, and the run with it.
const MEMORY_KB: u32 = 64 << 10;

/// Feeds `chunk` to `rewal ARGS` again and again (after `head`), until it
/// stops reading; returns its exit code and output, and how long it took.
/// Where there is a POSIX shell, it runs under `ulimit -v` [`MEMORY_KB`].
fn endless(args: &[&str], head: &[u8], chunk: &[u8]) -> (i32, String, Duration) {
    let started = Instant::now();
    let mut command = if cfg!(target_os = "linux") && std::path::Path::new("/bin/sh").exists() {
        let mut command = Command::new("/bin/sh");
        command.args([
            "-c",
            &format!("ulimit -v {MEMORY_KB} && exec \"$0\" \"$@\""),
            BIN,
        ]);
        command
    } else {
        Command::new(BIN)
    };
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rewal");
    let mut input = child.stdin.take().expect("stdin");
    let (head, chunk) = (head.to_vec(), chunk.to_vec());
    let feeder = std::thread::spawn(move || {
        input.write_all(&head)?;
        // Until the reader hangs up: a broken pipe ends the loop.
        loop {
            input.write_all(&chunk)?;
        }
        #[allow(unreachable_code)]
        Ok::<(), std::io::Error>(())
    });
    // A watchdog: a hang fails the test instead of stalling it.
    let pid = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if done.load(std::sync::atomic::Ordering::Relaxed) {
                    return false;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // Only this test's own child, by its id.
            let _ = Command::new("kill").arg(pid.to_string()).status();
            true
        })
    };
    let output = child.wait_with_output().expect("wait for rewal");
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let killed = watchdog.join().expect("watchdog");
    assert!(!killed, "rewal {args:?} kept reading an endless stream");
    let fed = feeder.join().expect("the feeder");
    assert!(fed.is_err(), "the feeder only stops at a broken pipe");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text, started.elapsed())
}

#[test]
fn endless_garbage_after_valid_frames_ends_the_read() {
    let mut rng = Rng::new(7);
    let log = log_bytes(&mut rng, 20);
    let garbage = rng.bytes(1 << 20);
    for args in [&["verify", "-"][..], &["info", "-"], &["dump", "-"]] {
        let (code, said, took) = endless(args, &log, &garbage);
        // info describes a damaged log with 0, as for a file.
        let expected = if args[0] == "info" { 0 } else { 2 };
        assert_eq!(code, expected, "{args:?}: {said}");
        assert!(
            said.contains("the rest is too costly to search for valid frames"),
            "{args:?}: {said}"
        );
        eprintln!("{args:?} stopped after {took:?}");
    }
    // Endless garbage from the first byte: not a log, said at once.
    let (code, said, _) = endless(&["verify", "-"], b"", &garbage);
    assert_eq!(code, 3, "{said}");
    assert!(said.contains("it is not a rewal log"), "{said}");
}

#[test]
fn a_huge_length_field_over_endless_bytes_ends_the_read() {
    // A header that claims 200 MiB (more than is ever held), then endless
    // bytes: the frame is checked as it streams past, fails its CRC at the
    // end of its claim, and what follows is more than is held: the read
    // ends there, within the memory limit.
    let mut header = Vec::new();
    header.extend_from_slice(b"EWAL");
    header.extend_from_slice(&2u16.to_le_bytes());
    header.extend_from_slice(&0u16.to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    header.extend_from_slice(&1u64.to_le_bytes());
    header.extend_from_slice(&(200u32 << 20).to_le_bytes());
    let chunk = vec![0xab; 1 << 20];
    let (code, said, _) = endless(&["verify", "-"], &header, &chunk);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("fails its CRC-32C check"), "{said}");
}

#[test]
fn commands_that_need_a_file_refuse_standard_input() {
    let dir = Scratch::new("stdin-refused");
    for args in [&["tail", "-"][..], &["repair", "-"], &["append", "-"]] {
        let run = rewal_with_input(dir.dir(), args, b"x\n");
        assert_eq!(run.code, 64, "{args:?}: {run:?}");
        assert!(run.stderr().contains("standard input (`-`) can be read by"));
        assert!(!dir.path("-").exists(), "{args:?} created a file named -");
    }
}
