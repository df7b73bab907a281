//! Linux, macOS and the other Unixes: std files, `flock`, `mmap`.

use crate::registry::FileId;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::os::unix::io::AsRawFd;
use std::path::Path;

/// Takes the file's `flock` without blocking: `WouldBlock` if another open
/// file description (in any process) holds it. Released when the file is
/// closed.
///
/// A busy lock is tried again for a few milliseconds before giving up: a
/// child process this process is spawning holds a copy of every descriptor
/// between its fork and its exec (close-on-exec acts only at the exec), so
/// a lock this process has just released can look held for that long.
pub(crate) fn lock_exclusive(file: &std::fs::File) -> io::Result<()> {
    const TRIES: u32 = 20;
    for attempt in 1..=TRIES {
        // SAFETY: a plain call on a descriptor the caller owns.
        let status = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if status == 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::WouldBlock {
            return Err(error);
        }
        if attempt < TRIES {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
    Err(io::Error::new(
        io::ErrorKind::WouldBlock,
        "the file is locked by another process",
    ))
}

/// Releases the file's `flock` (the descriptor stays open, for reading).
pub(crate) fn unlock(file: &std::fs::File) -> io::Result<()> {
    // SAFETY: a plain call on a descriptor the caller owns.
    let status = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_UN) };
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The file's device and inode numbers.
pub(crate) fn identity(file: &std::fs::File) -> io::Result<FileId> {
    let metadata = file.metadata()?;
    Ok((metadata.dev(), metadata.ino()))
}

/// `fsync` of the directory itself: makes its entries (a created, removed
/// or renamed file) durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Reads at `offset` (`pread`); short only at the end of the file.
pub(crate) fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.read_at(buf, offset)
}

/// Writes at `offset` (`pwrite`).
pub(crate) fn write_at(file: &std::fs::File, buf: &[u8], offset: u64) -> io::Result<usize> {
    file.write_at(buf, offset)
}

/// Maps the first `len` bytes of `file` read-only.
///
/// # Safety
///
/// Nothing may shrink the file below `len` while the map lives (see
/// `File::map`): touching pages past the end raises `SIGBUS`.
pub(crate) unsafe fn map(file: &std::fs::File, len: u64) -> io::Result<Option<Map>> {
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
        // with `len == 0`) until `drop`; whoever made the map promised that
        // the file is not shrunk below `len` while it lives (`map`'s
        // contract), so every page of it can be read.
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
