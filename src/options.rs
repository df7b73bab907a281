//! The knobs of a log: durability, backpressure, recovery.

use std::time::Duration;

/// When the writer makes written data durable (fsync / fdatasync).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SyncMode {
    /// Never on its own: data reaches the disk when the OS decides, or when
    /// you call `sync`, `wait_durable` or `shutdown`. Fastest.
    #[default]
    Never,
    /// After every write: each group commit is durable before the writer
    /// takes the next one. Strongest.
    Batch,
    /// At most this long after data is written, whether or not more appends
    /// come (natively a timer in the writer thread; on wasm32 checked at
    /// each flush point, since there is no thread to wake).
    Interval(Duration),
}

/// What `append` does when the write queue is full.
///
/// On wasm32 there is no queue (appends are encoded at once), so these have
/// nothing to act on there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Backpressure {
    /// Wait for room.
    #[default]
    Block,
    /// Drop the events (they keep their LSNs, leaving a gap), count them in
    /// `Stats::drops`, and report them to `Hooks::on_drop`.
    Drop,
    /// Fail with `Error::QueueFull`.
    Error,
}

/// What opening a log does when it finds invalid data followed by valid
/// frames (a corruption, as opposed to a torn tail, which is always cut).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Recovery {
    /// Refuse to open with `Error::Corrupted`, leaving the file untouched.
    #[default]
    Strict,
    /// Cut the file at the first invalid byte, losing the valid frames after
    /// it. For the user who has looked and decided.
    TruncateAtCorruption,
}
