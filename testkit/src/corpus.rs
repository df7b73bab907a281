//! Hostile files, the same for every target: other people's files (text,
//! images, programs, archives, files that begin with zeros or with "EWAL"),
//! the shapes a torn first write leaves, and damaged logs. The engine's
//! not-a-log campaign, the CLI's campaign (natively and its WASI build) and
//! the viewer's hostile-file test all read this corpus; it is fixed (no
//! random seed), so every target sees the same bytes.

use rewal::encoding::{self, HEADER_LEN, MAGIC, VERSION};

/// What a file is, as far as rewal is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Somebody else's file: refused as not a log, never modified.
    Stranger,
    /// What a torn first write (or space allocated ahead) leaves: the log's
    /// own file, which opens as an empty log.
    EmptyLog,
    /// A log, damaged or whole: read as far as it is valid.
    Log,
}

/// One file of the corpus.
pub struct Sample {
    pub name: String,
    pub bytes: Vec<u8>,
    pub kind: Kind,
}

fn sample(name: &str, bytes: impl Into<Vec<u8>>, kind: Kind) -> Sample {
    Sample {
        name: name.to_owned(),
        bytes: bytes.into(),
        kind,
    }
}

/// The whole corpus: strangers, empty-log shapes and damaged logs.
pub fn all() -> Vec<Sample> {
    let mut all = strangers();
    all.extend(empty_logs());
    all.extend(damaged_logs());
    all
}

/// xorshift bytes, so that the corpus needs no PRNG module.
fn noise(mut state: u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// The first bytes a log begins with: the magic and the version.
fn head() -> Vec<u8> {
    let mut head = MAGIC.to_vec();
    head.extend_from_slice(&VERSION.to_le_bytes());
    head
}

/// A frame header with the fields given, and no body.
fn header(version: u16, count: u32, first_lsn: u64, batch_size: u32) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&first_lsn.to_le_bytes());
    out.extend_from_slice(&batch_size.to_le_bytes());
    out
}

fn frame(lsn: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encoding::encode_event(&mut out, payload, b"", lsn, None).unwrap();
    out
}

/// Other people's files: each must be refused as not a log, untouched.
pub fn strangers() -> Vec<Sample> {
    use Kind::Stranger;
    let mut zeros_then_text = vec![0u8; 512];
    zeros_then_text.extend_from_slice(b"precious data\n");
    let mut zeros_then_hello = vec![0u8; 24];
    zeros_then_hello.extend_from_slice(b"hello");
    let mut zeros_then_byte = vec![0u8; 4096];
    zeros_then_byte.push(1);
    let mut short_zeros_then_byte = vec![0u8; 23];
    short_zeros_then_byte.push(b'x');
    let mut utf16 = vec![0xff, 0xfe];
    for unit in "hello, EWAL".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let mut random = noise(0x5eed, 4096);
    random[0] = 0x7f;
    let mut bad_crc_then_text = frame(1, b"a frame whose CRC is wrong");
    let last = bad_crc_then_text.len() - 1;
    bad_crc_then_text[last] ^= 0xff;
    bad_crc_then_text.extend_from_slice(b"\nand then a line of text\n");
    let with = |mut bytes: Vec<u8>, tail: &[u8]| {
        bytes.extend_from_slice(tail);
        bytes
    };
    vec![
        sample("text.txt", "hello, world\n", Stranger),
        sample(
            "readme.md",
            "# README\n\nThis file is not a log.\n".repeat(20),
            Stranger,
        ),
        sample(
            "data.json",
            r#"{"magic":"EWAL","events":[1,2,3]}"#,
            Stranger,
        ),
        sample("table.csv", "lsn,payload\n1,EWAL\n2,hello\n", Stranger),
        sample("script.sh", "#!/bin/sh\necho EWAL\n", Stranger),
        sample("utf8.txt", "Grüße, 世界, EWAL\n", Stranger),
        sample("utf16.txt", utf16, Stranger),
        sample("newline.txt", "\n", Stranger),
        sample("image.png", png(), Stranger),
        sample("image.gif", gif(), Stranger),
        sample("image.bmp", bmp(), Stranger),
        sample("photo.jpg", jpeg(), Stranger),
        // Files that begin with a zero byte but are not all zeros.
        sample(
            "icon.ico",
            with(vec![0, 0, 1, 0, 1, 0, 16, 16], &noise(1, 200)),
            Stranger,
        ),
        sample(
            "module.wasm",
            with(b"\0asm\x01\0\0\0".to_vec(), &noise(2, 300)),
            Stranger,
        ),
        sample(
            "program.elf",
            with(b"\x7fELF\x02\x01\x01\0".to_vec(), &noise(3, 2000)),
            Stranger,
        ),
        sample(
            "archive.zip",
            with(b"PK\x03\x04\x14\0".to_vec(), &noise(4, 500)),
            Stranger,
        ),
        sample(
            "archive.gz",
            with(vec![0x1f, 0x8b, 8, 0], &noise(5, 500)),
            Stranger,
        ),
        sample(
            "doc.pdf",
            with(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec(), &noise(6, 800)),
            Stranger,
        ),
        sample(
            "db.sqlite",
            with(b"SQLite format 3\0".to_vec(), &vec![0; 4080]),
            Stranger,
        ),
        sample("random.bin", random, Stranger),
        sample("zeros-then-text.bin", zeros_then_text, Stranger),
        sample("zeros-then-hello.bin", zeros_then_hello, Stranger),
        sample("zeros-then-a-byte.bin", zeros_then_byte, Stranger),
        sample("23-zeros-then-a-byte.bin", short_zeros_then_byte, Stranger),
        // Files that begin with "EWAL" and are not a log, nor what a torn
        // first write leaves.
        sample("ewald.txt", "EWALD wrote this\n", Stranger),
        sample(
            "ewal-words.txt",
            "EWAL and then some words that are long enough for a header",
            Stranger,
        ),
        sample("ewal-repeated.bin", "EWAL".repeat(100), Stranger),
        sample(
            "ewal-v1.bin",
            with(header(1, 1, 1, 100), &noise(7, 200)),
            Stranger,
        ),
        sample(
            "ewal-v3.bin",
            with(header(3, 1, 1, 100), &noise(8, 200)),
            Stranger,
        ),
        sample(
            "ewal-size-27.bin",
            with(header(2, 1, 1, 27), &noise(9, 200)),
            Stranger,
        ),
        sample(
            "ewal-no-events.bin",
            with(header(2, 0, 1, 100), &noise(10, 200)),
            Stranger,
        ),
        sample(
            "ewal-lsn-0.bin",
            with(header(2, 1, 0, 100), &noise(11, 200)),
            Stranger,
        ),
        sample(
            "ewal-lsn-overflow.bin",
            with(header(2, 3, u64::MAX, 60), &noise(12, 200)),
            Stranger,
        ),
        sample("ewal-bad-crc-then-text.bin", bad_crc_then_text, Stranger),
    ]
}

