//! A power cut never needs a human (issue 20): under `SyncMode::Never` the
//! OS writes pages back in any order, so a power cut can keep a later page
//! of unsynced frames and lose an earlier one. The default open recovers
//! such a log by itself, cutting where the writes after the last sync were
//! lost and keeping what it cut beside the log; damage of any other shape,
//! or before the last sync, stays a corruption: refused, untouched.
//!
//! These tests make the shapes by hand on real files (the simulated disk
//! of `tests/power_loss.rs` makes them by cutting power at random).
#![cfg(not(target_family = "wasm"))]

use rewal::inspect::{self, LogEnd};
use rewal::{Error, Hooks, SetAside, Wal};
use rewal_testkit::Scratch;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);
const PAGE: usize = 4096;

/// A log at `path` of `synced` events made durable, then `unsynced` more
/// only written (flushed): the power cut's raw material. Returns the file's
/// length at the last sync.
fn written(path: &Path, synced: u64, unsynced: u64) -> u64 {
    let wal = Wal::open(path).build().unwrap();
    for i in 0..synced {
        wal.append(format!("synced {i:04} {}", "s".repeat(200)))
            .unwrap();
    }
    wal.sync().unwrap();
    let at_sync = wal.stats().file_size;
    for i in 0..unsynced {
        wal.append(format!("unsynced {i:04} {}", "u".repeat(200)))
            .unwrap();
    }
    wal.flush().unwrap();
    // Closed without a sync (what a crash leaves): the mark says where the
    // last sync was.
    wal.close().unwrap();
    at_sync
}

/// The page-aligned offset of the first page that starts at or after
/// `offset` plus `pages` pages.
fn page_after(offset: u64, pages: usize) -> usize {
    (offset as usize).div_ceil(PAGE) * PAGE + pages * PAGE
}

/// What the hooks were told of set-asides.
#[derive(Clone, Default)]
struct Told(Arc<Mutex<Vec<SetAside>>>);

impl Hooks for Told {
    fn on_set_aside(&self, set_aside: &SetAside) {
        self.0.lock().unwrap().push(set_aside.clone());
    }
}

fn copy(path: &Path) -> PathBuf {
    let to = path.with_extension("copy");
    std::fs::copy(path, &to).unwrap();
    std::fs::copy(rewal_mark(path), rewal_mark(&to)).unwrap();
    to
}

fn rewal_mark(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap().to_os_string();
    name.push(".synced");
    path.with_file_name(name)
}

#[test]
fn a_lost_page_after_the_last_sync_is_cut_by_the_default_open_and_kept() {
    let scratch = Scratch::new("power-cut-file");
    let path = scratch.path("log.wal");
    let synced = written(&path, 40, 80);
    let mut bytes = std::fs::read(&path).unwrap();
    // A page after the synced point never reached the disk: zeros, with
    // unsynced frames after it.
    let lost = page_after(synced, 1);
    assert!(
        lost + 2 * PAGE < bytes.len(),
        "unsynced frames after the lost page"
    );
    bytes[lost..lost + PAGE].fill(0);
    std::fs::write(&path, &bytes).unwrap();
    let scan = inspect::scan_file(&path, |_| {}).unwrap();
    let LogEnd::PowerCut {
        offset,
        next_valid: Some(next),
    } = scan.end
    else {
        panic!("{:?}", scan.end);
    };
    assert!(offset >= synced && offset <= lost as u64 && next > lost as u64);

    let told = Told::default();
    let wal = Wal::open(&path).hooks(told.clone()).build().unwrap();
    // Every event synced before the cut is there, and nothing after.
    let events: Vec<rewal::Event> = wal
        .iterator(0)
        .unwrap()
        .collect::<rewal::Result<_>>()
        .unwrap();
    assert!(events.len() >= 40);
    assert_eq!(events.len() as u64, wal.last_lsn());
    assert!(events
        .iter()
        .enumerate()
        .all(|(i, e)| e.lsn == i as u64 + 1));
    // What it cut is kept beside the log, byte for byte, and said.
    let kept = wal.set_aside();
    assert_eq!(kept.len(), 1);
    let kept = &kept[0];
    assert_eq!(
        (kept.offset, kept.len),
        (offset, bytes.len() as u64 - offset)
    );
    assert_eq!(
        std::fs::read(&kept.kept_in).unwrap(),
        bytes[offset as usize..]
    );
    assert_eq!(
        kept.kept_in,
        path.with_file_name(format!("log.wal.removed-{offset}"))
    );
    assert!(kept.events > 0 && kept.first_lsn > wal.last_lsn() && kept.last_lsn == 120);
    let stats = wal.stats();
    assert_eq!(
        (stats.set_aside_bytes, stats.set_aside_events),
        (kept.len, kept.events)
    );
    assert_eq!(*told.0.lock().unwrap(), wal.set_aside());
    // It goes on: appends, and the next open is clean.
    let next = wal.append("after the power cut").unwrap();
    assert_eq!(next, wal.last_lsn().max(events.len() as u64) + 1);
    wal.shutdown(SECOND).unwrap();
    let wal = Wal::open(&path).build().unwrap();
    assert!(wal.set_aside().is_empty());
    assert_eq!(wal.last_lsn(), next);
}

