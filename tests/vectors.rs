//! Golden vectors: the small `.wal` files in `tests/vectors/` that every
//! target (native, WASI under wasmtime, the browser) must read, and write,
//! byte for byte; each with a `.events` sidecar saying what it holds and how
//! it ends (the format is in `tests/vectors/README.md`).
//!
//! The inputs of every vector, and the damage done to `torn.wal` and
//! `corrupt.wal`, are defined once, below. After a deliberate change,
//! regenerate the committed files and sidecars, then confirm:
//!
//! ```text
//! REWAL_WRITE_VECTORS=1 cargo test --test vectors writing_the_inputs
//! cargo test --test vectors
//! ```
//!
//! With `REWAL_WRITE_VECTORS=1`, `writing_the_inputs_gives_the_committed_bytes`
//! writes every vector and sidecar instead of comparing (run only that test,
//! as above, so the other tests do not read half-written files).
//!
//! These tests start no threads of their own (they also run under wasmtime,
//! where `rewal` writes inline) and find the vectors through
//! `CARGO_MANIFEST_DIR`.

use rewal::inspect::{scan_file, LogEnd};
use rewal::{Batch, Error, Event, Wal};
use rewal_testkit::sidecar::{parse_sidecar, quote, render_end, unquote, Sidecar};
use rewal_testkit::Scratch;
use std::path::PathBuf;
use std::time::Duration;

// ------------------------------------------------------------------ inputs

/// One append: one frame.
#[derive(Debug, Clone)]
enum Append {
    /// `append(payload)`.
    Single(Vec<u8>),
    /// `append_with_meta(payload, meta)`, meta not empty.
    WithMeta(Vec<u8>, Vec<u8>),
    /// `append_batch` of `(payload, meta)` pairs.
    Batch(Vec<(Vec<u8>, Option<Vec<u8>>)>),
}

fn single(payload: impl AsRef<[u8]>) -> Append {
    Append::Single(payload.as_ref().to_vec())
}

fn with_meta(payload: impl AsRef<[u8]>, meta: impl AsRef<[u8]>) -> Append {
    Append::WithMeta(payload.as_ref().to_vec(), meta.as_ref().to_vec())
}

fn batch(events: &[(&[u8], Option<&[u8]>)]) -> Append {
    Append::Batch(
        events
            .iter()
            .map(|(payload, meta)| (payload.to_vec(), meta.map(<[u8]>::to_vec)))
            .collect(),
    )
}

impl Append {
    /// The `(payload, meta)` pairs of the append, in order.
    fn events(&self) -> Vec<(&[u8], Option<&[u8]>)> {
        match self {
            Append::Single(payload) => vec![(payload, None)],
            Append::WithMeta(payload, meta) => vec![(payload, Some(meta))],
            Append::Batch(events) => events
                .iter()
                .map(|(payload, meta)| (&payload[..], meta.as_deref()))
                .collect(),
        }
    }
}

/// plain.wal: five single events, no meta, ASCII payloads.
fn plain() -> Vec<Append> {
    vec![
        single("hello world"),
        single("event-2"),
        single("order 17 shipped"),
        single(r#"{"id":4,"ok":true} \o/"#),
        single("the end"),
    ]
}

/// meta.wal: events with and without meta, a batch of three mixing both,
/// an empty payload and a binary payload that is not UTF-8.
fn meta() -> Vec<Append> {
    vec![
        single("created"),
        with_meta("user 42 renamed", "type:update"),
        with_meta("", "type:heartbeat"),
        single([
            0x00, 0xff, 0x80, 0x7f, b'\n', b'\t', b'\\', b'"', 0xc3, 0x28,
        ]),
        batch(&[
            (b"batch-1", Some(b"type:a")),
            (b"batch-2", None),
            (b"batch-3", Some("tag:caf\u{e9}".as_bytes())),
        ]),
        with_meta("closed", "type:close"),
    ]
}

/// compressed.wal (with `rewal_testkit::Rle`): singles and a batch whose payloads
/// have runs, and one payload that compression makes longer.
fn compressed() -> Vec<Append> {
    let zeros = [0u8; 32];
    vec![
        single([b'a'; 64]),
        with_meta("zzzzzzzzzzzzzzzzzzzzhello", "rle"),
        batch(&[
            (&zeros, None),
            (b"runs: aaaabbbbcccc", Some(b"m")),
            (b"x", None),
        ]),
        single("no runs"),
    ]
}

/// torn.wal: plain.wal's events, then one more whose frame is torn.
fn torn() -> Vec<Append> {
    let mut appends = plain();
    appends.push(single("this frame is torn"));
    appends
}

/// corrupt.wal: five single events; the third frame gets damaged.
fn corrupt() -> Vec<Append> {
    vec![
        single("first"),
        single("second"),
        single("third: flipped"),
        single("fourth"),
        single("fifth"),
    ]
}

/// What is done to the written file.
#[derive(Debug, Clone, Copy)]
enum Damage {
    None,
    /// Keep only the first `keep` bytes of the last frame.
    TornTail {
        keep: usize,
    },
    /// XOR `mask` into byte `at` of the payload of frame `frame` (0-based;
    /// an uncompressed one-event frame).
    FlipPayloadByte {
        frame: usize,
        at: usize,
        mask: u8,
    },
}

struct Spec {
    name: &'static str,
    /// Comment lines for the sidecar.
    about: &'static [&'static str],
    inputs: fn() -> Vec<Append>,
    compressed: bool,
    damage: Damage,
}

