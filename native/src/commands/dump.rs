//! `rewal dump FILE|DIR`: the events in LSN order, streamed.

use crate::dir;
use crate::failure::{existing_file, exit, say, Failure};
use crate::output::{EventWriter, Format};
use crate::payload::Encoding;
use crate::progress::Progress;
use crate::stream::{self, Printed};
use rewal::Lsn;
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
    if dir::is_dir(path) {
        return run_dir(path, from, limit, format, encoding);
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
        if from > 0 && from < oldest.named {
            // Not silently: the events asked for are gone.
            say(format_args!(
                "{}: note: the log holds no event below LSN {} (the older segments were checkpointed away); printing from there",
                path.display(),
                oldest.named
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
