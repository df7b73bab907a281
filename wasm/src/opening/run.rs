//! Opening segment files as one log. A log is a run of segments, and the
//! engine scans it as one (`rewal::inspect::Run`): each file as the
//! complete log it is, through a [`Window`] on the bytes that hold them
//! all, and the engine's one loop (`RunScan::judge`) says whether each
//! follows the one before and which may be damaged. Frames go to the log's
//! seek index up to the first segment that breaks the rules; from there
//! on, to the index of the frames after the problem, which are shown apart
//! and read-only. What is built is the single file's [`Opening`]; this
//! adds what segments need.
//!
//! Which segments' frames are the log's is the run's verdict, known once
//! it is scanned. A run without a problem (the usual one, and the one that
//! matters for speed) is scanned once, its frames indexed as they go by.
//! A run with a problem is scanned again knowing where the problem is, so
//! that the frames after it go to their own index, in offset order, each
//! checked by the engine again, rather than the viewer guessing the
//! run's verdict before the engine has given it.

use super::Opening;
use crate::picture::Blemish;
use crate::segments::{refused, SegmentFile, Segments};
use crate::storage::Window;
use crate::view::LogView;
use rewal::inspect::{
    segment_lsn, FrameInfo, LogEnd, LogScan, Run, RunProblem, RunScan, SegmentScan,
};
use rewal::{ReadStorage, Result};
use std::path::PathBuf;

/// Where the valid frames of a scan go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The log's: what rewal replays.
    Log,
    /// After the problem: shown apart.
    After,
}

/// Scans the segment files `files`, whose bytes `storage` holds one after
/// the other, into a view of one log.
pub(crate) fn open<S: ReadStorage + Clone + 'static>(
    storage: S,
    files: Vec<SegmentFile>,
) -> Result<LogView> {
    let total = check(&storage, &files)?;
    let mut opening = Opening::new(storage.clone(), total)?;
    // As if every frame were the log's: the run's verdict says whether
    // they are.
    let dir = RunScan::judge(scan_run(&mut opening, &storage, &files, Part::Log)?);
    match &dir.problem {
        None => {
            // Only the newest segment may end badly, and none follows it.
            if let (Some(newest), Some(found)) = (files.last(), dir.segments.last()) {
                if found.scan.end != LogEnd::Clean {
                    ends_badly(&mut opening, &storage, newest, &found.scan, true)?;
                }
            }
        }
        Some(problem) => {
            // The segments from the problem on are not all the log's: the
            // indexes are built again, knowing where it is.
            let (at, held) = match problem {
                RunProblem::Misfit { segment, .. } => (*segment, *segment),
                RunProblem::Damaged { segment } => (*segment, segment + 1),
            };
            opening = Opening::new(storage.clone(), total)?;
            let mut again = scan_run(&mut opening, &storage, &files[..held], Part::Log)?;
            if held > at {
                // A damaged segment's valid frames are the log's; the
                // valid frames past its damage are not.
                ends_badly(
                    &mut opening,
                    &storage,
                    &files[at],
                    &dir.segments[at].scan,
                    false,
                )?;
            }
            let rest = scan_run(&mut opening, &storage, &files[held..], Part::After)?;
            for (file, found) in files[held..].iter().zip(&rest) {
                let end = file.start + found.scan.valid_len;
                opening.ran_after(file.start, end, &found.scan);
                blemish_after(&mut opening, file, &found.scan);
            }
            again.extend(rest);
            // The same bytes, scanned again by the same engine.
            debug_assert_eq!(again, dir.segments);
        }
    }
    Ok(finish(opening, files, dir, total))
}

/// Checks that `files` are laid one after the other, each named as a
/// segment and in the order of their names (the run's order), and that
/// `storage` holds exactly their bytes; returns their size together.
fn check<S: ReadStorage>(storage: &S, files: &[SegmentFile]) -> Result<u64> {
    let mut end = 0;
    for file in files {
        if file.start != end || segment_lsn(&file.name) != Some(file.named) {
            return Err(refused(format!("{}: not laid out as a segment", file.name)));
        }
        end = file.end();
    }
    if files.windows(2).any(|pair| pair[0].named >= pair[1].named) {
        return Err(refused("the segment files are not in order".into()));
    }
    if files.is_empty() || storage.size()? != end {
        return Err(refused(
            "the segment files do not match the bytes given for them".into(),
        ));
    }
    Ok(end)
}

