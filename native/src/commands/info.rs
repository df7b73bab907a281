//! `rewal info FILE|DIR`: what a log holds and how it ends; for a segment
//! directory, its totals and a line per segment.

use crate::dir;
use crate::failure::{exit, Failure};
use crate::output;
use crate::scan::{self, count};
use rewal::inspect::{segment_name, DirProblem, DirScan, LogEnd};
use rewal_report::{segment_ending, DirVerdict};
use std::path::Path;

/// Prints the description; exits 0 whenever the file is a log it could
/// read, damaged or not (`verify` is the command whose code says which).
pub fn run(path: &Path) -> Result<u8, Failure> {
    if dir::is_dir(path) {
        return run_dir(path);
    }
    let found = scan::scan(path, "reading")?;
    let mut text = String::new();
    let mut line = |key: &str, value: String| text.push_str(&format!("{key:<11} {value}\n"));
    line("file:", path.display().to_string());
    line(
        "size:",
        if found.valid_len == found.file_len {
            count(found.file_len, "byte", "bytes")
        } else {
            format!(
                "{}, {} in valid frames",
                count(found.file_len, "byte", "bytes"),
                found.valid_len
            )
        },
    );
    line(
        "frames:",
        if found.frames == 0 {
            "0".into()
        } else {
            format!(
                "{}, {} compressed, the largest {}",
                found.frames,
                found.compressed_frames,
                count(u64::from(found.largest_frame), "byte", "bytes")
            )
        },
    );
    line("events:", found.events.to_string());
    line(
        "LSNs:",
        if found.frames == 0 {
            "none (an empty log)".into()
        } else {
            format!("{} to {}", found.first_lsn, found.last_lsn)
        },
    );
    line("ends:", scan::ending(&found));
    if let LogEnd::Corrupted { offset, .. } = found.end {
        line(
            "note:",
            format!("the counts above stop at offset {offset}; frames after the corruption are not counted"),
        );
    }
    output::print(&text)?;
    Ok(exit::OK)
}

/// [`run`] for a segment directory: the totals of the segments scanned,
/// how the directory ends, then one line per segment.
fn run_dir(path: &Path) -> Result<u8, Failure> {
    let found = dir::scan(path)?;
    let mut text = String::new();
    let mut line = |key: &str, value: String| text.push_str(&format!("{key:<11} {value}\n"));
    line("directory:", path.display().to_string());
    line(
        "segments:",
        format!(
            "{}, {}",
            found.segments.len(),
            count(found.bytes(), "byte", "bytes")
        ),
    );
    let frames: u64 = found.segments.iter().map(|s| s.scan.frames).sum();
    let compressed: u64 = found
        .segments
        .iter()
        .map(|s| s.scan.compressed_frames)
        .sum();
    let largest = found.segments.iter().map(|s| s.scan.largest_frame).max();
    line(
        "frames:",
        match largest {
            Some(largest) if frames > 0 => format!(
                "{frames}, {compressed} compressed, the largest {}",
                count(u64::from(largest), "byte", "bytes")
            ),
            _ => "0".into(),
        },
    );
    line("events:", found.events().to_string());
    line(
        "LSNs:",
        if found.events() == 0 {
            "none (an empty log)".into()
        } else {
            format!("{} to {}", found.first_lsn(), found.last_lsn())
        },
    );
    line("ends:", DirVerdict::new(&found).ending().to_string());
    if let Some(note) = counted_up_to(&found) {
        line("note:", note);
    }
    text.push_str(&segment_table(&found));
    output::print(&text)?;
    Ok(exit::OK)
}

/// Where the counts stop, when a problem stops the scan: at a segment
/// that does not follow (the newer ones are not scanned), or at bad bytes
/// followed by more (what comes after them is not counted).
fn counted_up_to(found: &DirScan) -> Option<String> {
    match found.problem {
        Some(DirProblem::Misfit { segment, .. }) => Some(format!(
            "the counts above include {}, which does not follow the segment before it; the segments after it are not counted",
            segment_name(found.segments.get(segment)?.named)
        )),
        Some(DirProblem::Damaged { segment }) => {
            let damaged = found.segments.get(segment)?;
            Some(format!(
                "the counts above stop at offset {} of {}; what follows it and the segments after it are not counted",
                damaged.scan.end.offset()?,
                segment_name(damaged.named)
            ))
        }
        None => {
            let newest = found.segments.last()?;
            let LogEnd::Corrupted { offset, .. } = newest.scan.end else {
                return None;
            };
            Some(format!(
                "the counts above stop at offset {offset} of {}; frames after the corruption are not counted",
                segment_name(newest.named)
            ))
        }
    }
}

/// One line per segment: name, size, LSN range, how it ends; columns
/// aligned, under a heading.
fn segment_table(found: &DirScan) -> String {
    if found.segments.is_empty() {
        return String::new();
    }
    let heading = ["segment", "size", "LSNs", "ends"].map(String::from);
    let rows: Vec<[String; 4]> = std::iter::once(heading)
        .chain(found.segments.iter().enumerate().map(|(i, segment)| {
            [
                segment_name(segment.named),
                count(segment.scan.file_len, "byte", "bytes"),
                match segment.scan.frames {
                    0 => "none".into(),
                    _ => format!("{} to {}", segment.scan.first_lsn, segment.scan.last_lsn),
                },
                segment_ending(found, i).without_name().to_string(),
            ]
        }))
        .collect();
    let width = |column: usize| rows.iter().map(|row| row[column].len()).max().unwrap_or(0);
    let (name, size, lsns) = (width(0), width(1), width(2));
    let mut text = String::new();
    for [segment, bytes, range, ends] in &rows {
        text.push_str(&format!(
            "  {segment:<name$}  {bytes:>size$}  {range:<lsns$}  {ends}\n"
        ));
    }
    text
}
