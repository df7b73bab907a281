//! What the unix, windows and WASI backends share: the [`File`] type over a
//! std file, and the std clock.
//!
//! A read-only open takes nothing. An exclusive open creates the file if it
//! is missing (and then makes its directory entry durable), claims the
//! file's identity in this process (see `registry`), and takes the OS's
//! advisory lock where there is one (`backend::lock_exclusive`). Positional
//! I/O, identities, directory syncs and maps differ per target and come
//! from the backend.

use crate::backend;
use crate::registry::{self, Claim};
use crate::{Access, EntryKind};
use std::ffi::OsStr;
use std::io;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// An open log file (see the crate docs for the contract).
#[derive(Debug)]
pub struct File {
    // Declared before `file`, so dropped first: the in-process claim is
    // released while the descriptor still holds the file. Once the
    // descriptor is closed, an unlinked file's identity (its inode) may be
    // given to a new file at once, and a claim still held on it then
    // refuses that new file (a segment created just as a checkpoint
    // removed an older one failed the log with `FileLocked`).
    claim: Option<Claim>,
    file: std::fs::File,
    access: Access,
    /// The lengths of the maps of this file that are alive.
    maps: LiveMaps,
}

impl File {
    /// Opens `path`; see [`crate::Access`].
    ///
    /// # Errors
    ///
    /// For [`Access::Exclusive`]: [`io::ErrorKind::WouldBlock`] when the
    /// file is already open exclusively (in this process, or where the OS
    /// has advisory locks another one); the OS's error when it cannot be
    /// created or opened, or its directory synced after creating it. For
    /// [`Access::ReadOnly`] and [`Access::ReadCovered`]: the OS's error
    /// opening it (`NotFound` for a missing file).
    pub fn open(path: &Path, access: Access) -> io::Result<File> {
        if access != Access::Exclusive {
            let file = std::fs::OpenOptions::new().read(true).open(path)?;
            return Ok(File {
                file,
                access,
                maps: LiveMaps::default(),
                claim: None,
            });
        }
        let (file, created) = open_or_create(path)?;
        if created {
            // A new file is only found after a power cut if its directory
            // entry is durable too.
            sync_dir(parent_of(path))?;
        }
        let claim = registry::claim(backend::identity(&file)?)?;
        backend::lock_exclusive(&file)?;
        Ok(File {
            claim: Some(claim),
            file,
            access,
            maps: LiveMaps::default(),
        })
    }

    /// Releases the file's lock (the OS's and the in-process claim) and
    /// keeps it open for reading: a log that is closed frees its file for
    /// the next open at once, while readers of what it wrote read on.
    /// After this, writes and cuts fail.
    ///
    /// # Errors
    ///
    /// The OS's error releasing its lock (the claim is released anyway).
    pub fn release_lock(&mut self) -> io::Result<()> {
        if self.claim.take().is_none() {
            return Ok(());
        }
        self.access = Access::ReadOnly;
        backend::unlock(&self.file)
    }

