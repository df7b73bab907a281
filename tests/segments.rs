//! Logs kept as a directory of segment files (`Wal::open_dir`): rotation,
//! checkpoints, reads across segments, recovery rules, locking, retention,
//! and the live reader (which works for single files too).

use rewal::inspect::{self, LogEnd};
use rewal::{Error, Recovery, Wal};
use rewal_testkit::Scratch;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

/// The segment files of `dir`, oldest first.
fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wal"))
        .collect();
    files.sort();
    files
}

fn lsns(wal: &Wal, from: u64) -> rewal::Result<Vec<u64>> {
    let mut lsns = Vec::new();
    wal.replay(from, |event| {
        lsns.push(event.lsn);
        Ok(())
    })?;
    Ok(lsns)
}

/// Opens `dir` with small segments and appends `n` events of 100 bytes,
/// each in its own write (flushed), so that rotations happen.
fn filled(dir: &Path, n: u64) -> Wal {
    let wal = Wal::open_dir(dir).segment_size(4096).build().unwrap();
    for i in 0..n {
        let lsn = wal.append(format!("{i:0100}")).unwrap();
        assert_eq!(lsn, wal.first_lsn().max(1) + i);
        wal.flush().unwrap();
    }
    wal
}

#[test]
fn segments_rotate_and_each_is_a_complete_log_named_by_its_first_lsn() {
    let scratch = Scratch::new("seg-rotate");
    let dir = scratch.path("log");
    let wal = filled(&dir, 200);
    assert_eq!(lsns(&wal, 0).unwrap(), (1..=200).collect::<Vec<_>>());
    assert_eq!(lsns(&wal, 150).unwrap(), (150..=200).collect::<Vec<_>>());
    wal.shutdown(SECOND).unwrap();
    let files = segment_files(&dir);
    assert!(files.len() > 4, "{} segments", files.len());
    let mut next = 1;
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        assert_eq!(name, format!("{next:020}.wal"));
        // Alone, each is a clean v2 log holding the LSNs its name says.
        let scan = inspect::scan_file(file, |_| {}).unwrap();
        assert_eq!(scan.end, LogEnd::Clean);
        assert_eq!(scan.valid_len, scan.file_len, "no zeros left after close");
        assert_eq!(scan.first_lsn, next);
        // A batch never spans two segments, and no segment passes its size
        // by more than one write.
        assert!(scan.file_len <= 4096 + 200);
        next = scan.last_lsn + 1;
    }
    assert_eq!(next, 201);
    // Reopened, the log goes on where it stopped.
    let wal = Wal::open_dir(&dir).segment_size(4096).build().unwrap();
    assert_eq!(wal.last_lsn(), 200);
    assert_eq!(wal.append("after").unwrap(), 201);
    assert_eq!(lsns(&wal, 0).unwrap().len(), 201);
}

#[test]
fn a_checkpoint_gives_whole_segments_back_and_never_touches_later_events() {
    let scratch = Scratch::new("seg-checkpoint");
    let dir = scratch.path("log");
    let wal = filled(&dir, 300);
    let before = segment_files(&dir).len();
    assert_eq!(wal.first_lsn(), 1);
    wal.checkpoint(150).unwrap();
    let first = wal.first_lsn();
    assert!(first > 1 && first <= 151, "first LSN {first}");
    assert!(segment_files(&dir).len() < before);
    // Everything after 150 is there; from 0 means from the oldest held.
    let held = lsns(&wal, 0).unwrap();
    assert_eq!(held, (first..=300).collect::<Vec<_>>());
    assert_eq!(lsns(&wal, 151).unwrap(), (151..=300).collect::<Vec<_>>());
    // Asking for what was given back is an error, not a silent skip.
    assert!(matches!(lsns(&wal, 1), Err(Error::Checkpointed { .. })));
    assert!(matches!(
        wal.iterator(first - 1),
        Err(Error::Checkpointed { .. })
    ));
    // An LSN no event has yet is refused, as wait_durable refuses it.
    assert_eq!(wal.checkpoint(301), Err(Error::InvalidLsn));
    // The newest segment always stays.
    wal.checkpoint(300).unwrap();
    assert_eq!(segment_files(&dir).len(), 1);
    assert_eq!(*lsns(&wal, 0).unwrap().last().unwrap(), 300);
    wal.shutdown(SECOND).unwrap();
    // Reopened after the checkpoint: the first segment's name is where the
    // log now begins.
    let wal = Wal::open_dir(&dir).build().unwrap();
    assert_eq!(wal.last_lsn(), 300);
    assert!(wal.first_lsn() > first);
}

