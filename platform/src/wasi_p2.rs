//! WASI Preview 2 (`wasm32-wasip2`): std files, and wasi-libc (through the
//! `libc` crate) for positional I/O and file identities.
//!
//! On this target std and wasi-libc speak Preview 2 natively: a descriptor
//! std opened is a wasi-libc descriptor over a `wasi:filesystem`
//! resource, and only wasi-libc knows how to reach it. (The `wasi` crate's
//! Preview 1 calls go through the component adapter's own descriptor table,
//! where the same number is another file or none: `EBADF`.) No locks and no
//! maps (`wasi.rs`).
//!
//! `pread` and `pwrite` become `descriptor.read` and `descriptor.write`,
//! which take an offset: no file position to keep. wasmtime hands out at
//! most 64 KiB per `read`, through a buffer of its own; `read_at` loops
//! until its buffer is full. Seeking and reading (`lseek` + `read`, the
//! Preview 1 backend's way, one call per MiB there) goes through a stream
//! here, in the same 64 KiB pieces: no faster (`docs/wasi.md` has the
//! figures).

use crate::registry::FileId;
pub(crate) use crate::wasi::{lock_exclusive, map, unlock, Map};
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

/// The file's device and inode numbers, as wasi-libc reports them: the
/// host's `metadata-hash` of the file (wasmtime hashes the host's device
/// and inode, so a hard link is the same file).
pub(crate) fn identity(file: &std::fs::File) -> io::Result<FileId> {
    // SAFETY: `stat` is plain old data, for which all zeros is a value.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: a descriptor the caller owns, and a pointer to a live,
    // writable `stat`.
    if unsafe { libc::fstat(file.as_raw_fd(), &mut stat) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((stat.st_dev, stat.st_ino))
}

/// `sync` of the directory (wasmtime opens the directory on the host and
/// `fsync`s it). A host that refuses a directory sync has none to offer,
/// and the entry's durability is then the host's business (as on Preview
/// 1, `wasi_p1.rs`); any other error is reported.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    match std::fs::File::open(dir)?.sync_all() {
        Err(error) if host_has_no_dir_sync(&error) => Ok(()),
        outcome => outcome,
    }
}

fn host_has_no_dir_sync(error: &io::Error) -> bool {
    let refusals = [libc::EBADF, libc::ENOTSUP, libc::EINVAL, libc::EISDIR];
    error
        .raw_os_error()
        .is_some_and(|code| refusals.contains(&code))
}

/// Writes at `offset` (`pwrite`); returns how much was written.
pub(crate) fn write_at(file: &std::fs::File, buf: &[u8], offset: u64) -> io::Result<usize> {
    let offset = libc::off_t::try_from(offset).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: a descriptor the caller owns; `buf` is valid for reads of
    // `buf.len()` bytes for the duration of the call.
    let written = unsafe { libc::pwrite(file.as_raw_fd(), buf.as_ptr().cast(), buf.len(), offset) };
    usize::try_from(written).map_err(|_| io::Error::last_os_error())
}

/// Reads at `offset` (`pread`) until `buf` is full or the file ends.
pub(crate) fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let at = offset
            .checked_add(filled as u64)
            .and_then(|at| libc::off_t::try_from(at).ok())
            .ok_or(io::ErrorKind::InvalidInput)?;
        let rest = &mut buf[filled..];
        // SAFETY: a descriptor the caller owns; `rest` is valid for writes
        // of `rest.len()` bytes for the duration of the call.
        let read =
            unsafe { libc::pread(file.as_raw_fd(), rest.as_mut_ptr().cast(), rest.len(), at) };
        match usize::try_from(read) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(_) => {
                let error = io::Error::last_os_error();
                if error.kind() != io::ErrorKind::Interrupted {
                    return Err(error);
                }
            }
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under `$TMPDIR` (`std::env::temp_dir` panics on
    /// WASI; the wasmtime runner grants a scratch directory as TMPDIR).
    fn scratch(name: &str) -> std::path::PathBuf {
        let tmp = std::env::var_os("TMPDIR").expect("TMPDIR (scripts/wasmtime-run sets it)");
        let dir = std::path::PathBuf::from(tmp).join(format!("rewal-p2-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The host offers a directory sync: the call itself succeeds (the
    /// backend's tolerance of refusals is not what makes `sync_dir` pass).
    #[test]
    fn wasmtime_offers_a_directory_sync() {
        let dir = scratch("sync-dir");
        std::fs::File::open(&dir).unwrap().sync_all().unwrap();
        sync_dir(&dir).unwrap();
    }

    /// Reads longer than the host's 64 KiB per call, at offsets that are
    /// not multiples of it, come back whole; a read past the end is short.
    #[test]
    fn long_positional_reads_and_writes() {
        let path = scratch("read-at").join("file");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        let data: Vec<u8> = (0..1_000_003u32).map(|i| (i * 7 + i / 251) as u8).collect();
        let mut written = 0;
        while written < data.len() {
            written += write_at(&file, &data[written..], written as u64).unwrap();
        }
        let mut buf = vec![0; 300_001];
        assert_eq!(read_at(&file, &mut buf, 12_345).unwrap(), buf.len());
        assert_eq!(buf, data[12_345..312_346]);
        assert_eq!(read_at(&file, &mut buf, 900_000).unwrap(), 100_003);
        assert_eq!(buf[..100_003], data[900_000..]);
        assert_eq!(read_at(&file, &mut buf, 2_000_000).unwrap(), 0);
        // Writes land where they are told, not at a file position.
        assert_eq!(write_at(&file, b"xyz", 5).unwrap(), 3);
        let mut head = [0; 9];
        assert_eq!(read_at(&file, &mut head, 0).unwrap(), 9);
        assert_eq!(&head[..], &[&data[..5], b"xyz", &data[8..9]].concat()[..]);
    }

    /// A hard link is the same file; another file is not.
    #[test]
    fn identity_follows_the_file_not_the_name() {
        let dir = scratch("identity");
        let (a, b, c) = (dir.join("a"), dir.join("b"), dir.join("c"));
        std::fs::write(&a, b"a").unwrap();
        std::fs::write(&c, b"c").unwrap();
        std::fs::hard_link(&a, &b).unwrap();
        let id = |path: &Path| identity(&std::fs::File::open(path).unwrap()).unwrap();
        assert_eq!(id(&a), id(&b));
        assert_ne!(id(&a), id(&c));
    }

    #[test]
    fn offsets_past_the_signed_range_are_refused() {
        let path = scratch("offsets").join("file");
        std::fs::write(&path, b"x").unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let mut buf = [0; 1];
        let error = read_at(&file, &mut buf, u64::MAX).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        let error = write_at(&file, b"x", u64::MAX).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }
}
