//! CRC-32C with the SSE4.2 `crc32` instruction: one stream for short
//! inputs, three interleaved streams for everything else.
//!
//! # Why three streams
//!
//! `crc32 r64, r/m64` folds 8 bytes into the register with a latency of 3
//! cycles but a throughput of one per cycle. A single chain of them waits on
//! its own result and reaches a third of the possible speed. So an input is
//! cut into three parts, A, B and C, whose CRCs are computed side by side
//! with three independent registers (three instructions in flight, one
//! retiring per cycle), and then joined.
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
//! - With PCLMULQDQ (in practice every SSE4.2 CPU since 2010, but still
//!   detected at run time): the first `len % 8` bytes go first, the same
//!   way, so that whole 8-byte words remain. Those are cut into near-equal
//!   thirds — A and B `q = words / 3` words each, C the other 0 to 2 more —
//!   and joined with two carry-less multiplies by `x^(64w - 33)`, looked up
//!   by word count `w` in [`WORD_SHIFTS`] ([`shift`], "Shifting with a
//!   carry-less multiply"). The division by 3 is by a constant, i.e. a
//!   multiply. Very long inputs go through blocks of 3 × [`LONG_WORDS`]
//!   words first, which bounds the table; the join cost is negligible
//!   there.
//! - Without PCLMULQDQ: fixed blocks of 3 × 8 KiB and then 3 × 256 bytes,
//!   joined with [`shift::ShiftTable`]s (four lookups per shift), and what
//!   is left (< 768 bytes) in a single chain.
//!
//! Between functions the register travels in the instruction's 64-bit form
//! (upper half zero): the inversion in [`update`] zero-extends for free,
//! where a 32-bit hand-over would cost a separate zero-extension in the
//! chain. [`update`] itself is kept to one feature load, the length tests
//! and one call, so that callers inline it.

use std::arch::x86_64::{
    _mm_clmulepi64_si128, _mm_crc32_u16, _mm_crc32_u32, _mm_crc32_u64, _mm_crc32_u8,
    _mm_cvtsi128_si64, _mm_cvtsi32_si128, _mm_cvtsi64_si128, _mm_xor_si128,
};
use std::sync::atomic::{AtomicU8, Ordering};

#[path = "crc_shift.rs"]
mod shift;

use shift::ShiftTable;

/// Bytes per block of the single-stream loop; shorter inputs skip it.
const BLOCK: usize = 32;

/// Inputs shorter than this run single-stream. Measured on Zen 4 with
/// back-to-back independent calls: three streams start to win at about
/// 176 bytes (22 words); below, one chain is as fast because consecutive
/// calls overlap, and the split and join are pure overhead.
const THREE_WAY_MIN: usize = 176;

/// Words (8 bytes) per stream in a long block of the PCLMULQDQ path.
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
/// Set in [`FEATURES`] if the CPU supports SSE4.2.
const SSE42: u8 = 2;
/// Set in [`FEATURES`] if the CPU supports PCLMULQDQ as well.
const CLMUL: u8 = 4;

/// What `std::arch::is_x86_feature_detected!` reported for this CPU, as
/// the bits above; 0 until the first call has asked.
///
/// std caches detection too, but each of its checks carries its own (cold)
/// call to the detection routine, and with two of them in [`update`] the
/// compiler often declined to inline it, or saved registers on every call
/// around them: up to 1.5 ns per call on short inputs. Here both answers
/// come from one load, and there is one such call.
///
/// Relaxed ordering suffices: the byte is the only data, and every thread
/// that detects computes the same value.
static FEATURES: AtomicU8 = AtomicU8::new(0);

/// Runs detection, records it in [`FEATURES`] and returns it.
#[cold]
#[inline(never)]
fn detect() -> u8 {
    let mut features = DETECTED;
    if std::arch::is_x86_feature_detected!("sse4.2") {
        features |= SSE42;
        if std::arch::is_x86_feature_detected!("pclmulqdq") {
            features |= CLMUL;
        }
    }
    FEATURES.store(features, Ordering::Relaxed);
    features
}

