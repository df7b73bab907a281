//! `Recovery::TruncateAtCorruption` on a segment directory, on real
//! directories damaged every way seen in the field. Before its fix (issue
//! 19, defect 6), the repaired log kept a segment that did not follow,
//! emptied, under its old name: its last LSN then disagreed with its
//! events, appends made durable after the repair made the next default
//! open refuse the log, and a second repair cut those acknowledged events.
//!
//! Now the segments are split into runs that follow each other; the run
//! with the most events stays, the rest goes to `removed/`, and the log
//! that stays is consistent.
#![cfg(not(target_family = "wasm"))]

use rewal::inspect::segment_name;
use rewal::{Error, Recovery, Wal};
use rewal_testkit::Scratch;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "wal"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Every event of the log, read back.
fn events(wal: &Wal) -> Vec<rewal::Event> {
    wal.iterator(0)
        .unwrap()
        .collect::<rewal::Result<_>>()
        .unwrap()
}

/// A log of 400 events of 100 bytes in 4 KiB segments (about 30 a segment).
fn written(dir: &Path) {
    let wal = Wal::open_dir(dir).segment_size(4096).build().unwrap();
    for i in 0..400u64 {
        wal.append(format!("{i:0100}")).unwrap();
    }
    wal.shutdown(SECOND).unwrap();
}

/// Repairs `dir` and checks the promises: a consistent log, appends made
/// durable after the repair survive the next default open and a second
/// repair, and nothing the repair took out is lost (it is in `removed/`).
fn repaired_and_checked(dir: &Path, case: &str) {
    let before = segment_files(dir).len();
    assert!(
        matches!(
            Wal::open_dir(dir).build().unwrap_err(),
            Error::Corrupted { .. }
        ),
        "{case}: refused by default"
    );
    let wal = Wal::open_dir(dir)
        .recovery(Recovery::TruncateAtCorruption)
        .build()
        .unwrap();
    let held = events(&wal);
    let lsns: Vec<u64> = held.iter().map(|event| event.lsn).collect();
    let (first, last) = (wal.first_lsn(), wal.last_lsn());
    assert_eq!(
        lsns,
        (first..=last).collect::<Vec<_>>(),
        "{case}: consecutive"
    );
    assert!(held.len() >= 150, "{case}: kept only {} events", held.len());
    let kept = segment_files(dir).len();
    let removed = segment_files(&dir.join("removed")).len();
    assert!(
        kept + removed >= before - 1,
        "{case}: {kept} kept, {removed} set aside of {before}"
    );
    let mut acknowledged = Vec::new();
    for i in 0..10 {
        let lsn = wal.append(format!("after the repair {i}")).unwrap();
        wal.wait_durable(lsn).unwrap();
        acknowledged.push(lsn);
    }
    assert_eq!(
        acknowledged[0],
        last + 1,
        "{case}: LSNs go on from the last event"
    );
    wal.shutdown(SECOND).unwrap();
    for recovery in [Recovery::Strict, Recovery::TruncateAtCorruption] {
        let wal = Wal::open_dir(dir).recovery(recovery).build().unwrap();
        let again: Vec<u64> = events(&wal).iter().map(|event| event.lsn).collect();
        assert_eq!(again.first(), Some(&first), "{case}");
        assert_eq!(
            again.last(),
            acknowledged.last(),
            "{case}: acknowledged events kept"
        );
        wal.shutdown(SECOND).unwrap();
    }
}

#[test]
fn d6_a_middle_segment_deleted_renamed_emptied_zeroed_or_cut() {
    let scratch = Scratch::new("repair-middle");
    type Damage = (&'static str, fn(&Path));
    let damages: [Damage; 5] = [
        ("deleted", |file| std::fs::remove_file(file).unwrap()),
        ("renamed", |file| {
            let name = file.file_name().unwrap().to_str().unwrap();
            let lsn = rewal::inspect::segment_lsn(name).unwrap();
            std::fs::rename(file, file.with_file_name(segment_name(lsn + 3))).unwrap();
        }),
        ("emptied", |file| std::fs::write(file, b"").unwrap()),
        ("zero-filled", |file| {
            let len = std::fs::metadata(file).unwrap().len();
            std::fs::write(file, vec![0; len as usize]).unwrap();
        }),
        ("cut at a frame", |file| {
            let scan = rewal::inspect::scan_file(file, |_| {}).unwrap();
            let mut offsets = Vec::new();
            rewal::inspect::scan_file(file, |frame| offsets.push(frame.offset)).unwrap();
            assert!(scan.frames > 3);
            let cut = offsets[offsets.len() / 2];
            std::fs::OpenOptions::new()
                .write(true)
                .open(file)
                .unwrap()
                .set_len(cut)
                .unwrap();
        }),
    ];
    for (case, damage) in damages {
        let dir = scratch.path(case);
        written(&dir);
        let files = segment_files(&dir);
        damage(&files[files.len() / 2]);
        repaired_and_checked(&dir, case);
    }
}

#[test]
fn d6_another_logs_segment_after_the_newest_or_under_the_oldest_name() {
    let scratch = Scratch::new("repair-foreign");
    let other = scratch.path("other");
    written(&other);
    let foreign = segment_files(&other)[0].clone();
    // After the newest: named past the log's end.
    let dir = scratch.path("after");
    written(&dir);
    std::fs::copy(&foreign, dir.join(segment_name(900))).unwrap();
    repaired_and_checked(&dir, "after the newest");
    assert!(dir.join("removed").join(segment_name(900)).exists());
    // Under the oldest name, once the log's own oldest segments were
    // checkpointed away: the foreign file is set aside, not the log.
    let dir = scratch.path("under");
    written(&dir);
    let wal = Wal::open_dir(&dir).build().unwrap();
    wal.checkpoint(100).unwrap();
    wal.shutdown(SECOND).unwrap();
    std::fs::copy(&foreign, dir.join(segment_name(1))).unwrap();
    repaired_and_checked(&dir, "under the oldest name");
    assert!(dir.join("removed").join(segment_name(1)).exists());
    let wal = Wal::open_dir(&dir).build().unwrap();
    assert!(wal.first_lsn() > 90, "the log's own segments stay");
}
