//! The checker that runs ahead of a reader of a large mapped log
//! (`src/read/ahead.rs`): with it, readers hand out exactly what they
//! would without it (every event before a damaged frame, then
//! `Error::Corrupted` at that frame) wherever the damage lies, before,
//! at and after where the checker starts; and its thread ends with its
//! reader.

#![cfg(unix)]

use rewal::inspect;
use rewal::{Error, Event, Wal};
use rewal_testkit::rng::Rng;
use rewal_testkit::Scratch;
use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The tests count the checker's threads: one test at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A frame of the log: where it starts, and the LSN of its first event.
struct Frame {
    offset: u64,
    first_lsn: u64,
}

/// Writes a log of about 20 MiB (a checker needs 8 MiB left to read) in
/// batches of 1 to 4 events of 0 to 700 bytes, some with a meta; with
/// `nested`, every payload ends with whole frames of its own, which the
/// checker's search for its first frame takes for the log's. Returns its
/// events and frames, and where its frames end.
fn write_log(path: &Path, rng: &mut Rng, nested: bool) -> (Vec<Event>, Vec<Frame>, u64) {
    let wal = Wal::open(path).build().unwrap();
    let mut written = 0;
    while written < 20 << 20 {
        let mut batch = rewal::Batch::new();
        for _ in 0..1 + rng.below(4) {
            let len = rng.below(700) as usize;
            let mut payload = rng.bytes(len);
            if nested {
                for lsn in 0..1 + rng.below(3) {
                    let len = rng.below(100) as usize;
                    let inner = rng.bytes(len);
                    rewal::frame::encode_event(&mut payload, &inner, b"", 1 + lsn, None).unwrap();
                }
            }
            written += payload.len() + 16;
            if rng.below(4) == 0 {
                let len = 1 + rng.below(20) as usize;
                batch.add_with_meta(&payload, rng.bytes(len));
            } else {
                batch.add(&payload);
            }
        }
        wal.append_batch(&batch).unwrap();
    }
    wal.shutdown(Duration::from_secs(30)).unwrap();
    let mut frames = Vec::new();
    let mut end = 0;
    inspect::scan_file(path, |frame| {
        frames.push(Frame {
            offset: frame.offset,
            first_lsn: frame.header.first_lsn,
        });
        end = frame.offset + u64::from(frame.header.batch_size);
    })
    .unwrap();
    (rewal_testkit::read_all(path), frames, end)
}

/// How a round reads the log.
#[derive(Debug, Clone, Copy)]
enum Reading {
    Borrowed,
    /// Borrowed, only counting the events (the events handed out are
    /// then the log's first ones, copied from `log`): a reader fast
    /// enough to catch up with its checker, which then starts again
    /// further on.
    Skim,
    Owned,
    /// The owned iterator from this LSN.
    From(u64),
}

/// Reads the log as `how` says: the events handed out, and the error and
/// bad frame's offset that ended the reading.
fn read(wal: &Wal, how: Reading, log: &[Event]) -> (Vec<Event>, Option<Error>, Option<u64>) {
    let mut events = Vec::new();
    match how {
        Reading::Skim => {
            let mut it = wal.iterator(0).unwrap();
            let mut count = 0;
            let error = loop {
                match it.next_borrowed() {
                    Ok(Some(_)) => count += 1,
                    Ok(None) => break None,
                    Err(error) => break Some(error),
                }
            };
            events.extend_from_slice(&log[..count.min(log.len())]);
            events.resize(count, Event::default());
            (events, error, it.problem().map(|bad| bad.offset))
        }
        Reading::Borrowed => {
            let mut it = wal.iterator(0).unwrap();
            let error = loop {
                match it.next_borrowed() {
                    Ok(Some(event)) => events.push(Event::from(&event)),
                    Ok(None) => break None,
                    Err(error) => break Some(error),
                }
            };
            (events, error, it.problem().map(|bad| bad.offset))
        }
        Reading::Owned => {
            let result = wal.replay(0, |event| {
                events.push(event);
                Ok(())
            });
            let offset = match &result {
                Err(Error::Corrupted { details, .. }) => details.offset(),
                _ => None,
            };
            (events, result.err(), offset)
        }
        Reading::From(lsn) => {
            let mut it = wal.iterator(lsn).unwrap();
            let error = loop {
                match it.next() {
                    Ok(Some(event)) => events.push(event),
                    Ok(None) => break None,
                    Err(error) => break Some(error),
                }
            };
            (events, error, it.problem().map(|bad| bad.offset))
        }
    }
}

#[test]
fn damage_anywhere_is_found_by_the_reader_where_it_would_be_without_the_checker() {
    damage_rounds(false, 0xc4ec_a4ead);
}

#[test]
fn frames_inside_payloads_do_not_make_the_reader_trust_the_checker_wrongly() {
    damage_rounds(true, 0x0e57ed);
}

