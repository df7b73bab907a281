//! Paging through a log by the seek index: any page, anywhere, equals the
//! same slice of a full decode by the engine, across single-event frames,
//! batch frames larger than the mark interval, and LSN gaps.

use rewal::encoding::{decode_all_batches, encode_batch, encode_event};
use rewal::{Batch, Event};
use rewal_wasm::index::MARK_EVERY;
use rewal_wasm::view::LogView;

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
    let view = LogView::open(bytes).unwrap();
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
            let page = view.rows_at(start, limit);
            let want = &events[(start.min(n) as usize)..((start + limit as u64).min(n) as usize)];
            assert_eq!(page.len(), want.len(), "at {start}");
            for (k, (row, event)) in page.iter().zip(want).enumerate() {
                assert_eq!(row.ordinal, start + k as u64);
                assert_eq!(row.lsn, event.lsn, "at {start}+{k}");
                assert_eq!(row.payload, &event.payload[..], "at {start}+{k}");
                assert_eq!(row.meta, event.meta.as_deref(), "at {start}+{k}");
            }
        }
    }
}

#[test]
fn pages_by_lsn_start_at_the_first_event_at_or_after_it() {
    let bytes = gapped_log();
    let events = all_events(&bytes);
    let view = LogView::open(bytes).unwrap();
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
        let got: Vec<u64> = view.rows_from(from, 3).iter().map(|row| row.lsn).collect();
        assert_eq!(got, want, "from {from}");
    }
}

#[test]
fn the_meta_filter_finds_exactly_the_matching_events() {
    let bytes = gapped_log();
    let events = all_events(&bytes);
    let view = LogView::open(bytes).unwrap();
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
        assert_eq!(view.filter_meta(needle.as_bytes()), want, "{needle}");
    }
}

#[test]
fn frame_offsets_in_the_rows_are_those_of_the_frame_list() {
    let view = LogView::open(gapped_log()).unwrap();
    let offsets: Vec<u64> = (0..view.frame_count())
        .map(|i| view.frame(i).unwrap().offset)
        .collect();
    assert_eq!(offsets.len(), 103);
    let rows = view.rows_at(0, usize::MAX);
    assert!(rows
        .iter()
        .all(|row| offsets.binary_search(&row.frame_offset).is_ok()));
    assert_eq!(rows[100].frame_offset, offsets[100]);
    assert_eq!(rows.last().unwrap().frame_offset, offsets[102]);
}
