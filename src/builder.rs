//! `WalBuilder`: every option of a log, then `build` opens it.

use crate::hooks::HookRunner;
use crate::pipeline::{Committer, Pipeline, Settings};
use crate::plugins::{Compressor, Indexer};
use crate::read::recover::{recover, Beside, Recovered};
use crate::read::recover_dir::{recover_dir, refuse_a_file};
use crate::shared::Shared;
use crate::storage::mark::{self, SyncMark};
use crate::storage::{FileStorage, ReadStorage, SharedStorage, Storage};
use crate::{Backpressure, Error, Hooks, Recovery, Result, State, SyncMode, Wal};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// Options for opening a log; made by [`Wal::open`], consumed by
/// [`build`](Self::build).
///
/// A builder that is dropped opens nothing, so forgetting `build` is a
/// warning:
///
/// ```compile_fail
/// #[deny(unused_must_use)]
/// fn main() {
///     rewal::Wal::open("forgot-to-build.wal");
/// }
/// ```
#[must_use = "the builder does nothing until `build` is called"]
pub struct WalBuilder {
    path: PathBuf,
    sync_mode: SyncMode,
    backpressure: Backpressure,
    queue_capacity: usize,
    buffer_capacity: usize,
    recovery: Recovery,
    compressor: Option<Box<dyn Compressor>>,
    indexer: Option<Box<dyn Indexer>>,
    hooks: Option<Box<dyn Hooks>>,
    storage: Option<Box<dyn Storage>>,
    /// `Some` for a log kept as a directory of segments (`Wal::open_dir`).
    segments: Option<SegmentOptions>,
}

/// The options of a log kept as a directory of segments.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SegmentOptions {
    /// A new segment starts once the newest holds this many bytes.
    pub(crate) segment_size: u64,
    /// Keep at most this many bytes of segments (the newest always stays).
    pub(crate) retain_bytes: Option<u64>,
    /// Remove segments closed longer ago than this.
    pub(crate) retain_age: Option<std::time::Duration>,
}

/// Shows every option; plug-ins (compressor, indexer, hooks, storage) as
/// whether one is set.
impl std::fmt::Debug for WalBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalBuilder")
            .field("path", &self.path)
            .field("sync_mode", &self.sync_mode)
            .field("backpressure", &self.backpressure)
            .field("queue_capacity", &self.queue_capacity)
            .field("buffer_capacity", &self.buffer_capacity)
            .field("recovery", &self.recovery)
            .field("compressor", &self.compressor.is_some())
            .field("indexer", &self.indexer.is_some())
            .field("hooks", &self.hooks.is_some())
            .field("storage", &self.storage.is_some())
            .field("segments", &self.segments)
            .finish()
    }
}

impl WalBuilder {
    pub(crate) fn new(path: &Path) -> Self {
        WalBuilder {
            path: path.to_path_buf(),
            sync_mode: SyncMode::default(),
            backpressure: Backpressure::default(),
            queue_capacity: 4096,
            buffer_capacity: 64 * 1024,
            recovery: Recovery::default(),
            compressor: None,
            indexer: None,
            hooks: None,
            storage: None,
            segments: None,
        }
    }

    pub(crate) fn new_dir(dir: &Path) -> Self {
        WalBuilder {
            segments: Some(SegmentOptions {
                segment_size: 64 << 20,
                retain_bytes: None,
                retain_age: None,
            }),
            ..WalBuilder::new(dir)
        }
    }

    /// For a log kept as a directory ([`Wal::open_dir`]): the size at which
    /// a new segment starts (default 64 MiB, at least 4 KiB). A batch never
    /// spans two segments, so a segment can end a little past it. No effect
    /// on a single-file log.
    pub fn segment_size(mut self, bytes: u64) -> Self {
        if let Some(segments) = &mut self.segments {
            segments.segment_size = bytes.max(4096);
        }
        self
    }

    /// For a log kept as a directory: keep at most `bytes` of segments,
    /// removing the oldest whole segments beyond it as the log rotates
    /// (the newest always stays), for a log used as a bounded buffer. Off
    /// by default: only [`Wal::checkpoint`] removes anything.
    pub fn retain_bytes(mut self, bytes: u64) -> Self {
        if let Some(segments) = &mut self.segments {
            segments.retain_bytes = Some(bytes);
        }
        self
    }

