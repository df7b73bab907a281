//! `rewal::inspect::Problem` and `Verdict`: every problem reached from
//! crafted bytes, worded as `rewal verify` words it, and the same whether
//! the bytes are a slice, a file (mapped) or a storage that does not map
//! (read through the bounded buffer).

use rewal::encoding::{self, FLAG_COMPRESSED};
use rewal::frame::Found;
use rewal::inspect::{self, LogEnd, LogScan, Problem};
use rewal::{Batch, MemoryStorage};
use rewal_report::{describe, Verdict};
use rewal_testkit::Scratch;

/// One valid frame: `count` events "ab" with meta "m" (15 bytes a record),
/// first LSN `lsn`.
fn frame(count: usize, lsn: u64) -> Vec<u8> {
    let mut batch = Batch::new();
    for _ in 0..count {
        batch.add_with_meta("ab", "m");
    }
    let mut out = Vec::new();
    encoding::encode_batch(&mut out, &batch, lsn, None).unwrap();
    out
}

/// One valid frame holding a single event of `payload_len` bytes.
fn big_frame(payload_len: usize, lsn: u64) -> Vec<u8> {
    let payload: Vec<u8> = (0..payload_len).map(|i| (i % 251) as u8).collect();
    let mut out = Vec::new();
    encoding::encode_event(&mut out, &payload, b"", lsn, None).unwrap();
    out
}

/// Rewrites bytes of a frame at `at` and reseals its CRC, so only the lie
/// is wrong.
fn forge(mut frame: Vec<u8>, at: usize, value: &[u8]) -> Vec<u8> {
    frame[at..at + value.len()].copy_from_slice(value);
    reseal(&mut frame);
    frame
}

fn reseal(frame: &mut [u8]) {
    let end = frame.len() - 4;
    let crc = rewal::crc::checksum(&frame[..end]);
    frame[end..].copy_from_slice(&crc.to_le_bytes());
}

/// Two valid frames (LSNs 1 and 2), then `tail`: the scan stops at
/// `good().len()`.
fn good() -> Vec<u8> {
    let mut log = frame(1, 1);
    log.extend(frame(1, 2));
    log
}

fn after_good(tail: &[u8]) -> (Vec<u8>, u64) {
    let mut log = good();
    let offset = log.len() as u64;
    log.extend_from_slice(tail);
    (log, offset)
}

/// The diagnosis of `bytes` at `offset`, checked to be the same through
/// every way in: a slice, a file, and a storage without a map.
fn diagnose(bytes: &[u8], offset: u64) -> Problem {
    let from_bytes = inspect::diagnose_bytes(bytes, offset);
    let scratch = Scratch::new("diagnose");
    let path = scratch.path("log.wal");
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(
        inspect::diagnose_file(&path, offset).unwrap(),
        from_bytes,
        "file"
    );
    let unmapped = MemoryStorage::from_bytes(bytes);
    assert_eq!(
        inspect::diagnose_storage(unmapped, offset, bytes.len() as u64).unwrap(),
        from_bytes,
        "storage"
    );
    from_bytes
}

/// Diagnoses where the scan of `bytes` stops, checking that it stops at
/// `offset` (so each case is one a front end really meets).
fn at_scan_end(bytes: &[u8], offset: u64) -> Problem {
    let scan = inspect::scan_bytes(bytes, |_| {}).unwrap();
    assert_eq!(scan.valid_len, offset, "{:?}", scan.end);
    assert_ne!(scan.end, LogEnd::Clean);
    diagnose(bytes, offset)
}

#[test]
fn zeros() {
    // Zeros to the end are the clean end of a log (preallocated space);
    // zeros followed by anything else are not.
    let (log, _) = after_good(&[0; 40]);
    assert_eq!(
        inspect::scan_bytes(&log, |_| {}).unwrap().end,
        LogEnd::Clean
    );
    let mut damaged = [0u8; 41];
    damaged[40] = 1;
    let (log, offset) = after_good(&damaged);
    let problem = at_scan_end(&log, offset);
    assert_eq!(problem, Problem::Zeros);
    assert_eq!(
        describe(&problem).to_string(),
        "zero bytes where a frame should begin (space allocated, never written)"
    );
    // Nothing at all is no more than zeros: an offset at or past the end.
    assert_eq!(diagnose(&log, log.len() as u64 + 9), Problem::Zeros);
}

