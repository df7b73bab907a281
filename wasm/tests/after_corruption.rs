//! The frames after a corruption (what `rewal repair --cut-at-corruption`
//! would remove): the engine's scan from its `next_valid` finds them, and
//! their events page like the log's, read in place and in slices alike.
//! And the picture: meta counts as `rewal demo` counts them, sizes, and the
//! minimap's marks.

mod common;

use common::both_ways;
use rewal::encoding::{decode_all_batches, encode_batch, encode_event};
use rewal::inspect::LogEnd;
use rewal::{Batch, Event};
use rewal_wasm::index::MARK_EVERY;
use rewal_wasm::picture::{Mark, MARKS, MINIMAP_BUCKETS};
use rewal_wasm::view::{FrameStatus, Part};
use std::collections::BTreeMap;

/// Frame offsets and bytes of a log: 40 singles, a batch larger than the
/// mark interval, 20 more singles.
fn log() -> (Vec<u64>, Vec<u8>) {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for lsn in 1..=40u64 {
        offsets.push(out.len() as u64);
        let meta = if lsn % 2 == 0 { "type:even" } else { "" };
        encode_event(
            &mut out,
            format!("event {lsn}").as_bytes(),
            meta.as_bytes(),
            lsn,
            None,
        )
        .unwrap();
    }
    offsets.push(out.len() as u64);
    let mut batch = Batch::new();
    for i in 0..(2 * MARK_EVERY + 5) {
        batch.add_with_meta(format!("batch {i}"), "type:batch");
    }
    encode_batch(&mut out, &batch, 41, None).unwrap();
    let next = 41 + 2 * MARK_EVERY + 5;
    for lsn in next..next + 20 {
        offsets.push(out.len() as u64);
        encode_event(
            &mut out,
            format!("event {lsn}").as_bytes(),
            b"type:late",
            lsn,
            None,
        )
        .unwrap();
    }
    (offsets, out)
}

/// Flips a payload byte of the frame at `offset` (its CRC then fails).
fn corrupt(bytes: &mut [u8], offset: u64) {
    bytes[offset as usize + 30] ^= 0x55;
}

fn decode(bytes: &[u8]) -> Vec<Event> {
    decode_all_batches(bytes, None).0
}

#[test]
fn the_events_after_a_corruption_page_like_the_logs() {
    let (offsets, mut bytes) = log();
    corrupt(&mut bytes, offsets[10]);
    let before = decode(&bytes[..offsets[10] as usize]);
    let after = decode(&bytes[offsets[11] as usize..]);
    for (how, mut view) in both_ways(&bytes) {
        assert_eq!(
            view.scan().end,
            LogEnd::Corrupted {
                offset: offsets[10],
                next_valid: Some(offsets[11])
            },
            "{how}"
        );
        assert_eq!(view.events(Part::Log), before.len() as u64);
        let run = view
            .after_corruption()
            .expect("frames after the corruption");
        assert_eq!(
            (run.offset, run.end),
            (offsets[11], bytes.len() as u64),
            "{how}"
        );
        assert_eq!(run.frames(), offsets.len() as u64 - 11);
        assert_eq!(run.events(), after.len() as u64);
        assert_eq!(
            (run.first_lsn, run.last_lsn),
            (12, after.last().unwrap().lsn)
        );

        // Every page, including inside the big batch, past its marks.
        let n = after.len() as u64;
        for start in [0, 1, 28, 29, 30, 29 + MARK_EVERY, n - 3, n] {
            let rows = view
                .rows_at(Part::AfterCorruption, start, 7, u64::MAX)
                .unwrap();
            let want = &after[(start as usize).min(after.len())..((start + 7).min(n) as usize)];
            assert_eq!(rows.len(), want.len(), "{how} at {start}");
            for (row, event) in rows.iter().zip(want) {
                assert_eq!(
                    (row.lsn, &row.payload),
                    (event.lsn, &event.payload),
                    "{how}"
                );
                assert_eq!(row.meta.as_deref(), event.meta.as_deref());
            }
        }

        // The frame list: the log's frames, the invalid one, then these,
        // each pointing at its first event in its part.
        assert_eq!(view.frame_count(), offsets.len() as u64);
        let invalid = view.frame(10).unwrap().unwrap();
        assert_eq!(
            (invalid.offset, invalid.status, invalid.crc_ok),
            (offsets[10], FrameStatus::Invalid, false)
        );
        for (i, &offset) in offsets.iter().enumerate().skip(11) {
            let frame = view.frame(i as u64).unwrap().unwrap();
            assert_eq!(
                (frame.offset, frame.status),
                (offset, FrameStatus::AfterCorruption),
                "{how}"
            );
            let first = view
                .rows_at(Part::AfterCorruption, frame.first_ordinal, 1, 0)
                .unwrap();
            assert_eq!(first[0].lsn, frame.first_lsn, "{how} frame {i}");
            // A click on the minimap anywhere in the frame finds it.
            assert_eq!(view.frame_at_offset(offset + 5).unwrap(), Some(i as u64));
        }
        // Inside the invalid bytes: the invalid entry.
        assert_eq!(view.frame_at_offset(offsets[10] + 3).unwrap(), Some(10));
    }
}

