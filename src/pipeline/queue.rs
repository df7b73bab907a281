//! The append side: encoded frames waiting to be written, the LSN counter,
//! and the marks that say how far writing and syncing have come.
//!
//! Appenders encode their frame straight into the pending bytes while
//! holding the queue's lock, so LSN order and frame order are one and the
//! same, and an append costs one copy of its bytes and no allocation once
//! the buffers have grown. Beside the bytes, the queue keeps each frame's
//! header, so that the committer can seal the frames (their CRC is left for
//! it to fill in, off the appenders' path), count them and tell the indexer
//! without parsing what it was just given.

use super::dropped::{DroppedLsns, WasDropped};
use super::Durability;
use crate::frame::{self, FrameHeader, FLAG_COMPRESSED, RECORD_HEADER_LEN};
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
    pub(crate) fn region_len(&self) -> usize {
        match self {
            Item::Single { payload, meta } => RECORD_HEADER_LEN + payload.len() + meta.len(),
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

/// Frames, encoded one after the other with their CRCs left zero, and the
/// header of each.
#[derive(Debug, Default)]
pub(crate) struct Frames {
    pub(crate) bytes: Vec<u8>,
    pub(crate) headers: Vec<FrameHeader>,
}

impl Frames {
    /// Room for `bytes` of frames, and headers for frames of 64 bytes on
    /// average (both grow as needed).
    pub(crate) fn with_capacity(bytes: usize) -> Frames {
        Frames {
            bytes: Vec::with_capacity(bytes),
            headers: Vec::with_capacity(bytes / 64),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.headers.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.headers.clear();
    }

    /// The events in these frames.
    fn events(&self) -> u64 {
        self.headers
            .iter()
            .map(|header| u64::from(header.record_count))
            .sum()
    }
}

pub(crate) struct Queue {
    /// Frames not yet taken by a committer, in LSN order.
    pending: Frames,
    /// The LSN the next event gets.
    next_lsn: Lsn,
    /// Every LSN up to this one is written (or was dropped).
    written: Lsn,
    /// Every LSN up to this one is durable (or was dropped).
    synced: Lsn,
    /// Set by the first failed write or sync; every later call reports it.
    failed: Option<Error>,
    /// LSNs given to events that `Backpressure::Drop` threw away.
    dropped: DroppedLsns,
    /// The first LSN of the frames `discard` threw away (a close, or the
    /// failure): no LSN from it on is ever written, so no turn may count
    /// it written or durable.
    discarded_from: Option<Lsn>,
}

impl Queue {
    /// A queue for a log whose last event has LSN `last_lsn`, all of it
    /// written and durable (recovery synced what it cut).
    pub(crate) fn new(last_lsn: Lsn, capacity: usize) -> Queue {
        Queue {
            pending: Frames::with_capacity(capacity),
            // A hostile file may end at LSN u64::MAX: then no LSN is left,
            // and `push` refuses every append with InvalidLsn.
            next_lsn: last_lsn.saturating_add(1),
            written: last_lsn,
            synced: last_lsn,
            discarded_from: None,
            failed: None,
            dropped: DroppedLsns::default(),
        }
    }

    /// The last LSN assigned.
    pub(crate) fn last_assigned(&self) -> Lsn {
        self.next_lsn - 1
    }

    /// Frames waiting.
    pub(crate) fn frames(&self) -> usize {
        self.pending.headers.len()
    }

    /// Bytes waiting.
    pub(crate) fn pending_bytes(&self) -> usize {
        self.pending.bytes.len()
    }

    /// Every LSN up to this one is durable.
    pub(crate) fn synced(&self) -> Lsn {
        self.synced
    }

    /// Everything assigned is written and durable.
    pub(crate) fn all_durable(&self) -> bool {
        self.pending.is_empty() && self.synced == self.last_assigned()
    }

    /// The failure that fails the log, if a write or sync failed.
    pub(crate) fn failed(&self) -> Option<&Error> {
        self.failed.as_ref()
    }

    /// Fails the log with `error` (the first failure is the one kept), and
    /// drops what is queued: nothing queued after a failure can be trusted
    /// to land where it should.
    pub(crate) fn fail(&mut self, error: Error) {
        self.failed.get_or_insert(error);
        self.discard();
    }

    /// What is already true of `lsn`'s durability, if anything is: checked
    /// in the order that never misleads a caller (dropped, then durable,
    /// then the log's failure). `None`: not known from the queue (the
    /// caller then asks whether the log is closed, or waits).
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
        self.failed.clone().map(Err)
    }

    /// Whether every LSN up to `target` is written, if that is known:
    /// written first, then the log's failure. `None`: see `durability`.
    pub(crate) fn written_through(&self, target: Lsn) -> Option<Result<()>> {
        if self.written >= target {
            return Some(Ok(()));
        }
        self.failed.clone().map(Err)
    }

    /// Moves the pending frames into `into` (empty), emptying the queue.
    /// Returns the mark: every LSN up to it is now in `into`, written
    /// before, or dropped.
    pub(crate) fn take(&mut self, into: &mut Frames) -> Lsn {
        std::mem::swap(&mut self.pending, into);
        self.last_assigned()
    }

    /// Throws the pending frames away; returns how many events they held.
    pub(crate) fn discard(&mut self) -> u64 {
        if let Some(first) = self.pending.headers.first() {
            let from = self
                .discarded_from
                .map_or(first.first_lsn, |from| from.min(first.first_lsn));
            self.discarded_from = Some(from);
        }
        let events = self.pending.events();
        self.pending.clear();
        events
    }

    /// Records how writing everything up to `mark` went: `Ok(synced)`, or
    /// the error that fails the log.
    pub(crate) fn settle(&mut self, mark: Lsn, outcome: &Result<bool>) {
        match outcome {
            // A failed log discarded what was queued: a later turn that
            // wrote nothing (a sync asked after the failure) must not
            // count the discarded LSNs as written.
            Ok(_) if self.failed.is_some() => {}
            Ok(synced) => {
                let mark = match self.discarded_from {
                    Some(from) => mark.min(from - 1),
                    None => mark,
                };
                self.written = self.written.max(mark);
                if *synced {
                    self.synced = self.synced.max(mark);
                }
            }
            Err(error) => self.fail(error.clone()),
        }
    }

    /// Gives `count` LSNs to events that are dropped, and remembers them as
    /// such; fails once the LSN space is used up.
    pub(crate) fn drop_lsns(&mut self, count: u64) -> Result<Lsn> {
        let first = self.next_lsn;
        self.next_lsn = first.checked_add(count).ok_or_else(|| Error::InvalidLsn)?;
        self.dropped.add(first, count);
        Ok(first)
    }

    /// Assigns LSNs to `item` and encodes it into the pending frames. On
    /// error nothing is assigned and the queue is as it was.
    pub(crate) fn push(&mut self, item: &Item<'_>) -> Result<Lsn> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let count = item.count();
        let lsn = self.next_lsn;
        lsn.checked_add(count).ok_or_else(|| Error::InvalidLsn)?;
        let bytes = &mut self.pending.bytes;
        let mark = bytes.len();
        let (encoded, flags) = match item {
            Item::Single { payload, meta } => {
                (frame::push_unsealed_single(bytes, payload, meta, lsn), 0)
            }
            Item::Batch(batch) => (
                frame::push_unsealed_frame(bytes, batch.records(), count as u32, lsn, 0),
                0,
            ),
            Item::Compressed { region, count } => (
                frame::push_unsealed_frame(bytes, region, *count, lsn, FLAG_COMPRESSED),
                FLAG_COMPRESSED,
            ),
        };
        if let Err(error) = encoded {
            bytes.truncate(mark);
            return Err(error);
        }
        self.pending.headers.push(FrameHeader {
            flags,
            record_count: count as u32,
            first_lsn: lsn,
            batch_size: (bytes.len() - mark) as u32,
        });
        self.next_lsn = lsn + count;
        Ok(lsn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turn_after_the_failure_does_not_count_discarded_events_as_written() {
        // Found by tests/campaign_faults.rs: the writer thread, lingering
        // while a caller's turn failed the log, took a turn of its own
        // (with nothing to write) and settled it as written through the
        // last LSN assigned: a flush then said the discarded event was
        // written, and a replay gave fewer events than were appended.
        let mut queue = Queue::new(0, 64);
        let one = Item::Single {
            payload: b"one",
            meta: b"",
        };
        queue.push(&one).unwrap();
        let mut taken = Frames::with_capacity(64);
        let mark = queue.take(&mut taken);
        queue.settle(mark, &Ok(true));
        queue.push(&one).unwrap();
        let mark = queue.take(&mut Frames::with_capacity(64));
        let boom = Error::Io(std::io::Error::other("boom"));
        queue.settle(mark, &Err(boom.clone()));
        // The next turn has nothing to write and "succeeds".
        let mark = queue.take(&mut Frames::with_capacity(64));
        queue.settle(mark, &Ok(true));
        assert_eq!(queue.written_through(2), Some(Err(boom)));
        assert_eq!(queue.synced(), 1);
    }

    #[test]
    fn a_turn_after_a_close_discarded_events_does_not_count_them() {
        let mut queue = Queue::new(0, 64);
        let one = Item::Single {
            payload: b"one",
            meta: b"",
        };
        queue.push(&one).unwrap();
        let mark = queue.take(&mut Frames::with_capacity(64));
        queue.settle(mark, &Ok(true));
        queue.push(&one).unwrap();
        assert_eq!(queue.discard(), 1);
        // A turn that took nothing: every LSN up to its mark would count.
        let mark = queue.take(&mut Frames::with_capacity(64));
        queue.settle(mark, &Ok(true));
        assert_eq!(
            (queue.written_through(1), queue.synced()),
            (Some(Ok(())), 1)
        );
        assert_eq!(queue.durability(2).map(|known| known.is_ok()), None);
    }
}
