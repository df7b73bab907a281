//! Events, batches and LSNs: what the caller appends and what replay returns.

use crate::encoding;
use crate::frame::Records;

/// Log sequence number: 1 for the first event ever, then one more per event.
/// 0 means "none yet".
pub type Lsn = u64;

/// An event read back from the log, owning its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Event {
    /// The event's LSN.
    pub lsn: Lsn,
    /// The payload, as appended.
    pub payload: Vec<u8>,
    /// The meta, if one was given (an empty meta reads back as `None`).
    pub meta: Option<Vec<u8>>,
}

impl Event {
    /// An event with a payload and no meta (LSN 0 until one is assigned).
    pub fn new(payload: impl Into<Vec<u8>>) -> Self {
        Event {
            lsn: 0,
            payload: payload.into(),
            meta: None,
        }
    }

    /// An event with a payload and a meta (LSN 0 until one is assigned).
    pub fn with_meta(payload: impl Into<Vec<u8>>, meta: impl Into<Vec<u8>>) -> Self {
        let meta = meta.into();
        Event {
            lsn: 0,
            payload: payload.into(),
            meta: (!meta.is_empty()).then_some(meta),
        }
    }
}

/// Events appended together: one frame on disk, consecutive LSNs, and all or
/// none of them survive a crash.
///
/// A batch stores its events already in the record format of the frame, so
/// appending it is one copy; `clear` keeps the memory for the next batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Batch {
    records: Vec<u8>,
    count: usize,
    too_large: bool,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Batch::default()
    }

    /// An empty batch with room for about `events` small events.
    pub fn with_capacity(events: usize) -> Self {
        Batch {
            records: Vec::with_capacity(events.saturating_mul(64)),
            ..Batch::default()
        }
    }

    /// Adds an event without meta.
    pub fn add(&mut self, payload: impl AsRef<[u8]>) {
        self.push(payload.as_ref(), &[]);
    }

    /// Adds an event with a meta (an empty meta is the same as none).
    pub fn add_with_meta(&mut self, payload: impl AsRef<[u8]>, meta: impl AsRef<[u8]>) {
        self.push(payload.as_ref(), meta.as_ref());
    }

    fn push(&mut self, payload: &[u8], meta: &[u8]) {
        // An oversized event cannot be refused here (`add` returns nothing),
        // so the batch remembers it and `append_batch` refuses the whole batch.
        if encoding::push_record(&mut self.records, payload, meta).is_err() {
            self.too_large = true;
        }
        self.count += 1;
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when the batch has no events.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Removes every event, keeping the allocated memory.
    pub fn clear(&mut self) {
        self.records.clear();
        self.count = 0;
        self.too_large = false;
    }

    /// The events, as `(payload, meta)` pairs.
    pub fn iter(&self) -> Records<'_> {
        Records::new(&self.records, self.count_u32())
    }

    /// A view of the events for hooks.
    pub fn view(&self) -> BatchView<'_> {
        BatchView::Records(self)
    }

    pub(crate) fn records(&self) -> &[u8] {
        &self.records
    }

    pub(crate) fn is_too_large(&self) -> bool {
        self.too_large || u32::try_from(self.count).is_err()
    }

    fn count_u32(&self) -> u32 {
        u32::try_from(self.count).unwrap_or(u32::MAX)
    }
}

/// A batch of the payloads an iterator yields, without meta.
///
/// ```
/// # fn main() -> rewal::Result<()> {
/// # let path = std::env::temp_dir().join(format!("rewal-doc-collect-{}.wal", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let wal = rewal::Wal::open(&path).build()?;
/// let batch: rewal::Batch = ["first", "second", "third"].into_iter().collect();
/// assert_eq!(batch.len(), 3);
/// let last = wal.append_batch(&batch)?; // the LSN of the batch's last event
/// assert_eq!(last, 3);
/// # wal.close()?;
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
impl<P: AsRef<[u8]>> FromIterator<P> for Batch {
    fn from_iter<I: IntoIterator<Item = P>>(payloads: I) -> Self {
        let mut batch = Batch::new();
        batch.extend(payloads);
        batch
    }
}

/// Adds each payload an iterator yields, without meta, as `add` does.
impl<P: AsRef<[u8]>> Extend<P> for Batch {
    fn extend<I: IntoIterator<Item = P>>(&mut self, payloads: I) {
        for payload in payloads {
            self.add(payload);
        }
    }
}

/// The events, as `(payload, meta)` pairs, as [`Batch::iter`] gives them.
impl<'a> IntoIterator for &'a Batch {
    type Item = (&'a [u8], Option<&'a [u8]>);
    type IntoIter = Records<'a>;

    fn into_iter(self) -> Records<'a> {
        self.iter()
    }
}

/// The events of one append, as [`crate::Hooks::before_append`] sees them,
/// before LSNs are assigned. Borrowed: no copy is made for the hook.
#[derive(Debug, Clone, Copy)]
pub enum BatchView<'a> {
    /// One event from `append` or `append_with_meta`.
    Single {
        /// The payload.
        payload: &'a [u8],
        /// The meta, if any.
        meta: Option<&'a [u8]>,
    },
    /// The events of a [`Batch`].
    Records(&'a Batch),
}

impl<'a> BatchView<'a> {
    /// Number of events.
    pub fn len(&self) -> usize {
        match self {
            BatchView::Single { .. } => 1,
            BatchView::Records(batch) => batch.len(),
        }
    }

    /// True when there are no events.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The events, as `(payload, meta)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&'a [u8], Option<&'a [u8]>)> {
        let (single, batch) = match *self {
            BatchView::Single { payload, meta } => (Some((payload, meta)), None),
            BatchView::Records(batch) => (None, Some(batch.iter())),
        };
        single.into_iter().chain(batch.into_iter().flatten())
    }
}