#[test]
fn a_reader_that_catches_up_with_its_checker_still_checks_what_the_next_one_skips() {
    // A reader that only counts events reads headers faster than the
    // checker checks frames: it catches up, and a new checker starts a
    // few MiB further on; the reader checks the frames between itself.
    // Damage anywhere past the first checker's start, read that way.
    damage_rounds_with(false, 0x5c1e_cafe, 150, |_, first, end, rng| {
        let at = first + rng.below(end - first);
        (at, Reading::Skim)
    });
}

/// Rounds of one flipped bit, anywhere in a large log, read in turns as
/// each reader reads, against what the log's frames say must be read.
fn damage_rounds(nested: bool, seed: u64) {
    damage_rounds_with(nested, seed, 60, |round, first, end, rng| {
        let at = match round % 3 {
            0 => rng.below(end),
            1 => (first - (1 << 19) + rng.below(1 << 20)).min(end - 1),
            _ => end - 1 - rng.below(end / 10),
        };
        let how = match round % 4 {
            0 | 1 => Reading::Borrowed,
            2 => Reading::Owned,
            _ => Reading::From(0),
        };
        (at, how)
    });
}

/// `rounds` rounds of one flipped bit in a large log, where `pick` says
/// (from the round, the first checker's start, the end of the frames)
/// and how the log is read; `Reading::From(0)` reads from a random LSN
/// before the damaged frame.
fn damage_rounds_with(
    nested: bool,
    seed: u64,
    rounds: u64,
    mut pick: impl FnMut(u64, u64, u64, &mut Rng) -> (u64, Reading),
) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = Scratch::new("check-ahead-damage");
    let path = dir.path("big.wal");
    let mut rng = Rng::new(seed);
    let (events, frames, end) = write_log(&path, &mut rng, nested);
    let wal = Wal::open(&path).build().unwrap();
    // The bytes are damaged under the open log, as a page that went bad
    // would be: through another handle on the same file (the same pages).
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    // The first checker starts 4 MiB in (a sixteenth of a shorter log),
    // later ones wherever the reader caught up: damage around the first
    // start, anywhere, and near the end.
    let first = (4 << 20).min(end / 16);
    for round in 0..rounds {
        let (at, how) = pick(round, first, end, &mut rng);
        let mut byte = [0];
        file.read_exact_at(&mut byte, at).unwrap();
        file.write_all_at(&[byte[0] ^ (1 << rng.below(8))], at)
            .unwrap();

        let bad = frames.partition_point(|frame| frame.offset <= at) - 1;
        let before = (frames[bad].first_lsn - 1) as usize;
        let how = match how {
            Reading::From(0) => Reading::From(1 + rng.below(before as u64 + 1)),
            how => how,
        };
        let (read, error, offset) = read(&wal, how, &events);
        let first = match how {
            Reading::From(lsn) => lsn as usize - 1,
            _ => 0,
        };
        let what = format!("round {round}: byte {at} of frame {bad}, read {how:?}");
        assert_eq!(read.len(), before - first, "{what}: events handed out");
        assert!(read == events[first..before], "{what}: events changed");
        assert!(
            matches!(error, Some(Error::Corrupted { .. })),
            "{what}: {error:?}"
        );
        assert_eq!(offset, Some(frames[bad].offset), "{what}: where");

        file.write_all_at(&byte, at).unwrap();
    }
    // Whole again, it reads to the end.
    let (read, error, _) = read(&wal, Reading::Borrowed, &events);
    assert_eq!((read.len(), error), (events.len(), None));
    wal.close().unwrap();
}

/// The names of this process's threads called `rewal-check`.
fn checkers() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end() == "rewal-check")
        .count()
}

