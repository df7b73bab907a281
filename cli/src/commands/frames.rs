//! `rewal frames FILE|DIR|-`: the frames, one a line: where each begins,
//! its size, its LSNs and events, whether it is compressed, and its CRC
//! (the log's physical layout, as pg_waldump lists records).

use crate::console::halt;
use crate::events::{Filter, Format};
use crate::failure::Failure;
use crate::piped::Flow;
use crate::walk;
use rewal::frame::{FrameEvents, StreamFrame};
use std::io::{BufWriter, Write};
use std::path::Path;

/// Lists the frames that hold events the filter wants (`--from`, `--to`;
/// with `--meta`, those holding a matching event); the exit code says how
/// the log ends, as `verify`'s does.
pub fn run(path: &Path, filter: &Filter, format: Format) -> Result<u8, Failure> {
    let mut out = BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
    let mut heading = format == Format::Text;
    let code = walk::frames(path, |segment, frame| {
        if filter.to.is_some_and(|to| frame.header.first_lsn > to) {
            return Ok(Flow::Stop);
        }
        if !wanted(filter, frame) {
            return Ok(Flow::Go);
        }
        let line = match format {
            Format::Text => {
                let mut line = String::new();
                if heading {
                    heading = false;
                    if segment.is_some() {
                        line.push_str("segment\t");
                    }
                    line.push_str("offset\tsize\tLSNs\tevents\tcompressed\tcrc\n");
                }
                if let Some(segment) = segment {
                    line.push_str(segment);
                    line.push('\t');
                }
                let header = &frame.header;
                line.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{:#010x}\n",
                    frame.offset,
                    header.batch_size,
                    lsns(header.first_lsn, header.last_lsn()),
                    header.record_count,
                    if header.is_compressed() { "yes" } else { "no" },
                    frame.crc
                ));
                line
            }
            Format::Jsonl => {
                let header = &frame.header;
                let listed = Listed {
                    segment,
                    offset: frame.offset,
                    size: header.batch_size,
                    first_lsn: header.first_lsn,
                    last_lsn: header.last_lsn(),
                    events: header.record_count,
                    compressed: header.is_compressed(),
                    crc: format!("{:#010x}", frame.crc),
                };
                let mut line = serde_json::to_string(&listed).map_err(|error| Failure {
                    code: crate::failure::exit::FAILED,
                    message: format!("cannot write a frame as JSON: {error}"),
                })?;
                line.push('\n');
                line
            }
        };
        out.write_all(line.as_bytes())
            .map_err(|error| halt(&error))?;
        Ok(Flow::Go)
    });
    // Everything listed reaches stdout before anything on stderr.
    out.flush().map_err(|error| halt(&error))?;
    code
}

/// Whether the frame holds events the filter wants (by LSN, and, with a
/// meta pattern, one whose meta matches: a frame whose events cannot be
/// read, compressed or not held, does not).
fn wanted(filter: &Filter, frame: &StreamFrame<'_>) -> bool {
    let header = &frame.header;
    if header.last_lsn() < filter.from || filter.to.is_some_and(|to| header.first_lsn > to) {
        return false;
    }
    if filter.meta.is_none() {
        return true;
    }
    match frame.region() {
        Some(region) if !header.is_compressed() => {
            FrameEvents::new(region, header).any(|event| filter.wants_meta(event.meta))
        }
        _ => false,
    }
}

/// `5`, or `5-9`.
fn lsns(first: u64, last: u64) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    }
}

/// One frame, as a JSON line (the fields in this order).
#[derive(serde::Serialize)]
struct Listed<'a> {
    /// The segment file `offset` is in (a segment directory only).
    #[serde(skip_serializing_if = "Option::is_none")]
    segment: Option<&'a str>,
    offset: u64,
    size: u32,
    first_lsn: u64,
    last_lsn: u64,
    events: u32,
    compressed: bool,
    /// The CRC-32C its trailer holds, as `0x` and 8 hex digits.
    crc: String,
}
