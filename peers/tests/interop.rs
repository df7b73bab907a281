//! Interoperability with rewal 0.1.0 from crates.io (the `upstream`
//! dev-dependency): each library reads what the other wrote, event for
//! event, and both write the same bytes for the same appends. rewal 0.1.0
//! builds only for unix and windows, so this file is native-only.
#![cfg(not(target_family = "wasm"))]

use rewal_testkit::rng::Rng;
use rewal_testkit::Scratch;
use std::path::Path;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

/// One append, as both libraries can express it.
#[derive(Debug, Clone)]
enum Op {
    /// `append(payload)`.
    Single(Vec<u8>),
    /// `append_with_meta(payload, meta)`; an empty meta is the same as none.
    Meta(Vec<u8>, Vec<u8>),
    /// `append_batch` of `(payload, meta)` pairs, at least one.
    Batch(Vec<(Vec<u8>, Option<Vec<u8>>)>),
}

/// An event as read back: `(lsn, payload, meta)`.
type Seen = (u64, Vec<u8>, Option<Vec<u8>>);

/// The events `ops` produce in a fresh log: LSNs from 1, one per event; an
/// empty meta reads back as none (`meta_len == 0` on disk).
fn expected(ops: &[Op]) -> Vec<Seen> {
    let mut events = Vec::new();
    let mut lsn = 0;
    let mut push = |payload: &[u8], meta: Option<&[u8]>| {
        lsn += 1;
        let meta = meta.filter(|meta| !meta.is_empty()).map(<[u8]>::to_vec);
        events.push((lsn, payload.to_vec(), meta));
    };
    for op in ops {
        match op {
            Op::Single(payload) => push(payload, None),
            Op::Meta(payload, meta) => push(payload, Some(meta)),
            Op::Batch(items) => {
                for (payload, meta) in items {
                    push(payload, meta.as_deref());
                }
            }
        }
    }
    events
}

/// rewal 0.1.0's view of the test compressor.
struct UpstreamRle;

impl upstream::Compressor for UpstreamRle {
    fn compress(&self, src: &[u8], dst: &mut Vec<u8>) -> upstream::Result<()> {
        rewal_testkit::rle_compress(src, dst);
        Ok(())
    }

    fn decompress(&self, src: &[u8], dst: &mut Vec<u8>) -> upstream::Result<()> {
        rewal_testkit::rle_decompress(src, dst).ok_or(upstream::Error::InvalidRecord)
    }
}

fn open_ours(path: &Path, compressed: bool) -> rewal::Wal {
    let builder = rewal::Wal::open(path);
    let builder = if compressed {
        builder.compressor(rewal_testkit::Rle)
    } else {
        builder
    };
    builder.build().expect("open with rewal")
}

fn open_upstream(path: &Path, compressed: bool) -> upstream::Wal {
    let builder = upstream::Wal::open(path);
    let builder = if compressed {
        builder.compressor(UpstreamRle)
    } else {
        builder
    };
    builder.build().expect("open with rewal 0.1.0")
}

/// Appends `ops` to the log at `path` with our `Wal`, checking the LSNs it
/// returns, and shuts it down.
fn write_ours(path: &Path, ops: &[Op], compressed: bool) {
    write_into(open_ours(path, compressed), ops);
}

/// Appends `ops` to `wal`, checking the LSNs it returns, and shuts it down.
fn write_into(wal: rewal::Wal, ops: &[Op]) {
    let mut next = wal.last_lsn() + 1;
    for op in ops {
        match op {
            Op::Single(payload) => {
                assert_eq!(wal.append(payload).unwrap(), next);
                next += 1;
            }
            Op::Meta(payload, meta) => {
                assert_eq!(wal.append_with_meta(payload, meta).unwrap(), next);
                next += 1;
            }
            Op::Batch(items) => {
                let mut batch = rewal::Batch::with_capacity(items.len());
                for (payload, meta) in items {
                    match meta {
                        Some(meta) => batch.add_with_meta(payload, meta),
                        None => batch.add(payload),
                    }
                }
                next += items.len() as u64;
                // Like rewal 0.1.0, ours returns the batch's last LSN.
                assert_eq!(wal.append_batch(&batch).unwrap(), next - 1);
            }
        }
    }
    wal.shutdown(TIMEOUT).expect("shutdown rewal");
}

