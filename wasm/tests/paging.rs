//! Paging through a log by the seek index: any page, anywhere, equals the
//! same slice of a full decode by the engine, across single-event frames,
//! batch frames larger than the mark interval, more frames than a
//! checkpoint covers, and LSN gaps; read in place and read in slices alike.

mod common;

use common::{both_ways, CountingStorage};
use rewal::encoding::{decode_all_batches, encode_batch, encode_event};
use rewal::{Batch, Event};
use rewal_wasm::index::{CHECKPOINT_EVERY, MARK_EVERY};
use rewal_wasm::view::{LogView, Part};
use std::sync::atomic::Ordering;

/// A log with gaps between frames: singles, a batch spanning several
/// marks, a lone event far ahead, another big batch.
fn gapped_log() -> Vec<u8> {
    let mut out = Vec::new();
    for lsn in 1..=100u64 {
        let meta = if lsn % 3 == 0 { "type:third" } else { "" };
        encode_event(
            &mut out,
            format!("single {lsn}").as_bytes(),
            meta.as_bytes(),
            lsn,
            None,
        )
        .unwrap();
    }
    let mut batch = Batch::new();
    for i in 0..(3 * MARK_EVERY + 17) {
        if i % 2 == 0 {
            batch.add_with_meta(format!("batch-a {i}"), format!("type:even {i}"));
        } else {
            batch.add(format!("batch-a {i} {}", "x".repeat((i % 40) as usize)));
        }
    }
    encode_batch(&mut out, &batch, 200, None).unwrap();
    encode_event(&mut out, b"lonely", b"type:lonely", 50_000, None).unwrap();
    batch.clear();
    for i in 0..(MARK_EVERY + 1) {
        batch.add(format!("batch-b {i}"));
    }
    encode_batch(&mut out, &batch, 60_000, None).unwrap();
    out
}

fn all_events(bytes: &[u8]) -> Vec<Event> {
    let (events, _, error) = decode_all_batches(bytes, None);
    assert!(error.is_none());
    events
}

#[test]
fn every_page_equals_the_same_slice_of_a_full_decode() {
    let bytes = gapped_log();
    let events = all_events(&bytes);
    const { assert!(100 > CHECKPOINT_EVERY, "the log spans several checkpoints") };
    for (how, mut view) in both_ways(&bytes) {
        every_page_of(&mut view, &events, how);
    }
}

fn every_page_of(view: &mut LogView, events: &[Event], how: &str) {
    assert_eq!(view.scan().events, events.len() as u64);
    let n = events.len() as u64;
    let starts = [
        0,
        1,
        99,
        100,
        101,
        1123,
        1124,
        1125,
        2000,
        n - 1026,
        n - 1025,
        n - 1,
        n,
        n + 5,
    ];
    for start in starts {
        for limit in [1, 7, 50] {
            let page = view.rows_at(Part::Log, start, limit, u64::MAX).unwrap();
            let want = &events[(start.min(n) as usize)..((start + limit as u64).min(n) as usize)];
            assert_eq!(page.len(), want.len(), "{how}: at {start}");
            for (k, (row, event)) in page.iter().zip(want).enumerate() {
                assert_eq!(row.ordinal, start + k as u64);
                assert_eq!(row.lsn, event.lsn, "{how}: at {start}+{k}");
                assert_eq!(row.payload, event.payload, "{how}: at {start}+{k}");
                assert_eq!(row.payload_len, event.payload.len() as u64);
                assert_eq!(
                    row.meta.as_deref(),
                    event.meta.as_deref(),
                    "{how}: at {start}+{k}"
                );
            }
        }
    }
}

#[test]
fn payloads_are_cut_to_what_the_page_asks_for() {
    let bytes = gapped_log();
    let events = all_events(&bytes);
    for (how, mut view) in both_ways(&bytes) {
        let rows = view.rows_at(Part::Log, 100, 200, 4).unwrap();
        for (row, event) in rows.iter().zip(&events[100..]) {
            let cut = event.payload.len().min(4);
            assert_eq!(row.payload, event.payload[..cut], "{how}");
            assert_eq!(row.payload_len, event.payload.len() as u64, "{how}");
            assert_eq!(row.meta.as_deref(), event.meta.as_deref(), "{how}");
        }
    }
}

#[test]
fn pages_by_lsn_start_at_the_first_event_at_or_after_it() {
    let bytes = gapped_log();
    let events = all_events(&bytes);
    for (how, mut view) in both_ways(&bytes) {
        pages_by_lsn(&mut view, &events, how);
    }
}

