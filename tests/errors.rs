//! The error type: Display, Clone, Eq, source, and From<io::Error>.

use rewal::{Details, Error};
use std::error::Error as _;
use std::io;

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
