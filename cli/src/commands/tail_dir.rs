//! `rewal tail DIR [-n N] [-f]` for a log kept as segment files: the last
//! events across segments, and with `-f` the ones appended after them. The
//! newest segment is followed as `tail -f` follows a file; when a writer
//! rotates (a newer segment appears), the followed one is read to its end
//! and the next one followed. A checkpoint removes only older segments,
//! which the follower no longer reads.

use super::tail::{cannot_follow, start_of_last as start_in_file, Follower, Polled};
use crate::dir;
use crate::failure::{describe, describe_io, exit, say, Failure};
use crate::output::{EventWriter, Format};
use crate::payload::Encoding;
use crate::progress::Progress;
use crate::stream::Printed;
use rewal::inspect::{segment_name, Misfit, RunProblem, RunScan};
use rewal::Lsn;
use rewal_report::{misfit, Place};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Prints the last `lines` events of the directory `path`; with `follow`,
/// then polls it every `follow` interval and prints new events until
/// interrupted.
pub fn run(
    path: &Path,
    lines: u64,
    follow: Option<Duration>,
    format: Format,
    encoding: Encoding,
) -> Result<u8, Failure> {
    let found = dir::scan(path)?;
    let from = start_of_last(&found, lines)?;
    let mut out = EventWriter::new(format, encoding);
    let mut printed = Printed::default();
    let mut progress = Progress::new("reading", 0);
    let stopped = crate::dir_stream::print(
        path,
        &found,
        from,
        None,
        &mut out,
        &mut progress,
        &mut printed,
    )?;
    out.flush()?;
    crate::commands::dump::note_lossy(path, &out);
    let Some(interval) = follow else {
        return stopped.map_or(Ok(exit::OK), Err);
    };
    if let Some(stopped) = stopped {
        // Only a torn tail in the newest segment may be a frame still being
        // written; after anything else, no use waiting.
        if stopped.code != exit::TORN {
            return Err(stopped);
        }
    }
    let newest = found.segments.last().map(|segment| {
        let named = segment.named.unwrap_or_default();
        (named, segment.path.clone().unwrap_or_default())
    });
    let next = found.last_lsn().max(printed.last_lsn).saturating_add(1);
    let mut following = Following {
        dir: path,
        current: None,
        next,
        older: found.segments.len() > 1,
        out: &mut out,
    };
    if let Some((named, file)) = newest {
        following.follow(named, file);
    }
    following.run(interval)
}

/// Where the last `lines` events of the scanned directory begin: counted
/// back from the newest valid event, segment by segment, and found within
/// the segment where they begin as `tail FILE` finds it.
fn start_of_last(found: &RunScan, lines: u64) -> Result<Lsn, Failure> {
    // A segment that does not follow, and the ones after it, hold no
    // event that the log holds.
    let valid = match found.problem {
        Some(RunProblem::Misfit { segment, .. }) => &found.segments[..segment],
        _ => found.held(),
    };
    if lines == 0 {
        let last = valid
            .iter()
            .rev()
            .find(|segment| segment.scan.frames > 0)
            .map_or(0, |segment| segment.scan.last_lsn);
        return Ok(last.saturating_add(1));
    }
    let mut wanted = lines;
    for segment in valid.iter().rev() {
        if segment.scan.events >= wanted {
            return Ok(start_in_file(segment.path.as_deref().unwrap_or(Path::new("")), wanted)?.0);
        }
        wanted -= segment.scan.events;
    }
    Ok(0)
}

/// The state of `tail -f DIR`.
struct Following<'a> {
    dir: &'a Path,
    /// The segment followed (its name, and its follower).
    current: Option<(Lsn, Follower)>,
    /// The LSN of the next event to print.
    next: Lsn,
    /// Whether a segment came before the one followed.
    older: bool,
    out: &'a mut EventWriter,
}

impl Following<'_> {
    /// Follows the segment `named` (at `file`) from now on.
    fn follow(&mut self, named: Lsn, file: PathBuf) {
        let place = Place {
            named: Some(named),
            newer: false,
            older: self.older,
        };
        let follower = Follower::new(file, Some((self.dir.to_path_buf(), place)));
        self.next = self.next.max(named);
        self.out.set_segment(Some(segment_name(named)));
        self.current = Some((named, follower));
        self.older = true;
    }

    /// Polls until interrupted, or until something ends the follow.
    fn run(&mut self, interval: Duration) -> Result<u8, Failure> {
        loop {
            if !self.step()? {
                std::thread::sleep(interval);
            }
        }
    }

    /// One poll: prints what arrived in the followed segment and, if a newer
    /// segment has appeared, moves on to it once the followed one is read to
    /// its end. True when it moved on (poll again at once).
    fn step(&mut self) -> Result<bool, Failure> {
        let followed = self.current.as_ref().map(|(named, _)| *named);
        let newer = dir::segment_after(self.dir, followed)
            .map_err(|error| cannot_follow(self.dir, &describe_io(&error)))?;
        let Some((named, file)) = newer else {
            if let Some((_, follower)) = &mut self.current {
                match follower.poll(&mut self.next, self.out, false)? {
                    // A torn tail in the newest segment: a frame being
                    // written; wait for the rest of it.
                    Polled::Read { .. } => {}
                    Polled::Gone(error) => {
                        let what = format!(
                            "{}: {}",
                            segment_name(followed.unwrap_or_default()),
                            describe(&error)
                        );
                        return Err(cannot_follow(self.dir, &what));
                    }
                }
            }
            return Ok(false);
        };
        if let Some((current, follower)) = &mut self.current {
            // A newer segment exists: the followed one is complete. Read it
            // to its end; a torn tail there is now a corruption.
            let current = *current;
            follower.newer_follow();
            match follower.poll(&mut self.next, self.out, true)? {
                Polled::Read {
                    torn: Some(stopped),
                } => return Err(stopped.failure),
                Polled::Read { torn: None } => self.check_follows(named)?,
                Polled::Gone(_) => self.note_removed(current, named),
            }
        }
        self.follow(named, file);
        Ok(true)
    }

    /// Checks that a segment named `named` begins where the one followed
    /// ended: at the next LSN.
    fn check_follows(&self, named: Lsn) -> Result<(), Failure> {
        let expected = self.next;
        let how = match named {
            _ if named == expected => return Ok(()),
            _ if named > expected => Misfit::Gap { expected, named },
            _ => Misfit::Overlap { expected, named },
        };
        Err(Failure::at(
            exit::CORRUPTED,
            self.dir,
            format_args!("stopped: corrupted: {}", misfit(how)),
        ))
    }

    /// The followed segment `removed` was removed (a checkpoint) before it
    /// was read to its end: the events between what was printed and the
    /// next segment, `named`, cannot be printed any more. Say so.
    fn note_removed(&self, removed: Lsn, named: Lsn) {
        if self.next < named {
            say(format_args!(
                "{}: note: {} was removed (by a checkpoint) before it was read to its end: the events {} to {} were not printed",
                self.dir.display(),
                segment_name(removed),
                self.next,
                named - 1
            ));
        }
    }
}
