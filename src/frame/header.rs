//! The frame header: 24 bytes, its fields in order, little-endian. Each
//! field's offset is the previous one's plus its size, so the layout is
//! written once, in the list of sizes below.

use super::{Found, Problem};
use crate::Lsn;

/// The frame magic, ASCII `EWAL`.
pub const MAGIC: [u8; 4] = *b"EWAL";
/// The frame format version written and read.
pub const VERSION: u16 = 2;
/// Flag bit 0: the records region is compressed.
pub const FLAG_COMPRESSED: u16 = 1;

// The fields, in order, by size.
const MAGIC_SIZE: usize = MAGIC.len();
const VERSION_SIZE: usize = size_of::<u16>();
const FLAGS_SIZE: usize = size_of::<u16>();
const COUNT_SIZE: usize = size_of::<u32>();
const FIRST_LSN_SIZE: usize = size_of::<u64>();
const BATCH_SIZE_SIZE: usize = size_of::<u32>();

pub(crate) const MAGIC_AT: usize = 0;
pub(crate) const VERSION_AT: usize = MAGIC_AT + MAGIC_SIZE;
pub(crate) const FLAGS_AT: usize = VERSION_AT + VERSION_SIZE;
pub(crate) const COUNT_AT: usize = FLAGS_AT + FLAGS_SIZE;
pub(crate) const FIRST_LSN_AT: usize = COUNT_AT + COUNT_SIZE;
pub(crate) const BATCH_SIZE_AT: usize = FIRST_LSN_AT + FIRST_LSN_SIZE;

/// Length of the frame header.
pub const HEADER_LEN: usize = BATCH_SIZE_AT + BATCH_SIZE_SIZE;
/// Length of the CRC trailer.
pub const TRAILER_LEN: usize = size_of::<u32>();
/// The smallest possible frame: header and CRC around an empty region.
pub const MIN_FRAME_LEN: usize = HEADER_LEN + TRAILER_LEN;

/// The fields of a frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// Flag bits; see [`FLAG_COMPRESSED`].
    pub flags: u16,
    /// Number of events in the frame.
    pub record_count: u32,
    /// LSN of the first event.
    pub first_lsn: Lsn,
    /// Length of the whole frame in bytes, header and CRC included.
    pub batch_size: u32,
}

impl FrameHeader {
    /// Reads a header from the start of `bytes`, checking, in a decoder's
    /// order, that there are enough bytes, the magic (or only zeros: space
    /// preallocated and never written), the version, and a length of at
    /// least the smallest frame. It looks at nothing past the header: that
    /// the frame fits the data, its CRC and its records are
    /// [`check_frame`](super::check_frame)'s business.
    ///
    /// # Errors
    ///
    /// The first check that fails: [`Problem::Zeros`] (only zeros, even
    /// fewer than a header), [`Problem::ShortHeader`] (a prefix of the
    /// magic, too short for a header), [`Problem::NoMagic`],
    /// [`Problem::UnknownVersion`] or [`Problem::TooSmall`].
    #[inline]
    pub fn read(bytes: &[u8]) -> Result<FrameHeader, Problem> {
        let Some(head) = bytes.get(..HEADER_LEN) else {
            return Err(short_header(bytes));
        };
        if head[MAGIC_AT..VERSION_AT] != MAGIC {
            return Err(if head.iter().all(|&byte| byte == 0) {
                Problem::Zeros
            } else {
                Problem::NoMagic {
                    found: Found::new(&head[MAGIC_AT..VERSION_AT]),
                }
            });
        }
        let version = u16::from_le_bytes(field(head, VERSION_AT));
        if version != VERSION {
            return Err(Problem::UnknownVersion { version });
        }
        let header = FrameHeader {
            flags: u16::from_le_bytes(field(head, FLAGS_AT)),
            record_count: u32::from_le_bytes(field(head, COUNT_AT)),
            first_lsn: u64::from_le_bytes(field(head, FIRST_LSN_AT)),
            batch_size: u32::from_le_bytes(field(head, BATCH_SIZE_AT)),
        };
        if header.len() < MIN_FRAME_LEN {
            return Err(Problem::TooSmall {
                batch_size: header.batch_size,
            });
        }
        Ok(header)
    }

    /// Writes the header into the first [`HEADER_LEN`] bytes of `out`.
    ///
    /// # Panics
    ///
    /// If `out` is shorter than [`HEADER_LEN`].
    pub fn write(&self, out: &mut [u8]) {
        let out = &mut out[..HEADER_LEN];
        out[MAGIC_AT..VERSION_AT].copy_from_slice(&MAGIC);
        out[VERSION_AT..FLAGS_AT].copy_from_slice(&VERSION.to_le_bytes());
        out[FLAGS_AT..COUNT_AT].copy_from_slice(&self.flags.to_le_bytes());
        out[COUNT_AT..FIRST_LSN_AT].copy_from_slice(&self.record_count.to_le_bytes());
        out[FIRST_LSN_AT..BATCH_SIZE_AT].copy_from_slice(&self.first_lsn.to_le_bytes());
        out[BATCH_SIZE_AT..HEADER_LEN].copy_from_slice(&self.batch_size.to_le_bytes());
    }

    /// True when the records region is compressed.
    pub fn is_compressed(&self) -> bool {
        self.flags & FLAG_COMPRESSED != 0
    }

    /// LSN of the last event (saturating on a header whose LSNs are
    /// impossible; see [`lsns_are_possible`](Self::lsns_are_possible)).
    pub fn last_lsn(&self) -> Lsn {
        self.first_lsn
            .saturating_add(u64::from(self.record_count).saturating_sub(1))
    }

    /// The frame length as a `usize`.
    pub fn len(&self) -> usize {
        self.batch_size as usize
    }