/// Extends the CRC-32C `crc` of some preceding bytes (0 for none) over
/// `data` with the SSE4.2 instructions; `None` if this CPU lacks SSE4.2.
///
/// The result equals `crc_portable::update(crc, data)`.
#[inline]
pub fn update(crc: u32, data: &[u8]) -> Option<u32> {
    let mut features = FEATURES.load(Ordering::Relaxed);
    if features == 0 {
        features = detect();
    }
    if features & SSE42 == 0 {
        return None;
    }
    // The finished CRC is the inverted register; undo that to resume. The
    // paths take the register in the instruction's 64-bit form, which the
    // inversion here zero-extends to for free.
    let register = u64::from(!crc);
    let register = if data.len() < BLOCK {
        // SAFETY: `words_then_bytes` requires only SSE4.2, which FEATURES
        // says this CPU has.
        unsafe { words_then_bytes(register, data) }
    } else if data.len() < THREE_WAY_MIN {
        // SAFETY: as above, for `single_stream`.
        unsafe { single_stream(register, data) }
    } else if features & CLMUL != 0 {
        // SAFETY: `three_way_clmul` requires SSE4.2 and PCLMULQDQ, which
        // FEATURES says this CPU has.
        unsafe { three_way_clmul(register, data) }
    } else {
        // SAFETY: `three_way_tables` requires only SSE4.2, see above.
        unsafe { three_way_tables(register, data) }
    };
    // The upper half is zero, so the cast loses nothing.
    Some(!(register as u32))
}

/// The raw register run over 0 to 7 `bytes` with at most one 4-, one 2-
/// and one 1-byte step (only the first 7 bytes of a longer input count).
#[target_feature(enable = "sse4.2")]
#[inline]
fn short_bytes(register: u64, bytes: &[u8]) -> u64 {
    // The 32-bit forms of the instruction take and return the register's
    // lower half; its upper half is zero, so the casts lose nothing.
    let mut register = register as u32;
    let mut rest = bytes;
    if let Some((four, tail)) = rest.split_first_chunk::<4>() {
        register = _mm_crc32_u32(register, u32::from_le_bytes(*four));
        rest = tail;
    }
    if let Some((two, tail)) = rest.split_first_chunk::<2>() {
        register = _mm_crc32_u16(register, u16::from_le_bytes(*two));
        rest = tail;
    }
    if let Some(&one) = rest.first() {
        register = _mm_crc32_u8(register, one);
    }
    u64::from(register)
}

/// The raw register run over `data` in one chain of 8-byte steps, then
/// the rest with [`short_bytes`]. Meant for fewer than [`BLOCK`] bytes
/// (correct for any length).
#[target_feature(enable = "sse4.2")]
fn words_then_bytes(register: u64, data: &[u8]) -> u64 {
    let mut register = register;
    let mut rest = data;
    while let Some((word, tail)) = rest.split_first_chunk::<8>() {
        register = _mm_crc32_u64(register, u64::from_le_bytes(*word));
        rest = tail;
    }
    short_bytes(register, rest)
}

/// The raw register run over `data` in one chain: [`BLOCK`]-byte blocks
/// of four steps, then the rest as in [`words_then_bytes`].
#[target_feature(enable = "sse4.2")]
fn single_stream(register: u64, data: &[u8]) -> u64 {
    let mut register = register;
    let mut rest = data;
    while let Some((block, tail)) = rest.split_first_chunk::<BLOCK>() {
        let (words, _) = block.as_chunks::<8>();
        for word in words {
            register = _mm_crc32_u64(register, u64::from_le_bytes(*word));
        }
        rest = tail;
    }
    while let Some((word, tail)) = rest.split_first_chunk::<8>() {
        register = _mm_crc32_u64(register, u64::from_le_bytes(*word));
        rest = tail;
    }
    short_bytes(register, rest)
}

/// `shift(a, wa words) ^ shift(b, wb words)` (module docs), with the
/// constants `ka = WORD_SHIFTS[wa]`, `kb = WORD_SHIFTS[wb]`.
#[target_feature(enable = "sse4.2,pclmulqdq")]
#[inline]
fn shift_two(a: u64, ka: u32, b: u64, kb: u32) -> u64 {
    // Each carry-less product of two 32-bit values fits in the low 64 bits;
    // XORing the products first is allowed because the final CRC step is
    // linear, and saves one step (see `shift`, "Shifting with a carry-less
    // multiply", for why the step finishes the multiplication). The casts
    // only reinterpret: registers and constants are below 2^32.
    let product_a =
        _mm_clmulepi64_si128::<0x00>(_mm_cvtsi64_si128(a as i64), _mm_cvtsi32_si128(ka as i32));
    let product_b =
        _mm_clmulepi64_si128::<0x00>(_mm_cvtsi64_si128(b as i64), _mm_cvtsi32_si128(kb as i32));
    let product = _mm_cvtsi128_si64(_mm_xor_si128(product_a, product_b)) as u64;
    _mm_crc32_u64(0, product)
}

