//! Windows: std files, `LockFileEx` through std, `CreateFileMappingW` maps.

use crate::std_file::OsLock;
use std::io;
use std::os::windows::fs::FileExt;
use std::os::windows::io::AsRawHandle;
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
use windows_sys::Win32::System::Memory::{
    CreateFileMappingW, MapViewOfFile, UnmapViewOfFile, FILE_MAP_READ, MEMORY_MAPPED_VIEW_ADDRESS,
    PAGE_READONLY,
};

/// Exclusive opens take `LockFileEx` (through std).
pub(crate) const OS_LOCK: OsLock = OsLock::Take;

/// Reads at `offset` (`ReadFile` with an offset); short only at the end of
/// the file.
pub(crate) fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.seek_read(buf, offset)
}

/// Maps the first `len` bytes of `file` read-only.
pub(crate) fn map(file: &std::fs::File, len: u64) -> io::Result<Option<Map>> {
    let size = usize::try_from(len)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file too large to map"))?;
    if size == 0 {
        return Ok(Some(Map {
            ptr: std::ptr::NonNull::dangling().as_ptr(),
            len: 0,
        }));
    }
    let handle = file.as_raw_handle() as HANDLE;
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
