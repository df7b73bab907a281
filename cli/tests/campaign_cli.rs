//! The CLI's hostile-file campaign: every file of the shared hostile corpus
//! (other people's files, what a torn first write leaves, damaged logs;
//! testkit/src/corpus.rs) through every subcommand that takes a file,
//! natively and in the WASI build under wasmtime.
//!
//! Natively: no panic; `verify`'s exit code says what the engine's scan
//! says; reading commands never change a file; nothing at all (not
//! `repair`, not `append`) changes somebody else's file, not even its
//! modification time; a torn first write takes an append as a new log.
//! Under WASI: every command gives the same exit code, the same words and
//! leaves the same bytes as natively.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::wasi_build::{wasm, Target};
use common::{Run, Runner, Scratch};
use rewal::inspect::{self, LogEnd};
use rewal_testkit::campaign::{self, is_long};
use rewal_testkit::corpus::{self, Kind, Sample};
use std::path::Path;
use std::time::SystemTime;

/// The commands each file goes through: arguments after the file, and the
/// standard input.
type Command = (&'static str, &'static [&'static str], &'static str);

const COMMANDS: &[Command] = &[
    ("verify", &[], ""),
    ("info", &[], ""),
    ("dump", &[], ""),
    ("tail", &[], ""),
    ("repair", &["--dry-run"], ""),
    ("repair", &[], ""),
    ("repair", &["--cut-at-corruption"], ""),
    ("append", &[], "an appended line\n"),
];

/// What a command did: its run, and the file's bytes afterwards.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    run: Run,
    after: Vec<u8>,
    touched: bool,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Puts the sample's bytes at `path`, runs the command, and sees what is
/// left. The modification time is set back to a fixed past first, so
/// that any write shows.
fn run(runner: &Runner, dir: &Scratch, path: &Path, sample: &Sample, command: &Command) -> Outcome {
    let &(name, extra, stdin) = command;
    std::fs::write(path, &sample.bytes).expect("write the sample");
    let past = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(past))
        .expect("set the modification time");
    let mut args = vec![name.to_string(), path.display().to_string()];
    args.extend(extra.iter().map(|arg| arg.to_string()));
    let run = runner.run(dir.dir(), &args, stdin.as_bytes());
    let after = std::fs::read(path).expect("read the file back");
    let touched = after != sample.bytes || modified(path) != Some(past);
    // Files a repair keeps beside the log: removed before the next run.
    for entry in std::fs::read_dir(dir.dir()).expect("read the scratch dir") {
        let entry = entry.expect("an entry");
        if entry.file_name().to_string_lossy().contains(".removed-") {
            std::fs::remove_file(entry.path()).expect("remove a kept copy");
        }
    }
    Outcome {
        run,
        after,
        touched,
    }
}

/// The native rules for one sample and command.
fn check_native(sample: &Sample, command: &Command, out: &Outcome) -> Result<(), String> {
    let &(name, extra, _) = command;
    let run = &out.run;
    if run.stderr().contains("panicked") || !(0..=4).contains(&run.code) {
        return Err(format!("{run:?}"));
    }
    let reads = matches!(name, "verify" | "info" | "dump" | "tail") || extra == ["--dry-run"];
    if (reads || sample.kind == Kind::Stranger) && out.touched {
        return Err(format!("the file was modified: {run:?}"));
    }
    if sample.kind == Kind::Stranger && run.code != 3 {
        return Err(format!("somebody else's file, not refused: {run:?}"));
    }
    if name == "verify" {
        let scan = inspect::scan_bytes(&sample.bytes, |_| {}).expect("scan");
        let code = match scan.end {
            LogEnd::Clean => 0,
            LogEnd::TornTail { .. } | LogEnd::PowerCut { .. } => 1,
            LogEnd::Corrupted { .. } => 2,
            LogEnd::NotALog => 3,
        };
        if run.code != code {
            return Err(format!("the engine says {:?}: {run:?}", scan.end));
        }
    }
    if name == "append" && sample.kind == Kind::EmptyLog {
        let scan = inspect::scan_bytes(&out.after, |_| {}).expect("scan");
        if run.code != 0 || scan.events != 1 || scan.last_lsn != 1 {
            return Err(format!(
                "a torn first write, appended to: {scan:?}, {run:?}"
            ));
        }
    }
    Ok(())
}

/// The corpus, and (every `nth` of them) the altered heads.
fn samples(nth: usize) -> Vec<Sample> {
    let mut samples = corpus::all();
    samples.extend(corpus::altered_heads().into_iter().step_by(nth));
    samples
}

#[test]
fn every_hostile_file_through_every_command_natively() {
    let dir = Scratch::new("campaign-cli");
    let samples = samples(if is_long() { 1 } else { 16 });
    let mut runs = 0;
    for (i, sample) in samples.iter().enumerate() {
        let path = dir.path(&format!("{i}-{}", sample.name));
        for command in COMMANDS {
            let out = run(&Runner::Native, &dir, &path, sample, command);
            check_native(sample, command, &out)
                .map_err(|e| format!("{} {}: {e}", command.0, sample.name))
                .unwrap();
            runs += 1;
        }
    }
    campaign::record(&format!(
        "campaign cli-native: files={} runs={runs} [{}]",
        samples.len(),
        if is_long() { "long" } else { "short" }
    ));
}

#[test]
fn the_wasi_build_says_and_does_what_the_native_one_does() {
    let Some(wasm) = wasm(Target::P1) else { return };
    let dir = Scratch::new("campaign-cli-wasi");
    let wasi = Runner::wasi(wasm, &dir);
    // wasmtime takes a while to start. The short form: `verify` on every
    // file of the corpus, every command on the first file of each kind.
    // The long form: every command on every file of the corpus, and
    // `verify` on one altered head in eight.
    let corpus = corpus::all().len();
    let samples = samples(8);
    let firsts: Vec<usize> = [Kind::Stranger, Kind::EmptyLog, Kind::Log]
        .iter()
        .filter_map(|kind| samples.iter().position(|s| s.kind == *kind))
        .collect();
    let mut runs = 0;
    for (i, sample) in samples.iter().enumerate() {
        let path = dir.path(&format!("{i}-{}", sample.name));
        for (c, command) in COMMANDS.iter().enumerate() {
            let every_command = if is_long() {
                i < corpus
            } else {
                firsts.contains(&i)
            };
            let verify = c == 0 && (is_long() || i < corpus);
            if !every_command && !verify {
                continue;
            }
            let native = run(&Runner::Native, &dir, &path, sample, command);
            let under_wasi = run(&wasi, &dir, &path, sample, command);
            if native.run != under_wasi.run || native.after != under_wasi.after {
                panic!(
                    "{} {}: the WASI build differs:\n--- native\n{:?}\n--- wasi\n{:?}\n(bytes left equal: {})",
                    command.0,
                    sample.name,
                    native.run,
                    under_wasi.run,
                    native.after == under_wasi.after
                );
            }
            runs += 1;
        }
    }
    campaign::record(&format!(
        "campaign cli-wasi: files={} runs={runs} [{}]",
        if is_long() { samples.len() } else { corpus },
        if is_long() { "long" } else { "short" }
    ));
}
