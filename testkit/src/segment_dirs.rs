//! Logs kept as segment directories, for the CLI's and the viewer's tests: written by the
//! engine itself (`Wal::open_dir` with 4 KiB segments), then damaged the
//! ways the directory rules name: a torn newest segment, a missing middle
//! one, a flipped byte in an older one, an overlap; and somebody else's
//! directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The segment size the tests use: a few events a segment.
pub const SEGMENT_SIZE: u64 = 4096;

/// Events in the clean directory (`segs/`).
pub const EVENTS: u64 = 70;

/// The payload of event number `i` (from 0): recognisable, 200 bytes, so
/// that a segment holds about 18.
pub fn payload(i: u64) -> String {
    format!("event {i:03} {}", ".".repeat(190))
}

/// Opens (creating) the segment directory `dir` with small segments.
pub fn open(dir: &Path) -> rewal::Wal {
    rewal::Wal::open_dir(dir)
        .segment_size(SEGMENT_SIZE)
        .build()
        .expect("open the segment directory")
}

/// Appends events `range` (numbers for [`payload`]) to `wal`, each its own
/// frame, so that rotations happen where the size says.
pub fn append(wal: &rewal::Wal, range: std::ops::Range<u64>) {
    for i in range {
        wal.append(payload(i)).expect("append");
        wal.flush().expect("flush");
    }
}

/// Writes `events` events into a new segment directory `dir` and closes it.
pub fn write(dir: &Path, events: u64) {
    let wal = open(dir);
    append(&wal, 0..events);
    wal.shutdown(Duration::from_secs(5)).expect("shutdown");
}

/// The segment files of `dir`, oldest first.
pub fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read the segment directory")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wal"))
        .collect();
    files.sort();
    files
}

/// Copies the directory `from` (files only) to a new directory `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a copy");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, to.join(path.file_name().expect("a name"))).expect("copy");
    }
}

/// Flips byte `at` of `file`.
pub fn flip(file: &Path, at: usize) {
    let mut bytes = std::fs::read(file).expect("read");
    bytes[at] ^= 0xff;
    std::fs::write(file, bytes).expect("write");
}

/// Cuts the last `n` bytes off `file`.
pub fn shorten(file: &Path, n: u64) {
    let len = std::fs::metadata(file).expect("metadata").len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(file)
        .expect("open")
        .set_len(len - n)
        .expect("set_len");
}

/// The directories in `scratch`: `segs/` (clean, [`EVENTS`] events in 4
/// segments), `segs-torn/` (the newest cut short by 3 bytes),
/// `segs-gap/` (the second segment missing), `segs-flip/` (a byte flipped
/// in the middle of the second), `segs-overlap/` (the third renamed 5
/// LSNs lower), `segs-checkpointed/` (its first segment removed by a
/// checkpoint), and `foreign/` (a photo, no segment).
pub fn write_all(scratch: &Path) {
    let clean = scratch.join("segs");
    write(&clean, EVENTS);
    let files = segment_files(&clean);
    assert_eq!(files.len(), 4, "the tests expect 4 segments: {files:?}");
    let variant = |name: &str| {
        let dir = scratch.join(name);
        copy_dir(&clean, &dir);
        let files = segment_files(&dir);
        (dir, files)
    };
    let (_, torn) = variant("segs-torn");
    shorten(&torn[3], 3);
    let (_, gap) = variant("segs-gap");
    std::fs::remove_file(&gap[1]).expect("remove");
    let (_, flipped) = variant("segs-flip");
    flip(&flipped[1], 2000);
    let (dir, overlap) = variant("segs-overlap");
    let named: u64 = name_of(&overlap[2]);
    std::fs::rename(&overlap[2], dir.join(format!("{:020}.wal", named - 5))).expect("rename");
    let (dir, _) = variant("segs-checkpointed");
    let wal = open(&dir);
    wal.checkpoint(20).expect("checkpoint");
    wal.shutdown(Duration::from_secs(5)).expect("shutdown");
    let foreign = scratch.join("foreign");
    std::fs::create_dir_all(&foreign).expect("create foreign");
    std::fs::write(foreign.join("cat.jpg"), b"\xff\xd8\xff\xe0").expect("write cat.jpg");
}

/// The first LSN a segment file is named by.
pub fn name_of(file: &Path) -> u64 {
    let name = file
        .file_name()
        .and_then(|name| name.to_str())
        .expect("a name");
    name.trim_end_matches(".wal")
        .parse()
        .expect("a segment name")
}
