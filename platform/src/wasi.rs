//! WASI preview 1 (`wasm32-wasip1`): std files for what std does well, the
//! `wasi` crate for positional reads, which std has no stable API for.
//!
//! WASI has no advisory lock call: two exclusive opens of one file in this
//! instance are refused by the process-wide registry, and across instances
//! the host's sandbox (which directories it grants to whom) is the guard.
//! There are no memory maps: `map` returns `None` and the engine reads
//! through its bounded read buffer.

use crate::registry::Claim;
use crate::std_file::{self, OsLock};
use crate::Access;
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// An open log file (see the crate docs for the contract).
#[derive(Debug)]
pub struct File {
    file: std::fs::File,
    _claim: Option<Claim>,
}

impl File {
    /// Opens `path`; see [`crate::Access`].
    pub fn open(path: &Path, access: Access) -> io::Result<File> {
        let (file, claim) = std_file::open(path, access, OsLock::None)?;
        Ok(File {
            file,
            _claim: claim,
        })
    }

    /// Reads at `offset`: `fd_seek`, then `fd_read` until `buf` is full or
    /// the file ends.
    ///
    /// Not `fd_pread`: wasmtime serves `fd_pread` through a buffer of its
    /// own (zeroed, filled, then copied into linear memory) but `fd_read`
    /// straight into linear memory, which makes replay's reads about twice
    /// as fast (`examples/wasi_bench.rs`). The file position is this
    /// handle's own business: appends go to the end whatever it is (the
    /// file is opened in append mode), and wasm32-wasip1 has no threads to
    /// race for it.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let fd = self.file.as_raw_fd() as wasi::Fd;
        let errno = |errno: wasi::Errno| io::Error::from_raw_os_error(i32::from(errno.raw()));
        let offset = i64::try_from(offset).map_err(|_| io::ErrorKind::InvalidInput)?;
        // SAFETY: plain calls on a descriptor this `File` owns.
        unsafe { wasi::fd_seek(fd, offset, wasi::WHENCE_SET) }.map_err(errno)?;
        let mut filled = 0;
        while filled < buf.len() {
            let rest = &mut buf[filled..];
            let iovec = wasi::Iovec {
                buf: rest.as_mut_ptr(),
                buf_len: rest.len(),
            };
            // SAFETY: the iovec describes `rest`, which is valid for writes
            // of `rest.len()` bytes for the duration of the call.
            match unsafe { wasi::fd_read(fd, &[iovec]) }.map_err(errno)? {
                0 => break,
                n => filled += n,
            }
        }
        Ok(filled)
    }

    /// Writes at the end of the file (the file is opened in append mode).
    pub fn append(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    /// The file's current size.
    pub fn size(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// Cuts (or extends) the file to `len` bytes.
    pub fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }

    /// Makes the file's data durable (`fd_datasync`).
    pub fn sync_data(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    /// WASI has no memory maps.
    pub fn map(&self, _len: u64) -> io::Result<Option<Map>> {
        Ok(None)
    }
}

/// Never constructed: WASI has no memory maps.
#[derive(Debug)]
pub enum Map {}

impl Map {
    /// Unreachable: no `Map` exists on this target.
    pub fn bytes(&self) -> &[u8] {
        match *self {}
    }
}

/// Monotonic time (WASI `clock_time_get`) since the first call.
pub fn now() -> Duration {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed()
}

/// std has a clock here; nothing to install.
pub fn install_clock(_clock: fn() -> Duration) {}
