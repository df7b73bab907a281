//! Checking a mapped log on several cores at once: recovery's scan.
//!
//! Opening a log checks every frame's CRC, so it is bound by how fast the
//! bytes come from memory and by each frame's fixed cost; one core rarely
//! draws all the memory bandwidth there is, and the kernel's work of
//! mapping the pages is shared out too when each core touches its own.
//! (Each part's walk also hints the lines of the page ahead: see
//! `lines_ahead.rs`.)
//!
//! But frames can only be found by walking from the start: each header
//! says where the next frame begins. So the map is cut into parts, one per
//! core. The first part is walked from offset 0. Every other part starts at
//! a guess, the first offset in it where a whole valid frame is found
//! (magic, header, CRC and records all good), and is walked from there to
//! its end on its own thread. A guess can be wrong: a payload may hold the
//! bytes of a frame (a log stored in a log, say).
//!
//! Then the parts are joined in order, from offset 0: a part is taken only
//! where the walk so far ends exactly at its start, so every frame taken is
//! one that the walk from the start meets. Where a guess was wrong, or no
//! frame was found in a part, the walk goes on frame by frame from where it
//! truly is. The result is the one-core scan's by construction (its frames,
//! totals, and the first problem); `tests` below compare the two on logs
//! built to fool the guesses.
//!
//! Threads only where there are cores and threads (not on wasm, and not
//! under the model checker, whose threads are its own). A thread that
//! cannot be started leaves its part to the join's walk.

use super::scan::{self, classify, walk_in_memory, LogScan};
use super::source::{Backing, Source};
use crate::frame::{self, Problem, MAGIC};
use crate::{Error, Result};

/// No part is smaller than this: below it, starting a thread costs too
/// much of the part's check.
const MIN_PART: u64 = 4 << 20;

/// At most this many parts (and threads, the caller's included).
const MAX_PARTS: u64 = 4;

/// How far into a part a guess is looked for. A log of frames larger than
/// this (rare, and checked a window at a time anyway) leaves its parts to
/// the join's walk rather than search the bytes of one frame.
pub(crate) const SEARCH: u64 = 4 << 20;

/// The scan (`scan::scan`) with nothing to visit, as recovery runs it: a
/// mapped log large enough is checked on several cores, with the same
/// result.
pub(crate) fn scan_quietly<B: Backing>(
    source: &mut Source<B>,
    synced: Option<u64>,
) -> Result<LogScan> {
    let len = source.limit();
    let parts = parts_for(len);
    if !source.is_mapped() || parts < 2 {
        return scan::scan(source, &mut |_| {}, synced);
    }
    let mut found = LogScan::new(len);
    let data = source.get(0, usize::try_from(len).map_err(|_| Error::InvalidRecord)?)?;
    let stopped = walk(data, &mut found, parts);
    classify(source, found, stopped, synced)
}

/// Whether `len` bytes are enough for two parts (whatever the cores): the
/// length half of [`parts_for`], which a reader's checker asks again each
/// time it would start anew (`ahead.rs`), without asking for the cores.
pub(crate) fn long_enough_for_parts(len: u64) -> bool {
    len >= 2 * MIN_PART
}

/// How many parts a mapped log of `len` bytes is checked in (1: no
/// threads).
pub(crate) fn parts_for(len: u64) -> u64 {
    // (The length first: asking for the cores costs system calls, and
    // most logs, and a live reader's every step, are too short for two
    // parts.)
    if cfg!(any(target_family = "wasm", rewal_shuttle)) || !long_enough_for_parts(len) {
        return 1;
    }
    (len / MIN_PART).min(cores()).clamp(1, MAX_PARTS)
}

/// The cores this process may use, asked once: the standard library reads
/// the cgroup's quota files each time (some twenty system calls, three
/// files opened, on every open of a log), and a process's cores rarely
/// change while it runs.
fn cores() -> u64 {
    static CORES: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u64))
}

/// One part's walk: from its start (`None`: no frame found where it was
/// looked for) to the first frame boundary at or past its end, or to the
/// first frame that is not valid.
struct Part {
    start: Option<u64>,
    /// The part's frames, counted as if it were a log of its own (so its
    /// first frame's LSNs are not yet compared with those before it).
    found: LogScan,
    /// Where its walk ended.
    end: u64,
    /// Why it stopped before its end, if it did.
    stopped: Option<Problem>,
}

