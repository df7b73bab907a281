//! Helpers shared by the tests: the golden vectors and their sidecars.

#![allow(dead_code)] // each test file uses its own part

use std::path::PathBuf;

/// The repository's `tests/vectors/` directory.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

/// The names of the golden vectors.
pub const VECTORS: [&str; 5] = ["plain", "meta", "compressed", "torn", "corrupt"];

/// One event line of a sidecar: LSN, meta, payload.
pub type SidecarEvent = (u64, Option<Vec<u8>>, Vec<u8>);

/// A parsed `.events` sidecar (format in `tests/vectors/README.md`).
pub struct Sidecar {
    /// The text after `# end: `.
    pub end: String,
    /// The events readable before any invalid region.
    pub events: Vec<SidecarEvent>,
}

/// Reads and parses the sidecar of vector `name`.
pub fn sidecar(name: &str) -> Sidecar {
    let text = std::fs::read_to_string(vectors_dir().join(format!("{name}.events"))).unwrap();
    let mut end = None;
    let mut events = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(what) = comment.trim_start().strip_prefix("end: ") {
                end = Some(what.to_string());
            }
            continue;
        }
        let mut fields = line.split('\t');
        let lsn = fields.next().unwrap().parse().unwrap();
        let meta = match fields.next().unwrap() {
            "-" => None,
            quoted => Some(unquote(quoted)),
        };
        let payload = unquote(fields.next().unwrap());
        events.push((lsn, meta, payload));
    }
    Sidecar {
        end: end.expect("an end line"),
        events,
    }
}

/// Decodes a sidecar's double-quoted byte string.
pub fn unquote(quoted: &str) -> Vec<u8> {
    let inner = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .expect("a quoted string");
    let bytes = inner.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match bytes[i + 1] {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'x' => {
                let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            other => out.push(other),
        }
        i += 2;
    }
    out
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
