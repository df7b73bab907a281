//! Helpers shared by the CLI's tests: scratch directories, copies of the
//! golden vectors and hostile files, running the binary (natively or under
//! wasmtime), scripted sessions written as transcripts, and comparing
//! transcripts with the files in `tests/expected/`.
//!
//! `REWAL_BLESS=1 cargo test -p rewal-cli` rewrites the expected files from
//! the current output instead of comparing; review the diff before
//! committing them.
#![allow(dead_code)]

pub mod follow;
pub mod power_cut;
pub mod scripts;
pub use rewal_testkit::segment_dirs as segments;
pub mod wasi_build;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The native binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_rewal");

/// The crate's directory (cli/).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The golden vectors (never modified: tests work on copies).
pub fn vectors_dir() -> PathBuf {
    crate_dir().join("../tests/vectors")
}

/// A fresh directory under cargo's temp dir for tests, removed when
/// dropped.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("rewal-cli-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        // Canonical, so that paths printed natively and under wasmtime (which
        // is granted this directory at the same path) are the same.
        let dir = dir.canonicalize().expect("canonical scratch dir");
        Scratch { dir }
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Empties the directory and puts fresh copies of the golden vectors
    /// and the hostile files in it, and the segment directories of
    /// [`segments::write_all`].
    pub fn reset(&self) {
        for entry in std::fs::read_dir(&self.dir).expect("read scratch dir") {
            let path = entry.expect("scratch entry").path();
            if path.is_dir() {
                std::fs::remove_dir_all(&path).expect("clear scratch dir");
            } else {
                std::fs::remove_file(&path).expect("clear scratch file");
            }
        }
        for name in ["plain", "meta", "compressed", "torn", "corrupt"] {
            let file = format!("{name}.wal");
            std::fs::copy(vectors_dir().join(&file), self.path(&file)).expect("copy vector");
        }
        write_hostile(&self.dir);
        segments::write_all(&self.dir);
        power_cut::write_all(&self.dir);
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The hostile files: `empty.wal` (0 bytes), `random.bin` (bytes that are
/// not a log), `huge.wal` (a frame header claiming 4 GiB, then a few
/// bytes), `zeros.wal` (zeros, as preallocated space leaves), and
/// `dir.wal` (a directory). `missing.wal` is not created.
pub fn write_hostile(dir: &Path) {
    std::fs::write(dir.join("empty.wal"), b"").expect("write empty.wal");
    let mut rng = rewal_testkit::rng::Rng::new(0x5eed);
    let mut random: Vec<u8> = (0..4096).map(|_| rng.next_u64() as u8).collect();
    random[0] = 0x7f; // not a prefix of "EWAL", not zero: not a log
    std::fs::write(dir.join("random.bin"), &random).expect("write random.bin");
    let mut huge = Vec::new();
    huge.extend_from_slice(b"EWAL");
    huge.extend_from_slice(&2u16.to_le_bytes()); // version
    huge.extend_from_slice(&0u16.to_le_bytes()); // flags
    huge.extend_from_slice(&1u32.to_le_bytes()); // record_count
    huge.extend_from_slice(&1u64.to_le_bytes()); // first_lsn
    huge.extend_from_slice(&u32::MAX.to_le_bytes()); // batch_size: 4 GiB
    huge.extend_from_slice(&[0xab; 40]);
    std::fs::write(dir.join("huge.wal"), &huge).expect("write huge.wal");
    std::fs::write(dir.join("zeros.wal"), [0u8; 100]).expect("write zeros.wal");
    std::fs::create_dir_all(dir.join("dir.wal")).expect("create dir.wal");
}

/// What a run of the binary gave.
#[derive(Clone, PartialEq, Eq)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code,
            self.stdout(),
            self.stderr()
        )
    }
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Which build runs a command.
#[derive(Debug, Clone)]
pub enum Runner {
    /// The native binary.
    Native,
    /// The wasm32-wasip1 build under `scripts/wasmtime-run`, granted the
    /// directory given (at the same path).
    Wasi { wasm: PathBuf, grant: PathBuf },
}

impl Runner {
    /// The WASI build `wasm` under wasmtime, granted the scratch
    /// directory `dir`.
    pub fn wasi(wasm: PathBuf, dir: &Scratch) -> Runner {
        Runner::Wasi {
            wasm,
            grant: dir.dir().to_path_buf(),
        }
    }

    /// The command that starts `rewal`; the caller adds the arguments.
    pub fn command(&self) -> Command {
        match self {
            Runner::Native => Command::new(BIN),
            Runner::Wasi { wasm, grant } => {
                let mut command = Command::new(crate_dir().join("../scripts/wasmtime-run"));
                command
                    .arg(wasm)
                    .env("REWAL_WASI_DIR", format!("{0}:{0}", grant.display()));
                command
            }
        }
    }

    /// Runs `rewal ARGS` in `cwd` with `stdin`.
    pub fn run(&self, cwd: &Path, args: &[String], stdin: &[u8]) -> Run {
        let mut command = self.command();
        command
            .args(args)
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("start rewal");
        let mut input = child.stdin.take().expect("stdin");
        let stdin = stdin.to_vec();
        // Fed from a thread: a large input must not block on a full pipe
        // while the child blocks on a full stdout.
        let feeder = std::thread::spawn(move || {
            let _ = input.write_all(&stdin);
        });
        let output = child.wait_with_output().expect("wait for rewal");
        let _ = feeder.join();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: output.stdout,
            stderr: output.stderr,
        }
    }
}

/// Runs the native binary in `cwd`.
pub fn rewal(cwd: &Path, args: &[&str]) -> Run {
    rewal_with_input(cwd, args, b"")
}

/// Runs the native binary in `cwd` with `stdin`.
pub fn rewal_with_input(cwd: &Path, args: &[&str], stdin: &[u8]) -> Run {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    Runner::Native.run(cwd, &args, stdin)
}

/// Compares `actual` with `tests/expected/NAME` byte for byte, or writes
/// it there when `REWAL_BLESS=1`.
pub fn expect(name: &str, actual: &str) {
    let path = crate_dir().join("tests/expected").join(name);
    if std::env::var_os("REWAL_BLESS").is_some_and(|value| value == "1") {
        std::fs::write(&path, actual).expect("write expected output");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {} ({error}); run with REWAL_BLESS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "output differs from {} (first at line {}):\n--- expected\n{}\n--- actual\n{}\n(REWAL_BLESS=1 rewrites it after a deliberate change)",
            path.display(),
            first + 1,
            expected.lines().nth(first).unwrap_or("<end>"),
            actual.lines().nth(first).unwrap_or("<end>"),
        );
    }
}
