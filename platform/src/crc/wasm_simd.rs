//! CRC-32C with WebAssembly SIMD128: sixteen CRCs at once, one per byte lane.
//!
//! Compiled when the build enables `simd128` (`-C target-feature=+simd128`;
//! this workspace's `.cargo/config.toml` does for its wasm targets). wasm
//! has no carry-less multiply and no gather, but it has `i8x16.swizzle`: a
//! lookup of sixteen bytes at once in a sixteen-entry byte table. That is
//! enough for the byte-at-a-time CRC, run in sixteen lanes:
//!
//! - **Sixteen streams.** A superblock of `16 × stream` bytes is cut into
//!   sixteen consecutive streams; lane `i` runs the CRC register of stream
//!   `i`. Lane `i`'s register lives in four vectors, `s[j]` holding its
//!   byte `j`, so the register's `>> 8` is just renaming the vectors.
//! - **One step per byte.** The classic step is
//!   `r = (r >> 8) ^ T[(r ^ byte) & 0xFF]`. The table is linear, so
//!   `T[x] = T[x & 0x0F] ^ T[x & 0xF0]`: two sixteen-entry tables per
//!   result byte, eight swizzles per step for all sixteen lanes.
//! - **Transposed input.** Each step needs the next byte of every stream in
//!   one vector: sixteen loads (one per stream) and a 16 × 16 byte
//!   transpose give the next sixteen steps' inputs.
//! - **Joined at the end.** The sixteen registers are folded into one,
//!   `acc = acc · x^(8·stream) ^ r_i`, with a [`ShiftTable`] for the fixed
//!   stream length (module `shift`).
//!
//! A join is fifteen table shifts: little beside a 4 KiB superblock, a
//! fair share of a 256-byte one. So long inputs go in 4 KiB superblocks,
//! what is left in 1 KiB and then 256-byte ones, and the last bytes (under
//! 256) through the portable slicing-by-16 loop.

use crate::crc::portable as crc_portable;
use core::arch::wasm32::{
    i8x16_shuffle, u8x16_shr, u8x16_splat, v128, v128_and, v128_load, v128_xor,
};

// Only the fixed-shift table is needed here, not the carry-less constants.
#[allow(dead_code)]
#[path = "shift.rs"]
mod shift;
use shift::ShiftTable;

/// Tables that advance a register over one stream of 256, 64 and 16
/// bytes: the three superblock sizes.
static JOIN_256: ShiftTable = ShiftTable::new(256);
static JOIN_64: ShiftTable = ShiftTable::new(64);
static JOIN_16: ShiftTable = ShiftTable::new(16);

/// Byte `j` of `T[n << at]` for `n` in `0..16`: the swizzle table for
/// result byte `j` and the low (`at = 0`) or high (`at = 4`) nibble.
const fn nibble_table(j: usize, at: usize) -> [u8; 16] {
    let table = crc_portable::byte_table();
    let mut out = [0u8; 16];
    let mut n = 0;
    while n < 16 {
        out[n] = (table[n << at] >> (8 * j)) as u8;
        n += 1;
    }
    out
}

/// `[low nibble, high nibble]` swizzle tables for each result byte.
static NIBBLE_TABLES: [[[u8; 16]; 2]; 4] = [
    [nibble_table(0, 0), nibble_table(0, 4)],
    [nibble_table(1, 0), nibble_table(1, 4)],
    [nibble_table(2, 0), nibble_table(2, 4)],
    [nibble_table(3, 0), nibble_table(3, 4)],
];

/// Extends the finished CRC-32C `crc` over `data`.
pub(crate) fn update(crc: u32, data: &[u8]) -> u32 {
    let mut register = !crc;
    let data = superblocks::<256>(&mut register, data, &JOIN_256);
    let data = superblocks::<64>(&mut register, data, &JOIN_64);
    let data = superblocks::<16>(&mut register, data, &JOIN_16);
    crc_portable::update(!register, data)
}

/// Advances the raw `register` over the leading superblocks of
/// `16 × STREAM` bytes of `data`; returns the rest (shorter than one).
fn superblocks<'a, const STREAM: usize>(
    register: &mut u32,
    mut data: &'a [u8],
    join: &ShiftTable,
) -> &'a [u8] {
    while let Some((block, rest)) = data.split_at_checked(16 * STREAM) {
        let lanes = lane_registers::<STREAM>(*register, block);
        // Stream 0 started from `register`, the others from zero: shift
        // each partial register past the streams after it, add them up.
        *register = lanes[1..]
            .iter()
            .fold(lanes[0], |acc, &lane| join.shift(acc) ^ lane);
        data = rest;
    }
    data
}

