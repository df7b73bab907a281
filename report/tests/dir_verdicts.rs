//! The words for segment directories (`DirVerdict`, `MisfitWords`,
//! `Ending::in_segment`): on directories the engine wrote, then damaged,
//! and on misfits at the ends of the LSN range.

use rewal::inspect::{self, segment_name, LogEnd, Misfit, RunScan};
use rewal_report::{
    dir_exit_code, exit, misfit, place, segment_ending, DirVerdict, Ending, Place,
    OLDER_SEGMENT_TORN,
};
use rewal_testkit::Scratch;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Writes 40 events of 200 bytes (a frame each, 234 bytes) into `dir`,
/// in 4 KiB segments (18 events each), and returns the segment files.
fn write(dir: &Path) -> Vec<PathBuf> {
    let wal = rewal::Wal::open_dir(dir)
        .segment_size(4096)
        .build()
        .unwrap();
    for i in 0..40 {
        wal.append(format!("{i:0200}")).unwrap();
        wal.flush().unwrap();
    }
    wal.shutdown(Duration::from_secs(5)).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wal"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 3);
    files
}

fn verdict(scan: &RunScan) -> (String, u8) {
    (DirVerdict::new(scan).to_string(), dir_exit_code(scan))
}

#[test]
fn a_clean_directory_and_an_empty_one() {
    let scratch = Scratch::new("report-dir-clean");
    let dir = scratch.path("log");
    write(&dir);
    let scan = inspect::scan_dir(&dir).unwrap();
    assert_eq!(
        verdict(&scan),
        (
            "ok: every frame checked: 3 segments, 40 frames, 40 events, LSNs 1 to 40, 9360 bytes"
                .into(),
            exit::OK
        )
    );
    assert_eq!(DirVerdict::new(&scan).ending().to_string(), "clean");
    assert_eq!(DirVerdict::new(&scan).what(), None);
    let empty = scratch.path("empty");
    std::fs::create_dir(&empty).unwrap();
    let scan = inspect::scan_dir(&empty).unwrap();
    assert_eq!(
        verdict(&scan),
        ("ok: an empty log (no segment files)".into(), exit::OK)
    );
}

#[test]
fn a_torn_newest_segment_is_a_torn_tail_and_an_older_one_a_corruption() {
    let scratch = Scratch::new("report-dir-torn");
    let dir = scratch.path("log");
    let files = write(&dir);
    let cut = |file: &Path| {
        let len = std::fs::metadata(file).unwrap().len();
        let f = std::fs::OpenOptions::new().write(true).open(file).unwrap();
        f.set_len(len - 3).unwrap();
    };
    cut(&files[2]);
    let scan = inspect::scan_dir(&dir).unwrap();
    let (text, code) = verdict(&scan);
    assert_eq!(code, exit::TORN);
    assert_eq!(
        text,
        format!(
            "torn tail in {} at offset 702: the frame there claims 234 bytes, but only 231 remain in the file (an unfinished write); the 702 bytes before it are valid (3 frames, 3 events, LSNs 37 to 39); the 2 segments before it are clean (36 frames, 36 events, LSNs 1 to 36); `rewal repair` cuts the tail",
            segment_name(37)
        )
    );
    // What is wrong, without where: the problem alone.
    let unfinished =
        "the frame there claims 234 bytes, but only 231 remain in the file (an unfinished write)";
    let what = |scan: &RunScan| DirVerdict::new(scan).what().map(|what| what.to_string());
    assert_eq!(what(&scan).as_deref(), Some(unfinished));
    cut(&files[0]);
    let scan = inspect::scan_dir(&dir).unwrap();
    let (text, code) = verdict(&scan);
    assert_eq!(code, exit::CORRUPTED);
    assert_eq!(
        text,
        format!(
            "corrupted in {} at offset 3978: the frame there claims 234 bytes, but only 231 remain in the file (an unfinished write); newer segments follow it, and only the newest segment may end in a torn tail; the 3978 bytes before it are valid (17 frames, 17 events, LSNs 1 to 17)",
            segment_name(1)
        )
    );
    // Torn, but newer segments follow: why that is a corruption.
    assert_eq!(
        what(&scan),
        Some(format!("{unfinished}; {OLDER_SEGMENT_TORN}"))
    );
    // Its line in a listing does not name it again.
    assert!(segment_ending(&scan, 0)
        .without_name()
        .to_string()
        .starts_with("corrupted at offset 3978: "));
    assert_eq!(
        place(&scan, 0),
        Place {
            named: Some(1),
            newer: true,
            older: false
        }
    );
}

