//! WASI Preview 1 (`wasm32-wasip1`): std files for what std does well, the
//! `wasi` crate for positional I/O and file identities, which std has no
//! stable API for. No locks and no maps (`wasi.rs`).

use crate::registry::FileId;
pub(crate) use crate::wasi::{lock_exclusive, map, unlock, Map};
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

fn errno(errno: wasi::Errno) -> io::Error {
    io::Error::from_raw_os_error(i32::from(errno.raw()))
}

/// The file's device and inode numbers, as the host reports them
/// (`fd_filestat_get`).
pub(crate) fn identity(file: &std::fs::File) -> io::Result<FileId> {
    // SAFETY: a plain call on a descriptor the caller owns.
    let stat = unsafe { wasi::fd_filestat_get(file.as_raw_fd() as wasi::Fd) }.map_err(errno)?;
    Ok((stat.dev, stat.ino))
}

/// `fd_sync` of the directory, where the host offers it. wasmtime (as of
/// 48) does not: its preview 1 `fd_sync` answers `EBADF` for a directory.
/// Such a refusal means "the host has no directory sync", and the entry's
/// durability is then the host's business (the README says so); any other
/// error is reported.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    match std::fs::File::open(dir)?.sync_all() {
        Err(error) if host_has_no_dir_sync(&error) => Ok(()),
        outcome => outcome,
    }
}

fn host_has_no_dir_sync(error: &io::Error) -> bool {
    let refusals = [
        wasi::ERRNO_BADF,
        wasi::ERRNO_NOTSUP,
        wasi::ERRNO_INVAL,
        wasi::ERRNO_ISDIR,
    ];
    error
        .raw_os_error()
        .is_some_and(|code| refusals.iter().any(|errno| i32::from(errno.raw()) == code))
}

/// Writes at `offset`: `fd_seek`, then `fd_write` (one handle, no threads
/// to race for its position; see `read_at`).
pub(crate) fn write_at(file: &std::fs::File, buf: &[u8], offset: u64) -> io::Result<usize> {
    let fd = file.as_raw_fd() as wasi::Fd;
    let offset = i64::try_from(offset).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: plain calls on a descriptor the caller owns; the ciovec
    // describes `buf`, valid for reads for the duration of the call.
    unsafe {
        wasi::fd_seek(fd, offset, wasi::WHENCE_SET).map_err(errno)?;
        let ciovec = wasi::Ciovec {
            buf: buf.as_ptr(),
            buf_len: buf.len(),
        };
        wasi::fd_write(fd, &[ciovec]).map_err(errno)
    }
}

/// Reads at `offset`: `fd_seek`, then `fd_read` until `buf` is full or
/// the file ends.
///
/// Not `fd_pread`: wasmtime serves `fd_pread` through a buffer of its
/// own (zeroed, filled, then copied into linear memory) but `fd_read`
/// straight into linear memory: 22 against 8.3 GB/s for 1 MiB reads here,
/// which lifts replay under wasmtime by about a fifth
/// (`tests/programs/wasi_bench.rs`).
///
/// The file position is this handle's own business: every read and write
/// sets it first, and wasm32-wasip1 has no threads to race for it.
pub(crate) fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let fd = file.as_raw_fd() as wasi::Fd;
    let offset = i64::try_from(offset).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: plain calls on a descriptor the caller owns.
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
