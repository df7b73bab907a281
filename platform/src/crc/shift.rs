//! GF(2) polynomial arithmetic modulo the CRC-32C polynomial, and the
//! "shift by n zero bytes" tables and constants that the hardware CRC paths
//! use to join independently computed partial CRCs.
//!
//! # Representation
//!
//! CRC-32C is a *reflected* CRC: a 32-bit register value `r` stands for the
//! polynomial whose coefficient of `x^i` is bit `31 - i` of `r`. So
//! `1 << 31` is `1`, `1 << 30` is `x`, and bit 0 is `x^31`. Every value
//! represents a polynomial of degree < 32, i.e. an element of `GF(2)[x] / P`.
//!
//! # Why shifting is a multiplication
//!
//! Feeding one byte `b` into the raw register (no pre- or post-inversion)
//! maps `r` to `(r + b) * x^8 mod P`. For a zero byte that is just
//! `r * x^8 mod P`, so `n` zero bytes multiply the register by
//! `x^(8n) mod P`. The map is linear over GF(2), hence for a register split
//! into its four bytes `r = r0 + r1 + r2 + r3` (each byte in its own bit
//! positions) the product is the XOR of four per-byte products, which is
//! what a [`ShiftTable`] stores: 4 × 256 precomputed products.
//!
//! # Shifting with a carry-less multiply
//!
//! A table serves one fixed `n`. For a shift that varies per call, the
//! hardware paths multiply instead, with two instructions:
//!
//! - A carry-less multiply (PCLMULQDQ, PMULL) of the 32-bit values `a` and
//!   `k` gives their 63-bit polynomial product `c`, bit `i + j` collecting
//!   `a_i * k_j`. In the reflected reading bit `i` of `a` is `x^(31-i)`, so
//!   bit `m` of `c` carries `x^(62-m)` of the product `A * K`.
//! - The 8-byte CRC step from register 0 (`crc32 r64`, `crc32cx`) computes
//!   what any CRC computes, the message polynomial times `x^32`, modulo P.
//!   Its message is the 64-bit operand `w`, least significant bit first, so
//!   the polynomial is `W = sum of w_m * x^(63-m)` and the result is
//!   `W * x^32 mod P`.
//!
//! Read as a 64-bit operand, `c` is `x * A * K` (every exponent one higher
//! than in the product, because 64-bit operands count from `x^63`, not
//! `x^62`), and the CRC step turns that into `A * K * x^33 mod P`. With
//! `K = x^(64w - 33) mod P` the result is `A * x^(64w)`: the register
//! advanced over `w` zero words. [`word_shifts`] tabulates those `K`, one
//! `u32` per word count, which is 1024 times smaller than a [`ShiftTable`]
//! per count.
//!
//! Everything here is `const fn` so the tables are built by the compiler.

/// The CRC-32C (Castagnoli) generator polynomial 0x1EDC6F41, bit-reflected,
/// without its `x^32` term.
pub(crate) const POLY: u32 = 0x82F6_3B78;

/// The polynomial `1` (that is, `x^0`) in the reflected representation.
const ONE: u32 = 1 << 31;

/// Multiplies `a` by `x`, modulo P.
///
/// Raising every exponent by one moves each coefficient one bit to the
/// right; the coefficient that falls off bit 0 was the `x^31` term, which
/// becomes `x^32`, and modulo P (over GF(2), where minus is plus)
/// `x^32 ≡ P + x^32`: P's lower terms, which are added (XOR).
const fn mul_x(a: u32) -> u32 {
    if a & 1 != 0 {
        (a >> 1) ^ POLY
    } else {
        a >> 1
    }
}

/// Divides `a` by `x`, modulo P: the inverse of [`mul_x`].
///
/// `POLY` has its bit 31 set (P's constant term), and `c >> 1` never has,
/// so bit 31 of `a = mul_x(c)` tells whether `POLY` was added, i.e.
/// whether bit 0 of `c` was 1. Undo the XOR, shift back and restore that
/// bit.
const fn div_x(a: u32) -> u32 {
    if a & ONE != 0 {
        ((a ^ POLY) << 1) | 1
    } else {
        a << 1
    }
}

/// Multiplies `a` by `b`, modulo P (schoolbook: for every term `x^i` of `a`,
/// add `b * x^i`).
pub(crate) const fn mul_mod(a: u32, b: u32) -> u32 {
    let mut product = 0;
    // Invariant: b_times_xi == b * x^i mod P.
    let mut b_times_xi = b;
    let mut i = 0;
    while i < 32 {
        if a & (ONE >> i) != 0 {
            product ^= b_times_xi;
        }
        b_times_xi = mul_x(b_times_xi);
        i += 1;
    }
    product
}

