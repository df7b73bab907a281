//! Torn campaign: logs written by the engine, cut at every byte of their
//! last frames, as a crash in the middle of a write leaves them. The last
//! frames carry hostile payloads (valid frames with later LSNs, whole
//! embedded logs, a header claiming 4 GiB: issue 10's first defect).
//!
//! For every cut, on a real file and on memory (the read buffer, no map):
//! the open succeeds and recovers exactly the frames before the cut, byte
//! for byte; the scan says where the valid part ends; the read-only reader
//! agrees; an append after recovery lands right after them and survives a
//! reopen. Some cuts are followed by zeros (what preallocated space
//! leaves) or by stale bytes (a torn sector): the same events come back.

use rewal::inspect::{self, LogEnd};
use rewal::{Event, MemoryStorage, Wal, WalBuilder};
use rewal_testkit::campaign::{size, Campaign};
use rewal_testkit::events::{self, Writer};
use rewal_testkit::rng::Rng;
use rewal_testkit::Scratch;
use std::path::Path;
use std::time::Duration;

/// A log the engine wrote, and where its frames end.
struct Log {
    bytes: Vec<u8>,
    /// The end offset of each frame, and the number of events up to it.
    ends: Vec<(usize, usize)>,
    events: Vec<Event>,
    compressed: bool,
}

impl Log {
    fn builder(&self, path: &Path) -> WalBuilder {
        let builder = Wal::open(path);
        if self.compressed {
            builder.compressor(rewal_testkit::Rle)
        } else {
            builder
        }
    }

    /// Where the valid part of the log cut at `cut` ends, and how many
    /// events it holds.
    fn kept(&self, cut: usize) -> (usize, usize) {
        self.ends
            .iter()
            .take_while(|(end, _)| *end <= cut)
            .last()
            .copied()
            .unwrap_or((0, 0))
    }
}

/// Writes a log of `appends` random appends, then three with hostile
/// payloads, through the engine to a real file.
fn write_log(dir: &Scratch, seed: u64, rng: &mut Rng, appends: usize, compressed: bool) -> Log {
    let path = dir.path("source.wal");
    let _ = std::fs::remove_file(&path);
    let mut log = Log {
        bytes: Vec::new(),
        ends: Vec::new(),
        events: Vec::new(),
        compressed,
    };
    let wal = log.builder(&path).build().unwrap();
    let mut writer = Writer::new(seed, 0, rng.next_u64(), 600);
    // The last frames: embedded frames far ahead (a single and a batch),
    // an embedded whole log, a header that claims 4 GiB, in some order.
    let mut hostile = [(1, 3, 200), (3, 4, 150), (1, 5, 60), (2, 3, 90)];
    hostile.rotate_left(rng.below(4) as usize);
    for i in 0..appends + hostile.len() {
        let append = match hostile.get(i.wrapping_sub(appends)) {
            Some(&(batch_len, kind, filler)) => {
                writer.next_with(batch_len, Some(kind), Some(filler))
            }
            None => writer.next(),
        };
        append.to(&wal).unwrap();
        writer.taken(&append);
    }
    wal.shutdown(Duration::from_secs(10)).unwrap();
    log.bytes = std::fs::read(&path).unwrap();
    let mut events = 0;
    inspect::scan_file(&path, |frame| {
        events += frame.header.record_count as usize;
        log.ends
            .push((frame.offset as usize + frame.header.len(), events));
    })
    .unwrap();
    log.events = replay(log.builder(&path)).unwrap();
    events::check_log(seed, &log.events).unwrap();
    assert_eq!(log.events.len(), events);
    log
}

/// Opens the log, replays it, closes it.
fn replay(builder: WalBuilder) -> Result<Vec<Event>, String> {
    let wal = builder.build().map_err(|e| format!("open: {e}"))?;
    let mut events = Vec::new();
    wal.replay(0, |event| {
        events.push(event);
        Ok(())
    })
    .map_err(|e| format!("replay: {e}"))?;
    wal.shutdown(Duration::from_secs(10))
        .map_err(|e| format!("shutdown: {e}"))?;
    Ok(events)
}

fn same(got: &[Event], want: &[Event]) -> Result<(), String> {
    if got == want {
        return Ok(());
    }
    let first = got.iter().zip(want).position(|(a, b)| a != b);
    Err(format!(
        "recovered {} events, want {}; first difference at {first:?}",
        got.len(),
        want.len()
    ))
}

