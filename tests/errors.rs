//! The error type: Display, Clone, Eq, source, and From<io::Error>.

use rewal::Error;
use std::error::Error as _;
use std::io;

fn all() -> Vec<Error> {
    vec![
        Error::Closed,
        Error::Draining,
        Error::NotRunning,
        Error::Corrupted,
        Error::QueueFull,
        Error::FileLocked,
        Error::InvalidLsn,
        Error::ShortWrite,
        Error::InvalidRecord,
        Error::CrcMismatch,
        Error::InvalidState,
        Error::EmptyBatch,
        Error::CompressorRequired,
        Error::Io(io::Error::new(io::ErrorKind::StorageFull, "no space left")),
        Error::NotALog,
        Error::TooLarge,
        Error::Timeout,
    ]
}

#[test]
fn every_error_has_a_distinct_readable_message() {
    let messages: Vec<String> = all().iter().map(ToString::to_string).collect();
    for message in &messages {
        assert!(message.starts_with("rewal: "), "{message}");
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
    let disk_full = Error::from(io::Error::new(io::ErrorKind::StorageFull, "other text"));
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
fn only_io_errors_have_a_source() {
    for error in all() {
        assert_eq!(
            error.source().is_some(),
            matches!(error, Error::Io(_)),
            "{error}"
        );
    }
}
