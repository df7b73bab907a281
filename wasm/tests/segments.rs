//! Segment files (what `rewal::Wal::open_dir` writes) opened as one log:
//! written by the native library into a temporary directory, loaded as
//! `(name, bytes)` like the files a browser hands over, and opened both
//! ways the viewer opens them (in place, and through a storage that does
//! not map, as `File`s read in slices). Events, pages, frames, seeking and
//! filtering run across the segment boundaries; a missing segment, a
//! damaged older one and a torn newest one are named, and agree with the
//! engine's own `rewal::inspect::scan_dir`.

mod common;

use common::{load_segments as load, segments_both_ways as both_ways};
use rewal::encoding::{decode_all_batches, encode_event};
use rewal::inspect::{self, segment_name, LogEnd, Misfit, RunProblem};
use rewal::{Batch, Event, Wal};
use rewal_testkit::Scratch;
use rewal_wasm::picture::Blemish;
use rewal_wasm::segments::{Standing, MAX_SEGMENTS};
use rewal_wasm::view::{FrameStatus, LogView, Part};
use std::path::Path;
use std::time::Duration;

/// Writes a log of 4 KiB segments into `dir`: 300 events (with meta every
/// third), a batch of 10 every 50, each write flushed so that the writer
/// rotates between them.
fn write_segments(dir: &Path) {
    let wal = Wal::open_dir(dir).segment_size(4096).build().unwrap();
    for i in 0..300u32 {
        if i % 50 == 25 {
            let mut batch = Batch::new();
            for k in 0..10 {
                batch.add_with_meta(format!("batch {i}.{k}"), "type:batch");
            }
            wal.append_batch(&batch).unwrap();
        } else if i % 3 == 0 {
            wal.append_with_meta(format!("{{\"i\":{i},\"pad\":\"{:060}\"}}", i), "type:third")
                .unwrap();
        } else {
            wal.append(format!("event {i} {:080}", i)).unwrap();
        }
        wal.flush().unwrap();
    }
    wal.shutdown(Duration::from_secs(10)).unwrap();
}

/// The events of the files, oldest first, decoded by the engine one file
/// at a time (up to where each stops being valid).
fn decoded(files: &[(String, Vec<u8>)]) -> Vec<Event> {
    let mut sorted = files.to_vec();
    sorted.sort();
    sorted
        .iter()
        .flat_map(|(_, bytes)| decode_all_batches(bytes, None).0)
        .collect()
}

fn lsns(rows: &[rewal_wasm::view::EventRow]) -> Vec<u64> {
    rows.iter().map(|row| row.lsn).collect()
}

#[test]
fn the_segments_read_as_one_log_across_their_boundaries() {
    let scratch = Scratch::new("seg-one-log");
    write_segments(scratch.dir());
    let files = load(scratch.dir());
    assert!(files.len() >= 5, "{} segments", files.len());
    one_log_across_boundaries(&files);
    // Older segments may end in zeros written ahead (a crash before the
    // writer trimmed them): still one clean log, whose frames are no
    // longer back to back.
    let mut padded = files.clone();
    padded.sort();
    for (_, bytes) in &mut padded[1..3] {
        bytes.extend_from_slice(&[0; 1000]);
    }
    one_log_across_boundaries(&padded);
}

