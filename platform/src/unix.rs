//! Linux, macOS and the other Unixes: std files, `flock` through std, `mmap`.

use crate::registry::Claim;
use crate::std_file::{self, OsLock};
use crate::Access;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// An open log file (see the crate docs for the contract).
#[derive(Debug)]
pub struct File {
    file: std::fs::File,
    // Declared after `file`: the OS lock goes with the descriptor, then the
    // in-process claim, so a waiting reopen never sees the claim free first.
    _claim: Option<Claim>,
}

impl File {
    /// Opens `path`; see [`crate::Access`].
    pub fn open(path: &Path, access: Access) -> io::Result<File> {
        let (file, claim) = std_file::open(path, access, OsLock::Take)?;
        Ok(File {
            file,
            _claim: claim,
        })
    }

    /// Reads at `offset`; short only at the end of the file.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.file.read_at(buf, offset)
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

    /// Makes the file's data and size durable (`fdatasync`).
    pub fn sync_data(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    /// Maps the first `len` bytes read-only.
    pub fn map(&self, len: u64) -> io::Result<Option<Map>> {
        let len = usize::try_from(len)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file too large to map"))?;
        if len == 0 {
            return Ok(Some(Map {
                ptr: std::ptr::NonNull::dangling().as_ptr(),
                len: 0,
            }));
        }
        // SAFETY: a fresh read-only shared mapping of a descriptor we own;
        // the kernel picks the address, and failure is checked below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                self.file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Some(Map {
            ptr: ptr.cast(),
            len,
        }))
    }
}

/// A read-only memory map of the start of a file.
#[derive(Debug)]
pub struct Map {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by this value; sharing `&[u8]`
// views of it between threads is as safe as sharing any immutable slice.
unsafe impl Send for Map {}
// SAFETY: see `Send`; nothing mutates through `&Map`.
unsafe impl Sync for Map {}

impl Map {
    /// The mapped bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` is a live mapping of `len` readable bytes (or dangling
        // with `len == 0`) until `drop`. The file is never shrunk below a live
        // map's length by rewal while the map lives (truncation happens only
        // at open, before any map); another process must respect the lock.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: unmapping exactly the region `mmap` returned, once.
            unsafe {
                libc::munmap(self.ptr.cast(), self.len);
            }
        }
    }
}

/// Monotonic time since the first call in this process.
pub fn now() -> Duration {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed()
}

/// std has a clock here; nothing to install.
pub fn install_clock(_clock: fn() -> Duration) {}
