//! The one seam between the rewal engine and the machine.
//!
//! The engine (`rewal`) never names an operating system, a syscall or a CPU
//! intrinsic; everything of that kind lives here, chosen per target by the
//! table below.
//!
//! # Files
//!
//! [`File`] is an open log file:
//!
//! - `File::open(path, Access) -> io::Result<File>`: opens the file. An
//!   [`Access::Exclusive`] open creates a missing file and then makes its
//!   directory entry durable ([`sync_dir`] of the parent) before it
//!   returns. It also takes the file's lock: another live exclusive open of
//!   the same file (by any path: the claim is on the file's identity), in
//!   this process or (where the OS has advisory locks) another one, fails
//!   with [`io::ErrorKind::WouldBlock`]. A read-only open takes no lock and
//!   never writes.
//! - `read_at(&self, buf, offset) -> io::Result<usize>`: positional read;
//!   fewer bytes than asked only at the end of the file.
//! - `write_at(&self, buf, offset) -> io::Result<usize>`: positional write;
//!   returns how much was written (possibly less than asked).
//! - `size`, `set_len` (cut or extend with zeros), `sync_data` (data and
//!   size reach the disk).
//! - `map(&self, len) -> io::Result<Option<Map>>`: a read-only view of the
//!   first `len` bytes ([`Map::bytes`]), or `None` on targets without maps
//!   and for a read-only open. Safe to call: the file is held under its
//!   lock, and `set_len` refuses to cut it below a live map; only a process
//!   that ignores the lock and shrinks the file can make a read of the map
//!   fault (see `File::map`).
//! - `release_lock(&mut self)`: releases the lock and the in-process
//!   claim, keeping the file open for reading only (no longer mapped, no
//!   longer written): a closed log frees its file at once while its
//!   readers read on. Dropping the `File` releases its lock too.
//!
//! Directories, for logs kept as a directory of segment files:
//! [`create_dir`] (making a new directory's entry durable), [`is_dir`],
//! [`list_dir`] (file names), [`list_subdirs`] (directory names),
//! [`fold_dir`] (a listing read as a stream, which starts again when an
//! entry vanishes under it), [`remove_file`] and [`rename`] (durable after
//! a [`sync_dir`]).
//!
//! [`sync_dir`] makes a directory's entries durable: `fsync` of the
//! directory on unix; on WASI Preview 1 `fd_sync`, which wasmtime answers
//! with `EBADF` for a directory (taken as not offered: the host's
//! business); on WASI Preview 2 a sync of the directory (wasmtime fsyncs
//! it on the host); nothing on Windows (which has no such call for
//! programs; NTFS journals its metadata).
//!
//! Unix, Windows and WASI share one `File` over a std file (`std_file.rs`);
//! their backend modules supply what differs: `lock_exclusive`, `identity`,
//! `sync_dir`, `read_at`, `write_at`, `map` and the `Map` type. The browser
//! backend has no files: its `File` cannot be opened.
//!
//! [`prefetch`] asks the CPU to start loading a cache line that will be
//! read soon (x86_64; nothing elsewhere): for walks over a map that the
//! CPU's own prefetchers do not follow (a reader reading only a frame's
//! header every few hundred bytes; a check crossing page after page).
//!
//! [`now`] is a monotonic clock since an arbitrary origin that never panics
//! (on `wasm32-unknown-unknown` it reads a clock installed with
//! [`install_clock`], and stands still until one is).
//!
//! # The CRC-32C contract
//!
//! [`crc32c`] uses the fastest implementation this CPU has: SSE4.2 with three
//! interleaved streams on x86_64, the CRC instructions on aarch64 (both
//! detected at run time), sixteen byte lanes of SIMD128 on wasm32 built with
//! `simd128`, and a portable slicing-by-16 table loop everywhere else. All of
//! them give identical results; the tests check that.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
// Every fallible public function says how it fails (`# Errors`), kept true
// by `cargo clippy -- -D warnings`.
#![warn(clippy::missing_errors_doc)]
#![warn(clippy::undocumented_unsafe_blocks)]