#[test]
fn a_reader_keeps_reading_a_segment_that_a_checkpoint_removes() {
    let scratch = Scratch::new("seg-reader");
    let dir = scratch.path("log");
    let wal = filled(&dir, 200);
    let mut reader = wal.iterator(0).unwrap();
    assert_eq!(reader.next().unwrap().unwrap().lsn, 1);
    wal.checkpoint(150).unwrap();
    let mut seen = vec![1];
    while let Some(event) = reader.next().unwrap() {
        seen.push(event.lsn);
    }
    assert_eq!(seen, (1..=200).collect::<Vec<_>>());
}

#[test]
fn only_the_newest_segment_may_end_torn() {
    let scratch = Scratch::new("seg-torn");
    let dir = scratch.path("log");
    filled(&dir, 200).shutdown(SECOND).unwrap();
    let files = segment_files(&dir);
    // The newest, torn: cut, like a single file.
    let newest = files.last().unwrap();
    let len = std::fs::metadata(newest).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(newest)
        .unwrap()
        .set_len(len - 3)
        .unwrap();
    let wal = Wal::open_dir(&dir).build().unwrap();
    assert_eq!(wal.last_lsn(), 199);
    assert_eq!(wal.stats().corruptions, 1);
    wal.shutdown(SECOND).unwrap();
    // An older one, torn: a corruption, refused, untouched.
    let older = &files[1];
    let bytes = std::fs::read(older).unwrap();
    std::fs::write(older, &bytes[..bytes.len() - 3]).unwrap();
    let before: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(matches!(
        Wal::open_dir(&dir).build().unwrap_err(),
        Error::Corrupted { .. }
    ));
    let after: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert_eq!(before, after, "untouched");
    // On request, repaired: the torn frame cut off, so the segments after
    // it no longer follow; the run of segments with the most events stays,
    // the other goes to removed/ (nothing is thrown away), and the log is
    // consistent: LSNs without a gap, and appends go on from its last.
    let wal = Wal::open_dir(&dir)
        .recovery(Recovery::TruncateAtCorruption)
        .build()
        .unwrap();
    let kept = segment_files(&dir);
    let moved = segment_files(&dir.join("removed"));
    assert_eq!(kept.len() + moved.len(), files.len());
    let held = lsns(&wal, 0).unwrap();
    assert_eq!(held, (wal.first_lsn()..=wal.last_lsn()).collect::<Vec<_>>());
    assert!(
        held.len() >= 100,
        "the larger run stays: {} events",
        held.len()
    );
    let next = wal.append("next").unwrap();
    assert_eq!(next, wal.last_lsn().max(held[held.len() - 1]) + 1);
    wal.shutdown(SECOND).unwrap();
    let wal = Wal::open_dir(&dir).build().unwrap();
    assert_eq!(wal.last_lsn(), next, "the next open is clean");
}

#[test]
fn a_missing_or_overlapping_segment_is_a_corruption() {
    let scratch = Scratch::new("seg-gap");
    let dir = scratch.path("log");
    filled(&dir, 200).shutdown(SECOND).unwrap();
    let files = segment_files(&dir);
    // A gap: a middle segment missing.
    let middle = std::fs::read(&files[2]).unwrap();
    std::fs::remove_file(&files[2]).unwrap();
    assert!(matches!(
        Wal::open_dir(&dir).build().unwrap_err(),
        Error::Corrupted { .. }
    ));
    std::fs::write(&files[2], &middle).unwrap();
    Wal::open_dir(&dir).build().unwrap().close().unwrap();
    // An overlap: a copy of a segment under a later name.
    let copy = dir.join(format!("{:020}.wal", 1_000_000));
    std::fs::copy(&files[0], &copy).unwrap();
    assert!(matches!(
        Wal::open_dir(&dir).build().unwrap_err(),
        Error::Corrupted { .. }
    ));
    std::fs::remove_file(&copy).unwrap();
    // A crash in a rotation: the next segment created, nothing in it yet.
    let scan = inspect::scan_file(files.last().unwrap(), |_| {}).unwrap();
    let next = dir.join(format!("{:020}.wal", scan.last_lsn + 1));
    std::fs::write(&next, b"").unwrap();
    let wal = Wal::open_dir(&dir).build().unwrap();
    assert_eq!(wal.last_lsn(), 200);
    assert_eq!(wal.append("in the new segment").unwrap(), 201);
    wal.shutdown(SECOND).unwrap();
    assert!(std::fs::metadata(&next).unwrap().len() > 0);
}

