//! Opening segment files as one log: each file scanned by the engine as
//! the complete log it is, one after the other, and the rule that each
//! follows the one before checked with the engine's own
//! (`segment_misfit`). Frames go to the log's seek index until the first
//! segment that breaks the rules; from there on, to the index of the
//! frames after the problem, which are shown apart and read-only. What is
//! built is the single file's [`Opening`]; this adds what segments need.
//!
//! Whether a segment's frames are the log's is known before they are
//! indexed: a gap or an overlap from its name alone, frames below its name
//! from its first frame. So every byte is scanned once, as for one file.

use super::{refused, SegmentFile, Segments};
use crate::opening::Opening;
use crate::picture::Blemish;
use crate::storage::TailStorage;
use crate::view::LogView;
use rewal::inspect::{
    self, segment_last_lsn, segment_lsn, segment_misfit, FrameInfo, LogEnd, LogScan, Misfit,
    RunProblem,
};
use rewal::{Lsn, ReadStorage, Result};

/// Scans the segment files `files`, whose bytes `storage` holds one after
/// the other, into a view of one log.
pub(crate) fn open<S: ReadStorage + Clone + 'static>(
    storage: S,
    files: Vec<SegmentFile>,
) -> Result<LogView> {
    let total = check(&storage, &files)?;
    let mut run = SegmentRun {
        opening: Opening::new(storage.clone(), total)?,
        scans: Vec::with_capacity(files.len()),
        problem: None,
        stop: None,
    };
    let mut previous_last = None;
    for (i, file) in files.iter().enumerate() {
        let window = TailStorage::window(storage.clone(), file.start, file.len);
        if run.stop.is_some() {
            // After the problem: the segment's valid frames, apart.
            let scan = run.opening.scan_after(window, file.start)?;
            run.blemish_after(file, &scan);
            run.scans.push(scan);
            continue;
        }
        let (scan, misfit) = run.scan_segment(window, file, previous_last)?;
        let newest = i + 1 == files.len();
        if let Some(misfit) = misfit {
            run.problem = Some(RunProblem::Misfit { segment: i, misfit });
            run.stop = Some(i);
            run.opening.ran_after(file.start, &scan);
            run.blemish_after(file, &scan);
        } else if scan.end != LogEnd::Clean {
            if !newest {
                run.problem = Some(RunProblem::Damaged { segment: i });
            }
            run.stop = Some(i);
            run.ends_badly(&storage, file, &scan, newest)?;
        }
        previous_last = Some(segment_last_lsn(file.named, &scan));
        run.scans.push(scan);
    }
    Ok(run.finish(files, total))
}

/// Checks that `files` are laid one after the other, each named as a
/// segment, and that `storage` holds exactly their bytes; returns their
/// size together.
fn check<S: ReadStorage>(storage: &S, files: &[SegmentFile]) -> Result<u64> {
    let mut end = 0;
    for file in files {
        if file.start != end || segment_lsn(&file.name) != Some(file.named) {
            return Err(refused(format!("{}: not laid out as a segment", file.name)));
        }
        end = file.end();
    }
    if files.is_empty() || storage.size()? != end {
        return Err(refused(
            "the segment files do not match the bytes given for them".into(),
        ));
    }
    Ok(end)
}

/// An opening of segment files, and what it knows of them so far.
struct SegmentRun {
    opening: Opening,
    scans: Vec<LogScan>,
    problem: Option<RunProblem>,
    /// The segment where the log's events stop.
    stop: Option<usize>,
}

