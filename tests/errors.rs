//! The error type: Display, Clone, Eq, source, and From<io::Error>.

use rewal::inspect::{self, Problem};
use rewal::{Details, Error, Wal};
use rewal_testkit::Scratch;
use std::error::Error as _;
use std::io;
use std::path::Path;
use std::time::Duration;

fn all() -> Vec<Error> {
    vec![
        Error::Closed,
        Error::Draining,
        Error::NotRunning,
        Error::corrupted(Details::new()),
        Error::QueueFull,
        Error::file_locked(Details::new()),
        Error::InvalidLsn,
        Error::ShortWrite,
        Error::InvalidRecord,
        Error::CrcMismatch,
        Error::InvalidState,
        Error::EmptyBatch,
        Error::CompressorRequired,
        Error::Io(io::Error::new(io::ErrorKind::WriteZero, "no space left")),
        Error::not_a_log(Details::new()),
        Error::TooLarge,
        Error::Timeout,
        Error::Dropped,
        Error::Panicked("the storage's write panicked: disk on fire".into()),
        Error::checkpointed(Details::new()),
    ]
}

#[test]
fn every_error_has_a_distinct_readable_message() {
    let messages: Vec<String> = all().iter().map(ToString::to_string).collect();
    // The Rust API guidelines' form: lowercase (but for an acronym), no
    // crate prefix, no full stop.
    for message in &messages {
        assert!(!message.starts_with("rewal"), "{message}");
        let first = message.split(' ').next().unwrap();
        assert!(
            first.chars().next().unwrap().is_lowercase() || first.starts_with("CRC"),
            "{message}"
        );
        assert!(!message.ends_with('.'), "{message}");
        assert!(message.len() > 12, "{message}");
    }
    let mut unique = messages.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), messages.len());
    assert!(messages[13].contains("no space left"));
}

#[test]
fn errors_compare_by_variant_and_io_errors_by_kind() {
    let errors = all();
    for (i, a) in errors.iter().enumerate() {
        for (j, b) in errors.iter().enumerate() {
            assert_eq!(a == b, i == j, "{a} vs {b}");
        }
    }
    let disk_full = Error::from(io::Error::new(io::ErrorKind::WriteZero, "other text"));
    assert_eq!(disk_full, errors[13]);
    assert_ne!(disk_full, Error::Io(io::ErrorKind::NotFound.into()));
}

#[test]
fn clones_keep_the_io_kind_and_message() {
    for error in all() {
        assert_eq!(error.clone(), error);
        assert_eq!(error.clone().to_string(), error.to_string());
    }
}

#[test]
fn only_io_errors_have_a_source_and_it_is_never_repeated() {
    for error in all() {
        if let Some(source) = error.source() {
            assert!(matches!(error, Error::Io(_)), "{error}");
            assert!(!error.to_string().contains(&source.to_string()), "{error}");
        }
    }
}

#[cfg(not(target_family = "wasm"))]
/// The error and its causes, as anyhow's `{:#}` prints them.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text = format!("{text}: {error}");
        cause = error.source();
    }
    text
}

#[cfg(not(target_family = "wasm"))]
#[test]
fn io_errors_on_a_log_name_the_file_and_say_the_cause_once() {
    let missing = std::env::temp_dir().join("rewal-no-such-dir/a.wal");
    let error = rewal::Wal::open(&missing).build().unwrap_err();
    assert!(matches!(&error, Error::Io(e) if e.kind() == io::ErrorKind::NotFound));
    // `{}` alone says what, where and why (most programs print just that).
    let shown = error.to_string();
    let os = io::Error::from_raw_os_error(2).to_string();
    assert_eq!(shown, format!("opening {}: {os}", missing.display()));
    // The chain (`{:#}` in anyhow) says the cause once.
    let said = chain(&error);
    assert_eq!(said.matches(&os).count(), 1, "{said}");
    // A failed log hands out clones of its error: they say the same.
    assert_eq!(chain(&error.clone()), said);
}

