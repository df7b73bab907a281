//! Windows: std files, `LockFileEx` through std, `CreateFileMappingW` maps.

use crate::registry::Claim;
use crate::std_file::{self, OsLock};
use crate::Access;
use std::io::{self, Write};
use std::os::windows::fs::FileExt;
use std::os::windows::io::AsRawHandle;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
use windows_sys::Win32::System::Memory::{
    CreateFileMappingW, MapViewOfFile, UnmapViewOfFile, FILE_MAP_READ, MEMORY_MAPPED_VIEW_ADDRESS,
    PAGE_READONLY,
};

/// An open log file (see the crate docs for the contract).
#[derive(Debug)]
pub struct File {
    file: std::fs::File,
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
        self.file.seek_read(buf, offset)
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

    /// Makes the file's data durable (`FlushFileBuffers`).
    pub fn sync_data(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    /// Maps the first `len` bytes read-only.
    pub fn map(&self, len: u64) -> io::Result<Option<Map>> {
        let size = usize::try_from(len)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file too large to map"))?;
        if size == 0 {
            return Ok(Some(Map {
                ptr: std::ptr::NonNull::dangling().as_ptr(),
                len: 0,
            }));
        }
        let handle = self.file.as_raw_handle() as HANDLE;
        // SAFETY: a read-only mapping object over a handle we own, sized to
        // `len` bytes the file holds; the result is checked for failure.
        let mapping = unsafe {
            CreateFileMappingW(
                handle,
                std::ptr::null(),
                PAGE_READONLY,
                (len >> 32) as u32,
                len as u32,
                std::ptr::null(),
            )
        };
        if mapping.is_null() {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: viewing the whole mapping object just created; the view
        // keeps the mapping alive, so the object's handle is closed at once.
        let view = unsafe { MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, size) };
        // SAFETY: closing the mapping handle we created, exactly once.
        unsafe { CloseHandle(mapping) };
        if view.Value.is_null() {
            return Err(io::Error::last_os_error());
        }
        Ok(Some(Map {
            ptr: view.Value.cast(),
            len: size,
        }))
    }
}

/// A read-only view of the start of a file.
#[derive(Debug)]
pub struct Map {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the view is read-only and owned by this value; sharing `&[u8]` of
// it between threads is as safe as sharing any immutable slice.
unsafe impl Send for Map {}
// SAFETY: see `Send`; nothing mutates through `&Map`.
unsafe impl Sync for Map {}

impl Map {
    /// The mapped bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` is a live view of `len` readable bytes (or dangling
        // with `len == 0`) until `drop`; Windows refuses to shrink a file
        // below a live view.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: unmapping exactly the view `MapViewOfFile` returned, once.
            unsafe {
                UnmapViewOfFile(MEMORY_MAPPED_VIEW_ADDRESS {
                    Value: self.ptr.cast(),
                });
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
