//! Every subcommand on the golden vectors and the hostile files, outputs
//! compared byte for byte with `tests/expected/` (`REWAL_BLESS=1`
//! regenerates them).
#![cfg(not(target_family = "wasm"))]

mod common;

use common::scripts::{self, Paths, VECTORS};
use common::{expect, rewal, vectors_dir, Runner, Scratch};

#[test]
fn every_script_matches_its_expected_transcript() {
    let dir = Scratch::new("transcripts");
    for script in scripts::all() {
        let text = scripts::transcript(&Runner::Native, &dir, &script, Paths::Relative);
        assert!(
            !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
            "a panic in script {}:\n{text}",
            script.name
        );
        expect(&format!("{}.txt", script.name), &text);
    }
}

/// `dump` in the text format writes events exactly as the vectors'
/// sidecars list them (the library's own record of what each holds).
#[test]
fn dump_text_is_the_sidecar_format() {
    let dir = Scratch::new("sidecars");
    dir.reset();
    for name in VECTORS.iter().filter(|name| **name != "compressed") {
        let sidecar = std::fs::read_to_string(vectors_dir().join(format!("{name}.events")))
            .expect("read sidecar");
        let events: String = sidecar
            .lines()
            .filter(|line| !line.starts_with('#'))
            .map(|line| format!("{line}\n"))
            .collect();
        let run = rewal(dir.dir(), &["dump", &format!("{name}.wal")]);
        assert_eq!(run.stdout(), events, "dump of {name}.wal");
    }
}
