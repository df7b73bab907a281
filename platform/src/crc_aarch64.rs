//! CRC-32C with the ARMv8 CRC instructions: one stream for short inputs,
//! three interleaved streams for everything else.
//!
//! The structure is that of the x86_64 version (`crc_x86_64.rs`); only the
//! instructions differ: `crc32c{b,h,w,x}` for the steps, PMULL (the `aes`
//! feature) for the carry-less multiply.
//!
//! # Why three streams
//!
//! `crc32cx` folds 8 bytes into the register with a latency of 2 to 3
//! cycles (core dependent) but a throughput of one per cycle. A single
//! chain of them waits on its own result and reaches at most half of the
//! possible speed. So an input is cut into three parts, A, B and C, whose
//! CRCs are computed side by side with three independent registers (three
//! instructions in flight, one retiring per cycle), and then joined.
//!
//! # Joining the parts
//!
//! The raw CRC register (no inversions) is linear over GF(2): running it
//! over data `D` from the start value `s` gives `shift(s, |D|) ^ run(0, D)`,
//! where `shift(s, n)` is `s` run over `n` zero bytes, which is
//! `s * x^(8n) mod P` (see [`shift`]). With A started from the incoming
//! register and B and C from 0:
//!
//! ```text
//! register after A ++ B ++ C = shift(a, |B| + |C|) ^ shift(b, |C|) ^ c
//! ```
//!
//! The two shifts are independent of each other, so they run in parallel,
//! and C's last words are still being fed while they do.
//!
//! # The paths
//!
//! [`update`] picks one by length; each is its own function, so that short
//! inputs pay for no set-up they do not use.
//!
//! - Below [`BLOCK`] bytes: a chain of 8-byte steps, then the 0 to 7 bytes
//!   left with at most one 4-, one 2- and one 1-byte step (no byte loop).
//! - Below [`THREE_WAY_MIN`] bytes: the same after a loop over 32-byte
//!   blocks of four steps. Back-to-back independent calls overlap in the
//!   CPU, so up to that length one chain is as fast as three streams plus
//!   the join.
//! - With PMULL (detected at run time as the `aes` feature, which covers
//!   it): the first `len % 8` bytes go first, the same way, so that whole
//!   8-byte words remain. Those are cut into near-equal thirds — A and B
//!   `q = words / 3` words each, C the other 0 to 2 more — and joined with
//!   two carry-less multiplies by `x^(64w - 33)`, looked up by word count
//!   `w` in [`WORD_SHIFTS`] ([`shift`], "Shifting with a carry-less
//!   multiply"). The division by 3 is by a constant, i.e. a multiply. Very
//!   long inputs go through blocks of 3 × [`LONG_WORDS`] words first, which
//!   bounds the table; the join cost is negligible there.
//! - Without PMULL: fixed blocks of 3 × 8 KiB and then 3 × 256 bytes,
//!   joined with [`shift::ShiftTable`]s (four lookups per shift), and what
//!   is left (< 768 bytes) in a single chain.
//!
//! [`update`] itself is kept to one feature load, the length tests and one
//! call, so that callers inline it.

use core::arch::aarch64::{__crc32cb, __crc32cd, __crc32ch, __crc32cw, vmull_p64};
use std::sync::atomic::{AtomicU8, Ordering};

#[path = "crc_shift.rs"]
mod shift;

use shift::ShiftTable;

/// Bytes per block of the single-stream loop; shorter inputs skip it.
const BLOCK: usize = 32;

/// Inputs shorter than this run single-stream. The value is the one
/// measured on x86_64 (Zen 4, back-to-back independent calls, where
/// consecutive calls overlap well enough below it that the split and join
/// do not pay); it has not been tuned on aarch64 hardware.
const THREE_WAY_MIN: usize = 176;

/// Words (8 bytes) per stream in a long block of the PMULL path.
const LONG_WORDS: usize = 1024;

/// `WORD_SHIFTS[w]` is `x^(64w - 33) mod P`: the carry-less multiply
/// constant that advances a register over `w` zero words. A three-way
/// split of at most `3 * LONG_WORDS` words has its parts followed by at
/// most `words - words / 3 ≤ 2 * LONG_WORDS` words.
static WORD_SHIFTS: [u32; 2 * LONG_WORDS + 1] = shift::word_shifts();

/// Bytes per stream in a long block of the table path.
const LONG: usize = 8192;
/// Bytes per stream in a short block of the table path.
const SHORT: usize = 256;