// Issue 23, item 3: the four errors that are about a place say which, and
// what is wrong there: through accessors, and in `Display`.

/// A single-file log of "a", "b", "c" (35-byte frames) whose second frame
/// fails its CRC: a corruption at offset 35, a valid frame at 70.
fn damaged_log(path: &Path) {
    let wal = Wal::open(path).build().unwrap();
    for event in ["a", "b", "c"] {
        wal.append(event).unwrap();
    }
    wal.shutdown(Duration::from_secs(5)).unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    bytes[35 + 30] ^= 0xFF;
    std::fs::write(path, &bytes).unwrap();
}

#[test]
fn a_corrupted_file_says_where_what_and_where_valid_frames_follow() {
    let scratch = Scratch::new("err-corrupted");
    let path = scratch.path("app.wal");
    damaged_log(&path);
    let error = Wal::open(&path).build().unwrap_err();
    assert!(matches!(error, Error::Corrupted { .. }), "{error:?}");
    assert_eq!(error.path(), Some(path.as_path()));
    assert_eq!(error.offset(), Some(35));
    assert_eq!(error.details().unwrap().next_valid(), Some(70));
    assert!(
        matches!(
            error.problem(),
            Some(Problem::CrcMismatch { batch_size: 35, .. })
        ),
        "{error:?}"
    );
    let shown = error.to_string();
    let want = format!(
        "the log {} is corrupted at offset 35: the frame there (35 bytes) fails its CRC-32C check",
        path.display()
    );
    assert!(shown.starts_with(&want), "{shown}");
    assert!(
        shown.ends_with("; valid frames follow at offset 70"),
        "{shown}"
    );
    // Reading it says the same place.
    let mut events = inspect::read_file(&path, 0, None).unwrap();
    assert_eq!(events.next().unwrap().unwrap().lsn, 1);
    let error = events.next().unwrap_err();
    assert!(matches!(error, Error::Corrupted { .. }), "{error:?}");
    assert_eq!(error.path(), Some(path.as_path()));
    assert_eq!(error.offset(), Some(35));
    assert!(error.to_string().starts_with(&want), "{error}");
}

#[test]
fn a_corrupted_segment_names_the_directory_the_segment_and_the_offset_in_it() {
    let scratch = Scratch::new("err-corrupted-dir");
    let dir = scratch.path("log");
    let wal = Wal::open_dir(&dir).segment_size(4096).build().unwrap();
    for i in 0..200 {
        wal.append(format!("{i:0100}")).unwrap();
        wal.flush().unwrap();
    }
    wal.shutdown(Duration::from_secs(5)).unwrap();
    // Damage the oldest segment, which is not the newest: a corruption.
    let oldest = dir.join(inspect::segment_name(1));
    let mut bytes = std::fs::read(&oldest).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xFF;
    std::fs::write(&oldest, &bytes).unwrap();
    let scan = inspect::scan_file(&oldest, |_| {}).unwrap();
    let offset = scan.end.offset().unwrap();

    let error = Wal::open_dir(&dir).build().unwrap_err();
    assert!(matches!(error, Error::Corrupted { .. }), "{error:?}");
    assert_eq!(error.path(), Some(dir.as_path()));
    assert_eq!(error.segment(), Some(oldest.as_path()));
    assert_eq!(error.offset(), Some(offset));
    assert_eq!(error.problem(), scan.problem);
    let shown = error.to_string();
    let want = format!(
        "the log {} (segment {}) is corrupted at offset {offset}: ",
        dir.display(),
        oldest.display()
    );
    assert!(shown.starts_with(&want), "{shown}");
}

