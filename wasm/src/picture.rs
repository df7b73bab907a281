//! `Picture`: what a log looks like at a glance, gathered during the one
//! scan that opens it: a minimap of its frames along the file's offsets,
//! its events counted by meta value (the counts `rewal demo` prints), and
//! its frames counted by size. Its memory is fixed, whatever the log holds.

use std::collections::HashMap;

/// Buckets of the minimap: enough for a wide screen, one bucket a pixel.
pub const MINIMAP_BUCKETS: usize = 2048;

/// Distinct meta values counted one by one; the events with any further
/// value are counted together, so a hostile log with a new meta on every
/// event cannot grow the table.
pub const MAX_META_VALUES: usize = 256;

/// Meta values are told apart by their first this many bytes.
pub const META_KEY_BYTES: usize = 64;

/// What kind of frame a minimap count is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A valid frame, records stored as they are.
    Valid = 0,
    /// A valid frame whose records are compressed.
    Compressed = 1,
    /// A valid frame after a corruption (which a cut would remove).
    AfterCorruption = 2,
}

/// The number of [`Mark`] kinds.
pub const MARKS: usize = 3;

/// What bytes that are not a valid frame are, as the minimap colours them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blemish {
    /// An unfinished write at the end of the log (or of its newest
    /// segment): opening the log cuts it.
    Torn = 0,
    /// Invalid bytes anywhere else: a corruption.
    Corrupt = 1,
}

/// Counts for the minimap, the meta breakdown and the size breakdown.
#[derive(Debug, Clone)]
pub struct Picture {
    file_len: u64,
    /// `minimap[b * MARKS + kind]`: frames of that kind touching bucket `b`.
    minimap: Vec<u32>,
    /// `sizes[k]`: frames of `2^k` to `2^(k+1) - 1` bytes.
    sizes: [u64; 33],
    metas: HashMap<Vec<u8>, u64>,
    /// Events without meta.
    no_meta: u64,
    /// Events in compressed frames, whose meta the viewer cannot read.
    compressed: u64,
    /// Events whose meta was not among the first [`MAX_META_VALUES`].
    other_meta: u64,
}

/// One line of the meta breakdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaCount {
    /// The meta value as text (invalid UTF-8 replaced, as `rewal demo`
    /// prints it), or a parenthesised description: `(no meta)`,
    /// `(compressed: meta unknown)`, `(other values)`.
    pub label: String,
    /// The number of events.
    pub count: u64,
}

impl Picture {
    /// Empty counts for a log of `file_len` bytes.
    pub fn new(file_len: u64) -> Picture {
        Picture {
            file_len,
            minimap: vec![0; MINIMAP_BUCKETS * MARKS],
            sizes: [0; 33],
            metas: HashMap::new(),
            no_meta: 0,
            compressed: 0,
            other_meta: 0,
        }
    }

    /// Counts a frame at `offset` of `size` bytes on the minimap (in every
    /// bucket it touches) and in the size breakdown.
    pub fn frame(&mut self, offset: u64, size: u64, mark: Mark) {
        if self.file_len == 0 || size == 0 {
            return;
        }
        let first = self.bucket(offset);
        let last = self.bucket(offset + size - 1);
        for bucket in first..=last {
            let count = &mut self.minimap[bucket * MARKS + mark as usize];
            *count = count.saturating_add(1);
        }
        if mark != Mark::AfterCorruption {
            self.sizes[size.max(1).ilog2() as usize] += 1;
        }
    }

    /// Counts `events` events of a compressed frame.
    pub fn compressed_events(&mut self, events: u64) {
        self.compressed += events;
    }

    /// Counts an event by its meta.
    pub fn meta(&mut self, meta: Option<&[u8]>) {
        let Some(meta) = meta else {
            self.no_meta += 1;
            return;
        };
        let key = &meta[..meta.len().min(META_KEY_BYTES)];
        if let Some(count) = self.metas.get_mut(key) {
            *count += 1;
        } else if self.metas.len() < MAX_META_VALUES {
            self.metas.insert(key.to_vec(), 1);
        } else {
            self.other_meta += 1;
        }
    }