fn one_log_across_boundaries(files: &[(String, Vec<u8>)]) {
    let events = decoded(files);
    let total: u64 = files.iter().map(|(_, bytes)| bytes.len() as u64).sum();
    for (how, mut view) in both_ways(files) {
        let scan = view.scan().clone();
        assert_eq!(scan.end, LogEnd::Clean, "{how}");
        assert_eq!(scan.events, events.len() as u64, "{how}");
        assert_eq!(
            (scan.first_lsn, scan.last_lsn),
            (1, events.len() as u64),
            "{how}"
        );
        assert_eq!(scan.file_len, total, "{how}");
        assert_eq!(
            view.verdict(),
            format!(
                "ok: every frame checked: {} segments, {} frames, {} events, LSNs 1 to {}, {total} bytes",
                files.len(),
                scan.frames,
                events.len(),
                events.len()
            ),
            "{how}"
        );
        assert_eq!(view.ending(), "clean");
        assert!(view.blemishes().is_empty(), "{how}");
        // Every page of 7, from every ordinal, equals the same slice of
        // the engine's decode: pages straddle every boundary.
        for first in 0..events.len() {
            let rows = view.rows_at(Part::Log, first as u64, 7, u64::MAX).unwrap();
            let want = &events[first..(first + 7).min(events.len())];
            assert_eq!(
                lsns(&rows),
                want.iter().map(|e| e.lsn).collect::<Vec<_>>(),
                "{how} {first}"
            );
            for (row, event) in rows.iter().zip(want) {
                assert_eq!(row.payload, event.payload, "{how} LSN {}", event.lsn);
                assert_eq!(
                    row.meta.as_deref(),
                    event.meta.as_deref(),
                    "{how} LSN {}",
                    event.lsn
                );
            }
        }
        // Seeking by LSN lands on every event, the first of each segment
        // included.
        for event in &events {
            assert_eq!(
                view.ordinal_of_lsn(event.lsn).unwrap(),
                event.lsn - 1,
                "{how}"
            );
        }
        // Filtering walks every segment.
        let thirds = events
            .iter()
            .filter(|e| e.meta.as_deref() == Some(b"type:third".as_slice()))
            .count();
        assert_eq!(
            view.filter_meta(b"third", usize::MAX).unwrap().len(),
            thirds,
            "{how}"
        );
        // The frame list: every frame, each located in its own file at the
        // offset where that file holds it.
        let frames = view.frames(0, usize::MAX).unwrap();
        assert_eq!(frames.len() as u64, scan.frames, "{how}");
        let mut starts_seen = 0;
        for (k, frame) in frames.iter().enumerate() {
            let (name, local) = view.locate(frame.offset).unwrap();
            let bytes = &files.iter().find(|(n, _)| n == name).unwrap().1;
            let alone = decode_all_batches(&bytes[local as usize..], None).0;
            assert_eq!(alone[0].lsn, frame.first_lsn, "{how} frame {k}");
            starts_seen += usize::from(local == 0);
            assert_eq!(
                view.frame(k as u64).unwrap(),
                Some(*frame),
                "{how} frame {k}"
            );
            assert_eq!(
                view.frame_at_offset(frame.offset + 1).unwrap(),
                Some(k as u64),
                "{how}"
            );
        }
        assert_eq!(
            starts_seen,
            files.len(),
            "{how}: a frame at the start of every file"
        );
        let segments = view.segments().unwrap();
        assert!((0..files.len()).all(|i| segments.standing(i) == Standing::Held));
        assert_eq!(segments.files()[0].name, segment_name(1));
    }
}

/// The log of `write_segments`, as `(name, bytes)` in order, and its
/// directory (to ask the engine's `scan_dir` too).
fn written(name: &str) -> (Scratch, Vec<(String, Vec<u8>)>) {
    let scratch = Scratch::new(name);
    write_segments(scratch.dir());
    let mut files = load(scratch.dir());
    files.sort();
    (scratch, files)
}

