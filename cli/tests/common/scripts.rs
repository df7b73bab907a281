//! Scripted sessions: sequences of `rewal` commands on fresh copies of the
//! golden vectors and the hostile files, recorded as transcripts (command,
//! stdout, stderr, exit code). The native tests compare the transcripts
//! with `tests/expected/<script>.txt`; the WASI test runs the same scripts
//! under wasmtime and compares with the native binary's.

use super::{Runner, Scratch};
use std::fmt::Write as _;

/// One command: its arguments, separated by spaces, where `@NAME` is a file
/// in the scratch directory; and its standard input.
pub struct Step {
    pub args: &'static str,
    pub stdin: &'static [u8],
}

/// A named sequence of commands, run in order on one fresh directory.
pub struct Script {
    pub name: &'static str,
    pub steps: Vec<Step>,
}

const fn step(args: &'static str) -> Step {
    Step { args, stdin: b"" }
}

const fn fed(args: &'static str, stdin: &'static [u8]) -> Step {
    Step { args, stdin }
}

/// The golden vectors, by name.
pub const VECTORS: [&str; 5] = ["plain", "meta", "compressed", "torn", "corrupt"];

/// Every script.
pub fn all() -> Vec<Script> {
    let mut scripts: Vec<Script> = VECTORS.iter().map(|name| vector(name)).collect();
    scripts.push(repair_torn());
    scripts.push(repair_corrupt());
    scripts.push(append());
    scripts.push(hostile());
    scripts.push(segments());
    scripts.push(stdin());
    scripts.push(shapes());
    scripts.push(power_cut());
    scripts.push(features());
    scripts
}

/// Every read-only subcommand, in every output shape, on one vector.
fn vector(name: &'static str) -> Script {
    let commands: &[&str] = &[
        "info @{}",
        "verify @{}",
        "dump @{}",
        "dump @{} --format jsonl",
        "dump @{} --payload hex",
        "dump @{} --format jsonl --payload base64",
        "dump @{} --from 3 --limit 2",
        "dump @{} --from 100",
        "tail @{} -n 2",
        "tail @{} -n 2 --format jsonl --payload hex",
    ];
    let file = format!("{name}.wal");
    Script {
        name,
        steps: commands
            .iter()
            .map(|command| step(leak(command.replace("{}", &file))))
            .collect(),
    }
}

fn repair_torn() -> Script {
    Script {
        name: "repair-torn",
        steps: vec![
            step("repair @torn.wal --dry-run"),
            step("verify @torn.wal"),
            step("repair @torn.wal"),
            step("verify @torn.wal"),
            step("dump @torn.wal"),
            step("repair @torn.wal"),
        ],
    }
}

fn repair_corrupt() -> Script {
    Script {
        name: "repair-corrupt",
        steps: vec![
            step("repair @corrupt.wal"),
            step("repair @corrupt.wal --dry-run"),
            step("repair @corrupt.wal --dry-run --cut-at-corruption"),
            step("verify @corrupt.wal"),
            step("repair @corrupt.wal --cut-at-corruption"),
            step("verify @corrupt.wal"),
            step("dump @corrupt.wal"),
            // The removed bytes: the corrupted frame, then the valid ones.
            step("info @corrupt.wal.removed-79"),
            step("repair @corrupt.wal --cut-at-corruption"),
            step("repair @meta.wal --cut-at-corruption"),
        ],
    }
}

fn append() -> Script {
    Script {
        name: "append",
        steps: vec![
            fed("append @plain.wal --meta note", b"six\nseven\n"),
            fed("append @plain.wal --payload hex", b"00ff10\n\nFFfe\n"),
            fed(
                "append @plain.wal --payload base64 --batch 2",
                b"AAEC\n/w==\nzA==\n",
            ),
            step("dump @plain.wal --from 6 --format jsonl --payload hex"),
            step("verify @plain.wal"),
            fed("append @plain.wal --payload hex", b"0a0b\nxyz\n0c\n"),
            fed("append @plain.wal --payload base64", b"!!\n"),
            fed("append @plain.wal", b"caf\xc3\xa9\nbad \xff byte\n"),
            fed("append @plain.wal --batch 0", b"x\n"),
            step("tail @plain.wal -n 3"),
            fed("append @torn.wal", b"after the tear\n"),
            step("dump @torn.wal --from 5"),
            step("verify @torn.wal"),
            fed("append @corrupt.wal", b"x\n"),
            step("verify @corrupt.wal"),
            fed("append @new.wal", b""),
            step("info @new.wal"),
            fed("append @new.wal", b"first\r\nsecond"),
            step("dump @new.wal"),
            fed(
                "append @compressed.wal --meta m",
                b"a plain frame after compressed ones\n",
            ),
            step("info @compressed.wal"),
            fed("append @random.bin", b"x\n"),
            fed("append @dir.wal", b"x\n"),
            fed("append @missing-dir/new.wal", b"x\n"),
        ],
    }
}

