//! Drop-in behaviour: every call of the API on a log that was shut down,
//! closed, or handed odd input, made on rewal and on rewal 0.1.0 side by
//! side. Where rewal 0.1.0's documentation is silent rewal answers as 0.1.0 does; the few
//! differences are on purpose, listed in `ON_PURPOSE` with the reason (and
//! in the README). A new difference, or one that went away, fails the test.
#![cfg(not(target_family = "wasm"))]

use rewal_testkit::Scratch;
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

/// The differences that are on purpose: (situation, call, why).
const ON_PURPOSE: &[(&str, &str, &str)] = &[
    ("after shutdown", "flush", WHAT_IS_TRUE),
    ("after shutdown", "sync", WHAT_IS_TRUE),
    ("after close", "flush", WHAT_IS_TRUE),
    ("after shutdown, twice", "flush", WHAT_IS_TRUE),
    ("after shutdown, twice", "sync", WHAT_IS_TRUE),
];

/// Why `flush` and `sync` on a stopped log may say `Ok`.
const WHAT_IS_TRUE: &str = "a stopped log answers what is true first: \
    everything appended was written (and, after a shutdown, synced), so \
    flush (and sync) say Ok. rewal 0.1.0 says Closed, which tells a caller \
    its events may be lost, and makes it retry (duplicate) events that are \
    safe on disk. Where the answer is not already true (sync after close: \
    close does not sync) both say Closed.";

/// An outcome, as a word both libraries can be compared by: `Ok`, `Ok(n)`
/// for a value, or the error's variant name.
fn word<T: std::fmt::Debug, E: std::fmt::Debug>(outcome: Result<T, E>) -> String {
    match outcome {
        Ok(value) => {
            let value = format!("{value:?}");
            if value == "()" {
                "Ok".into()
            } else {
                format!("Ok({value})")
            }
        }
        Err(error) => {
            let error = format!("{error:?}");
            error
                .split(['(', ' ', '{'])
                .next()
                .unwrap_or_default()
                .to_string()
        }
    }
}

/// Every call on a log of either crate, with its outcome: one list, so
/// that both crates get the very same calls.
macro_rules! every_call {
    ($wal:expr, $batch:ty) => {{
        let wal = $wal;
        let mut batch = <$batch>::new();
        batch.add("x");
        vec![
            ("append", word(wal.append("x"))),
            ("append_with_meta", word(wal.append_with_meta("x", "m"))),
            ("append_batch", word(wal.append_batch(batch))),
            (
                "append_batch (empty)",
                word(wal.append_batch(<$batch>::new())),
            ),
            ("flush", word(wal.flush())),
            ("sync", word(wal.sync())),
            ("replay", word(wal.replay(0, |_| Ok(())))),
            ("iterator", word(wal.iterator(0).map(drop))),
            ("last_lsn", format!("Ok({})", wal.last_lsn())),
            ("stats().state", format!("Ok({:?})", wal.stats().state)),
            ("shutdown", word(wal.shutdown(SECOND))),
            ("close", word(wal.close())),
        ]
    }};
}

fn ours(wal: &rewal::Wal) -> Vec<(&'static str, String)> {
    every_call!(wal, rewal::Batch)
}

fn theirs(wal: &upstream::Wal) -> Vec<(&'static str, String)> {
    every_call!(wal, upstream::Batch)
}

#[test]
fn calls_on_a_stopped_log_answer_as_rewal_0_1_0_does() {
    let scratch = Scratch::new("dropin");
    let mut table = Vec::new();
    for situation in ["after shutdown", "after close", "after shutdown, twice"] {
        let stop_ours = |wal: &rewal::Wal| match situation {
            "after close" => wal.close().unwrap(),
            "after shutdown, twice" => {
                wal.shutdown(SECOND).unwrap();
                wal.shutdown(SECOND).unwrap();
            }
            _ => wal.shutdown(SECOND).unwrap(),
        };
        let stop_theirs = |wal: &upstream::Wal| match situation {
            "after close" => wal.close().unwrap(),
            "after shutdown, twice" => {
                wal.shutdown(SECOND).unwrap();
                wal.shutdown(SECOND).unwrap();
            }
            _ => wal.shutdown(SECOND).unwrap(),
        };
        let name = situation.replace([' ', ','], "-");
        let wal = rewal::Wal::open(scratch.path(&format!("ours-{name}.wal")))
            .build()
            .unwrap();
        wal.append("before").unwrap();
        wal.flush().unwrap();
        stop_ours(&wal);
        let ours = ours(&wal);
        let wal = upstream::Wal::open(scratch.path(&format!("up-{name}.wal")))
            .build()
            .unwrap();
        wal.append("before").unwrap();
        wal.flush().unwrap();
        stop_theirs(&wal);
        let theirs = theirs(&wal);
        for ((call, ours), (_, theirs)) in ours.into_iter().zip(theirs) {
            table.push((situation, call, ours, theirs));
        }
    }
    println!("| situation | call | rewal | rewal 0.1.0 |\n|---|---|---|---|");
    for (situation, call, ours, theirs) in &table {
        println!("| {situation} | `{call}` | {ours} | {theirs} |");
    }
    let differing: Vec<(&str, &str)> = table
        .iter()
        .filter(|(_, _, ours, theirs)| ours != theirs)
        .map(|(situation, call, _, _)| (*situation, *call))
        .collect();
    let expected: Vec<(&str, &str)> = ON_PURPOSE.iter().map(|(s, c, _)| (*s, *c)).collect();
    assert_eq!(
        differing, expected,
        "differences from rewal 0.1.0 (see ON_PURPOSE)"
    );
    assert!(ON_PURPOSE.iter().all(|(_, _, why)| !why.is_empty()));
}
