//! The records of a frame's region: `payload_len: u32`, `meta_len: u16`,
//! the meta, then the payload, one after the other. [`RecordCursor`] is the
//! one walk over them: it checks each record against the region's end as
//! it goes, whoever holds the bytes (a slice, a map, a read buffer read a
//! window at a time); [`Records`] is that walk over a slice, yielding the
//! records themselves.

use super::Problem;
use std::ops::Range;

// A record's header, by field size.
const PAYLOAD_LEN_SIZE: usize = size_of::<u32>();
const META_LEN_SIZE: usize = size_of::<u16>();

/// Length of a record's header (`payload_len`, `meta_len`).
pub const RECORD_HEADER_LEN: usize = PAYLOAD_LEN_SIZE + META_LEN_SIZE;
/// The longest meta a record can carry.
pub const MAX_META_LEN: usize = u16::MAX as usize;

/// Where one record's meta and payload lie, as offsets into the region.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordPlace {
    /// The meta's bytes (empty when the record has none).
    pub meta: Range<u64>,
    /// The payload's bytes.
    pub payload: Range<u64>,
}

/// A walk over the records of a region of `region_len` bytes that should
/// hold exactly `count` records. Ask [`next_at`](Self::next_at) where the
/// next record header is, hand its bytes to [`step`](Self::step), and
/// call [`finish`](Self::finish) at the end: every length is checked
/// against the bytes left before it is used. Each record takes at least 6
/// bytes, so the walk ends after at most `region_len / 6` steps whatever
/// `count` claims.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordCursor {
    at: u64,
    end: u64,
    done: u32,
    count: u32,
}

impl RecordCursor {
    /// A walk over `count` records in `region_len` bytes.
    #[inline]
    pub fn new(region_len: u64, count: u32) -> RecordCursor {
        RecordCursor {
            at: 0,
            end: region_len,
            done: 0,
            count,
        }
    }

    /// Where the next record's header begins, or `None` when all `count`
    /// records have been walked.
    #[inline]
    pub fn next_at(&self) -> Option<u64> {
        (self.done < self.count).then_some(self.at)
    }

    /// Records walked so far.
    pub fn done(&self) -> u32 {
        self.done
    }

    /// The length of the region walked.
    pub fn region_len(&self) -> u64 {
        self.end
    }

    /// Records still to walk (of those claimed).
    pub fn remaining(&self) -> u32 {
        self.count.saturating_sub(self.done)
    }

    /// Steps over the record whose header is `head` (the first
    /// [`RECORD_HEADER_LEN`] bytes at [`next_at`](Self::next_at); fewer when
    /// the region ends before them), returning where its meta and payload
    /// lie. Call it only while [`next_at`](Self::next_at) is `Some`.
    ///
    /// # Errors
    ///
    /// [`Problem::RecordsEndEarly`] when the region ends before the
    /// record's header, [`Problem::RecordOverruns`] when the record claims
    /// more bytes than are left, [`Problem::BytesLeftOver`] when called
    /// after the last record. The cursor does not move.
    #[inline]
    pub fn step(&mut self, head: &[u8]) -> Result<RecordPlace, Problem> {
        let count = self.count;
        let left = self.end - self.at;
        if self.done >= count {
            // Called past the last record: whatever is left is too much.
            return Err(Problem::BytesLeftOver { bytes: left, count });
        }
        let record = self.done + 1;
        let Some(head) = head.first_chunk::<RECORD_HEADER_LEN>() else {
            return Err(Problem::RecordsEndEarly { record, count });
        };
        if left < RECORD_HEADER_LEN as u64 {
            return Err(Problem::RecordsEndEarly { record, count });
        }
        let (payload_len, meta_len) = lengths(head);
        if left - (RECORD_HEADER_LEN as u64) < payload_len + meta_len {
            return Err(Problem::RecordOverruns { record, count });
        }
        let meta_at = self.at + RECORD_HEADER_LEN as u64;
        let payload_at = meta_at + meta_len;
        self.at = payload_at + payload_len;
        self.done = record;
        Ok(RecordPlace {
            meta: meta_at..payload_at,
            payload: payload_at..self.at,
        })
    }

    /// After the last record: the region must hold nothing more.
    ///
    /// # Errors
    ///
    /// [`Problem::BytesLeftOver`] when bytes follow the last record walked.
    #[inline]
    pub fn finish(&self) -> Result<(), Problem> {
        if self.at == self.end {
            Ok(())
        } else {
            Err(Problem::BytesLeftOver {
                bytes: self.end - self.at,
                count: self.count,
            })
        }
    }
}

/// A record header's `(payload_len, meta_len)`.
#[inline]
fn lengths(head: &[u8; RECORD_HEADER_LEN]) -> (u64, u64) {
    let (payload_len, meta_len) = head.split_at(PAYLOAD_LEN_SIZE);
    let mut payload = [0; PAYLOAD_LEN_SIZE];
    payload.copy_from_slice(payload_len);
    let mut meta = [0; META_LEN_SIZE];
    meta.copy_from_slice(meta_len);
    (
        u64::from(u32::from_le_bytes(payload)),
        u64::from(u16::from_le_bytes(meta)),
    )
}