fn pages_by_lsn(view: &mut LogView, events: &[Event], how: &str) {
    for from in [
        0, 1, 50, 100, 101, 150, 200, 201, 2000, 3272, 3273, 40_000, 50_000, 50_001, 60_000,
        61_024, 61_025,
    ] {
        let want: Vec<u64> = events
            .iter()
            .map(|e| e.lsn)
            .filter(|&lsn| lsn >= from)
            .take(3)
            .collect();
        let got: Vec<u64> = view
            .rows_from(from, 3)
            .unwrap()
            .iter()
            .map(|row| row.lsn)
            .collect();
        assert_eq!(got, want, "{how}: from {from}");
    }
}

#[test]
fn the_meta_filter_finds_exactly_the_matching_events() {
    let bytes = gapped_log();
    let events = all_events(&bytes);
    let [(_, mut mapped), (_, mut sliced)] = both_ways(&bytes);
    for needle in ["type:", "third", "even 10", "lonely", "nowhere"] {
        let want: Vec<u32> = events
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.meta
                    .as_deref()
                    .is_some_and(|m| String::from_utf8_lossy(m).contains(needle))
            })
            .map(|(i, _)| i as u32)
            .collect();
        assert_eq!(
            mapped.filter_meta(needle.as_bytes(), usize::MAX).unwrap(),
            want,
            "{needle}"
        );
        assert_eq!(
            sliced.filter_meta(needle.as_bytes(), usize::MAX).unwrap(),
            want,
            "{needle}"
        );
        // At most `max` matches, the first ones.
        let first = want.len().min(5);
        assert_eq!(
            mapped.filter_meta(needle.as_bytes(), 5).unwrap(),
            want[..first],
            "{needle}"
        );
    }
}

#[test]
fn frame_offsets_in_the_rows_are_those_of_the_frame_list() {
    for (how, mut view) in both_ways(&gapped_log()) {
        let offsets: Vec<u64> = (0..view.frame_count())
            .map(|i| view.frame(i).unwrap().unwrap().offset)
            .collect();
        assert_eq!(offsets.len(), 103, "{how}");
        let rows = view.rows_at(Part::Log, 0, usize::MAX, 0).unwrap();
        assert!(rows
            .iter()
            .all(|row| offsets.binary_search(&row.frame_offset).is_ok()));
        assert_eq!(rows[100].frame_offset, offsets[100]);
        assert_eq!(rows.last().unwrap().frame_offset, offsets[102]);
        // Every frame's first ordinal is where its events begin.
        for i in 0..view.frame_count() {
            let frame = view.frame(i).unwrap().unwrap();
            assert_eq!(
                rows[frame.first_ordinal as usize].frame_offset, frame.offset,
                "{how}"
            );
        }
    }
}

#[test]
fn any_offset_finds_the_frame_holding_it() {
    let bytes = gapped_log();
    for (how, mut view) in both_ways(&bytes) {
        let frames: Vec<(u64, u64)> = (0..view.frame_count())
            .map(|i| view.frame(i).unwrap().unwrap())
            .map(|f| (f.offset, f.size))
            .collect();
        for (i, &(offset, size)) in frames.iter().enumerate() {
            for at in [offset, offset + size / 2, offset + size - 1] {
                assert_eq!(
                    view.frame_at_offset(at).unwrap(),
                    Some(i as u64),
                    "{how}: offset {at}"
                );
            }
        }
        // Past the end: the last frame.
        assert_eq!(
            view.frame_at_offset(u64::MAX).unwrap(),
            Some(frames.len() as u64 - 1)
        );
    }
}

#[test]
fn a_log_read_in_slices_is_read_in_bounded_pieces_about_once() {
    // 200,000 single-event frames (about 7 MB): more than a read window,
    // many checkpoints.
    let mut bytes = Vec::new();
    for lsn in 1..=200_000u64 {
        let meta = ["type:a", "type:b", ""][(lsn % 3) as usize];
        encode_event(
            &mut bytes,
            format!("event {lsn}").as_bytes(),
            meta.as_bytes(),
            lsn,
            None,
        )
        .unwrap();
    }
    let storage = CountingStorage::new(bytes.clone());
    let mut view = LogView::open(storage.clone()).unwrap();
    let opened = storage.total.load(Ordering::Relaxed);
    // The engine's window (1 MiB) is the largest read; the file is read by
    // the engine's scan and again by the index (over a storage without a
    // cache of its own; `SourceStorage`'s blocks serve that second read).
    assert!(storage.largest.load(Ordering::Relaxed) <= 1 << 20);
    assert!(
        opened <= 2 * bytes.len() as u64 + (1 << 20),
        "read {opened} of {}",
        bytes.len()
    );
    // A page at the far end reads a window, not the log again.
    let rows = view.rows_at(Part::Log, 199_990, 10, u64::MAX).unwrap();
    assert_eq!(rows.last().unwrap().payload, b"event 200000");
    let paged = storage.total.load(Ordering::Relaxed) - opened;
    assert!(paged <= 128 << 10, "a page read {paged} bytes");
}

