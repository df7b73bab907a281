//! The golden vectors, opened both ways the viewer opens logs (in memory,
//! and read in slices): the summary, every event (against the `.events`
//! sidecars), the frame list, and the verify verdict word for word as the
//! native `rewal verify` prints it.

mod common;

use common::{both_ways, cli_verify_line, sidecar, vectors_dir, VECTORS};
use rewal::inspect::{scan_bytes, LogEnd};
use rewal_wasm::view::{FrameEntry, FrameStatus, LogView, Part};

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(vectors_dir().join(format!("{name}.wal"))).unwrap()
}

/// Vector `name` opened both ways.
fn open(name: &str) -> [(&'static str, LogView); 2] {
    both_ways(&bytes(name))
}

fn frame_list(view: &mut LogView) -> Vec<FrameEntry> {
    (0..view.frame_count())
        .map(|i| view.frame(i).unwrap().unwrap())
        .collect()
}

#[test]
fn every_vector_shows_the_events_of_its_sidecar() {
    for name in VECTORS {
        let expected = sidecar(name);
        for (how, mut view) in open(name) {
            assert_eq!(view.scan().end, expected.end, "{name}");
            let rows = view.rows_at(Part::Log, 0, 1000, u64::MAX).unwrap();
            assert_eq!(rows.len(), expected.events.len(), "{name}");
            for (row, event) in rows.iter().zip(&expected.events) {
                let lsn = event.lsn;
                assert_eq!(row.lsn, lsn, "{name}");
                if row.compressed {
                    // No decompressor, as in the native CLI: LSN and frame only.
                    assert!(row.payload.is_empty() && row.meta.is_none(), "{name}");
                } else {
                    assert_eq!(row.payload, event.payload, "{name} LSN {lsn} {how}");
                    assert_eq!(
                        row.meta.as_deref(),
                        event.meta.as_deref(),
                        "{name} LSN {lsn} {how}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_summary_is_the_engines_scan() {
    for name in VECTORS {
        let engine = scan_bytes(&bytes(name), |_| {}).unwrap();
        for (how, view) in open(name) {
            assert_eq!(*view.scan(), engine, "{name} {how}");
        }
    }
}

#[test]
fn the_verdict_is_what_rewal_verify_prints() {
    for name in VECTORS {
        for (how, view) in open(name) {
            assert_eq!(view.verdict(), cli_verify_line(name), "{name} {how}");
            // The problem is the verdict's clause after the offset.
            match view.problem() {
                Some(problem) => assert!(view.verdict().contains(&problem), "{name}"),
                None => assert_eq!(view.scan().end, LogEnd::Clean),
            }
        }
    }
}

#[test]
fn the_frame_list_flags_the_invalid_frame_and_what_follows_a_corruption() {
    for (how, mut torn) in open("torn") {
        let list = frame_list(&mut torn);
        let offsets: Vec<u64> = list.iter().map(|frame| frame.offset).collect();
        assert_eq!(offsets, [0, 45, 86, 136, 192, 233], "{how}");
        let bad = list[5];
        assert!(!bad.crc_ok);
        assert_eq!((bad.status, bad.size), (FrameStatus::Invalid, 17));
        assert!(torn.after_corruption().is_none());
    }

    for (how, mut corrupt) in open("corrupt") {
        corrupt_frame_list(&mut corrupt, how);
    }

    for (_, mut compressed) in open("compressed") {
        let list = frame_list(&mut compressed);
        assert_eq!(list.len(), 4);
        assert!(list.iter().all(|frame| frame.flags & 1 == 1));
    }
}

fn corrupt_frame_list(corrupt: &mut LogView, how: &str) {
    let list = frame_list(corrupt);
    let statuses: Vec<_> = list
        .iter()
        .map(|frame| (frame.offset, frame.status))
        .collect();
    assert_eq!(
        statuses[..3],
        [
            (0, FrameStatus::Ok),
            (39, FrameStatus::Ok),
            (79, FrameStatus::Invalid)
        ],
        "{how}"
    );
    assert_eq!(statuses[3], (127, FrameStatus::AfterCorruption));
    assert!(list[3].crc_ok && !list[2].crc_ok);
    assert_eq!(list[2].first_lsn, 3);
}

#[test]
fn junk_opens_as_not_a_log_and_says_so() {
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let [_, (_, mut view)] = both_ways(&junk);
    assert_eq!(view.scan().end, LogEnd::NotALog);
    assert_eq!(view.rows_at(Part::Log, 0, 10, u64::MAX).unwrap(), []);
    assert_eq!(view.frame_count(), 0);
    assert_eq!(view.frame_at_offset(10).unwrap(), None);
    let head: Vec<String> = junk[..8].iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        view.verdict(),
        format!(
            "it is not a rewal log: it begins with {} where a log begins with \"EWAL\"",
            head.join(" ")
        )
    );

    let empty = LogView::from_bytes(Vec::new()).unwrap();
    assert_eq!(empty.scan().end, LogEnd::Clean);
    assert_eq!(empty.verdict(), "ok: an empty log (0 bytes)");
}