/// Advances a register over `LONG` zero bytes.
static SHIFT_LONG: ShiftTable = ShiftTable::new(LONG);
/// Advances a register over `SHORT` zero bytes.
static SHIFT_SHORT: ShiftTable = ShiftTable::new(SHORT);

/// Set in [`FEATURES`] once detection has run.
const DETECTED: u8 = 1;
/// Set in [`FEATURES`] if the CPU has the CRC extension.
const CRC: u8 = 2;
/// Set in [`FEATURES`] if the CPU has PMULL as well.
const PMULL: u8 = 4;

/// What `std::arch::is_aarch64_feature_detected!` reported for this CPU, as
/// the bits above; 0 until the first call has asked. One load for both
/// answers and one cold call in [`update`], as on x86_64 (where std's two
/// checks measurably cost short inputs).
///
/// Relaxed ordering suffices: the byte is the only data, and every thread
/// that detects computes the same value.
static FEATURES: AtomicU8 = AtomicU8::new(0);

/// Runs detection, records it in [`FEATURES`] and returns it.
#[cold]
#[inline(never)]
fn detect() -> u8 {
    let mut features = DETECTED;
    if std::arch::is_aarch64_feature_detected!("crc") {
        features |= CRC;
        // The `aes` feature covers FEAT_PMULL.
        if std::arch::is_aarch64_feature_detected!("aes") {
            features |= PMULL;
        }
    }
    FEATURES.store(features, Ordering::Relaxed);
    features
}

/// Extends the CRC-32C `crc` of some preceding bytes (0 for none) over
/// `data` with the CRC instructions; `None` if this CPU lacks them.
///
/// The result equals `crc_portable::update(crc, data)`.
#[inline]
pub fn update(crc: u32, data: &[u8]) -> Option<u32> {
    let mut features = FEATURES.load(Ordering::Relaxed);
    if features == 0 {
        features = detect();
    }
    if features & CRC == 0 {
        return None;
    }
    // The finished CRC is the inverted register; undo that to resume.
    let register = !crc;
    let register = if data.len() < BLOCK {
        // SAFETY: `words_then_bytes` requires only the CRC extension, which
        // FEATURES says this CPU has.
        unsafe { words_then_bytes(register, data) }
    } else if data.len() < THREE_WAY_MIN {
        // SAFETY: as above, for `single_stream`.
        unsafe { single_stream(register, data) }
    } else if features & PMULL != 0 {
        // SAFETY: `three_way_pmull` requires the CRC extension and PMULL
        // (the `aes` target feature), which FEATURES says this CPU has.
        unsafe { three_way_pmull(register, data) }
    } else {
        // SAFETY: `three_way_tables` requires only the CRC extension, see
        // above.
        unsafe { three_way_tables(register, data) }
    };
    Some(!register)
}

/// The raw register run over 0 to 7 `bytes` with at most one 4-, one 2-
/// and one 1-byte step (only the first 7 bytes of a longer input count).
#[target_feature(enable = "crc")]
#[inline]
fn short_bytes(register: u32, bytes: &[u8]) -> u32 {
    let mut register = register;
    let mut rest = bytes;
    if let Some((four, tail)) = rest.split_first_chunk::<4>() {
        register = __crc32cw(register, u32::from_le_bytes(*four));
        rest = tail;
    }
    if let Some((two, tail)) = rest.split_first_chunk::<2>() {
        register = __crc32ch(register, u16::from_le_bytes(*two));
        rest = tail;
    }
    if let Some(&one) = rest.first() {
        register = __crc32cb(register, one);
    }
    register
}

/// The raw register run over `data` in one chain of 8-byte steps, then
/// the rest with [`short_bytes`]. Meant for fewer than [`BLOCK`] bytes
/// (correct for any length).
#[target_feature(enable = "crc")]
fn words_then_bytes(register: u32, data: &[u8]) -> u32 {
    let mut register = register;
    let mut rest = data;
    while let Some((word, tail)) = rest.split_first_chunk::<8>() {
        register = __crc32cd(register, u64::from_le_bytes(*word));
        rest = tail;
    }
    short_bytes(register, rest)
}