/// Returns `x^(8n) mod P`: the factor that advances a raw CRC register over
/// `n` zero bytes.
pub(crate) const fn x_pow_8n(n: usize) -> u32 {
    // Repeated multiplication by x: 8n cheap steps, done once per table at
    // compile time (n is at most a few thousand).
    let mut power = ONE;
    let mut i = 0;
    while i < 8 * n {
        power = mul_x(power);
        i += 1;
    }
    power
}

/// The carry-less multiply constants for shifting by whole 8-byte words
/// (module docs): entry `w` is `x^(64w - 33) mod P`.
///
/// Entry 0 is `x^(-33)`, which exists because P has a constant term (so `x`
/// is invertible modulo P); it makes a shift by zero words come out as the
/// identity, so callers need no special case for empty parts.
pub(crate) const fn word_shifts<const N: usize>() -> [u32; N] {
    let mut table = [0u32; N];
    // x^(-33), by dividing 1 by x 33 times.
    let mut k = ONE;
    let mut i = 0;
    while i < 33 {
        k = div_x(k);
        i += 1;
    }
    // Invariant: k == x^(64w - 33) mod P.
    let mut w = 0;
    while w < N {
        table[w] = k;
        let mut bit = 0;
        while bit < 64 {
            k = mul_x(k);
            bit += 1;
        }
        w += 1;
    }
    table
}

/// Multiplication by a fixed `x^(8n) mod P`, tabulated per register byte:
/// `0[j][b]` is `(b << 8j) * x^(8n) mod P`.
pub(crate) struct ShiftTable([[u32; 256]; 4]);

impl ShiftTable {
    /// Builds the table that shifts a raw CRC register by `n` zero bytes.
    pub(crate) const fn new(n: usize) -> Self {
        let factor = x_pow_8n(n);
        let mut table = [[0u32; 256]; 4];
        let mut j = 0;
        while j < 4 {
            let mut b = 0;
            while b < 256 {
                table[j][b] = mul_mod((b as u32) << (8 * j), factor);
                b += 1;
            }
            j += 1;
        }
        ShiftTable(table)
    }

    /// Returns the raw register `crc` advanced over the table's `n` zero
    /// bytes, i.e. `crc * x^(8n) mod P`.
    #[inline]
    pub(crate) fn shift(&self, crc: u32) -> u32 {
        let [b0, b1, b2, b3] = crc.to_le_bytes();
        self.0[0][usize::from(b0)]
            ^ self.0[1][usize::from(b1)]
            ^ self.0[2][usize::from(b2)]
            ^ self.0[3][usize::from(b3)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Carry-less product of two 32-bit values (software PCLMULQDQ/PMULL).
    fn clmul(a: u32, b: u32) -> u64 {
        (0..32)
            .filter(|i| b >> i & 1 != 0)
            .fold(0, |product, i| product ^ u64::from(a) << i)
    }

    /// The 8-byte CRC step on the raw register, bit by bit.
    fn step_u64(register: u32, word: u64) -> u32 {
        let mut v = u64::from(register) ^ word;
        for _ in 0..64 {
            v = if v & 1 != 0 {
                (v >> 1) ^ u64::from(POLY)
            } else {
                v >> 1
            };
        }
        v as u32
    }

    /// The raw register run over `data`, bit by bit.
    fn run(register: u32, data: &[u8]) -> u32 {
        data.iter().fold(register, |mut r, &byte| {
            r ^= u32::from(byte);
            for _ in 0..8 {
                r = mul_x(r);
            }
            r
        })
    }

    const SAMPLES: [u32; 6] = [0, 1, ONE, 0xFFFF_FFFF, 0x1234_5678, 0x9E37_79B9];

    #[test]
    fn div_x_inverts_mul_x() {
        for a in SAMPLES {
            assert_eq!(div_x(mul_x(a)), a);
            assert_eq!(mul_x(div_x(a)), a);
        }
    }

    #[test]
    fn word_shift_by_clmul_and_crc_step() {
        let table: [u32; 300] = word_shifts();
        for (w, &k) in table.iter().enumerate() {
            let expected_factor = x_pow_8n(8 * w);
            for a in SAMPLES {
                assert_eq!(
                    step_u64(0, clmul(a, k)),
                    mul_mod(a, expected_factor),
                    "{a:#x} by {w} words"
                );
                assert_eq!(run(a, &vec![0; 8 * w]), mul_mod(a, expected_factor));
            }
        }
    }
}