/// Appends `ops` to the log at `path` with rewal 0.1.0, checking the LSNs
/// it returns, and shuts it down.
fn write_upstream(path: &Path, ops: &[Op], compressed: bool) {
    let wal = open_upstream(path, compressed);
    let mut next = wal.last_lsn() + 1;
    for op in ops {
        match op {
            Op::Single(payload) => {
                assert_eq!(wal.append(payload.clone()).unwrap(), next);
                next += 1;
            }
            Op::Meta(payload, meta) => {
                assert_eq!(
                    wal.append_with_meta(payload.clone(), meta.clone()).unwrap(),
                    next
                );
                next += 1;
            }
            Op::Batch(items) => {
                let mut batch = upstream::Batch::with_capacity(items.len());
                for (payload, meta) in items {
                    match meta {
                        Some(meta) => batch.add_with_meta(payload.clone(), meta.clone()),
                        None => batch.add(payload.clone()),
                    }
                }
                next += items.len() as u64;
                // rewal 0.1.0 returns the batch's last LSN.
                assert_eq!(wal.append_batch(batch).unwrap(), next - 1);
            }
        }
    }
    wal.shutdown(TIMEOUT).expect("shutdown rewal 0.1.0");
}

/// Every event of the log at `path`, read by our `Wal`.
fn read_ours(path: &Path, compressed: bool) -> Vec<Seen> {
    let wal = open_ours(path, compressed);
    let mut seen = Vec::new();
    wal.replay(0, |event| {
        seen.push((event.lsn, event.payload, event.meta));
        Ok(())
    })
    .expect("replay with rewal");
    wal.shutdown(TIMEOUT).expect("shutdown rewal");
    seen
}

/// Every event of the log at `path`, read by rewal 0.1.0.
fn read_upstream(path: &Path, compressed: bool) -> Vec<Seen> {
    let wal = open_upstream(path, compressed);
    let mut seen = Vec::new();
    wal.replay(0, |event| {
        seen.push((event.lsn, event.payload, event.meta));
        Ok(())
    })
    .expect("replay with rewal 0.1.0");
    wal.shutdown(TIMEOUT).expect("shutdown rewal 0.1.0");
    seen
}

/// Compares event lists one by one, so a failure names the first event that
/// differs rather than dumping two long vectors.
fn assert_same_events(got: &[Seen], want: &[Seen], what: &str) {
    for (i, (got, want)) in got.iter().zip(want).enumerate() {
        assert_eq!(got, want, "{what}: event #{i} differs");
    }
    assert_eq!(got.len(), want.len(), "{what}: number of events");
}

/// Compares two files' bytes, reporting the first differing offset.
fn assert_same_bytes(ours: &[u8], theirs: &[u8], what: &str) {
    if let Some(at) = ours.iter().zip(theirs).position(|(a, b)| a != b) {
        panic!(
            "{what}: files differ at byte {at} (ours {:#04x}, rewal 0.1.0 {:#04x})",
            ours[at], theirs[at]
        );
    }
    assert_eq!(
        ours.len(),
        theirs.len(),
        "{what}: file lengths (ours, rewal 0.1.0)"
    );
}

// ------------------------------------------------------------- workloads

/// `min` to `min + spread - 1` random bytes.
fn bytes_upto(rng: &mut Rng, min: usize, spread: u64) -> Vec<u8> {
    let len = min + rng.below(spread) as usize;
    rng.bytes(len)
}