/// The raw register run over `data` in one chain: [`BLOCK`]-byte blocks
/// of four steps, then the rest as in [`words_then_bytes`].
#[target_feature(enable = "crc")]
fn single_stream(register: u32, data: &[u8]) -> u32 {
    let mut register = register;
    let mut rest = data;
    while let Some((block, tail)) = rest.split_first_chunk::<BLOCK>() {
        let (words, _) = block.as_chunks::<8>();
        for word in words {
            register = __crc32cd(register, u64::from_le_bytes(*word));
        }
        rest = tail;
    }
    while let Some((word, tail)) = rest.split_first_chunk::<8>() {
        register = __crc32cd(register, u64::from_le_bytes(*word));
        rest = tail;
    }
    short_bytes(register, rest)
}

/// `shift(a, wa words) ^ shift(b, wb words)` (module docs), with the
/// constants `ka = WORD_SHIFTS[wa]`, `kb = WORD_SHIFTS[wb]`.
#[target_feature(enable = "crc,aes")]
#[inline]
fn shift_two(a: u32, ka: u32, b: u32, kb: u32) -> u32 {
    // Each carry-less product of two 32-bit values fits in the low 64 bits
    // (so the casts lose nothing); XORing the products first is allowed
    // because the final CRC step is linear, and saves one step (see
    // `shift`, "Shifting with a carry-less multiply", for why the step
    // finishes the multiplication).
    let product_a = vmull_p64(u64::from(a), u64::from(ka)) as u64;
    let product_b = vmull_p64(u64::from(b), u64::from(kb)) as u64;
    __crc32cd(0, product_a ^ product_b)
}

/// The raw register run over `words` in three interleaved streams: with
/// `q = words.len() / 3`, A the first `q` words, B the next `q`, C the rest
/// (`q` to `q + 2`), joined with [`shift_two`].
///
/// # Safety
///
/// The CPU must have the CRC extension and PMULL, and `words` must hold at
/// most `3 * LONG_WORDS` words (so that the join's constants are in
/// [`WORD_SHIFTS`]).
#[target_feature(enable = "crc,aes")]
#[inline]
unsafe fn three_streams(register: u32, words: &[[u8; 8]]) -> u32 {
    debug_assert!(words.len() <= 3 * LONG_WORDS);
    let q = words.len() / 3;
    // SAFETY: 3q ≤ words.len(), so each split point is within its slice:
    // q ≤ words.len(), then q ≤ words.len() - q, then q ≤ words.len() - 2q.
    // The compiler cannot see this through the division; the checks it
    // would emit here (and for the table below) were measured on x86_64
    // to cost several percent at a few hundred bytes.
    let (a, b, c, c_rest) = unsafe {
        let (a, rest) = words.split_at_unchecked(q);
        let (b, c) = rest.split_at_unchecked(q);
        let (c, c_rest) = c.split_at_unchecked(q);
        (a, b, c, c_rest)
    };

    let (mut crc_a, mut crc_b, mut crc_c) = (register, 0, 0);
    for ((word_a, word_b), word_c) in a.iter().zip(b).zip(c) {
        crc_a = __crc32cd(crc_a, u64::from_le_bytes(*word_a));
        crc_b = __crc32cd(crc_b, u64::from_le_bytes(*word_b));
        crc_c = __crc32cd(crc_c, u64::from_le_bytes(*word_c));
    }
    // C's 0 to 2 extra words; they overlap with the multiplies below,
    // which do not need C.
    for word_c in c_rest {
        crc_c = __crc32cd(crc_c, u64::from_le_bytes(*word_c));
    }

    // Join: A is followed by B and C (all but q words), B by C (all but
    // 2q).
    // SAFETY: words.len() - 2q ≤ words.len() - q ≤ 2 * LONG_WORDS because
    // words.len() ≤ 3 * LONG_WORDS (the caller's promise), and the table
    // has 2 * LONG_WORDS + 1 entries.
    let (ka, kb) = unsafe {
        (
            *WORD_SHIFTS.get_unchecked(words.len() - q),
            *WORD_SHIFTS.get_unchecked(words.len() - 2 * q),
        )
    };
    shift_two(crc_a, ka, crc_b, kb) ^ crc_c
}

