//! `rewal repair FILE|DIR`: cut a torn tail, or a power cut's lost writes
//! (keeping them); cut at a corruption only when asked, keeping the
//! removed bytes. A file is cut here; a segment directory is repaired by
//! the engine itself, as opening it does.

use crate::console;
use crate::failure::{describe, describe_io, exit, Failure};
use crate::target::Log;
use rewal::inspect::{
    segment_last_lsn, segment_misfit, segment_name, LogEnd, LogScan, RunScan, SegmentScan,
};
use rewal::{FileStorage, ReadStorage, Recovery, Storage, Wal};
use rewal_report::{count, lsn_range, RunVerdict, Verdict, LOCKED};
use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Copy the removed bytes in chunks of this size: constant memory.
const CHUNK: usize = 1 << 20;

/// Repairs the log at `path` (or, with `dry_run`, says what it would do).
pub fn run(path: &Path, dry_run: bool, cut_at_corruption: bool) -> Result<u8, Failure> {
    let log = Log::needed(path, "repair", "a log file or directory")?;
    if log.dir {
        return repair_dir(&log, dry_run, cut_at_corruption);
    }
    crate::failure::existing_file(path)?;
    // Hold the exclusive lock from the scan to the cut, so that no writer
    // changes the file in between. (FileStorage::new would create a missing
    // file: existing_file has ruled that out.)
    let mut storage = if dry_run {
        None
    } else {
        Some(FileStorage::new(path).map_err(|error| match error {
            rewal::Error::FileLocked { .. } => Failure::at(
                exit::FAILED,
                path,
                format_args!("nothing repaired: {LOCKED}"),
            ),
            other => Failure::at(
                exit::FAILED,
                path,
                format_args!(
                    "nothing repaired: cannot open it for writing: {}",
                    describe(&other)
                ),
            ),
        })?)
    };
    let found = log.scan("checking")?.segments.remove(0).scan;
    let would = if dry_run { "would cut" } else { "cut" };
    let message = match found.end {
        LogEnd::Clean | LogEnd::NotALog => {
            format!(
                "{}: clean, nothing to repair ({})\n",
                path.display(),
                lsn_range(&found)
            )
        }
        LogEnd::TornTail { offset } => {
            if let Some(storage) = storage.as_mut() {
                cut(path, storage, offset)?;
            }
            format!(
                "{}: {would} the torn tail at offset {offset}: {} removed; {}\n",
                path.display(),
                count(found.file_len - offset, "byte", "bytes"),
                remaining(&found)
            )
        }
        LogEnd::PowerCut { offset, .. } => {
            let kept = removed_path(path, offset);
            if let Some(storage) = storage.as_mut() {
                save(path, storage, offset, found.file_len, &kept)?;
                cut(path, storage, offset)?;
            }
            format!(
                "{}: {would} at the lost writes of a power cut at offset {offset}: {} removed (written after the last sync), {} in {}; {}\n",
                path.display(),
                count(found.file_len - offset, "byte", "bytes"),
                if dry_run { "to be kept" } else { "kept" },
                kept.display(),
                remaining(&found)
            )
        }
        LogEnd::Corrupted { offset, .. } if !cut_at_corruption => {
            return Err(refuse(path, &found, offset));
        }
        LogEnd::Corrupted { offset, .. } => {
            let kept = removed_path(path, offset);
            if let Some(storage) = storage.as_mut() {
                save(path, storage, offset, found.file_len, &kept)?;
                cut(path, storage, offset)?;
            }
            format!(
                "{}: {would} at the corruption at offset {offset}: {} removed (the corruption and every frame after it), {} in {}; {}\n",
                path.display(),
                count(found.file_len - offset, "byte", "bytes"),
                if dry_run { "to be kept" } else { "kept" },
                kept.display(),
                remaining(&found)
            )
        }
    };
    console::print(&message)?;
    Ok(exit::OK)
}

/// What the log holds after the cut.
fn remaining(found: &LogScan) -> String {
    if found.frames == 0 {
        "nothing remains (an empty log)".into()
    } else {
        format!(
            "{} {} ({})",
            count(found.events, "event", "events"),
            if found.events == 1 {
                "remains"
            } else {
                "remain"
            },
            lsn_range(found)
        )
    }
}

