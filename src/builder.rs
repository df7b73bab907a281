//! `WalBuilder`: every option of a log, then `build` opens it.

use crate::hooks::HookRunner;
use crate::pipeline::{Committer, Pipeline, Settings};
use crate::plugins::{Compressor, Indexer};
use crate::read::recover::recover;
use crate::shared::Shared;
use crate::state::AtomicState;
use crate::stats::Counters;
use crate::storage::{FileStorage, SharedStorage, Storage};
use crate::{Backpressure, Hooks, Recovery, Result, State, SyncMode, Wal};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// Options for opening a log; made by [`Wal::open`], consumed by
/// [`build`](Self::build).
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
        }
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

    /// Opens the log: locks the file, recovers it, starts the writer.
    pub fn build(self) -> Result<Wal> {
        let storage = match self.storage {
            Some(storage) => storage,
            None => Box::new(FileStorage::new(&self.path)?),
        };
        let shared = Arc::new(Shared {
            storage: SharedStorage::new(storage),
            compressor: self.compressor,
            hooks: HookRunner::new(self.hooks),
            counters: Counters::default(),
            state: AtomicState::new(State::Init),
        });
        let recovered = match recover(&shared, self.recovery) {
            Ok(recovered) => recovered,
            Err(error) => {
                // Release the file (and its lock) before reporting.
                let _ = shared.storage.close();
                return Err(error);
            }
        };
        shared.set_file_end(recovered.file_len);
        shared.counters.last_lsn.store(recovered.last_lsn, Relaxed);
        let committer = Committer::new(
            Arc::clone(&shared),
            self.indexer,
            self.sync_mode,
            (recovered.file_len, recovered.allocated),
            self.buffer_capacity,
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
