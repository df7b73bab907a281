//! `rewal dump FILE|DIR|-`: the events in LSN order, streamed.

use crate::dir;
use crate::failure::{existing_file, exit, say, Failure};
use crate::input::{self, Input, Stream};
use crate::output::{EventWriter, Format};
use crate::payload::Encoding;
use crate::pipe::{self, Next, Walker};
use crate::progress::Progress;
use crate::stream::{self, Printed, Stop};
use rewal::frame::{FrameEvents, HEADER_LEN, TRAILER_LEN};
use rewal::inspect::LogEnd;
use rewal::Lsn;
use std::io::Read;
use std::path::Path;

/// Prints the events from `from` on, at most `limit` of them. Reads without
/// a lock, like `verify`. Exits 0 after the last event; stopping at a torn
/// tail or a corruption says so on stderr and exits 1 or 2.
pub fn run(
    path: &Path,
    from: Lsn,
    limit: Option<u64>,
    format: Format,
    encoding: Encoding,
) -> Result<u8, Failure> {
    match input::resolve(path) {
        Input::Dir => return run_dir(path, from, limit, format, encoding),
        Input::Stream(stream) => return run_stream(&stream, from, limit, format, encoding),
        Input::File => {}
    }
    existing_file(path)?;
    let len = std::fs::metadata(path).map_or(0, |meta| meta.len());
    let mut iter = rewal::FileStorage::open_read_only(path)
        .and_then(|storage| rewal::inspect::read_storage(storage, from, None))
        .map_err(|error| Failure::unreadable(path, &error))?;
    let mut out = EventWriter::new(format, encoding);
    let mut progress = Progress::new("dumping", len);
    let mut printed = Printed::default();
    let stopped = stream::pump(&mut iter, &mut out, limit, &mut progress, &mut printed)?;
    // Everything printed reaches stdout before anything is said on stderr.
    out.flush()?;
    progress.finish();
    note_lossy(path, &out);
    match stopped {
        None => Ok(exit::OK),
        Some(error) => Err(stream::explain(path, None, &iter, &error, printed)),
    }
}

/// [`run`] for a segment directory: the segments' events one after the
/// other, as one log, once a scan has checked them all.
fn run_dir(
    path: &Path,
    from: Lsn,
    limit: Option<u64>,
    format: Format,
    encoding: Encoding,
) -> Result<u8, Failure> {
    let found = dir::scan(path)?;
    if let Some(oldest) = found.segments.first() {
        if from > 0 && from < oldest.named.unwrap_or_default() {
            // Not silently: the events asked for are gone.
            say(format_args!(
                "{}: note: the log holds no event below LSN {} (the older segments were checkpointed away); printing from there",
                path.display(),
                oldest.named.unwrap_or_default()
            ));
        }
    }
    let mut out = EventWriter::new(format, encoding);
    let mut progress = Progress::new("dumping", found.bytes());
    let mut printed = Printed::default();
    let stopped = crate::dir_stream::print(
        path,
        &found,
        from,
        limit,
        &mut out,
        &mut progress,
        &mut printed,
    )?;
    out.flush()?;
    progress.finish();
    note_lossy(path, &out);
    stopped.map_or(Ok(exit::OK), Err)
}

/// [`run`] for a stream: each frame checked as it comes, and its events
/// printed while it is held. Stops at the first invalid frame, once what
/// follows it has been judged (a torn tail, or a corruption).
fn run_stream(
    stream: &Stream,
    from: Lsn,
    limit: Option<u64>,
    format: Format,
    encoding: Encoding,
) -> Result<u8, Failure> {
    let mut walker = Walker::new(stream.open()?);
    let mut out = EventWriter::new(format, encoding);
    let mut printed = Printed::default();
    let stopped = print_stream(&mut walker, from, limit, &mut out, &mut printed)
        .map_err(|error| error.into_failure(stream))?;
    out.flush()?;
    note_lossy(&stream.label, &out);
    match stopped {
        None => Ok(exit::OK),
        Some(stop) => Err(stream::explain_stop(&stream.label, None, stop, printed)),
    }
}

/// What ended [`print_stream`] in failure: reading the stream, or writing
/// the events.
enum StreamError {
    Read(std::io::Error),
    Write(Failure),
}

impl StreamError {
    fn into_failure(self, stream: &Stream) -> Failure {
        match self {
            StreamError::Read(error) => stream.unreadable(&error),
            StreamError::Write(failure) => failure,
        }
    }
}

impl From<Failure> for StreamError {
    fn from(failure: Failure) -> Self {
        StreamError::Write(failure)
    }
}

impl From<std::io::Error> for StreamError {
    fn from(error: std::io::Error) -> Self {
        StreamError::Read(error)
    }
}

/// Prints the events of the frames `walker` meets from `from` on, at most
/// `limit` in all, as `WalIterator` would hand them out: every frame
/// checked before its events are printed, those before `from` too.
/// Returns why it stopped before the end, if it did.
fn print_stream<R: Read>(
    walker: &mut Walker<R>,
    from: Lsn,
    limit: Option<u64>,
    out: &mut EventWriter,
    printed: &mut Printed,
) -> Result<Option<Stop>, StreamError> {
    let full = |printed: &Printed| limit.is_some_and(|limit| printed.events >= limit);
    loop {
        if full(printed) {
            return Ok(None);
        }
        let (offset, header) = match walker.next()? {
            Next::End => return Ok(None),
            Next::Bad { offset, problem } => {
                let ending =
                    pipe::tail::classify(&mut walker.window, offset, walker.last_lsn, problem)?;
                return Ok(match ending.end {
                    // Zeros to the end: the clean end of the log.
                    LogEnd::Clean => None,
                    end => Some(Stop::Bad {
                        end,
                        problem: ending.problem.unwrap_or(problem),
                    }),
                });
            }
            Next::Frame { header, .. } if header.last_lsn() < from => continue,
            Next::Frame {
                offset,
                header,
                held,
            } => {
                if !held {
                    let len = header.batch_size;
                    return Ok(Some(Stop::TooLarge { offset, len }));
                }
                if header.is_compressed() {
                    let offset = Some(offset);
                    return Ok(Some(Stop::Compressed { offset }));
                }
                (offset, header)
            }
        };
        // Checked whole by the walk: its records fill the region exactly.
        let frame = walker.frame().unwrap_or_default();
        let region = frame
            .get(HEADER_LEN..frame.len().saturating_sub(TRAILER_LEN))
            .unwrap_or_default();
        for event in FrameEvents::new(region, &header) {
            if event.lsn < from {
                continue;
            }
            if full(printed) {
                return Ok(None);
            }
            printed.last_lsn = event.lsn;
            out.stage(&event)?;
            out.commit(offset)?;
            printed.events += 1;
        }
    }
}

/// A note on stderr when `--payload utf8` could not show some events
/// exactly in JSON.
pub fn note_lossy(path: &Path, out: &EventWriter) {
    if out.lossy > 0 {
        crate::failure::say(format_args!(
            "{}: note: {} not valid UTF-8 and shown with replacement characters (marked \"utf8_lossy\"); --payload hex or base64 shows the exact bytes",
            path.display(),
            if out.lossy == 1 { "1 event is".to_string() } else { format!("{} events are", out.lossy) }
        ));
    }
}