fn hostile() -> Script {
    let mut steps = Vec::new();
    for file in [
        "empty.wal",
        "random.bin",
        "huge.wal",
        "zeros.wal",
        "dir.wal",
        "missing.wal",
    ] {
        for command in [
            "info @{}",
            "verify @{}",
            "dump @{}",
            "tail @{}",
            "repair @{} --dry-run",
        ] {
            steps.push(step(leak(command.replace("{}", file))));
        }
    }
    steps.extend([
        step("repair @random.bin"),
        step("repair @zeros.wal"),
        step("verify @zeros.wal"),
        step("repair @missing.wal"),
        step("verify"),
        step("dump @plain.wal --format xml"),
        step("frobnicate"),
    ]);
    Script {
        name: "hostile",
        steps,
    }
}

/// Every subcommand that takes a directory, on the segment directories of
/// `segments::write_all`: clean, torn, with a gap, a flipped byte, an
/// overlap, after a checkpoint, and somebody else's.
fn segments() -> Script {
    Script {
        name: "segments",
        steps: vec![
            step("info @segs"),
            step("verify @segs"),
            step("dump @segs --from 16 --limit 5"),
            step("dump @segs --from 17 --limit 3 --format jsonl"),
            step("tail @segs -n 3"),
            step("tail @segs -n 2 --format jsonl --payload base64"),
            step("tail @segs -n 0"),
            step("repair @segs"),
            step("info @segs-torn"),
            step("verify @segs-torn"),
            step("tail @segs-torn -n 2"),
            step("repair @segs-torn --dry-run"),
            step("repair @segs-torn"),
            step("verify @segs-torn"),
            step("repair @segs-torn"),
            step("info @segs-gap"),
            step("verify @segs-gap"),
            step("dump @segs-gap --from 17"),
            step("tail @segs-gap -n 1"),
            step("repair @segs-gap"),
            step("info @segs-flip"),
            step("verify @segs-flip"),
            step("dump @segs-flip --from 25"),
            step("repair @segs-flip --cut-at-corruption"),
            step("info @segs-overlap"),
            step("verify @segs-overlap"),
            step("dump @segs-overlap --from 35"),
            step("info @segs-checkpointed"),
            step("verify @segs-checkpointed"),
            step("dump @segs-checkpointed --from 3 --limit 2"),
            step("tail @segs-checkpointed -n 2"),
            step("info @foreign"),
            step("verify @foreign"),
            step("dump @foreign"),
            step("tail @foreign"),
            step("repair @foreign"),
            fed("append @segs", b"x\n"),
        ],
    }
}

/// The golden vectors' bytes, fed on standard input.
const PLAIN: &[u8] = include_bytes!("../../../tests/vectors/plain.wal");
const TORN: &[u8] = include_bytes!("../../../tests/vectors/torn.wal");
const CORRUPT: &[u8] = include_bytes!("../../../tests/vectors/corrupt.wal");
const COMPRESSED: &[u8] = include_bytes!("../../../tests/vectors/compressed.wal");

/// `-` for standard input: the reading commands on a clean, a torn, a
/// corrupted and a compressed log, and on something that is not a log;
/// the commands that need a file refuse it.
fn stdin() -> Script {
    Script {
        name: "stdin",
        steps: vec![
            fed("verify -", PLAIN),
            fed("verify -", TORN),
            fed("verify -", CORRUPT),
            fed("verify -", COMPRESSED),
            fed("verify -", b"GIF89a, not a log"),
            fed("verify -", b""),
            fed("verify -q -", TORN),
            fed("info -", PLAIN),
            fed("info -", CORRUPT),
            fed("info - --format json", TORN),
            fed("dump -", PLAIN),
            fed("dump - --format jsonl --from 2 --limit 2", PLAIN),
            fed("dump -", TORN),
            fed("dump -", CORRUPT),
            fed("dump -", COMPRESSED),
            fed("dump - --from 5", COMPRESSED),
            fed("tail -", PLAIN),
            fed("repair -", TORN),
            fed("append -", b"x\n"),
        ],
    }
}

/// The other output shapes: `info --format json` of files and
/// directories, `verify --quiet` of every kind of ending.
fn shapes() -> Script {
    Script {
        name: "shapes",
        steps: vec![
            step("info @plain.wal --format json"),
            step("info @corrupt.wal --format json"),
            step("info @zeros.wal --format json"),
            step("info @random.bin --format json"),
            step("info @segs-torn --format json"),
            step("info @segs-gap --format json"),
            step("verify -q @plain.wal"),
            step("verify --quiet @torn.wal"),
            step("verify -q @corrupt.wal"),
            step("verify -q @random.bin"),
            step("verify -q @missing.wal"),
            step("verify -q @segs-flip"),
        ],
    }
}