/// Single events without meta: empty, short, binary, one larger than the
/// default 64 KiB write buffer.
fn singles() -> Vec<Op> {
    let mut rng = Rng::new(11);
    let mut ops = vec![
        Op::Single(b"hello world".to_vec()),
        Op::Single(Vec::new()),
        Op::Single(vec![0, 0xff, 0x80, b'\n', 0]),
    ];
    for i in 0..40 {
        ops.push(Op::Single(rng.bytes(i * 7)));
    }
    ops.push(Op::Single(rng.bytes(100_000)));
    ops.push(Op::Single(b"last".to_vec()));
    ops
}

/// Single events with meta, interleaved with some without.
fn with_meta() -> Vec<Op> {
    let mut rng = Rng::new(12);
    let mut ops = vec![
        Op::Meta(b"user 42 renamed".to_vec(), b"type:update".to_vec()),
        Op::Meta(Vec::new(), b"type:heartbeat".to_vec()),
        Op::Meta(b"binary meta".to_vec(), vec![0, 1, 2, 0xfe, 0xff]),
        Op::Meta(b"long meta".to_vec(), vec![b'm'; 65_535]),
        Op::Meta(b"empty meta".to_vec(), Vec::new()),
        Op::Batch(vec![(b"empty meta in a batch".to_vec(), Some(Vec::new()))]),
    ];
    for i in 0..30 {
        let payload = bytes_upto(&mut rng, 0, 200);
        if i % 3 == 2 {
            ops.push(Op::Single(payload));
        } else {
            let meta = bytes_upto(&mut rng, 1, 40);
            ops.push(Op::Meta(payload, meta));
        }
    }
    ops
}

/// Batches of 1 to 50 events, mixing meta and no meta.
fn batches() -> Vec<Op> {
    let mut rng = Rng::new(13);
    let mut ops = vec![
        Op::Batch(vec![
            (b"event-1".to_vec(), None),
            (b"event-2".to_vec(), Some(b"type:update".to_vec())),
            (b"event-3".to_vec(), None),
        ]),
        Op::Batch(vec![(Vec::new(), None)]),
    ];
    for _ in 0..20 {
        let n = 1 + rng.below(50) as usize;
        let items = (0..n)
            .map(|_| {
                let payload = bytes_upto(&mut rng, 0, 300);
                let meta = (rng.below(2) == 0).then(|| bytes_upto(&mut rng, 1, 20));
                (payload, meta)
            })
            .collect();
        ops.push(Op::Batch(items));
    }
    ops
}

/// A random mix of the three kinds of append.
fn mix(seed: u64, count: usize, runs: bool) -> Vec<Op> {
    let mut rng = Rng::new(seed);
    let payload = |rng: &mut Rng| -> Vec<u8> {
        let len = rng.below(400) as usize;
        if runs {
            // Runs of one byte, so that compression has something to do.
            let mut out = Vec::with_capacity(len);
            while out.len() < len {
                let byte = rng.next_u64() as u8;
                let run = 1 + rng.below(60) as usize;
                out.extend(std::iter::repeat_n(byte, run.min(len - out.len())));
            }
            out
        } else {
            rng.bytes(len)
        }
    };
    (0..count)
        .map(|_| match rng.below(3) {
            0 => Op::Single(payload(&mut rng)),
            1 => {
                let meta = format!("type:{}", rng.below(1000)).into_bytes();
                Op::Meta(payload(&mut rng), meta)
            }
            _ => {
                let n = 1 + rng.below(12) as usize;
                let items = (0..n)
                    .map(|i| {
                        let meta = (i % 2 == 1).then(|| format!("k{i}").into_bytes());
                        (payload(&mut rng), meta)
                    })
                    .collect();
                Op::Batch(items)
            }
        })
        .collect()
}

fn compressed_mix() -> Vec<Op> {
    let mut ops = vec![
        Op::Single(vec![b'a'; 1000]),
        Op::Single(b"no runs here".to_vec()),
        Op::Single(Vec::new()),
        Op::Meta(vec![0; 300], b"zeros".to_vec()),
        Op::Batch(vec![
            (vec![b'x'; 600], None),
            (b"abc".to_vec(), Some(vec![b'm'; 40])),
        ]),
    ];
    ops.extend(mix(14, 60, true));
    ops
}

