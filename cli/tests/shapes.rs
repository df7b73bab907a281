//! The other shapes of the CLI's answers: shell completions and manual
//! pages that know every subcommand, `info --format json` with its
//! documented fields, and `verify --quiet`, which says nothing and exits
//! as `verify` does.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::{rewal, rewal_with_input, Scratch};
use serde_json::Value;
use std::process::Command;

/// Every subcommand, as `rewal --help` lists them.
const SUBCOMMANDS: [&str; 9] = [
    "demo",
    "info",
    "verify",
    "dump",
    "append",
    "repair",
    "tail",
    "completions",
    "man",
];

#[test]
fn completions_know_every_subcommand_in_every_shell() {
    let dir = Scratch::new("completions");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = rewal(dir.dir(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {run:?}");
        assert_eq!(run.stderr(), "");
        let script = run.stdout();
        for command in SUBCOMMANDS {
            assert!(
                script.contains(command),
                "{shell} completion lacks {command}"
            );
        }
    }
    // The bash script is one bash accepts, and completes the subcommands.
    let script = rewal(dir.dir(), &["completions", "bash"]).stdout();
    std::fs::write(dir.path("rewal.bash"), &script).expect("write the script");
    let probe = format!(
        "source {}; COMP_WORDS=(rewal ''); COMP_CWORD=1; COMP_LINE='rewal '; COMP_POINT=6; _rewal rewal '' rewal; echo \"${{COMPREPLY[@]}}\"",
        dir.path("rewal.bash").display()
    );
    match Command::new("bash").args(["-c", &probe]).output() {
        Ok(output) => {
            assert!(output.status.success(), "{output:?}");
            let offered = String::from_utf8_lossy(&output.stdout);
            for command in SUBCOMMANDS {
                assert!(
                    offered.split_whitespace().any(|word| word == command),
                    "bash offers {offered:?}, not {command}"
                );
            }
        }
        Err(_) => eprintln!("skipped running the bash completion: no bash here"),
    }
    let run = rewal(dir.dir(), &["completions", "tcsh"]);
    assert_eq!(run.code, 64, "{run:?}");
}

/// Checks that `page` is a roff man page: a `.TH` title, only requests
/// that the man macros know, and (when groff is installed) that groff
/// formats it without a warning.
fn valid_roff(page: &str, title: &str) {
    let mut lines = page
        .lines()
        .filter(|line| !line.starts_with(".ie") && !line.starts_with(".el"));
    let first = lines.next().unwrap_or_default();
    assert!(
        first.starts_with(&format!(".TH {title} 1")),
        "title: {first:?}"
    );
    const MACROS: &[&str] = &[
        "TH", "SH", "SS", "PP", "LP", "P", "TP", "IP", "RS", "RE", "B", "I", "BR", "IR", "RB",
        "RI", "BI", "IB", "br", "sp", "nf", "fi", "in", "ti",
    ];
    for line in page.lines().filter(|line| line.starts_with('.')) {
        let name = line[1..].split_whitespace().next().unwrap_or_default();
        assert!(
            MACROS.contains(&name) || line.starts_with(".ie") || line.starts_with(".el"),
            "an unknown request: {line:?}"
        );
    }
    let groff = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut groff) = groff else {
        eprintln!("skipped groff: not installed");
        return;
    };
    use std::io::Write;
    groff
        .stdin
        .take()
        .expect("groff stdin")
        .write_all(page.as_bytes())
        .expect("feed groff");
    let output = groff.wait_with_output().expect("groff");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "",
        "groff warns about the {title} page"
    );
}

#[test]
fn the_manual_names_every_subcommand_and_every_page_is_roff() {
    let dir = Scratch::new("man");
    let run = rewal(dir.dir(), &["man"]);
    assert_eq!(run.code, 0, "{run:?}");
    let page = run.stdout();
    valid_roff(&page, "rewal");
    for command in SUBCOMMANDS {
        assert!(
            page.contains(&format!("rewal\\-{command}(1)")),
            "rewal(1) does not name {command}"
        );
    }
    assert!(page.contains(".SH \"EXIT STATUS\""), "{page}");

    let run = rewal(dir.dir(), &["man", "verify"]);
    assert_eq!(run.code, 0, "{run:?}");
    valid_roff(&run.stdout(), "rewal-verify");
    assert!(run.stdout().contains("\\-\\-quiet"), "{}", run.stdout());

    // Every page into a directory.
    let run = rewal(dir.dir(), &["man", "--dir", "pages"]);
    assert_eq!(run.code, 0, "{run:?}");
    for name in std::iter::once("rewal".to_string())
        .chain(SUBCOMMANDS.iter().map(|command| format!("rewal-{command}")))
    {
        let path = dir.path("pages").join(format!("{name}.1"));
        let page = std::fs::read_to_string(&path).expect("a page written");
        valid_roff(&page, &name);
        assert!(
            run.stdout().contains(&path.display().to_string())
                || run.stdout().contains(&format!("{name}.1"))
        );
    }
    let run = rewal(dir.dir(), &["man", "frobnicate"]);
    assert_eq!(run.code, 64, "{run:?}");
}