/// A power cut's lost writes, after the log's sync mark: a file and a
/// segment directory (`power_cut::write_all`), judged, described, and
/// repaired without --cut-at-corruption (a power cut needs no human).
fn power_cut() -> Script {
    Script {
        name: "power-cut",
        steps: vec![
            step("verify @cut.wal"),
            step("info @cut.wal"),
            step("info @cut.wal --format json"),
            step("dump @cut.wal --from 9 --limit 3"),
            step("repair @cut.wal --dry-run"),
            step("repair @cut.wal"),
            step("verify @cut.wal"),
            step("info @cut.wal.removed-8072"),
            step("verify @cut-dir"),
            step("info @cut-dir"),
            step("repair @cut-dir --dry-run"),
            step("repair @cut-dir"),
            step("verify @cut-dir"),
            step("tail @cut-dir -n 2"),
        ],
    }
}

/// The listing and counting commands, and dump's range and meta filters,
/// on files, directories and standard input, as text and JSON.
fn features() -> Script {
    Script {
        name: "features",
        steps: vec![
            step("frames @plain.wal"),
            step("frames @meta.wal --format jsonl"),
            step("frames @compressed.wal"),
            step("frames @torn.wal"),
            step("frames @corrupt.wal --format jsonl"),
            step("frames @segs --from 17 --to 20"),
            step("frames @segs-gap --format jsonl --from 15 --to 40"),
            fed("frames -", PLAIN),
            fed("frames - --format jsonl", TORN),
            step("stats @meta.wal"),
            step("stats @meta.wal --format json"),
            step("stats @compressed.wal"),
            step("stats @segs"),
            step("stats @segs-flip --format json"),
            fed("stats -", CORRUPT),
            step("dump @meta.wal --meta type:*"),
            step("dump @meta.wal --meta type:? --format jsonl"),
            step("dump @meta.wal --meta tag:caf*"),
            step("dump @meta.wal --from 2 --to 4"),
            step("dump @meta.wal --payload hex --meta-format hex --to 3"),
            step("dump @meta.wal --format jsonl --payload base64 --meta-format base64 --to 2"),
            step("dump @segs --from 15 --to 19 --format jsonl"),
            fed("dump - --to 2", PLAIN),
            fed("dump - --meta type:*", PLAIN),
            step("dump @plain.wal --follow --to 3"),
            step("dump @segs --follow --from 68 --to 70"),
            fed("dump - --follow", PLAIN),
            step("tail @plain.wal -n 2 --meta-format hex"),
        ],
    }
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// How `@NAME` arguments are given to the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paths {
    /// As `NAME`, run in the scratch directory: transcripts that do not
    /// depend on where the scratch directory is (the expected files).
    Relative,
    /// As the absolute path (the WASI build needs them: it resolves relative
    /// paths against its own root, not the host's working directory).
    Absolute,
}

/// Runs `script` on fresh copies in `dir` and returns the transcript.
pub fn transcript(runner: &Runner, dir: &Scratch, script: &Script, paths: Paths) -> String {
    dir.reset();
    let mut text = String::new();
    for step in &script.steps {
        let args: Vec<String> = step
            .args
            .split(' ')
            .filter(|arg| !arg.is_empty())
            .map(|arg| match arg.strip_prefix('@') {
                Some(name) if paths == Paths::Absolute => dir.path(name).display().to_string(),
                Some(name) => name.to_string(),
                None => arg.to_string(),
            })
            .collect();
        let run = runner.run(dir.dir(), &args, step.stdin);
        let shown = step.args.replace('@', "");
        let _ = if step.stdin.is_empty() {
            writeln!(text, "$ rewal {shown}")
        } else {
            writeln!(text, "$ rewal {shown} <<< {}", quote(step.stdin))
        };
        text.push_str(&run.stdout());
        if !run.stderr.is_empty() {
            text.push_str("[stderr]\n");
            text.push_str(&run.stderr());
        }
        let _ = writeln!(text, "[exit {}]\n", run.code);
    }
    text
}

/// Bytes as a double-quoted string with escapes, for the transcripts.
fn quote(bytes: &[u8]) -> String {
    let mut text = String::from("\"");
    for &byte in bytes {
        match byte {
            b'\n' => text.push_str("\\n"),
            b'\r' => text.push_str("\\r"),
            b'"' => text.push_str("\\\""),
            b'\\' => text.push_str("\\\\"),
            0x20..=0x7e => text.push(char::from(byte)),
            _ => {
                let _ = write!(text, "\\x{byte:02x}");
            }
        }
    }
    text.push('"');
    text
}
