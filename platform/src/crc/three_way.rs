//! The CRC-32C skeleton that the hardware paths share (`x86_64.rs`:
//! SSE4.2 and PCLMULQDQ; `aarch64.rs`: the CRC extension and PMULL):
//! one stream for short inputs, three interleaved streams for everything
//! else. Each architecture supplies only its instructions, as functions of
//! the same names (below), and expands [`three_way_crc!`] next to them.
//!
//! # Why three streams
//!
//! The 8-byte CRC instruction folds a word into the register with a
//! latency of 2 to 3 cycles but a throughput of one per cycle. A single
//! chain of them waits on its own result and reaches a third to a half of
//! the possible speed. So an input is cut into three parts, A, B and C,
//! whose CRCs are computed side by side with three independent registers
//! (three instructions in flight, one retiring per cycle), and then joined.
//!
//! # Joining the parts
//!
//! The raw CRC register (no inversions) is linear over GF(2): running it
//! over data `D` from the start value `s` gives `shift(s, |D|) ^ run(0, D)`,
//! where `shift(s, n)` is `s` run over `n` zero bytes, which is
//! `s * x^(8n) mod P` (see `shift.rs`). With A started from the
//! incoming register and B and C from 0:
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
//! `update` picks one by length; each is its own function, so that short
//! inputs pay for no set-up they do not use.
//!
//! - Below `BLOCK` bytes: a chain of 8-byte steps, then the 0 to 7 bytes
//!   left with at most one 4-, one 2- and one 1-byte step (no byte loop).
//! - Below `THREE_WAY_MIN` bytes: the same after a loop over 32-byte blocks
//!   of four steps. Back-to-back independent calls overlap in the CPU, so
//!   up to that length one chain is as fast as three streams plus the join.
//! - With a carry-less multiply (detected at run time): the first
//!   `len % 8` bytes go first, the same way, so that whole 8-byte words
//!   remain. Those are cut into near-equal thirds — A and B `q = words / 3`
//!   words each, C the other 0 to 2 more — and joined with two carry-less
//!   multiplies by `x^(64w - 33)`, looked up by word count `w` in
//!   `WORD_SHIFTS` (`shift.rs`, "Shifting with a carry-less multiply").
//!   Very long inputs go through blocks of 3 × `LONG_WORDS` words first,
//!   which bounds the table; the join cost is negligible there.
//! - Without one: fixed blocks of 3 × 8 KiB and then 3 × 256 bytes, joined
//!   with `ShiftTable`s (four lookups per shift), and what is left
//!   (< 768 bytes) in a single chain.
//!
//! Between functions the register travels in the 8-byte instruction's
//! 64-bit form (upper half zero), which costs nothing on either
//! architecture. `update` itself is kept to one feature load, the length
//! tests and one call, so that callers inline it.
//!
//! # What an architecture supplies
//!
//! Next to the macro's expansion, with its baseline target feature:
//!
//! - `step8(register: u64, word: u64) -> u64`, `step4(u32, u32) -> u32`,
//!   `step2(u32, u16) -> u32`, `step1(u32, u8) -> u32`: the CRC
//!   instructions on a raw register;
//! - `shift_two(a: u64, ka: u32, b: u64, kb: u32) -> u64`: the join's two
//!   carry-less multiplies (needs the multiply feature too);
//! - `features() -> (bool, bool)`: whether the CPU has the CRC
//!   instructions, and the carry-less multiply as well (cached);
//! - `cpu_has_the_features() -> (bool, bool)`: the same, asked directly (for
//!   the tests).

