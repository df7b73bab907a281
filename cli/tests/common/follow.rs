//! `rewal tail -f` against another writer, for any [`Runner`]: the native
//! binary and the WASI build under wasmtime follow the same way.

use super::{segments, Runner, Scratch};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

/// How long the follower may take to show an event (the WASI build starts
/// a Python interpreter and wasmtime first).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A running `rewal tail -f`, killed when dropped, so that a failing test
/// leaves no follower behind; its output lines arrive through channels, so
/// that waiting for one is bounded.
pub struct Follower {
    child: std::process::Child,
    lines: mpsc::Receiver<std::io::Result<String>>,
    errors: mpsc::Receiver<std::io::Result<String>>,
}

impl Follower {
    /// Starts `rewal tail -f ARGS LOG` in `cwd`.
    pub fn start(runner: &Runner, cwd: &Path, args: &[&str], log: &Path) -> Follower {
        let mut child = runner
            .command()
            .args(["tail", "-f"])
            .args(args)
            .arg(log)
            .current_dir(cwd)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tail -f");
        Follower {
            lines: lines_of(child.stdout.take().expect("stdout")),
            errors: lines_of(child.stderr.take().expect("stderr")),
            child,
        }
    }

    /// The next line of standard output.
    pub fn line(&self) -> String {
        match self.lines.recv_timeout(PATIENCE) {
            Ok(line) => line.expect("a line"),
            Err(waited) => {
                // Say why: what the follower printed on standard error.
                let said: Vec<String> =
                    std::iter::from_fn(|| self.errors.recv_timeout(Duration::from_secs(1)).ok())
                        .flatten()
                        .collect();
                panic!("no line from tail -f in time ({waited}); it said: {said:?}")
            }
        }
    }

    /// The next line of standard error.
    pub fn error_line(&self) -> String {
        self.errors
            .recv_timeout(PATIENCE)
            .expect("a line on stderr from tail -f in time")
            .expect("a line")
    }

