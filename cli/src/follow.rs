//! Following a log as another process appends to it (`tail -f`, `dump
//! --follow`): its newest file is polled and read again from the next LSN
//! when it changes. In a segment directory, when the writer starts a newer
//! segment, the followed one is read to its end, the new one is checked to
//! begin where it ended, and followed in turn; a checkpoint removes only
//! older segments, which the follower no longer reads.

use crate::console::say;
use crate::events::{explain, pump, EventWriter, Filter, Printed, Pumped, Stop};
use crate::failure::{describe, describe_io, exit, Failure};
use crate::progress::Progress;
use crate::target::{segment_after, Log};
use rewal::inspect::{segment_name, LogEnd, Misfit, RunScan};
use rewal::{FileStorage, Lsn, ReadStorage};
use rewal_report::{misfit, Place};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Follows `log`, scanned as `found`, after the events printed so far,
/// polling every `interval` until interrupted; only a failure ends it.
pub fn follow(
    log: &Log,
    found: &RunScan,
    filter: &Filter,
    printed: Printed,
    interval: Duration,
    out: &mut EventWriter,
) -> Result<u8, Failure> {
    let next = found.last_lsn().max(printed.seen_lsn).saturating_add(1);
    let mut following = Following {
        log,
        current: None,
        next: next.max(filter.from),
        older: found.segments.len() > 1,
        filter: filter.clone(),
        out,
    };
    if let Some(newest) = found.segments.last() {
        let file = log.file_of(found, found.segments.len() - 1).to_path_buf();
        following.follow(newest.named, file);
    }
    loop {
        if !following.step()? {
            std::thread::sleep(interval);
        }
    }
}

/// The failure of a follow that lost its file.
fn cannot_follow(path: &Path, what: &dyn std::fmt::Display) -> Failure {
    Failure::at(
        exit::UNREADABLE,
        path,
        format_args!("cannot follow it any more: {what}"),
    )
}

/// Why a read stopped early: how the log ends where it stopped, and the
/// words for it.
struct Stopped {
    end: Option<LogEnd>,
    failure: Failure,
}

/// What a poll of a followed file found.
enum Polled {
    /// It was read (if it changed) to the end of its valid frames; `torn`
    /// when it ends in a torn tail: a frame still being written, or, for a
    /// segment that newer ones follow, a corruption.
    Read { torn: Option<Stopped> },
    /// It could not be opened: removed (a segment, by a checkpoint), or
    /// unreachable.
    Gone(rewal::Error),
}

/// One file followed: polled, and read again from the next LSN when its
/// size changes, or when the bytes where its frames ended are no longer
/// zeros (a writer that preallocates fills space that already exists).
struct Follower {
    file: PathBuf,
    /// Where it stands in its directory (`None`: a log file).
    place: Option<Place>,
    /// The file's size and the end of its valid frames when it was read.
    seen: Option<(u64, u64)>,
}