fn specs() -> [Spec; 5] {
    [
        Spec {
            name: "plain",
            about: &["Five single events without meta, ASCII payloads."],
            inputs: plain,
            compressed: false,
            damage: Damage::None,
        },
        Spec {
            name: "meta",
            about: &[
                "Single events with and without meta, a batch of three mixing both,",
                "an empty payload (LSN 3) and a binary, non-UTF-8 payload (LSN 4).",
            ],
            inputs: meta,
            compressed: false,
            damage: Damage::None,
        },
        Spec {
            name: "compressed",
            about: &[
                "Every frame compressed (flag bit 0) with the tests' RLE compressor",
                "(testkit/src/rle.rs): singles, and a batch of three, with runs.",
            ],
            inputs: compressed,
            compressed: true,
            damage: Damage::None,
        },
        Spec {
            name: "torn",
            about: &[
                "plain.wal followed by the first 17 bytes of a sixth frame: a torn tail.",
                "Opening it cuts the tail; the five events of plain.wal remain.",
            ],
            inputs: torn,
            compressed: false,
            damage: Damage::TornTail { keep: 17 },
        },
        Spec {
            name: "corrupt",
            about: &[
                "Five single events; the first payload byte of the third frame has",
                "bit 5 flipped (CRC mismatch), and valid frames follow: a corruption.",
                "Opening it fails with Error::Corrupted and leaves it untouched.",
            ],
            inputs: corrupt,
            compressed: false,
            damage: Damage::FlipPayloadByte {
                frame: 2,
                at: 0,
                mask: 0x20,
            },
        },
    ]
}