/// Walks `data` (a whole log in memory) in `parts` parts, counting its
/// valid frames into `found` (a fresh `LogScan`); returns what stopped the
/// walk, if it stopped before the end. Equal, in `found` and in what it
/// returns, to the one-core walk.
pub(crate) fn walk(data: &[u8], found: &mut LogScan, parts: u64) -> Option<Problem> {
    let len = data.len() as u64;
    // Part i is [bounds[i], bounds[i + 1]).
    let bounds: Vec<u64> = (0..parts).map(|i| len / parts * i).chain([len]).collect();
    let walked: Vec<Part> = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for i in 1..parts as usize {
            let (from, until) = (bounds[i], bounds[i + 1]);
            let thread = std::thread::Builder::new().name("rewal-scan".into());
            // A thread that cannot start leaves its part to the join.
            if let Ok(handle) = thread.spawn_scoped(scope, move || walk_guessed(data, from, until))
            {
                handles.push(handle);
            }
        }
        let mut walked = vec![walk_part(data, 0, bounds[1])];
        // A part whose thread panicked is left to the join as well.
        walked.extend(handles.into_iter().filter_map(|handle| handle.join().ok()));
        walked
    });
    join(data, &walked, found)
}

/// Looks for a frame in `[from, until)` (within `SEARCH`) and walks the
/// part from there.
fn walk_guessed(data: &[u8], from: u64, until: u64) -> Part {
    match find_frame(data, from, until.min(from + SEARCH)) {
        Some(start) => walk_part(data, start, until),
        None => Part {
            start: None,
            found: LogScan::new(0),
            end: from,
            stopped: None,
        },
    }
}

/// The first offset in `[from, to)` where a valid frame begins.
pub(crate) fn find_frame(data: &[u8], from: u64, to: u64) -> Option<u64> {
    let end = (to as usize + MAGIC.len() - 1).min(data.len());
    let window = &data[from as usize..end];
    let mut at = 0;
    while let Some(i) = window[at..].windows(MAGIC.len()).position(|w| w == MAGIC) {
        let offset = from + (at + i) as u64;
        if let Ok(Ok(_)) = frame::check_frame(&mut &data[..], offset) {
            return Some(offset);
        }
        at += i + 1;
    }
    None
}

/// Walks the frames from `start` until one begins at or past `until`.
fn walk_part(data: &[u8], start: u64, until: u64) -> Part {
    let mut found = LogScan::new(0);
    let (end, stopped) = walk_in_memory(data, start, until, &mut found, &mut |_| {});
    Part {
        start: Some(start),
        found,
        end,
        stopped,
    }
}

/// Joins the parts' walks from offset 0, walking frame by frame wherever
/// no part starts exactly where the walk is (see the module docs).
fn join(data: &[u8], parts: &[Part], found: &mut LogScan) -> Option<Problem> {
    let len = data.len() as u64;
    let mut off = 0;
    while off < len {
        let Some(part) = parts.iter().find(|part| part.start == Some(off)) else {
            // One frame, as the one-core walk checks it.
            let mut one = LogScan::new(0);
            let (end, stopped) = walk_in_memory(data, off, off + 1, &mut one, &mut |_| {});
            if let Some(problem) = take(found, &one, stopped) {
                return Some(problem);
            }
            off = end;
            continue;
        };
        if let Some(problem) = take(found, &part.found, part.stopped) {
            return Some(problem);
        }
        off = part.end;
    }
    None
}

