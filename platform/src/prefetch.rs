//! A hint to the CPU to start loading bytes that will be read soon.

/// Asks the CPU to start loading the cache line holding `bytes[at]` into
/// its caches, if `at` lies within `bytes`; nothing else happens, and
/// nothing at all on targets without such an instruction here.
///
/// For a walk over a map that the CPU's own prefetchers do not follow: a
/// reader that reads only a little of what it passes (a frame's header
/// every few hundred bytes), and a check that reads every byte in order
/// but, page after page, meets the prefetchers stopping at each 4 KiB
/// page's end.
#[inline]
pub fn prefetch(bytes: &[u8], at: usize) {
    if let Some(byte) = bytes.get(at) {
        load_hint(byte);
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn load_hint(byte: &u8) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    // SAFETY: a prefetch only hints; it never faults and changes no
    // memory, and the pointer comes from a live reference. (SSE, which
    // the instruction belongs to, is part of every x86_64 target.)
    #[allow(unused_unsafe)]
    unsafe {
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(byte).cast::<i8>());
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn load_hint(_byte: &u8) {}