/// Why a corruption is not cut without `--cut-at-corruption`.
fn refuse(path: &Path, found: &LogScan, offset: u64) -> Failure {
    Failure::at(
        exit::CORRUPTED,
        path,
        format_args!(
            "not repaired: the log is {}; cutting there would remove {} including valid frames, so it takes --cut-at-corruption (the removed bytes are kept in {})",
            Verdict::of_scan(found).ending(),
            count(found.file_len - offset, "byte", "bytes"),
            removed_path(path, offset).display()
        ),
    )
}

/// `<FILE>.removed-<offset>`, beside the log.
fn removed_path(path: &Path, offset: u64) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(format!(".removed-{offset}"));
    PathBuf::from(name)
}

/// Copies bytes `[offset, len)` of the log to `kept` (a new file, never one
/// that exists) and syncs it and its directory, before anything is cut.
fn save(
    path: &Path,
    storage: &FileStorage,
    offset: u64,
    len: u64,
    kept: &Path,
) -> Result<(), Failure> {
    let failed =
        |what: String| Failure::at(exit::FAILED, path, format_args!("nothing repaired: {what}"));
    let mut file = File::create_new(kept).map_err(|error| {
        failed(format!(
            "cannot create {} for the removed bytes: {}",
            kept.display(),
            describe_io(&error)
        ))
    })?;
    let mut buf = vec![0u8; CHUNK.min((len - offset) as usize)];
    let mut at = offset;
    while at < len {
        let want = (len - at).min(buf.len() as u64) as usize;
        let n = storage
            .read_at(&mut buf[..want], at)
            .map_err(|error| failed(format!("cannot read offset {at}: {}", describe(&error))))?;
        if n == 0 {
            return Err(failed(format!(
                "the file ended at offset {at}, before the {len} bytes it had"
            )));
        }
        file.write_all(&buf[..n]).map_err(|error| {
            failed(format!(
                "cannot write {}: {}",
                kept.display(),
                describe_io(&error)
            ))
        })?;
        at += n as u64;
    }
    file.sync_all().map_err(|error| {
        failed(format!(
            "cannot sync {}: {}",
            kept.display(),
            describe_io(&error)
        ))
    })?;
    // The copy is only found after a power cut if its directory entry is
    // durable too: sync the directory before anything is cut.
    let dir = match kept.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    rewal_platform::sync_dir(dir).map_err(|error| {
        failed(format!(
            "cannot sync the directory {}: {}",
            dir.display(),
            describe_io(&error)
        ))
    })
}

/// Cuts the log to `offset` bytes and syncs it.
fn cut(path: &Path, storage: &mut FileStorage, offset: u64) -> Result<(), Failure> {
    storage
        .truncate(offset)
        .and_then(|()| storage.sync())
        .map_err(|error| {
            Failure::at(
                exit::FAILED,
                path,
                format_args!("cutting at offset {offset} failed: {}", describe(&error)),
            )
        })
}

