//! CRC-32C with the ARMv8 CRC instructions (`crc32c{b,h,w,x}`), and PMULL
//! (the `aes` feature) for joining three streams: the instructions for the
//! shared skeleton (`crc/three_way.rs`, which explains the paths).

// The intrinsics are unsafe to call in Rust 1.81 (this crate's oldest),
// and safe within a function with their feature in newer ones, where these
// `unsafe` blocks are then unused.
#![allow(unused_unsafe)]

use crate::crc::three_way::three_way_crc;
use core::arch::aarch64::{__crc32cb, __crc32cd, __crc32ch, __crc32cw, vmull_p64};
use std::sync::atomic::{AtomicU8, Ordering};

three_way_crc!(baseline = "crc", with_clmul = "crc,aes");

/// The 8-byte step: `crc32cx`. Writing a W register clears the upper half
/// of its X register, so the 64-bit register form costs nothing.
///
/// # Safety
///
/// The CPU must have the CRC extension.
#[target_feature(enable = "crc")]
#[inline]
unsafe fn step8(register: u64, word: u64) -> u64 {
    // The upper half is zero: the cast loses nothing.
    // SAFETY: the caller promises the feature (this function's contract).
    unsafe { u64::from(__crc32cd(register as u32, word)) }
}

/// The 4-byte step.
///
/// # Safety
///
/// The CPU must have the CRC extension.
#[target_feature(enable = "crc")]
#[inline]
unsafe fn step4(register: u32, word: u32) -> u32 {
    // SAFETY: the caller promises the feature (this function's contract).
    unsafe { __crc32cw(register, word) }
}

/// The 2-byte step.
///
/// # Safety
///
/// The CPU must have the CRC extension.
#[target_feature(enable = "crc")]
#[inline]
unsafe fn step2(register: u32, half: u16) -> u32 {
    // SAFETY: the caller promises the feature (this function's contract).
    unsafe { __crc32ch(register, half) }
}

/// The 1-byte step.
///
/// # Safety
///
/// The CPU must have the CRC extension.
#[target_feature(enable = "crc")]
#[inline]
unsafe fn step1(register: u32, byte: u8) -> u32 {
    // SAFETY: the caller promises the feature (this function's contract).
    unsafe { __crc32cb(register, byte) }
}

/// `shift(a, wa words) ^ shift(b, wb words)`, with the constants
/// `ka = WORD_SHIFTS[wa]`, `kb = WORD_SHIFTS[wb]`.
///
/// # Safety
///
/// The CPU must have the CRC extension and PMULL.
#[target_feature(enable = "crc,aes")]
#[inline]
unsafe fn shift_two(a: u64, ka: u32, b: u64, kb: u32) -> u64 {
    // As on x86_64: the products of 32-bit values fit in 64 bits, are XORed
    // (the final step is linear), and the CRC step finishes the multiply
    // (`shift.rs`). The casts only reinterpret.
    // SAFETY: the caller promises both features (this function's
    // contract).
    unsafe {
        let product_a = vmull_p64(a, u64::from(ka)) as u64;
        let product_b = vmull_p64(b, u64::from(kb)) as u64;
        u64::from(__crc32cd(0, product_a ^ product_b))
    }
}

/// Set in [`FEATURES`] once detection has run.
const DETECTED: u8 = 1;
/// Set in [`FEATURES`] if the CPU has the CRC extension.
const CRC: u8 = 2;
/// Set in [`FEATURES`] if the CPU has PMULL as well.
const PMULL: u8 = 4;

/// What `std::arch::is_aarch64_feature_detected!` reported for this CPU, as
/// the bits above; 0 until the first call has asked. One load for both
/// answers and one cold call in `update`, as on x86_64 (where std's two
/// checks measurably cost short inputs).
///
/// Relaxed ordering suffices: the byte is the only data, and every thread
/// that detects computes the same value.
static FEATURES: AtomicU8 = AtomicU8::new(0);

/// Whether the CPU has the CRC extension, and PMULL as well (detected
/// once).
#[inline]
fn features() -> (bool, bool) {
    let mut features = FEATURES.load(Ordering::Relaxed);
    if features == 0 {
        features = detect();
    }
    (features & CRC != 0, features & PMULL != 0)
}

/// Runs detection, records it in [`FEATURES`] and returns it.
#[cold]
#[inline(never)]
fn detect() -> u8 {
    let (crc, pmull) = cpu_has_the_features();
    let features = DETECTED | if crc { CRC } else { 0 } | if pmull { PMULL } else { 0 };
    FEATURES.store(features, Ordering::Relaxed);
    features
}

/// Whether the CPU has the CRC extension, and PMULL as well, asked of std
/// (the `aes` feature covers FEAT_PMULL).
fn cpu_has_the_features() -> (bool, bool) {
    let crc = std::arch::is_aarch64_feature_detected!("crc");
    (crc, crc && std::arch::is_aarch64_feature_detected!("aes"))
}
