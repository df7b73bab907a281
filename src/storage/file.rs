//! `FileStorage`: a log in a real file, through the platform seam.

use super::{Mapped, ReadStorage, Storage};
use crate::error::on_file;
use crate::{Details, Error, Result};
use rewal_platform::{Access, File, Map};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// A log file on disk, held exclusively: a second open of the same file, in
/// this process or (natively) another one, fails with `Error::FileLocked`.
/// Native builds lock with `flock` / `LockFileEx`; on WASI, which has no
/// lock call, the in-process check is all there is and the host's sandbox
/// keeps other processes out.
///
/// Creating the file makes its directory entry durable before `new`
/// returns. The file can be preallocated (zeros written ahead of the data,
/// see [`Storage::preallocate`]); closing it cuts such zeros off again, so
/// a cleanly closed log holds nothing but frames.
#[derive(Debug)]
pub struct FileStorage {
    file: File,
    path: PathBuf,
    /// Where the next write lands: the end of the data, moved by writes,
    /// cuts and `resume_at`; zeros written ahead lie after it.
    end: u64,
    /// Opened for writing (not read-only).
    writable: bool,
    /// Closed: its lock is released and it takes no more writes, but it
    /// stays readable for the readers of what it holds.
    closed: bool,
    /// The last map made, handed to the next reader whose bytes it covers:
    /// the pages recovery's scan mapped are then not mapped again by the
    /// replay that usually follows an open (mapping and unmapping a large
    /// log costs about a third of reading it), and readers share one map.
    /// Never longer than `end`, so that no cut of the zeros after the data
    /// is refused for it (`File::set_len` refuses to cut below a live map).
    last_map: Mutex<Option<Arc<Map>>>,
}

impl FileStorage {
    /// Opens (creating if missing) and locks the file at `path`.
    ///
    /// # Errors
    ///
    /// `Error::FileLocked` if the file is already open (by this process or,
    /// natively, another); an I/O error if it cannot be created or opened
    /// (for example `NotFound` for a missing directory, `PermissionDenied`),
    /// or its size cannot be read.
    pub fn new(path: impl AsRef<Path>) -> Result<Self> {
        Self::open(path.as_ref(), Access::Exclusive)
    }

    /// Opens the file at `path` read-only and without a lock, for looking
    /// into a log another process may have open. Writes fail. It is never
    /// memory-mapped (another process may cut the file at any time, and a
    /// map would then fault): reads go through rewal's bounded buffer.
    ///
    /// # Errors
    ///
    /// An I/O error if the file cannot be opened (`NotFound` for a missing
    /// one) or its size cannot be read.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self> {
        Self::open(path.as_ref(), Access::ReadOnly)
    }

    /// Opens a segment file of a locked directory read-only, without a
    /// lock of its own (the directory's covers it): mapped, and as many at
    /// once as readers need.
    pub(crate) fn open_covered(path: &Path) -> Result<Self> {
        Self::open(path, Access::ReadCovered)
    }

    fn open(path: &Path, access: Access) -> Result<Self> {
        let file = rewal_platform::open(path, access).map_err(|error| match error.kind() {
            io::ErrorKind::WouldBlock => Error::file_locked(Details::new().with_path(path)),
            _ => on_file("opening", path, error),
        })?;
        let end = file
            .size()
            .map_err(|error| on_file("reading the size of", path, error))?;
        Ok(FileStorage {
            file,
            path: path.to_path_buf(),
            end,
            writable: access == Access::Exclusive,
            closed: false,
            last_map: Mutex::new(None),
        })
    }

    /// The path the storage was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn file(&self) -> Result<&File> {
        Ok(&self.file)
    }

    /// The file, to change it: `Error::Closed` once closed.
    fn file_to_change(&self) -> Result<&File> {
        if self.closed {
            return Err(Error::Closed);
        }
        self.file()
    }

    /// Lets go of the last map if it reaches past `end`: the data now ends
    /// there, and what follows may be cut.
    fn forget_map_past(&self, end: u64) {
        let mut last = self.last_map.lock().unwrap_or_else(PoisonError::into_inner);
        if last
            .as_ref()
            .is_some_and(|map| map.bytes().len() as u64 > end)
        {
            *last = None;
        }
    }

    /// `error`, saying it happened `doing` something to this file.
    fn failed(&self, doing: &'static str) -> impl FnOnce(io::Error) -> Error + '_ {
        move |error| on_file(doing, &self.path, error)
    }
}

