//! `wasm32-unknown-unknown` (the browser): no file system and no clock in std.
//!
//! Files are refused with a clear error (the engine runs on `MemoryStorage`
//! there); `Instant::now` would panic, so the clock is whatever the embedder
//! installs (the wasm bindings install `performance.now()`).

use crate::Access;
use std::io;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// Never constructed: this target has no files.
#[derive(Debug)]
pub enum File {}

impl File {
    /// Always fails: there is no file system here.
    ///
    /// # Errors
    ///
    /// Always [`io::ErrorKind::Unsupported`].
    pub fn open(_path: &Path, _access: Access) -> io::Result<File> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "no file system on wasm32-unknown-unknown: use MemoryStorage",
        ))
    }

    /// Unreachable: no `File` exists on this target.
    ///
    /// # Errors
    ///
    /// None: it cannot be called.
    pub fn release_lock(&mut self) -> io::Result<()> {
        match *self {}
    }

    /// Unreachable: no `File` exists on this target.
    ///
    /// # Errors
    ///
    /// None: it cannot be called.
    pub fn read_at(&self, _buf: &mut [u8], _offset: u64) -> io::Result<usize> {
        match *self {}
    }

    /// Unreachable: no `File` exists on this target.
    ///
    /// # Errors
    ///
    /// None: it cannot be called.
    pub fn write_at(&self, _buf: &[u8], _offset: u64) -> io::Result<usize> {
        match *self {}
    }

    /// Unreachable: no `File` exists on this target.
    ///
    /// # Errors
    ///
    /// None: it cannot be called.
    pub fn size(&self) -> io::Result<u64> {
        match *self {}
    }

    /// Unreachable: no `File` exists on this target.
    ///
    /// # Errors
    ///
    /// None: it cannot be called.
    pub fn set_len(&self, _len: u64) -> io::Result<()> {
        match *self {}
    }

    /// Unreachable: no `File` exists on this target.
    ///
    /// # Errors
    ///
    /// None: it cannot be called.
    pub fn sync_data(&self) -> io::Result<()> {
        match *self {}
    }

    /// Unreachable: no `File` exists on this target.
    ///
    /// # Errors
    ///
    /// None: it cannot be called.
    pub fn map(&self, _len: u64) -> io::Result<Option<Map>> {
        match *self {}
    }
}

fn no_file_system() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "no file system on wasm32-unknown-unknown",
    )
}

/// Always fails: there is no file system here.
///
/// # Errors
///
/// Always [`io::ErrorKind::Unsupported`].
pub fn sync_dir(_dir: &Path) -> io::Result<()> {
    Err(no_file_system())
}

/// Always fails: there is no file system here.
///
/// # Errors
///
/// Always [`io::ErrorKind::Unsupported`].
pub fn create_dir(_dir: &Path) -> io::Result<bool> {
    Err(no_file_system())
}

/// Never: there is no file system here.
pub fn is_dir(_path: &Path) -> bool {
    false
}

/// Always fails: there is no file system here.
///
/// # Errors
///
/// Always [`io::ErrorKind::Unsupported`].
pub fn list_subdirs(_dir: &Path) -> io::Result<Vec<String>> {
    Err(no_file_system())
}

/// Always fails: there is no file system here.
///
/// # Errors
///
/// Always [`io::ErrorKind::Unsupported`].
pub fn rename(_from: &Path, _to: &Path) -> io::Result<()> {
    Err(no_file_system())
}

/// Always fails: there is no file system here.
///
/// # Errors
///
/// Always [`io::ErrorKind::Unsupported`].
pub fn list_dir(_dir: &Path) -> io::Result<Vec<String>> {
    Err(no_file_system())
}

/// Always fails: there is no file system here.
///
/// # Errors
///
/// Always [`io::ErrorKind::Unsupported`].
pub fn fold_dir<T>(
    _dir: &Path,
    _start: impl Fn() -> T,
    _step: impl FnMut(T, &std::ffi::OsStr, crate::EntryKind) -> std::ops::ControlFlow<T, T>,
) -> io::Result<T> {
    Err(no_file_system())
}

/// Always fails: there is no file system here.
///
/// # Errors
///
/// Always [`io::ErrorKind::Unsupported`].
pub fn remove_file(_path: &Path) -> io::Result<()> {
    Err(no_file_system())
}

/// Never constructed: this target has no memory maps.
#[derive(Debug)]
pub enum Map {}

impl Map {
    /// Unreachable: no `Map` exists on this target.
    pub fn bytes(&self) -> &[u8] {
        match *self {}
    }

    /// Unreachable: no `Map` exists on this target. (The engine's map
    /// cache asks every target's map its length, as `std_file.rs`'s.)
    pub fn len(&self) -> u64 {
        match *self {}
    }

    /// Unreachable: no `Map` exists on this target.
    pub fn is_empty(&self) -> bool {
        match *self {}
    }
}

static CLOCK: Mutex<Option<fn() -> Duration>> = Mutex::new(None);

/// The installed clock, or zero (time stands still) until one is installed.
pub fn now() -> Duration {
    let clock = *CLOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    clock.map_or(Duration::ZERO, |read| read())
}

/// Installs the clock `now` reads.
pub fn install_clock(clock: fn() -> Duration) {
    *CLOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(clock);
}