#[test]
fn a_directory_is_locked_and_the_two_layouts_refuse_each_other() {
    let scratch = Scratch::new("seg-lock");
    let dir = scratch.path("log");
    let wal = Wal::open_dir(&dir).build().unwrap();
    assert!(matches!(
        Wal::open_dir(&dir).build().unwrap_err(),
        Error::FileLocked { .. }
    ));
    wal.close().unwrap();
    Wal::open_dir(&dir).build().unwrap().close().unwrap();
    // A directory is not a file, and a file is not a directory.
    let error = Wal::open(&dir).build().unwrap_err();
    assert!(error.to_string().contains("Wal::open_dir"), "{error}");
    let file = scratch.path("single.wal");
    Wal::open(&file).build().unwrap().close().unwrap();
    let error = Wal::open_dir(&file).build().unwrap_err();
    assert!(error.to_string().contains("Wal::open"), "{error}");
    // Somebody else's directory is not ours.
    let foreign = scratch.path("photos");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("cat.jpg"), b"\xff\xd8\xff").unwrap();
    assert!(matches!(
        Wal::open_dir(&foreign).build().unwrap_err(),
        Error::NotALog { .. }
    ));
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1, "untouched");
}

#[test]
fn retention_by_size_keeps_the_log_bounded() {
    let scratch = Scratch::new("seg-retain");
    let dir = scratch.path("log");
    let wal = Wal::open_dir(&dir)
        .segment_size(4096)
        .retain_bytes(3 * 4096)
        .build()
        .unwrap();
    for i in 0..1000 {
        wal.append(format!("{i:0100}")).unwrap();
        wal.flush().unwrap();
    }
    let total: u64 = segment_files(&dir)
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert!(total <= 4 * 4096 + 4096, "{total} bytes kept");
    let held = lsns(&wal, 0).unwrap();
    assert_eq!(*held.last().unwrap(), 1000);
    assert_eq!(held, (wal.first_lsn()..=1000).collect::<Vec<_>>());
}

