//! Windows: std files, `LockFileEx`, `CreateFileMappingW` maps.

use crate::registry::FileId;
use std::io;
use std::os::windows::fs::FileExt;
use std::os::windows::io::AsRawHandle;
use std::path::Path;
use windows_sys::Win32::Foundation::{CloseHandle, ERROR_LOCK_VIOLATION, HANDLE};
use windows_sys::Win32::Storage::FileSystem::{
    GetFileInformationByHandle, LockFileEx, UnlockFileEx, BY_HANDLE_FILE_INFORMATION,
    LOCKFILE_EXCLUSIVE_LOCK, LOCKFILE_FAIL_IMMEDIATELY,
};
use windows_sys::Win32::System::Memory::{
    CreateFileMappingW, MapViewOfFile, UnmapViewOfFile, FILE_MAP_READ, MEMORY_MAPPED_VIEW_ADDRESS,
    PAGE_READONLY,
};
use windows_sys::Win32::System::IO::OVERLAPPED;

/// Takes an exclusive `LockFileEx` lock on the whole file without waiting:
/// `WouldBlock` if another handle holds it. Released when the handle is
/// closed.
pub(crate) fn lock_exclusive(file: &std::fs::File) -> io::Result<()> {
    // SAFETY: a zeroed OVERLAPPED is the documented way to lock from
    // offset 0; the handle is owned by the caller and outlives the call.
    let locked = unsafe {
        let mut overlapped: OVERLAPPED = std::mem::zeroed();
        LockFileEx(
            file.as_raw_handle() as HANDLE,
            LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY,
            0,
            u32::MAX,
            u32::MAX,
            &mut overlapped,
        )
    };
    if locked != 0 {
        return Ok(());
    }
    let error = io::Error::last_os_error();
    if error.raw_os_error() == Some(ERROR_LOCK_VIOLATION as i32) {
        return Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            "the file is locked by another process",
        ));
    }
    Err(error)
}

/// Releases the lock `lock_exclusive` took (the handle stays open, for
/// reading).
pub(crate) fn unlock(file: &std::fs::File) -> io::Result<()> {
    // SAFETY: as in `lock_exclusive`: a zeroed OVERLAPPED names offset 0,
    // the range is the one locked, the handle is the caller's.
    let unlocked = unsafe {
        let mut overlapped: OVERLAPPED = std::mem::zeroed();
        UnlockFileEx(
            file.as_raw_handle() as HANDLE,
            0,
            u32::MAX,
            u32::MAX,
            &mut overlapped,
        )
    };
    if unlocked != 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The file's volume serial number and file index.
pub(crate) fn identity(file: &std::fs::File) -> io::Result<FileId> {
    // SAFETY: the structure is plain data that the call fills in; the
    // handle is owned by the caller.
    let (ok, info) = unsafe {
        let mut info: BY_HANDLE_FILE_INFORMATION = std::mem::zeroed();
        let ok = GetFileInformationByHandle(file.as_raw_handle() as HANDLE, &mut info);
        (ok, info)
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    let index = (u64::from(info.nFileIndexHigh) << 32) | u64::from(info.nFileIndexLow);
    Ok((u64::from(info.dwVolumeSerialNumber), index))
}

/// Windows offers no fsync of a directory to programs (NTFS journals its
/// metadata, and a file's `FlushFileBuffers` carries its directory entry);
/// this is a no-op.
pub(crate) fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Reads at `offset` (`ReadFile` with an offset); short only at the end of
/// the file.
pub(crate) fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.seek_read(buf, offset)
}

/// Writes at `offset` (`WriteFile` with an offset).
pub(crate) fn write_at(file: &std::fs::File, buf: &[u8], offset: u64) -> io::Result<usize> {
    file.seek_write(buf, offset)
}

/// Maps the first `len` bytes of `file` read-only.
///
/// # Safety
///
/// Nothing may shrink the file below `len` while the map lives (see
/// `File::map`). (Windows refuses to shrink a file below a live view, so
/// here the contract is kept by the OS as well.)
pub(crate) unsafe fn map(file: &std::fs::File, len: u64) -> io::Result<Option<Map>> {
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
