//! A simulated disk, for power-loss tests: selected with
//! `--cfg rewal_simdisk` in place of the real files, so that the engine's
//! own file code (creating, preallocating, writing, syncing, cutting,
//! directory syncs) runs unchanged on top of it.
//!
//! Every file keeps what was synced apart from what was only written, and
//! every directory keeps which entries were synced apart from which merely
//! exist. [`power_cut`] throws away what was not synced: each file loses a
//! suffix of its unsynced writes and size changes (the write at the cut
//! may land in part), and each entry created or removed since its
//! directory's last sync may be undone. [`power_cut_reordered`] loses
//! unsynced writes as a real kernel's page cache can: page by page, in any
//! order, the size on its own. [`crash`] first makes every call
//! on the files below a directory fail, as if the process had died.
//!
//! Paths are names only: nothing touches the real file system.

use crate::Access;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A change to a file's bytes that is not durable yet.
#[derive(Debug, Clone)]
enum Change {
    Write { at: u64, bytes: Vec<u8> },
    SetLen(u64),
}

#[derive(Debug, Default)]
struct Inode {
    /// What reads see.
    now: Vec<u8>,
    /// What survives a power cut.
    synced: Vec<u8>,
    /// The changes since the last sync, in order.
    unsynced: Vec<Change>,
    /// Held by an exclusive open.
    locked: bool,
}

#[derive(Debug, Default)]
struct Disk {
    inodes: Vec<Inode>,
    /// Directory entries as they are now: path to inode.
    entries: BTreeMap<PathBuf, usize>,
    /// Directory entries as they were at each directory's last sync.
    synced_entries: BTreeMap<PathBuf, usize>,
    /// Directories whose process has crashed: calls below them fail.
    dead: Vec<PathBuf>,
}

static DISK: Mutex<Option<Disk>> = Mutex::new(None);

fn disk() -> MutexGuard<'static, Option<Disk>> {
    DISK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `f` on the disk (made on first use).
fn with_disk<T>(f: impl FnOnce(&mut Disk) -> T) -> T {
    let mut guard = disk();
    f(guard.get_or_insert_with(Disk::default))
}

