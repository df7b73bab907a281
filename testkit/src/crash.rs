//! The crash harness. A child process (the test binary itself, re-run on
//! its test `crash_child` with `REWAL_CRASH_*` in its environment) runs a
//! workload and prints one line per acknowledgement; the parent kills it
//! with SIGKILL after a random delay, copies what it left on disk, and has
//! the workload check the copy against every acknowledgement so far. The
//! next child starts on the original, recovering what the last one left.
//!
//! A workload is a [`Workload`]: what the child does, and what the parent
//! checks. `tests/campaign_crash.rs` has the single-file log's; a segmented
//! log (`Wal::open_dir`, `checkpoint`) plugs in the same way.

use crate::campaign::Campaign;
use rewal::SyncMode;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The test that runs the child's side (it does nothing in a normal run).
pub const CHILD_TEST: &str = "crash_child";

/// What the parent tells a child.
#[derive(Debug, Clone)]
pub struct ChildEnv {
    pub workload: String,
    /// The directory that holds the workload's files.
    pub dir: PathBuf,
    pub mode: SyncMode,
    /// The seed of the log (payloads follow from it).
    pub seed: u64,
    /// Which child this is on this log (0, 1, …).
    pub run: u32,
}

fn mode_text(mode: SyncMode) -> String {
    match mode {
        SyncMode::Never => "never".into(),
        SyncMode::Batch => "batch".into(),
        SyncMode::Interval(every) => format!("interval:{}", every.as_micros()),
    }
}

fn parse_mode(text: &str) -> Option<SyncMode> {
    match text {
        "never" => Some(SyncMode::Never),
        "batch" => Some(SyncMode::Batch),
        _ => {
            let micros = text.strip_prefix("interval:")?.parse().ok()?;
            Some(SyncMode::Interval(Duration::from_micros(micros)))
        }
    }
}

/// In the child: what to do, or `None` when this is not a crash child.
pub fn child_env() -> Option<ChildEnv> {
    let var = |name: &str| std::env::var(format!("REWAL_CRASH_{name}")).ok();
    let workload = var("WORKLOAD")?;
    Some(ChildEnv {
        workload,
        dir: PathBuf::from(var("DIR").expect("REWAL_CRASH_DIR")),
        mode: parse_mode(&var("MODE").expect("REWAL_CRASH_MODE")).expect("a sync mode"),
        seed: var("SEED")
            .expect("REWAL_CRASH_SEED")
            .parse()
            .expect("a seed"),
        run: var("RUN").expect("REWAL_CRASH_RUN").parse().expect("a run"),
    })
}

/// In the child: reports `line` to the parent, in one write (a pipe takes
/// writes this short whole, so a kill never leaves half of one).
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    out.write_all(format!("crash: {line}\n").as_bytes())
        .and_then(|()| out.flush())
        .expect("report to the parent");
}

/// A workload the campaign runs in children and checks after each kill.
pub trait Workload: Sync {
    /// What the parent remembers between the kills on one log.
    type State: Default;

    /// Its name (the child finds it by this).
    fn name(&self) -> &'static str;

    /// In the child: works in `env.dir` until killed, calling [`say`] for
    /// every acknowledgement.
    fn child(&self, env: &ChildEnv);

    /// In the parent, after a kill: checks `copy` (a copy of the directory
    /// the child worked in) against what the children said (`lines`, this
    /// child's, without the "crash: " prefix), and adds figures to `c`.
    fn check(
        &self,
        c: &mut Campaign,
        copy: &Path,
        seed: u64,
        state: &mut Self::State,
        lines: &[String],
    ) -> Result<(), String>;
}