#[test]
fn a_missing_middle_segment_is_a_gap_named_by_the_segment_after_it() {
    let (scratch, mut files) = written("seg-gap");
    let gone = files.remove(2);
    std::fs::remove_file(scratch.dir().join(&gone.0)).unwrap();
    let before = decoded(&files[..2]);
    let after = decoded(&files[2..]);
    let expected = before.last().unwrap().lsn + 1;
    let named = after[0].lsn;
    let after_start: u64 = files[..2].iter().map(|(_, b)| b.len() as u64).sum();
    for (how, mut view) in both_ways(&files) {
        assert_eq!(
            view.verdict(),
            format!(
                "corrupted: segment {} should be named {}: the events {expected} to {} are missing; \
                 the 2 segments before it are clean ({} frames, {} events, LSNs 1 to {})",
                files[2].0,
                gone.0,
                named - 1,
                view.scan().frames,
                before.len(),
                expected - 1
            ),
            "{how}"
        );
        assert_eq!(
            format!("corrupted: {}", view.problem().unwrap()),
            view.ending()
        );
        assert_eq!(
            view.scan().end,
            LogEnd::Corrupted {
                offset: after_start,
                next_valid: Some(after_start)
            },
            "{how}"
        );
        // The log's events stop at the gap; the rest are shown apart.
        assert_eq!(view.events(Part::Log), before.len() as u64, "{how}");
        assert_eq!(
            view.events(Part::AfterCorruption),
            after.len() as u64,
            "{how}"
        );
        let rows = view
            .rows_at(Part::AfterCorruption, 0, usize::MAX, 0)
            .unwrap();
        assert_eq!(lsns(&rows), after.iter().map(|e| e.lsn).collect::<Vec<_>>());
        let segments = view.segments().unwrap();
        let problem = RunProblem::Misfit {
            segment: 2,
            misfit: Misfit::Gap { expected, named },
        };
        assert_eq!(segments.dir_problem(), Some(&problem), "{how}");
        assert_eq!(segments.standing(1), Standing::Held);
        assert_eq!(segments.standing(2), Standing::Problem);
        assert_eq!(segments.standing(3), Standing::After);
        // The engine's own scan of the directory says the same.
        assert_eq!(
            inspect::scan_dir(scratch.dir()).unwrap().problem,
            Some(problem)
        );
    }
}

#[test]
fn a_flipped_byte_in_an_older_segment_is_a_corruption_named_with_its_offset() {
    let (scratch, mut files) = written("seg-flip");
    // A frame in the middle of the second segment.
    let frames = frame_offsets(&files[1].1);
    let hit = frames[frames.len() / 2];
    files[1].1[hit as usize + 30] ^= 0x55;
    std::fs::write(scratch.dir().join(&files[1].0), &files[1].1).unwrap();
    let start: u64 = files[0].1.len() as u64;
    let next = frames[frames.len() / 2 + 1];
    for (how, mut view) in both_ways(&files) {
        let verdict = view.verdict();
        let prefix = format!(
            "corrupted in {} at offset {hit}: the frame there ({} bytes) fails its CRC-32C check",
            files[1].0,
            next - hit
        );
        assert!(verdict.starts_with(&prefix), "{how}: {verdict}");
        assert!(
            verdict.contains(&format!("a valid frame follows at offset {next}")),
            "{verdict}"
        );
        assert_eq!(
            view.scan().end,
            LogEnd::Corrupted {
                offset: start + hit,
                next_valid: Some(start + next)
            },
            "{how}"
        );
        assert_eq!(view.locate(start + hit), Some((files[1].0.as_str(), hit)));
        assert_eq!(
            view.blemishes()[0],
            (start + hit, start + next, Blemish::Corrupt),
            "{how}"
        );
        // Before it: the first segment and the second's frames up to it.
        let kept = decoded(&[
            files[0].clone(),
            (files[1].0.clone(), files[1].1[..hit as usize].to_vec()),
        ]);
        assert_eq!(view.events(Part::Log), kept.len() as u64, "{how}");
        // After it: the rest of the second segment, and every later one.
        let rest = decode_all_batches(&files[1].1[next as usize..], None).0;
        let later = decoded(&files[2..]);
        let rows = view
            .rows_at(Part::AfterCorruption, 0, usize::MAX, 0)
            .unwrap();
        let want: Vec<u64> = rest.iter().chain(&later).map(|e| e.lsn).collect();
        assert_eq!(lsns(&rows), want, "{how}");
        // The invalid frame sits where the log's frames end.
        let invalid = view.frame(view.scan().frames).unwrap().unwrap();
        assert_eq!(
            (invalid.offset, invalid.status),
            (start + hit, FrameStatus::Invalid)
        );
        let problem = RunProblem::Damaged { segment: 1 };
        assert_eq!(view.segments().unwrap().dir_problem(), Some(&problem));
        assert_eq!(
            inspect::scan_dir(scratch.dir()).unwrap().problem,
            Some(problem)
        );
    }
}

