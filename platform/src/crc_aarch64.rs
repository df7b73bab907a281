//! CRC-32C with the ARMv8 CRC instructions, three interleaved streams.
//!
//! The structure is that of the x86_64 version (`crc_x86_64.rs`); only the
//! instructions differ.
//!
//! # Why three streams
//!
//! `crc32cx` folds 8 bytes into the register with a latency of 2 to 3
//! cycles (core dependent) but a throughput of one per cycle. A single
//! chain of them waits on its own result and reaches at most half of the
//! possible speed. So a long input is cut into blocks of three equal parts,
//! A, B and C, whose CRCs are computed side by side with three independent
//! registers (three instructions in flight, one retiring per cycle), and
//! then joined.
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

use core::arch::aarch64::{__crc32cb, __crc32cd};

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
/// `data` with the CRC instructions; `None` if this CPU lacks them.
///
/// The result equals `crc_portable::update(crc, data)`.
pub fn update(crc: u32, data: &[u8]) -> Option<u32> {
    if !std::arch::is_aarch64_feature_detected!("crc") {
        return None;
    }
    // SAFETY: `update_crc` requires only that the CPU has the CRC
    // extension, which was checked at run time just above.
    Some(unsafe { update_crc(crc, data) })
}

/// The CRC-32C with the CRC extension; see the module docs.
///
/// # Safety
///
/// The CPU must have the CRC extension (FEAT_CRC32).
#[target_feature(enable = "crc")]
unsafe fn update_crc(crc: u32, data: &[u8]) -> u32 {
    // The finished CRC is the inverted register; undo that to resume.
    let mut state = !crc;
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
                crc_a = __crc32cd(crc_a, u64::from_le_bytes(*word_a));
                crc_b = __crc32cd(crc_b, u64::from_le_bytes(*word_b));
                crc_c = __crc32cd(crc_c, u64::from_le_bytes(*word_c));
            }

            // Join (module docs): shift(shift(a, L) ^ b, L) ^ c.
            state = table.shift(table.shift(crc_a) ^ crc_b) ^ crc_c;
        }
        rest = blocks.remainder();
    }

    // The tail, single-stream.
    let (words, bytes) = rest.as_chunks::<8>();
    for word in words {
        state = __crc32cd(state, u64::from_le_bytes(*word));
    }
    for &byte in bytes {
        state = __crc32cb(state, byte);
    }

    !state
}
