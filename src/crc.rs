//! CRC-32C (Castagnoli), as frames use it: hardware-accelerated where the
//! CPU allows (SSE4.2, ARMv8 CRC), portable tables elsewhere.

/// The CRC-32C of `data`.
#[inline]
pub fn checksum(data: &[u8]) -> u32 {
    rewal_platform::crc32c(0, data)
}

/// Extends `crc`, the CRC-32C of some bytes, with `data`:
/// `update(checksum(a), b) == checksum(a ++ b)`.
#[inline]
pub fn update(crc: u32, data: &[u8]) -> u32 {
    rewal_platform::crc32c(crc, data)
}