impl ReadStorage for FileStorage {
    fn size(&self) -> Result<u64> {
        self.file()?
            .size()
            .map_err(self.failed("reading the size of"))
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        self.file()?
            .read_at(buf, offset)
            .map_err(self.failed("reading"))
    }

    fn map(&self, len: u64) -> Result<Option<Box<dyn Mapped>>> {
        let mut last = self.last_map.lock().unwrap_or_else(PoisonError::into_inner);
        let map = match last.as_ref() {
            Some(map) if map.bytes().len() as u64 >= len => map.clone(),
            _ => {
                let Some(map) = self.file()?.map(len).map_err(self.failed("mapping"))? else {
                    return Ok(None);
                };
                let map = Arc::new(map);
                if len <= self.end {
                    *last = Some(map.clone());
                }
                map
            }
        };
        let len = len as usize; // mapped, so it fits
        Ok(Some(Box::new(MappedFile { map, len })))
    }
}

impl Storage for FileStorage {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        let written = self
            .file_to_change()?
            .write_at(buf, self.end)
            .map_err(self.failed("writing"))?;
        self.end += written as u64;
        Ok(written)
    }

    fn sync(&self) -> Result<()> {
        self.file_to_change()?
            .sync_data()
            .map_err(self.failed("syncing"))
    }

    fn close(&mut self) -> Result<()> {
        if std::mem::replace(&mut self.closed, true) {
            return Ok(());
        }
        let file = &mut self.file;
        // Cut off zeros written ahead, so that a cleanly closed log is
        // byte for byte what rewal 0.1.0 and UEWAL write. Not synced: should
        // the cut be lost, the zeros are still the clean end of the log.
        let trimmed = match file.size() {
            Ok(size) if self.writable && size > self.end => file.set_len(self.end),
            Ok(_) => Ok(()),
            Err(error) => Err(error),
        };
        // The lock goes (the file is free for the next open at once); the
        // descriptor stays, read-only, for readers of what was written.
        let released = file.release_lock();
        self.writable = false;
        trimmed
            .map_err(self.failed("cutting the zeros off"))
            .and(released.map_err(self.failed("unlocking")))
    }

    fn truncate(&mut self, size: u64) -> Result<()> {
        self.forget_map_past(size);
        self.file_to_change()?
            .set_len(size)
            .map_err(self.failed("cutting"))?;
        self.end = size;
        Ok(())
    }

    /// Writes the zeros, then syncs them. If the zeros cannot be written (a
    /// full disk, say), it says so with `Ok(false)`: the data may still fit,
    /// and rewal goes on without preallocating. A failed sync is an error:
    /// it may be reporting the loss of data written before.
    fn preallocate(&mut self, len: u64) -> Result<bool> {
        static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];
        let file = self.file_to_change()?;
        let mut at = file
            .size()
            .map_err(self.failed("reading the size of"))?
            .max(self.end);
        if at >= len {
            return Ok(true);
        }
        while at < len {
            let n = (len - at).min(ZEROS.len() as u64) as usize;
            match file.write_at(&ZEROS[..n], at) {
                Ok(0) | Err(_) => return Ok(false),
                Ok(written) => at += written as u64,
            }
        }
        file.sync_data().map_err(self.failed("syncing"))?;
        Ok(true)
    }

    fn resume_at(&mut self, end: u64) -> Result<()> {
        // The bytes after `end` are zeros (the scan said so): keep them as
        // preallocated space.
        self.forget_map_past(end);
        self.end = end;
        Ok(())
    }
}

/// The first `len` bytes of a map, which may be shared and longer.
struct MappedFile {
    map: Arc<Map>,
    len: usize,
}

impl Mapped for MappedFile {
    fn bytes(&self) -> &[u8] {
        &self.map.bytes()[..self.len]
    }
}
