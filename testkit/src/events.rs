//! Events that say what they should be. A payload carries a stamp (its
//! writer, the writer's sequence number, its place in its batch) and the
//! length of its filler; the filler and the meta follow from the stamp and
//! the campaign's seed. So a checker can tell from a recovered event alone
//! whether it is exactly what was appended, byte for byte, without having
//! heard of it: campaigns check the events nobody acknowledged too.
//!
//! Fillers are often hostile to the reader: zeros, runs of the magic,
//! embedded frames and whole embedded logs, a header claiming 4 GiB.

use crate::campaign::mix;
use crate::rng::Rng;
use rewal::{encoding, Batch, Event};
use std::collections::HashMap;

const TAG: &[u8; 4] = b"RWev";
const HEADER: usize = 29;
/// How many kinds of filler there are (see [`filler`]).
pub const KINDS: u8 = 6;

/// Who appended an event, and where it stands in its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    /// The thread (or process run) that appended it.
    pub writer: u32,
    /// The writer's count of events before this one.
    pub seq: u64,
    /// Its index in its batch (0 for a single append).
    pub index: u32,
    /// The length of its batch (1 for a single append).
    pub batch_len: u32,
}

fn hash(seed: u64, writer: u32, seq: u64) -> u64 {
    mix(seed ^ mix(u64::from(writer) << 40 ^ seq))
}

/// The payload of the event stamped `stamp`, with `filler_len` filler bytes
/// of kind `kind` (below [`KINDS`]).
pub fn payload(seed: u64, stamp: Stamp, kind: u8, filler_len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + filler_len);
    out.extend_from_slice(TAG);
    out.extend_from_slice(&stamp.writer.to_le_bytes());
    out.extend_from_slice(&stamp.seq.to_le_bytes());
    out.extend_from_slice(&stamp.index.to_le_bytes());
    out.extend_from_slice(&stamp.batch_len.to_le_bytes());
    out.extend_from_slice(&(filler_len as u32).to_le_bytes());
    out.push(kind);
    out.extend(filler(seed, stamp, kind, filler_len));
    out
}

/// The meta of the event stamped `stamp`: one event in four has one.
pub fn meta(seed: u64, stamp: Stamp) -> Option<Vec<u8>> {
    let h = hash(seed, stamp.writer, stamp.seq);
    if !h.is_multiple_of(4) {
        return None;
    }
    let mut meta = format!("meta {}:{} ", stamp.writer, stamp.seq).into_bytes();
    meta.extend(Rng::new(h).bytes((h >> 8) as usize % 40));
    Some(meta)
}

