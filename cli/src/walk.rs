//! Walking the valid frames of any target, a frame at a time with its
//! bytes (`frames`, `stats`): a log's segments are read as streams are,
//! through the engine's sans-IO checker (`rewal::frame::StreamChecker`),
//! after the scan that judged them; a stream through `piped`.

use crate::console::say;
use crate::events::ends_badly;
use crate::failure::{describe_io, exit, Failure};
use crate::piped::{self, Flow};
use crate::target::Target;
use rewal::frame::{Poll, StreamChecker, StreamFrame};
use rewal_report::{exit_code, Verdict};
use std::io::Read;
use std::path::Path;

/// Calls `visit` with every valid frame of the log at `path` (and the
/// segment file it is in, in a directory), oldest first; returns the exit
/// code that says how the log ends, having said so on standard error when
/// it is not clean.
pub fn frames(
    path: &Path,
    mut visit: impl FnMut(Option<&str>, &StreamFrame<'_>) -> Result<Flow, Failure>,
) -> Result<u8, Failure> {
    let log = match Target::resolve(path) {
        Target::Stream(stream) => {
            let Some(found) = piped::read(&stream, |frame| visit(None, frame))? else {
                return Ok(exit::OK);
            };
            let code = exit_code(found.scan.end);
            if code != exit::OK {
                say(format_args!(
                    "{}: the log ends here: {}",
                    stream.label.display(),
                    Verdict::of_scan(&found.scan).ending()
                ));
            }
            return Ok(code);
        }
        Target::Log(log) => log,
    };
    let found = log.scan("reading")?;
    for (i, segment) in found.held().iter().enumerate() {
        let file = log.file_of(&found, i);
        let name = log.segment_name(&found, i);
        let unreadable = |error: std::io::Error| {
            Failure::at(
                exit::UNREADABLE,
                file,
                format_args!("cannot read it: {}", describe_io(&error)),
            )
        };
        let mut input = std::fs::File::open(file)
            .map_err(unreadable)?
            .take(segment.scan.valid_len);
        let mut checker = StreamChecker::new();
        let mut chunk = vec![0u8; 256 << 10];
        loop {
            match checker.poll() {
                Poll::Frame(frame) => {
                    if let Flow::Stop = visit(name.as_deref(), &frame)? {
                        return Ok(exit::OK);
                    }
                }
                Poll::NeedInput => match input.read(&mut chunk).map_err(unreadable)? {
                    0 => checker.end_of_input(),
                    n => checker.feed(&chunk[..n]),
                },
                // What was scanned valid is read valid, unless the file
                // changed since: the scan's verdict stands.
                Poll::End(_) => break,
            }
        }
    }
    match ends_badly(&log.path, &found) {
        None => Ok(exit::OK),
        Some(failure) => {
            say(&failure.message);
            Ok(failure.code)
        }
    }
}