/// Runs the sixteen streams of `superblock` (`16 × STREAM` bytes); lane 0
/// starts from `register`, the others from zero. Returns each stream's raw
/// register.
fn lane_registers<const STREAM: usize>(register: u32, superblock: &[u8]) -> [u32; 16] {
    assert!(STREAM & 15 == 0 && superblock.len() == 16 * STREAM);
    let load = |table: &[u8; 16]| {
        // SAFETY: `table` is 16 readable bytes; v128_load allows any
        // alignment.
        unsafe { v128_load(table.as_ptr().cast()) }
    };
    let low: [v128; 4] = NIBBLE_TABLES.map(|pair| load(&pair[0]));
    let high: [v128; 4] = NIBBLE_TABLES.map(|pair| load(&pair[1]));

    // s[j] holds byte j of every lane's register.
    let mut first = [[0u8; 16]; 4];
    for (j, byte) in register.to_le_bytes().into_iter().enumerate() {
        first[j][0] = byte;
    }
    let mut state = first.map(|bytes| load(&bytes));

    for at in (0..STREAM).step_by(16) {
        // SAFETY: stream i's bytes [at, at + 16) lie inside the superblock
        // (at + 16 <= STREAM, checked above); v128_load allows any
        // alignment.
        let row = |i: usize| unsafe { v128_load(superblock.as_ptr().add(i * STREAM + at).cast()) };
        let inputs = transpose([
            row(0),
            row(1),
            row(2),
            row(3),
            row(4),
            row(5),
            row(6),
            row(7),
            row(8),
            row(9),
            row(10),
            row(11),
            row(12),
            row(13),
            row(14),
            row(15),
        ]);
        // Spelled out: a loop here is left rolled, and its inputs spill to
        // memory.
        macro_rules! steps {
            ($($k:literal)*) => { $( state = step(state, inputs[$k], &low, &high); )* };
        }
        steps!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    }

    let mut bytes = [[0u8; 16]; 4];
    for (out, vector) in bytes.iter_mut().zip(state) {
        // SAFETY: `out` is 16 writable bytes; v128_store allows any
        // alignment.
        unsafe { core::arch::wasm32::v128_store(out.as_mut_ptr().cast(), vector) };
    }
    core::array::from_fn(|lane| {
        u32::from_le_bytes([
            bytes[0][lane],
            bytes[1][lane],
            bytes[2][lane],
            bytes[3][lane],
        ])
    })
}

/// One byte step in all sixteen lanes: `state[j]` holds byte `j` of each
/// lane's register, `input` the next byte of each stream.
#[inline(always)]
fn step(state: [v128; 4], input: v128, low: &[v128; 4], high: &[v128; 4]) -> [v128; 4] {
    let x = v128_xor(state[0], input);
    let lo = v128_and(x, u8x16_splat(0x0F));
    let hi = u8x16_shr(x, 4);
    let lookup = |j: usize| v128_xor(swizzle(low[j], lo), swizzle(high[j], hi));
    // The register's `>> 8` moves byte j + 1 down to byte j.
    [
        v128_xor(state[1], lookup(0)),
        v128_xor(state[2], lookup(1)),
        v128_xor(state[3], lookup(2)),
        lookup(3),
    ]
}

/// `table[index]` in every lane, for indices below 16.
///
/// With `relaxed-simd` (our WASI build; wasmtime has it) this is the
/// relaxed swizzle, one instruction on x86_64: the strict one spends another
/// to zero the lanes of out-of-range indices, which never occur here.
#[inline(always)]
fn swizzle(table: v128, index: v128) -> v128 {
    // Relaxed SIMD intrinsics need Rust 1.82: a build that enables the
    // feature needs that Rust too (the crate's 1.81 is without it).
    #[cfg(target_feature = "relaxed-simd")]
    #[allow(clippy::incompatible_msrv)]
    {
        core::arch::wasm32::i8x16_relaxed_swizzle(table, index)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        core::arch::wasm32::u8x16_swizzle(table, index)
    }
}

/// Transposes a 16 × 16 byte matrix held as sixteen row vectors: four
/// rounds of interleaving row `i` with row `i + 8` (each round moves one
/// bit of the row index into the column index).
#[inline(always)]
fn transpose(rows: [v128; 16]) -> [v128; 16] {
    interleave(interleave(interleave(interleave(rows))))
}

/// One round of [`transpose`].
#[inline(always)]
fn interleave(v: [v128; 16]) -> [v128; 16] {
    let low = |a, b| i8x16_shuffle::<0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23>(a, b);
    let high =
        |a, b| i8x16_shuffle::<8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31>(a, b);
    [
        low(v[0], v[8]),
        high(v[0], v[8]),
        low(v[1], v[9]),
        high(v[1], v[9]),
        low(v[2], v[10]),
        high(v[2], v[10]),
        low(v[3], v[11]),
        high(v[3], v[11]),
        low(v[4], v[12]),
        high(v[4], v[12]),
        low(v[5], v[13]),
        high(v[5], v[13]),
        low(v[6], v[14]),
        high(v[6], v[14]),
        low(v[7], v[15]),
        high(v[7], v[15]),
    ]
}