/// `info FILE --format json`, parsed.
fn info_json(dir: &Scratch, file: &str) -> Value {
    let run = rewal(dir.dir(), &["info", file, "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    serde_json::from_str(&run.stdout()).unwrap_or_else(|error| panic!("{error}: {run:?}"))
}

/// The fields every description of a log file has (cli/README.md).
const FILE_FIELDS: &[&str] = &[
    "kind",
    "path",
    "size",
    "valid_size",
    "read_to_end",
    "frames",
    "compressed_frames",
    "largest_frame",
    "events",
    "first_lsn",
    "last_lsn",
    "status",
    "ends",
    "damage_offset",
    "next_valid_offset",
    "problem",
    "notes",
];

#[test]
fn info_json_has_the_documented_fields_and_what_the_text_says() {
    let dir = Scratch::new("info-json");
    dir.reset();
    for (file, status) in [
        ("plain.wal", "clean"),
        ("torn.wal", "torn_tail"),
        ("corrupt.wal", "corrupted"),
        ("zeros.wal", "clean"),
    ] {
        let info = info_json(&dir, file);
        let object = info.as_object().expect("an object");
        for field in FILE_FIELDS {
            assert!(object.contains_key(*field), "{file}: no {field}: {info}");
        }
        assert_eq!(object.len(), FILE_FIELDS.len(), "{file}: {info}");
        assert_eq!(info["kind"], "file");
        assert_eq!(info["path"], file);
        assert_eq!(info["status"], status, "{file}");
        // Everything the text says is there.
        let text = rewal(dir.dir(), &["info", file]).stdout();
        let ends = text
            .lines()
            .find_map(|line| line.strip_prefix("ends:"))
            .expect("an ends line")
            .trim();
        assert_eq!(info["ends"], ends, "{file}");
        let size = info["size"].as_u64().expect("size");
        assert!(
            text.contains(&format!("size:       {size} byte")),
            "{file}: {text}"
        );
        assert_eq!(
            info["notes"].as_array().expect("notes").len(),
            text.lines()
                .filter(|line| line.starts_with("note:"))
                .count()
        );
    }
    let plain = info_json(&dir, "plain.wal");
    assert_eq!(plain["frames"], 5);
    assert_eq!(plain["events"], 5);
    assert_eq!(plain["first_lsn"], 1);
    assert_eq!(plain["last_lsn"], 5);
    assert_eq!(plain["largest_frame"], 56);
    assert_eq!(plain["damage_offset"], Value::Null);
    let corrupt = info_json(&dir, "corrupt.wal");
    assert_eq!(corrupt["damage_offset"], 79);
    assert_eq!(corrupt["next_valid_offset"], 127);
    assert!(corrupt["problem"]
        .as_str()
        .is_some_and(|problem| problem.contains("fails its CRC-32C check")));
    let empty = info_json(&dir, "empty.wal");
    assert_eq!(empty["first_lsn"], Value::Null);
    assert_eq!(empty["largest_frame"], Value::Null);

    // A segment directory: the totals, and one object per segment.
    let segs = info_json(&dir, "segs-torn");
    assert_eq!(segs["kind"], "directory");
    assert_eq!(segs["status"], "torn_tail");
    let segments = segs["segments"].as_array().expect("segments");
    assert!(segments.len() > 1, "{segs}");
    let text = rewal(dir.dir(), &["info", "segs-torn"]).stdout();
    for segment in segments {
        let name = segment["name"].as_str().expect("name");
        assert!(text.contains(name), "{name} is not in the text");
        for field in ["size", "valid_size", "frames", "events", "status", "ends"] {
            assert!(segment.get(field).is_some(), "{segment}: no {field}");
        }
    }
    assert_eq!(segments.last().expect("a newest")["status"], "torn_tail");
    let events: u64 = segments
        .iter()
        .map(|s| s["events"].as_u64().expect("events"))
        .sum();
    assert_eq!(segs["events"], events);
    let gap = info_json(&dir, "segs-gap");
    assert_eq!(gap["status"], "corrupted");
    assert!(gap["ends"]
        .as_str()
        .is_some_and(|ends| ends.contains("should be named")));

    // Standard input: a stream, read to its end.
    let torn = std::fs::read(dir.path("torn.wal")).expect("torn.wal");
    let run = rewal_with_input(dir.dir(), &["info", "-", "--format", "json"], &torn);
    let piped: Value = serde_json::from_str(&run.stdout()).expect("JSON");
    assert_eq!(piped["kind"], "stream");
    assert_eq!(piped["path"], "-");
    assert_eq!(piped["read_to_end"], true);
    let file = info_json(&dir, "torn.wal");
    for field in FILE_FIELDS
        .iter()
        .filter(|field| !["kind", "path"].contains(field))
    {
        assert_eq!(piped[field], file[field], "{field}");
    }
}

#[test]
fn verify_quiet_prints_nothing_and_exits_with_each_code() {
    let dir = Scratch::new("quiet");
    dir.reset();
    for (file, code) in [
        ("plain.wal", 0),
        ("torn.wal", 1),
        ("corrupt.wal", 2),
        ("random.bin", 3),
        ("missing.wal", 3),
        ("segs", 0),
        ("segs-torn", 1),
        ("segs-gap", 2),
    ] {
        for flag in ["-q", "--quiet"] {
            let run = rewal(dir.dir(), &["verify", flag, file]);
            assert_eq!(run.code, code, "verify {flag} {file}: {run:?}");
            assert!(
                run.stdout.is_empty() && run.stderr.is_empty(),
                "{file}: {run:?}"
            );
        }
        // The same codes as without it.
        assert_eq!(rewal(dir.dir(), &["verify", file]).code, code, "{file}");
    }
    for (file, code) in [
        ("plain.wal", 0),
        ("torn.wal", 1),
        ("corrupt.wal", 2),
        ("random.bin", 3),
    ] {
        let bytes = std::fs::read(dir.path(file)).expect("the log");
        let run = rewal_with_input(dir.dir(), &["verify", "-q", "-"], &bytes);
        assert_eq!(run.code, code, "verify -q - < {file}: {run:?}");
        assert!(
            run.stdout.is_empty() && run.stderr.is_empty(),
            "{file}: {run:?}"
        );
    }
}
