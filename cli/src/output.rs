//! Writing events to standard output, buffered, as text or JSON lines.

use crate::failure::Failure;
use crate::payload::Encoding;
use rewal::BorrowedEvent;
use std::io::{self, BufWriter, StdoutLock, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by `verify --quiet`: nothing goes to stdout or stderr.
static QUIET: AtomicBool = AtomicBool::new(false);

/// From now on, print nothing: results, notes, errors and progress alike
/// (only the exit code tells).
pub fn silence() {
    QUIET.store(true, Ordering::Relaxed);
}

/// Whether [`silence`] was called.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// The `info --format` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InfoFormat {
    /// Aligned `key: value` lines.
    Text,
    /// One JSON object (fields: see cli/README.md).
    Json,
}

/// The `--format` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `LSN <TAB> META <TAB> PAYLOAD`, META `-` when there is none.
    Text,
    /// One JSON object per line: lsn, meta (null when none), payload,
    /// frame_offset (and, for a segment directory, segment: the file
    /// frame_offset is in).
    Jsonl,
}

/// Writes events to standard output.
pub struct EventWriter {
    out: BufWriter<StdoutLock<'static>>,
    format: Format,
    encoding: Encoding,
    line: Vec<u8>,
    /// The segment file the events come from, in a segment directory:
    /// JSON lines name it, since `frame_offset` is an offset within it.
    segment: Option<String>,
    /// Events whose payload or meta was not valid UTF-8 (utf8 in JSON).
    pub lossy: u64,
    lossy_now: bool,
}

impl EventWriter {
    pub fn new(format: Format, encoding: Encoding) -> EventWriter {
        EventWriter {
            out: BufWriter::with_capacity(64 << 10, io::stdout().lock()),
            format,
            encoding,
            line: Vec::with_capacity(256),
            segment: None,
            lossy: 0,
            lossy_now: false,
        }
    }

    /// Says which segment file the next events come from (`None`: a
    /// single-file log).
    pub fn set_segment(&mut self, segment: Option<String>) {
        self.segment = segment;
    }

    /// Writes one event, in two steps: `stage` formats what comes from the
    /// event, `commit` adds the offset of its frame and writes the line.
    /// Two steps because the event borrows the iterator, which is asked for
    /// the frame offset only once the event is released.
    pub fn stage(&mut self, event: &BorrowedEvent<'_>) -> Result<(), Failure> {
        self.line.clear();
        self.lossy_now = false;
        match self.format {
            Format::Text => {
                self.line
                    .extend_from_slice(event.lsn.to_string().as_bytes());
                self.line.push(b'\t');
                match event.meta {
                    Some(meta) => self.encoding.write_text(meta, &mut self.line),
                    None => self.line.push(b'-'),
                }
                self.line.push(b'\t');
                self.encoding.write_text(event.payload, &mut self.line);
            }
            Format::Jsonl => {
                // Keys in a fixed order; serde_json writes (and escapes)
                // the values.
                self.line.extend_from_slice(b"{\"lsn\":");
                self.line
                    .extend_from_slice(event.lsn.to_string().as_bytes());
                self.line.extend_from_slice(b",\"meta\":");
                match event.meta {
                    Some(meta) => self.json_string(meta)?,
                    None => self.line.extend_from_slice(b"null"),
                }
                self.line.extend_from_slice(b",\"payload\":");
                self.json_string(event.payload)?;
            }
        }
        Ok(())
    }

    /// Finishes the staged event with its frame's offset and writes it.
    pub fn commit(&mut self, frame_offset: u64) -> Result<(), Failure> {
        if self.format == Format::Jsonl {
            self.line.extend_from_slice(b",\"frame_offset\":");
            self.line
                .extend_from_slice(frame_offset.to_string().as_bytes());
            if let Some(segment) = &self.segment {
                // A segment name is 20 digits and ".wal": nothing to escape.
                self.line.extend_from_slice(b",\"segment\":\"");
                self.line.extend_from_slice(segment.as_bytes());
                self.line.push(b'"');
            }
            if self.lossy_now {
                self.lossy += 1;
                self.line.extend_from_slice(b",\"utf8_lossy\":true");
            }
            self.line.push(b'}');
        }
        self.line.push(b'\n');
        self.out.write_all(&self.line).map_err(|error| halt(&error))
    }

    fn json_string(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        let (text, lossy) = self.encoding.json_text(bytes);
        self.lossy_now |= lossy;
        serde_json::to_writer(&mut self.line, &text).map_err(|error| Failure {
            code: crate::failure::exit::FAILED,
            message: format!("cannot write an event as JSON: {error}"),
        })
    }

    /// Hands everything written so far to standard output.
    pub fn flush(&mut self) -> Result<(), Failure> {
        self.out.flush().map_err(|error| halt(&error))
    }
}

/// Prints `text` on standard output (a `print!` that reports failures
/// instead of panicking).
pub fn print(text: &str) -> Result<(), Failure> {
    if quiet() {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|error| halt(&error))
}

/// A failed write to standard output. When the reader has gone away
/// (`rewal dump log | head`), that is the end of the work, not an error:
/// a quiet failure with exit code 0.
pub fn halt(error: &io::Error) -> Failure {
    if error.kind() == io::ErrorKind::BrokenPipe {
        Failure::quiet()
    } else {
        Failure::stdout(error)
    }
}