/// Repairs the segment directory of `log` as the engine does when it opens
/// it (holding its lock): a torn tail in the newest segment is cut, a
/// power cut's lost writes are moved to `removed/`, and, with
/// `cut_at_corruption` (`Recovery::TruncateAtCorruption`), the run of
/// segments holding the most events stays, each cut where its valid frames
/// end, the rest moved to `removed/`. Says what moved and what was cut;
/// with `dry_run`, what would be, touching nothing.
fn repair_dir(log: &Log, dry_run: bool, cut_at_corruption: bool) -> Result<u8, Failure> {
    let path = &log.path;
    let whole = log.scan_whole("checking")?;
    let mut found = whole.clone();
    found.segments.truncate(whole.held().len());
    let code = RunVerdict::new(&found).exit_code();
    if code == exit::OK {
        let message = format!(
            "{}: clean, nothing to repair ({})\n",
            path.display(),
            holds(&found)
        );
        console::print(&message)?;
        return Ok(exit::OK);
    }
    if code == exit::CORRUPTED && !cut_at_corruption {
        return Err(refuse_dir(path, &found));
    }
    let plan = plan(&whole, cut_at_corruption);
    let would = if dry_run { "would " } else { "" };
    let mut text = String::new();
    if !dry_run {
        let policy = if cut_at_corruption {
            Recovery::TruncateAtCorruption
        } else {
            Recovery::Strict
        };
        let wal = Wal::open_dir(path)
            .recovery(policy)
            .build()
            .map_err(|error| match error {
                rewal::Error::FileLocked { .. } => Failure::at(
                    exit::FAILED,
                    path,
                    format_args!("nothing repaired: {LOCKED}"),
                ),
                rewal::Error::Corrupted { .. } => refuse_dir(path, &found),
                other => Failure::at(
                    exit::FAILED,
                    path,
                    format_args!("nothing repaired: cannot open it: {}", describe(&other)),
                ),
            })?;
        let set_aside = wal.set_aside();
        wal.close().map_err(|error| {
            Failure::at(
                exit::FAILED,
                path,
                format_args!("closing it after the repair failed: {}", describe(&error)),
            )
        })?;
        for cut in plan.torn.iter() {
            text.push_str(&torn_line(path, cut, "", &plan));
        }
        for kept in set_aside {
            let name = kept
                .from
                .file_name()
                .map(|name| name.to_string_lossy().into_owned());
            let name = name.unwrap_or_default();
            let what = if kept.offset == 0 && kept.kept_in.file_name() == kept.from.file_name() {
                format!("moved {name} to {}", kept.kept_in.display())
            } else {
                format!(
                    "cut {name} at offset {}, keeping the bytes after it in {}",
                    kept.offset,
                    kept.kept_in.display()
                )
            };
            text.push_str(&format!(
                "{}: {what}: {} ({}); {}\n",
                path.display(),
                count(kept.len, "byte", "bytes"),
                events_of(kept.events, kept.first_lsn, kept.last_lsn),
                why(kept.end)
            ));
        }
    } else {
        for cut in plan.torn.iter() {
            text.push_str(&torn_line(path, cut, would, &plan));
        }
        let removed = path.join("removed");
        for segment in &plan.moved {
            text.push_str(&format!(
                "{}: would move {} to {}: {} ({}); {}\n",
                path.display(),
                segment_name(segment.named.unwrap_or_default()),
                removed
                    .join(segment_name(segment.named.unwrap_or_default()))
                    .display(),
                count(segment.scan.file_len, "byte", "bytes"),
                events_of(
                    segment.scan.events,
                    segment.scan.first_lsn,
                    segment.scan.last_lsn
                ),
                why(segment.scan.end)
            ));
        }
        for segment in &plan.cut {
            let offset = segment.scan.valid_len;
            let name = segment_name(segment.named.unwrap_or_default());
            text.push_str(&format!(
                "{}: would cut {name} at offset {offset}, keeping the bytes after it in {}: {}; {}\n",
                path.display(),
                removed.join(format!("{name}.removed-{offset}")).display(),
                count(segment.scan.file_len - offset, "byte", "bytes"),
                why(segment.scan.end)
            ));
        }
    }
    if !plan.only_torn() {
        text.push_str(&format!(
            "{}: {} {}\n",
            path.display(),
            if dry_run { "would keep" } else { "kept" },
            plan.kept.words()
        ));
    }
    console::print(&text)?;
    Ok(exit::OK)
}

/// `the torn tail of SEG at offset N: X bytes removed`, and what the log
/// holds after it when nothing else is done.
fn torn_line(path: &Path, segment: &SegmentScan, would: &str, plan: &Plan<'_>) -> String {
    let offset = segment.scan.valid_len;
    let holds = match plan.only_torn() {
        true => format!("; {}", plan.kept.words()),
        false => String::new(),
    };
    format!(
        "{}: {would}cut the torn tail of {} at offset {offset}: {} removed{holds}\n",
        path.display(),
        segment_name(segment.named.unwrap_or_default()),
        count(segment.scan.file_len - offset, "byte", "bytes"),
    )
}

/// `3 events, LSNs 4 to 6`, or `no valid frames`.
fn events_of(events: u64, first: u64, last: u64) -> String {
    match events {
        0 => "no valid frames".into(),
        1 => format!("1 event, LSN {first}"),
        _ => format!("{events} events, LSNs {first} to {last}"),
    }
}

/// Why bytes were taken out of the log, by how it ended there.
fn why(end: LogEnd) -> &'static str {
    match end {
        LogEnd::PowerCut { .. } => "lost writes after a power cut, written after the last sync",
        LogEnd::Clean => "it does not follow the segments kept",
        LogEnd::TornTail { .. } => "a torn tail",
        LogEnd::Corrupted { .. } | LogEnd::NotALog => "damaged",
    }
}