    /// Whether it still runs.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("status").is_none()
    }

    /// Waits for it to end on its own; its exit code.
    pub fn exit_code(&mut self) -> i32 {
        let started = std::time::Instant::now();
        while started.elapsed() < PATIENCE {
            if let Some(status) = self.child.try_wait().expect("status") {
                return status.code().unwrap_or(-1);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("tail -f did not end");
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The lines of `stream`, read by a thread.
fn lines_of(
    stream: impl std::io::Read + Send + 'static,
) -> mpsc::Receiver<std::io::Result<String>> {
    let (lines, arrived) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    arrived
}

/// Starts `rewal tail -f` on a copy of `plain.wal` in `dir`, appends from
/// this process, and checks that every appended event is printed while the
/// follower keeps running.
pub fn follows_another_writer(runner: &Runner, dir: &Scratch) {
    dir.reset();
    let log = dir.path("plain.wal");
    let mut follower =
        Follower::start(runner, dir.dir(), &["-n", "1", "--interval-ms", "20"], &log);
    assert_eq!(follower.line(), "5\t-\t\"the end\"");

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
        assert_eq!(follower.line(), expected);
    }
    wal.shutdown(Duration::from_secs(5)).expect("shutdown");
    assert!(follower.running(), "tail -f keeps running");
}

/// The line `tail` prints for event `lsn` of a directory written by
/// `segments` (LSN n holds event number n - 1).
pub fn segment_line(lsn: u64) -> String {
    format!("{lsn}\t-\t\"{}\"", segments::payload(lsn - 1))
}

/// Starts `rewal tail -f` on the segment directory `segs` (70 events in 4
/// segments) while this process writes to it: events across several
/// rotations (some while the follower waits, some faster than it polls),
/// then a checkpoint that removes the older segments, then more events.
/// Every event is printed once, in order, and the follower keeps running.
pub fn follows_a_segment_directory(runner: &Runner, dir: &Scratch) {
    dir.reset();
    let log = dir.path("segs");
    let mut follower =
        Follower::start(runner, dir.dir(), &["-n", "2", "--interval-ms", "20"], &log);
    assert_eq!(follower.line(), segment_line(69));
    assert_eq!(follower.line(), segment_line(70));

    let wal = segments::open(&log);
    let before = segments::segment_files(&log).len();
    // Slowly: the follower catches up within a segment, and sees each
    // rotation as it happens.
    for i in 70..100 {
        segments::append(&wal, i..i + 1);
        std::thread::sleep(Duration::from_millis(3));
    }
    // At once: several rotations between two polls.
    segments::append(&wal, 100..160);
    for lsn in 71..=160 {
        assert_eq!(follower.line(), segment_line(lsn));
    }
    let files = segments::segment_files(&log);
    assert!(files.len() >= before + 4, "rotations happened: {files:?}");

    // A checkpoint removes every segment but the newest's predecessors
    // past LSN 150: the follower, on the newest, goes on.
    wal.checkpoint(150).expect("checkpoint");
    let after = segments::segment_files(&log);
    assert!(after.len() < files.len(), "segments removed: {after:?}");
    assert!(segments::name_of(&after[0]) > 100, "{after:?}");
    segments::append(&wal, 160..200);
    for lsn in 161..=200 {
        assert_eq!(follower.line(), segment_line(lsn));
    }
    wal.shutdown(Duration::from_secs(5)).expect("shutdown");
    assert!(follower.running(), "tail -f keeps running");
}

/// Starts `rewal tail -f` on a new log (a file, or a segment directory of
/// `segment_size` bytes) while this process appends events and makes each
/// durable: the writer keeps zeros written ahead of its frames, so the
/// file does not grow with each event. Before the fix (issue 19, defect
/// 10), the follower looked for new frames past the zeros, and printed 28
/// of 264 events. Every event is printed, in order, while the writer is
/// still running.
pub fn follows_a_durable_writer(runner: &Runner, dir: &Scratch, segment_size: Option<u64>) {
    dir.reset();
    let log = dir.path("durable");
    let wal = match segment_size {
        Some(size) => rewal::Wal::open_dir(&log).segment_size(size).build(),
        None => rewal::Wal::open(&log).build(),
    }
    .expect("open");
    let first = wal.append("first").expect("append");
    wal.wait_durable(first).expect("durable");
    let follower = Follower::start(runner, dir.dir(), &["-n", "1", "--interval-ms", "20"], &log);
    assert_eq!(follower.line(), "1\t-\t\"first\"");
    for i in 2..=300u64 {
        let lsn = wal
            .append(format!("durable {i:04} {}", ".".repeat(40)))
            .expect("append");
        wal.wait_durable(lsn).expect("durable");
        if i % 50 == 0 {
            std::thread::sleep(Duration::from_millis(30));
        }
    }
    for i in 2..=300u64 {
        assert_eq!(
            follower.line(),
            format!("{i}\t-\t\"durable {i:04} {}\"", ".".repeat(40)),
            "event {i}"
        );
    }
    wal.shutdown(Duration::from_secs(5)).expect("shutdown");
}

/// Starts `rewal tail -f` on the segment directory `segs` while another
/// thread creates and removes files in it, hundreds a second, and this one
/// appends events. Every event is printed, and the follower keeps running.
/// Before the fix, under wasmtime, a file removed while the follower listed
/// the directory failed its listing with `NotFound` (the host stats each
/// entry), and the follower ended: a checkpoint's removal of old segments
/// did that to it once in CI.
pub fn follows_while_files_come_and_go(runner: &Runner, dir: &Scratch) {
    dir.reset();
    let log = dir.path("segs");
    let mut follower = Follower::start(runner, dir.dir(), &["-n", "1", "--interval-ms", "1"], &log);
    assert_eq!(follower.line(), segment_line(70));

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let (stop, log) = (stop.clone(), log.clone());
        std::thread::spawn(move || {
            let mut made = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let path = log.join(format!("scratch-{}", made % 64));
                std::fs::write(&path, b"").expect("create a file");
                std::fs::remove_file(&path).expect("remove it");
                made += 1;
                // At the pace of checkpoints removing segments one by one,
                // not so fast that no listing could ever finish.
                std::thread::sleep(Duration::from_micros(500));
            }
            made
        })
    };
    let wal = segments::open(&log);
    for i in 70..90 {
        segments::append(&wal, i..i + 1);
        assert_eq!(follower.line(), segment_line(i + 1));
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let made = churn.join().expect("churn");
    assert!(made > 100, "files came and went: {made}");
    assert!(follower.running(), "tail -f keeps running");
    wal.shutdown(Duration::from_secs(5)).expect("shutdown");
}