/// Cuts refused on purpose (F7 in tests/campaign_found.rs): a torn frame
/// whose payload embeds the frame that would come next, cut exactly where
/// one of the embedded frames ends, is the same bytes as a damaged frame
/// followed by real ones; recovery refuses rather than guess. Any other
/// corruption of a prefix of a valid log is a failure.
static REFUSED_ON_PURPOSE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn f7(valid: usize, scan: &inspect::LogScan, bytes: &[u8]) -> bool {
    let LogEnd::Corrupted {
        offset,
        next_valid: Some(next),
    } = scan.end
    else {
        return false;
    };
    // The frames from the one found run to the very end.
    let to_the_end = usize::try_from(next)
        .ok()
        .and_then(|next| bytes.get(next..))
        .and_then(|rest| inspect::scan_bytes(rest, |_| {}).ok())
        .is_some_and(|rest| rest.end == LogEnd::Clean);
    let seen = offset == valid as u64 && to_the_end;
    if seen {
        REFUSED_ON_PURPOSE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    seen
}

/// The real-file checks of the log cut at `cut`.
fn check_file_cut(log: &Log, path: &Path, cut: usize) -> Result<(), String> {
    let (valid, count) = log.kept(cut);
    let want = &log.events[..count];
    std::fs::write(path, &log.bytes[..cut]).unwrap();

    let scan = inspect::scan_file(path, |_| {}).map_err(|e| format!("scan: {e}"))?;
    if f7(valid, &scan, &log.bytes[..cut]) {
        return Ok(());
    }
    let end = if valid == cut {
        LogEnd::Clean
    } else {
        LogEnd::TornTail {
            offset: valid as u64,
        }
    };
    if scan.end != end || scan.valid_len != valid as u64 {
        return Err(format!(
            "scan says {:?} valid {}, want {end:?} valid {valid}",
            scan.end, scan.valid_len
        ));
    }

    // The read-only reader: the same events, then an error at a torn end.
    let compressor: Option<Box<dyn rewal::Compressor>> = if log.compressed {
        Some(Box::new(rewal_testkit::Rle))
    } else {
        None
    };
    let mut reader = inspect::read_file(path, 0, compressor).map_err(|e| format!("{e}"))?;
    let mut read = Vec::new();
    let ended = loop {
        match reader.next() {
            Ok(Some(event)) => read.push(event),
            other => break other,
        }
    };
    same(&read, want).map_err(|e| format!("read_file: {e}"))?;
    match (valid == cut, ended) {
        (true, Ok(None)) | (false, Err(rewal::Error::Corrupted { .. })) => {}
        (_, other) => return Err(format!("read_file ended with {other:?}")),
    }

    // Recovery, then an append right after what survived.
    let wal = log
        .builder(path)
        .build()
        .map_err(|e| format!("open: {e}"))?;
    let mut got = Vec::new();
    wal.replay(0, |event| {
        got.push(event);
        Ok(())
    })
    .map_err(|e| format!("replay: {e}"))?;
    same(&got, want)?;
    let last = want.last().map_or(0, |event| event.lsn);
    let lsn = wal
        .append("after the cut")
        .map_err(|e| format!("append: {e}"))?;
    if lsn != last + 1 {
        return Err(format!(
            "the append after recovery got LSN {lsn}, want {}",
            last + 1
        ));
    }
    wal.shutdown(Duration::from_secs(10))
        .map_err(|e| format!("shutdown: {e}"))?;
    let again = replay(log.builder(path))?;
    same(&again[..again.len().min(count)], want)?;
    match again.get(count) {
        Some(event) if again.len() == count + 1 && event.payload == b"after the cut" => Ok(()),
        _ => Err(format!(
            "after the append and a reopen: {} events, want {}",
            again.len(),
            count + 1
        )),
    }
}

/// The same cut in memory (read buffer, no map), possibly followed by
/// zeros or stale bytes: the same events, whatever follows the cut.
fn check_memory_cut(log: &Log, cut: usize, after: &[u8]) -> Result<(), String> {
    let mut bytes = log.bytes[..cut].to_vec();
    bytes.extend_from_slice(after);
    // What follows the cut may put back what was cut (zeros where a CRC
    // ended in zeros): the log is cut where the bytes first differ.
    let matching = bytes.iter().zip(&log.bytes).take_while(|(a, b)| a == b);
    let (valid, count) = log.kept(matching.count());
    // Holds whether a zero tail is a torn tail (today) or the clean end of
    // a preallocated log (issue 9): the valid part ends where it ends.
    let scan = inspect::scan_bytes(&bytes, |_| {}).map_err(|e| format!("scan: {e}"))?;
    if f7(valid, &scan, &bytes) {
        return Ok(());
    }
    if scan.valid_len != valid as u64
        || matches!(scan.end, LogEnd::Corrupted { .. } | LogEnd::NotALog)
    {
        return Err(format!(
            "scan says {scan:?}, want the valid part to end at {valid}"
        ));
    }
    let memory = MemoryStorage::from_bytes(bytes);
    let got = replay(log.builder(Path::new("memory")).storage(memory))?;
    same(&got, &log.events[..count])
}

#[test]
fn every_cut_of_the_last_frames_recovers_exactly_the_frames_before_it() {
    let mut c = Campaign::start("torn");
    // On wasm32 (file I/O through the test runner's wasmtime is slow) the
    // short form takes half as many logs.
    let logs = size(if cfg!(target_family = "wasm") { 2 } else { 4 }, 60);
    // The last frames are cut at every byte; the memory variants at every
    // byte too, the zero and stale tails at one cut in `sparse`.
    let last_frames = size(3, 6);
    let dir = Scratch::new("campaign-torn");
    let path = dir.path("cut.wal");
    for n in 0..logs {
        let mut rng = c.rng(n as u64);
        let seed = rng.next_u64();
        let compressed = n % 4 == 3;
        let appends = 2 + rng.below(10) as usize;
        let log = write_log(&dir, seed, &mut rng, appends, compressed);
        // The end of the frame before the last `last_frames`.
        let from = match log.ends.len().checked_sub(last_frames + 1) {
            Some(i) => log.ends[i].0,
            None => 0,
        };
        for cut in from..=log.bytes.len() {
            let context = |e: String| {
                format!(
                    "log {n} (seed {seed:#x}, {} bytes{}), cut at {cut}: {e}",
                    log.bytes.len(),
                    if compressed { ", compressed" } else { "" }
                )
            };
            check_file_cut(&log, &path, cut).map_err(context).unwrap();
            check_memory_cut(&log, cut, &[]).map_err(context).unwrap();
            c.add("cuts", 1);
            c.add("events_checked", log.kept(cut).1 as u64);
            // Zeros to the old length or beyond, or stale random bytes.
            // Stale bytes only after a whole frame: a new file's unwritten
            // space reads as zeros, and a file that begins with part of a
            // frame and then holds other bytes is not taken for a log.
            let first_frame = log.kept(cut).0 == 0;
            let len = log.bytes.len() - cut + rng.below(5000) as usize;
            match rng.below(8) {
                0 => {
                    c.add("zero_tails", 1);
                    check_memory_cut(&log, cut, &vec![0; len])
                }
                1 if !first_frame => {
                    c.add("stale_tails", 1);
                    check_memory_cut(&log, cut, &rng.bytes(len))
                }
                _ => Ok(()),
            }
            .map_err(context)
            .unwrap();
        }
        c.add("logs", 1);
        c.add("compressed_logs", u64::from(compressed));
    }
    let refused = REFUSED_ON_PURPOSE.load(std::sync::atomic::Ordering::Relaxed);
    c.add("cuts_refused_on_purpose_f7", refused);
    c.finish();
}

// What a torn first write leaves in a file whose space was allocated ahead
// (zeros after it): the log's own file, never "not a log" (F1 in
// tests/campaign_found.rs).
#[test]
fn a_torn_first_frame_followed_by_zeros_is_an_empty_log() {
    let mut c = Campaign::start("torn-first");
    let dir = Scratch::new("campaign-torn-first");
    let mut rng = c.rng(0);
    let seed = rng.next_u64();
    let log = write_log(&dir, seed, &mut rng, 0, false);
    let first = log.ends[0].0;
    for cut in 0..first {
        for zeros in [1, 64, 4096] {
            check_memory_cut(&log, cut, &vec![0; zeros])
                .map_err(|e| format!("the first frame cut at {cut}, then {zeros} zeros: {e}"))
                .unwrap();
            c.add("cuts", 1);
        }
    }
    c.finish();
}