impl Follower {
    /// Prints the events from `next` on that arrived since the last poll
    /// (with `force`, reads the file whether or not it seems changed), and
    /// moves `next` past them. A corruption, or a failure to write, is an
    /// error.
    fn poll(
        &mut self,
        log: &Path,
        next: &mut Lsn,
        filter: &Filter,
        out: &mut EventWriter,
        force: bool,
    ) -> Result<Polled, Failure> {
        let storage = match FileStorage::open_read_only(&self.file) {
            Ok(storage) => storage,
            Err(error) => return Ok(Polled::Gone(error)),
        };
        let gone = |error: rewal::Error| cannot_follow(log, &describe(&error));
        let len = storage.size().map_err(gone)?;
        let changed = match self.seen {
            None => true,
            Some((seen_len, _)) if seen_len != len => true,
            Some((_, frames_end)) => {
                let mut head = [0u8; 4];
                let n = storage.read_at(&mut head, frames_end).map_err(gone)?;
                head[..n].iter().any(|&byte| byte != 0)
            }
        };
        if !changed && !force {
            return Ok(Polled::Read { torn: None });
        }
        let mut iter = rewal::inspect::read_storage(storage, *next, None)
            .map_err(|error| Failure::unreadable(log, &error))?;
        let mut printed = Printed::default();
        let filter = Filter {
            from: *next,
            ..filter.clone()
        };
        let mut progress = Progress::new("reading", 0);
        let pumped = pump(&mut iter, &filter, out, &mut progress, &mut printed)?;
        out.flush()?;
        self.seen = Some((len, iter.next_offset()));
        if printed.seen_lsn > 0 {
            *next = printed.seen_lsn + 1;
        }
        let error = match pumped {
            Pumped::End => return Ok(Polled::Read { torn: None }),
            // Past --to: nothing more will ever be printed.
            Pumped::Enough => return Err(Failure::quiet()),
            Pumped::Stopped(error) => error,
        };
        let end = iter.problem().map(|bad| bad.end);
        let stop = Stop::after(&error, &iter);
        let stopped = Stopped {
            end,
            failure: explain(log, self.place, stop, printed),
        };
        match stopped.end {
            Some(LogEnd::TornTail { .. }) => Ok(Polled::Read {
                torn: Some(stopped),
            }),
            _ => Err(stopped.failure),
        }
    }
}

/// The state of a follow.
struct Following<'a> {
    log: &'a Log,
    /// The file followed (a segment's name, and its follower).
    current: Option<(Option<Lsn>, Follower)>,
    /// The LSN of the next event to print.
    next: Lsn,
    /// Whether a segment came before the one followed.
    older: bool,
    filter: Filter,
    out: &'a mut EventWriter,
}

impl Following<'_> {
    /// Follows the file `file` (a segment named `named`) from now on.
    fn follow(&mut self, named: Option<Lsn>, file: PathBuf) {
        let place = named.map(|named| Place {
            named: Some(named),
            newer: false,
            older: self.older,
        });
        if let Some(named) = named {
            self.next = self.next.max(named);
        }
        self.out.set_segment(named.map(segment_name));
        self.current = Some((
            named,
            Follower {
                file,
                place,
                seen: None,
            },
        ));
        self.older = true;
    }

    /// One poll: prints what arrived in the followed file and, in a
    /// directory where a newer segment has appeared, moves on to it once
    /// the followed one is read to its end. True when it moved on (poll
    /// again at once).
    fn step(&mut self) -> Result<bool, Failure> {
        let dir = self.log.dir.then_some(self.log.path.as_path());
        let followed = self.current.as_ref().and_then(|(named, _)| *named);
        let newer = match dir {
            Some(dir) => segment_after(dir, followed)
                .map_err(|error| cannot_follow(dir, &describe_io(&error)))?,
            None => None,
        };
        let log = self.log.path.as_path();
        let Some((named, file)) = newer else {
            if let Some((_, follower)) = &mut self.current {
                match follower.poll(log, &mut self.next, &self.filter, self.out, false)? {
                    // A torn tail in the newest file: a frame being
                    // written; wait for the rest of it.
                    Polled::Read { .. } => {}
                    Polled::Gone(error) => {
                        let what = match followed {
                            Some(named) => format!("{}: {}", segment_name(named), describe(&error)),
                            None => describe(&error),
                        };
                        return Err(cannot_follow(log, &what));
                    }
                }
            }
            return Ok(false);
        };
        if let Some((current, follower)) = &mut self.current {
            // A newer segment exists: the followed one is complete. Read it
            // to its end; a torn tail there is now a corruption.
            let current = current.unwrap_or_default();
            if let Some(place) = &mut follower.place {
                place.newer = true;
            }
            match follower.poll(log, &mut self.next, &self.filter, self.out, true)? {
                Polled::Read {
                    torn: Some(stopped),
                } => return Err(stopped.failure),
                Polled::Read { torn: None } => self.check_follows(named)?,
                Polled::Gone(_) => self.note_removed(current, named),
            }
        }
        self.follow(Some(named), file);
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
            &self.log.path,
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
                self.log.path.display(),
                segment_name(removed),
                self.next,
                named - 1
            ));
        }
    }
}
