//! How a log ends, put into words the way the native `rewal verify` puts
//! it, so that the viewer and the command line say the same thing of the
//! same file.

use crate::diagnose;
use rewal::inspect::{LogEnd, LogScan};

/// The one-line verdict of `rewal verify` for `data` (without its
/// `FILE: ` prefix): `ok: every frame checked: ...`, `torn tail at offset
/// N: ...`, `corrupted at offset N: ..., and a valid frame follows at
/// offset M; ...`, or `it is not a rewal log: ...`.
pub fn verdict(data: &[u8], scan: &LogScan) -> String {
    let valid = if scan.valid_len == 0 {
        "nothing before it is valid".to_string()
    } else {
        format!(
            "the {} before it are valid ({})",
            count(scan.valid_len, "byte", "bytes"),
            contents(scan)
        )
    };
    match scan.end {
        LogEnd::Clean if scan.frames == 0 => "ok: an empty log (0 bytes)".into(),
        LogEnd::Clean => format!(
            "ok: every frame checked: {}, {}",
            contents(scan),
            count(scan.file_len, "byte", "bytes")
        ),
        LogEnd::TornTail { .. } => {
            format!(
                "{}; {valid}; `rewal repair` cuts the tail",
                ending(data, scan)
            )
        }
        LogEnd::Corrupted { .. } => format!("{}; {valid}", ending(data, scan)),
        LogEnd::NotALog => ending(data, scan),
    }
}

/// How the log ends: `clean`, `torn tail at offset 233: ...`, `corrupted at
/// offset 79: ..., and a valid frame follows at offset 127`, or the
/// not-a-log sentence.
pub fn ending(data: &[u8], scan: &LogScan) -> String {
    match scan.end {
        LogEnd::Clean => "clean".into(),
        LogEnd::TornTail { offset } => {
            format!(
                "torn tail at offset {offset}: {}",
                diagnose::at(data, offset)
            )
        }
        LogEnd::Corrupted { offset, next_valid } => {
            let what = diagnose::at(data, offset);
            match next_valid {
                Some(next) => format!(
                    "corrupted at offset {offset}: {what}, and a valid frame follows at offset {next}"
                ),
                None => format!(
                    "corrupted at offset {offset}: {what}, and the rest is too costly to search for valid frames, so it counts as a corruption"
                ),
            }
        }
        LogEnd::NotALog => diagnose::not_a_log(data),
    }
}

/// What the valid frames hold: `5 frames, 5 events, LSNs 1 to 5`, or `no
/// frames`.
pub fn contents(scan: &LogScan) -> String {
    if scan.frames == 0 {
        return "no frames".into();
    }
    format!(
        "{}, {}, LSNs {} to {}",
        count(scan.frames, "frame", "frames"),
        count(scan.events, "event", "events"),
        scan.first_lsn,
        scan.last_lsn
    )
}

/// `1 frame` / `5 frames`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