#[test]
fn a_missing_segment_and_an_overlap_are_named_with_the_name_expected() {
    let scratch = Scratch::new("report-dir-misfit");
    let dir = scratch.path("log");
    let files = write(&dir);
    std::fs::rename(&files[1], dir.join(segment_name(15))).unwrap();
    let scan = inspect::scan_dir(&dir).unwrap();
    assert_eq!(
        verdict(&scan),
        (
            format!(
                "corrupted: segment {} should be named {}: it overlaps the segment before it, which holds the events up to 18; the segment before it is clean (18 frames, 18 events, LSNs 1 to 18)",
                segment_name(15),
                segment_name(19)
            ),
            exit::CORRUPTED
        )
    );
    assert_eq!(
        DirVerdict::new(&scan).what().map(|what| what.to_string()),
        Some(
            misfit(Misfit::Overlap {
                expected: 19,
                named: 15
            })
            .to_string()
        )
    );
    std::fs::remove_file(dir.join(segment_name(15))).unwrap();
    let scan = inspect::scan_dir(&dir).unwrap();
    assert_eq!(
        DirVerdict::new(&scan).ending().to_string(),
        format!(
            "corrupted: segment {} should be named {}: the events 19 to 36 are missing",
            segment_name(37),
            segment_name(19)
        )
    );
    assert_eq!(dir_exit_code(&scan), exit::CORRUPTED);
}

#[test]
fn a_segment_that_is_not_a_log() {
    let scratch = Scratch::new("report-dir-stranger");
    let dir = scratch.path("log");
    let files = write(&dir);
    std::fs::write(&files[2], b"\x7fELF and so on").unwrap();
    let scan = inspect::scan_dir(&dir).unwrap();
    let (text, code) = verdict(&scan);
    assert_eq!(code, exit::CORRUPTED);
    assert!(
        text.starts_with(&format!(
            "corrupted in {} at offset 0: it is not a rewal log: it begins with 7f 45 4c 46",
            segment_name(37)
        )),
        "{text}"
    );
    // Alone, it makes the directory somebody else's.
    std::fs::remove_file(&files[0]).unwrap();
    std::fs::remove_file(&files[1]).unwrap();
    let scan = inspect::scan_dir(&dir).unwrap();
    let (text, code) = verdict(&scan);
    assert_eq!(code, exit::UNREADABLE);
    assert!(
        text.starts_with(&format!("{}: it is not a rewal log", segment_name(37))),
        "{text}"
    );
}

#[test]
fn misfits_at_the_ends_of_the_lsn_range_are_worded_without_overflow() {
    let words = |how| misfit(how).to_string();
    assert_eq!(
        words(Misfit::Gap {
            expected: 5,
            named: 6
        }),
        format!(
            "segment {} should be named {}: the event 5 is missing",
            segment_name(6),
            segment_name(5)
        )
    );
    assert!(words(Misfit::Gap {
        expected: 1,
        named: u64::MAX
    })
    .ends_with("the events 1 to 18446744073709551614 are missing"));
    assert!(words(Misfit::Overlap {
        expected: u64::MAX,
        named: 0
    })
    .ends_with("which holds the events up to 18446744073709551614"));
    assert_eq!(
        words(Misfit::OutOfRange {
            named: 90,
            first_lsn: 3
        }),
        format!(
            "segment {} holds events from LSN 3, below the LSN it is named by: it is not the file its name says",
            segment_name(90)
        )
    );
}

#[test]
fn an_ending_in_a_segment_names_it_and_says_its_exit_code() {
    let at = |newer, older| Place {
        named: Some(42),
        newer,
        older,
    };
    let torn = Ending::new(LogEnd::TornTail { offset: 7 }, Some("what"));
    assert_eq!(
        torn.clone().in_segment(at(false, true)).to_string(),
        format!("torn tail in {} at offset 7: what", segment_name(42))
    );
    assert_eq!(
        torn.clone().in_segment(at(false, true)).exit_code(),
        exit::TORN
    );
    assert_eq!(
        torn.clone().in_segment(at(true, false)).exit_code(),
        exit::CORRUPTED
    );
    assert_eq!(torn.exit_code(), exit::TORN);
    let corrupted = Ending::new(
        LogEnd::Corrupted {
            offset: 7,
            next_valid: Some(9),
        },
        Some("what"),
    );
    assert_eq!(
        corrupted.in_segment(at(false, false)).to_string(),
        format!(
            "corrupted in {} at offset 7: what, and a valid frame follows at offset 9",
            segment_name(42)
        )
    );
    let stranger = Ending::new(LogEnd::NotALog, None::<&str>);
    assert_eq!(
        stranger.clone().in_segment(at(false, false)).exit_code(),
        exit::UNREADABLE
    );
    assert_eq!(
        stranger.in_segment(at(false, true)).exit_code(),
        exit::CORRUPTED
    );
}