    /// For a log kept as a directory: remove, as the log rotates, segments
    /// that were completed longer ago than `age` (measured in this process:
    /// segments completed before it opened count from the open). Off by
    /// default.
    pub fn retain_age(mut self, age: std::time::Duration) -> Self {
        if let Some(segments) = &mut self.segments {
            segments.retain_age = Some(age);
        }
        self
    }

    /// When to sync (default [`SyncMode::Never`]).
    ///
    /// ```
    /// use rewal::{SyncMode, Wal};
    /// use std::time::Duration;
    ///
    /// # fn main() -> rewal::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("rewal-doc-sync-mode-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// // Every write is synced before the writer takes the next one.
    /// let orders = Wal::open(dir.join("orders.wal")).sync_mode(SyncMode::Batch).build()?;
    /// // Synced at most 10 ms after data was written.
    /// let metrics = Wal::open(dir.join("metrics.wal"))
    ///     .sync_mode(SyncMode::Interval(Duration::from_millis(10)))
    ///     .build()?;
    ///
    /// orders.append("order 1")?; // on disk soon, without asking
    /// metrics.append("cpu 0.5")?; // on disk within 10 ms
    /// # orders.close()?;
    /// # metrics.close()?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn sync_mode(mut self, mode: SyncMode) -> Self {
        self.sync_mode = mode;
        self
    }

    /// What a full queue does to `append` (default [`Backpressure::Block`]).
    /// Has nothing to act on wasm32, where there is no queue.
    ///
    /// ```
    /// use rewal::{Backpressure, Error, Wal};
    ///
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-backpressure-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = Wal::open(&path)
    ///     .backpressure(Backpressure::Error)
    ///     .queue_capacity(1024)
    ///     .build()?;
    /// match wal.append("sample") {
    ///     Ok(_) => {}
    ///     Err(Error::QueueFull) => { /* shed load: the event is not in the log */ }
    ///     Err(error) => return Err(error),
    /// }
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn backpressure(mut self, mode: Backpressure) -> Self {
        self.backpressure = mode;
        self
    }

    /// How many appends may wait for the writer (default 4096, at least 1).
    /// Has nothing to act on wasm32, where there is no queue.
    pub fn queue_capacity(mut self, appends: usize) -> Self {
        self.queue_capacity = appends.max(1);
        self
    }

    /// Initial size of the write buffers (default 64 KiB); on wasm32 also
    /// the size at which buffered appends are written.
    pub fn buffer_capacity(mut self, bytes: usize) -> Self {
        self.buffer_capacity = bytes.max(1);
        self
    }

    /// What to do with a corruption found at open (default
    /// [`Recovery::Strict`]: refuse). A torn tail (a crash in the middle of
    /// a write) is always cut, whatever the policy.
    ///
    /// ```
    /// use rewal::{Error, Recovery, Wal};
    /// use std::time::Duration;
    ///
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-recovery-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = Wal::open(&path).build()?;
    /// for event in ["a", "b", "c"] {
    ///     wal.append(event)?;
    /// }
    /// wal.shutdown(Duration::from_secs(5))?;
    ///
    /// // Damage the second frame (35 bytes each): valid frames follow it.
    /// let mut bytes = std::fs::read(&path)?;
    /// bytes[35 + 30] ^= 0xFF;
    /// std::fs::write(&path, &bytes)?;
    ///
    /// let refused = Wal::open(&path).build().err().unwrap(); // the file is untouched
    /// assert!(matches!(refused, Error::Corrupted { .. }));
    /// assert_eq!(refused.offset(), Some(35)); // where, and what is wrong there:
    /// assert!(refused.to_string().contains("corrupted at offset 35: the frame there (35 bytes) fails its CRC-32C check"));
    ///
    /// let wal = Wal::open(&path)
    ///     .recovery(Recovery::TruncateAtCorruption)
    ///     .build()?;
    /// assert_eq!(wal.last_lsn(), 1); // cut at the damage: "b" and "c" are gone
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn recovery(mut self, policy: Recovery) -> Self {
        self.recovery = policy;
        self
    }

    /// Compress every frame with `compressor` (and read compressed frames).
    ///
    /// ```
    /// use rewal::{Compressor, Result, Wal};
    ///
    /// /// A stand-in: a real one would call lz4, zstd or snappy.
    /// struct Identity;
    ///
    /// impl Compressor for Identity {
    ///     fn compress(&self, src: &[u8], dst: &mut Vec<u8>) -> Result<()> {
    ///         dst.extend_from_slice(src);
    ///         Ok(())
    ///     }
    ///     fn decompress(&self, src: &[u8], dst: &mut Vec<u8>) -> Result<()> {
    ///         dst.extend_from_slice(src);
    ///         Ok(())
    ///     }
    /// }
    ///
    /// # fn main() -> Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-compressor-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let wal = Wal::open(&path).compressor(Identity).build()?;
    /// wal.append("squeeze me")?;
    /// let events = wal.iterator(1)?.collect::<Result<Vec<_>>>()?;
    /// assert_eq!(events[0].payload, b"squeeze me");
    /// assert!(wal.stats().compressed_bytes > 0);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn compressor(mut self, compressor: impl Compressor + 'static) -> Self {
        self.compressor = Some(Box::new(compressor));
        self
    }

    /// Tell `indexer` of every event once written.
    pub fn indexer(mut self, indexer: impl Indexer + 'static) -> Self {
        self.indexer = Some(Box::new(indexer));
        self
    }

    /// Observability callbacks: see [`Hooks`] for each one.
    ///
    /// ```
    /// use rewal::{Hooks, Wal};
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// /// Counts syncs (every callback not written does nothing).
    /// struct CountSyncs(Arc<AtomicU64>);
    ///
    /// impl Hooks for CountSyncs {
    ///     fn after_sync(&self, _elapsed: Duration) {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// }
    ///
    /// # fn main() -> rewal::Result<()> {
    /// # let path = std::env::temp_dir().join(format!("rewal-doc-hooks-{}.wal", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let syncs = Arc::new(AtomicU64::new(0));
    /// let wal = Wal::open(&path).hooks(CountSyncs(Arc::clone(&syncs))).build()?;
    /// wal.append("event")?;
    /// wal.sync()?;
    /// assert_eq!(syncs.load(Ordering::Relaxed), 1);
    /// # wal.close()?;
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn hooks(mut self, hooks: impl Hooks + 'static) -> Self {
        self.hooks = Some(Box::new(hooks));
        self
    }

    /// Keep the log in `storage` instead of the file at the path (the path
    /// is then only a name).
    ///
    /// ```
    /// use rewal::{MemoryStorage, Wal};
    /// use std::time::Duration;
    ///
    /// # fn main() -> rewal::Result<()> {
    /// let memory = MemoryStorage::new();
    /// // Clones share the bytes: keep one to look at what the log wrote.
    /// let wal = Wal::open("in-memory").storage(memory.clone()).build()?;
    /// wal.append("kept in memory")?;
    /// wal.shutdown(Duration::from_secs(5))?;
    ///
    /// let scan = rewal::inspect::scan_bytes(&memory.to_bytes(), |_| {})?;
    /// assert_eq!(scan.events, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn storage(mut self, storage: impl Storage + 'static) -> Self {
        self.storage = Some(Box::new(storage));
        self
    }

    /// Opens the log: locks the file (or directory), recovers it, starts
    /// the writer. See [`Wal::open`] for an example.
    ///
    /// # Errors
    ///
    /// When it fails, nothing is left open or locked, and a log refused as
    /// `NotALog` or `Corrupted` is left untouched:
    ///
    /// - `Error::FileLocked`: the file (or directory) is already open, in
    ///   this process or another;
    /// - `Error::NotALog`: the file is not empty and is not a rewal log; for
    ///   [`Wal::open_dir`], a directory that holds other files and no
    ///   segment, or a segment that is not a log;
    /// - `Error::Corrupted`: invalid data followed by valid frames, under
    ///   [`Recovery::Strict`] (the default); for a directory also a damaged
    ///   segment that is not the newest, or segments that do not follow
    ///   each other (a gap, an overlap);
    /// - `Error::Io`: the file or directory cannot be created, opened, read,
    ///   cut or synced, or the writer thread cannot be started; of kind
    ///   `InvalidInput` for [`Wal::open`] on a directory or
    ///   [`Wal::open_dir`] on a file;
    /// - with [`storage`](Self::storage), the storage's errors
    ///   (`Error::Panicked` if it panicked).
    pub fn build(self) -> Result<Wal> {
        let mut synced = None;
        let by_path = self.storage.is_none() && self.segments.is_none();
        // Errors say the path, unless the log lives in a storage of the
        // caller's (whose path is only a name).
        let named = self.storage.is_none().then(|| self.path.clone());
        let (storage, recovered, reports) = match (self.storage, &self.segments) {
            (Some(storage), _) => (SharedStorage::new(storage), None, Vec::new()),
            (None, Some(_)) => {
                refuse_a_file(&self.path)?;
                let dir = recover_dir(&self.path, self.recovery)
                    .map_err(|error| error.at_path(&self.path, true))?;
                let recovered = Recovered {
                    last_lsn: dir.last_lsn,
                    file_len: dir.file_len,
                    allocated: dir.allocated,
                    set_aside: dir.set_aside,
                };
                (
                    SharedStorage::segmented(dir.segments),
                    Some(recovered),
                    dir.reports,
                )
            }
            (None, None) => {
                if rewal_platform::is_dir(&self.path) {
                    return Err(Error::Io(std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!(
                            "{} is a directory: open a log kept as segment files with Wal::open_dir",
                            self.path.display()
                        ),
                    )));
                }
                let storage = Box::new(FileStorage::new(&self.path)?);
                // Where the log is known synced through, by the sync mark
                // beside it. A new, empty file: nothing to lose. A log
                // without a mark (written by an older version, or copied
                // without it): not known, so no damage is judged a power
                // cut's.
                synced = match SyncMark::read(&mark::beside(&self.path)) {
                    Some(found) => Some(found.offset),
                    None if storage.size()? == 0 => Some(0),
                    None => None,
                };
                (SharedStorage::new(storage), None, Vec::new())
            }
        };
        let shared = Arc::new(Shared::new(
            storage,
            self.compressor,
            HookRunner::new(self.hooks),
            State::Init,
            named,
        ));
        for (offset, problem) in &reports {
            shared.report_corruption(*offset, problem);
        }
        let recovered = match recovered {
            Some(recovered) => recovered,
            None => {
                let beside = by_path.then_some(Beside {
                    path: &self.path,
                    synced,
                });
                match recover(&shared, self.recovery, beside) {
                    Ok(recovered) => {
                        // A log now: its sync mark is kept beside it (only
                        // now, so that opening somebody else's file leaves
                        // nothing behind), and says all it holds is synced.
                        if by_path {
                            keep_a_mark(&shared, &self.path, recovered.file_len)?;
                        }
                        recovered
                    }
                    Err(error) => {
                        // Release the file (and its lock) before reporting.
                        let _ = shared.storage.close();
                        return Err(shared.at_path(error));
                    }
                }
            }
        };
        for set_aside in &recovered.set_aside {
            shared.report_set_aside(set_aside.clone());
        }
        shared.set_file_end(recovered.file_len);
        shared.counters.last_lsn.store(recovered.last_lsn, Relaxed);
        let committer = Committer::new(
            Arc::clone(&shared),
            self.indexer,
            self.sync_mode,
            (recovered.file_len, recovered.allocated),
            self.buffer_capacity,
            self.segments,
        );
        let settings = Settings {
            queue_capacity: self.queue_capacity,
            buffer_capacity: self.buffer_capacity,
            backpressure: self.backpressure,
        };
        let pipeline =
            match Pipeline::start(Arc::clone(&shared), committer, recovered.last_lsn, settings) {
                Ok(pipeline) => pipeline,
                Err(error) => {
                    let _ = shared.storage.close();
                    return Err(error);
                }
            };
        shared.state.start();
        shared.hooks.run(|hooks| hooks.on_start());
        Ok(Wal::from_parts(self.path, shared, pipeline))
    }
}

/// Takes the sync mark beside the single-file log at `path` (creating it)
/// for `shared`'s storage, saying, durably, that its `end` bytes are
/// synced. A file of that name that holds something else is left alone:
/// the log then goes without a mark.
fn keep_a_mark(shared: &Shared, path: &Path, end: u64) -> Result<()> {
    match SyncMark::open(&mark::beside(path)) {
        Ok((mark, _)) => shared.storage.attach_mark(mark, end),
        Err(Error::Io(error)) if error.kind() == std::io::ErrorKind::InvalidData => Ok(()),
        Err(error) => Err(error),
    }
}