#[test]
fn a_lost_page_before_the_last_sync_is_damage_refused_untouched() {
    let scratch = Scratch::new("power-cut-before");
    let path = scratch.path("log.wal");
    let synced = written(&path, 80, 40);
    let mut bytes = std::fs::read(&path).unwrap();
    // Zeros in a page the log had synced: a disk's damage, not a power cut.
    let page = PAGE;
    assert!((page + PAGE) as u64 <= synced);
    bytes[page..page + PAGE].fill(0);
    std::fs::write(&path, &bytes).unwrap();
    let mark = std::fs::read(rewal_mark(&path)).unwrap();
    assert!(matches!(
        inspect::scan_file(&path, |_| {}).unwrap().end,
        LogEnd::Corrupted { .. }
    ));
    assert!(matches!(
        Wal::open(&path).build().unwrap_err(),
        Error::Corrupted { .. }
    ));
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "untouched");
    assert_eq!(
        std::fs::read(rewal_mark(&path)).unwrap(),
        mark,
        "its mark too"
    );
}

#[test]
fn garbage_after_the_last_sync_is_damage_refused_untouched() {
    let scratch = Scratch::new("power-cut-garbage");
    let path = scratch.path("log.wal");
    let synced = written(&path, 40, 80);
    let mut bytes = std::fs::read(&path).unwrap();
    // Not zeros: bytes a power cut cannot leave.
    let page = page_after(synced, 1);
    for (i, byte) in bytes[page..page + PAGE].iter_mut().enumerate() {
        *byte = (i % 251) as u8 | 1;
    }
    std::fs::write(&path, &bytes).unwrap();
    let untouched = copy(&path);
    assert!(matches!(
        Wal::open(&path).build().unwrap_err(),
        Error::Corrupted { .. }
    ));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(untouched).unwrap()
    );
}

#[test]
fn a_new_log_whose_first_page_was_lost_opens() {
    // Issue 19, defect 12, for a single file: a new log (its mark says
    // nothing synced yet) whose first page a power cut lost, while a later
    // page made it: zeros, then the rest of a frame. Not "not a log".
    let scratch = Scratch::new("power-cut-new");
    let path = scratch.path("log.wal");
    written(&path, 0, 0);
    let wal = Wal::open(&path).build().unwrap();
    wal.append(vec![7u8; 6000]).unwrap();
    wal.flush().unwrap();
    wal.close().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[..PAGE].fill(0);
    std::fs::write(&path, &bytes).unwrap();
    let wal = Wal::open(&path).build().unwrap();
    assert_eq!(wal.last_lsn(), 0);
    assert_eq!(wal.set_aside().len(), 1);
    // A file that was never a rewal log (no mark beside it) stays
    // somebody else's: refused, untouched.
    let stranger = scratch.path("stranger.bin");
    std::fs::write(&stranger, &bytes).unwrap();
    assert!(matches!(
        Wal::open(&stranger).build().unwrap_err(),
        Error::NotALog { .. }
    ));
    assert_eq!(std::fs::read(&stranger).unwrap(), bytes);
    assert!(!rewal_mark(&stranger).exists(), "nothing left beside it");
}

#[test]
fn a_directorys_newest_segment_recovers_by_itself_and_an_older_one_does_not() {
    let scratch = Scratch::new("power-cut-dir");
    let dir = scratch.path("log");
    let wal = Wal::open_dir(&dir).segment_size(64 << 10).build().unwrap();
    for i in 0..400u64 {
        wal.append(format!("synced {i:04} {}", "s".repeat(200)))
            .unwrap();
    }
    wal.sync().unwrap();
    for i in 0..60u64 {
        wal.append(format!("unsynced {i:04} {}", "u".repeat(200)))
            .unwrap();
    }
    wal.flush().unwrap();
    let synced_events = 400;
    wal.close().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wal"))
        .collect();
    files.sort();
    assert!(files.len() > 1);
    let newest = files.last().unwrap();
    let before = std::fs::read(newest).unwrap();
    let scan = inspect::scan_bytes(&before, |_| {}).unwrap();
    assert!(scan.frames > 3);
    // Lose a page of the newest segment's unsynced end.
    let mut bytes = before.clone();
    let lost = bytes.len() / PAGE * PAGE - PAGE;
    bytes[lost..lost + PAGE].fill(0);
    std::fs::write(newest, &bytes).unwrap();
    let wal = Wal::open_dir(&dir).build().unwrap();
    assert!(wal.last_lsn() >= synced_events);
    let kept = wal.set_aside();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].kept_in.starts_with(dir.join("removed")));
    assert_eq!(
        std::fs::read(&kept[0].kept_in).unwrap(),
        bytes[kept[0].offset as usize..]
    );
    wal.shutdown(SECOND).unwrap();

    // The same zeros in a segment that is not the newest: damage.
    let older = &files[0];
    let mut bytes = std::fs::read(older).unwrap();
    bytes[PAGE..2 * PAGE].fill(0);
    std::fs::write(older, &bytes).unwrap();
    assert!(matches!(
        Wal::open_dir(&dir).build().unwrap_err(),
        Error::Corrupted { .. }
    ));
}

