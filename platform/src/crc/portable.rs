//! Portable CRC-32C (Castagnoli), table-driven, slicing-by-16.
//!
//! The classic byte-at-a-time algorithm has a loop-carried dependency
//! through one table lookup per byte. Slicing-by-16 breaks it up: the CRC
//! of a 16-byte block is the XOR of 16 independent lookups, one per byte,
//! where table `k` gives the contribution of a byte that is followed by `k`
//! more bytes of the block. The CPU can issue those lookups in parallel, and
//! only the final XOR feeds the next block.
//!
//! The 16 × 256 tables (16 KiB) are computed at compile time by `const fn`.

/// The CRC-32C generator polynomial 0x1EDC6F41, bit-reflected, without its
/// `x^32` term.
const POLY: u32 = 0x82F6_3B78;

/// `TABLES[k][b]` is the raw (uninverted) CRC register obtained from the
/// register value `b` after feeding one byte and then `k` zero bytes. Put
/// differently: the contribution of byte value `b` when it is followed by `k`
/// further bytes.
static TABLES: [[u32; 256]; 16] = make_tables();

/// The ordinary byte table (table 0): eight single-bit steps of the
/// reflected shift register from each byte value.
pub(crate) const fn byte_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut b = 0;
    while b < 256 {
        let mut crc = b as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[b] = crc;
        b += 1;
    }
    table
}

/// Builds [`TABLES`].
const fn make_tables() -> [[u32; 256]; 16] {
    let mut tables = [[0u32; 256]; 16];
    tables[0] = byte_table();

    // Table k: table k-1 followed by one more zero byte.
    let mut k = 1;
    while k < 16 {
        let mut b = 0;
        while b < 256 {
            let prev = tables[k - 1][b];
            tables[k][b] = (prev >> 8) ^ tables[0][(prev & 0xFF) as usize];
            b += 1;
        }
        k += 1;
    }
    tables
}

/// Extends the CRC-32C `crc` of some preceding bytes (0 for none) over
/// `data` and returns the CRC-32C of the whole.
///
/// `update(0, b"123456789") == 0xE306_9283`, and
/// `update(update(0, a), b) == update(0, a ++ b)`.
pub fn update(crc: u32, data: &[u8]) -> u32 {
    let t = &TABLES;
    // The finished CRC is the inverted register; undo that to resume.
    let mut state = !crc;

    let mut blocks = data.chunks_exact(16);
    for block in &mut blocks {
        // The register overlaps the first four bytes of the block: XOR it in,
        // then all 16 bytes are independent lookups. Byte i is followed by
        // 15 - i more bytes of the block, so it indexes table 15 - i.
        let [b0, b1, b2, b3] =
            (u32::from_le_bytes([block[0], block[1], block[2], block[3]]) ^ state).to_le_bytes();
        state = t[15][usize::from(b0)]
            ^ t[14][usize::from(b1)]
            ^ t[13][usize::from(b2)]
            ^ t[12][usize::from(b3)]
            ^ t[11][usize::from(block[4])]
            ^ t[10][usize::from(block[5])]
            ^ t[9][usize::from(block[6])]
            ^ t[8][usize::from(block[7])]
            ^ t[7][usize::from(block[8])]
            ^ t[6][usize::from(block[9])]
            ^ t[5][usize::from(block[10])]
            ^ t[4][usize::from(block[11])]
            ^ t[3][usize::from(block[12])]
            ^ t[2][usize::from(block[13])]
            ^ t[1][usize::from(block[14])]
            ^ t[0][usize::from(block[15])];
    }

    // Fewer than 16 bytes left: one byte at a time.
    for &byte in blocks.remainder() {
        state = (state >> 8) ^ t[0][usize::from(state.to_le_bytes()[0] ^ byte)];
    }

    !state
}
