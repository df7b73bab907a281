//! `rewal append` then `rewal dump` give back exactly the bytes appended,
//! whatever they are, through hex and base64 (and text for text).
#![cfg(not(target_family = "wasm"))]

mod common;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use common::{rewal, rewal_with_input, Scratch};
use rewal_testkit::rng::Rng;

/// Payloads that stress an encoding: empty, every byte value, newlines and
/// CRs (which text lines could not carry), long ones, random ones.
fn payloads() -> Vec<Vec<u8>> {
    let mut rng = Rng::new(42);
    let mut payloads = vec![
        Vec::new(),
        (0..=255u8).collect(),
        b"\n".to_vec(),
        b"\r\n\r\n".to_vec(),
        b"\"quoted\" \\ backslash".to_vec(),
        vec![0u8; 1000],
        rng.bytes(100_000),
    ];
    for len in 0..200 {
        payloads.push(rng.bytes(len));
    }
    payloads
}

/// Appends `payloads` encoded with `encode`, dumps them as JSON lines with
/// the same encoding, and checks what comes back.
fn round_trip(
    name: &str,
    encoding: &str,
    batch: &str,
    encode: fn(&[u8]) -> String,
    decode: fn(&str) -> Vec<u8>,
) {
    let dir = Scratch::new(name);
    let payloads = payloads();
    let input: String = payloads
        .iter()
        .map(|payload| encode(payload) + "\n")
        .collect();
    let run = rewal_with_input(
        dir.dir(),
        &[
            "append",
            "log.wal",
            "--payload",
            encoding,
            "--batch",
            batch,
            "--meta",
            "m",
        ],
        input.as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout(),
        format!(
            "appended {0} events to log.wal: LSNs 1 to {0}, written and synced\n",
            payloads.len()
        )
    );
    let run = rewal(
        dir.dir(),
        &[
            "dump",
            "log.wal",
            "--format",
            "jsonl",
            "--payload",
            encoding,
            // The meta in the same encoding (text by default).
            "--meta-format",
            encoding,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr());
    let lines: Vec<String> = run.stdout().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), payloads.len());
    for (i, (line, payload)) in lines.iter().zip(&payloads).enumerate() {
        let event: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        assert_eq!(event["lsn"], i as u64 + 1);
        assert_eq!(decode(event["meta"].as_str().expect("meta")), b"m");
        let back = decode(event["payload"].as_str().expect("payload"));
        assert!(back == *payload, "payload {} differs", i + 1);
        assert!(event["frame_offset"].is_u64());
    }
}

#[test]
fn hex_round_trips_arbitrary_bytes() {
    round_trip(
        "hex",
        "hex",
        "1",
        |bytes| hex::encode(bytes),
        |text| hex::decode(text).expect("hex"),
    );
}

#[test]
fn base64_round_trips_arbitrary_bytes_in_batches() {
    round_trip(
        "base64",
        "base64",
        "7",
        |bytes| BASE64.encode(bytes),
        |text| BASE64.decode(text).expect("base64"),
    );
}

#[test]
fn text_round_trips_lines_of_text() {
    let dir = Scratch::new("text");
    let lines = [
        "plain",
        "",
        "tab\there",
        "unicode: café ☕",
        "quotes \" and \\",
    ];
    let input: String = lines.iter().map(|line| format!("{line}\n")).collect();
    let run = rewal_with_input(dir.dir(), &["append", "log.wal"], input.as_bytes());
    assert_eq!(run.code, 0, "{run:?}");
    let run = rewal(dir.dir(), &["dump", "log.wal", "--format", "jsonl"]);
    let back: Vec<String> = run
        .stdout()
        .lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).expect("JSON");
            assert!(event["meta"].is_null());
            assert!(event.get("utf8_lossy").is_none());
            event["payload"].as_str().expect("payload").to_string()
        })
        .collect();
    assert_eq!(back, lines);
}