/// The sync mark's two slots: the one with the higher sequence number (and
/// a valid CRC), as `(sequence, segment, offset)`.
fn read_mark(path: &Path) -> (u64, u64, u64) {
    let bytes = std::fs::read(path).unwrap();
    let word = |slot: &[u8], at: usize| u64::from_le_bytes(slot[at..at + 8].try_into().unwrap());
    [0, 512]
        .into_iter()
        .filter(|&at| bytes.len() >= at + 32)
        .map(|at| &bytes[at..at + 32])
        .filter(|slot| {
            &slot[..4] == b"RWSY" && rewal::crc::checksum(&slot[..28]).to_le_bytes() == slot[28..32]
        })
        .map(|slot| (word(slot, 4), word(slot, 12), word(slot, 20)))
        .max()
        .expect("a valid mark")
}

#[test]
fn the_mark_catches_up_with_the_last_sync_while_the_log_stays_open() {
    // The mark is written at most every couple of milliseconds (a write
    // after every sync cost a one-thread durable append 10-15%): a sync
    // soon after the last write leaves it pending, and the writer thread
    // writes it soon after, even though nothing else happens.
    let scratch = Scratch::new("power-cut-mark-pace");
    let path = scratch.path("log.wal");
    let wal = Wal::open(&path).build().unwrap();
    for i in 0..300 {
        let lsn = wal.append(format!("durable {i}")).unwrap();
        wal.wait_durable(lsn).unwrap();
    }
    let end = wal.stats().file_size;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while read_mark(&rewal_mark(&path)).2 != end && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let (sequence, segment, offset) = read_mark(&rewal_mark(&path));
    assert_eq!(
        (segment, offset),
        (0, end),
        "the mark says where the last sync was"
    );
    assert!(sequence > 1, "written after syncs, not only at open");
    wal.shutdown(SECOND).unwrap();
}

#[test]
fn reopening_a_cleanly_closed_log_leaves_its_mark_as_it_was() {
    // The mark already says that everything is synced: opening the log
    // again syncs it (what a crashed process left in the cache becomes
    // durable) but writes nothing, which saved half a millisecond of each
    // open. A log that grew gets its new end written, as before.
    let scratch = Scratch::new("power-cut-mark-reopen");
    let path = scratch.path("log.wal");
    let wal = Wal::open(&path).build().unwrap();
    wal.append("one").unwrap();
    wal.shutdown(SECOND).unwrap();
    let closed = std::fs::read(rewal_mark(&path)).unwrap();
    let end = std::fs::metadata(&path).unwrap().len();
    assert_eq!(read_mark(&rewal_mark(&path)).2, end, "closed: all synced");

    let wal = Wal::open(&path).build().unwrap();
    assert_eq!(
        std::fs::read(rewal_mark(&path)).unwrap(),
        closed,
        "the same mark, not written again"
    );
    wal.append("two").unwrap();
    wal.shutdown(SECOND).unwrap();
    let grown = std::fs::metadata(&path).unwrap().len();
    assert!(grown > end);
    assert_eq!(read_mark(&rewal_mark(&path)).2, grown);

    // A mark behind the log (a crash between a sync and its mark): opening
    // writes the log's end.
    let (sequence, _, _) = read_mark(&rewal_mark(&path));
    let mut stale = std::fs::read(rewal_mark(&path)).unwrap();
    for at in [0usize, 512] {
        if stale.len() >= at + 32 {
            stale[at + 20..at + 28].copy_from_slice(&end.to_le_bytes());
            let crc = rewal::crc::checksum(&stale[at..at + 28]);
            stale[at + 28..at + 32].copy_from_slice(&crc.to_le_bytes());
        }
    }
    std::fs::write(rewal_mark(&path), &stale).unwrap();
    assert_eq!(read_mark(&rewal_mark(&path)).2, end);
    let wal = Wal::open(&path).build().unwrap();
    let (after, segment, offset) = read_mark(&rewal_mark(&path));
    assert_eq!(
        (segment, offset),
        (0, grown),
        "the log's end, written at open"
    );
    assert!(after > sequence);
    wal.shutdown(SECOND).unwrap();
}