impl Disk {
    fn check_alive(&self, path: &Path) -> io::Result<()> {
        if self.dead.iter().any(|dir| path.starts_with(dir)) {
            return Err(io::Error::other("simulated crash: the process is gone"));
        }
        Ok(())
    }
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Makes every call on files below `dir` fail from now on, as if the
/// process using them had died (until [`restart`]).
pub fn crash(dir: &Path) {
    with_disk(|disk| disk.dead.push(dir.to_path_buf()));
}

/// Lets calls below `dir` succeed again, after a [`crash`].
pub fn restart(dir: &Path) {
    with_disk(|disk| disk.dead.retain(|dead| dead != dir));
}

/// A power cut for everything below `dir`: each file keeps what was synced
/// and the first `k` of its unsynced changes (the change at `k` may land in
/// part), with `k` drawn from `choose`; each directory entry below `dir`
/// changed since its directory's last sync is kept or undone, each on its
/// own (by `choose(1)`). `choose(n)` returns a number in `0..=n`.
pub fn power_cut(dir: &Path, mut choose: impl FnMut(u64) -> u64) {
    with_disk(|disk| {
        let below = |path: &Path| path.starts_with(dir);
        // The files reachable from `dir` now, or after the cut.
        let mut inodes: Vec<usize> = disk
            .entries
            .iter()
            .chain(disk.synced_entries.iter())
            .filter(|(path, _)| below(path))
            .map(|(_, &ino)| ino)
            .collect();
        inodes.sort_unstable();
        inodes.dedup();
        for ino in inodes {
            let inode = &mut disk.inodes[ino];
            let changes = std::mem::take(&mut inode.unsynced);
            let kept = choose(changes.len() as u64) as usize;
            let mut bytes = inode.synced.clone();
            for (i, change) in changes.iter().enumerate().take(kept + 1) {
                match change {
                    Change::Write { at, bytes: written } => {
                        // The change at the cut lands in part.
                        let take = if i == kept {
                            choose(written.len() as u64) as usize
                        } else {
                            written.len()
                        };
                        apply_write(&mut bytes, *at, &written[..take]);
                    }
                    Change::SetLen(len) if i < kept => bytes.resize(*len as usize, 0),
                    Change::SetLen(_) => {}
                }
            }
            inode.now = bytes.clone();
            inode.synced = bytes;
        }
        undo_unsynced_entries(disk, dir, &mut choose);
    });
}

/// A power cut as a real disk and kernel can make it, for everything below
/// `dir`: each file keeps what was synced, and of what was written since,
/// each page of [`PAGE`] bytes on its own, old or new (the OS writes dirty
/// pages back in any order), and its size old or new (the size reaches the
/// disk apart from the data: a page past the old size that was not
/// written back reads as zeros). Directory entries as [`power_cut`] does.
/// `choose(n)` returns a number in `0..=n`.
pub fn power_cut_reordered(dir: &Path, mut choose: impl FnMut(u64) -> u64) {
    with_disk(|disk| {
        let below = |path: &Path| path.starts_with(dir);
        let mut inodes: Vec<usize> = disk
            .entries
            .iter()
            .chain(disk.synced_entries.iter())
            .filter(|(path, _)| below(path))
            .map(|(_, &ino)| ino)
            .collect();
        inodes.sort_unstable();
        inodes.dedup();
        for ino in inodes {
            let inode = &mut disk.inodes[ino];
            if inode.unsynced.is_empty() {
                continue;
            }
            inode.unsynced.clear();
            let (old, new) = (&inode.synced, &inode.now);
            let len = if choose(1) == 0 { old.len() } else { new.len() };
            let mut bytes = vec![0u8; len];
            let page_of = |version: &Vec<u8>, at: usize, end: usize| -> Vec<u8> {
                let mut page = vec![0u8; end - at];
                if at < version.len() {
                    let have = version.len().min(end) - at;
                    page[..have].copy_from_slice(&version[at..at + have]);
                }
                page
            };
            let mut at = 0;
            while at < len {
                let end = (at + PAGE as usize).min(len);
                let (was, is) = (page_of(old, at, end), page_of(new, at, end));
                let kept = if was == is || choose(1) == 0 { was } else { is };
                bytes[at..end].copy_from_slice(&kept);
                at = end;
            }
            inode.now = bytes.clone();
            inode.synced = bytes;
        }
        undo_unsynced_entries(disk, dir, &mut choose);
    });
}

/// The size of the pages [`power_cut_reordered`] keeps or loses, each on
/// its own.
pub const PAGE: u64 = 4096;

/// Each directory entry below `dir` created, replaced or removed since its
/// directory's last sync is kept or undone on its own: a directory sync is
/// the only order the disk promises.
fn undo_unsynced_entries(disk: &mut Disk, dir: &Path, choose: &mut impl FnMut(u64) -> u64) {
    let below = |path: &Path| path.starts_with(dir);
    let changed: Vec<PathBuf> = disk
        .entries
        .keys()
        .chain(disk.synced_entries.keys())
        .filter(|path| below(path))
        .filter(|path| disk.entries.get(*path) != disk.synced_entries.get(*path))
        .cloned()
        .collect();
    for path in changed {
        let entry = if choose(1) == 0 {
            disk.synced_entries.get(&path).copied()
        } else {
            disk.entries.get(&path).copied()
        };
        match entry {
            Some(ino) => {
                disk.entries.insert(path.clone(), ino);
                disk.synced_entries.insert(path, ino);
            }
            None => {
                disk.entries.remove(&path);
                disk.synced_entries.remove(&path);
            }
        }
    }
}

/// The bytes of the file at `path` as they are now, if it exists.
pub fn contents(path: &Path) -> Option<Vec<u8>> {
    with_disk(|disk| {
        let ino = *disk.entries.get(path)?;
        Some(disk.inodes[ino].now.clone())
    })
}

/// Writes `bytes` to the file at `path` (created if missing), durably,
/// entry included: for setting up a test.
pub fn put(path: &Path, bytes: &[u8]) {
    with_disk(|disk| {
        let ino = match disk.entries.get(path) {
            Some(&ino) => ino,
            None => {
                disk.inodes.push(Inode::default());
                disk.inodes.len() - 1
            }
        };
        disk.entries.insert(path.to_path_buf(), ino);
        disk.synced_entries.insert(path.to_path_buf(), ino);
        let inode = &mut disk.inodes[ino];
        inode.now = bytes.to_vec();
        inode.synced = bytes.to_vec();
        inode.unsynced.clear();
    })
}

fn apply_write(bytes: &mut Vec<u8>, at: u64, written: &[u8]) {
    let at = at as usize;
    let end = at + written.len();
    if bytes.len() < end {
        bytes.resize(end, 0);
    }
    bytes[at..end].copy_from_slice(written);
}

/// An open file of the simulated disk.
#[derive(Debug)]
pub struct File {
    path: PathBuf,
    ino: usize,
    exclusive: bool,
}

impl File {
    /// Opens `path` as the crate docs say: an exclusive open creates a
    /// missing file (and syncs its directory, as the real backends do).
    ///
    /// # Errors
    ///
    /// `WouldBlock` for an exclusive open of a file already open
    /// exclusively; `NotFound` for a read-only open of a missing file;
    /// the simulated crash's error below a directory that [`crash`] stopped.
    pub fn open(path: &Path, access: Access) -> io::Result<File> {
        let created = with_disk(|disk| -> io::Result<(usize, bool)> {
            disk.check_alive(path)?;
            let (ino, created) = match disk.entries.get(path) {
                Some(&ino) => (ino, false),
                None if access != Access::Exclusive => {
                    return Err(io::Error::from(io::ErrorKind::NotFound))
                }
                None => {
                    disk.inodes.push(Inode::default());
                    let ino = disk.inodes.len() - 1;
                    disk.entries.insert(path.to_path_buf(), ino);
                    (ino, true)
                }
            };
            if access == Access::Exclusive {
                let inode = &mut disk.inodes[ino];
                if inode.locked {
                    return Err(io::Error::new(
                        io::ErrorKind::WouldBlock,
                        "the file is already open",
                    ));
                }
                inode.locked = true;
            }
            Ok((ino, created))
        })?;
        let (ino, created) = created;
        let file = File {
            path: path.to_path_buf(),
            ino,
            exclusive: access == Access::Exclusive,
        };
        if created {
            sync_dir(parent_of(path))?;
        }
        Ok(file)
    }

