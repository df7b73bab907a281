//! The golden vectors, opened the way the viewer opens them: the summary,
//! every event (against the `.events` sidecars), the frame list, and the
//! verify verdict word for word as the native `rewal verify` prints it.

mod common;

use common::{cli_verify_line, sidecar, vectors_dir, VECTORS};
use rewal::inspect::{scan_bytes, LogEnd};
use rewal_wasm::view::LogView;

fn open(name: &str) -> LogView {
    let bytes = std::fs::read(vectors_dir().join(format!("{name}.wal"))).unwrap();
    LogView::open(bytes).unwrap()
}

#[test]
fn every_vector_shows_the_events_of_its_sidecar() {
    for name in VECTORS {
        let view = open(name);
        let expected = sidecar(name);
        assert_eq!(view.scan().end, expected.end, "{name}");
        let rows = view.rows_at(0, 1000);
        assert_eq!(rows.len(), expected.events.len(), "{name}");
        for (row, event) in rows.iter().zip(&expected.events) {
            let lsn = event.lsn;
            assert_eq!(row.lsn, lsn, "{name}");
            if row.compressed {
                // No decompressor, as in the native CLI: LSN and frame only.
                assert!(row.payload.is_empty() && row.meta.is_none(), "{name}");
            } else {
                assert_eq!(row.payload, &event.payload[..], "{name} LSN {lsn}");
                assert_eq!(row.meta, event.meta.as_deref(), "{name} LSN {lsn}");
            }
        }
    }
}

#[test]
fn the_summary_is_the_engines_scan() {
    for name in VECTORS {
        let bytes = std::fs::read(vectors_dir().join(format!("{name}.wal"))).unwrap();
        let engine = scan_bytes(&bytes, |_| {}).unwrap();
        assert_eq!(*open(name).scan(), engine, "{name}");
    }
}

#[test]
fn the_verdict_is_what_rewal_verify_prints() {
    for name in VECTORS {
        assert_eq!(open(name).verdict(), cli_verify_line(name), "{name}");
    }
}

#[test]
fn the_frame_list_flags_the_invalid_frame_and_what_follows_a_corruption() {
    let torn = open("torn");
    assert_eq!(torn.frame_count(), 6);
    let offsets: Vec<u64> = (0..6).map(|i| torn.frame(i).unwrap().offset).collect();
    assert_eq!(offsets, [0, 45, 86, 136, 192, 233]);
    let bad = torn.frame(5).unwrap();
    assert!(!bad.crc_ok);
    assert_eq!((bad.status, bad.size), ("invalid", 17));

    let corrupt = open("corrupt");
    let list: Vec<_> = (0..corrupt.frame_count())
        .map(|i| corrupt.frame(i).unwrap())
        .collect();
    let statuses: Vec<_> = list
        .iter()
        .map(|frame| (frame.offset, frame.status))
        .collect();
    assert_eq!(statuses[..3], [(0, "ok"), (39, "ok"), (79, "invalid")]);
    assert_eq!(statuses[3], (127, "after corruption"));
    assert!(list[3].crc_ok && !list[2].crc_ok);
    assert_eq!(list[2].first_lsn, 3);

    let compressed = open("compressed");
    assert!((0..4).all(|i| compressed.frame(i).unwrap().flags & 1 == 1));
    assert!(compressed.frame(4).is_none());
}

#[test]
fn junk_opens_as_not_a_log_and_says_so() {
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let view = LogView::open(junk.clone()).unwrap();
    assert_eq!(view.scan().end, LogEnd::NotALog);
    assert_eq!(view.rows_at(0, 10), []);
    assert_eq!(view.frame_count(), 0);
    let head: Vec<String> = junk[..8].iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        view.verdict(),
        format!(
            "it is not a rewal log: it begins with {} where a log begins with \"EWAL\"",
            head.join(" ")
        )
    );

    let empty = LogView::open(Vec::new()).unwrap();
    assert_eq!(empty.scan().end, LogEnd::Clean);
    assert_eq!(empty.verdict(), "ok: an empty log (0 bytes)");
}
