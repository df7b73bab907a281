//! `StreamReader`: a log read as it streams in, a chunk at a time (a
//! `Blob`'s stream, a fetch's body, a Node stream), its events handed out
//! as each frame arrives and checks out. Memory holds the frame being
//! received, never the log.
//!
//! Each frame is checked by the engine's own check (`check_frame`) before
//! its events are handed out, and frames must follow each other in LSN
//! order, as a scan demands. At the first frame that does not check out,
//! the reader stops handing out events and keeps what follows (up to
//! [`REST_LIMIT`] bytes); at the end, the engine's scan judges those bytes
//! after the last valid frame (`scan_bytes`), so the stream ends as `rewal
//! verify` would say the same bytes end: clean, a torn tail, a corruption
//! (a valid frame follows), or not a log.

use crate::view::EventRow;
use rewal::frame::{check_frame, FrameEvents, FrameHeader, HEADER_LEN, TRAILER_LEN};
use rewal::inspect::{scan_bytes, FrameInfo, LogEnd, LogScan};

/// The most bytes kept after the first frame that does not check out, to
/// judge whether a valid frame follows: a corruption is told from a torn
/// tail within them.
pub const REST_LIMIT: usize = 64 << 20;

/// A log being read from a stream.
#[derive(Debug)]
pub struct StreamReader {
    /// Bytes received and not yet handed out as events.
    buf: Vec<u8>,
    /// The stream offset of `buf[0]`.
    base: u64,
    /// The valid frames so far, counted as a scan counts them.
    scan: LogScan,
    /// The last valid frame's bytes (a scan of the rest starts with it,
    /// so the engine judges what follows against its LSNs).
    last_frame: Vec<u8>,
    /// A frame did not check out: only collecting the rest.
    stopped: bool,
}

impl Default for StreamReader {
    fn default() -> Self {
        StreamReader::new()
    }
}

impl StreamReader {
    /// A reader at the start of a stream.
    pub fn new() -> StreamReader {
        StreamReader {
            buf: Vec::new(),
            base: 0,
            scan: LogScan::new(0),
            last_frame: Vec::new(),
            stopped: false,
        }
    }

    /// Takes the next `chunk` of the stream; returns the events of the
    /// frames it completes.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<EventRow> {
        self.scan.file_len += chunk.len() as u64;
        let mut rows = Vec::new();
        if self.stopped {
            let room = REST_LIMIT.saturating_sub(self.buf.len());
            self.buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            return rows;
        }
        self.buf.extend_from_slice(chunk);
        let mut pos = 0;
        while self.buf.len() - pos >= HEADER_LEN {
            let left = &self.buf[pos..];
            let Ok(header) = FrameHeader::read(&left[..HEADER_LEN]) else {
                self.stopped = true;
                break;
            };
            if header.len() > left.len() {
                break; // the rest of the frame is still to come
            }
            let in_order = self.scan.frames == 0 || header.first_lsn > self.scan.last_lsn;
            match check_frame(&mut &left[..header.len()], 0) {
                Ok(Ok(header)) if in_order => {
                    let frame = &left[..header.len()];
                    let offset = self.base + pos as u64;
                    frame_rows(frame, &header, offset, self.scan.events, &mut rows);
                    self.scan.count_frame(&FrameInfo { offset, header });
                    self.last_frame.clear();
                    self.last_frame.extend_from_slice(frame);
                    pos += header.len();
                }
                _ => {
                    self.stopped = true;
                    break;
                }
            }
        }
        self.buf.drain(..pos);
        self.base += pos as u64;
        if self.stopped {
            self.buf.truncate(REST_LIMIT);
        }
        rows
    }

    /// The events handed out so far.
    pub fn events(&self) -> u64 {
        self.scan.events
    }

    /// The stream has ended: what a scan of it finds (how it ends, judged
    /// by the engine; counts of the valid frames).
    pub fn finish(&self) -> LogScan {
        let mut scan = self.scan.clone();
        if self.buf.is_empty() {
            return scan; // clean
        }
        let before = self.last_frame.len() as u64;
        let shift = self.base - before;
        let tail = [&self.last_frame[..], &self.buf[..]].concat();
        // Bytes in memory always scan.
        let Ok(judged) = scan_bytes(&tail, |_| {}) else {
            return scan;
        };
        scan.problem = judged.problem;
        scan.end = match judged.end {
            LogEnd::Clean => LogEnd::Clean,
            LogEnd::NotALog if self.base == 0 => LogEnd::NotALog,
            LogEnd::NotALog => LogEnd::Corrupted {
                offset: self.base,
                next_valid: None,
            },
            LogEnd::TornTail { offset } => LogEnd::TornTail {
                offset: offset.max(before) + shift,
            },
            // (Bytes in memory have no sync mark: never judged a power
            // cut; said as what they are otherwise.)
            LogEnd::Corrupted { offset, next_valid } | LogEnd::PowerCut { offset, next_valid } => {
                LogEnd::Corrupted {
                    offset: offset.max(before) + shift,
                    next_valid: next_valid.map(|at| at + shift),
                }
            }
        };
        scan
    }
}