impl SegmentRun {
    /// Scans one segment that the log's events reach, indexing its frames
    /// as the log's unless it does not follow the segment before it.
    fn scan_segment<S: ReadStorage + 'static>(
        &mut self,
        window: S,
        file: &SegmentFile,
        previous_last: Option<Lsn>,
    ) -> Result<(LogScan, Option<Misfit>)> {
        // A gap or an overlap shows in the name alone.
        let mut held = probe(previous_last, file.named, None).is_none();
        let mut first = true;
        let mut failed = None;
        let opening = &mut self.opening;
        let scan = inspect::scan_storage(window, |frame| {
            if failed.is_some() {
                return;
            }
            // Frames below the name show in the first frame.
            if std::mem::take(&mut first) && held {
                held = probe(previous_last, file.named, Some(frame.header.first_lsn)).is_none();
            }
            let at = FrameInfo {
                offset: file.start + frame.offset,
                header: frame.header,
            };
            failed = if held {
                opening.log_frame(&at)
            } else {
                opening.after_frame(&at)
            }
            .err();
        })?;
        if let Some(error) = failed {
            return Err(error);
        }
        let misfit = segment_misfit(previous_last, file.named, &scan);
        // The same rule, asked early and at the end, agrees.
        debug_assert_eq!(misfit.is_none(), held);
        Ok((scan, misfit))
    }

    /// The segment where the log's events stop does not end cleanly: its
    /// invalid bytes, and the valid frames after them (a corruption's).
    fn ends_badly<S: ReadStorage + Clone + 'static>(
        &mut self,
        storage: &S,
        file: &SegmentFile,
        scan: &LogScan,
        newest: bool,
    ) -> Result<()> {
        let start = file.start;
        let bad = start + scan.end.offset().unwrap_or(0);
        let (kind, until) = match scan.end {
            LogEnd::TornTail { .. } if newest => (Blemish::Torn, file.end()),
            LogEnd::Corrupted {
                next_valid: Some(next),
                ..
            } => (Blemish::Corrupt, start + next),
            _ => (Blemish::Corrupt, file.end()),
        };
        self.opening.blemish(bad, until, kind);
        if until < file.end() {
            let tail = TailStorage::window(storage.clone(), until, file.end() - until);
            let after = self.opening.scan_after(tail, until)?;
            let end = until + after.valid_len;
            if end < file.end() {
                self.opening.blemish(end, file.end(), Blemish::Corrupt);
            }
        }
        Ok(())
    }

    /// The invalid bytes of a segment after the problem (or of the one
    /// that does not follow): past its valid frames, it is not searched.
    fn blemish_after(&mut self, file: &SegmentFile, scan: &LogScan) {
        if scan.end != LogEnd::Clean {
            let from = file.start + scan.valid_len;
            self.opening.blemish(from, file.end(), Blemish::Corrupt);
        }
    }

    fn finish(mut self, files: Vec<SegmentFile>, total: u64) -> LogView {
        let held = self.stop.map_or(files.len(), |stop| match self.problem {
            Some(RunProblem::Misfit { .. }) => stop,
            _ => stop + 1,
        });
        let mut scan = totals(&self.scans[..held], total);
        let next_valid = self.opening.after_span().map(|(offset, _)| offset);
        let mut invalid = None;
        if let Some(stop) = self.stop {
            let (file, own) = (&files[stop], &self.scans[stop]);
            let start = file.start;
            scan.valid_len = start;
            scan.end = LogEnd::Corrupted {
                offset: start,
                next_valid,
            };
            if !matches!(self.problem, Some(RunProblem::Misfit { .. })) {
                scan.valid_len = start + own.valid_len;
                scan.problem = own.problem;
                scan.end = match own.end {
                    LogEnd::TornTail { offset } if self.problem.is_none() => LogEnd::TornTail {
                        offset: start + offset,
                    },
                    LogEnd::NotALog if files.len() == 1 => LogEnd::NotALog,
                    end => LogEnd::Corrupted {
                        offset: start + end.offset().unwrap_or(0),
                        next_valid: match end {
                            LogEnd::Corrupted {
                                next_valid: Some(next),
                                ..
                            } => Some(start + next),
                            _ => next_valid,
                        },
                    },
                };
                if scan.end != LogEnd::NotALog {
                    let limit = match own.end {
                        LogEnd::Corrupted {
                            next_valid: Some(next),
                            ..
                        } => start + next,
                        _ => file.end(),
                    };
                    invalid = Some(self.opening.invalid_entry(scan.valid_len, limit));
                }
            }
        } else if let (Some(file), Some(own)) = (files.last(), self.scans.last()) {
            scan.valid_len = file.start + own.valid_len;
        }
        let segments = Segments::new(files, self.scans, self.problem);
        self.opening.finish(scan, invalid, Some(segments))
    }
}

/// The engine's rule, asked before a segment's scan has ended: does a
/// segment named `named`, whose first frame begins at `first_lsn` (`None`
/// before any frame), follow one whose last LSN is `previous_last`?
fn probe(previous_last: Option<Lsn>, named: Lsn, first_lsn: Option<Lsn>) -> Option<Misfit> {
    let lsn = first_lsn.unwrap_or(0);
    let so_far = LogScan {
        frames: u64::from(first_lsn.is_some()),
        first_lsn: lsn,
        last_lsn: lsn,
        ..LogScan::new(0)
    };
    segment_misfit(previous_last, named, &so_far)
}

/// The log's frames and events, in the segments it holds: a scan of the
/// whole, in the log's offsets (how it ends is set by the caller).
fn totals(held: &[LogScan], total: u64) -> LogScan {
    let with_frames = || held.iter().filter(|scan| scan.frames > 0);
    LogScan {
        file_len: total,
        valid_len: total,
        frames: held.iter().map(|scan| scan.frames).sum(),
        events: held.iter().map(|scan| scan.events).sum(),
        compressed_frames: held.iter().map(|scan| scan.compressed_frames).sum(),
        largest_frame: held
            .iter()
            .map(|scan| scan.largest_frame)
            .max()
            .unwrap_or(0),
        first_lsn: with_frames().next().map_or(0, |scan| scan.first_lsn),
        last_lsn: with_frames().next_back().map_or(0, |scan| scan.last_lsn),
        end: LogEnd::Clean,
        problem: None,
    }
}
