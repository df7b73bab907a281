//! CRC-32C: known vectors, chaining, and hardware == portable == a
//! bit-at-a-time reference on pseudo-random data.

use rewal_platform::{crc32c, crc32c_hardware, crc32c_portable};

/// A CRC-32C update function: finished CRC so far, more data, new CRC.
type Update = fn(u32, &[u8]) -> u32;

/// Every implementation under test, by name. The hardware one is left out
/// when this CPU or target has none.
fn implementations() -> Vec<(&'static str, Update)> {
    let mut list: Vec<(&'static str, Update)> =
        vec![("crc32c", crc32c), ("portable", crc32c_portable)];
    if crc32c_hardware(0, b"").is_some() {
        list.push(("hardware", |crc, data| {
            crc32c_hardware(crc, data).expect("hardware CRC went away")
        }));
    }
    list
}

/// The CRC-32C straight from its definition, one bit at a time: reflected
/// polynomial 0x82F63B78, register preset to all ones, output inverted.
fn reference(crc: u32, data: &[u8]) -> u32 {
    let mut state = !crc;
    for &byte in data {
        state ^= u32::from(byte);
        for _ in 0..8 {
            state = if state & 1 != 0 {
                (state >> 1) ^ 0x82F6_3B78
            } else {
                state >> 1
            };
        }
    }
    !state
}

/// xorshift64: small, deterministic, good enough to scramble test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..bound` (bound > 0; the slight modulo bias is harmless).
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next().to_le_bytes()[3]).collect()
    }
}

#[test]
fn known_vectors() {
    let ascending: Vec<u8> = (0..=31).collect();
    let vectors: [(&[u8], u32); 5] = [
        (b"", 0),
        (b"123456789", 0xE306_9283),
        (&[0x00; 32], 0x8A91_36AA),
        (&[0xFF; 32], 0x62A8_AB43),
        (&ascending, 0x46DD_794E),
    ];
    for (name, update) in implementations() {
        for (data, expected) in vectors {
            assert_eq!(update(0, data), expected, "{name} on {data:02x?}");
        }
    }
    for (data, expected) in vectors {
        assert_eq!(reference(0, data), expected, "reference on {data:02x?}");
    }
}

#[test]
fn chaining_equals_one_shot() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let data = rng.bytes(100_000);
    for (name, update) in implementations() {
        let whole = update(0, &data);
        for split in [
            0, 1, 7, 8, 9, 15, 16, 17, 255, 768, 4096, 24_576, 50_000, 99_999,
        ] {
            let (a, b) = data.split_at(split);
            assert_eq!(update(update(0, a), b), whole, "{name}, split at {split}");
        }
        // Many small pieces of random sizes.
        let mut crc = 0;
        let mut rest = &data[..];
        while !rest.is_empty() {
            let (piece, tail) = rest.split_at(rng.below(rest.len().min(3000)) + 1);
            crc = update(crc, piece);
            rest = tail;
        }
        assert_eq!(crc, whole, "{name}, random pieces");
    }
}

#[test]
fn portable_matches_reference() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    let buffer = rng.bytes(8192);
    for len in 0..=1100 {
        let start = rng.below(64);
        let data = &buffer[start..start + len];
        let crc = rng.next() as u32;
        assert_eq!(
            crc32c_portable(crc, data),
            reference(crc, data),
            "len {len}, start {start}"
        );
    }
}

/// Lengths that land on, just before and just after the boundaries of the
/// hardware paths, each widened by ±17 so that every head/tail size (0..8
/// odd bytes, 0..2 extra words of the three-way split) meets each boundary:
///
/// - 32 bytes, where the single stream starts its 32-byte block loop, and
///   176 bytes, where it hands over to three streams;
/// - the small multiples of 24 bytes (three streams of 1, 2, 3 words, for
///   a path that takes them);
/// - 3 × 8 KiB = 24 576 bytes and its multiples: the long blocks (of both
///   the carry-less multiply join and the table join);
/// - 3 × 256 = 768 bytes and its multiples, alone and after long blocks:
///   the short blocks of the table join (used when the CPU has no
///   carry-less multiply);
/// - sums of 4096-, 1024- and 256-byte superblocks: the three sizes of the
///   wasm SIMD128 path.
fn boundary_lengths() -> Vec<usize> {
    let mut bases = vec![24, 32, 48, 72, 176];
    for long_blocks in 0..=3_usize {
        for short_blocks in [0, 1, 2, 31] {
            bases.push(long_blocks * 3 * 8192 + short_blocks * 3 * 256);
        }
    }
    for large in 0..=2_usize {
        for medium in [0, 1, 3] {
            for small in [0, 1, 3] {
                bases.push(large * 4096 + medium * 1024 + small * 256);
            }
        }
    }
    let mut lengths: Vec<usize> = bases
        .into_iter()
        .flat_map(|base| (-17..=17_isize).filter_map(move |delta| base.checked_add_signed(delta)))
        .collect();
    lengths.sort_unstable();
    lengths.dedup();
    lengths
}

/// Every start alignment a path could care about (the widest load is 8
/// bytes; 16 also covers pairs of loads).
const ALIGNMENTS: std::ops::Range<usize> = 0..16;

/// Compares the hardware CRC with the portable one on `buffer[start..][..len]`
/// from the register value `crc`.
fn check_hardware(buffer: &[u8], len: usize, start: usize, crc: u32) {
    let data = &buffer[start..start + len];
    assert_eq!(
        crc32c_hardware(crc, data),
        Some(crc32c_portable(crc, data)),
        "len {len}, start {start}, crc {crc:#010x}"
    );
}

#[test]
fn hardware_matches_portable() {
    if crc32c_hardware(0, b"").is_none() {
        eprintln!("no hardware CRC-32C on this CPU/target: nothing to compare");
        return;
    }
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    let buffer = rng.bytes(200_000 + 64);

    // Every length up to well past the single-stream limit, at every
    // alignment: all tail shapes of the single stream, and every head size
    // with every word count mod 3 of the three-way split.
    for len in 0..=1200 {
        for start in ALIGNMENTS {
            check_hardware(&buffer, len, start, rng.next() as u32);
        }
    }
    // Around every block boundary, at every alignment.
    for len in boundary_lengths() {
        for start in ALIGNMENTS {
            check_hardware(&buffer, len, start, rng.next() as u32);
        }
    }
    // Random lengths all the way up.
    for _ in 0..300 {
        check_hardware(
            &buffer,
            rng.below(200_000),
            rng.below(64),
            rng.next() as u32,
        );
    }
}

/// The CRC of a whole input equals the CRC continued piece by piece across
/// every path boundary: a hardware call's incoming CRC feeds the first
/// stream (or the odd head bytes) and must survive each path.
#[test]
fn hardware_chains_across_paths() {
    if crc32c_hardware(0, b"").is_none() {
        eprintln!("no hardware CRC-32C on this CPU/target: nothing to compare");
        return;
    }
    let mut rng = Rng(0x5EED_0FC4_A100_0001);
    let data = rng.bytes(3 * 24_576 + 4096);
    let whole = crc32c_portable(0, &data);
    for first in boundary_lengths()
        .into_iter()
        .filter(|&len| len <= data.len())
    {
        let (a, b) = data.split_at(first);
        let crc = crc32c_hardware(0, a).unwrap();
        assert_eq!(crc32c_hardware(crc, b), Some(whole), "split at {first}");
    }
}
