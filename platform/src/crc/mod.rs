//! CRC-32C, one sibling per way of computing it: the CPU's CRC
//! instructions in three interleaved streams (`three_way.rs`, expanded by
//! `x86_64.rs` and `aarch64.rs`), sixteen SIMD128 byte lanes on wasm32
//! (`wasm_simd.rs`), and the portable slicing-by-16 tables
//! (`portable.rs`) everywhere else; `shift.rs` holds the tables that
//! combine streams. All give the same results (their tests compare them).

#[cfg(target_arch = "aarch64")]
mod aarch64;
pub(crate) mod portable;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) mod three_way;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm_simd;
#[cfg(target_arch = "x86_64")]
mod x86_64;

/// Updates a CRC-32C: `crc` is the finished CRC of the preceding bytes (0 for
/// none), the result the finished CRC of those bytes followed by `data`.
#[inline]
pub fn crc32c(crc: u32, data: &[u8]) -> u32 {
    match crc32c_hardware(crc, data) {
        Some(value) => value,
        None => portable::update(crc, data),
    }
}

/// The portable table-driven CRC-32C, on every target (for tests and peers).
pub fn crc32c_portable(crc: u32, data: &[u8]) -> u32 {
    portable::update(crc, data)
}

/// The accelerated CRC-32C (the CPU's CRC instructions, or wasm SIMD128),
/// or `None` when this CPU or build has none.
#[inline]
pub fn crc32c_hardware(crc: u32, data: &[u8]) -> Option<u32> {
    cfg_if::cfg_if! {
        if #[cfg(target_arch = "x86_64")] {
            x86_64::update(crc, data)
        } else if #[cfg(target_arch = "aarch64")] {
            aarch64::update(crc, data)
        } else if #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))] {
            Some(wasm_simd::update(crc, data))
        } else {
            let _ = (crc, data);
            None
        }
    }
}
