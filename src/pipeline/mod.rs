//! The write pipelines. Two fulfil one contract (LSNs, frames, errors,
//! stats, hooks, lifecycle), chosen by whether the target has threads:
//!
//! - `threaded`: a bounded queue and a writer thread doing group commit;
//! - `inline`: for wasm32 without threads, appends are encoded at once and
//!   written when the buffer fills or a flush point is reached.

mod commit;
mod dropped;
mod queue;

pub(crate) use commit::Committer;
pub(crate) use queue::Item;

use crate::shared::Shared;
use crate::{Backpressure, Lsn, Result};
use std::sync::Arc;
use std::time::Duration;

mod inline;
mod threaded;

/// The pipeline of this log: threaded where the target has threads (the
/// one decision `rewal_platform::HAS_THREADS` makes), inline elsewhere. Both
/// are always compiled, so both are always checked; the choice is a
/// constant, which the compiler folds away.
pub(crate) enum Pipeline {
    Threaded(threaded::Pipeline),
    // Boxed: it holds its committer inline, the threaded one behind an Arc.
    Inline(Box<inline::Pipeline>),
}

impl Pipeline {
    pub(crate) fn start(
        shared: Arc<Shared>,
        committer: Committer,
        last_lsn: Lsn,
        settings: Settings,
    ) -> Result<Pipeline> {
        Ok(if rewal_platform::HAS_THREADS {
            Pipeline::Threaded(threaded::Pipeline::start(
                shared, committer, last_lsn, settings,
            )?)
        } else {
            let inline = inline::Pipeline::start(shared, committer, last_lsn, settings)?;
            Pipeline::Inline(Box::new(inline))
        })
    }

    pub(crate) fn append(&self, item: &Item<'_>) -> Result<Lsn> {
        match self {
            Pipeline::Threaded(pipeline) => pipeline.append(item),
            Pipeline::Inline(pipeline) => pipeline.append(item),
        }
    }

    pub(crate) fn flush(&self) -> Result<()> {
        match self {
            Pipeline::Threaded(pipeline) => pipeline.flush(),
            Pipeline::Inline(pipeline) => pipeline.flush(),
        }
    }

    pub(crate) fn sync(&self) -> Result<()> {
        match self {
            Pipeline::Threaded(pipeline) => pipeline.sync(),
            Pipeline::Inline(pipeline) => pipeline.sync(),
        }
    }

    pub(crate) fn wait_durable(&self, lsn: Lsn) -> Result<Durability> {
        match self {
            Pipeline::Threaded(pipeline) => pipeline.wait_durable(lsn),
            Pipeline::Inline(pipeline) => pipeline.wait_durable(lsn),
        }
    }

    /// `wait_durable` for the task `id` of an async caller (see
    /// `threaded::Pipeline::poll_durable`); the inline pipeline answers at
    /// once, committing on the caller's thread as `wait_durable` does.
    pub(crate) fn poll_durable(
        &self,
        lsn: Lsn,
        id: u64,
        waker: &std::task::Waker,
    ) -> std::task::Poll<Result<Durability>> {
        match self {
            Pipeline::Threaded(pipeline) => pipeline.poll_durable(lsn, id, waker),
            Pipeline::Inline(pipeline) => std::task::Poll::Ready(pipeline.wait_durable(lsn)),
        }
    }

    /// The last LSN assigned (what the last `append` returned).
    pub(crate) fn last_assigned(&self) -> Lsn {
        match self {
            Pipeline::Threaded(pipeline) => pipeline.last_assigned(),
            Pipeline::Inline(pipeline) => pipeline.last_assigned(),
        }
    }

    /// Every LSN up to this one is durable (or was dropped).
    pub(crate) fn synced(&self) -> Lsn {
        match self {
            Pipeline::Threaded(pipeline) => pipeline.synced(),
            Pipeline::Inline(pipeline) => pipeline.synced(),
        }
    }

    /// Forgets the async caller `id` (its future was dropped).
    pub(crate) fn forget_durable(&self, id: u64) {
        if let Pipeline::Threaded(pipeline) = self {
            pipeline.forget_durable(id);
        }
    }

    pub(crate) fn begin_shutdown(&self) -> bool {
        match self {
            Pipeline::Threaded(pipeline) => pipeline.begin_shutdown(),
            Pipeline::Inline(pipeline) => pipeline.begin_shutdown(),
        }
    }

    pub(crate) fn finish_shutdown(&self, timeout: Option<Duration>) -> Result<()> {
        match self {
            Pipeline::Threaded(pipeline) => pipeline.finish_shutdown(timeout),
            Pipeline::Inline(pipeline) => pipeline.finish_shutdown(timeout),
        }
    }

    pub(crate) fn close(&self) -> Result<()> {
        match self {
            Pipeline::Threaded(pipeline) => pipeline.close(),
            Pipeline::Inline(pipeline) => pipeline.close(),
        }
    }
}

/// What a durability wait found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    /// Written and synced.
    Durable,
    /// Everything up to the LSN is synced, but whether this one event was
    /// dropped was forgotten (see `dropped.rs`): the log itself must say.
    UnlessDropped,
}

/// What the builder tells the pipeline (the inline one has no queue: it
/// reads only `buffer_capacity`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) queue_capacity: usize,
    pub(crate) buffer_capacity: usize,
    pub(crate) backpressure: Backpressure,
}