/// Which events a search should find.
type Keep = fn(&Event) -> bool;

#[test]
fn search_counts_every_match_and_keeps_the_first_ordinals() {
    use rewal_wasm::search::{Asked, Field, Query};
    let bytes = gapped_log();
    let events = all_events(&bytes);
    for (how, mut view) in both_ways(&bytes) {
        let cases: [(Asked, Keep); 4] = [
            (
                Asked {
                    text: Some("batch-a 1".into()),
                    field: Some(Field::Payload),
                    ..Asked::default()
                },
                |e: &Event| e.payload.starts_with(b"batch-a 1"),
            ),
            (
                Asked {
                    hex: Some("78 78 78".into()),
                    field: Some(Field::Both),
                    ..Asked::default()
                },
                |e: &Event| e.payload.windows(3).any(|w| w == b"xxx"),
            ),
            (
                Asked {
                    regex: Some(r"^single \d*7$".into()),
                    field: Some(Field::Payload),
                    ..Asked::default()
                },
                |e: &Event| {
                    let text = String::from_utf8_lossy(&e.payload);
                    text.starts_with("single ") && text.ends_with('7')
                },
            ),
            (
                Asked {
                    text: Some("even".into()),
                    field: Some(Field::Meta),
                    ..Asked::default()
                },
                |e: &Event| {
                    e.meta
                        .as_deref()
                        .is_some_and(|m| m.windows(4).any(|w| w == b"even"))
                },
            ),
        ];
        for (asked, keep) in cases {
            let want: Vec<u32> = (0..events.len() as u32)
                .filter(|&i| keep(&events[i as usize]))
                .collect();
            assert!(!want.is_empty(), "{how}: {asked:?}");
            let query = Query::new(&asked).unwrap();
            let found = view.search(&query, usize::MAX).unwrap();
            assert_eq!(
                (found.ordinals.clone(), found.total),
                (want.clone(), want.len() as u64),
                "{how}: {asked:?}"
            );
            let first = view.search(&query, 3).unwrap();
            assert_eq!(
                (first.ordinals, first.total),
                (want[..3.min(want.len())].to_vec(), want.len() as u64)
            );
            // The rows at those ordinals are those events.
            let rows = view.rows_at_ordinals(&want, u64::MAX).unwrap();
            let lsns: Vec<u64> = rows.iter().map(|row| row.lsn).collect();
            let expected: Vec<u64> = want.iter().map(|&i| events[i as usize].lsn).collect();
            assert_eq!(lsns, expected, "{how}: {asked:?}");
        }
    }
}

#[test]
fn pages_stop_before_to_and_keep_only_the_meta_asked_for() {
    let bytes = gapped_log();
    let events = all_events(&bytes);
    for (how, mut view) in both_ways(&bytes) {
        // Every event below LSN 250 whose meta is exactly "type:third", in
        // pages of 7 that go on where the last one stopped.
        let mut got = Vec::new();
        let mut at = Some(0);
        while let Some(ordinal) = at {
            let (rows, next) = view
                .page(ordinal, 7, Some(250), Some(b"type:third"))
                .unwrap();
            got.extend(rows.iter().map(|row| row.lsn));
            at = next;
        }
        let want: Vec<u64> = events
            .iter()
            .filter(|e| e.lsn < 250 && e.meta.as_deref() == Some(&b"type:third"[..]))
            .map(|e| e.lsn)
            .collect();
        assert_eq!(got, want, "{how}");
        // An empty meta asked for: the events without one.
        let (rows, _) = view.page(0, 1000, Some(200), Some(b"")).unwrap();
        assert!(rows.iter().all(|row| row.meta.is_none()), "{how}");
        assert_eq!(
            rows.len(),
            events
                .iter()
                .filter(|e| e.lsn < 200 && e.meta.is_none())
                .count()
        );
    }
}

#[test]
fn json_lines_have_the_clis_shape_for_each_event_asked_for() {
    let bytes = gapped_log();
    let events = all_events(&bytes);
    let [(_, mut view), _] = both_ways(&bytes);
    let text = view.jsonl_at(&[0, 2, 3]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0],
        "{\"lsn\":1,\"meta\":null,\"payload\":\"single 1\",\"frame_offset\":0}"
    );
    assert!(lines[1].starts_with(
        "{\"lsn\":3,\"meta\":\"type:third\",\"payload\":\"single 3\",\"frame_offset\":"
    ));
    assert_eq!(events[3].lsn, 4);
}
