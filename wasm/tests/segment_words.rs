//! The viewer says what the CLI says of the same segment files, word for
//! word, and gives the same exit code: first against the CLI's own
//! transcript (`cli/tests/expected/segments.txt`, which the CLI's tests
//! hold to the byte) on the very directories it was made from, then
//! against `rewal-report`'s directory verdict on `rewal::inspect::scan_dir`
//! (what `rewal verify DIR` prints) on more damage than the transcript
//! shows. Each directory is loaded as `(name, bytes)`, as a browser hands
//! files over, and opened both ways the viewer opens segments.

// The CLI tests' own segment directories, made the same way here.
#[allow(dead_code)] // the CLI's helpers: a few are used here
#[path = "../../cli/tests/common/segments.rs"]
mod cli_dirs;

mod common;

use common::{load_segments, segments_both_ways, Scratch};
use rewal::inspect::{self, segment_name, RunScan};
use rewal_report::{segment_ending, DirVerdict};
use rewal_wasm::view::LogView;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The CLI's transcript of its segment-directory session.
const TRANSCRIPT: &str = include_str!("../../cli/tests/expected/segments.txt");

/// What the transcript shows `rewal ARGS` printing the first time it runs:
/// its standard output, line by line, and its exit code.
fn printed(args: &str) -> (Vec<&'static str>, u8) {
    let command = format!("$ rewal {args}\n");
    let at = TRANSCRIPT
        .find(&command)
        .expect("the command in the transcript");
    let mut out = Vec::new();
    for line in TRANSCRIPT[at + command.len()..].lines() {
        if let Some(code) = line.strip_prefix("[exit ") {
            return (out, code.trim_end_matches(']').parse().unwrap());
        }
        // A `[stderr]` line is kept too: the comparison then fails.
        out.push(line);
    }
    panic!("no exit code after {command}");
}

/// The `ends` column of `rewal info DIR`'s listing: a line a segment,
/// the text from where the header's `ends` begins.
fn listed_endings(info: &[&str]) -> Vec<String> {
    let header = info
        .iter()
        .position(|line| line.trim_start().starts_with("segment "))
        .expect("a listing");
    let column = info[header].find("ends").unwrap();
    info[header + 1..]
        .iter()
        .map(|line| line[column..].to_string())
        .collect()
}

#[test]
fn the_viewer_says_what_the_cli_transcript_shows() {
    let scratch = Scratch::new("wasm-seg-transcript");
    cli_dirs::write_all(scratch.dir());
    for name in [
        "segs",
        "segs-torn",
        "segs-gap",
        "segs-flip",
        "segs-overlap",
        "segs-checkpointed",
    ] {
        let files = load_segments(&scratch.path(name));
        let (verify, code) = printed(&format!("verify {name}"));
        let (info, _) = printed(&format!("info {name}"));
        let ends = info
            .iter()
            .find_map(|line| line.strip_prefix("ends:"))
            .unwrap()
            .trim_start();
        let listed = listed_endings(&info);
        for (how, view) in segments_both_ways(&files) {
            assert_eq!(
                [format!("{name}: {}", view.verdict())],
                verify.as_slice(),
                "{name}, {how}"
            );
            assert_eq!(view.exit_code(), code, "{name}, {how}");
            assert_eq!(view.ending(), ends, "{name}, {how}");
            let segments = view.segments().unwrap();
            let shown: Vec<String> = (0..segments.files().len())
                .filter_map(|i| segments.segment_ending(i))
                .collect();
            assert_eq!(shown, listed, "{name}, {how}");
        }
    }
}

/// A directory of 4 KiB segments holding 60 events of 200 bytes (18 a
/// segment, 4 segments), and its segment files, oldest first.
fn written(scratch: &Scratch, name: &str) -> (PathBuf, Vec<PathBuf>) {
    let dir = scratch.path(name);
    let wal = rewal::Wal::open_dir(&dir)
        .segment_size(4096)
        .build()
        .unwrap();
    for i in 0..60 {
        wal.append(format!("{i:0200}")).unwrap();
        wal.flush().unwrap();
    }
    wal.shutdown(Duration::from_secs(5)).unwrap();
    let files = cli_dirs::segment_files(&dir);
    assert_eq!(files.len(), 4);
    (dir, files)
}