/// The events of a checked frame at stream offset `offset`, the first
/// being the `ordinal`-th of the stream.
fn frame_rows(
    frame: &[u8],
    header: &FrameHeader,
    offset: u64,
    ordinal: u64,
    rows: &mut Vec<EventRow>,
) {
    let count = u64::from(header.record_count);
    if header.is_compressed() {
        rows.extend((0..count).map(|k| EventRow {
            ordinal: ordinal + k,
            lsn: header.first_lsn + k,
            frame_offset: offset,
            compressed: true,
            payload: Vec::new(),
            payload_len: 0,
            meta: None,
        }));
        return;
    }
    let region = &frame[HEADER_LEN..frame.len() - TRAILER_LEN];
    for (k, event) in FrameEvents::new(region, header).enumerate() {
        rows.push(EventRow {
            ordinal: ordinal + k as u64,
            lsn: event.lsn,
            frame_offset: offset,
            compressed: false,
            payload: event.payload.to_vec(),
            payload_len: event.payload.len() as u64,
            meta: event.meta.map(<[u8]>::to_vec),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::LogWriter;
    use rewal::inspect::scan_bytes;

    fn log(events: u64) -> Vec<u8> {
        let writer = LogWriter::new().unwrap();
        for i in 1..=events {
            let meta = if i % 2 == 0 { &b"even"[..] } else { &b""[..] };
            writer
                .append(format!("event {i}").as_bytes(), meta)
                .unwrap();
        }
        writer.finish().unwrap()
    }

    /// Reads `bytes` in chunks of `size`; the LSNs handed out, and the end.
    fn read(bytes: &[u8], size: usize) -> (Vec<u64>, LogScan) {
        let mut reader = StreamReader::new();
        let mut lsns = Vec::new();
        for chunk in bytes.chunks(size.max(1)) {
            lsns.extend(reader.push(chunk).iter().map(|row| row.lsn));
        }
        (lsns, reader.finish())
    }

    #[test]
    fn a_stream_ends_as_a_scan_of_the_same_bytes_ends() {
        let clean = log(20);
        let mut torn = clean.clone();
        torn.truncate(clean.len() - 5);
        let mut corrupt = clean.clone();
        let third = scan_frames(&clean)[2];
        corrupt[third as usize + 30] ^= 0xff;
        let junk = b"not a rewal log at all, just text".to_vec();
        for (name, bytes) in [
            ("clean", clean),
            ("torn", torn),
            ("corrupt", corrupt),
            ("junk", junk),
            ("empty", vec![]),
        ] {
            let whole = scan_bytes(&bytes, |_| {}).unwrap();
            for size in [1, 7, 64, 1 << 20] {
                let (lsns, end) = read(&bytes, size);
                assert_eq!(end, whole, "{name} in chunks of {size}");
                assert_eq!(lsns, (1..=whole.last_lsn).collect::<Vec<_>>(), "{name}");
            }
        }
    }

    fn scan_frames(bytes: &[u8]) -> Vec<u64> {
        let mut offsets = Vec::new();
        scan_bytes(bytes, |frame| offsets.push(frame.offset)).unwrap();
        offsets
    }

    #[test]
    fn events_carry_their_payload_meta_and_frame() {
        let bytes = log(3);
        let mut reader = StreamReader::new();
        let rows = reader.push(&bytes);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].payload, b"event 2");
        assert_eq!(rows[1].meta.as_deref(), Some(&b"even"[..]));
        assert_eq!(rows[0].meta, None);
        assert_eq!(rows[2].frame_offset, scan_frames(&bytes)[2]);
        assert_eq!(reader.events(), 3);
    }
}