/// The four kinds of file the interop tests exchange: (name, ops,
/// compressed).
fn kinds() -> Vec<(&'static str, Vec<Op>, bool)> {
    vec![
        ("singles", singles(), false),
        ("batches", batches(), false),
        ("meta", with_meta(), false),
        ("compressed", compressed_mix(), true),
    ]
}

// ------------------------------------------------------------------ tests

#[test]
fn upstream_files_replay_in_ours() {
    for (name, ops, compressed) in kinds() {
        let scratch = Scratch::new(&format!("interop-up-to-ours-{name}"));
        let path = scratch.path("up.wal");
        write_upstream(&path, &ops, compressed);
        let before = std::fs::read(&path).unwrap();
        let seen = read_ours(&path, compressed);
        assert_same_events(&seen, &expected(&ops), name);
        // A clean log is not modified by opening it.
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "{name}: file changed"
        );
    }
}

#[test]
fn our_files_replay_in_upstream() {
    for (name, ops, compressed) in kinds() {
        let scratch = Scratch::new(&format!("interop-ours-to-up-{name}"));
        let path = scratch.path("ours.wal");
        write_ours(&path, &ops, compressed);
        let before = std::fs::read(&path).unwrap();
        let seen = read_upstream(&path, compressed);
        assert_same_events(&seen, &expected(&ops), name);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "{name}: file changed"
        );
    }
}

#[test]
fn every_segment_copied_out_alone_replays_in_upstream() {
    for (name, ops, compressed) in kinds() {
        let scratch = Scratch::new(&format!("interop-segments-{name}"));
        let dir = scratch.path("log");
        let builder = rewal::Wal::open_dir(&dir).segment_size(4096);
        let builder = if compressed {
            builder.compressor(rewal_testkit::Rle)
        } else {
            builder
        };
        write_into(builder.build().expect("open a directory"), &ops);
        let mut segments: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "wal"))
            .collect();
        segments.sort();
        assert!(segments.len() > 1, "{name}: {} segments", segments.len());
        let mut seen = Vec::new();
        for segment in &segments {
            // Alone, under a name rewal 0.1.0 knows nothing about.
            let alone = scratch.path("alone.wal");
            std::fs::copy(segment, &alone).unwrap();
            let named: u64 = segment
                .file_stem()
                .unwrap()
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            let events = read_upstream(&alone, compressed);
            assert!(
                events.first().is_none_or(|event| event.0 == named),
                "{name}: {} begins at LSN {:?}",
                segment.display(),
                events.first().map(|event| event.0)
            );
            seen.extend(events);
            std::fs::remove_file(&alone).unwrap();
        }
        assert_same_events(&seen, &expected(&ops), name);
    }
}

#[test]
fn upstream_compressed_file_needs_our_compressor() {
    let scratch = Scratch::new("interop-compressor-required");
    let path = scratch.path("up.wal");
    write_upstream(&path, &compressed_mix(), true);
    let wal = rewal::Wal::open(&path)
        .build()
        .expect("open without compressor");
    let outcome = wal.replay(0, |_| Ok(()));
    assert_eq!(outcome, Err(rewal::Error::CompressorRequired));
    wal.shutdown(TIMEOUT).unwrap();
}

/// Writes `ops` with both libraries and compares the files byte for byte.
fn assert_identical_files(name: &str, ops: &[Op], compressed: bool) {
    let scratch = Scratch::new(&format!("interop-bytes-{name}"));
    let (ours, theirs) = (scratch.path("ours.wal"), scratch.path("up.wal"));
    write_ours(&ours, ops, compressed);
    write_upstream(&theirs, ops, compressed);
    let (ours, theirs) = (std::fs::read(ours).unwrap(), std::fs::read(theirs).unwrap());
    assert!(!ours.is_empty(), "{name}: nothing written");
    assert_same_bytes(&ours, &theirs, name);
}

#[test]
fn identical_bytes_single_events_without_meta() {
    assert_identical_files("singles", &singles(), false);
}

#[test]
fn identical_bytes_single_events_with_meta() {
    assert_identical_files("meta", &with_meta(), false);
}

