//! One live open per file: refused in the same process, and (natively, with
//! flock / LockFileEx) from another process; free again after close.

use rewal::{Error, FileStorage, Wal};
use rewal_testkit::Scratch;

#[test]
fn a_second_open_in_this_process_is_refused() {
    let dir = Scratch::new("lock");
    let path = dir.path("a.wal");
    let wal = Wal::open(&path).build().unwrap();
    assert!(matches!(
        Wal::open(&path).build().unwrap_err(),
        Error::FileLocked { .. }
    ));
    // Another spelling of the same path is the same file.
    let other = dir.dir().join(".").join("a.wal");
    assert!(matches!(
        Wal::open(&other).build().unwrap_err(),
        Error::FileLocked { .. }
    ));
    assert!(matches!(
        FileStorage::new(&path).unwrap_err(),
        Error::FileLocked { .. }
    ));
    // Looking without locking is allowed.
    assert!(rewal::inspect::scan_file(&path, |_| {}).is_ok());
    wal.close().unwrap();
    Wal::open(&path).build().unwrap();
}

#[test]
fn a_failed_open_leaves_no_lock_behind() {
    let dir = Scratch::new("failed-open");
    let path = dir.path("a.wal");
    std::fs::write(&path, b"not a log at all").unwrap();
    assert!(matches!(
        Wal::open(&path).build().unwrap_err(),
        Error::NotALog { .. }
    ));
    std::fs::write(&path, b"").unwrap();
    Wal::open(&path).build().unwrap();
}

#[test]
fn a_directory_or_a_missing_parent_is_an_io_error() {
    let dir = Scratch::new("dir");
    assert!(matches!(Wal::open(dir.dir()).build(), Err(Error::Io(_))));
    assert!(matches!(
        Wal::open(dir.path("missing/a.wal")).build(),
        Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound
    ));
}

/// The child process's side of the cross-process test: hold the lock until
/// stdin closes.
#[cfg(not(target_family = "wasm"))]
#[test]
fn lock_holder_child() {
    let Ok(path) = std::env::var("REWAL_LOCK_HOLDER") else {
        return; // only meaningful when started by the test below
    };
    let wal = Wal::open(&path).build().unwrap();
    println!("locked");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    wal.shutdown(std::time::Duration::from_secs(1)).unwrap();
}

#[cfg(not(target_family = "wasm"))]
#[test]
fn another_process_cannot_open_a_locked_log() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let dir = Scratch::new("xproc");
    let path = dir.path("a.wal");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "lock_holder_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("REWAL_LOCK_HOLDER", &path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("locked") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "child exited early");
    }
    assert!(matches!(
        Wal::open(&path).build().unwrap_err(),
        Error::FileLocked { .. }
    ));
    child.stdin.take().unwrap().write_all(b"done\n").unwrap();
    assert!(child.wait().unwrap().success());
    Wal::open(&path).build().unwrap();
}