/// Every file of one to six bytes that begins like a log except for its
/// last byte (and is not all zeros), with and without text after it: not
/// a log, except a prefix of a header followed by a zero, which is what a
/// torn first write into space allocated ahead leaves (an empty log).
/// Many (1,530 of each).
pub fn altered_heads() -> Vec<Sample> {
    let head = head();
    let mut out = Vec::new();
    for len in 1..=head.len() {
        for byte in 0..=255u8 {
            let mut bytes = head[..len - 1].to_vec();
            bytes.push(byte);
            if byte == head[len - 1] || bytes.iter().all(|&b| b == 0) {
                continue;
            }
            let name = format!("head-{len}-{byte:02x}.bin");
            let kind = match byte {
                0 => Kind::EmptyLog,
                _ => Kind::Stranger,
            };
            out.push(sample(&name, bytes.clone(), kind));
            bytes.extend_from_slice(b" and some text after it, long enough for a header\n");
            out.push(sample(&format!("{name}.txt"), bytes, Kind::Stranger));
        }
    }
    out
}

/// What a torn first write, or space allocated and never written, leaves:
/// the log's own file, opened as an empty log.
pub fn empty_logs() -> Vec<Sample> {
    use Kind::EmptyLog;
    let first = frame(1, b"a first event that was never finished");
    let mut out = vec![
        sample("empty.wal", Vec::new(), EmptyLog),
        sample("zeros-1.wal", vec![0], EmptyLog),
        sample("zeros-100.wal", vec![0; 100], EmptyLog),
        sample("zeros-4096.wal", vec![0; 4096], EmptyLog),
    ];
    for len in 1..=head().len() {
        out.push(sample(&format!("head-{len}.wal"), &head()[..len], EmptyLog));
    }
    for len in [HEADER_LEN, HEADER_LEN + 1, first.len() - 1] {
        out.push(sample(
            &format!("first-frame-{len}.wal"),
            &first[..len],
            EmptyLog,
        ));
    }
    let mut huge = header(2, 1, 1, u32::MAX);
    huge.extend_from_slice(&[0xab; 40]);
    out.push(sample("huge-claim.wal", huge, EmptyLog));
    let mut claim_then_zeros = header(2, 1, 1, 60);
    claim_then_zeros.extend_from_slice(&noise(13, 36));
    claim_then_zeros.extend_from_slice(&[0; 100]);
    out.push(sample("claim-then-zeros.wal", claim_then_zeros, EmptyLog));
    out
}