use std::io;
use std::path::Path;
use std::time::Duration;

mod crc;
mod prefetch;
// The browser has no files to claim; the simulated disk claims its own.
#[cfg(not(any(all(target_arch = "wasm32", target_os = "unknown"), rewal_simdisk)))]
mod registry;
#[cfg(not(any(all(target_arch = "wasm32", target_os = "unknown"), rewal_simdisk)))]
mod std_file;

// The table: one backend per target, and where its `File` and clock come
// from (the browser has no files; every other target shares one std
// `File` and std's clock). `--cfg rewal_simdisk` swaps the files for a
// simulated disk, for power-loss tests.
cfg_if::cfg_if! {
    if #[cfg(rewal_simdisk)] {
        pub mod simdisk;
        use simdisk as files;
    } else if #[cfg(all(target_arch = "wasm32", target_os = "wasi", target_env = "p2"))] {
        // Preview 2 (a component): wasi-libc's descriptors.
        mod wasi;
        mod wasi_p2;
        use wasi_p2 as backend;
        use std_file as files;
    } else if #[cfg(all(target_arch = "wasm32", target_os = "wasi"))] {
        // Preview 1 (a core module): the `wasi` crate's calls.
        mod wasi;
        mod wasi_p1;
        use wasi_p1 as backend;
        use std_file as files;
    } else if #[cfg(all(target_arch = "wasm32", target_os = "unknown"))] {
        mod browser;
        use browser as files;
    } else if #[cfg(unix)] {
        mod unix;
        use unix as backend;
        use std_file as files;
    } else if #[cfg(windows)] {
        mod windows;
        use windows as backend;
        use std_file as files;
    } else {
        compile_error!("rewal-platform has no backend for this target");
    }
}

pub use crc::{crc32c, crc32c_hardware, crc32c_portable};
pub use files::{
    create_dir, fold_dir, is_dir, list_dir, list_subdirs, remove_file, rename, sync_dir, File, Map,
};
pub use prefetch::prefetch;

/// Whether this target runs threads: the one decision that picks the
/// engine's write pipeline (a writer thread with group commit, or the
/// inline pipeline of wasm32 without threads). `--cfg rewal_inline` makes
/// it false natively, to test the inline pipeline there.
pub const HAS_THREADS: bool = cfg!(not(any(
    rewal_inline,
    all(target_family = "wasm", not(target_feature = "atomics"))
)));

/// What an entry of a directory is, as [`fold_dir`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// Anything else (a link, a device, a socket...).
    Other,
}

/// How a [`File`] is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Read and append, create if missing, hold the exclusive lock.
    Exclusive,
    /// Read only, no lock: for inspecting a log another process may have open.
    ReadOnly,
    /// Read only, without a lock of its own, under a lock the caller holds
    /// that covers the file (a segment of a directory locked through its
    /// lock file): mapped like an exclusive open, since every rewal process
    /// keeps its hands off while that lock is held. Takes no in-process
    /// claim either, so that a file may be opened this way many times.
    ReadCovered,
}

/// Opens `path` with the given access (see the crate docs for the contract).
///
/// # Errors
///
/// [`io::ErrorKind::WouldBlock`] for an exclusive open of a file that is
/// already open exclusively; the OS's error when the file cannot be opened
/// or created (`NotFound` for a read-only open of a missing file;
/// `Unsupported` on `wasm32-unknown-unknown`, which has no files).
pub fn open(path: &Path, access: Access) -> io::Result<File> {
    File::open(path, access)
}

/// A monotonic clock reading, since an arbitrary origin fixed per process.
pub fn now() -> Duration {
    files::now()
}

/// Installs the clock `now` reads on targets whose std has no clock
/// (`wasm32-unknown-unknown`, where the embedder passes e.g.
/// `performance.now()`); a no-op elsewhere.
pub fn install_clock(clock: fn() -> Duration) {
    files::install_clock(clock)
}