    fn with_inode<T>(&self, f: impl FnOnce(&mut Inode) -> io::Result<T>) -> io::Result<T> {
        with_disk(|disk| {
            disk.check_alive(&self.path)?;
            f(&mut disk.inodes[self.ino])
        })
    }

    /// Releases the exclusive claim, keeping the file open for reading.
    ///
    /// # Errors
    ///
    /// None here (the real backends may fail to release an OS lock).
    pub fn release_lock(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.exclusive) {
            with_disk(|disk| disk.inodes[self.ino].locked = false);
        }
        Ok(())
    }

    /// Reads at `offset`; short only at the end.
    ///
    /// # Errors
    ///
    /// The simulated crash's error below a directory that [`crash`]
    /// stopped.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.with_inode(|inode| {
            let start = (offset as usize).min(inode.now.len());
            let n = buf.len().min(inode.now.len() - start);
            buf[..n].copy_from_slice(&inode.now[start..start + n]);
            Ok(n)
        })
    }

    /// Writes at `offset`.
    ///
    /// # Errors
    ///
    /// The simulated crash's error below a directory that [`crash`]
    /// stopped.
    pub fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<usize> {
        self.with_inode(|inode| {
            apply_write(&mut inode.now, offset, buf);
            inode.unsynced.push(Change::Write {
                at: offset,
                bytes: buf.to_vec(),
            });
            Ok(buf.len())
        })
    }

    /// The size now.
    ///
    /// # Errors
    ///
    /// The simulated crash's error below a directory that [`crash`]
    /// stopped.
    pub fn size(&self) -> io::Result<u64> {
        self.with_inode(|inode| Ok(inode.now.len() as u64))
    }

    /// Cuts or extends with zeros.
    ///
    /// # Errors
    ///
    /// The simulated crash's error below a directory that [`crash`]
    /// stopped.
    pub fn set_len(&self, len: u64) -> io::Result<()> {
        self.with_inode(|inode| {
            inode.now.resize(len as usize, 0);
            inode.unsynced.push(Change::SetLen(len));
            Ok(())
        })
    }

    /// Makes the bytes and size durable (not the directory entry).
    ///
    /// # Errors
    ///
    /// The simulated crash's error below a directory that [`crash`]
    /// stopped.
    pub fn sync_data(&self) -> io::Result<()> {
        self.with_inode(|inode| {
            // Replays the changes rather than copying the whole file.
            for change in std::mem::take(&mut inode.unsynced) {
                match change {
                    Change::Write { at, bytes } => apply_write(&mut inode.synced, at, &bytes),
                    Change::SetLen(len) => inode.synced.resize(len as usize, 0),
                }
            }
            Ok(())
        })
    }

    /// The simulated disk has no maps.
    ///
    /// # Errors
    ///
    /// None: it always returns `Ok(None)`.
    pub fn map(&self, _len: u64) -> io::Result<Option<Map>> {
        Ok(None)
    }
}

impl Drop for File {
    fn drop(&mut self) {
        if self.exclusive {
            with_disk(|disk| disk.inodes[self.ino].locked = false);
        }
    }
}

/// Never constructed: the simulated disk has no maps.
#[derive(Debug)]
pub enum Map {}

impl Map {
    /// Unreachable.
    pub fn bytes(&self) -> &[u8] {
        match *self {}
    }
}