/// Adds a walk that began where `found` ends; returns what stopped it, if
/// anything did, its first frame's LSNs included.
fn take(found: &mut LogScan, next: &LogScan, stopped: Option<Problem>) -> Option<Problem> {
    if next.frames > 0 {
        if found.frames > 0 && next.first_lsn <= found.last_lsn {
            return Some(Problem::LsnsOutOfOrder {
                first_lsn: next.first_lsn,
            });
        }
        if found.frames == 0 {
            found.first_lsn = next.first_lsn;
        }
        found.frames += next.frames;
        found.events += next.events;
        found.compressed_frames += next.compressed_frames;
        found.largest_frame = found.largest_frame.max(next.largest_frame);
        found.last_lsn = next.last_lsn;
        found.valid_len = next.valid_len;
    }
    stopped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::encode_event;

    /// The one-core walk: what every parted walk must equal.
    fn serial(data: &[u8]) -> (LogScan, Option<Problem>) {
        let mut found = LogScan::new(data.len() as u64);
        let len = data.len() as u64;
        let (_, stopped) = match scan::walk_range(&mut &data[..], 0, len, &mut found, &mut |_| {}) {
            Ok(walked) => walked,
            Err(never) => match never {},
        };
        (found, stopped)
    }

    fn parted(data: &[u8], parts: u64) -> (LogScan, Option<Problem>) {
        let mut found = LogScan::new(data.len() as u64);
        let stopped = walk(data, &mut found, parts);
        (found, stopped)
    }

    fn assert_same(data: &[u8], what: &str) {
        let expected = serial(data);
        for parts in 2..=5 {
            assert_eq!(parted(data, parts), expected, "{what}, {parts} parts");
        }
    }

    /// A small deterministic generator (xorshift), so failures replay.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// A log of `frames` events from LSN 1 whose payloads are, by turns,
    /// plain bytes, whole frames (which the guesses take for real ones),
    /// and frames cut short; `sizes` varies their lengths.
    fn log(frames: u64, rng: &mut Rng) -> Vec<u8> {
        let mut log = Vec::new();
        for lsn in 1..=frames {
            let mut payload = Vec::new();
            match rng.below(3) {
                0 => payload.resize(rng.below(300) as usize, lsn as u8),
                1 => {
                    // A frame inside the payload, with LSNs the log has
                    // not reached: a guess that starts there walks a
                    // different log.
                    encode_event(&mut payload, &[7; 40], b"", lsn + 1_000, None).unwrap();
                    encode_event(&mut payload, &[8; 10], b"", lsn + 1_001, None).unwrap();
                }
                _ => {
                    encode_event(&mut payload, &[9; 60], b"", lsn + 5, None).unwrap();
                    payload.truncate(payload.len() - 3);
                }
            }
            encode_event(&mut log, &payload, b"", lsn, None).unwrap();
        }
        log
    }

    #[test]
    fn a_clean_log_is_walked_the_same_in_parts() {
        let mut rng = Rng(0x5eed);
        for frames in [0, 1, 2, 3, 10, 200] {
            let data = log(frames, &mut rng);
            assert_same(&data, &format!("{frames} frames"));
            let (found, stopped) = parted(&data, 3);
            assert_eq!((found.frames, stopped), (frames, None));
        }
    }

    #[test]
    fn frames_inside_payloads_do_not_fool_the_join() {
        // Every payload a frame: each part's guess is most likely one of
        // them, never a boundary of the log.
        let mut data = Vec::new();
        for lsn in 1..=300u64 {
            let mut payload = Vec::new();
            encode_event(&mut payload, &[1; 100], b"", 2, None).unwrap();
            encode_event(&mut data, &payload, b"", lsn, None).unwrap();
        }
        assert_same(&data, "nested frames");
        assert_eq!(parted(&data, 4).0.frames, 300);
    }

    #[test]
    fn damage_anywhere_stops_the_parted_walk_where_it_stops_the_serial_one() {
        let mut rng = Rng(0xdead_beef);
        let clean = log(150, &mut rng);
        for _ in 0..400 {
            let mut data = clean.clone();
            let at = rng.below(data.len() as u64) as usize;
            match rng.below(4) {
                0 => data[at] ^= 1 << rng.below(8),
                1 => data.truncate(at),
                2 => data[at..].fill(0),
                _ => {
                    // A frame out of LSN order spliced in at a boundary.
                    let (found, _) = serial(&data[..at]);
                    data.truncate(found.valid_len as usize);
                    let lsn = found.last_lsn.saturating_sub(rng.below(3)).max(1);
                    encode_event(&mut data, b"late", b"", lsn, None).unwrap();
                    data.extend_from_slice(&clean[found.valid_len as usize..]);
                }
            }
            assert_same(&data, &format!("damage at {at}"));
        }
    }

    #[test]
    fn a_part_without_a_frame_is_walked_by_the_join() {
        // One frame larger than the parts: no guess in them.
        let mut data = Vec::new();
        encode_event(&mut data, &[3; 5000], b"", 1, None).unwrap();
        encode_event(&mut data, b"after", b"", 2, None).unwrap();
        assert_same(&data, "one large frame");
        assert_eq!(parted(&data, 4).0.frames, 2);
    }
}