#[cfg(not(any(target_family = "wasm", rewal_inline)))]
#[test]
fn a_live_reader_is_woken_by_the_writer() {
    use std::sync::Arc;
    let scratch = Scratch::new("seg-live");
    for kept_in_a_directory in [false, true] {
        let path = scratch.path(if kept_in_a_directory {
            "dir"
        } else {
            "one.wal"
        });
        let wal = Arc::new(if kept_in_a_directory {
            Wal::open_dir(&path).segment_size(4096).build().unwrap()
        } else {
            Wal::open(&path).build().unwrap()
        });
        let mut reader = wal.iterator(0).unwrap();
        // Nothing yet: it waits, then says so.
        let started = std::time::Instant::now();
        assert_eq!(reader.next_wait(Duration::from_millis(50)).unwrap(), None);
        assert!(started.elapsed() >= Duration::from_millis(40));
        let writer = {
            let wal = Arc::clone(&wal);
            std::thread::spawn(move || {
                for i in 0..100 {
                    wal.append(format!("{i:0100}")).unwrap();
                    wal.flush().unwrap();
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
        };
        let mut seen = Vec::new();
        while seen.len() < 100 {
            let event = reader
                .next_wait(Duration::from_secs(10))
                .unwrap()
                .expect("the writer's next event");
            seen.push(event.lsn);
        }
        writer.join().unwrap();
        assert_eq!(seen, (1..=100).collect::<Vec<_>>());
    }
}

#[test]
fn a_directory_scan_names_the_segment_that_does_not_fit() {
    use inspect::{Misfit, RunProblem};
    let scratch = Scratch::new("seg-scan");
    let dir = scratch.path("log");
    filled(&dir, 200).shutdown(SECOND).unwrap();
    let files = segment_files(&dir);
    let whole = inspect::scan_dir(&dir).unwrap();
    assert_eq!(whole.problem, None);
    assert_eq!(whole.segments.len(), files.len());
    assert_eq!((whole.first_lsn(), whole.last_lsn()), (1, 200));
    assert_eq!(whole.events(), 200);

    // A missing middle segment: the one after it is named past the gap.
    let middle = std::fs::read(&files[2]).unwrap();
    std::fs::remove_file(&files[2]).unwrap();
    let scan = inspect::scan_dir(&dir).unwrap();
    let expected = whole.segments[2].named.unwrap();
    let named = whole.segments[3].named.unwrap();
    assert_eq!(
        scan.problem,
        Some(RunProblem::Misfit {
            segment: 2,
            misfit: Misfit::Gap { expected, named }
        })
    );
    std::fs::write(&files[2], &middle).unwrap();

    // Damage in an older segment is named with its own scan's offset.
    let mut bytes = std::fs::read(&files[1]).unwrap();
    let at = bytes.len() - 10;
    bytes[at] ^= 0xff;
    std::fs::write(&files[1], &bytes).unwrap();
    let scan = inspect::scan_dir(&dir).unwrap();
    assert_eq!(scan.problem, Some(RunProblem::Damaged { segment: 1 }));
    assert!(scan.segments[1].scan.end.offset().is_some());
    assert!(matches!(
        Wal::open_dir(&dir).build().unwrap_err(),
        Error::Corrupted { .. }
    ));
}

#[test]
fn hostile_segment_names_and_contents_are_refused_without_a_panic() {
    let scratch = Scratch::new("seg-hostile");
    let dir = scratch.path("log");
    std::fs::create_dir(&dir).unwrap();
    // Named LSN 0, and a segment named at the very top of the LSN range.
    std::fs::write(dir.join(format!("{:020}.wal", 0)), b"").unwrap();
    std::fs::write(
        dir.join(format!("{:020}.wal", u64::MAX)),
        b"not a log at all",
    )
    .unwrap();
    let error = Wal::open_dir(&dir).build().unwrap_err();
    assert!(
        matches!(error, Error::Corrupted { .. } | Error::NotALog { .. }),
        "{error}"
    );
    let scan = inspect::scan_dir(&dir).unwrap();
    assert!(scan.problem.is_some());
    assert_eq!(segment_files(&dir).len(), 2, "untouched");
}

#[test]
fn retention_by_age_counts_older_segments_from_the_open() {
    let scratch = Scratch::new("seg-age");
    let dir = scratch.path("log");
    filled(&dir, 200).shutdown(SECOND).unwrap();
    let before = segment_files(&dir).len();
    // The process has run longer than the age by now: segments completed
    // before this open must still count from the open, not be dropped at
    // once.
    std::thread::sleep(Duration::from_millis(400));
    let age = Duration::from_millis(300);
    let wal = Wal::open_dir(&dir)
        .segment_size(4096)
        .retain_age(age)
        .build()
        .unwrap();
    for i in 0..60 {
        wal.append(format!("{i:0100}")).unwrap();
        wal.flush().unwrap();
    }
    assert!(segment_files(&dir).len() > before, "nothing removed yet");
    assert_eq!(wal.first_lsn(), 1);
    std::thread::sleep(age + Duration::from_millis(100));
    for i in 0..60 {
        wal.append(format!("{i:0100}")).unwrap();
        wal.flush().unwrap();
    }
    assert!(wal.first_lsn() > 200, "old segments removed once aged");
    wal.close().unwrap();
}

#[test]
fn a_segment_stops_near_its_size_however_many_appends_one_write_carries() {
    let scratch = Scratch::new("seg-turn");
    let dir = scratch.path("log");
    let wal = Wal::open_dir(&dir).segment_size(4096).build().unwrap();
    // Appended faster than one write each: the writer takes many at once.
    let mut batch = rewal::Batch::new();
    for i in 0..20 {
        batch.add(format!("{i:0200}"));
    }
    for _ in 0..200 {
        wal.append_batch(&batch).unwrap();
    }
    // Each rotation syncs: give the writer time.
    wal.shutdown(60 * SECOND).unwrap();
    let files = segment_files(&dir);
    let frame = inspect::scan_file(&files[0], |_| {}).unwrap().largest_frame as u64;
    for file in &files[..files.len() - 1] {
        let len = std::fs::metadata(file).unwrap().len();
        assert!(
            len >= 4096 && len < 4096 + frame,
            "{} is {len} bytes",
            file.display()
        );
    }
    assert!(
        files.len() >= 200 * 20 * 200 / 4096 / 2,
        "{} segments",
        files.len()
    );
    let wal = Wal::open_dir(&dir).build().unwrap();
    assert_eq!(lsns(&wal, 0).unwrap(), (1..=4000).collect::<Vec<_>>());
}

#[test]
fn a_checkpoint_right_after_appending_writes_them_first() {
    let scratch = Scratch::new("seg-queued");
    let dir = scratch.path("log");
    let wal = Wal::open_dir(&dir).segment_size(4096).build().unwrap();
    let mut last = 0;
    for i in 0..400 {
        last = wal.append(format!("{i:0100}")).unwrap();
    }
    // No flush: the events may all still be queued.
    wal.checkpoint(last).unwrap();
    assert!(wal.first_lsn() > 300, "first LSN {}", wal.first_lsn());
    assert_eq!(segment_files(&dir).len(), 1);
    assert_eq!(lsns(&wal, wal.first_lsn()).unwrap().last(), Some(&last));
    wal.close().unwrap();
}

#[test]
fn space_written_ahead_stops_at_the_segment_size() {
    // Durability in use makes the log write zeros ahead (so that a sync
    // carries no size change); for a segment, never past where it will
    // rotate: those zeros would be written, synced and cut off again.
    let scratch = Scratch::new("seg-ahead");
    let dir = scratch.path("log");
    let wal = Wal::open_dir(&dir).segment_size(8192).build().unwrap();
    for i in 0..200 {
        let lsn = wal.append(format!("{i:0100}")).unwrap();
        wal.wait_durable(lsn).unwrap();
        for file in segment_files(&dir) {
            let len = std::fs::metadata(&file).unwrap().len();
            assert!(len <= 8192 + 4096, "{} holds {len} bytes", file.display());
        }
    }
    wal.close().unwrap();
}