/// Runs one child on `dir` and kills it after `delay`; returns the lines it
/// said. A child that exits by itself is a failure (its workload panicked).
fn run_child(name: &str, env: &ChildEnv, delay: Duration) -> Result<Vec<String>, String> {
    let exe = std::env::current_exe().expect("the test binary");
    let mut child = Command::new(exe)
        .args([
            CHILD_TEST,
            "--exact",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env("REWAL_CRASH_WORKLOAD", name)
        .env("REWAL_CRASH_DIR", &env.dir)
        .env("REWAL_CRASH_MODE", mode_text(env.mode))
        .env("REWAL_CRASH_SEED", env.seed.to_string())
        .env("REWAL_CRASH_RUN", env.run.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start the child: {e}"))?;
    let stdout = child.stdout.take().expect("the child's stdout");
    // Read as the child writes, so that it never blocks on a full pipe.
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        let mut stdout = BufReader::new(stdout);
        let mut line = Vec::new();
        while stdout.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
            // A line without its newline was cut by the kill: not said.
            // (libtest may have begun the line: look for the prefix.)
            if let Some(text) = line.strip_suffix(b"\n") {
                let text = String::from_utf8_lossy(text);
                if let Some((_, said)) = text.split_once("crash: ") {
                    lines.push(said.to_owned());
                }
            }
            line.clear();
        }
        lines
    });
    std::thread::sleep(delay);
    let exited = child.try_wait().map_err(|e| e.to_string())?;
    // SIGKILL on unix: no destructor, no flush, no shutdown runs.
    let _ = child.kill();
    let output = child
        .wait_with_output()
        .map_err(|e| format!("wait for the child: {e}"))?;
    let lines = reader.join().expect("the reader thread");
    if let Some(status) = exited {
        return Err(format!(
            "the child exited by itself ({status}) before the kill:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(lines)
}

/// Copies the files of `from` into `to` (emptied first).
fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the log's directory") {
        let entry = entry.expect("an entry");
        if entry.file_type().expect("its type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy a file");
        }
    }
}

/// The child's side: if this process is a crash child, hands its
/// environment to `run` (which runs the workload it names); returns at
/// once otherwise.
pub fn child_main(run: impl FnOnce(&ChildEnv)) {
    let Some(env) = child_env() else { return };
    run(&env);
    // The workload returned (it should run until killed): idle, bounded,
    // so that the parent's kill still lands on a live process.
    std::thread::sleep(Duration::from_secs(60));
}

/// Runs `kills` children of `workload` in sync mode `mode`, a fresh log
/// every `per_log` kills, each killed after a random delay up to
/// `max_delay`, checking after every kill.
pub fn campaign<W: Workload>(
    c: &mut Campaign,
    workload: &W,
    mode: SyncMode,
    kills: usize,
    per_log: usize,
    max_delay: Duration,
    scratch: &Path,
) {
    let mut rng = c.rng(mode_text(mode).len() as u64 ^ kills as u64);
    for log in 0..kills.div_ceil(per_log) {
        let dir = scratch.join(format!("log-{log}"));
        let copy = scratch.join(format!("log-{log}-copy"));
        std::fs::create_dir_all(&dir).expect("create the log's directory");
        let seed = rng.next_u64();
        let mut state = W::State::default();
        for run in 0..per_log.min(kills - log * per_log) {
            // One kill in five early (while the child starts, opens and
            // recovers), the others while it appends.
            let micros = if rng.below(5) == 0 {
                rng.below(8_000)
            } else {
                rng.below(max_delay.as_micros() as u64)
            };
            let env = ChildEnv {
                workload: workload.name().into(),
                dir: dir.clone(),
                mode,
                seed,
                run: run as u32,
            };
            let context = |e: String| {
                format!(
                    "{} in {mode:?}, log {log} (seed {seed}), kill {run} after {micros} µs: {e}",
                    workload.name()
                )
            };
            let lines = run_child(workload.name(), &env, Duration::from_micros(micros))
                .map_err(context)
                .unwrap();
            copy_dir(&dir, &copy);
            workload
                .check(c, &copy, seed, &mut state, &lines)
                .map_err(context)
                .unwrap();
            c.add("kills", 1);
        }
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&copy);
    }
}
