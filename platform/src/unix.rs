//! Linux, macOS and the other Unixes: std files, `flock` through std, `mmap`.

use crate::std_file::OsLock;
use std::io;
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;

/// Exclusive opens take `flock` (through std).
pub(crate) const OS_LOCK: OsLock = OsLock::Take;

/// Reads at `offset` (`pread`); short only at the end of the file.
pub(crate) fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.read_at(buf, offset)
}

/// Maps the first `len` bytes of `file` read-only.
pub(crate) fn map(file: &std::fs::File, len: u64) -> io::Result<Option<Map>> {
    let len = usize::try_from(len)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file too large to map"))?;
    if len == 0 {
        return Ok(Some(Map {
            ptr: std::ptr::NonNull::dangling().as_ptr(),
            len: 0,
        }));
    }
    // SAFETY: a fresh read-only shared mapping of a descriptor the caller
    // owns; the kernel picks the address, and failure is checked below.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            file.as_raw_fd(),
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