/// Whether every thread called `rewal-check` is gone within 10 s. (A
/// thread that was joined leaves the task list a moment after its join
/// returns; one left running would stay.)
fn checkers_gone() -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while checkers() > 0 {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

#[test]
#[cfg(target_os = "linux")]
fn the_checker_runs_beside_a_reader_of_a_large_log_and_ends_with_it() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = Scratch::new("check-ahead-thread");
    let path = dir.path("big.wal");
    let (events, _, _) = write_log(&path, &mut Rng::new(7), false);
    let wal = Wal::open(&path).build().unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    // Another thread looks for a checker all the while a reader reads the
    // whole log. The reader pauses now and then, as one that works on its
    // events would: the checker, which stays at most some MiB ahead of it,
    // then lives for most of the read (and leaves the task list when it
    // reaches the end, before it is joined). (One core: no checker.)
    let reading = AtomicBool::new(true);
    let seen = std::thread::scope(|scope| {
        let looker = scope.spawn(|| {
            let mut seen = false;
            while !seen && reading.load(Ordering::Relaxed) {
                seen = checkers() > 0;
            }
            seen
        });
        let mut it = wal.iterator(0).unwrap();
        let mut count = 0;
        while it.next().unwrap().is_some() {
            count += 1;
            if count % 1000 == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        assert_eq!(count, events.len());
        drop(it);
        reading.store(false, Ordering::Relaxed);
        looker.join().unwrap()
    });
    assert_eq!(seen, cores > 1, "a checker beside the reader");
    assert!(checkers_gone(), "after the reader was dropped");

    // A reader dropped, or closed, while its checker works.
    let mut it = wal.iterator(0).unwrap();
    assert_eq!(it.next().unwrap().map(|event| event.lsn), Some(1));
    drop(it);
    assert!(checkers_gone(), "after a reader dropped early");
    let mut it = wal.iterator(0).unwrap();
    assert_eq!(it.next().unwrap().map(|event| event.lsn), Some(1));
    it.close().unwrap();
    assert!(checkers_gone(), "after close");
    wal.close().unwrap();
}

/// Writes `crc32c(frame[..len - 4])` into the frame's last 4 bytes.
fn seal(frame: &mut [u8]) {
    let body = frame.len() - rewal::frame::TRAILER_LEN;
    let crc = rewal::crc::checksum(&frame[..body]);
    frame[body..].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn a_forged_frame_spanning_real_ones_never_vouches_for_them() {
    // A payload can hold the bytes of a frame whose length reaches over
    // the real frames after it, with a CRC that matches (whoever wrote the
    // log chose those bytes). The checker, looking for its first frame,
    // takes it for one, and passes it. A reader that trusted that walk
    // would hand out the real frames inside it unchecked: here, one whose
    // own CRC fails. The reader trusts the checker only where their walks
    // met, so it checks that frame itself and stops there.
    use rewal::frame::{encode_event, FrameHeader, HEADER_LEN, RECORD_HEADER_LEN, TRAILER_LEN};
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let frame_len = |payload: usize| HEADER_LEN + RECORD_HEADER_LEN + payload + TRAILER_LEN;
    // 12,000 frames of 1,000-byte payloads, three of them (k, k + 1,
    // k + 2) of 4,000, 500 and 4,000 bytes, with k the frame the checker
    // looks into for its first frame (4 MiB in, or a sixteenth of a
    // shorter log: this one).
    let (count, filler) = (12_000, frame_len(1000));
    let special = [4000, 500, 4000];
    let end = (count - 3) * filler + special.iter().map(|&p| frame_len(p)).sum::<usize>();
    let guess = (4 << 20).min(end / 16);
    let k = (guess - 300) / filler;
    let mut log = Vec::with_capacity(end);
    let mut starts = Vec::new();
    for i in 0..count {
        starts.push(log.len());
        let payload = match i.checked_sub(k) {
            Some(j) if j < 3 => vec![0xaa; special[j]],
            _ => vec![0x55; 1000],
        };
        encode_event(&mut log, &payload, b"", i as u64 + 1, None).unwrap();
    }
    assert_eq!(log.len(), end);
    let dir = Scratch::new("check-ahead-forged");
    let path = dir.path("forged.wal");
    std::fs::write(&path, &log).unwrap();
    let wal = Wal::open(&path).build().unwrap();

    // The forgery, written under the open log: a frame inside frame k's
    // payload, just after the checker's guess, that ends inside frame
    // k + 2's payload, holding one record that spans it all.
    let at = guess + 8;
    let span_end = starts[k + 2] + HEADER_LEN + RECORD_HEADER_LEN + 2000;
    let span = span_end - at;
    let header = FrameHeader {
        flags: 0,
        record_count: 1,
        first_lsn: 5,
        batch_size: span as u32,
    };
    header.write(&mut log[at..at + HEADER_LEN]);
    let record = at + HEADER_LEN;
    let record_len = (span - HEADER_LEN - RECORD_HEADER_LEN - TRAILER_LEN) as u32;
    log[record..record + 4].copy_from_slice(&record_len.to_le_bytes());
    log[record + 4..record + 6].copy_from_slice(&0u16.to_le_bytes());
    seal(&mut log[starts[k]..starts[k + 1]]);
    // Frame k + 1 damaged, inside the forged frame, which is sealed over
    // it; then frame k + 2 sealed over the forged frame's CRC.
    log[starts[k + 1] + HEADER_LEN + RECORD_HEADER_LEN + 100] ^= 1;
    seal(&mut log[at..span_end]);
    seal(&mut log[starts[k + 2]..starts[k + 3]]);
    assert!(matches!(
        rewal::frame::check_frame(&mut &log[..], at as u64),
        Ok(Ok(_))
    ));
    let file = OpenOptions::new().write(true).open(&path).unwrap();
    file.write_all_at(&log, 0).unwrap();

    for how in [Reading::Borrowed, Reading::Owned, Reading::Skim] {
        let (read, error, offset) = read(&wal, how, &[]);
        assert_eq!(read.len(), k + 1, "{how:?}: events handed out");
        assert!(
            matches!(error, Some(Error::Corrupted { .. })),
            "{how:?}: {error:?}"
        );
        assert_eq!(offset, Some(starts[k + 1] as u64), "{how:?}: where");
    }
    wal.close().unwrap();
}