#[test]
fn identical_bytes_batches() {
    assert_identical_files("batches", &batches(), false);
}

#[test]
fn identical_bytes_mix() {
    let mut ops = mix(15, 300, false);
    ops.extend(singles());
    ops.extend(batches());
    ops.extend(with_meta());
    assert_identical_files("mix", &ops, false);
}

#[test]
fn identical_bytes_compressed_frames() {
    assert_identical_files("compressed", &compressed_mix(), true);
}

#[test]
fn identical_bytes_when_each_side_appends_to_the_others_file() {
    // Upstream starts a log and we continue it, and the other way round:
    // the LSNs resume after the last event, and the files still agree.
    let (first, second) = (mix(16, 40, false), mix(17, 40, false));
    let scratch = Scratch::new("interop-continue");
    let (a, b) = (scratch.path("a.wal"), scratch.path("b.wal"));
    write_upstream(&a, &first, false);
    write_ours(&a, &second, false);
    write_ours(&b, &first, false);
    write_upstream(&b, &second, false);
    let (a_bytes, b_bytes) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_same_bytes(&a_bytes, &b_bytes, "continued logs");
    let all: Vec<Op> = first.iter().chain(&second).cloned().collect();
    assert_same_events(&read_ours(&a, false), &expected(&all), "ours reading a");
    assert_same_events(
        &read_upstream(&b, false),
        &expected(&all),
        "upstream reading b",
    );
}

/// Frame boundaries of a clean log, from its headers (batch_size at
/// offset 20 of each frame).
fn frame_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        starts.push(at);
        let size = u32::from_le_bytes(bytes[at + 20..at + 24].try_into().unwrap());
        at += size as usize;
    }
    assert_eq!(at, bytes.len(), "frames do not tile the file");
    starts
}

#[test]
fn upstream_file_with_torn_tail_opens_in_ours_cut() {
    let mut ops = mix(18, 30, false);
    // The last append, the one torn: a batch, so several events go at once.
    ops.push(Op::Batch(vec![
        (b"torn-1".to_vec(), None),
        (b"torn-2".to_vec(), Some(b"m".to_vec())),
        (b"torn-3".to_vec(), None),
    ]));
    let scratch = Scratch::new("interop-torn");
    let original = scratch.path("original.wal");
    write_upstream(&original, &ops, false);
    let bytes = std::fs::read(&original).unwrap();
    let last = *frame_starts(&bytes).last().unwrap();
    let survivors = expected(&ops[..ops.len() - 1]);
    let frame_len = bytes.len() - last;
    // Cut inside the magic, inside the header, in the records, in the CRC.
    for keep in [
        1,
        3,
        17,
        24,
        30,
        frame_len / 2,
        frame_len - 4,
        frame_len - 1,
    ] {
        let path = scratch.path(&format!("torn-{keep}.wal"));
        std::fs::write(&path, &bytes[..last + keep]).unwrap();

        let wal = rewal::Wal::open(&path).build().expect("open a torn log");
        assert_eq!(
            wal.stats().corruptions,
            1,
            "keep {keep}: corruption counted"
        );
        assert_eq!(wal.last_lsn(), survivors.last().unwrap().0, "keep {keep}");
        let mut seen = Vec::new();
        wal.replay(0, |event| {
            seen.push((event.lsn, event.payload, event.meta));
            Ok(())
        })
        .unwrap();
        assert_same_events(&seen, &survivors, &format!("keep {keep}"));
        // The next append takes the LSN after the survivors.
        let next = survivors.len() as u64 + 1;
        assert_eq!(wal.append("after the cut").unwrap(), next, "keep {keep}");
        wal.shutdown(TIMEOUT).unwrap();

        // The tail was cut exactly at the torn frame, then the new frame
        // written; upstream reads the result.
        let after = std::fs::read(&path).unwrap();
        assert_eq!(
            &after[..last],
            &bytes[..last],
            "keep {keep}: prefix changed"
        );
        assert_eq!(frame_starts(&after).last(), Some(&last), "keep {keep}");
        let mut want = survivors.clone();
        want.push((next, b"after the cut".to_vec(), None));
        assert_same_events(&read_upstream(&path, false), &want, &format!("keep {keep}"));
    }
}