#[test]
fn the_run_after_a_corruption_stops_at_the_next_invalid_byte() {
    let (offsets, mut bytes) = log();
    corrupt(&mut bytes, offsets[5]);
    corrupt(&mut bytes, offsets[20]);
    for (how, mut view) in both_ways(&bytes) {
        let run = view.after_corruption().unwrap();
        assert_eq!((run.offset, run.end), (offsets[6], offsets[20]), "{how}");
        assert_eq!(run.frames(), 14);
        assert_eq!(view.frame_count(), 5 + 1 + 14);
        let last = view
            .rows_at(Part::AfterCorruption, 13, 10, u64::MAX)
            .unwrap();
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].lsn, 20);
    }
}

#[test]
fn a_torn_tail_and_a_clean_log_have_nothing_after_them() {
    let (offsets, bytes) = log();
    let torn = &bytes[..bytes.len() - 3];
    for (how, mut view) in both_ways(torn) {
        assert!(matches!(view.scan().end, LogEnd::TornTail { .. }), "{how}");
        assert!(view.after_corruption().is_none());
        assert_eq!(view.events(Part::AfterCorruption), 0);
        assert_eq!(view.rows_at(Part::AfterCorruption, 0, 5, 0).unwrap(), []);
        assert_eq!(view.frame_count(), offsets.len() as u64);
    }
}

#[test]
fn the_meta_breakdown_counts_what_rewal_demo_counts() {
    let (_, bytes) = log();
    // `rewal demo`'s count: replay everything, group by meta (lossy UTF-8),
    // "(no meta)" for events without.
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for event in decode(&bytes) {
        let key = event.meta.as_deref().map_or("(no meta)".into(), |m| {
            String::from_utf8_lossy(m).into_owned()
        });
        *want.entry(key).or_default() += 1;
    }
    for (how, view) in both_ways(&bytes) {
        let got: BTreeMap<String, u64> = view
            .picture()
            .metas()
            .into_iter()
            .map(|line| (line.label, line.count))
            .collect();
        assert_eq!(got, want, "{how}");
        let sizes: u64 = view.picture().sizes().iter().sum();
        assert_eq!(sizes, view.scan().frames);
    }
}

#[test]
fn the_minimap_marks_the_frames_where_they_are() {
    let (offsets, mut bytes) = log();
    corrupt(&mut bytes, offsets[30]);
    let len = bytes.len() as u64;
    let bucket = |offset: u64| (offset * MINIMAP_BUCKETS as u64 / len) as usize;
    for (how, view) in both_ways(&bytes) {
        let map = view.picture().minimap();
        assert_eq!(map.len(), MINIMAP_BUCKETS * MARKS);
        let at = |b: usize, mark: Mark| map[b * MARKS + mark as usize];
        // Before the corruption valid marks, none after; after the next
        // valid frame, after-corruption marks only.
        assert!(at(bucket(offsets[0]), Mark::Valid) > 0, "{how}");
        assert!(at(bucket(offsets[29]), Mark::Valid) > 0);
        assert_eq!(at(bucket(offsets[29]), Mark::AfterCorruption), 0);
        let last = bucket(len - 1);
        assert!(at(last, Mark::AfterCorruption) > 0);
        assert_eq!(at(last, Mark::Valid), 0);
        // The corrupted frame's own bytes are marked by neither.
        let hole = bucket(offsets[30] + 20);
        if hole != bucket(offsets[29]) && hole != bucket(offsets[31]) {
            assert_eq!(at(hole, Mark::Valid) + at(hole, Mark::AfterCorruption), 0);
        }
    }
}

#[test]
fn hostile_bytes_after_a_corruption_open_without_trouble() {
    // A corruption followed by bytes full of frame magics with huge length
    // claims, then one real frame: the engine's budgeted search decides.
    let (offsets, mut bytes) = log();
    bytes.truncate(offsets[3] as usize);
    corrupt(&mut bytes, offsets[2]);
    for _ in 0..1000 {
        bytes.extend_from_slice(
            b"EWAL\x02\x00\x00\x00\x01\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff",
        );
    }
    encode_event(&mut bytes, b"survivor", b"", 99, None).unwrap();
    let engine = rewal::inspect::scan_bytes(&bytes, |_| {}).unwrap();
    let LogEnd::Corrupted {
        next_valid: Some(survivor),
        ..
    } = engine.end
    else {
        panic!("the engine finds the survivor: {:?}", engine.end);
    };
    for (how, mut view) in both_ways(&bytes) {
        assert_eq!(view.scan().end, engine.end, "{how}");
        let run = view.after_corruption().unwrap();
        assert_eq!((run.offset, run.events()), (survivor, 1), "{how}");
        let rows = view.rows_at(Part::AfterCorruption, 0, 5, u64::MAX).unwrap();
        assert_eq!(rows[0].payload, b"survivor");
        assert_eq!(view.frame_count(), 2 + 1 + 1);
    }
}

#[test]
fn pages_of_the_frame_list_are_its_entries_one_by_one() {
    let (offsets, mut bytes) = log();
    corrupt(&mut bytes, offsets[10]);
    for clean in [false, true] {
        let bytes = if clean { log().1 } else { bytes.clone() };
        for (how, mut view) in both_ways(&bytes) {
            let n = view.frame_count();
            let one_by_one: Vec<_> = (0..n).map(|i| view.frame(i).unwrap().unwrap()).collect();
            for start in [0, 1, 9, 10, 11, 12, n - 1, n, n + 3] {
                for limit in [1, 2, 5, 100] {
                    let page = view.frames(start, limit).unwrap();
                    let want = &one_by_one
                        [(start.min(n) as usize)..((start + limit as u64).min(n) as usize)];
                    assert_eq!(page, want, "{how}, clean {clean}: {limit} from {start}");
                }
            }
        }
    }
}