#[test]
fn a_torn_tail_in_the_newest_segment_is_a_torn_tail() {
    let (scratch, mut files) = written("seg-torn");
    let last = files.len() - 1;
    let cut = files[last].1.len() - 3;
    files[last].1.truncate(cut);
    let frames = frame_offsets(&files[last].1);
    let torn = *frames.last().unwrap();
    let start: u64 = files[..last].iter().map(|(_, b)| b.len() as u64).sum();
    let kept = decoded(&files);
    for (how, view) in both_ways(&files) {
        assert_eq!(
            view.scan().end,
            LogEnd::TornTail {
                offset: start + torn
            },
            "{how}"
        );
        let verdict = view.verdict();
        let prefix = format!(
            "torn tail in {} at offset {torn}: the frame there claims",
            files[last].0
        );
        assert!(verdict.starts_with(&prefix), "{how}: {verdict}");
        assert!(
            verdict.ends_with("`rewal repair` cuts the tail"),
            "{verdict}"
        );
        assert_eq!(view.events(Part::Log), kept.len() as u64, "{how}");
        assert_eq!(
            view.blemishes(),
            [(start + torn, start + cut as u64, Blemish::Torn)]
        );
        assert_eq!(view.segments().unwrap().dir_problem(), None);
        assert_eq!(view.segments().unwrap().standing(last), Standing::Problem);
    }
    std::fs::write(scratch.dir().join(&files[last].0), &files[last].1).unwrap();
    let found = inspect::scan_dir(scratch.dir()).unwrap();
    assert_eq!(found.problem, None);
    assert_eq!(
        found.segments[last].scan.end,
        LogEnd::TornTail { offset: torn }
    );
}

/// The offsets of the frames of a segment's bytes, and where the last
/// valid one would end (a torn one included: its offset is the last).
fn frame_offsets(bytes: &[u8]) -> Vec<u64> {
    let mut offsets = Vec::new();
    let scan = inspect::scan_bytes(bytes, |frame| offsets.push(frame.offset)).unwrap();
    if scan.valid_len < bytes.len() as u64 {
        offsets.push(scan.valid_len);
    }
    offsets
}

/// A segment named `named` holding one event for each LSN of `lsns`.
fn segment(named: u64, lsns: std::ops::RangeInclusive<u64>) -> (String, Vec<u8>) {
    let mut bytes = Vec::new();
    for lsn in lsns {
        encode_event(
            &mut bytes,
            format!("event {lsn}").as_bytes(),
            b"",
            lsn,
            None,
        )
        .unwrap();
    }
    (segment_name(named), bytes)
}