/// Makes the entries of `dir` durable: those below it, one level down.
///
/// # Errors
///
/// The simulated crash's error below a directory that [`crash`] stopped.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    with_disk(|disk| {
        disk.check_alive(dir)?;
        let in_dir = |path: &Path| parent_of(path) == dir;
        disk.synced_entries.retain(|path, _| !in_dir(path));
        let now: Vec<(PathBuf, usize)> = disk
            .entries
            .iter()
            .filter(|(path, _)| in_dir(path))
            .map(|(path, &ino)| (path.clone(), ino))
            .collect();
        disk.synced_entries.extend(now);
        Ok(())
    })
}

/// Directories are implicit on the simulated disk (any prefix of a file's
/// path): nothing to create.
///
/// # Errors
///
/// The simulated crash's error below a directory that [`crash`] stopped.
pub fn create_dir(dir: &Path) -> io::Result<bool> {
    with_disk(|disk| disk.check_alive(dir))?;
    Ok(false)
}

/// Whether any file lies below `path`.
pub fn is_dir(path: &Path) -> bool {
    with_disk(|disk| {
        disk.entries
            .keys()
            .any(|entry| entry.starts_with(path) && entry != path)
    })
}

/// The names of the files directly in `dir`.
///
/// # Errors
///
/// The simulated crash's error below a directory that [`crash`] stopped.
pub fn list_dir(dir: &Path) -> io::Result<Vec<String>> {
    with_disk(|disk| {
        disk.check_alive(dir)?;
        Ok(disk
            .entries
            .keys()
            .filter(|path| parent_of(path) == dir)
            .filter_map(|path| path.file_name()?.to_str().map(str::to_owned))
            .collect())
    })
}

/// The simulated disk keeps directories implicit: only a directory that
/// holds files exists, and each is listed here.
///
/// # Errors
///
/// The simulated crash's error below a directory that [`crash`] stopped.
pub fn list_subdirs(dir: &Path) -> io::Result<Vec<String>> {
    with_disk(|disk| {
        disk.check_alive(dir)?;
        let mut names: Vec<String> = disk
            .entries
            .keys()
            .filter_map(|path| path.strip_prefix(dir).ok())
            .filter(|rest| rest.components().count() > 1)
            .filter_map(|rest| {
                rest.components()
                    .next()?
                    .as_os_str()
                    .to_str()
                    .map(str::to_owned)
            })
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    })
}

/// Folds the entries of `dir` (its files, then its directories) into a
/// value, as the real backends' `fold_dir` does: `start` makes the first,
/// `step` the next, and a `Break` ends early. The simulated disk lists
/// into memory first, so `step` runs without the disk's lock.
///
/// # Errors
///
/// The simulated crash's error below a directory that [`crash`] stopped.
pub fn fold_dir<T>(
    dir: &Path,
    start: impl Fn() -> T,
    mut step: impl FnMut(T, &std::ffi::OsStr, crate::EntryKind) -> std::ops::ControlFlow<T, T>,
) -> io::Result<T> {
    let files = list_dir(dir)?
        .into_iter()
        .map(|name| (name, crate::EntryKind::File));
    let dirs = list_subdirs(dir)?
        .into_iter()
        .map(|name| (name, crate::EntryKind::Dir));
    let mut folded = start();
    for (name, kind) in files.chain(dirs) {
        folded = match step(folded, name.as_ref(), kind) {
            std::ops::ControlFlow::Continue(folded) => folded,
            std::ops::ControlFlow::Break(folded) => return Ok(folded),
        };
    }
    Ok(folded)
}

/// Moves the entry `from` to `to` (durably only after both directories'
/// `sync_dir`).
///
/// # Errors
///
/// `NotFound` for a missing file; the simulated crash's error below a
/// directory that [`crash`] stopped.
pub fn rename(from: &Path, to: &Path) -> io::Result<()> {
    with_disk(|disk| {
        disk.check_alive(from)?;
        disk.check_alive(to)?;
        let ino = disk
            .entries
            .remove(from)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        disk.entries.insert(to.to_path_buf(), ino);
        Ok(())
    })
}

/// Removes the file's entry (durably only after a `sync_dir`).
///
/// # Errors
///
/// `NotFound` for a missing file; the simulated crash's error below a
/// directory that [`crash`] stopped.
pub fn remove_file(path: &Path) -> io::Result<()> {
    with_disk(|disk| {
        disk.check_alive(path)?;
        disk.entries
            .remove(path)
            .map(drop)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    })
}

/// std's clock.
pub fn now() -> Duration {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed()
}

/// std has a clock; nothing to install.
pub fn install_clock(_clock: fn() -> Duration) {}
