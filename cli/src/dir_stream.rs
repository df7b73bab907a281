//! Streaming the events of a segment directory (`dump DIR`, `tail DIR`):
//! segment after segment, each read exactly as a single file is, stopping
//! where the directory scan found a segment that does not follow the one
//! before it.

use crate::failure::{exit, Failure};
use crate::output::EventWriter;
use crate::progress::Progress;
use crate::stream::{self, Printed};
use rewal::inspect::{segment_last_lsn, segment_name, LogEnd, RunProblem, RunScan};
use rewal::Lsn;
use rewal_report::{misfit, place, DirVerdict};
use std::path::Path;

/// Prints the events of `found` (a scan of `dir`) from LSN `from` on, at
/// most `limit` of them in all. Returns why printing stopped early, if it
/// did (the caller flushes what was printed before saying it); a failure
/// to write is an error.
///
/// The scan has checked every frame already, and says where the first
/// problem is; each segment is read again as it is printed (memory stays
/// constant), so that what is printed is what was checked.
pub fn print(
    dir: &Path,
    found: &RunScan,
    from: Lsn,
    limit: Option<u64>,
    out: &mut EventWriter,
    progress: &mut Progress,
    printed: &mut Printed,
) -> Result<Option<Failure>, Failure> {
    let mut base = 0u64;
    for (i, segment) in found.segments.iter().enumerate() {
        if limit.is_some_and(|limit| printed.events >= limit) {
            return Ok(None);
        }
        if let Some(RunProblem::Misfit {
            segment,
            misfit: how,
        }) = found.problem
        {
            if segment == i {
                return Ok(Some(Failure::at(
                    exit::CORRUPTED,
                    dir,
                    format_args!(
                        "stopped: corrupted: {}; {}, the segments from it on were not",
                        misfit(how),
                        stream::done(*printed)
                    ),
                )));
            }
        }
        // A clean segment whose events all come before `from` has nothing
        // to print: its frames were checked by the scan.
        let segment_path = segment.path.as_deref().unwrap_or(dir);
        let before = segment_last_lsn(segment.named.unwrap_or_default(), &segment.scan) < from;
        if before && segment.scan.end == LogEnd::Clean {
            base += segment.scan.file_len;
            continue;
        }
        let mut iter = rewal::FileStorage::open_read_only(segment_path)
            .and_then(|storage| rewal::inspect::read_storage(storage, from, None))
            .map_err(|error| Failure::unreadable(segment_path, &error))?;
        out.set_segment(Some(segment_name(segment.named.unwrap_or_default())));
        progress.set_base(base);
        base += segment.scan.file_len;
        let stopped = stream::pump(&mut iter, out, limit, progress, printed)?;
        if let Some(error) = stopped {
            let place = place(found, i);
            return Ok(Some(stream::explain(
                dir,
                Some(place),
                &iter,
                &error,
                *printed,
            )));
        }
    }
    if limit.is_some_and(|limit| printed.events >= limit) {
        return Ok(None);
    }
    // The reads met no problem where the scan found one: the files changed
    // since (a checkpoint, a writer). What the scan found still stands.
    Ok(found.problem.as_ref().map(|_| {
        Failure::at(
            exit::CORRUPTED,
            dir,
            format_args!(
                "stopped: {}; {}",
                DirVerdict::new(found).ending(),
                stream::done(*printed)
            ),
        )
    }))
}