#[test]
fn a_second_open_names_the_file_or_directory_already_open() {
    let scratch = Scratch::new("err-locked");
    let path = scratch.path("app.wal");
    let wal = Wal::open(&path).build().unwrap();
    let error = Wal::open(&path).build().unwrap_err();
    assert!(matches!(error, Error::FileLocked { .. }), "{error:?}");
    assert_eq!(error.path(), Some(path.as_path()));
    assert_eq!(
        error.to_string(),
        format!(
            "{} is already open in this or another process",
            path.display()
        )
    );
    wal.close().unwrap();

    let dir = scratch.path("log");
    let wal = Wal::open_dir(&dir).build().unwrap();
    let error = Wal::open_dir(&dir).build().unwrap_err();
    assert!(matches!(error, Error::FileLocked { .. }), "{error:?}");
    assert_eq!(error.path(), Some(dir.as_path()));
    assert_eq!(
        error.to_string(),
        format!(
            "{} is already open in this or another process",
            dir.display()
        )
    );
    wal.close().unwrap();
}

#[test]
fn a_read_before_the_first_lsn_says_the_lsn_asked_and_where_the_log_begins() {
    let scratch = Scratch::new("err-checkpointed");
    let dir = scratch.path("log");
    let wal = Wal::open_dir(&dir).segment_size(4096).build().unwrap();
    for i in 0..300 {
        wal.append(format!("{i:0100}")).unwrap();
        wal.flush().unwrap();
    }
    wal.checkpoint(150).unwrap();
    let first = wal.first_lsn();
    assert!(first > 40, "first LSN {first}");
    let want = format!(
        "events before LSN {first} were given back by a checkpoint (asked for 40; read from {first} or from 0)"
    );
    for error in [
        wal.iterator(40).unwrap_err(),
        wal.replay(40, |_| Ok(())).unwrap_err(),
    ] {
        assert!(matches!(error, Error::Checkpointed { .. }), "{error:?}");
        assert_eq!(error.lsn(), Some(40));
        assert_eq!(error.first_lsn(), Some(first));
        assert_eq!(error.path(), Some(dir.as_path()));
        assert_eq!(error.to_string(), want);
    }
    wal.close().unwrap();
}

#[test]
fn a_file_that_is_not_a_log_is_named_and_said_how_it_begins() {
    let scratch = Scratch::new("err-notalog");
    let path = scratch.path("notes.txt");
    std::fs::write(&path, b"shopping list: eggs").unwrap();
    let error = Wal::open(&path).build().unwrap_err();
    assert!(matches!(error, Error::NotALog { .. }), "{error:?}");
    assert_eq!(error.path(), Some(path.as_path()));
    assert!(!error.details().unwrap().is_directory());
    assert!(
        matches!(error.problem(), Some(Problem::NotALog { head }) if head.as_bytes() == b"shopping"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "the file {} is not a rewal log: it begins with 73 68 6f 70 70 69 6e 67 (left untouched)",
            path.display()
        )
    );
}

#[test]
fn a_directory_of_other_files_is_said_to_be_a_directory() {
    let scratch = Scratch::new("err-notalog-dir");
    let dir = scratch.path("photos");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cat.jpg"), b"meow").unwrap();
    let error = Wal::open_dir(&dir).build().unwrap_err();
    assert!(matches!(error, Error::NotALog { .. }), "{error:?}");
    assert_eq!(error.path(), Some(dir.as_path()));
    assert!(error.details().unwrap().is_directory());
    let shown = error.to_string();
    assert_eq!(
        shown,
        format!(
            "the directory {} is not a rewal log: it holds other files and no segment (left untouched)",
            dir.display()
        )
    );
    assert!(!shown.contains("file is not"), "{shown}");
}

#[test]
fn details_compare_nothing_and_other_errors_have_none() {
    // Equality stays by kind, as in rewal 0.1.
    let here = Error::corrupted(Details::new().with_path("/x/app.wal").with_offset(35));
    assert_eq!(here, Error::corrupted(Details::new()));
    assert_ne!(here, Error::not_a_log(Details::new()));
    assert_eq!(here.clone().offset(), Some(35));
    assert!(Error::Closed.details().is_none());
    assert_eq!(Error::InvalidLsn.path(), None);
    // An Error stays two words and a bit: the details are boxed.
    assert!(std::mem::size_of::<Error>() <= 32);
}
