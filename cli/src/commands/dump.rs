//! `rewal dump FILE|DIR|-`: the events in LSN order, streamed; with
//! `--follow`, then the ones appended after them.

use crate::console::say;
use crate::events::{
    explain, offer, print_run, EventWriter, Filter, Format, MetaFormat, Offered, Printed, Stop,
};
use crate::failure::{exit, Failure};
use crate::follow::follow;
use crate::payload::Encoding;
use crate::piped::{self, Flow};
use crate::progress::Progress;
use crate::target::{Log, Stream, Target};
use rewal::frame::FrameEvents;
use rewal::inspect::LogEnd;
use std::path::Path;
use std::time::Duration;

/// What `dump` was asked.
pub struct Dump<'a> {
    pub path: &'a Path,
    pub filter: Filter,
    /// `--follow`, polling at this interval.
    pub follow: Option<Duration>,
    pub format: Format,
    pub payload: Encoding,
    pub meta: MetaFormat,
}

/// Prints the events the filter wants. Reads without a lock, like
/// `verify`. Exits 0 after the last event; stopping at a torn tail or a
/// corruption says so on stderr and exits 1 or 2.
pub fn run(dump: Dump<'_>) -> Result<u8, Failure> {
    let mut out = EventWriter::new(dump.format, dump.payload, dump.meta);
    let log = match Target::resolve(dump.path) {
        Target::Stream(stream) if dump.follow.is_none() => {
            return from_stream(&stream, &dump.filter, &mut out)
        }
        Target::Stream(_) => Log::needed(dump.path, "dump --follow", "a log file or directory")?,
        Target::Log(log) => log,
    };
    let found = log.scan("dumping")?;
    if let Some(oldest) = found.segments.first().and_then(|segment| segment.named) {
        if dump.filter.from > 0 && dump.filter.from < oldest {
            // Not silently: the events asked for are gone.
            say(format_args!(
                "{}: note: the log holds no event below LSN {oldest} (the older segments were checkpointed away); printing from there",
                log.path.display(),
            ));
        }
    }
    let mut progress = Progress::new("dumping", found.bytes());
    let mut printed = Printed::default();
    let stopped = print_run(
        &log,
        &found,
        &dump.filter,
        &mut out,
        &mut progress,
        &mut printed,
    )?;
    // Everything printed reaches stdout before anything is said on stderr.
    out.flush()?;
    progress.finish();
    out.note_lossy(&log.path);
    // Past --to already: nothing more will come.
    let done = dump.filter.to.is_some_and(|to| found.last_lsn() >= to);
    match (stopped, dump.follow) {
        (None, None) => Ok(exit::OK),
        (None, Some(_)) if done => Ok(exit::OK),
        (Some(stopped), None) => Err(stopped),
        // Only a torn tail in the newest file may be a frame still being
        // written; after anything else, no use waiting.
        (Some(stopped), Some(_)) if stopped.code != exit::TORN => Err(stopped),
        (_, Some(interval)) => follow(&log, &found, &dump.filter, printed, interval, &mut out),
    }
}

/// [`run`] for a stream: each frame checked as it comes, and its events
/// printed while it is held. Stops at the first invalid frame, once what
/// follows it has been judged (a torn tail, or a corruption).
fn from_stream(stream: &Stream, filter: &Filter, out: &mut EventWriter) -> Result<u8, Failure> {
    let mut printed = Printed::default();
    let mut stop = None;
    let found = piped::read(stream, |frame| {
        let header = &frame.header;
        if header.last_lsn() < filter.from {
            return Ok(Flow::Go);
        }
        let Some(region) = frame.region() else {
            let len = header.batch_size;
            stop = Some(Stop::TooLarge {
                offset: frame.offset,
                len,
            });
            return Ok(Flow::Stop);
        };
        if header.is_compressed() {
            let offset = Some(frame.offset);
            stop = Some(Stop::Compressed { offset });
            return Ok(Flow::Stop);
        }
        for event in FrameEvents::new(region, header) {
            match offer(&event, filter, out, &mut printed)? {
                Some(Offered::Done) => return Ok(Flow::Stop),
                Some(Offered::Taken) => {
                    out.commit(frame.offset)?;
                    printed.events += 1;
                }
                None => {}
            }
        }
        Ok(Flow::Go)
    });
    out.flush()?;
    out.note_lossy(&stream.label);
    let stop = match found? {
        Some(found) => match (found.scan.end, found.scan.problem) {
            // Zeros to the end: the clean end of the log.
            (LogEnd::Clean, _) | (_, None) => None,
            (end, Some(problem)) => Some(Stop::Bad { end, problem }),
        },
        None => stop,
    };
    match stop {
        None => Ok(exit::OK),
        Some(stop) => Err(explain(&stream.label, None, stop, printed)),
    }
}
