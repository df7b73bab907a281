//! A segment directory under the usual limit of open files. Before its fix
//! (issue 19, defect 11) every segment stayed open: under `ulimit -n 1024`
//! a writer of 4 KiB segments failed at segment 1018 with "Too many open
//! files", and a directory of 1100 segments could not be opened again.
//!
//! The test runs itself again in a child whose soft limit is 256
//! descriptors (`ulimit -Sn 256` in a shell), so the limit is real and
//! deterministic, and checks there: 3,000 rotations with a live reader
//! beside the writer, a reopen of the 3,000 segments, a full read, a
//! checkpoint, and a repair of the whole directory.
#![cfg(unix)]

use rewal::{Recovery, Wal};
use rewal_testkit::Scratch;
use std::path::Path;
use std::time::Duration;

const CHILD: &str = "REWAL_OPEN_FILES_CHILD";
const SEGMENTS: u64 = 3_000;
const SECOND: Duration = Duration::from_secs(1);

#[test]
fn thousands_of_segments_under_256_open_files() {
    if let Some(dir) = std::env::var_os(CHILD) {
        return under_the_limit(Path::new(&dir));
    }
    let scratch = Scratch::new("open-files");
    let me = std::env::current_exe().unwrap();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -Sn 256 && exec \"$0\" --exact thousands_of_segments_under_256_open_files --nocapture")
        .arg(&me)
        .env(CHILD, scratch.path("log"))
        .status()
        .unwrap();
    assert!(
        status.success(),
        "the child under 256 open files failed: {status}"
    );
}

fn under_the_limit(dir: &Path) {
    // One event per 4 KiB segment: each append ends in a rotation.
    let wal = Wal::open_dir(dir).segment_size(4096).build().unwrap();
    let mut reader = wal.iterator(0).unwrap();
    let mut read = 0;
    for i in 0..SEGMENTS {
        wal.append(vec![(i % 251) as u8; 4100]).unwrap();
        if i % 100 == 99 {
            wal.flush().unwrap();
            while let Some(event) = reader.next_wait(Duration::ZERO).unwrap() {
                read += 1;
                assert_eq!(event.lsn, read);
            }
        }
    }
    wal.shutdown(SECOND).unwrap();
    assert_eq!(read, SEGMENTS);
    drop(reader);

    let wal = Wal::open_dir(dir).build().unwrap();
    assert_eq!(wal.last_lsn(), SEGMENTS);
    let mut lsn = 0;
    wal.replay(0, |event| {
        lsn += 1;
        assert_eq!(
            (event.lsn, event.payload[0]),
            (lsn, ((lsn - 1) % 251) as u8)
        );
        Ok(())
    })
    .unwrap();
    assert_eq!(lsn, SEGMENTS);
    wal.checkpoint(SEGMENTS / 2).unwrap();
    wal.shutdown(SECOND).unwrap();

    let wal = Wal::open_dir(dir)
        .recovery(Recovery::TruncateAtCorruption)
        .build()
        .unwrap();
    // (Each segment holds one event: all those through the checkpoint went.)
    assert_eq!(wal.iterator(0).unwrap().count() as u64, SEGMENTS / 2);
    wal.shutdown(SECOND).unwrap();
}
