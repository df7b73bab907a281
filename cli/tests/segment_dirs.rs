//! `info`, `verify`, `dump`, `tail` and `repair` on logs kept as segment
//! directories (written by the engine, then damaged): exit codes, and
//! messages that name the segment file and the offset within it.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::segments::{self, name_of, segment_files};
use common::{rewal, Scratch};
use std::path::Path;

fn name(file: &Path) -> String {
    file.file_name().unwrap().to_string_lossy().into_owned()
}

/// The LSNs of the events a text dump printed.
fn lsns(stdout: &str) -> Vec<u64> {
    stdout
        .lines()
        .map(|line| line.split('\t').next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn verify_names_the_segment_and_the_offset_of_each_problem() {
    let dir = Scratch::new("seg-verify");
    dir.reset();
    let files = segment_files(&dir.path("segs"));
    let run = rewal(dir.dir(), &["verify", "segs"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout(),
        "segs: ok: every frame checked: 4 segments, 70 frames, 70 events, LSNs 1 to 70, 16380 bytes\n"
    );

    // The newest segment torn: exit 1, named with the offset in it.
    let newest = &files[3];
    let torn_at = rewal::inspect::scan_file(dir.path("segs-torn").join(name(newest)), |_| {})
        .unwrap()
        .valid_len;
    let run = rewal(dir.dir(), &["verify", "segs-torn"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout().starts_with(&format!(
            "segs-torn: torn tail in {} at offset {torn_at}: ",
            name(newest)
        )),
        "{run:?}"
    );

    // A middle segment missing: exit 2, which segment, what it should be
    // called, which events are gone.
    let run = rewal(dir.dir(), &["verify", "segs-gap"]);
    assert_eq!(run.code, 2, "{run:?}");
    let (missing_from, next) = (name_of(&files[1]), name_of(&files[2]));
    assert!(
        run.stdout().starts_with(&format!(
            "segs-gap: corrupted: segment {} should be named {}: the events {missing_from} to {} are missing; ",
            name(&files[2]),
            name(&files[1]),
            next - 1
        )),
        "{run:?}"
    );

    // A flipped byte in an older segment: exit 2, the segment and the
    // offset of the frame it is in (as a scan of that file alone says).
    let flipped = dir.path("segs-flip").join(name(&files[1]));
    let alone = rewal::inspect::scan_file(&flipped, |_| {}).unwrap();
    let offset = alone.end.offset().unwrap();
    assert!(
        offset <= 2000 && 2000 - offset < 234,
        "the frame holding byte 2000"
    );
    let run = rewal(dir.dir(), &["verify", "segs-flip"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout().starts_with(&format!(
            "segs-flip: corrupted in {} at offset {offset}: the frame there (234 bytes) fails its CRC-32C check",
            name(&files[1])
        )),
        "{run:?}"
    );

    // An overlap: exit 2, named with what it should have been.
    let run = rewal(dir.dir(), &["verify", "segs-overlap"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout().starts_with(&format!(
            "segs-overlap: corrupted: segment {:020}.wal should be named {}: it overlaps the segment before it, which holds the events up to {}",
            name_of(&files[2]) - 5,
            name(&files[2]),
            name_of(&files[2]) - 1
        )),
        "{run:?}"
    );

    // Somebody else's directory: exit 3, untouched.
    let run = rewal(dir.dir(), &["verify", "foreign"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run
        .stderr()
        .starts_with("rewal: foreign: it is not a rewal log directory"));
    assert_eq!(std::fs::read_dir(dir.path("foreign")).unwrap().count(), 1);
}

#[test]
fn an_older_segment_that_ends_torn_is_a_corruption() {
    let dir = Scratch::new("seg-older-torn");
    dir.reset();
    let files = segment_files(&dir.path("segs"));
    segments::shorten(&files[1], 3);
    let run = rewal(dir.dir(), &["verify", "segs"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout().starts_with(&format!(
            "segs: corrupted in {} at offset {}: the frame there claims 234 bytes, but only 231 remain in the file (an unfinished write); newer segments follow it, and only the newest segment may end in a torn tail; ",
            name(&files[1]),
            4212 - 234
        )),
        "{run:?}"
    );
    for command in ["dump", "tail"] {
        let run = rewal(
            dir.dir(),
            &[command, "segs", "-n", "100"][..if command == "dump" { 2 } else { 4 }],
        );
        assert_eq!(run.code, 2, "{command}: {run:?}");
        assert_eq!(*lsns(&run.stdout()).last().unwrap(), name_of(&files[2]) - 2);
        assert!(run.stderr().contains("newer segments follow it"), "{run:?}");
    }
}

#[test]
fn dump_of_a_directory_is_the_dump_of_its_segments_one_after_the_other() {
    let dir = Scratch::new("seg-dump");
    dir.reset();
    let files = segment_files(&dir.path("segs"));
    for format in ["text", "jsonl"] {
        let mut expected = String::new();
        for file in &files {
            let run = rewal(
                dir.dir(),
                &["dump", &file.display().to_string(), "--format", format],
            );
            assert_eq!(run.code, 0, "{run:?}");
            if format == "text" {
                expected.push_str(&run.stdout());
            } else {
                // JSON lines name the segment their frame_offset is in.
                for line in run.stdout().lines() {
                    let line = line.strip_suffix('}').unwrap();
                    expected.push_str(&format!("{line},\"segment\":\"{}\"}}\n", name(file)));
                }
            }
        }
        let run = rewal(dir.dir(), &["dump", "segs", "--format", format]);
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(run.stdout(), expected, "{format}");
    }
    let run = rewal(dir.dir(), &["dump", "segs"]);
    assert_eq!(lsns(&run.stdout()), (1..=70).collect::<Vec<_>>());
    // --from and --limit across a segment boundary.
    let run = rewal(dir.dir(), &["dump", "segs", "--from", "17", "--limit", "4"]);
    assert_eq!(lsns(&run.stdout()), [17, 18, 19, 20]);
    let run = rewal(dir.dir(), &["dump", "segs", "--from", "71"]);
    assert_eq!((run.code, run.stdout()), (0, String::new()));
}

#[test]
fn tail_counts_back_across_segments() {
    let dir = Scratch::new("seg-tail");
    dir.reset();
    for (n, first) in [(1, 70), (16, 55), (17, 54), (20, 51), (70, 1), (1000, 1)] {
        let run = rewal(dir.dir(), &["tail", "segs", "-n", &n.to_string()]);
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(
            lsns(&run.stdout()),
            (first..=70).collect::<Vec<_>>(),
            "-n {n}"
        );
    }
    let run = rewal(dir.dir(), &["tail", "segs-checkpointed", "-n", "1000"]);
    assert_eq!(lsns(&run.stdout()), (19..=70).collect::<Vec<_>>());
}

#[test]
fn reading_commands_agree_with_verify_on_every_directory() {
    let dir = Scratch::new("seg-agree");
    dir.reset();
    for (log, code) in [
        ("segs", 0),
        ("segs-torn", 1),
        ("segs-gap", 2),
        ("segs-flip", 2),
        ("segs-overlap", 2),
        ("segs-checkpointed", 0),
        ("foreign", 3),
        ("dir.wal", 0),
    ] {
        for command in ["verify", "dump", "tail"] {
            let run = rewal(dir.dir(), &[command, log]);
            assert_eq!(run.code, code, "{command} {log}: {run:?}");
            assert!(!run.stderr().contains("panicked"), "{run:?}");
            if code != 0 && command != "verify" {
                assert!(
                    run.stderr().starts_with(&format!("rewal: {log}: ")),
                    "{run:?}"
                );
                assert_eq!(run.stderr().lines().count(), 1, "{run:?}");
            }
        }
        let run = rewal(dir.dir(), &["info", log]);
        assert_eq!(
            run.code,
            if code == 3 { 3 } else { 0 },
            "info {log}: {run:?}"
        );
    }
}

#[test]
fn repair_cuts_a_torn_newest_segment_under_the_directory_lock() {
    let dir = Scratch::new("seg-repair");
    dir.reset();
    let log = dir.path("segs-torn");
    // A writer holds the directory: nothing is cut.
    let lock = rewal::FileStorage::new(log.join("rewal.lock")).unwrap();
    let run = rewal(dir.dir(), &["repair", "segs-torn"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr().contains("nothing repaired: the log is locked"),
        "{run:?}"
    );
    drop(lock);
    let run = rewal(dir.dir(), &["repair", "segs-torn"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(rewal(dir.dir(), &["verify", "segs-torn"]).code, 0);
    // The engine opens it as it is, and goes on.
    let wal = segments::open(&log);
    assert_eq!(wal.last_lsn(), 69);
    assert_eq!(wal.stats().corruptions, 0);
    drop(wal);
    // A corruption is refused without --cut-at-corruption, and a dry run
    // says what it would do; neither changes anything.
    let flip = dir.path("segs-flip");
    let before: Vec<Vec<u8>> = segment_files(&flip)
        .iter()
        .map(|file| std::fs::read(file).unwrap())
        .collect();
    let run = rewal(dir.dir(), &["repair", "segs-flip"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr().contains("not repaired"), "{run:?}");
    let dry = rewal(
        dir.dir(),
        &["repair", "segs-flip", "--cut-at-corruption", "--dry-run"],
    );
    assert_eq!(dry.code, 0, "{dry:?}");
    let after: Vec<Vec<u8>> = segment_files(&flip)
        .iter()
        .map(|file| std::fs::read(file).unwrap())
        .collect();
    assert!(before == after, "untouched");
    assert!(!flip.join("removed").exists(), "nothing moved by a dry run");
    // With --cut-at-corruption the engine repairs it (as opening it with
    // Recovery::TruncateAtCorruption does), and says what it did: what it
    // said it would do.
    let run = rewal(dir.dir(), &["repair", "segs-flip", "--cut-at-corruption"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout()
            .replace(": moved", ": would move")
            .replace(": kept ", ": would keep "),
        dry.stdout(),
        "the dry run said what the repair did"
    );
    assert_eq!(rewal(dir.dir(), &["verify", "segs-flip"]).code, 0);
    assert_eq!(segment_files(&flip.join("removed")).len(), 2);
    let wal = segments::open(&flip);
    assert_eq!((wal.first_lsn(), wal.last_lsn()), (37, 70));
    drop(wal);
}

#[test]
fn hostile_directories_are_read_or_refused_without_a_panic() {
    let dir = Scratch::new("seg-hostile");
    dir.reset();
    let check = |log: &str, code: i32, says: &str| {
        for command in ["verify", "info", "dump", "tail", "repair"] {
            let run = rewal(dir.dir(), &[command, log]);
            assert!(
                !run.stderr().contains("panicked"),
                "{command} {log}: {run:?}"
            );
            if command != "info" && command != "repair" {
                assert_eq!(run.code, code, "{command} {log}: {run:?}");
            }
        }
        let run = rewal(dir.dir(), &["verify", log]);
        let said = run.stdout() + &run.stderr();
        assert!(said.contains(says), "verify {log}: {said}");
    };

    // Named LSN 0 (empty) and LSN u64::MAX (not a log): a gap no
    // arithmetic overflows on.
    let edges = dir.path("edges");
    std::fs::create_dir(&edges).unwrap();
    std::fs::write(edges.join(format!("{:020}.wal", 0)), b"").unwrap();
    std::fs::write(
        edges.join(format!("{:020}.wal", u64::MAX)),
        b"not a log at all",
    )
    .unwrap();
    check(
        "edges",
        2,
        "segment 18446744073709551615.wal should be named 00000000000000000001.wal: the events 1 to 18446744073709551614 are missing",
    );

    // A lone segment that is not a log: not a log (exit 3), named.
    let stranger = dir.path("stranger");
    std::fs::create_dir(&stranger).unwrap();
    std::fs::copy(
        dir.path("random.bin"),
        stranger.join(format!("{:020}.wal", 1)),
    )
    .unwrap();
    check(
        "stranger",
        3,
        "rewal: stranger: 00000000000000000001.wal: it is not a rewal log: it begins with 7f",
    );

    // The newest segment replaced by something that is not a log, after
    // valid ones: a corruption.
    let files = segment_files(&dir.path("segs"));
    std::fs::copy(dir.path("random.bin"), &files[3]).unwrap();
    check(
        "segs",
        2,
        &format!(
            "segs: corrupted in {} at offset 0: it is not a rewal log",
            name(&files[3])
        ),
    );

    // Thousands of other files, a directory named like a segment, and
    // names that are not UTF-8: passed over.
    let crowded = dir.path("segs-checkpointed");
    for i in 0..5000 {
        std::fs::write(crowded.join(format!("junk-{i}")), b"x").unwrap();
    }
    std::fs::create_dir(crowded.join(format!("{:020}.wal", 1000))).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let odd = std::ffi::OsStr::from_bytes(b"\xff\xfe00000000000000000001.wal");
        std::fs::write(crowded.join(odd), b"x").unwrap();
        let only_odd = dir.path("only-odd");
        std::fs::create_dir(&only_odd).unwrap();
        std::fs::write(only_odd.join(odd), b"x").unwrap();
        check("only-odd", 3, "it is not a rewal log directory");
    }
    check(
        "segs-checkpointed",
        0,
        "segs-checkpointed: ok: every frame checked: 3 segments, 52 frames, 52 events, LSNs 19 to 70",
    );
    let run = rewal(dir.dir(), &["dump", "segs-checkpointed"]);
    assert_eq!(lsns(&run.stdout()), (19..=70).collect::<Vec<_>>());
}
