//! `rewal info --format json`: the facts of the text form as one JSON
//! object. The field names are a stable interface, listed in
//! `rewal info --help` (and cli/README.md); new fields may be added, none renamed or removed.

use crate::failure::{exit, Failure};
use rewal::inspect::{segment_name, LogEnd, LogScan, RunScan};
use rewal_report::{describe, exit_code, segment_ending, RunVerdict, Verdict};
use serde::Serialize;
use std::path::Path;

/// A log file, or a stream.
#[derive(Serialize)]
pub struct FileInfo {
    /// `file` or `stream` (standard input, a pipe).
    kind: &'static str,
    /// The argument as given (`-` for standard input).
    path: String,
    /// Bytes in the file (for a stream not read to its end: bytes read).
    size: u64,
    /// Bytes from the start covered by valid frames.
    valid_size: u64,
    /// Whether every byte was read (always, but for a stream cut short).
    read_to_end: bool,
    #[serde(flatten)]
    contents: Contents,
    #[serde(flatten)]
    ending: Ending,
    /// Where the counts stop, and why (the text's `note:` lines).
    notes: Vec<String>,
}

impl FileInfo {
    /// The description of the scanned log `found`, named by `path`.
    pub fn new(
        kind: &'static str,
        path: &Path,
        found: &LogScan,
        read_to_end: bool,
        notes: &[String],
    ) -> FileInfo {
        FileInfo {
            kind,
            path: path.display().to_string(),
            size: found.file_len,
            valid_size: found.valid_len,
            read_to_end,
            contents: Contents::of(found),
            ending: Ending::of(
                found,
                exit_code(found.end),
                Verdict::of_scan(found).ending().to_string(),
            ),
            notes: notes.to_vec(),
        }
    }
}

/// What valid frames hold.
#[derive(Serialize)]
struct Contents {
    frames: u64,
    compressed_frames: u64,
    /// The largest valid frame in bytes (`null` without frames).
    largest_frame: Option<u32>,
    events: u64,
    /// The first and last LSN (`null` without events).
    first_lsn: Option<u64>,
    last_lsn: Option<u64>,
}

impl Contents {
    fn of(found: &LogScan) -> Contents {
        let any = found.frames > 0;
        Contents {
            frames: found.frames,
            compressed_frames: found.compressed_frames,
            largest_frame: any.then_some(found.largest_frame),
            events: found.events,
            first_lsn: any.then_some(found.first_lsn),
            last_lsn: any.then_some(found.last_lsn),
        }
    }
}

/// How a log (or a segment) ends.
#[derive(Serialize)]
struct Ending {
    /// `clean`, `torn_tail` or `corrupted`: what `verify` would exit with
    /// (0, 1, 2).
    status: &'static str,
    /// The text's `ends:` sentence.
    ends: String,
    /// Where the bytes that are not valid frames begin (`null` when clean).
    damage_offset: Option<u64>,
    /// Where a valid frame follows the damage (a corruption; `null` when
    /// the rest was too costly to search, or there is none).
    next_valid_offset: Option<u64>,
    /// What is wrong at `damage_offset`, in `verify`'s words.
    problem: Option<String>,
}

impl Ending {
    fn of(found: &LogScan, code: u8, ends: String) -> Ending {
        Ending {
            status: status(code),
            ends,
            damage_offset: found.end.offset(),
            next_valid_offset: match found.end {
                LogEnd::Corrupted { next_valid, .. } => next_valid,
                _ => None,
            },
            problem: found
                .problem
                .as_ref()
                .map(|problem| describe(problem).to_string()),
        }
    }
}

/// The name of what an exit code says of a log.
fn status(code: u8) -> &'static str {
    match code {
        exit::OK => "clean",
        exit::TORN => "torn_tail",
        exit::CORRUPTED => "corrupted",
        _ => "not_a_log",
    }
}

/// A segment directory.
#[derive(Serialize)]
pub struct DirInfo {
    /// `directory`.
    kind: &'static str,
    path: String,
    /// Bytes in all its segment files.
    size: u64,
    #[serde(flatten)]
    contents: Contents,
    /// `clean`, `torn_tail` or `corrupted`, as `verify DIR` exits.
    status: &'static str,
    /// The text's `ends:` sentence.
    ends: String,
    notes: Vec<String>,
    /// One per segment file, oldest first (the text's table).
    segments: Vec<SegmentInfo>,
}

/// One segment file of a directory.
#[derive(Serialize)]
struct SegmentInfo {
    /// Its file name: the first LSN it may hold, in 20 digits, `.wal`.
    name: String,
    size: u64,
    valid_size: u64,
    #[serde(flatten)]
    contents: Contents,
    /// How it ends in its place (a torn tail with newer segments after it
    /// is a corruption); `ends` does not repeat its name.
    #[serde(flatten)]
    ending: Ending,
}

/// The totals of a directory's frames.
pub struct Totals {
    pub frames: u64,
    pub compressed: u64,
    pub largest: Option<u32>,
}

impl Totals {
    /// Summed over the segments scanned.
    pub fn of(found: &RunScan) -> Totals {
        let segments = found.segments.iter().map(|segment| &segment.scan);
        Totals {
            frames: segments.clone().map(|scan| scan.frames).sum(),
            compressed: segments.clone().map(|scan| scan.compressed_frames).sum(),
            largest: segments.map(|scan| scan.largest_frame).max(),
        }
    }
}

impl DirInfo {
    /// The description of the scanned directory `found` at `path`.
    pub fn new(path: &Path, found: &RunScan, note: Option<String>) -> DirInfo {
        let totals = Totals::of(found);
        let verdict = RunVerdict::new(found);
        let events = found.events();
        DirInfo {
            kind: "directory",
            path: path.display().to_string(),
            size: found.bytes(),
            contents: Contents {
                frames: totals.frames,
                compressed_frames: totals.compressed,
                largest_frame: totals.largest.filter(|_| totals.frames > 0),
                events,
                first_lsn: (events > 0).then(|| found.first_lsn()),
                last_lsn: (events > 0).then(|| found.last_lsn()),
            },
            status: status(verdict.exit_code()),
            ends: verdict.ending().to_string(),
            notes: note.into_iter().collect(),
            segments: found
                .segments
                .iter()
                .enumerate()
                .map(|(i, segment)| {
                    let ending = segment_ending(found, i);
                    SegmentInfo {
                        name: segment_name(segment.named.unwrap_or_default()),
                        size: segment.scan.file_len,
                        valid_size: segment.scan.valid_len,
                        contents: Contents::of(&segment.scan),
                        ending: Ending::of(
                            &segment.scan,
                            ending.exit_code(),
                            ending.without_name().to_string(),
                        ),
                    }
                })
                .collect(),
        }
    }
}

/// `value` as pretty-printed JSON, with a final newline.
pub fn to_text(value: &impl Serialize) -> Result<String, Failure> {
    let mut text = serde_json::to_string_pretty(value).map_err(|error| Failure {
        code: exit::FAILED,
        message: format!("cannot write the description as JSON: {error}"),
    })?;
    text.push('\n');
    Ok(text)
}
