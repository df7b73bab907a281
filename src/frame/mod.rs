//! The v2 batch frame: the one place that knows the on-disk format, shared
//! by every target and by rewal 0.1.0 and UEWAL v0.2.
//!
//! ```text
//! offset  size  field
//!      0     4  magic "EWAL"
//!      4     2  version = 2
//!      6     2  flags (bit 0: records region compressed)
//!      8     4  record_count (>= 1)
//!     12     8  first_lsn (event i has first_lsn + i)
//!     20     4  batch_size: the whole frame, header and CRC included (>= 28)
//!     24     …  records region (compressed as a whole when flag bit 0 is set)
//!  end-4     4  CRC-32C of bytes [0, batch_size - 4)
//! record: payload_len u32, meta_len u16, meta, payload (little-endian)
//! ```
//!
//! - [`FrameHeader`] reads and writes the header (`header.rs`: the layout,
//!   from the fields' sizes);
//! - [`RecordCursor`] walks the records of a region, checking each length
//!   against what is left (`records.rs`); [`Records`] is that walk over a
//!   slice;
//! - [`check_frame`] is the whole check, over any [`Bytes`], returning the
//!   header or the [`Problem`] (`check.rs`);
//! - [`classify_end`] says how a log ends after its last valid frame, over
//!   any [`Bytes`] (`ending.rs`): a clean end, a torn tail, a power cut's
//!   lost writes, a corruption, or somebody else's file;
//! - `encode.rs` builds frames, `decode.rs` reads checked ones.
//!
//! Nothing else in rewal reads a header field or a record length. Decoders
//! never trust a length before checking it against the bytes that are
//! there: hostile input makes them fail, never panic or over-allocate.

mod check;
mod decode;
mod encode;
mod ending;
mod header;
mod records;
mod stream;

pub(crate) use check::WINDOW;
pub use check::{check_frame, Bytes, Found, Problem};
pub use decode::FrameEvents;
pub(crate) use decode::{checked, decode_frame, open_region};
pub use encode::{encode_batch, encode_event, push_record};
pub(crate) use encode::{push_unsealed_frame, push_unsealed_single, seal};
pub use ending::{begins_like_a_log, classify_end, is_zeros, not_a_log, LogEnd, PAGE};
pub use header::{
    FrameHeader, FLAG_COMPRESSED, HEADER_LEN, MAGIC, MIN_FRAME_LEN, TRAILER_LEN, VERSION,
};
pub use records::{
    check_records, RecordCursor, RecordPlace, Records, MAX_META_LEN, RECORD_HEADER_LEN,
};
pub use stream::{Poll, StreamChecker, StreamEnd, StreamFrame, STREAM_HOLD};
