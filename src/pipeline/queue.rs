//! The append side: encoded frames waiting for the writer, the LSN counter,
//! and the marks that say how far writing and syncing have come.
//!
//! Appenders encode their frame straight into `pending` while holding the
//! queue's lock, so LSN order and frame order are one and the same, and an
//! append costs one copy of its bytes and no allocation once the buffer has
//! grown. The CRC is left for the writer to fill in (see
//! `encoding::seal_frames`), off the appenders' path.

use super::dropped::{DroppedLsns, WasDropped};
use super::Durability;
use crate::encoding;
use crate::{Batch, Error, Lsn, Result};

/// The events of one append, in the form the queue encodes.
pub(crate) enum Item<'a> {
    /// One event (an empty meta is none).
    Single { payload: &'a [u8], meta: &'a [u8] },
    /// A batch, uncompressed.
    Batch(&'a Batch),
    /// A records region already compressed by the appender, outside the
    /// lock, with its number of events.
    Compressed { region: &'a [u8], count: u32 },
}

impl Item<'_> {
    /// The length of the records region this item encodes to.
    #[cfg_attr(not(any(rewal_inline, target_family = "wasm")), allow(dead_code))]
    pub(crate) fn region_len(&self) -> usize {
        match self {
            Item::Single { payload, meta } => {
                crate::encoding::RECORD_HEADER_LEN + payload.len() + meta.len()
            }
            Item::Batch(batch) => batch.records().len(),
            Item::Compressed { region, .. } => region.len(),
        }
    }

    pub(crate) fn count(&self) -> u64 {
        match self {
            Item::Single { .. } => 1,
            Item::Batch(batch) => batch.len() as u64,
            Item::Compressed { count, .. } => u64::from(*count),
        }
    }
}

/// Whether the log takes appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intake {
    Open,
    Draining,
    Closed,
}

pub(crate) struct Queue {
    /// Unsealed frames, in LSN order.
    pub(crate) pending: Vec<u8>,
    /// Frames and events in `pending`.
    pub(crate) frames: usize,
    pub(crate) events: u64,
    /// The LSN the next event gets.
    pub(crate) next_lsn: Lsn,
    /// Every LSN up to this one is written (or was dropped).
    pub(crate) written: Lsn,
    /// Every LSN up to this one is durable (or was dropped).
    pub(crate) synced: Lsn,
    pub(crate) intake: Intake,
    /// Set by the first failed write or sync; every later call reports it.
    pub(crate) failed: Option<Error>,
    /// LSNs given to events that `Backpressure::Drop` threw away.
    dropped: DroppedLsns,
}

impl Queue {
    /// A queue for a log whose last event has LSN `last_lsn`, all of it
    /// written and durable (recovery synced what it cut).
    pub(crate) fn new(last_lsn: Lsn, capacity: usize) -> Queue {
        Queue {
            pending: Vec::with_capacity(capacity),
            frames: 0,
            events: 0,
            // A hostile file may end at LSN u64::MAX: then no LSN is left,
            // and `push` refuses every append with InvalidLsn.
            next_lsn: last_lsn.saturating_add(1),
            written: last_lsn,
            synced: last_lsn,
            intake: Intake::Open,
            failed: None,
            dropped: DroppedLsns::default(),
        }
    }

    /// What is already true of `lsn`'s durability, if anything is: checked
    /// in the order that never misleads a caller (dropped, then durable,
    /// then the log's failure or closing). `None`: not yet known, wait.
    pub(crate) fn durability(&self, lsn: Lsn) -> Option<Result<Durability>> {
        let dropped = self.dropped.contains(lsn);
        if dropped == WasDropped::Yes {
            return Some(Err(Error::Dropped));
        }
        if self.synced >= lsn {
            return Some(Ok(match dropped {
                WasDropped::Unknown => Durability::UnlessDropped,
                _ => Durability::Durable,
            }));
        }
        self.check_alive().err().map(Err)
    }

    /// Whether every LSN up to `target` is written, if that is known:
    /// written first, then the log's failure or closing. `None`: wait.
    pub(crate) fn written_through(&self, target: Lsn) -> Option<Result<()>> {
        if self.written >= target {
            return Some(Ok(()));
        }
        self.check_alive().err().map(Err)
    }

    /// The last LSN assigned.
    pub(crate) fn last_assigned(&self) -> Lsn {
        self.next_lsn - 1
    }

    /// Ok when appends are taken; else the reason they are not.
    pub(crate) fn check_open(&self) -> Result<()> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        match self.intake {
            Intake::Open => Ok(()),
            Intake::Draining => Err(Error::Draining),
            Intake::Closed => Err(Error::Closed),
        }
    }

    /// Ok when waiting may go on; the reason otherwise.
    pub(crate) fn check_alive(&self) -> Result<()> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        match self.intake {
            Intake::Closed => Err(Error::Closed),
            _ => Ok(()),
        }
    }

    /// Moves the pending frames into `into` (empty), emptying the queue.
    /// Returns the mark: every LSN up to it is now in `into`, written
    /// before, or dropped.
    pub(crate) fn take(&mut self, into: &mut Vec<u8>) -> Lsn {
        std::mem::swap(&mut self.pending, into);
        self.frames = 0;
        self.events = 0;
        self.last_assigned()
    }

    /// Throws the pending frames away; returns how many events they held.
    pub(crate) fn discard(&mut self) -> u64 {
        let events = self.events;
        self.pending.clear();
        self.frames = 0;
        self.events = 0;
        events
    }

    /// Records how writing everything up to `mark` went: `Ok(synced)`, or
    /// the error that fails the log (nothing queued after a failed write
    /// can be trusted to land where it should, so the queue is dropped).
    pub(crate) fn settle(&mut self, mark: Lsn, outcome: &Result<bool>) {
        match outcome {
            Ok(synced) => {
                self.written = mark;
                if *synced {
                    self.synced = mark;
                }
            }
            Err(error) => {
                self.failed = Some(error.clone());
                self.discard();
            }
        }
    }

    // Only the threaded pipeline uses this.
    #[cfg_attr(any(rewal_inline, target_family = "wasm"), allow(dead_code))]
    /// Gives `count` LSNs to events that are dropped, and remembers them as
    /// such; fails once the LSN space is used up.
    pub(crate) fn drop_lsns(&mut self, count: u64) -> Result<Lsn> {
        let first = self.next_lsn;
        self.next_lsn = first.checked_add(count).ok_or(Error::InvalidLsn)?;
        self.dropped.add(first, count);
        Ok(first)
    }

    /// Assigns LSNs to `item` and encodes it into `pending`. On error
    /// nothing is assigned and `pending` is as it was.
    pub(crate) fn push(&mut self, item: &Item<'_>) -> Result<Lsn> {
        let count = item.count();
        let lsn = self.next_lsn;
        lsn.checked_add(count).ok_or(Error::InvalidLsn)?;
        let mark = self.pending.len();
        let encoded = match item {
            Item::Single { payload, meta } => {
                encoding::push_unsealed_single(&mut self.pending, payload, meta, lsn)
            }
            Item::Batch(batch) => encoding::push_unsealed_frame(
                &mut self.pending,
                batch.records(),
                count as u32,
                lsn,
                0,
            ),
            Item::Compressed { region, count } => encoding::push_unsealed_frame(
                &mut self.pending,
                region,
                *count,
                lsn,
                encoding::FLAG_COMPRESSED,
            ),
        };
        if let Err(error) = encoded {
            self.pending.truncate(mark);
            return Err(error);
        }
        self.next_lsn = lsn + count;
        self.frames += 1;
        self.events += count;
        Ok(lsn)
    }
}