/// Expands the shared paths (module docs) in an architecture's module:
/// `baseline` is the target feature of its CRC instructions, `with_clmul`
/// that list plus its carry-less multiply.
macro_rules! three_way_crc {
    (baseline = $baseline:literal, with_clmul = $with_clmul:literal) => {
        #[path = "shift.rs"]
        mod shift;

        use shift::ShiftTable;

        /// Bytes per block of the single-stream loop; shorter inputs skip
        /// it.
        const BLOCK: usize = 32;

        /// Inputs shorter than this run single-stream. Measured on Zen 4
        /// with back-to-back independent calls: three streams start to win
        /// at about 176 bytes (22 words); below, one chain is as fast
        /// because consecutive calls overlap, and the split and join are
        /// pure overhead. (Not tuned on aarch64 hardware.)
        const THREE_WAY_MIN: usize = 176;

        /// Words (8 bytes) per stream in a long block of the multiply path.
        const LONG_WORDS: usize = 1024;

        /// `WORD_SHIFTS[w]` is `x^(64w - 33) mod P`: the carry-less
        /// multiply constant that advances a register over `w` zero words.
        /// A three-way split of at most `3 * LONG_WORDS` words has its parts
        /// followed by at most `words - words / 3 ≤ 2 * LONG_WORDS` words.
        static WORD_SHIFTS: [u32; 2 * LONG_WORDS + 1] = shift::word_shifts();

        /// Bytes per stream in a long block of the table path.
        const LONG: usize = 8192;
        /// Bytes per stream in a short block of the table path.
        const SHORT: usize = 256;

        /// Advances a register over `LONG` zero bytes.
        static SHIFT_LONG: ShiftTable = ShiftTable::new(LONG);
        /// Advances a register over `SHORT` zero bytes.
        static SHIFT_SHORT: ShiftTable = ShiftTable::new(SHORT);

        /// Extends the CRC-32C `crc` of some preceding bytes (0 for none)
        /// over `data` with this CPU's CRC instructions; `None` if it lacks
        /// them. The result equals `crc_portable::update(crc, data)`.
        #[inline]
        pub fn update(crc: u32, data: &[u8]) -> Option<u32> {
            let (crc_instructions, clmul) = features();
            if !crc_instructions {
                return None;
            }
            // The finished CRC is the inverted register; undo that to
            // resume, in the 64-bit form (zero-extended for free).
            let register = u64::from(!crc);
            let register = if data.len() < BLOCK {
                // SAFETY: `words_then_bytes` requires only the baseline
                // feature, which `features` says this CPU has.
                unsafe { words_then_bytes(register, data) }
            } else if data.len() < THREE_WAY_MIN {
                // SAFETY: as above, for `single_stream`.
                unsafe { single_stream(register, data) }
            } else if clmul {
                // SAFETY: `three_way_clmul` requires the baseline and the
                // carry-less multiply, which `features` says this CPU has.
                unsafe { three_way_clmul(register, data) }
            } else {
                // SAFETY: `three_way_tables` requires only the baseline.
                unsafe { three_way_tables(register, data) }
            };
            // The upper half is zero, so the cast loses nothing.
            Some(!(register as u32))
        }

        /// The raw register run over 0 to 7 `bytes` with at most one 4-,
        /// one 2- and one 1-byte step (only the first 7 bytes of a longer
        /// input count).
        ///
        /// # Safety
        ///
        /// The CPU must have the baseline feature.
        #[target_feature(enable = $baseline)]
        #[inline]
        unsafe fn short_bytes(register: u64, bytes: &[u8]) -> u64 {
            // The narrow steps take and return the register's lower half;
            // its upper half is zero, so the casts lose nothing.
            let mut register = register as u32;
            let mut rest = bytes;
            if let Some((four, tail)) = rest.split_first_chunk::<4>() {
                // SAFETY: the baseline feature is enabled here.
                register = unsafe { step4(register, u32::from_le_bytes(*four)) };
                rest = tail;
            }
            if let Some((two, tail)) = rest.split_first_chunk::<2>() {
                // SAFETY: as above.
                register = unsafe { step2(register, u16::from_le_bytes(*two)) };
                rest = tail;
            }
            if let Some(&one) = rest.first() {
                // SAFETY: as above.
                register = unsafe { step1(register, one) };
            }
            u64::from(register)
        }

        /// The raw register run over `data` in one chain of 8-byte steps,
        /// then the rest with `short_bytes`. Meant for fewer than `BLOCK`
        /// bytes (correct for any length).
        ///
        /// # Safety
        ///
        /// The CPU must have the baseline feature.
        #[target_feature(enable = $baseline)]
        unsafe fn words_then_bytes(register: u64, data: &[u8]) -> u64 {
            let mut register = register;
            let mut rest = data;
            while let Some((word, tail)) = rest.split_first_chunk::<8>() {
                // SAFETY: the baseline feature is enabled here.
                register = unsafe { step8(register, u64::from_le_bytes(*word)) };
                rest = tail;
            }
            // SAFETY: as above.
            unsafe { short_bytes(register, rest) }
        }

        /// The raw register run over `data` in one chain: `BLOCK`-byte
        /// blocks of four steps, then the rest as in `words_then_bytes`.
        ///
        /// # Safety
        ///
        /// The CPU must have the baseline feature.
        #[target_feature(enable = $baseline)]
        unsafe fn single_stream(register: u64, data: &[u8]) -> u64 {
            let mut register = register;
            let mut blocks = data.chunks_exact(BLOCK);
            for block in &mut blocks {
                for word in block.chunks_exact(8) {
                    // SAFETY: the baseline feature is enabled here.
                    register = unsafe { step8(register, word_at(word)) };
                }
            }
            // SAFETY: as above.
            unsafe { words_then_bytes(register, blocks.remainder()) }
        }

        /// The raw register run over `words` in three interleaved streams:
        /// with `q = words.len() / 3`, A the first `q` words, B the next
        /// `q`, C the rest (`q` to `q + 2`), joined with `shift_two`.
        ///
        /// # Safety
        ///
        /// The CPU must have the baseline and the carry-less multiply, and
        /// `words` must hold at most `3 * LONG_WORDS` words (so that the
        /// join's constants are in `WORD_SHIFTS`).
        #[target_feature(enable = $with_clmul)]
        #[inline]
        unsafe fn three_streams(register: u64, words: &[[u8; 8]]) -> u64 {
            debug_assert!(words.len() <= 3 * LONG_WORDS);
            let q = words.len() / 3;
            // SAFETY: 3q ≤ words.len(), so each split point is within its
            // slice: q ≤ words.len(), then q ≤ words.len() - q, then
            // q ≤ words.len() - 2q. The compiler cannot see this through
            // the division, and the checks it would emit here (and for the
            // table below) cost about 0.5 ns per call at 256 to 512 bytes
            // on Zen 4, several percent.
            let (a, b, c, c_rest) = unsafe {
                let (a, rest) = words.split_at_unchecked(q);
                let (b, c) = rest.split_at_unchecked(q);
                let (c, c_rest) = c.split_at_unchecked(q);
                (a, b, c, c_rest)
            };
            let (mut crc_a, mut crc_b, mut crc_c) = (register, 0, 0);
            for ((word_a, word_b), word_c) in a.iter().zip(b).zip(c) {
                // SAFETY: the baseline feature is enabled here.
                unsafe {
                    crc_a = step8(crc_a, u64::from_le_bytes(*word_a));
                    crc_b = step8(crc_b, u64::from_le_bytes(*word_b));
                    crc_c = step8(crc_c, u64::from_le_bytes(*word_c));
                }
            }
            // C's 0 to 2 extra words; they overlap with the multiplies
            // below, which do not need C.
            for word_c in c_rest {
                // SAFETY: as above.
                crc_c = unsafe { step8(crc_c, u64::from_le_bytes(*word_c)) };
            }
            // Join: A is followed by B and C (all but q words), B by C
            // (all but 2q).
            // SAFETY: words.len() - 2q ≤ words.len() - q ≤ 2 * LONG_WORDS
            // because words.len() ≤ 3 * LONG_WORDS (the caller's promise),
            // and the table has 2 * LONG_WORDS + 1 entries.
            let (ka, kb) = unsafe {
                (
                    *WORD_SHIFTS.get_unchecked(words.len() - q),
                    *WORD_SHIFTS.get_unchecked(words.len() - 2 * q),
                )
            };
            // SAFETY: both features are enabled here.
            unsafe { shift_two(crc_a, ka, crc_b, kb) ^ crc_c }
        }

        /// The raw register run over `data` with three streams, joined by
        /// carry-less multiplies (module docs).
        ///
        /// # Safety
        ///
        /// The CPU must have the baseline and the carry-less multiply.
        #[target_feature(enable = $with_clmul)]
        unsafe fn three_way_clmul(register: u64, data: &[u8]) -> u64 {
            // The odd bytes first, so that whole words remain.
            let (head, body) = data.split_at(data.len() % 8);
            // SAFETY: the baseline feature is enabled here.
            let mut register = unsafe { short_bytes(register, head) };
            let mut words = $crate::crc::three_way::as_words(body);
            while words.len() > 3 * LONG_WORDS {
                let (block, rest) = words.split_at(3 * LONG_WORDS);
                // SAFETY: the features are enabled here, and the block is
                // exactly 3 * LONG_WORDS words.
                register = unsafe { three_streams(register, block) };
                words = rest;
            }
            // SAFETY: the features are enabled here, and the loop left at
            // most 3 * LONG_WORDS words.
            unsafe { three_streams(register, words) }
        }

        /// The raw register run over `data` with three streams in fixed
        /// blocks, joined by shift tables, for CPUs without the carry-less
        /// multiply (module docs).
        ///
        /// # Safety
        ///
        /// The CPU must have the baseline feature.
        #[target_feature(enable = $baseline)]
        unsafe fn three_way_tables(register: u64, data: &[u8]) -> u64 {
            let mut register = register;
            let mut rest = data;
            for (len, table) in [(LONG, &SHIFT_LONG), (SHORT, &SHIFT_SHORT)] {
                let mut blocks = rest.chunks_exact(3 * len);
                for block in &mut blocks {
                    // `len` is a multiple of 8: each part is `len / 8` words.
                    let (a, bc) = block.split_at(len);
                    let (b, c) = bc.split_at(len);
                    let (mut crc_a, mut crc_b, mut crc_c) = (register, 0, 0);
                    let streams = a
                        .chunks_exact(8)
                        .zip(b.chunks_exact(8))
                        .zip(c.chunks_exact(8));
                    for ((word_a, word_b), word_c) in streams {
                        // SAFETY: the baseline feature is enabled here.
                        unsafe {
                            crc_a = step8(crc_a, word_at(word_a));
                            crc_b = step8(crc_b, word_at(word_b));
                            crc_c = step8(crc_c, word_at(word_c));
                        }
                    }
                    // Join with |B| = |C| = len: shift(a, 2 len) ^
                    // shift(b, len) ^ c = shift(shift(a, len) ^ b, len) ^ c.
                    // The upper halves are zero, so the casts lose nothing.
                    let ab = table.shift(crc_a as u32) ^ crc_b as u32;
                    register = u64::from(table.shift(ab)) ^ crc_c;
                }
                rest = blocks.remainder();
            }
            // SAFETY: the baseline feature is enabled here.
            unsafe { single_stream(register, rest) }
        }

        /// The little-endian word in the first 8 bytes of `bytes`, which
        /// the callers' `chunks_exact(8)` guarantee.
        #[inline(always)]
        fn word_at(bytes: &[u8]) -> u64 {
            let mut word = [0; 8];
            word.copy_from_slice(&bytes[..8]);
            u64::from_le_bytes(word)
        }

        #[cfg(test)]
        mod tests {
            use super::*;
            use crate::crc::portable as crc_portable;

            /// Lengths that exercise every path's boundaries: all up to 800
            /// (both single-stream paths whole, the three-way split with
            /// every head size and word count mod 3, the table path's first
            /// short blocks), and ±17 around the table path's short blocks
            /// and both paths' long blocks.
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

            /// Each path, forced, against the portable CRC at every length
            /// of `lengths` and every start alignment from 0 to 15 (each
            /// path also takes lengths it is never chosen for, which it must
            /// handle all the same).
            #[test]
            fn every_path_matches_portable() {
                let (crc_instructions, clmul) = cpu_has_the_features();
                if !crc_instructions {
                    eprintln!("no CRC instructions on this CPU: nothing to compare");
                    return;
                }
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
                        // SAFETY: these paths require only the baseline
                        // feature, checked above.
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
                            // SAFETY: both features were checked above.
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
    };
}

pub(crate) use three_way_crc;

/// `bytes`, a multiple of 8 bytes long, as 8-byte words (what
/// `slice::as_chunks` does, which needs a newer Rust than this crate's
/// 1.81).
pub(crate) fn as_words(bytes: &[u8]) -> &[[u8; 8]] {
    debug_assert!(bytes.len() % 8 == 0);
    // SAFETY: `[u8; 8]` has the size of 8 bytes and the alignment of one,
    // so `bytes.len() / 8` of them fit exactly in the first `8 * (len / 8)`
    // bytes of `bytes`, which stay borrowed for the result's lifetime.
    unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<[u8; 8]>(), bytes.len() / 8) }
}