    /// Reads at `offset`; short only at the end of the file.
    ///
    /// # Errors
    ///
    /// The OS's error for the read.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        backend::read_at(&self.file, buf, offset)
    }

    /// Writes at `offset`; returns how much was written (possibly less).
    ///
    /// # Errors
    ///
    /// The OS's error for the write (a read-only open cannot write).
    pub fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<usize> {
        backend::write_at(&self.file, buf, offset)
    }

    /// The file's current size.
    ///
    /// # Errors
    ///
    /// The OS's error reading the file's metadata.
    pub fn size(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// Cuts (or extends with zeros) the file to `len` bytes. Refuses to cut
    /// it below a live map of it (whose pages would then fault).
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] below a live map; the OS's error
    /// otherwise.
    pub fn set_len(&self, len: u64) -> io::Result<()> {
        let maps = self.maps.lock();
        if maps.iter().any(|&mapped| mapped > len) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "cannot cut the file below a live map of it",
            ));
        }
        self.file.set_len(len)
    }

    /// Makes the file's data and size durable (`fdatasync`,
    /// `FlushFileBuffers`, `fd_datasync`).
    ///
    /// # Errors
    ///
    /// The OS's error for the sync: what was written since the last good
    /// sync may not be on disk.
    pub fn sync_data(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    /// Maps the first `len` bytes read-only, or `None`: on targets without
    /// maps, and for a read-only open, which holds no lock, so that another
    /// process may cut the file under it at any time (the engine then reads
    /// through its buffer, where a cut file is an I/O error, not a signal).
    ///
    /// A map of an exclusively opened file is safe to read as long as
    /// nobody shrinks the file below it: every rewal process respects the
    /// lock, and this `File` refuses to cut itself below a live map
    /// ([`set_len`](Self::set_len)). A process that ignores the lock and
    /// cuts the file (`truncate` from a shell) makes readers of the lost
    /// pages fault with `SIGBUS` on unix; the README says so.
    ///
    /// # Errors
    ///
    /// The OS's error creating the map.
    pub fn map(&self, len: u64) -> io::Result<Option<Map>> {
        if self.access == Access::ReadOnly {
            return Ok(None);
        }
        let mut maps = self.maps.lock();
        // SAFETY: the file is held under the exclusive lock (its own, or
        // for `ReadCovered` one the caller holds over it), and `set_len`
        // (the only way this process shrinks it) refuses to cut below a
        // live map, which is registered here before it is returned; this is
        // the backend's contract (nothing shrinks the file below `len` while
        // the map lives), as far as rewal processes go.
        let view = unsafe { backend::map(&self.file, len) }?;
        Ok(view.map(|view| {
            maps.push(len);
            Map {
                view,
                live: LiveMap {
                    maps: self.maps.clone(),
                    len,
                },
            }
        }))
    }
}

/// A read-only memory map of the start of a file (see [`File::map`]).
#[derive(Debug)]
pub struct Map {
    view: backend::Map,
    live: LiveMap,
}

impl Map {
    /// The mapped bytes.
    pub fn bytes(&self) -> &[u8] {
        self.view.bytes()
    }

    /// The number of mapped bytes.
    pub fn len(&self) -> u64 {
        self.live.len
    }

    /// True for a map of no bytes.
    pub fn is_empty(&self) -> bool {
        self.live.len == 0
    }
}

/// The lengths of a file's live maps.
#[derive(Debug, Default, Clone)]
struct LiveMaps(Arc<Mutex<Vec<u64>>>);