/// The filler of kind `kind`; its bytes follow from the seed and stamp.
fn filler(seed: u64, stamp: Stamp, kind: u8, len: usize) -> Vec<u8> {
    let h = hash(seed, stamp.writer, stamp.seq);
    let mut out = match kind % KINDS {
        0 => Rng::new(h).bytes(len),
        1 => vec![0; len],
        2 => b"EWAL".repeat(len / 4 + 1),
        // Frames with LSNs far ahead: they would pass as the next frames.
        3 => embedded_frames(1_000_000 + stamp.seq, len),
        // A whole small log from LSN 1, then frames far ahead.
        4 => {
            let mut log = embedded_frames(1, 3 * 40);
            log.extend(embedded_frames(2_000_000 + stamp.seq, len));
            log
        }
        // A header that claims 4 GiB, then random bytes.
        _ => {
            let mut claim = Vec::new();
            encoding::encode_event(&mut claim, b"x", b"", 5_000_000 + stamp.seq, None).unwrap();
            claim[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
            claim.truncate(24);
            claim.extend(Rng::new(h).bytes(len));
            claim
        }
    };
    out.truncate(len);
    out
}

/// Valid frames from LSN `first` on, at least `len` bytes of them.
fn embedded_frames(first: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut lsn = first;
    while out.len() < len {
        let text = format!("embedded event {lsn}");
        encoding::encode_event(&mut out, text.as_bytes(), b"", lsn, None).unwrap();
        lsn += 1;
    }
    out
}

/// Reads the stamp of an event and checks that its payload and meta are
/// exactly what the stamp says.
pub fn read(seed: u64, event: &Event) -> Result<Stamp, String> {
    let p = &event.payload;
    let lsn = event.lsn;
    if p.len() < HEADER || &p[..4] != TAG {
        return Err(format!(
            "LSN {lsn}: not a campaign event: {:?}",
            &p[..p.len().min(40)]
        ));
    }
    let u32_at = |at: usize| u32::from_le_bytes(p[at..at + 4].try_into().unwrap());
    let stamp = Stamp {
        writer: u32_at(4),
        seq: u64::from_le_bytes(p[8..16].try_into().unwrap()),
        index: u32_at(16),
        batch_len: u32_at(20),
    };
    let filler_len = u32_at(24) as usize;
    let kind = p[28];
    if p.len() != HEADER + filler_len || stamp.index >= stamp.batch_len || kind >= KINDS {
        return Err(format!(
            "LSN {lsn}: {stamp:?}: bad length, kind or batch place"
        ));
    }
    if p[HEADER..] != filler(seed, stamp, kind, filler_len)[..] {
        return Err(format!("LSN {lsn}: {stamp:?}: the payload's bytes changed"));
    }
    if event.meta != meta(seed, stamp) {
        return Err(format!("LSN {lsn}: {stamp:?}: wrong meta {:?}", event.meta));
    }
    Ok(stamp)
}

/// What a writer appends next: singles and batches of stamped events of
/// random sizes (some large), numbered from `seq`.
pub struct Writer {
    pub seed: u64,
    pub writer: u32,
    pub seq: u64,
    pub rng: Rng,
    /// The largest filler to draw (most are far smaller).
    pub max_filler: usize,
}

/// One append's worth of events.
pub enum Append {
    Single {
        payload: Vec<u8>,
        meta: Option<Vec<u8>>,
    },
    Batch(Batch),
}

impl Append {
    /// How many events it holds.
    pub fn len(&self) -> u64 {
        match self {
            Append::Single { .. } => 1,
            Append::Batch(batch) => batch.len() as u64,
        }
    }

    /// Whether it holds no event (never, as a [`Writer`] makes them).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends it to `wal`; returns the LSN of its last event.
    pub fn to(&self, wal: &rewal::Wal) -> rewal::Result<u64> {
        match self {
            Append::Single {
                payload,
                meta: Some(meta),
            } => wal.append_with_meta(payload, meta),
            Append::Single {
                payload,
                meta: None,
            } => wal.append(payload),
            Append::Batch(batch) => wal.append_batch(batch),
        }
    }
}

impl Writer {
    pub fn new(seed: u64, writer: u32, rng_seed: u64, max_filler: usize) -> Writer {
        Writer {
            seed,
            writer,
            seq: 0,
            rng: Rng::new(rng_seed),
            max_filler,
        }
    }

    fn filler_len(&mut self) -> usize {
        match self.rng.below(20) {
            0 => self.rng.below(self.max_filler as u64 + 1) as usize,
            1 => 0,
            _ => self.rng.below(self.max_filler.min(300) as u64 + 1) as usize,
        }
    }

    /// The next append (a batch one time in three), not yet counted: call
    /// [`Writer::taken`] once the log took it. (Not an `Iterator`: it
    /// never ends, and the writer counts only what the log took.)
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Append {
        let batch_len = if self.rng.below(3) == 0 {
            2 + self.rng.below(12) as u32
        } else {
            1
        };
        self.next_with(batch_len, None, None)
    }

    /// An append of `batch_len` events (1: a single append), with filler of
    /// kind `kind` and length `filler_len` where given, else random ones.
    pub fn next_with(
        &mut self,
        batch_len: u32,
        kind: Option<u8>,
        filler_len: Option<usize>,
    ) -> Append {
        let mut events = Vec::new();
        for index in 0..batch_len {
            let stamp = Stamp {
                writer: self.writer,
                seq: self.seq + u64::from(index),
                index,
                batch_len,
            };
            let kind = kind.unwrap_or_else(|| self.rng.below(u64::from(KINDS)) as u8);
            let filler_len = filler_len.unwrap_or_else(|| self.filler_len());
            events.push((
                payload(self.seed, stamp, kind, filler_len),
                meta(self.seed, stamp),
            ));
        }
        if batch_len == 1 {
            let (payload, meta) = events.pop().unwrap();
            return Append::Single { payload, meta };
        }
        let mut batch = Batch::with_capacity(events.len());
        for (payload, meta) in events {
            match meta {
                Some(meta) => batch.add_with_meta(payload, meta),
                None => batch.add(payload),
            }
        }
        Append::Batch(batch)
    }

    /// Counts an append the log took.
    pub fn taken(&mut self, append: &Append) {
        self.seq += append.len();
    }
}

/// What a log of campaign events holds, once checked.
#[derive(Debug, Default)]
pub struct Checked {
    /// The stamp of each event, by LSN.
    pub by_lsn: HashMap<u64, Stamp>,
    /// How many events each writer has in the log.
    pub per_writer: HashMap<u32, u64>,
    pub last_lsn: u64,
}

/// Checks a recovered log of campaign events: LSNs strictly increase;
/// every event is exactly what was appended; batches are whole; and each
/// writer's events are its first ones, in order, without a gap (the log
/// is a prefix of what was appended: nothing half-visible).
pub fn check_log(seed: u64, events: &[Event]) -> Result<Checked, String> {
    check(seed, events, false, false)
}

/// [`check_log`] for a log whose oldest events a checkpoint may have
/// removed: a writer's first event there may be any of its events; from
/// it on, its events follow without a gap.
pub fn check_log_after_checkpoints(seed: u64, events: &[Event]) -> Result<Checked, String> {
    check(seed, events, false, true)
}

/// [`check_log`] for a log under `Backpressure::Drop`: a writer's events
/// may skip the appends that were dropped (never repeat or go back).
pub fn check_log_with_drops(seed: u64, events: &[Event]) -> Result<Checked, String> {
    check(seed, events, true, false)
}

fn check(seed: u64, events: &[Event], drops: bool, suffix: bool) -> Result<Checked, String> {
    let mut checked = Checked::default();
    let mut open_batch: Option<(u64, Stamp)> = None;
    for event in events {
        if event.lsn <= checked.last_lsn {
            return Err(format!(
                "LSN {} after LSN {}: not strictly increasing",
                event.lsn, checked.last_lsn
            ));
        }
        let stamp = read(seed, event)?;
        match open_batch {
            Some((lsn, prev)) => {
                let follows = event.lsn == lsn + 1
                    && stamp.writer == prev.writer
                    && stamp.seq == prev.seq + 1
                    && stamp.index == prev.index + 1
                    && stamp.batch_len == prev.batch_len;
                if !follows {
                    return Err(format!(
                        "LSN {}: {stamp:?} inside the batch of LSN {lsn} ({prev:?}): a torn batch",
                        event.lsn
                    ));
                }
            }
            None if stamp.index != 0 => {
                return Err(format!(
                    "LSN {}: {stamp:?} begins a batch in its middle",
                    event.lsn
                ))
            }
            None => {}
        }
        open_batch = (stamp.index + 1 < stamp.batch_len).then_some((event.lsn, stamp));
        let count =
            checked
                .per_writer
                .entry(stamp.writer)
                .or_insert(if suffix { stamp.seq } else { 0 });
        let skipped_drops = drops && stamp.index == 0 && stamp.seq > *count;
        if skipped_drops {
            *count = stamp.seq;
        }
        if stamp.seq != *count {
            return Err(format!(
                "LSN {}: writer {} event {} follows its event {}: a gap or a duplicate",
                event.lsn,
                stamp.writer,
                stamp.seq,
                i128::from(*count) - 1
            ));
        }
        *count += 1;
        checked.by_lsn.insert(event.lsn, stamp);
        checked.last_lsn = event.lsn;
    }
    if let Some((lsn, stamp)) = open_batch {
        return Err(format!(
            "the log ends inside the batch of LSN {lsn} ({stamp:?}): half a batch is visible"
        ));
    }
    Ok(checked)
}