#[test]
fn upstream_file_torn_in_its_first_frame_opens_in_ours_empty() {
    let scratch = Scratch::new("interop-torn-first");
    let original = scratch.path("original.wal");
    write_upstream(
        &original,
        &[Op::Meta(b"only".to_vec(), b"m".to_vec())],
        false,
    );
    let bytes = std::fs::read(&original).unwrap();
    for keep in [1, 4, 23, 24, bytes.len() - 1] {
        let path = scratch.path(&format!("torn-{keep}.wal"));
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let wal = rewal::Wal::open(&path).build().expect("open a torn log");
        assert_eq!(wal.stats().corruptions, 1, "keep {keep}");
        assert_eq!(wal.last_lsn(), 0, "keep {keep}");
        assert_eq!(wal.iterator(0).unwrap().next_borrowed().unwrap(), None);
        assert_eq!(wal.append("first again").unwrap(), 1, "keep {keep}");
        wal.shutdown(TIMEOUT).unwrap();
        let want = vec![(1, b"first again".to_vec(), None)];
        assert_same_events(&read_upstream(&path, false), &want, &format!("keep {keep}"));
    }
}

/// A log written durably (so with zeros preallocated ahead of its frames),
/// as a crash leaves it: the zeros still there.
fn crashed_with_a_preallocated_tail(dir: &Scratch, ops: &[Op]) -> std::path::PathBuf {
    let live = dir.path("live.wal");
    let wal = rewal::Wal::open(&live)
        .sync_mode(rewal::SyncMode::Batch)
        .build()
        .unwrap();
    for op in ops {
        if let Op::Single(payload) = op {
            wal.append(payload).unwrap();
        }
    }
    wal.sync().unwrap();
    // The file as it is while the log runs: what a crash would leave.
    let crashed = dir.path("crashed.wal");
    std::fs::copy(&live, &crashed).unwrap();
    wal.shutdown(Duration::from_secs(5)).unwrap();
    crashed
}

#[test]
fn a_preallocated_tail_left_by_a_crash_is_read_by_upstream() {
    let dir = Scratch::new("prealloc-upstream");
    let ops = singles();
    let crashed = crashed_with_a_preallocated_tail(&dir, &ops);
    let bytes = std::fs::read(&crashed).unwrap();
    let scan = rewal::inspect::scan_bytes(&bytes, |_| {}).unwrap();
    assert!(
        scan.valid_len < scan.file_len,
        "the crash copy has zeros after its frames"
    );
    assert_eq!(scan.end, rewal::inspect::LogEnd::Clean);
    assert_same_events(
        &read_upstream(&crashed, false),
        &expected(&ops),
        "rewal 0.1.0 reading a preallocated log",
    );
    assert_same_events(
        &read_ours(&crashed, false),
        &expected(&ops),
        "rewal reading a preallocated log",
    );
}

#[test]
fn a_cleanly_closed_durable_log_is_byte_identical_with_upstream() {
    // Preallocated while open, cut back to its frames at shutdown.
    let dir = Scratch::new("prealloc-identical");
    let ops = singles();
    let ours = dir.path("ours.wal");
    let wal = rewal::Wal::open(&ours)
        .sync_mode(rewal::SyncMode::Batch)
        .build()
        .unwrap();
    for op in &ops {
        if let Op::Single(payload) = op {
            let lsn = wal.append(payload).unwrap();
            wal.wait_durable(lsn).unwrap();
        }
    }
    wal.shutdown(Duration::from_secs(5)).unwrap();
    let theirs = dir.path("theirs.wal");
    write_upstream(&theirs, &ops, false);
    assert_same_bytes(
        &std::fs::read(&ours).unwrap(),
        &std::fs::read(&theirs).unwrap(),
        "durable appends, then shutdown",
    );
}