/// The raw register run over `data` with three streams, joined by
/// carry-less multiplies (module docs).
#[target_feature(enable = "crc,aes")]
fn three_way_pmull(register: u32, data: &[u8]) -> u32 {
    // The odd bytes first, so that whole words remain.
    let (head, body) = data.split_at(data.len() % 8);
    let mut register = short_bytes(register, head);
    let (mut words, _) = body.as_chunks::<8>();
    while words.len() > 3 * LONG_WORDS {
        let (block, rest) = words.split_at(3 * LONG_WORDS);
        // SAFETY: the features are enabled for this function, and the
        // block is exactly 3 * LONG_WORDS words.
        register = unsafe { three_streams(register, block) };
        words = rest;
    }
    // SAFETY: the features are enabled for this function, and the loop
    // left at most 3 * LONG_WORDS words.
    unsafe { three_streams(register, words) }
}

/// The raw register run over `data` with three streams in fixed blocks,
/// joined by shift tables, for CPUs without PMULL (module docs).
#[target_feature(enable = "crc")]
fn three_way_tables(register: u32, data: &[u8]) -> u32 {
    let mut register = register;
    let mut rest = data;

    for (len, table) in [(LONG, &SHIFT_LONG), (SHORT, &SHIFT_SHORT)] {
        let mut blocks = rest.chunks_exact(3 * len);
        for block in &mut blocks {
            // `len` is a multiple of 8: the block is whole words, and each
            // part is `len / 8` of them.
            let (words, _) = block.as_chunks::<8>();
            let (a, bc) = words.split_at(len / 8);
            let (b, c) = bc.split_at(len / 8);

            let (mut crc_a, mut crc_b, mut crc_c) = (register, 0, 0);
            for ((word_a, word_b), word_c) in a.iter().zip(b).zip(c) {
                crc_a = __crc32cd(crc_a, u64::from_le_bytes(*word_a));
                crc_b = __crc32cd(crc_b, u64::from_le_bytes(*word_b));
                crc_c = __crc32cd(crc_c, u64::from_le_bytes(*word_c));
            }

            // Join (module docs) with |B| = |C| = len:
            // shift(a, 2 len) ^ shift(b, len) ^ c = shift(shift(a, len) ^ b, len) ^ c.
            register = table.shift(table.shift(crc_a) ^ crc_b) ^ crc_c;
        }
        rest = blocks.remainder();
    }

    single_stream(register, rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crc_portable;

    /// Lengths that exercise every path's boundaries: all up to 800 (both
    /// single-stream paths whole, the three-way split with every head size
    /// and word count mod 3, the table path's first short blocks), and ±17
    /// around the table path's short blocks and both paths' long blocks.
    fn lengths() -> Vec<usize> {
        let around = [
            768,
            2 * 768,
            3 * LONG,
            3 * LONG + 768,
            6 * LONG,
            24 * LONG_WORDS,
            48 * LONG_WORDS,
        ];
        let mut lengths: Vec<usize> = (0..=800)
            .chain(around.into_iter().flat_map(|base| base - 17..=base + 17))
            .collect();
        lengths.sort_unstable();
        lengths.dedup();
        lengths
    }

    /// Each path, forced, against the portable CRC at every length of
    /// [`lengths`] and every start alignment from 0 to 15 (each path also
    /// takes lengths it is never chosen for, which it must handle all the
    /// same).
    #[test]
    fn every_path_matches_portable() {
        if !std::arch::is_aarch64_feature_detected!("crc") {
            eprintln!("no CRC extension: nothing to compare");
            return;
        }
        let pmull = std::arch::is_aarch64_feature_detected!("aes");
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let buffer: Vec<u8> = (0..(6 * LONG).max(48 * LONG_WORDS) + 64)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        for len in lengths() {
            for start in 0..16 {
                let data = &buffer[start..start + len];
                let crc = state as u32 ^ len as u32;
                let expected = crc_portable::update(crc, data);
                let register = !crc;
                let finish = |register: u32| !register;
                // SAFETY: these paths require only the CRC extension,
                // checked above.
                let (words, single, tables) = unsafe {
                    (
                        words_then_bytes(register, data),
                        single_stream(register, data),
                        three_way_tables(register, data),
                    )
                };
                assert_eq!(finish(words), expected, "words, len {len}, start {start}");
                assert_eq!(finish(single), expected, "single, len {len}, start {start}");
                assert_eq!(finish(tables), expected, "tables, len {len}, start {start}");
                if pmull {
                    // SAFETY: the CRC extension and PMULL (`aes`) were both
                    // checked above.
                    let three_way = unsafe { three_way_pmull(register, data) };
                    assert_eq!(
                        finish(three_way),
                        expected,
                        "pmull, len {len}, start {start}"
                    );
                }
            }
        }
    }
}