/// Checks that `region` holds exactly `count` well-formed records.
///
/// # Errors
///
/// The first problem met: [`Problem::RecordsEndEarly`] or
/// [`Problem::RecordOverruns`] for a record that does not fit,
/// [`Problem::BytesLeftOver`] for bytes after the last one.
#[inline]
pub fn check_records(region: &[u8], count: u32) -> Result<(), Problem> {
    // Most frames hold one event: it is well formed exactly when its
    // lengths fill the region. Checked first, without the walk, which cost
    // recovery a nanosecond and a half per frame (of some 25); any other
    // region goes through the walk, which says what is wrong.
    if count == 1 {
        if let Some(head) = region.first_chunk::<RECORD_HEADER_LEN>() {
            let (payload_len, meta_len) = lengths(head);
            if RECORD_HEADER_LEN as u64 + payload_len + meta_len == region.len() as u64 {
                return Ok(());
            }
        }
    }
    let mut cursor = RecordCursor::new(region.len() as u64, count);
    while let Some(at) = cursor.next_at() {
        cursor.step(&region[at as usize..])?;
    }
    cursor.finish()
}

/// The `(payload, meta)` pairs of a slice holding a records region: the
/// same walk as [`RecordCursor`], over bytes in memory. On a region that
/// [`check_records`] has passed it yields exactly `count` records; on any
/// other it stops at the first record that does not fit.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    region: &'a [u8],
    cursor: RecordCursor,
}

impl<'a> Records<'a> {
    /// The records of `region`, which should hold `count` of them.
    pub fn new(region: &'a [u8], count: u32) -> Records<'a> {
        Records {
            region,
            cursor: RecordCursor::new(region.len() as u64, count),
        }
    }

    /// Records not yet returned (of those claimed).
    pub fn remaining(&self) -> usize {
        self.cursor.remaining() as usize
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = (&'a [u8], Option<&'a [u8]>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let at = self.cursor.next_at()? as usize;
        let place = self.cursor.step(self.region.get(at..)?).ok()?;
        let meta = &self.region[place.meta.start as usize..place.meta.end as usize];
        let payload = &self.region[place.payload.start as usize..place.payload.end as usize];
        Some((payload, (!meta.is_empty()).then_some(meta)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(payload: &[u8], meta: &[u8]) -> Vec<u8> {
        let mut out = (payload.len() as u32).to_le_bytes().to_vec();
        out.extend_from_slice(&(meta.len() as u16).to_le_bytes());
        out.extend_from_slice(meta);
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn records_walk_at_every_alignment() {
        let region = [
            record(b"one", b""),
            record(b"", b"m"),
            record(b"three", b"meta"),
        ]
        .concat();
        for shift in 0..16 {
            let mut buf = vec![0x55; shift];
            buf.extend_from_slice(&region);
            let region = &buf[shift..];
            assert_eq!(check_records(region, 3), Ok(()));
            let got: Vec<_> = Records::new(region, 3).collect();
            assert_eq!(
                got,
                vec![
                    (&b"one"[..], None),
                    (&b""[..], Some(&b"m"[..])),
                    (&b"three"[..], Some(&b"meta"[..]))
                ]
            );
        }
    }

    #[test]
    fn a_step_past_the_last_record_is_refused_and_counts_stay_sane() {
        let region = [record(b"one", b""), record(b"two", b"")].concat();
        let mut cursor = RecordCursor::new(region.len() as u64 - 2, 1);
        cursor.step(&region).unwrap();
        assert_eq!(cursor.next_at(), None);
        // Called anyway (the docs say not to): an answer, not a panic.
        let left = region.len() as u64 - 2 - 9;
        assert_eq!(
            cursor.step(&region[9..]),
            Err(Problem::BytesLeftOver {
                bytes: left,
                count: 1
            })
        );
        assert_eq!((cursor.done(), cursor.remaining()), (1, 0));
    }

    #[test]
    fn every_length_is_checked_against_what_is_left() {
        let region = [record(b"abc", b"m"), record(b"de", b"")].concat();
        // Every cut of the region.
        for len in 0..region.len() {
            let cut = &region[..len];
            let first_len = 6 + 1 + 3;
            let expect = if len < 6 {
                Problem::RecordsEndEarly {
                    record: 1,
                    count: 2,
                }
            } else if len < first_len {
                Problem::RecordOverruns {
                    record: 1,
                    count: 2,
                }
            } else if len < first_len + 6 {
                Problem::RecordsEndEarly {
                    record: 2,
                    count: 2,
                }
            } else {
                Problem::RecordOverruns {
                    record: 2,
                    count: 2,
                }
            };
            assert_eq!(check_records(cut, 2), Err(expect), "cut at {len}");
            assert!(Records::new(cut, 2).count() < 2);
        }
        // Bytes after the last record, and too few records claimed.
        assert_eq!(
            check_records(&[region.clone(), vec![0]].concat(), 2),
            Err(Problem::BytesLeftOver { bytes: 1, count: 2 })
        );
        assert_eq!(
            check_records(&region, 1),
            Err(Problem::BytesLeftOver { bytes: 8, count: 1 })
        );
        // A claim of more records than could fit ends at the region's end.
        assert_eq!(
            check_records(&region, u32::MAX),
            Err(Problem::RecordsEndEarly {
                record: 3,
                count: u32::MAX
            })
        );
        // Lengths at their largest do not overflow.
        let huge = [
            u32::MAX.to_le_bytes().to_vec(),
            u16::MAX.to_le_bytes().to_vec(),
        ]
        .concat();
        assert_eq!(
            check_records(&huge, 1),
            Err(Problem::RecordOverruns {
                record: 1,
                count: 1
            })
        );
    }
}