/// The viewer and `rewal verify DIR` on the same files: the verdict, the
/// exit code, how it ends, each segment's line, and what the viewer keeps
/// of the scan is what the engine's `scan_dir` finds.
fn agree(dir: &Path, case: &str) {
    let cli = inspect::scan_dir(dir).unwrap();
    let verdict = DirVerdict::new(&cli);
    for (how, view) in segments_both_ways(&load_segments(dir)) {
        let said = format!("{case}, {how}");
        assert_eq!(view.verdict(), verdict.to_string(), "{said}");
        assert_eq!(view.exit_code(), verdict.exit_code(), "{said}");
        assert_eq!(view.ending(), verdict.ending().to_string(), "{said}");
        let segments = view.segments().unwrap();
        assert_eq!(
            without_paths(segments.dir_scan()),
            without_paths(&cli),
            "{said}"
        );
        for i in 0..segments.files().len() {
            let cli_line =
                (i < cli.held().len()).then(|| segment_ending(&cli, i).without_name().to_string());
            assert_eq!(segments.segment_ending(i), cli_line, "{said}: segment {i}");
        }
        assert_problem_is_said(&view, &cli, &said);
    }
}

/// The viewer's clause for what is wrong is part of the verdict it shows.
fn assert_problem_is_said(view: &LogView, cli: &RunScan, said: &str) {
    match view.problem() {
        Some(what) => assert!(view.verdict().contains(&what), "{said}: {what}"),
        None => assert_eq!(rewal_report::dir_exit_code(cli), 0, "{said}"),
    }
}

/// A directory scan without its file paths (the viewer has names only).
fn without_paths(
    scan: &RunScan,
) -> (
    Vec<(Option<u64>, rewal::inspect::LogScan)>,
    Option<inspect::RunProblem>,
) {
    let segments = scan
        .segments
        .iter()
        .map(|found| (found.named, found.scan.clone()))
        .collect();
    (segments, scan.problem.clone())
}

#[test]
fn the_viewer_agrees_with_verify_dir_on_every_kind_of_damage() {
    let scratch = Scratch::new("wasm-seg-agree");
    let (dir, _) = written(&scratch, "clean");
    agree(&dir, "clean");

    let (dir, files) = written(&scratch, "gap");
    std::fs::remove_file(&files[1]).unwrap();
    agree(&dir, "a missing segment");

    let (dir, files) = written(&scratch, "overlap");
    let named = cli_dirs::name_of(&files[2]);
    std::fs::rename(&files[2], dir.join(segment_name(named - 5))).unwrap();
    agree(&dir, "an overlap");

    let (dir, files) = written(&scratch, "below");
    std::fs::rename(&files[0], dir.join(segment_name(5))).unwrap();
    agree(&dir, "frames below the segment's name");

    let (dir, files) = written(&scratch, "flip");
    cli_dirs::flip(&files[1], 2000);
    agree(&dir, "a flipped byte in an older segment");

    let (dir, files) = written(&scratch, "flip-newest");
    cli_dirs::flip(&files[3], 300);
    agree(&dir, "a flipped byte in the newest segment");

    let (dir, files) = written(&scratch, "torn");
    cli_dirs::shorten(&files[3], 3);
    agree(&dir, "a torn newest segment");

    let (dir, files) = written(&scratch, "older-torn");
    cli_dirs::shorten(&files[1], 3);
    agree(&dir, "a torn older segment");

    let (dir, files) = written(&scratch, "stranger");
    std::fs::write(&files[3], b"\x7fELF and so on").unwrap();
    agree(&dir, "a newest segment that is not a log");

    let (dir, files) = written(&scratch, "older-stranger");
    std::fs::write(&files[1], b"GIF89a").unwrap();
    agree(&dir, "an older segment that is not a log");

    let (dir, files) = written(&scratch, "alone");
    for file in &files[1..] {
        std::fs::remove_file(file).unwrap();
    }
    std::fs::write(&files[0], b"PK\x03\x04").unwrap();
    agree(&dir, "a single segment that is not a log");

    // Zeros written ahead (a crash before the writer trimmed them), in an
    // older segment and at the end of the newest; then an empty newest.
    let (dir, files) = written(&scratch, "zeros");
    for file in [&files[1], &files[3]] {
        let mut bytes = std::fs::read(file).unwrap();
        bytes.extend_from_slice(&[0; 700]);
        std::fs::write(file, bytes).unwrap();
    }
    agree(&dir, "zeros written ahead");
    let next = inspect::scan_dir(&dir).unwrap().last_lsn() + 1;
    std::fs::write(dir.join(segment_name(next)), b"").unwrap();
    agree(&dir, "an empty newest segment");
}

#[test]
fn empty_segment_files_and_extreme_names_agree_too() {
    let scratch = Scratch::new("wasm-seg-extremes");
    let make = |name: &str, files: &[(u64, &[u8])]| {
        let dir = scratch.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (named, bytes) in files {
            std::fs::write(dir.join(segment_name(*named)), bytes).unwrap();
        }
        dir
    };
    agree(&make("one-empty", &[(1, b"")]), "one empty segment");
    agree(
        &make("empties", &[(0, b""), (1, b""), (2, b"")]),
        "empty segments named 0, 1 and 2",
    );
    agree(
        &make("top", &[(0, b""), (u64::MAX, b"not a log at all")]),
        "a segment named at the top of the LSN range",
    );
}