/// The raw register run over `words` in three interleaved streams: with
/// `q = words.len() / 3`, A the first `q` words, B the next `q`, C the rest
/// (`q` to `q + 2`), joined with [`shift_two`].
///
/// # Safety
///
/// The CPU must support SSE4.2 and PCLMULQDQ, and `words` must hold at most
/// `3 * LONG_WORDS` words (so that the join's constants are in
/// [`WORD_SHIFTS`]).
#[target_feature(enable = "sse4.2,pclmulqdq")]
#[inline]
unsafe fn three_streams(register: u64, words: &[[u8; 8]]) -> u64 {
    debug_assert!(words.len() <= 3 * LONG_WORDS);
    let q = words.len() / 3;
    // SAFETY: 3q ≤ words.len(), so each split point is within its slice:
    // q ≤ words.len(), then q ≤ words.len() - q, then q ≤ words.len() - 2q.
    // The compiler cannot see this through the division, and the checks it
    // would emit here (and for the table below) cost about 0.5 ns per call
    // at 256 to 512 bytes on Zen 4, several percent.
    let (a, b, c, c_rest) = unsafe {
        let (a, rest) = words.split_at_unchecked(q);
        let (b, c) = rest.split_at_unchecked(q);
        let (c, c_rest) = c.split_at_unchecked(q);
        (a, b, c, c_rest)
    };

    let (mut crc_a, mut crc_b, mut crc_c) = (register, 0, 0);
    for ((word_a, word_b), word_c) in a.iter().zip(b).zip(c) {
        crc_a = _mm_crc32_u64(crc_a, u64::from_le_bytes(*word_a));
        crc_b = _mm_crc32_u64(crc_b, u64::from_le_bytes(*word_b));
        crc_c = _mm_crc32_u64(crc_c, u64::from_le_bytes(*word_c));
    }
    // C's 0 to 2 extra words; they overlap with the multiplies below,
    // which do not need C.
    for word_c in c_rest {
        crc_c = _mm_crc32_u64(crc_c, u64::from_le_bytes(*word_c));
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
#[target_feature(enable = "sse4.2,pclmulqdq")]
fn three_way_clmul(register: u64, data: &[u8]) -> u64 {
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
/// joined by shift tables, for CPUs without PCLMULQDQ (module docs).
#[target_feature(enable = "sse4.2")]
fn three_way_tables(register: u64, data: &[u8]) -> u64 {
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
                crc_a = _mm_crc32_u64(crc_a, u64::from_le_bytes(*word_a));
                crc_b = _mm_crc32_u64(crc_b, u64::from_le_bytes(*word_b));
                crc_c = _mm_crc32_u64(crc_c, u64::from_le_bytes(*word_c));
            }

            // Join (module docs) with |B| = |C| = len:
            // shift(a, 2 len) ^ shift(b, len) ^ c = shift(shift(a, len) ^ b, len) ^ c.
            // The upper halves are zero, so the casts lose nothing.
            let ab = table.shift(crc_a as u32) ^ crc_b as u32;
            register = u64::from(table.shift(ab)) ^ crc_c;
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
        if !std::arch::is_x86_feature_detected!("sse4.2") {
            eprintln!("no SSE4.2: nothing to compare");
            return;
        }
        let clmul = std::arch::is_x86_feature_detected!("pclmulqdq");
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
                let register = u64::from(!crc);
                let finish = |register: u64| !(register as u32);
                // SAFETY: these paths require only SSE4.2, checked above.
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
                if clmul {
                    // SAFETY: SSE4.2 and PCLMULQDQ were both checked above.
                    let three_way = unsafe { three_way_clmul(register, data) };
                    assert_eq!(
                        finish(three_way),
                        expected,
                        "clmul, len {len}, start {start}"
                    );
                }
            }
        }
    }
}
