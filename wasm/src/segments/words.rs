//! What the viewer says of a log of segment files: the verdict line, how
//! it ends, and what is wrong, each naming the segment where it happens,
//! with offsets in that file. A segment's own ending is worded by
//! `rewal-report`, as `rewal verify` words a file; how segments fail to
//! follow each other is worded here (`rewal-report` has no sentence for it
//! yet).

use super::{Segments, Stop};
use rewal::inspect::{segment_name, LogEnd, LogScan, Misfit};
use rewal_report::{describe, Described, Ending, Verdict};

/// Why a torn tail in an older segment is a corruption.
const ONLY_THE_NEWEST: &str = "only the newest segment may end in a torn tail";

impl Segments {
    /// The verdict line, as `rewal verify` words one for a file: `ok: 3
    /// segments, every frame checked: ...`, or what is wrong and where,
    /// then what before it is valid. `log` is the scan of the whole (the
    /// log's frames and events).
    pub(crate) fn verdict(&self, log: &LogScan) -> String {
        match self.stop() {
            Stop::Clean => format!(
                "ok: {}, every frame checked: {}, {}",
                count(self.files.len() as u64, "segment", "segments"),
                contents(log),
                count(log.file_len, "byte", "bytes")
            ),
            Stop::Newest(i) => format!(
                "{}: {}",
                self.files[i].name,
                Verdict::of_scan(&self.scans[i])
            ),
            Stop::Damaged(_) | Stop::Misfit(..) => format!("{}; {}", self.ending(), before(log)),
        }
    }

    /// How the log ends: `clean`, or the segment and what is wrong in it
    /// (`00000000000000000043.wal: torn tail at offset 233: ...`).
    pub(crate) fn ending(&self) -> String {
        match self.stop() {
            Stop::Clean => "clean".into(),
            Stop::Newest(i) => {
                let ending = Verdict::of_scan(&self.scans[i]).ending().to_string();
                format!("{}: {ending}", self.files[i].name)
            }
            Stop::Damaged(i) => format!("{}: {}", self.files[i].name, damage(&self.scans[i])),
            Stop::Misfit(i, misfit) => self.misfit(i, misfit),
        }
    }

    /// What is wrong where the log's events stop, as a clause (`None` when
    /// nothing is).
    pub(crate) fn problem(&self) -> Option<String> {
        match self.stop() {
            Stop::Clean => None,
            Stop::Newest(i) => self.scans[i].problem.map(|p| describe(&p).to_string()),
            Stop::Damaged(i) => {
                let scan = &self.scans[i];
                let what = scan.problem.map(|p| describe(&p).to_string());
                Some(match (scan.end, what) {
                    (LogEnd::TornTail { .. }, Some(what)) => format!("{what}; {ONLY_THE_NEWEST}"),
                    (LogEnd::TornTail { .. }, None) => ONLY_THE_NEWEST.into(),
                    (_, what) => {
                        what.unwrap_or_else(|| "the bytes there are not a valid frame".into())
                    }
                })
            }
            Stop::Misfit(i, misfit) => Some(self.misfit(i, misfit)),
        }
    }

    /// How segment `i` fails to follow the one before it, naming both
    /// where it helps: `00000000000000000100.wal should be named
    /// 00000000000000000090.wal: events 90 to 99 are missing`.
    fn misfit(&self, i: usize, misfit: Misfit) -> String {
        let name = &self.files[i].name;
        let previous = i.checked_sub(1).map_or("", |p| self.files[p].name.as_str());
        match misfit {
            Misfit::Gap { expected, named } => {
                let missing = match named - 1 {
                    last if last == expected => format!("event {expected} is missing"),
                    last => format!("events {expected} to {last} are missing"),
                };
                format!(
                    "{name} should be named {}: {missing}",
                    segment_name(expected)
                )
            }
            Misfit::Overlap { expected, .. } => format!(
                "{name} should be named {}: it overlaps {previous}, whose events go up to {}",
                segment_name(expected),
                expected - 1
            ),
            Misfit::OutOfRange { named, first_lsn } => format!(
                "{name} is named after LSN {named}, but its events begin at LSN {first_lsn}: \
                 it is not the segment its name says"
            ),
        }
    }

    /// Segment `i` on its own, as `rewal verify` would say of the file.
    pub fn segment_verdict(&self, i: usize) -> Option<String> {
        self.scans
            .get(i)
            .map(|scan| Verdict::of_scan(scan).to_string())
    }
}

/// An older segment's damage: a torn tail there is a corruption.
fn damage(scan: &LogScan) -> String {
    let what = scan.problem.map(Described);
    match scan.end {
        LogEnd::TornTail { offset } => {
            let end = LogEnd::Corrupted {
                offset,
                next_valid: Some(offset), // says nothing of what follows
            };
            format!("{}; {ONLY_THE_NEWEST}", Ending::new(end, what))
        }
        end => Ending::new(end, what).to_string(),
    }
}

/// `the 57 events before it are valid (57 frames, LSNs 1 to 57)`, or
/// `nothing before it is valid`.
fn before(log: &LogScan) -> String {
    if log.frames == 0 {
        return "nothing before it is valid".into();
    }
    let verb = if log.events == 1 { "is" } else { "are" };
    format!(
        "the {} before it {verb} valid ({}, LSNs {} to {})",
        count(log.events, "event", "events"),
        count(log.frames, "frame", "frames"),
        log.first_lsn,
        log.last_lsn
    )
}

/// `57 frames, 57 events, LSNs 1 to 57`, or `no frames`.
fn contents(log: &LogScan) -> String {
    if log.frames == 0 {
        return "no frames".into();
    }
    format!(
        "{}, {}, LSNs {} to {}",
        count(log.frames, "frame", "frames"),
        count(log.events, "event", "events"),
        log.first_lsn,
        log.last_lsn
    )
}

/// `1 segment` / `5 segments`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