impl LiveMaps {
    fn lock(&self) -> MutexGuard<'_, Vec<u64>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One entry of `LiveMaps`, removed when its map is dropped.
#[derive(Debug)]
struct LiveMap {
    maps: LiveMaps,
    len: u64,
}

impl Drop for LiveMap {
    fn drop(&mut self) {
        let mut maps = self.maps.lock();
        if let Some(at) = maps.iter().position(|&len| len == self.len) {
            maps.swap_remove(at);
        }
    }
}

/// Opens `path` for reading and writing, creating it if missing; tells
/// whether this call created it.
fn open_or_create(path: &Path) -> io::Result<(std::fs::File, bool)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true);
    loop {
        match options.open(path) {
            Ok(file) => return Ok((file, false)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
        match options.clone().create_new(true).open(path) {
            Ok(file) => return Ok((file, true)),
            // Created by someone else in between: open theirs.
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
    }
}

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Makes the entries of directory `dir` durable (see the crate docs).
///
/// # Errors
///
/// The OS's error opening or syncing the directory.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    backend::sync_dir(dir)
}

/// Creates directory `dir` (and its missing parents) if it does not exist,
/// making the new entry durable; returns whether it created it.
///
/// # Errors
///
/// The OS's error creating it (`AlreadyExists` if a file has the name) or
/// syncing its parent.
pub fn create_dir(dir: &Path) -> io::Result<bool> {
    if dir.is_dir() {
        return Ok(false);
    }
    std::fs::create_dir_all(dir)?;
    sync_dir(parent_of(dir))?;
    Ok(true)
}

/// Whether `path` names a directory.
pub fn is_dir(path: &Path) -> bool {
    path.is_dir()
}

/// The names of the files (not directories) in directory `dir`, in no
/// particular order.
///
/// # Errors
///
/// The OS's error reading the directory (`NotFound` for a missing one).
pub fn list_dir(dir: &Path) -> io::Result<Vec<String>> {
    names_of(dir, EntryKind::File)
}

/// The names of the directories directly in `dir`.
///
/// # Errors
///
/// The OS's error listing it (`NotFound` for a missing directory).
pub fn list_subdirs(dir: &Path) -> io::Result<Vec<String>> {
    names_of(dir, EntryKind::Dir)
}

/// The UTF-8 names of the entries of `dir` of kind `kind`.
fn names_of(dir: &Path, kind: EntryKind) -> io::Result<Vec<String>> {
    fold_dir(dir, Vec::new, |mut names, name, found| {
        if found == kind {
            if let Some(name) = name.to_str() {
                names.push(name.to_owned());
            }
        }
        ControlFlow::Continue(names)
    })
}

/// How many times [`fold_dir`] starts a listing again before it gives up.
const LISTING_TRIES: usize = 100;

/// Folds the entries of directory `dir` (name and kind, in no particular
/// order) into a value: `start` makes the first, `step` the next from each
/// entry, and a `Break` ends the listing early. Reads the directory as a
/// stream: constant memory, however many entries it holds.
///
/// An entry removed by another process while the directory is listed (a
/// checkpoint's, for a reader of a segment directory) is normal. Natively
/// it is just absent or present. A WASI host (wasmtime) looks at the
/// entries as it opens and lists the directory, and then fails the open or
/// the listing with `NotFound`; the listing is then started again, from
/// `start`, as long as the directory itself is still there.
///
/// # Errors
///
/// The OS's error listing it (`NotFound` for a missing directory), or
/// `NotFound` if entries kept vanishing through every try.
pub fn fold_dir<T>(
    dir: &Path,
    start: impl Fn() -> T,
    mut step: impl FnMut(T, &OsStr, EntryKind) -> ControlFlow<T, T>,
) -> io::Result<T> {
    let mut tries = 0;
    // Whether a failure was an entry vanishing, worth another try.
    let mut vanished = |error: &io::Error| {
        tries += 1;
        error.kind() == io::ErrorKind::NotFound && tries < LISTING_TRIES && dir.is_dir()
    };
    'listing: loop {
        let mut folded = start();
        let listing = match std::fs::read_dir(dir) {
            Ok(listing) => listing,
            Err(error) if vanished(&error) => continue 'listing,
            Err(error) => return Err(error),
        };
        for entry in listing {
            let (kind, name) =
                match entry.and_then(|entry| Ok((entry.file_type()?, entry.file_name()))) {
                    Ok(found) => found,
                    Err(error) if vanished(&error) => continue 'listing,
                    Err(error) => return Err(error),
                };
            let kind = if kind.is_file() {
                EntryKind::File
            } else if kind.is_dir() {
                EntryKind::Dir
            } else {
                EntryKind::Other
            };
            folded = match step(folded, &name, kind) {
                ControlFlow::Continue(folded) => folded,
                ControlFlow::Break(folded) => return Ok(folded),
            };
        }
        return Ok(folded);
    }
}

/// Moves the file `from` to `to` (in the same file system), replacing a
/// file already there. Durable once both directories are synced
/// ([`sync_dir`]).
///
/// # Errors
///
/// The OS's error (`NotFound` for a missing file).
pub fn rename(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to)
}

/// Removes the file at `path`. Its directory entry is gone for good only
/// after a [`sync_dir`] of its directory.
///
/// # Errors
///
/// The OS's error (`NotFound` for a missing file).
pub fn remove_file(path: &Path) -> io::Result<()> {
    std::fs::remove_file(path)
}

/// Monotonic time since the first call in this process.
pub fn now() -> Duration {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed()
}

/// std has a clock here; nothing to install.
pub fn install_clock(_clock: fn() -> Duration) {}