/// Scans `files` (segments of the log, oldest first) as the engine scans
/// a run, each through a window on `storage`, and indexes their valid
/// frames as `part`'s; returns each file's scan.
fn scan_run<S: ReadStorage + Clone + 'static>(
    opening: &mut Opening,
    storage: &S,
    files: &[SegmentFile],
    part: Part,
) -> Result<Vec<SegmentScan>> {
    let mut run = Run::new();
    for file in files {
        let window = Window::new(storage.clone(), file.start, file.len);
        // The file's name as its path: `rewal-report` names segments by it.
        run.push_file(Some(file.named), PathBuf::from(&file.name), window);
    }
    let mut failed = None;
    // The run takes the segments in the order of their names, which is the
    // order of `files` (`check`), so `i` indexes `files`.
    let found = run.scan(|i, frame| {
        if failed.is_some() {
            return;
        }
        let at = FrameInfo {
            offset: files[i].start + frame.offset,
            header: frame.header,
        };
        failed = match part {
            Part::Log => opening.log_frame(&at),
            Part::After => opening.after_frame(&at),
        }
        .err();
    })?;
    if let Some(error) = failed {
        return Err(error);
    }
    Ok(found.segments)
}

/// The segment where the log's events stop does not end cleanly: its
/// invalid bytes, and the valid frames after them (a corruption's).
fn ends_badly<S: ReadStorage + Clone + 'static>(
    opening: &mut Opening,
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
    opening.blemish(bad, until, kind);
    if until < file.end() {
        // The engine scans on from the next valid frame, inside the
        // segment's own bytes.
        let window = Window::new(storage.clone(), start, file.len);
        let after = opening.scan_after(window, start, until - start)?;
        let end = start + after.valid_len;
        if end < file.end() {
            opening.blemish(end, file.end(), Blemish::Corrupt);
        }
    }
    Ok(())
}

/// The invalid bytes of a segment after the problem (or of the one that
/// does not follow): past its valid frames, it is not searched.
fn blemish_after(opening: &mut Opening, file: &SegmentFile, scan: &LogScan) {
    if scan.end != LogEnd::Clean {
        let from = file.start + scan.valid_len;
        opening.blemish(from, file.end(), Blemish::Corrupt);
    }
}

/// The view of the log whose segments `files` were judged `dir`.
fn finish(mut opening: Opening, files: Vec<SegmentFile>, dir: RunScan, total: u64) -> LogView {
    let misfit = matches!(dir.problem, Some(RunProblem::Misfit { .. }));
    // The segment where the log's events stop: the run's problem, or a
    // newest segment that does not end cleanly.
    let stop = dir
        .deciding()
        .filter(|&i| dir.problem.is_some() || dir.segments[i].scan.end != LogEnd::Clean);
    let held = stop.map_or(files.len(), |stop| if misfit { stop } else { stop + 1 });
    let mut scan = totals(&dir.segments[..held], total);
    let next_valid = opening.after_span().map(|(offset, _)| offset);
    let mut invalid = None;
    if let Some(stop) = stop {
        let (file, own) = (&files[stop], &dir.segments[stop].scan);
        let start = file.start;
        scan.valid_len = start;
        scan.end = LogEnd::Corrupted {
            offset: start,
            next_valid,
        };
        if !misfit {
            scan.valid_len = start + own.valid_len;
            scan.problem = own.problem;
            scan.end = match own.end {
                LogEnd::TornTail { offset } if dir.problem.is_none() => LogEnd::TornTail {
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
                invalid = Some(opening.invalid_entry(scan.valid_len, limit));
            }
        }
    } else if let (Some(file), Some(own)) = (files.last(), dir.segments.last()) {
        scan.valid_len = file.start + own.scan.valid_len;
    }
    let segments = Segments::new(files, dir);
    opening.finish(scan, invalid, Some(segments))
}

/// The log's frames and events, in the segments it holds: a scan of the
/// whole, in the log's offsets (how it ends is set by the caller).
fn totals(held: &[SegmentScan], total: u64) -> LogScan {
    let scans = || held.iter().map(|segment| &segment.scan);
    let with_frames = || scans().filter(|scan| scan.frames > 0);
    LogScan {
        file_len: total,
        valid_len: total,
        frames: scans().map(|scan| scan.frames).sum(),
        events: scans().map(|scan| scan.events).sum(),
        compressed_frames: scans().map(|scan| scan.compressed_frames).sum(),
        largest_frame: scans().map(|scan| scan.largest_frame).max().unwrap_or(0),
        first_lsn: with_frames().next().map_or(0, |scan| scan.first_lsn),
        last_lsn: with_frames().next_back().map_or(0, |scan| scan.last_lsn),
        end: LogEnd::Clean,
        problem: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::BytesStorage;
    use rewal::inspect::segment_name;
    use std::sync::Arc;

    #[test]
    fn files_out_of_their_names_order_are_refused() {
        // The run takes segments in the order of their names; `files` must
        // already be in it, or the run's indices would not be theirs.
        let file = |named: u64| SegmentFile {
            name: segment_name(named),
            named,
            start: 0,
            len: 0,
        };
        let storage = BytesStorage(Arc::new(Vec::new()));
        let error = check(&storage, &[file(5), file(1)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("not in order"), "{error}");
        assert!(check(&storage, &[file(5), file(5)]).is_err());
        assert_eq!(check(&storage, &[file(1), file(5)]).unwrap(), 0);
    }
}
