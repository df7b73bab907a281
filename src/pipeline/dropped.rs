//! The LSNs of events that `Backpressure::Drop` threw away, so that a
//! waiter on one hears "dropped" instead of "durable".
//!
//! Drops come in runs (while the queue is full, every append is dropped),
//! and a run is one range here. The most recent `KEPT` runs are remembered;
//! older ones are forgotten, and for an LSN at or below the forgotten mark
//! the answer is "ask the log" (the caller looks for the event there), so
//! memory stays bounded without ever calling a dropped event durable.

use crate::Lsn;
use std::collections::VecDeque;

/// How many runs of dropped LSNs are remembered (16 bytes each).
const KEPT: usize = 1 << 16;

/// Whether an LSN was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WasDropped {
    Yes,
    No,
    /// Forgotten: only the log can tell.
    Unknown,
}

#[derive(Debug, Default)]
pub(crate) struct DroppedLsns {
    /// Inclusive ranges, in increasing order, not touching each other.
    runs: VecDeque<(Lsn, Lsn)>,
    /// Every forgotten run lies at or below this LSN (none forgotten: None).
    forgotten_through: Option<Lsn>,
}

impl DroppedLsns {
    /// Records that the `count` LSNs from `first` were dropped. LSNs are
    /// given out in increasing order, so a run only ever extends the last.
    pub(crate) fn add(&mut self, first: Lsn, count: u64) {
        if count == 0 {
            return;
        }
        let last = first.saturating_add(count - 1);
        match self.runs.back_mut() {
            Some((_, end)) if end.checked_add(1) == Some(first) => *end = last,
            _ => self.runs.push_back((first, last)),
        }
        if self.runs.len() > KEPT {
            if let Some((_, end)) = self.runs.pop_front() {
                self.forgotten_through = Some(end);
            }
        }
    }

    pub(crate) fn contains(&self, lsn: Lsn) -> WasDropped {
        // The first run that does not end below `lsn`.
        let at = self.runs.partition_point(|&(_, end)| end < lsn);
        match self.runs.get(at) {
            Some(&(start, _)) if start <= lsn => WasDropped::Yes,
            _ if self.forgotten_through.is_some_and(|through| lsn <= through) => {
                WasDropped::Unknown
            }
            _ => WasDropped::No,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_merge_and_answer() {
        let mut dropped = DroppedLsns::default();
        dropped.add(5, 2);
        dropped.add(7, 1);
        dropped.add(10, 1);
        assert_eq!(dropped.runs.len(), 2);
        for (lsn, answer) in [
            (4, WasDropped::No),
            (5, WasDropped::Yes),
            (7, WasDropped::Yes),
            (8, WasDropped::No),
            (10, WasDropped::Yes),
            (11, WasDropped::No),
        ] {
            assert_eq!(dropped.contains(lsn), answer, "LSN {lsn}");
        }
    }

    #[test]
    fn forgotten_runs_are_unknown_not_kept() {
        let mut dropped = DroppedLsns::default();
        for i in 0..KEPT as u64 + 2 {
            dropped.add(2 * i + 1, 1);
        }
        assert_eq!(dropped.runs.len(), KEPT);
        assert_eq!(dropped.contains(1), WasDropped::Unknown);
        assert_eq!(dropped.contains(2), WasDropped::Unknown);
        assert_eq!(dropped.contains(3), WasDropped::Unknown);
        assert_eq!(dropped.contains(5), WasDropped::Yes);
        assert_eq!(dropped.contains(6), WasDropped::No);
    }
}
