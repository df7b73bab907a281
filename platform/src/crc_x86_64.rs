//! CRC-32C with the SSE4.2 `crc32` instruction, three interleaved streams.
//!
//! # Why three streams
//!
//! `crc32 r64, r/m64` folds 8 bytes into the register with a latency of 3
//! cycles but a throughput of one per cycle. A single chain of them waits on
//! its own result and reaches a third of the possible speed. So a long input
//! is cut into blocks of three equal parts, A, B and C, whose CRCs are
//! computed side by side with three independent registers (three
//! instructions in flight, one retiring per cycle), and then joined.
//!
//! # Joining the parts
//!
//! The raw CRC register (no inversions) is linear over GF(2): running it
//! over data `D` from the start value `s` gives `shift(s, |D|) ^ run(0, D)`,
//! where `shift(s, n)` is `s` run over `n` zero bytes, which is
//! `s * x^(8n) mod P` (see [`shift`]). With A started from the incoming
//! register and B and C from 0, and `L` the length of each part:
//!
//! ```text
//! register after A ++ B      = shift(a, L) ^ b
//! register after A ++ B ++ C = shift(shift(a, L) ^ b, L) ^ c
//! ```
//!
//! `shift(_, L)` is one [`shift::ShiftTable`]: four lookups, built at compile
//! time for each of the two block lengths used.
//!
//! # Block lengths
//!
//! Long blocks (3 × 8 KiB) make the join cost negligible; the remainder goes
//! through short blocks (3 × 256 bytes) so that mid-sized inputs still run
//! three-wide; what is left after that (< 768 bytes) runs single-stream,
//! 8 bytes and then 1 byte at a time.

use std::arch::x86_64::{_mm_crc32_u64, _mm_crc32_u8};

#[path = "crc_shift.rs"]
mod shift;

use shift::ShiftTable;

/// Bytes per stream in a long block.
const LONG: usize = 8192;
/// Bytes per stream in a short block.
const SHORT: usize = 256;

/// Advances a register over `LONG` zero bytes.
static SHIFT_LONG: ShiftTable = ShiftTable::new(LONG);
/// Advances a register over `SHORT` zero bytes.
static SHIFT_SHORT: ShiftTable = ShiftTable::new(SHORT);

/// Extends the CRC-32C `crc` of some preceding bytes (0 for none) over
/// `data` with the SSE4.2 instructions; `None` if this CPU lacks SSE4.2.
///
/// The result equals `crc_portable::update(crc, data)`.
pub fn update(crc: u32, data: &[u8]) -> Option<u32> {
    if !std::arch::is_x86_feature_detected!("sse4.2") {
        return None;
    }
    // SAFETY: `update_sse42` requires only that the CPU supports SSE4.2,
    // which was checked at run time just above.
    Some(unsafe { update_sse42(crc, data) })
}

/// The SSE4.2 CRC-32C; see the module docs.
///
/// # Safety
///
/// The CPU must support SSE4.2.
#[target_feature(enable = "sse4.2")]
unsafe fn update_sse42(crc: u32, data: &[u8]) -> u32 {
    // The finished CRC is the inverted register; undo that to resume.
    // The instruction works on a 64-bit register whose upper half stays 0.
    let mut state = u64::from(!crc);
    let mut rest = data;

    for (len, table) in [(LONG, &SHIFT_LONG), (SHORT, &SHIFT_SHORT)] {
        let mut blocks = rest.chunks_exact(3 * len);
        for block in &mut blocks {
            // `len` is a multiple of 8: the block is whole words, and each
            // part is `len / 8` of them.
            let (words, _) = block.as_chunks::<8>();
            let (a, bc) = words.split_at(len / 8);
            let (b, c) = bc.split_at(len / 8);

            let (mut crc_a, mut crc_b, mut crc_c) = (state, 0, 0);
            for ((word_a, word_b), word_c) in a.iter().zip(b).zip(c) {
                crc_a = _mm_crc32_u64(crc_a, u64::from_le_bytes(*word_a));
                crc_b = _mm_crc32_u64(crc_b, u64::from_le_bytes(*word_b));
                crc_c = _mm_crc32_u64(crc_c, u64::from_le_bytes(*word_c));
            }

            // Join (module docs): shift(shift(a, L) ^ b, L) ^ c. The upper
            // halves are zero, so the casts lose nothing.
            let ab = table.shift(crc_a as u32) ^ crc_b as u32;
            state = u64::from(table.shift(ab) ^ crc_c as u32);
        }
        rest = blocks.remainder();
    }

    // The tail, single-stream.
    let (words, bytes) = rest.as_chunks::<8>();
    for word in words {
        state = _mm_crc32_u64(state, u64::from_le_bytes(*word));
    }
    let mut state = state as u32;
    for &byte in bytes {
        state = _mm_crc32_u8(state, byte);
    }

    !state
}
