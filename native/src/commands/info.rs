//! `rewal info FILE`: what a log holds and how it ends.

use crate::failure::{exit, Failure};
use crate::output;
use crate::scan::{self, count};
use rewal::inspect::LogEnd;
use std::path::Path;

/// Prints the description; exits 0 whenever the file is a log it could
/// read, damaged or not (`verify` is the command whose code says which).
pub fn run(path: &Path) -> Result<u8, Failure> {
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
