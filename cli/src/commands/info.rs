//! `rewal info FILE|DIR|-`: what a log holds and how it ends; for a
//! segment directory, its totals and a line per segment. As aligned text,
//! or (`--format json`) one JSON object with the same facts
//! (`info_json.rs`).

use super::info_json::{self, FileInfo};
use crate::console;
use crate::failure::{exit, Failure};
use crate::piped::{self, Flow};
use crate::target::Target;
use rewal::inspect::{segment_name, LogEnd, LogScan, RunProblem, RunScan};
use rewal_report::{count, segment_ending, RunVerdict, Verdict};
use std::path::Path;

/// Prints the description; exits 0 whenever the file is a log it could
/// read, damaged or not (`verify` is the command whose code says which).
pub fn run(path: &Path, json: bool) -> Result<u8, Failure> {
    let (kind, label, found, read_to_end, stream_note) = match Target::resolve(path) {
        Target::Log(log) => {
            let mut found = log.scan("reading")?;
            if log.dir {
                return describe_dir(path, &found, json);
            }
            let file = found.segments.remove(0).scan;
            ("file", path.display().to_string(), file, true, None)
        }
        Target::Stream(stream) => {
            let Some(found) = piped::read(&stream, |_| Ok(Flow::Go))? else {
                return Ok(exit::OK);
            };
            let note = piped::cut_short_note(&found);
            let label = stream.label.display().to_string();
            ("stream", label, found.scan, found.read_to_end, note)
        }
    };
    let notes: Vec<String> = counted_up_to_file(&found)
        .into_iter()
        .chain(stream_note)
        .collect();
    if json {
        let info = FileInfo::new(kind, path, &found, read_to_end, &notes);
        console::print(&info_json::to_text(&info)?)?;
        return Ok(exit::OK);
    }
    let mut text = String::new();
    let mut line = |key: &str, value: String| text.push_str(&format!("{key:<11} {value}\n"));
    line("file:", label);
    line("size:", size(&found, read_to_end));
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
    line("ends:", Verdict::of_scan(&found).ending().to_string());
    for note in notes {
        line("note:", note);
    }
    console::print(&text)?;
    Ok(exit::OK)
}

/// The size line: `233 bytes`, `260 bytes, 233 in valid frames`, or for
/// a stream not read to its end, how far it was read.
fn size(found: &LogScan, read_to_end: bool) -> String {
    if !read_to_end {
        return format!(
            "{} read (not to the end), {} in valid frames",
            count(found.file_len, "byte", "bytes"),
            found.valid_len
        );
    }
    if found.valid_len == found.file_len {
        count(found.file_len, "byte", "bytes")
    } else {
        format!(
            "{}, {} in valid frames",
            count(found.file_len, "byte", "bytes"),
            found.valid_len
        )
    }
}

/// Where the counts of a single log stop, when a corruption stops them.
pub fn counted_up_to_file(found: &LogScan) -> Option<String> {
    let LogEnd::Corrupted { offset, .. } = found.end else {
        return None;
    };
    Some(format!(
        "the counts above stop at offset {offset}; frames after the corruption are not counted"
    ))
}

/// The description of a segment directory: the totals of the segments
/// scanned, how the directory ends, then one line per segment.
fn describe_dir(path: &Path, found: &RunScan, json: bool) -> Result<u8, Failure> {
    if json {
        let info = info_json::DirInfo::new(path, found, counted_up_to(found));
        console::print(&info_json::to_text(&info)?)?;
        return Ok(exit::OK);
    }
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
    let totals = info_json::Totals::of(found);
    line(
        "frames:",
        match totals.largest {
            Some(largest) if totals.frames > 0 => format!(
                "{}, {} compressed, the largest {}",
                totals.frames,
                totals.compressed,
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
    line("ends:", RunVerdict::new(found).ending().to_string());
    if let Some(note) = counted_up_to(found) {
        line("note:", note);
    }
    text.push_str(&segment_table(found));
    console::print(&text)?;
    Ok(exit::OK)
}

/// Where the counts stop, when a problem stops the scan: at a segment
/// that does not follow (the newer ones are not scanned), or at bad bytes
/// followed by more (what comes after them is not counted).
fn counted_up_to(found: &RunScan) -> Option<String> {
    match found.problem {
        Some(RunProblem::Misfit { segment, .. }) => Some(format!(
            "the counts above include {}, which does not follow the segment before it; the segments after it are not counted",
            segment_name(found.segments.get(segment)?.named.unwrap_or_default())
        )),
        Some(RunProblem::Damaged { segment }) => {
            let damaged = found.segments.get(segment)?;
            Some(format!(
                "the counts above stop at offset {} of {}; what follows it and the segments after it are not counted",
                damaged.scan.end.offset()?,
                segment_name(damaged.named.unwrap_or_default())
            ))
        }
        None => {
            let newest = found.segments.last()?;
            let LogEnd::Corrupted { offset, .. } = newest.scan.end else {
                return None;
            };
            Some(format!(
                "the counts above stop at offset {offset} of {}; frames after the corruption are not counted",
                segment_name(newest.named.unwrap_or_default())
            ))
        }
    }
}

/// One line per segment: name, size, LSN range, how it ends; columns
/// aligned, under a heading.
fn segment_table(found: &RunScan) -> String {
    if found.segments.is_empty() {
        return String::new();
    }
    let heading = ["segment", "size", "LSNs", "ends"].map(String::from);
    let rows: Vec<[String; 4]> = std::iter::once(heading)
        .chain(found.segments.iter().enumerate().map(|(i, segment)| {
            [
                segment_name(segment.named.unwrap_or_default()),
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
