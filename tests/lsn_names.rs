//! Issue 23, item 4: the three LSNs a log tracks, by names that say which:
//! `last_appended_lsn` (handed out by `append`), `last_lsn` (written, rewal
//! 0.1.0's name) and `durable_lsn` (written and synced).

use rewal::{SyncMode, Wal};
use rewal_testkit::Scratch;
use std::time::Duration;

const N: u64 = 3600;

/// Appends `N` events without waiting for the writer, and checks the three
/// names at each step: append, flush, sync, wait_durable, reopen.
fn check_the_three(open: impl Fn() -> Wal) {
    let wal = open();
    assert_eq!(
        (wal.last_appended_lsn(), wal.last_lsn(), wal.durable_lsn()),
        (0, 0, 0)
    );
    for i in 0..N {
        assert_eq!(wal.append(format!("tick {i}")).unwrap(), i + 1);
    }
    // "Where am I" is known at once, whatever the writer has done.
    assert_eq!(wal.last_appended_lsn(), N);
    assert!(wal.last_lsn() <= N);
    assert!(wal.durable_lsn() <= wal.last_lsn());

    wal.flush().unwrap();
    assert_eq!(wal.last_lsn(), N);
    assert!(wal.durable_lsn() <= N);

    wal.sync().unwrap();
    assert!(wal.durable_lsn() >= N);
    assert_eq!(wal.durable_lsn(), N);

    let lsn = wal.append("one more").unwrap();
    wal.wait_durable(lsn).unwrap();
    assert_eq!(
        (wal.last_appended_lsn(), wal.last_lsn(), wal.durable_lsn()),
        (N + 1, N + 1, N + 1)
    );
    wal.shutdown(Duration::from_secs(5)).unwrap();
    assert_eq!(wal.last_appended_lsn(), N + 1);

    // Reopened: everything held is written and synced.
    let wal = open();
    assert_eq!(
        (wal.last_appended_lsn(), wal.last_lsn(), wal.durable_lsn()),
        (N + 1, N + 1, N + 1)
    );
    wal.close().unwrap();
}

#[test]
fn a_file_says_appended_written_and_durable_apart() {
    let scratch = Scratch::new("lsn-names");
    let path = scratch.path("app.wal");
    check_the_three(|| Wal::open(&path).build().unwrap());
}

#[test]
fn a_segment_directory_says_them_too() {
    let scratch = Scratch::new("lsn-names-dir");
    let dir = scratch.path("log");
    check_the_three(|| Wal::open_dir(&dir).segment_size(16 << 10).build().unwrap());
}

#[test]
fn under_sync_mode_batch_a_flush_makes_appends_durable() {
    let scratch = Scratch::new("lsn-names-batch");
    let path = scratch.path("app.wal");
    let wal = Wal::open(&path).sync_mode(SyncMode::Batch).build().unwrap();
    for i in 0..100 {
        wal.append(format!("event {i}")).unwrap();
    }
    wal.flush().unwrap();
    // Each write was synced before the flush heard it was written.
    assert_eq!(wal.durable_lsn(), 100);
    wal.close().unwrap();
}

#[test]
fn under_sync_mode_never_durable_means_synced_by_rewal() {
    let scratch = Scratch::new("lsn-names-never");
    let path = scratch.path("app.wal");
    let wal = Wal::open(&path).sync_mode(SyncMode::Never).build().unwrap();
    for i in 0..100 {
        wal.append(format!("event {i}")).unwrap();
    }
    wal.flush().unwrap();
    // Written, and not known durable: nothing synced it yet.
    assert_eq!((wal.last_lsn(), wal.durable_lsn()), (100, 0));
    wal.sync().unwrap();
    assert_eq!(wal.durable_lsn(), 100);
    wal.close().unwrap();
}