/// Damaged logs: torn tails (some through payloads that embed frames),
/// flipped bits, LSNs out of order, a lying size in the middle, zeros
/// after the last frame.
pub fn damaged_logs() -> Vec<Sample> {
    use Kind::Log;
    let mut log = Vec::new();
    for lsn in 1..=4 {
        log.extend(frame(lsn, format!("event {lsn}").as_bytes()));
    }
    let clean = log.len();
    let mut embedded = frame(100, b"embedded, far ahead");
    embedded.extend(frame(101, b"embedded too"));
    log.extend(frame(5, &embedded));
    let mut out = vec![sample("whole.wal", log.clone(), Log)];
    for cut in [
        clean + 1,
        clean + 10,
        clean + 24,
        clean + 40,
        log.len() - 30,
        log.len() - 1,
    ] {
        out.push(sample(&format!("torn-at-{cut}.wal"), &log[..cut], Log));
    }
    for byte in [0, 3, 5, 9, 14, 21, 30, 60, clean - 2, clean + 50] {
        let mut flipped = log.clone();
        flipped[byte] ^= 0x10;
        out.push(sample(&format!("flipped-byte-{byte}.wal"), flipped, Log));
    }
    let mut lying = log.clone();
    let second = frame(1, b"event 1").len();
    lying[second + 20..second + 24].copy_from_slice(&0x4000u32.to_le_bytes());
    out.push(sample("lying-size.wal", lying, Log));
    let backward = [frame(5, b"five"), frame(3, b"three")].concat();
    out.push(sample("lsn-backward.wal", backward, Log));
    let repeated = [frame(1, b"from a.wal"), frame(1, b"from b.wal")].concat();
    out.push(sample("lsn-repeated.wal", repeated, Log));
    let mut zero_tail = log.clone();
    zero_tail.extend_from_slice(&[0; 4096]);
    out.push(sample("zeros-after-the-log.wal", zero_tail, Log));
    let mut garbage_tail = log[..clean].to_vec();
    garbage_tail.extend(noise(14, 3000));
    out.push(sample("garbage-after-the-log.wal", garbage_tail, Log));
    out
}

// ---------------------------------------------------------------- images

/// CRC-32 (IEEE), as PNG chunks use it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A valid 4×4 grey PNG (its image data in one stored deflate block).
fn png() -> Vec<u8> {
    let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&4u32.to_be_bytes());
    ihdr.extend_from_slice(&4u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grey
    chunk(&mut out, b"IHDR", &ihdr);
    let raw: Vec<u8> = (0..4u8)
        .flat_map(|row| [0, row * 60, 80, 160, 240])
        .collect();
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    let mut zlib = vec![0x78, 0x01, 1];
    zlib.extend_from_slice(&(raw.len() as u16).to_le_bytes());
    zlib.extend_from_slice(&(!(raw.len() as u16)).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A valid 1×1 GIF.
fn gif() -> Vec<u8> {
    let mut out = b"GIF89a".to_vec();
    out.extend_from_slice(&[1, 0, 1, 0, 0x80, 0, 0]); // screen, 2-colour table
    out.extend_from_slice(&[0xff, 0xff, 0xff, 0, 0, 0]);
    out.extend_from_slice(&[0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0]); // image
    out.extend_from_slice(&[2, 2, 0x44, 1, 0, 0x3b]); // LZW data, trailer
    out
}

/// A valid 2×2 24-bit BMP.
fn bmp() -> Vec<u8> {
    let pixels: Vec<u8> = [[0u8, 0, 255], [0, 255, 0], [255, 0, 0], [255, 255, 255]]
        .chunks(2)
        .flat_map(|row| {
            let mut line: Vec<u8> = row.iter().flatten().copied().collect();
            line.extend_from_slice(&[0, 0]); // rows pad to 4 bytes
            line
        })
        .collect();
    let mut out = b"BM".to_vec();
    out.extend_from_slice(&(54 + pixels.len() as u32).to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&2i32.to_le_bytes());
    out.extend_from_slice(&2i32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(&[0; 24]);
    out.extend_from_slice(&pixels);
    out
}

/// A JPEG's markers (SOI, APP0 "JFIF", a comment), noise, EOI.
fn jpeg() -> Vec<u8> {
    let mut out = vec![0xff, 0xd8, 0xff, 0xe0, 0, 16];
    out.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    out.extend_from_slice(&[0xff, 0xfe, 0, 6]);
    out.extend_from_slice(b"EWAL");
    out.extend(noise(15, 1000));
    out.extend_from_slice(&[0xff, 0xd9]);
    out
}