    /// Never true for a header that [`read`](Self::read) accepted (frames
    /// are at least 28 bytes); here for symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.batch_size == 0
    }

    /// The length of the records region, as stored.
    pub fn region_len(&self) -> usize {
        self.len().saturating_sub(MIN_FRAME_LEN)
    }

    /// Whether the events the header claims can exist: at least one, LSNs
    /// from 1, and the last one within the LSN space.
    #[inline]
    pub fn lsns_are_possible(&self) -> bool {
        self.first_lsn >= 1
            && u64::from(self.record_count)
                .checked_sub(1)
                .is_some_and(|span| self.first_lsn.checked_add(span).is_some())
    }

    /// The CRC trailer of a frame with this header: the last bytes of
    /// `frame`, which holds the whole frame.
    #[inline]
    pub(crate) fn stored_crc(frame: &[u8]) -> u32 {
        u32::from_le_bytes(field(frame, frame.len() - TRAILER_LEN))
    }
}

/// The `N` bytes of `bytes` at `at`, which the caller knows are there.
#[inline]
fn field<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
}

/// What too few bytes for a header are: zeros, a prefix of a header, or
/// bytes where no frame begins.
fn short_header(bytes: &[u8]) -> Problem {
    if bytes.iter().all(|&byte| byte == 0) {
        return Problem::Zeros;
    }
    let magic = &bytes[..bytes.len().min(MAGIC_SIZE)];
    if magic != &MAGIC[..magic.len()] {
        return Problem::NoMagic {
            found: Found::new(magic),
        };
    }
    Problem::ShortHeader {
        remaining: bytes.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> FrameHeader {
        FrameHeader {
            flags: FLAG_COMPRESSED,
            record_count: 3,
            first_lsn: 0x0102_0304_0506_0708,
            batch_size: 0x1122_3344,
        }
    }

    #[test]
    fn the_layout_is_the_v2_frame() {
        assert_eq!(
            (
                MAGIC_AT,
                VERSION_AT,
                FLAGS_AT,
                COUNT_AT,
                FIRST_LSN_AT,
                BATCH_SIZE_AT
            ),
            (0, 4, 6, 8, 12, 20)
        );
        assert_eq!((HEADER_LEN, TRAILER_LEN, MIN_FRAME_LEN), (24, 4, 28));
        let mut out = [0; HEADER_LEN];
        sample().write(&mut out);
        assert_eq!(
            out,
            [
                b'E', b'W', b'A', b'L', 2, 0, 1, 0, 3, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1, 0x44, 0x33,
                0x22, 0x11
            ]
        );
    }

    #[test]
    fn a_written_header_reads_back_at_every_alignment() {
        for shift in 0..16 {
            let mut buf = vec![0xAA; shift + HEADER_LEN + 3];
            sample().write(&mut buf[shift..]);
            assert_eq!(
                FrameHeader::read(&buf[shift..]),
                Ok(sample()),
                "shift {shift}"
            );
        }
    }

    #[test]
    fn each_field_is_checked_at_its_boundaries() {
        let mut good = [0; HEADER_LEN];
        sample().write(&mut good);
        // Every length short of a header, from a real header's prefix.
        for len in 1..HEADER_LEN {
            let expect = if good[..len].iter().all(|&b| b == 0) {
                Problem::Zeros
            } else {
                Problem::ShortHeader {
                    remaining: len as u64,
                }
            };
            assert_eq!(FrameHeader::read(&good[..len]), Err(expect), "{len}");
        }
        assert_eq!(FrameHeader::read(&[0; HEADER_LEN]), Err(Problem::Zeros));
        // Each byte of the magic.
        for at in MAGIC_AT..VERSION_AT {
            let mut bad = good;
            bad[at] ^= 0x20;
            assert!(matches!(
                FrameHeader::read(&bad),
                Err(Problem::NoMagic { .. })
            ));
        }
        // The version: 1, 3 and 0x0102 (a high byte) are not 2.
        for version in [1u16, 3, 0x0102] {
            let mut bad = good;
            bad[VERSION_AT..FLAGS_AT].copy_from_slice(&version.to_le_bytes());
            assert_eq!(
                FrameHeader::read(&bad),
                Err(Problem::UnknownVersion { version })
            );
        }
        // The size: 27 is too small, 28 is the smallest frame.
        for (size, ok) in [(0u32, false), (27, false), (28, true), (u32::MAX, true)] {
            let mut header = sample();
            header.batch_size = size;
            let mut out = [0; HEADER_LEN];
            header.write(&mut out);
            let read = FrameHeader::read(&out);
            if ok {
                assert_eq!(read, Ok(header));
            } else {
                assert_eq!(read, Err(Problem::TooSmall { batch_size: size }));
            }
        }
        // Unknown flag bits are read and carried, not refused.
        let mut header = sample();
        header.flags = 0xFFFE;
        let mut out = [0; HEADER_LEN];
        header.write(&mut out);
        assert!(!FrameHeader::read(&out).unwrap().is_compressed());
    }

    #[test]
    fn possible_lsns() {
        let with = |first_lsn, record_count| FrameHeader {
            first_lsn,
            record_count,
            ..sample()
        };
        assert!(with(1, 1).lsns_are_possible());
        assert!(with(u64::MAX, 1).lsns_are_possible());
        assert!(with(u64::MAX - 2, 3).lsns_are_possible());
        assert!(!with(u64::MAX - 1, 3).lsns_are_possible());
        assert!(!with(0, 1).lsns_are_possible());
        assert!(!with(1, 0).lsns_are_possible());
        assert_eq!(with(u64::MAX - 1, 3).last_lsn(), u64::MAX);
    }
}
