//! CRC-32C with the SSE4.2 `crc32` instruction, and PCLMULQDQ for joining
//! three streams: the instructions for the shared skeleton
//! (`crc/three_way.rs`, which explains the paths).

// The intrinsics are unsafe to call in Rust 1.81 (this crate's oldest),
// and safe within a function with their feature in newer ones, where these
// `unsafe` blocks are then unused.
#![allow(unused_unsafe)]

use crate::crc::three_way::three_way_crc;
use std::arch::x86_64::{
    _mm_clmulepi64_si128, _mm_crc32_u16, _mm_crc32_u32, _mm_crc32_u64, _mm_crc32_u8,
    _mm_cvtsi128_si64, _mm_cvtsi32_si128, _mm_cvtsi64_si128, _mm_xor_si128,
};
use std::sync::atomic::{AtomicU8, Ordering};

three_way_crc!(baseline = "sse4.2", with_clmul = "sse4.2,pclmulqdq");

/// The 8-byte step: `crc32 r64, r/m64`.
///
/// # Safety
///
/// The CPU must have SSE4.2.
#[target_feature(enable = "sse4.2")]
#[inline]
unsafe fn step8(register: u64, word: u64) -> u64 {
    // SAFETY: the caller promises the feature (this function's contract).
    unsafe { _mm_crc32_u64(register, word) }
}

/// The 4-byte step.
///
/// # Safety
///
/// The CPU must have SSE4.2.
#[target_feature(enable = "sse4.2")]
#[inline]
unsafe fn step4(register: u32, word: u32) -> u32 {
    // SAFETY: the caller promises the feature (this function's contract).
    unsafe { _mm_crc32_u32(register, word) }
}

/// The 2-byte step.
///
/// # Safety
///
/// The CPU must have SSE4.2.
#[target_feature(enable = "sse4.2")]
#[inline]
unsafe fn step2(register: u32, half: u16) -> u32 {
    // SAFETY: the caller promises the feature (this function's contract).
    unsafe { _mm_crc32_u16(register, half) }
}

/// The 1-byte step.
///
/// # Safety
///
/// The CPU must have SSE4.2.
#[target_feature(enable = "sse4.2")]
#[inline]
unsafe fn step1(register: u32, byte: u8) -> u32 {
    // SAFETY: the caller promises the feature (this function's contract).
    unsafe { _mm_crc32_u8(register, byte) }
}

/// `shift(a, wa words) ^ shift(b, wb words)`, with the constants
/// `ka = WORD_SHIFTS[wa]`, `kb = WORD_SHIFTS[wb]`.
///
/// # Safety
///
/// The CPU must have SSE4.2 and PCLMULQDQ.
#[target_feature(enable = "sse4.2,pclmulqdq")]
#[inline]
unsafe fn shift_two(a: u64, ka: u32, b: u64, kb: u32) -> u64 {
    // Each carry-less product of two 32-bit values fits in the low 64 bits;
    // XORing the products first is allowed because the final CRC step is
    // linear, and saves one step (see `shift.rs`, "Shifting with a
    // carry-less multiply", for why the step finishes the multiplication).
    // The casts only reinterpret: registers and constants are below 2^32.
    // SAFETY: the caller promises both features (this function's
    // contract).
    unsafe {
        let product_a =
            _mm_clmulepi64_si128::<0x00>(_mm_cvtsi64_si128(a as i64), _mm_cvtsi32_si128(ka as i32));
        let product_b =
            _mm_clmulepi64_si128::<0x00>(_mm_cvtsi64_si128(b as i64), _mm_cvtsi32_si128(kb as i32));
        let product = _mm_cvtsi128_si64(_mm_xor_si128(product_a, product_b)) as u64;
        _mm_crc32_u64(0, product)
    }
}

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
/// call to the detection routine, and with two of them in `update` the
/// compiler often declined to inline it, or saved registers on every call
/// around them: up to 1.5 ns per call on short inputs. Here both answers
/// come from one load, and there is one such call.
///
/// Relaxed ordering suffices: the byte is the only data, and every thread
/// that detects computes the same value.
static FEATURES: AtomicU8 = AtomicU8::new(0);

/// Whether the CPU has SSE4.2, and PCLMULQDQ as well (detected once).
#[inline]
fn features() -> (bool, bool) {
    let mut features = FEATURES.load(Ordering::Relaxed);
    if features == 0 {
        features = detect();
    }
    (features & SSE42 != 0, features & CLMUL != 0)
}

/// Runs detection, records it in [`FEATURES`] and returns it.
#[cold]
#[inline(never)]
fn detect() -> u8 {
    let (sse42, clmul) = cpu_has_the_features();
    let features = DETECTED | if sse42 { SSE42 } else { 0 } | if clmul { CLMUL } else { 0 };
    FEATURES.store(features, Ordering::Relaxed);
    features
}

/// Whether the CPU has SSE4.2, and PCLMULQDQ as well, asked of std.
fn cpu_has_the_features() -> (bool, bool) {
    let sse42 = std::arch::is_x86_feature_detected!("sse4.2");
    (
        sse42,
        sse42 && std::arch::is_x86_feature_detected!("pclmulqdq"),
    )
}
