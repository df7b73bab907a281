//! `WalBuilder`: every option of a log, then `build` opens it.

use crate::hooks::HookRunner;
use crate::pipeline::{Committer, Pipeline, Settings};
use crate::plugins::{Compressor, Indexer};
use crate::read::recover::{recover, Recovered};
use crate::read::recover_dir::{recover_dir, refuse_a_file};
use crate::shared::Shared;
use crate::storage::{FileStorage, SharedStorage, Storage};
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
    pub fn sync_mode(mut self, mode: SyncMode) -> Self {
        self.sync_mode = mode;
        self
    }

    /// What a full queue does to `append` (default [`Backpressure::Block`]).
    /// Has nothing to act on wasm32, where there is no queue.
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
    /// [`Recovery::Strict`]: refuse).
    pub fn recovery(mut self, policy: Recovery) -> Self {
        self.recovery = policy;
        self
    }

    /// Compress every frame with `compressor` (and read compressed frames).
    pub fn compressor(mut self, compressor: impl Compressor + 'static) -> Self {
        self.compressor = Some(Box::new(compressor));
        self
    }

    /// Tell `indexer` of every event once written.
    pub fn indexer(mut self, indexer: impl Indexer + 'static) -> Self {
        self.indexer = Some(Box::new(indexer));
        self
    }

    /// Observability callbacks.
    pub fn hooks(mut self, hooks: impl Hooks + 'static) -> Self {
        self.hooks = Some(Box::new(hooks));
        self
    }

    /// Keep the log in `storage` instead of the file at the path (the path
    /// is then only a name).
    pub fn storage(mut self, storage: impl Storage + 'static) -> Self {
        self.storage = Some(Box::new(storage));
        self
    }

    /// Opens the log: locks the file (or directory), recovers it, starts
    /// the writer.
    pub fn build(self) -> Result<Wal> {
        let (storage, recovered, reports) = match (self.storage, &self.segments) {
            (Some(storage), _) => (SharedStorage::new(storage), None, Vec::new()),
            (None, Some(_)) => {
                refuse_a_file(&self.path)?;
                let dir = recover_dir(&self.path, self.recovery)?;
                let recovered = Recovered {
                    last_lsn: dir.last_lsn,
                    file_len: dir.file_len,
                    allocated: dir.allocated,
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
                let storage = FileStorage::new(&self.path)?;
                (SharedStorage::new(Box::new(storage)), None, Vec::new())
            }
        };
        let shared = Arc::new(Shared::new(
            storage,
            self.compressor,
            HookRunner::new(self.hooks),
            State::Init,
        ));
        for (offset, problem) in &reports {
            shared.report_corruption(*offset, problem);
        }
        let recovered = match recovered {
            Some(recovered) => recovered,
            None => match recover(&shared, self.recovery) {
                Ok(recovered) => recovered,
                Err(error) => {
                    // Release the file (and its lock) before reporting.
                    let _ = shared.storage.close();
                    return Err(error);
                }
            },
        };
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
