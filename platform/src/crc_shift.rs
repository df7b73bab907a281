//! GF(2) polynomial arithmetic modulo the CRC-32C polynomial, and the
//! "shift by n zero bytes" tables that the hardware CRC paths use to join
//! independently computed partial CRCs.
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