#[test]
fn hundreds_of_files_empty_ones_and_strange_names_get_an_answer() {
    // 500 segments of one event each, and an empty newest one: one log.
    let mut files: Vec<_> = (1..=500).map(|lsn| segment(lsn, lsn..=lsn)).collect();
    files.push((segment_name(501), Vec::new()));
    let mut view = LogView::from_segments(files.clone()).unwrap();
    assert_eq!(view.scan().events, 500);
    assert!(
        view.verdict()
            .starts_with("ok: every frame checked: 501 segments"),
        "{}",
        view.verdict()
    );
    assert_eq!(lsns(&view.rows_from(250, 3).unwrap()), [250, 251, 252]);

    // An empty older segment is a segment with nothing in it: the next is
    // named by the same LSN.
    let view = LogView::from_segments(vec![
        segment(1, 1..=3),
        (segment_name(4), Vec::new()),
        segment(4, 4..=6),
    ]);
    assert!(view.is_err(), "two files named for LSN 4");
    let view = LogView::from_segments(vec![
        segment(1, 1..=3),
        (segment_name(4), Vec::new()),
        segment(5, 5..=6),
    ])
    .unwrap();
    assert!(
        view.verdict()
            .contains("should be named 00000000000000000004.wal"),
        "{}",
        view.verdict()
    );

    // A segment named 0, then one named at the top of the LSN range.
    let view = LogView::from_segments(vec![
        (segment_name(0), Vec::new()),
        (segment_name(u64::MAX), b"not a log at all".to_vec()),
    ])
    .unwrap();
    assert_eq!(
        view.verdict(),
        "corrupted: segment 18446744073709551615.wal should be named 00000000000000000001.wal: \
         the events 1 to 18446744073709551614 are missing; the segment before it is clean (no frames)"
    );
    // Alone, a segment named 0 holding LSNs from 1 is what the engine
    // accepts too.
    let view = LogView::from_segments(vec![segment(0, 1..=2)]).unwrap();
    assert_eq!(view.scan().events, 2);

    // Overlap, and frames below the name.
    let view = LogView::from_segments(vec![segment(1, 1..=5), segment(4, 4..=6)]).unwrap();
    assert_eq!(
        view.problem().unwrap(),
        "segment 00000000000000000004.wal should be named 00000000000000000006.wal: \
         it overlaps the segment before it, which holds the events up to 5"
    );
    let view = LogView::from_segments(vec![segment(70, 50..=60)]).unwrap();
    assert_eq!(
        view.problem().unwrap(),
        "segment 00000000000000000070.wal holds events from LSN 50, below the LSN it is named by: \
         it is not the file its name says"
    );
    assert_eq!(view.events(Part::Log), 0);
    assert_eq!(view.events(Part::AfterCorruption), 11);

    // A file that is not a log among segments; junk alone.
    let view = LogView::from_segments(vec![
        segment(1, 1..=3),
        (segment_name(4), b"\x7fELF, not a log".to_vec()),
    ])
    .unwrap();
    assert!(view
        .verdict()
        .starts_with("corrupted in 00000000000000000004.wal at offset 0: it is not a rewal log"));
    let view = LogView::from_segments(vec![(segment_name(1), b"junk".to_vec())]).unwrap();
    assert_eq!(view.scan().end, LogEnd::NotALog);

    // Refused with a message: names that are not segments, too many files.
    let refused = |files| LogView::from_segments(files).err().expect("refused");
    let error = refused(vec![("rewal.lock".into(), Vec::new())]);
    assert!(
        error.to_string().contains("is not a segment file"),
        "{error}"
    );
    let many: Vec<_> = (1..=MAX_SEGMENTS as u64 + 1)
        .map(|lsn| (segment_name(lsn), Vec::new()))
        .collect();
    let error = refused(many);
    assert!(error.to_string().contains("at most"), "{error}");
}

#[test]
fn a_damaged_older_segment_that_ends_torn_is_a_corruption() {
    let mut older = segment(1, 1..=4);
    let cut = older.1.len() - 5;
    older.1.truncate(cut);
    let view = LogView::from_segments(vec![older, segment(5, 5..=6)]).unwrap();
    let verdict = view.verdict();
    assert!(
        verdict.starts_with("corrupted in 00000000000000000001.wal at offset "),
        "{verdict}"
    );
    assert!(
        verdict.contains(
            "; newer segments follow it, and only the newest segment may end in a torn tail; the "
        ) && verdict.ends_with("are valid (3 frames, 3 events, LSNs 1 to 3)"),
        "{verdict}"
    );
    assert!(matches!(view.scan().end, LogEnd::Corrupted { .. }));
    assert_eq!(view.events(Part::AfterCorruption), 2);
}

#[test]
fn json_lines_of_segment_files_name_the_segment_and_the_offset_in_it() {
    let (_scratch, files) = written("seg-jsonl");
    let mut view = LogView::from_segments(files.clone()).unwrap();
    let last = view.events(Part::Log) as u32 - 1;
    let text = view.jsonl_at(&[0, last]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    let (oldest, newest) = (&files[0].0, &files[files.len() - 1].0);
    assert!(
        lines[0].ends_with(&format!(",\"frame_offset\":0,\"segment\":\"{oldest}\"}}")),
        "{}",
        lines[0]
    );
    // The newest segment's last frame: its offset counts from that file's start.
    let offsets = frame_offsets(&files[files.len() - 1].1);
    let at = offsets.last().unwrap();
    assert!(
        lines[1].ends_with(&format!(
            ",\"frame_offset\":{at},\"segment\":\"{newest}\"}}"
        )),
        "{}",
        lines[1]
    );
}