// ------------------------------------------------------------------ files

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn committed_wal(spec: &Spec) -> Vec<u8> {
    let path = vector_dir().join(format!("{}.wal", spec.name));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn committed_sidecar(spec: &Spec) -> Sidecar {
    let path = vector_dir().join(format!("{}.events", spec.name));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    parse_sidecar(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn open(path: &std::path::Path, compressed: bool) -> rewal::Result<Wal> {
    let builder = Wal::open(path);
    if compressed {
        builder.compressor(rewal_testkit::Rle).build()
    } else {
        builder.build()
    }
}

/// Offsets of the frames of a clean log, from each header's batch_size.
fn frame_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        starts.push(at);
        let size = u32::from_le_bytes(bytes[at + 20..at + 24].try_into().unwrap());
        assert!(size >= 28, "frame at {at} claims {size} bytes");
        at += size as usize;
    }
    assert_eq!(at, bytes.len(), "frames do not tile the log");
    starts
}

/// Applies `damage` to the clean log `bytes`.
fn apply_damage(bytes: &mut Vec<u8>, damage: Damage) {
    let starts = frame_starts(bytes);
    match damage {
        Damage::None => {}
        Damage::TornTail { keep } => {
            let last = *starts.last().expect("a frame to tear");
            assert!(keep < bytes.len() - last, "the tear keeps the whole frame");
            bytes.truncate(last + keep);
        }
        Damage::FlipPayloadByte { frame, at, mask } => {
            let start = starts[frame];
            let word = |off: usize| &bytes[start + off..start + off + 4];
            assert_eq!(u16::from_le_bytes([bytes[start + 6], bytes[start + 7]]), 0);
            assert_eq!(word(8), 1u32.to_le_bytes(), "a one-event frame");
            let payload_len = u32::from_le_bytes(word(24).try_into().unwrap()) as usize;
            let meta_len = usize::from(u16::from_le_bytes([bytes[start + 28], bytes[start + 29]]));
            assert!(at < payload_len, "flip outside the payload");
            bytes[start + 30 + meta_len + at] ^= mask;
        }
    }
}

// --------------------------------------------------- independent reference

/// CRC-32C, bit by bit, as docs/format.md states it (not the library's).
fn reference_crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// One v2 frame encoded from the frame table of docs/format.md, independently of `rewal`.
fn reference_frame(events: &[(&[u8], Option<&[u8]>)], first_lsn: u64, compress: bool) -> Vec<u8> {
    let mut region = Vec::new();
    for (payload, meta) in events {
        let meta = meta.unwrap_or_default();
        region.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        region.extend_from_slice(&(meta.len() as u16).to_le_bytes());
        region.extend_from_slice(meta);
        region.extend_from_slice(payload);
    }
    if compress {
        let mut packed = Vec::new();
        rewal_testkit::rle_compress(&region, &mut packed);
        region = packed;
    }
    let mut frame = Vec::new();
    frame.extend_from_slice(b"EWAL");
    frame.extend_from_slice(&2u16.to_le_bytes());
    frame.extend_from_slice(&u16::from(compress).to_le_bytes());
    frame.extend_from_slice(&(events.len() as u32).to_le_bytes());
    frame.extend_from_slice(&first_lsn.to_le_bytes());
    frame.extend_from_slice(&((24 + region.len() + 4) as u32).to_le_bytes());
    frame.extend_from_slice(&region);
    let crc = reference_crc32c(&frame);
    frame.extend_from_slice(&crc.to_le_bytes());
    frame
}

/// What a vector must be, from its inputs alone: the file's bytes, how it
/// ends, and the events readable before any invalid region.
struct Model {
    bytes: Vec<u8>,
    end: LogEnd,
    events: Vec<Event>,
}

fn model(spec: &Spec) -> Model {
    let inputs = (spec.inputs)();
    let mut bytes = Vec::new();
    let mut starts = Vec::new();
    let mut events_per_frame = Vec::new();
    let mut lsn = 1;
    for append in &inputs {
        let events = append.events();
        starts.push(bytes.len() as u64);
        bytes.extend(reference_frame(&events, lsn, spec.compressed));
        events_per_frame.push(
            events
                .iter()
                .enumerate()
                .map(|(i, (payload, meta))| Event {
                    lsn: lsn + i as u64,
                    payload: payload.to_vec(),
                    meta: meta.map(<[u8]>::to_vec),
                })
                .collect::<Vec<_>>(),
        );
        lsn += events.len() as u64;
    }
    let (end, good_frames) = match spec.damage {
        Damage::None => (LogEnd::Clean, inputs.len()),
        Damage::TornTail { .. } => {
            let offset = *starts.last().unwrap();
            (LogEnd::TornTail { offset }, inputs.len() - 1)
        }
        Damage::FlipPayloadByte { frame, .. } => {
            let end = LogEnd::Corrupted {
                offset: starts[frame],
                next_valid: Some(starts[frame + 1]),
            };
            (end, frame)
        }
    };
    apply_damage(&mut bytes, spec.damage);
    let events = events_per_frame
        .into_iter()
        .take(good_frames)
        .flatten()
        .collect();
    Model { bytes, end, events }
}

// ---------------------------------------------------------------- sidecar

/// Renders a sidecar: the vector's description, its end, its events.
fn render_sidecar(spec: &Spec, end: LogEnd, events: &[Event]) -> String {
    let mut out = format!("# {}.wal\n", spec.name);
    for line in spec.about {
        out.push_str(&format!("# {line}\n"));
    }
    out.push_str(&format!(
        "# Inputs: {}() in tests/vectors.rs. Lines: <lsn> TAB <meta> TAB <payload>.\n",
        spec.name
    ));
    out.push_str(&format!("# end: {}\n", render_end(end)));
    for event in events {
        let meta = event.meta.as_deref().map_or_else(|| "-".into(), quote);
        out.push_str(&format!(
            "{}\t{}\t{}\n",
            event.lsn,
            meta,
            quote(&event.payload)
        ));
    }
    out
}

// ------------------------------------------------------------------ tests

#[test]
fn reference_crc_matches_the_check_value() {
    assert_eq!(reference_crc32c(b"123456789"), 0xE306_9283);
}

#[test]
fn sidecar_quoting_round_trips_every_byte() {
    let all: Vec<u8> = (0..=255).collect();
    let quoted = quote(&all);
    assert!(quoted.is_ascii() && !quoted.contains('\t') && !quoted.contains('\n'));
    assert_eq!(unquote(&quoted).unwrap(), all);
    assert_eq!(
        quote(b"a\"b\\c\n\t\x00\x7f\xff~ "),
        r#""a\"b\\c\n\t\x00\x7f\xff~ ""#
    );
    assert_eq!(unquote(r#""\xFF\x0a""#).unwrap(), vec![0xff, b'\n']);
    assert_eq!(unquote(r#""""#).unwrap(), Vec::<u8>::new());
    for bad in [
        "",
        "\"",
        "abc",
        "\"abc",
        r#""\q""#,
        r#""\x4""#,
        r#""\xg0""#,
        r#""a"b""#,
        "\"\u{e9}\"",
    ] {
        assert!(unquote(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn sidecar_parser_reads_and_refuses() {
    let text = "# about\n# end: corrupted at 10, next valid frame at 40\n\
                1\t-\t\"a\"\n2\t\"m\\t\"\t\"\"\n";
    let sidecar = parse_sidecar(text).unwrap();
    assert_eq!(
        sidecar.end,
        LogEnd::Corrupted {
            offset: 10,
            next_valid: Some(40)
        }
    );
    assert_eq!(
        sidecar.events,
        vec![
            Event::new("a").with_lsn(1),
            Event::with_meta("", "m\t").with_lsn(2),
        ]
    );
    assert_eq!(
        parse_sidecar("# end: torn-tail at 7\n").unwrap().end,
        LogEnd::TornTail { offset: 7 }
    );
    for bad in [
        "1\t-\t\"a\"\n",                       // no end line
        "# end: clean\n# end: clean\n",        // two end lines
        "# end: dirty\n",                      // unknown end
        "# end: torn-tail at x\n",             // bad offset
        "# end: clean\n1\t-\n",                // two fields
        "# end: clean\n1\t-\t\"a\"\t\"b\"\n",  // four fields
        "# end: clean\nx\t-\t\"a\"\n",         // bad LSN
        "# end: clean\n1\tm\t\"a\"\n",         // unquoted meta
        "# end: clean\n1\t-\t\"a\"\n# late\n", // comment after events
        "# end: corrupted at 3\n",             // no next valid frame
    ] {
        assert!(parse_sidecar(bad).is_err(), "accepted {bad:?}");
    }
}

/// `Event` with an LSN, for building expectations.
trait WithLsn {
    fn with_lsn(self, lsn: u64) -> Self;
}

impl WithLsn for Event {
    fn with_lsn(mut self, lsn: u64) -> Self {
        self.lsn = lsn;
        self
    }
}

#[test]
fn vectors_are_small() {
    for spec in specs() {
        let len = committed_wal(&spec).len();
        assert!(len > 0 && len < 2048, "{}.wal is {len} bytes", spec.name);
    }
}

/// (a) The scan of every vector classifies its end as the sidecar says.
#[test]
fn scan_gives_the_sidecar_end() {
    for spec in specs() {
        let sidecar = committed_sidecar(&spec);
        let scratch = Scratch::new(&format!("vectors-scan-{}", spec.name));
        let path = scratch.path("v.wal");
        let bytes = committed_wal(&spec);
        std::fs::write(&path, &bytes).unwrap();
        let mut offsets = Vec::new();
        let scan = scan_file(&path, |frame| offsets.push(frame.offset)).unwrap();
        let name = spec.name;
        assert_eq!(scan.end, sidecar.end, "{name}: end");
        assert_eq!(scan.file_len, bytes.len() as u64, "{name}: length");
        let valid_len = match sidecar.end {
            LogEnd::Clean => bytes.len() as u64,
            LogEnd::TornTail { offset } | LogEnd::Corrupted { offset, .. } => offset,
            // (No vector has a sync mark beside it to tell a power cut.)
            LogEnd::NotALog | LogEnd::PowerCut { .. } => unreachable!(),
        };
        assert_eq!(scan.valid_len, valid_len, "{name}: valid length");
        assert_eq!(scan.events, sidecar.events.len() as u64, "{name}: events");
        let last = sidecar.events.last().map_or(0, |event| event.lsn);
        assert_eq!(scan.last_lsn, last, "{name}: last LSN");
        assert_eq!(scan.first_lsn, 1, "{name}: first LSN");
        assert_eq!(scan.frames, offsets.len() as u64, "{name}: frames visited");
        let compressed = if spec.compressed { scan.frames } else { 0 };
        assert_eq!(
            scan.compressed_frames, compressed,
            "{name}: compressed frames"
        );
        // Scanning never writes.
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name}: file changed");
    }
}

/// (b) What our `Wal` reads from every vector is what the sidecar lists,
/// and opening it does to the file what the end calls for.
#[test]
fn replay_gives_the_sidecar_events() {
    for spec in specs() {
        let sidecar = committed_sidecar(&spec);
        let scratch = Scratch::new(&format!("vectors-replay-{}", spec.name));
        let path = scratch.path("v.wal");
        let bytes = committed_wal(&spec);
        std::fs::write(&path, &bytes).unwrap();
        let name = spec.name;
        let kept = match sidecar.end {
            LogEnd::Clean => bytes.len(),
            LogEnd::TornTail { offset } => offset as usize,
            LogEnd::Corrupted { offset, .. } => {
                let outcome = open(&path, spec.compressed);
                assert!(
                    matches!(outcome.err(), Some(Error::Corrupted { .. })),
                    "{name}: open"
                );
                assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name}: file changed");
                let (events, stop, error) = rewal::decode_all_batches(
                    &bytes,
                    spec.compressed
                        .then_some(&rewal_testkit::Rle as &dyn rewal::Compressor),
                );
                assert_eq!(events, sidecar.events, "{name}: decoded events");
                assert_eq!(stop as u64, offset, "{name}: decoding stops");
                assert_eq!(error, Some(Error::CrcMismatch), "{name}: decoding error");
                continue;
            }
            LogEnd::NotALog | LogEnd::PowerCut { .. } => unreachable!(),
        };
        let wal = open(&path, spec.compressed).unwrap_or_else(|e| panic!("{name}: open: {e}"));
        let corruptions = u64::from(kept < bytes.len());
        assert_eq!(wal.stats().corruptions, corruptions, "{name}: corruptions");
        let last = sidecar.events.last().unwrap().lsn;
        assert_eq!(wal.last_lsn(), last, "{name}: last LSN");
        let mut seen = Vec::new();
        wal.replay(0, |event| {
            seen.push(event);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, sidecar.events, "{name}: replay");
        // From an LSN in the middle (possibly inside a batch).
        let from = last / 2 + 1;
        let mut tail = Vec::new();
        wal.replay(from, |event| {
            tail.push(event);
            Ok(())
        })
        .unwrap();
        let want: Vec<Event> = sidecar
            .events
            .iter()
            .filter(|event| event.lsn >= from)
            .cloned()
            .collect();
        assert_eq!(tail, want, "{name}: replay from {from}");
        wal.shutdown(Duration::from_secs(5)).unwrap();
        // Clean: untouched. Torn: cut exactly where the tail began.
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes[..kept],
            "{name}: file after"
        );

        if spec.compressed {
            let wal = open(&path, false).unwrap();
            let outcome = wal.replay(0, |_| Ok(()));
            assert_eq!(
                outcome,
                Err(Error::CompressorRequired),
                "{name}: no compressor"
            );
            wal.shutdown(Duration::from_secs(5)).unwrap();
        }
    }
}

/// Writes the inputs of `spec` with our `Wal`, then applies its damage.
fn write_with_wal(spec: &Spec, path: &std::path::Path) -> Vec<u8> {
    let wal = open(path, spec.compressed).unwrap();
    let mut next = 1;
    for append in (spec.inputs)() {
        let lsn = match &append {
            Append::Single(payload) => wal.append(payload),
            Append::WithMeta(payload, meta) => wal.append_with_meta(payload, meta),
            Append::Batch(events) => {
                let mut batch = Batch::new();
                for (payload, meta) in events {
                    match meta {
                        Some(meta) => batch.add_with_meta(payload, meta),
                        None => batch.add(payload),
                    }
                }
                wal.append_batch(&batch)
            }
        }
        .unwrap();
        next += append.events().len() as u64;
        // A single event's LSN, or a batch's last.
        assert_eq!(lsn, next - 1, "{}: LSN of an append", spec.name);
    }
    wal.shutdown(Duration::from_secs(5)).unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    apply_damage(&mut bytes, spec.damage);
    bytes
}

/// (c) Writing each vector's inputs with our `Wal`, plus its damage, gives
/// the committed bytes; with `REWAL_WRITE_VECTORS=1` it writes them (and
/// the sidecars, from the inputs) instead.
#[test]
fn writing_the_inputs_gives_the_committed_bytes() {
    let regenerate = std::env::var("REWAL_WRITE_VECTORS").is_ok_and(|v| v == "1");
    for spec in specs() {
        let scratch = Scratch::new(&format!("vectors-write-{}", spec.name));
        let written = write_with_wal(&spec, &scratch.path("v.wal"));
        if regenerate {
            let model = model(&spec);
            let dir = vector_dir();
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("{}.wal", spec.name)), &written).unwrap();
            let sidecar = render_sidecar(&spec, model.end, &model.events);
            std::fs::write(dir.join(format!("{}.events", spec.name)), sidecar).unwrap();
            continue;
        }
        let committed = committed_wal(&spec);
        if let Some(at) = written.iter().zip(&committed).position(|(a, b)| a != b) {
            panic!("{}.wal: written bytes differ at offset {at}", spec.name);
        }
        assert_eq!(written.len(), committed.len(), "{}.wal: length", spec.name);
    }
}

/// (d) No drift: the sidecar is exactly what the committed file decodes to
/// (frame by frame, without `Wal`), and what the inputs say.
#[test]
fn sidecars_match_the_files_and_the_inputs() {
    for spec in specs() {
        let name = spec.name;
        let path = vector_dir().join(format!("{name}.events"));
        let text = std::fs::read_to_string(&path).unwrap();
        let bytes = committed_wal(&spec);
        let compressor = spec
            .compressed
            .then_some(&rewal_testkit::Rle as &dyn rewal::Compressor);
        let (events, stop, error) = rewal::decode_all_batches(&bytes, compressor);
        let end = rewal::inspect::scan_bytes(&bytes, |_| {}).unwrap().end;
        match end {
            LogEnd::Clean => assert_eq!((stop, error), (bytes.len(), None), "{name}"),
            LogEnd::TornTail { offset } | LogEnd::Corrupted { offset, .. } => {
                assert_eq!(stop as u64, offset, "{name}: decoding stops");
                assert!(error.is_some(), "{name}: decoding error");
            }
            LogEnd::NotALog | LogEnd::PowerCut { .. } => panic!("{name}: ends {end:?}"),
        }
        assert_eq!(
            text,
            render_sidecar(&spec, end, &events),
            "{name}: sidecar vs file"
        );
        let model = model(&spec);
        assert_eq!(
            text,
            render_sidecar(&spec, model.end, &model.events),
            "{name}: sidecar vs inputs"
        );
    }
}

/// (e) The committed files are what the frame table of docs/format.md gives for the
/// inputs, encoded here independently of `rewal` (CRC included).
#[test]
fn committed_files_follow_the_format() {
    for spec in specs() {
        let committed = committed_wal(&spec);
        let reference = model(&spec).bytes;
        if let Some(at) = reference.iter().zip(&committed).position(|(a, b)| a != b) {
            panic!(
                "{}.wal differs from the reference at offset {at}",
                spec.name
            );
        }
        assert_eq!(
            reference.len(),
            committed.len(),
            "{}.wal: length",
            spec.name
        );
    }
    // torn.wal is plain.wal plus 17 bytes of a frame.
    let [plain, _, _, torn, _] = specs();
    let (plain, torn) = (committed_wal(&plain), committed_wal(&torn));
    assert_eq!(torn.len(), plain.len() + 17);
    assert_eq!(torn[..plain.len()], plain[..]);
    assert_eq!(torn[plain.len()..plain.len() + 4], *b"EWAL");
}
