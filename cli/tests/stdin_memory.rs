//! A large log piped into `rewal verify -` and `rewal dump -`, generated
//! on the fly (about 200 MB, never on disk): read in bounded memory. The
//! child's peak resident memory (VmHWM, Linux) is read while it still
//! waits for the end of its input, after everything else has gone
//! through it; it must stay under 64 MB. Its own test binary, so that
//! nothing else runs beside it.
#![cfg(target_os = "linux")]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

/// What the pipe carries.
const TOTAL: usize = 200 << 20;
/// The most the reader may hold in memory.
const LIMIT_KB: u64 = 64 << 10;

/// `rewal ARGS` fed TOTAL bytes of valid frames; returns its peak
/// resident memory in kB, its exit code and its standard output.
fn peak_of(args: &[&str]) -> (u64, i32, String) {
    let mut child = Command::new(common::BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start rewal");
    let mut input = child.stdin.take().expect("stdin");
    let mut output = child.stdout.take().expect("stdout");
    // Standard output is drained by a thread, counted, not kept (a dump
    // prints as much as it reads).
    let reader = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0usize;
        loop {
            let n = std::io::Read::read(&mut output, &mut buf).expect("read stdout");
            if n == 0 {
                break;
            }
            total += n;
            if kept.len() < 4096 {
                kept.extend_from_slice(&buf[..n.min(4096)]);
            }
        }
        (total, String::from_utf8_lossy(&kept).into_owned())
    });
    // Frames of 64 events of 100 bytes (about 6.8 kB each).
    let mut batch = rewal::Batch::new();
    for i in 0..64 {
        batch.add(format!("{i:0>100}"));
    }
    let mut frame = Vec::new();
    let mut written = 0;
    let mut lsn = 1;
    while written < TOTAL {
        frame.clear();
        rewal::frame::encode_batch(&mut frame, &batch, lsn, None).expect("encode");
        input.write_all(&frame).expect("feed rewal");
        written += frame.len();
        lsn += 64;
    }
    input.flush().expect("flush");
    // Everything has been written; most of it read. Give the reader the
    // time to take in the last pipeful, then look, before the end.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let peak = vm_hwm_kb(child.id());
    drop(input);
    let status = child.wait().expect("wait for rewal");
    let (printed, head) = reader.join().expect("stdout reader");
    eprintln!("rewal {args:?}: {written} bytes piped, {printed} bytes printed, peak RSS {peak} kB");
    (peak, status.code().unwrap_or(-1), head)
}

/// The peak resident set size of process `pid`, in kB.
fn vm_hwm_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("its status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[test]
fn a_200_mb_pipe_is_read_in_bounded_memory() {
    let (peak, code, said) = peak_of(&["verify", "-"]);
    assert_eq!(code, 0, "{said}");
    assert!(
        said.starts_with("standard input: ok: every frame checked: "),
        "{said}"
    );
    assert!(peak < LIMIT_KB, "verify - peaked at {peak} kB");

    let (peak, code, said) = peak_of(&["dump", "-", "--format", "jsonl"]);
    assert_eq!(code, 0);
    assert!(said.starts_with("{\"lsn\":1,"), "{said}");
    assert!(peak < LIMIT_KB, "dump - peaked at {peak} kB");
}