/// What a repair of a directory does, by the engine's rules
/// (`src/read/recover_dir.rs`): which segments stay (a run that follows
/// each other, the one with the most events, the newer on a tie), which
/// are cut where their valid frames end, and which move to `removed/`.
struct Plan<'a> {
    /// Torn tails cut (no copy kept).
    torn: Vec<&'a SegmentScan>,
    /// Segments cut, the bytes after their valid frames kept.
    cut: Vec<&'a SegmentScan>,
    /// Segments moved whole.
    moved: Vec<&'a SegmentScan>,
    kept: Kept,
}

impl Plan<'_> {
    /// Whether all it does is cut a torn tail.
    fn only_torn(&self) -> bool {
        self.cut.is_empty() && self.moved.is_empty()
    }
}

/// What stays.
#[derive(Default)]
struct Kept {
    events: u64,
    first_lsn: u64,
    last_lsn: u64,
    segments: u64,
}

impl Kept {
    /// `69 events, LSNs 1 to 69, in 4 segments`, or `no events, 1 segment`.
    fn words(&self) -> String {
        let segments = count(self.segments, "segment", "segments");
        match self.events {
            0 => format!("no events, {segments}"),
            events => format!(
                "{}, LSNs {} to {}, in {segments}",
                count(events, "event", "events"),
                self.first_lsn,
                self.last_lsn
            ),
        }
    }
}

fn plan(found: &RunScan, cut_at_corruption: bool) -> Plan<'_> {
    let segments = &found.segments;
    // Runs of segments that follow each other: (first, last, events).
    let mut runs: Vec<(usize, usize, u64)> = Vec::new();
    let mut previous_last = None;
    for (i, segment) in segments.iter().enumerate() {
        let named = segment.named.unwrap_or_default();
        let follows = previous_last.is_some()
            && segment_misfit(previous_last, named, &segment.scan).is_none();
        if follows {
            if let Some(run) = runs.last_mut() {
                run.1 = i;
                run.2 += segment.scan.events;
            }
        } else if segment_misfit(None, named, &segment.scan).is_none() {
            runs.push((i, i, segment.scan.events));
        } else {
            previous_last = None;
            continue;
        }
        previous_last = Some(segment_last_lsn(named, &segment.scan));
    }
    let kept = if !cut_at_corruption || found.problem.is_none() {
        runs.first().copied()
    } else {
        runs.iter().copied().max_by_key(|run| (run.2, run.0))
    };
    let mut plan = Plan {
        torn: Vec::new(),
        cut: Vec::new(),
        moved: Vec::new(),
        kept: Kept::default(),
    };
    for (i, segment) in segments.iter().enumerate() {
        let inside = kept.is_some_and(|(first, last, _)| first <= i && i <= last);
        if !inside {
            plan.moved.push(segment);
            continue;
        }
        plan.kept.segments += 1;
        if segment.scan.frames > 0 {
            if plan.kept.events == 0 {
                plan.kept.first_lsn = segment.scan.first_lsn;
            }
            plan.kept.events += segment.scan.events;
            plan.kept.last_lsn = segment.scan.last_lsn;
        }
        match segment.scan.end {
            LogEnd::Clean => {}
            LogEnd::TornTail { .. } => plan.torn.push(segment),
            _ => plan.cut.push(segment),
        }
    }
    plan
}

/// What the directory holds, valid: `200 events, LSNs 1 to 200, in 6
/// segments`.
fn holds(found: &RunScan) -> String {
    let segments = count(found.segments.len() as u64, "segment", "segments");
    match found.events() {
        0 => format!("no events, {segments}"),
        events => format!(
            "{}, LSNs {} to {}, in {segments}",
            count(events, "event", "events"),
            found.first_lsn(),
            found.last_lsn()
        ),
    }
}

/// Why a corrupted directory is not repaired without `--cut-at-corruption`.
fn refuse_dir(path: &Path, found: &RunScan) -> Failure {
    Failure::at(
        exit::CORRUPTED,
        path,
        format_args!(
            "not repaired: the log is {}; cutting there would remove every newer segment, valid events and all, so it takes --cut-at-corruption (the segments that hold the most events stay, and everything else is kept in {})",
            RunVerdict::new(found).ending(),
            path.join("removed").display()
        ),
    )
}