    /// The minimap: for bucket `b` (of [`MINIMAP_BUCKETS`], each covering
    /// an equal share of the file), `[b * MARKS + kind]` counts the frames
    /// of that [`Mark`] touching it.
    pub fn minimap(&self) -> &[u32] {
        &self.minimap
    }

    /// Frames by size: `[k]` counts frames of `2^k` to `2^(k+1) - 1` bytes.
    pub fn sizes(&self) -> &[u64; 33] {
        &self.sizes
    }

    /// Events by meta value, sorted by value as `rewal demo` sorts them,
    /// then the parenthesised lines that have events.
    pub fn metas(&self) -> Vec<MetaCount> {
        let mut lines: Vec<MetaCount> = self
            .metas
            .iter()
            .map(|(meta, &count)| {
                let mut label = String::from_utf8_lossy(meta).into_owned();
                if meta.len() == META_KEY_BYTES {
                    label.push('…');
                }
                MetaCount { label, count }
            })
            .collect();
        lines.sort_by(|a, b| a.label.cmp(&b.label));
        for (label, count) in [
            ("(no meta)", self.no_meta),
            ("(other values)", self.other_meta),
            ("(compressed: meta unknown)", self.compressed),
        ] {
            if count > 0 {
                lines.push(MetaCount {
                    label: label.into(),
                    count,
                });
            }
        }
        lines
    }

    /// The bucket holding file offset `offset`.
    fn bucket(&self, offset: u64) -> usize {
        let scaled = u128::from(offset) * MINIMAP_BUCKETS as u128 / u128::from(self.file_len);
        (scaled as usize).min(MINIMAP_BUCKETS - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_mark_every_bucket_they_touch() {
        let mut picture = Picture::new(MINIMAP_BUCKETS as u64 * 10);
        picture.frame(0, 10, Mark::Valid);
        picture.frame(10, 25, Mark::Compressed);
        picture.frame(MINIMAP_BUCKETS as u64 * 10 - 5, 5, Mark::AfterCorruption);
        let at = |b: usize, mark: Mark| picture.minimap()[b * MARKS + mark as usize];
        assert_eq!(at(0, Mark::Valid), 1);
        assert_eq!(at(1, Mark::Valid), 0);
        assert_eq!(
            (1..=3).map(|b| at(b, Mark::Compressed)).collect::<Vec<_>>(),
            [1, 1, 1]
        );
        assert_eq!(at(4, Mark::Compressed), 0);
        assert_eq!(at(MINIMAP_BUCKETS - 1, Mark::AfterCorruption), 1);
        // Sizes 10 and 25 fall in 8..16 and 16..32; frames after the
        // corruption are not part of the log's breakdown.
        assert_eq!(picture.sizes()[3], 1);
        assert_eq!(picture.sizes()[4], 1);
        assert_eq!(picture.sizes().iter().sum::<u64>(), 2);
    }

    #[test]
    fn metas_are_counted_sorted_and_bounded() {
        let mut picture = Picture::new(100);
        for meta in ["type:b", "type:a", "type:b"] {
            picture.meta(Some(meta.as_bytes()));
        }
        picture.meta(None);
        picture.compressed_events(5);
        let lines: Vec<(String, u64)> = picture
            .metas()
            .into_iter()
            .map(|l| (l.label, l.count))
            .collect();
        assert_eq!(
            lines,
            [
                ("type:a".to_string(), 1),
                ("type:b".to_string(), 2),
                ("(no meta)".to_string(), 1),
                ("(compressed: meta unknown)".to_string(), 5),
            ]
        );
        for i in 0..10_000 {
            picture.meta(Some(format!("unique {i}").as_bytes()));
        }
        assert_eq!(picture.metas.len(), MAX_META_VALUES);
        let other = picture
            .metas()
            .into_iter()
            .find(|l| l.label == "(other values)")
            .unwrap();
        assert_eq!(other.count, 10_000 - (MAX_META_VALUES as u64 - 2));
    }

    #[test]
    fn long_metas_are_cut_and_say_so() {
        let mut picture = Picture::new(100);
        picture.meta(Some(&[b'x'; 500]));
        assert_eq!(
            picture.metas()[0].label,
            format!("{}…", "x".repeat(META_KEY_BYTES))
        );
    }
}