#[test]
fn not_a_log() {
    let bytes = b"\x7fELF\x02\x01\x01\x00more than eight bytes";
    let problem = at_scan_end(bytes, 0);
    assert_eq!(
        problem,
        Problem::NotALog {
            head: Found::new(&bytes[..8])
        }
    );
    assert_eq!(
        describe(&problem).to_string(),
        "it is not a rewal log: it begins with 7f 45 4c 46 02 01 01 00 where a log begins with \"EWAL\""
    );
    // A stranger shorter than 8 bytes is shown whole.
    assert_eq!(
        describe(&diagnose(b"abc", 0)).to_string(),
        "it is not a rewal log: it begins with 61 62 63 where a log begins with \"EWAL\""
    );
}

#[test]
fn no_magic() {
    let (log, offset) = after_good(b"JUNK and more junk after it, to fill a header");
    let problem = at_scan_end(&log, offset);
    assert_eq!(
        problem,
        Problem::NoMagic {
            found: Found::new(b"JUNK")
        }
    );
    assert_eq!(
        describe(&problem).to_string(),
        "no frame begins there: found 4a 55 4e 4b where the magic \"EWAL\" should be"
    );
    // Fewer than 4 bytes left: the comparison is over what is there.
    let (log, offset) = after_good(b"EX");
    assert_eq!(
        describe(&diagnose(&log, offset)).to_string(),
        "no frame begins there: found 45 58 where the magic \"EWAL\" should be"
    );
}

#[test]
fn short_header() {
    let (log, offset) = after_good(&frame(1, 3)[..10]);
    let problem = at_scan_end(&log, offset);
    assert_eq!(problem, Problem::ShortHeader { remaining: 10 });
    assert_eq!(
        describe(&problem).to_string(),
        "an incomplete frame header: only 10 bytes remain, and a header takes 24"
    );
    // A prefix of the magic is the start of a header too.
    let (log, offset) = after_good(b"EW");
    assert_eq!(
        diagnose(&log, offset),
        Problem::ShortHeader { remaining: 2 }
    );
}

#[test]
fn unknown_version() {
    let (log, offset) = after_good(&forge(frame(1, 3), 4, &3u16.to_le_bytes()));
    let problem = at_scan_end(&log, offset);
    assert_eq!(problem, Problem::UnknownVersion { version: 3 });
    assert_eq!(
        describe(&problem).to_string(),
        "the frame there has format version 3, and this tool reads version 2"
    );
}

#[test]
fn too_small() {
    let mut tail = frame(1, 3);
    tail[20..24].copy_from_slice(&20u32.to_le_bytes());
    let (log, offset) = after_good(&tail);
    let problem = at_scan_end(&log, offset);
    assert_eq!(problem, Problem::TooSmall { batch_size: 20 });
    assert_eq!(
        describe(&problem).to_string(),
        "the frame there claims a length of 20 bytes, less than the smallest frame (28)"
    );
}

