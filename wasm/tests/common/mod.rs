//! Helpers shared by the tests: the golden vectors and their sidecars.

#![allow(dead_code)] // each test file uses its own part

use std::path::PathBuf;

/// The repository's `tests/vectors/` directory.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

/// The names of the golden vectors.
pub const VECTORS: [&str; 5] = ["plain", "meta", "compressed", "torn", "corrupt"];

// The one sidecar parser, shared with the engine's `tests/vectors.rs`.
#[path = "../../../tests/common/sidecar.rs"]
mod shared_sidecar;
pub use shared_sidecar::Sidecar;

/// Reads and parses the sidecar of vector `name`.
pub fn sidecar(name: &str) -> Sidecar {
    let text = std::fs::read_to_string(vectors_dir().join(format!("{name}.events"))).unwrap();
    shared_sidecar::parse_sidecar(&text).unwrap_or_else(|error| panic!("{name}.events: {error}"))
}

/// What the native `rewal verify NAME.wal` prints for vector `name`,
/// without its `NAME.wal: ` prefix, from the CLI's expected transcripts
/// (`native/tests/expected/NAME.txt`).
pub fn cli_verify_line(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../native/tests/expected")
        .join(format!("{name}.txt"));
    let text = std::fs::read_to_string(path).unwrap();
    let command = format!("$ rewal verify {name}.wal\n");
    let after = &text[text.find(&command).expect("a verify transcript") + command.len()..];
    let line = after.lines().next().unwrap();
    line.strip_prefix(&format!("{name}.wal: "))
        .expect("the file name first")
        .to_string()
}