#[test]
fn beyond_the_end() {
    let whole = frame(2, 3);
    let (log, offset) = after_good(&whole[..whole.len() - 5]);
    let problem = at_scan_end(&log, offset);
    let batch_size = whole.len() as u32;
    let remaining = whole.len() as u64 - 5;
    assert_eq!(
        problem,
        Problem::BeyondEnd {
            batch_size,
            remaining
        }
    );
    assert_eq!(
        describe(&problem).to_string(),
        format!("the frame there claims {batch_size} bytes, but only {remaining} remain in the file (an unfinished write)")
    );
    // A hostile claim of 4 GiB is rejected without reading anything more.
    let mut tail = frame(1, 3);
    tail[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
    let (log, offset) = after_good(&tail);
    assert_eq!(
        at_scan_end(&log, offset),
        Problem::BeyondEnd {
            batch_size: u32::MAX,
            remaining: tail.len() as u64
        }
    );
}

#[test]
fn crc_mismatch() {
    let mut tail = frame(1, 3);
    let stored = u32::from_le_bytes(tail[tail.len() - 4..].try_into().unwrap());
    tail[30] ^= 0xff;
    let computed = rewal::crc::checksum(&tail[..tail.len() - 4]);
    let (log, offset) = after_good(&tail);
    let problem = at_scan_end(&log, offset);
    assert_eq!(
        problem,
        Problem::CrcMismatch {
            batch_size: tail.len() as u32,
            stored,
            computed
        }
    );
    assert_eq!(
        describe(&problem).to_string(),
        format!(
            "the frame there ({} bytes) fails its CRC-32C check (stored {stored:#010x}, computed {computed:#010x})",
            tail.len()
        )
    );
}

#[test]
fn a_frame_larger_than_the_read_window_is_checked_in_chunks() {
    // 3 MiB: several windows of the read buffer (1 MiB), and past the old
    // CLI's whole-frame limit.
    let mut tail = big_frame(3 << 20, 3);
    let stored = u32::from_le_bytes(tail[tail.len() - 4..].try_into().unwrap());
    let last = tail.len() - 5;
    tail[last] ^= 1;
    let computed = rewal::crc::checksum(&tail[..tail.len() - 4]);
    let (log, offset) = after_good(&tail);
    assert_eq!(
        at_scan_end(&log, offset),
        Problem::CrcMismatch {
            batch_size: tail.len() as u32,
            stored,
            computed
        }
    );
    // Its records are checked as well as a small frame's.
    let (log, offset) = after_good(&forge(big_frame(3 << 20, 3), 8, &2u32.to_le_bytes()));
    assert_eq!(
        at_scan_end(&log, offset),
        Problem::RecordsEndEarly {
            record: 2,
            count: 2
        }
    );
}

#[test]
fn impossible_lsns() {
    let (log, offset) = after_good(&forge(frame(1, 3), 8, &0u32.to_le_bytes()));
    let problem = at_scan_end(&log, offset);
    assert_eq!(
        problem,
        Problem::ImpossibleLsns {
            record_count: 0,
            first_lsn: 3
        }
    );
    assert_eq!(
        describe(&problem).to_string(),
        "the frame there has impossible LSNs (0 events from LSN 3)"
    );
    let (log, offset) = after_good(&forge(frame(1, 3), 12, &0u64.to_le_bytes()));
    assert_eq!(
        at_scan_end(&log, offset),
        Problem::ImpossibleLsns {
            record_count: 1,
            first_lsn: 0
        }
    );
    let (log, offset) = after_good(&forge(frame(2, 3), 12, &u64::MAX.to_le_bytes()));
    assert_eq!(
        at_scan_end(&log, offset),
        Problem::ImpossibleLsns {
            record_count: 2,
            first_lsn: u64::MAX
        }
    );
}

#[test]
fn records_region_ends_early() {
    let (log, offset) = after_good(&forge(frame(2, 3), 8, &3u32.to_le_bytes()));
    let problem = at_scan_end(&log, offset);
    assert_eq!(
        problem,
        Problem::RecordsEndEarly {
            record: 3,
            count: 3
        }
    );
    assert_eq!(
        describe(&problem).to_string(),
        "the frame there passes its CRC but its records region ends before record 3 of 3"
    );
}

#[test]
fn record_overruns() {
    // The first record's payload_len, at the start of the region.
    let (log, offset) = after_good(&forge(frame(2, 3), 24, &100u32.to_le_bytes()));
    let problem = at_scan_end(&log, offset);
    assert_eq!(
        problem,
        Problem::RecordOverruns {
            record: 1,
            count: 2
        }
    );
    assert_eq!(
        describe(&problem).to_string(),
        "the frame there passes its CRC but record 1 of 2 claims more bytes than its region holds"
    );
}

#[test]
fn bytes_left_over() {
    let (log, offset) = after_good(&forge(frame(2, 3), 8, &1u32.to_le_bytes()));
    let problem = at_scan_end(&log, offset);
    // The second record: a 6-byte header, meta "m", payload "ab".
    assert_eq!(problem, Problem::BytesLeftOver { bytes: 9, count: 1 });
    assert_eq!(
        describe(&problem).to_string(),
        "the frame there passes its CRC but 9 bytes are left over after its 1 records"
    );
}

#[test]
fn a_frame_that_passes_every_check() {
    // Not where a scan stops (a scan makes the same checks), but where a
    // caller may look: here after a frame whose LSN repeats.
    let (log, offset) = after_good(&frame(1, 2));
    let problem = diagnose(&log, offset);
    assert_eq!(problem, Problem::LsnsOutOfOrder { first_lsn: 2 });
    assert_eq!(
        describe(&problem).to_string(),
        "the frame there passes its checks, but its LSNs (from 2) do not come after the frames before it"
    );
    // A compressed region is opaque here: records that would not fit
    // uncompressed are not held against it.
    let mut tail = frame(2, 2);
    tail[6..8].copy_from_slice(&FLAG_COMPRESSED.to_le_bytes());
    tail[8..12].copy_from_slice(&5u32.to_le_bytes());
    reseal(&mut tail);
    let (log, offset) = after_good(&tail);
    assert_eq!(
        diagnose(&log, offset),
        Problem::LsnsOutOfOrder { first_lsn: 2 }
    );
}

#[test]
fn storage_is_judged_by_the_length_the_scan_saw() {
    // The scan saw a frame half written; it has been finished since (say
    // by another process): still an unfinished write, as the scan said.
    let next = frame(1, 3);
    let (log, offset) = after_good(&next);
    let seen = offset + 10;
    assert_eq!(
        inspect::diagnose_storage(MemoryStorage::from_bytes(log.clone()), offset, seen).unwrap(),
        Problem::ShortHeader { remaining: 10 }
    );
    // A length past the end is the whole storage.
    assert_eq!(
        inspect::diagnose_storage(MemoryStorage::from_bytes(log), offset, u64::MAX).unwrap(),
        Problem::LsnsOutOfOrder { first_lsn: 3 }
    );
}

#[test]
fn a_missing_file_is_an_error() {
    let scratch = Scratch::new("diagnose-missing");
    assert!(inspect::diagnose_file(scratch.path("none.wal"), 0).is_err());
}

/// The verdict on `bytes`, checked to be the same from a file (mapped)
/// and from a storage that does not map.
fn verdict(bytes: &[u8]) -> (LogScan, String, String) {
    let scan = inspect::scan_bytes(bytes, |_| {}).unwrap();
    let verdict = Verdict::of_scan(&scan);
    let scratch = Scratch::new("verdict");
    let path = scratch.path("log.wal");
    std::fs::write(&path, bytes).unwrap();
    let from_file = inspect::scan_file(&path, |_| {}).unwrap();
    assert_eq!(Verdict::of_scan(&from_file), verdict);
    let (line, ending) = (verdict.to_string(), verdict.ending().to_string());
    (scan, line, ending)
}

#[test]
fn verdicts_as_rewal_verify_prints_them() {
    let (_, line, ending) = verdict(&good());
    assert_eq!(
        line,
        "ok: every frame checked: 2 frames, 2 events, LSNs 1 to 2, 74 bytes"
    );
    assert_eq!(ending, "clean");

    assert_eq!(
        verdict(b""),
        (
            inspect::scan_bytes(b"", |_| {}).unwrap(),
            "ok: an empty log (0 bytes)".into(),
            "clean".into()
        )
    );

    let (log, _) = after_good(&[0; 5]);
    let (_, line, ending) = verdict(&log);
    assert_eq!(
        ending,
        "clean, then 5 bytes of zeros (space preallocated, never written)"
    );
    assert_eq!(
        line,
        "ok: every frame checked: 2 frames, 2 events, LSNs 1 to 2, 74 bytes, then 5 bytes of zeros (space preallocated, never written)"
    );
    let mut zeros_then_junk = [0u8; 31];
    zeros_then_junk[30] = 9;
    let (log, _) = after_good(&zeros_then_junk);
    let (_, line, ending) = verdict(&log);
    assert_eq!(
        ending,
        "torn tail at offset 74: zero bytes where a frame should begin (space allocated, never written)"
    );
    assert_eq!(
        line,
        format!("{ending}; the 74 bytes before it are valid (2 frames, 2 events, LSNs 1 to 2); `rewal repair` cuts the tail")
    );

    let (_, line, _) = verdict(&[0; 3]);
    assert_eq!(
        line,
        "ok: an empty log (3 bytes of zeros: space preallocated, never written)"
    );

    // Damage between valid frames: a corruption.
    let mut bad = frame(1, 3);
    bad[30] ^= 0xff;
    let (mut log, _) = after_good(&bad);
    log.extend(frame(1, 4));
    let (scan, line, ending) = verdict(&log);
    let Problem::CrcMismatch {
        stored, computed, ..
    } = inspect::diagnose_bytes(&log, 74)
    else {
        panic!("a CRC mismatch");
    };
    assert_eq!(
        scan.end,
        LogEnd::Corrupted {
            offset: 74,
            next_valid: Some(111)
        }
    );
    assert_eq!(
        ending,
        format!("corrupted at offset 74: the frame there (37 bytes) fails its CRC-32C check (stored {stored:#010x}, computed {computed:#010x}), and a valid frame follows at offset 111")
    );
    assert_eq!(
        line,
        format!("{ending}; the 74 bytes before it are valid (2 frames, 2 events, LSNs 1 to 2)")
    );

    // Not a log: the sentence alone.
    let (_, line, ending) = verdict(b"PK\x03\x04 a zip file");
    assert_eq!(
        line,
        "it is not a rewal log: it begins with 50 4b 03 04 20 61 20 7a where a log begins with \"EWAL\""
    );
    assert_eq!(ending, line);
}

#[test]
fn verdicts_in_a_front_end_s_own_words() {
    let one = inspect::scan_bytes(&frame(1, 1), |_| {}).unwrap();
    let gave_up = LogScan {
        file_len: 1000,
        end: LogEnd::Corrupted {
            offset: 37,
            next_valid: None,
        },
        ..one
    };
    let said = Verdict::new(&gave_up, Some("something odd"));
    assert_eq!(
        said.to_string(),
        "corrupted at offset 37: something odd, and the rest is too costly to search for valid frames, so it counts as a corruption; the 37 bytes before it are valid (1 frame, 1 event, LSNs 1 to 1)"
    );
    // Nothing known of the bytes: where, without what.
    let unknown = Verdict::<String>::new(&gave_up, None);
    assert!(unknown
        .to_string()
        .starts_with("corrupted at offset 37, and the rest is too costly"));
    let torn = LogScan {
        end: LogEnd::TornTail { offset: 37 },
        ..gave_up.clone()
    };
    assert_eq!(
        Verdict::<String>::new(&torn, None).ending().to_string(),
        "torn tail at offset 37"
    );
    let stranger = LogScan {
        end: LogEnd::NotALog,
        ..gave_up.clone()
    };
    assert_eq!(
        Verdict::<String>::new(&stranger, None).to_string(),
        "it is not a rewal log"
    );
}

// F5 (the viewer's hostile-file test, www/tests/hostile.test.js): for
// somebody else's file that begins with zeros or with "EWAL" (the scan
// says "not a log"), the engine's verdict, which the viewer and the wasm
// API's `verify` show as what `rewal verify` says, describes the bytes
// there as a damaged first frame ("zero bytes where a frame should
// begin", "an incomplete frame header") where the CLI says "it is not a
// rewal log". Exit codes agree (3); the words do not.
#[test]
fn f5_the_verdict_of_somebody_elses_file_says_it_is_not_a_log() {
    let mut zeros_then_text = vec![0u8; 512];
    zeros_then_text.extend_from_slice(b"precious data\n");
    for bytes in [zeros_then_text, b"EWALD wrote this\n".to_vec()] {
        let scan = inspect::scan_bytes(&bytes, |_| {}).unwrap();
        assert_eq!(scan.end, LogEnd::NotALog);
        let verdict = rewal_report::Verdict::of_scan(&scan).to_string();
        assert!(
            verdict.contains("not a rewal log"),
            "the verdict says {verdict:?}"
        );
    }
}
