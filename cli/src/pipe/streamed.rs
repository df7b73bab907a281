//! Checking a frame too large to hold as its bytes go by: the engine's
//! checks (`rewal::frame::check_frame`), in its order of priority, fed one
//! chunk at a time. The CRC is extended chunk by chunk, and the records
//! are walked with the engine's own cursor, whose record headers may
//! straddle two chunks.

use rewal::frame::{
    FrameHeader, Problem, RecordCursor, HEADER_LEN, RECORD_HEADER_LEN, TRAILER_LEN,
};

/// A frame being checked as it streams past.
pub struct StreamedCheck {
    header: FrameHeader,
    /// Bytes of the frame fed so far.
    fed: u64,
    crc: u32,
    trailer: [u8; TRAILER_LEN],
    /// The walk over the records (`None` for a compressed region, whose
    /// records the CLI cannot see).
    records: Option<RecordCursor>,
    /// The first record that failed its check.
    record_problem: Option<Problem>,
    /// The start of a record header that the last chunk ended inside.
    carry: [u8; RECORD_HEADER_LEN],
    carried: usize,
}

impl StreamedCheck {
    /// The check of a frame whose header, already read, is `header`.
    pub fn new(header: FrameHeader) -> StreamedCheck {
        let region = (header.len() - HEADER_LEN - TRAILER_LEN) as u64;
        StreamedCheck {
            header,
            fed: 0,
            crc: 0,
            trailer: [0; TRAILER_LEN],
            records: (!header.is_compressed())
                .then(|| RecordCursor::new(region, header.record_count)),
            record_problem: None,
            carry: [0; RECORD_HEADER_LEN],
            carried: 0,
        }
    }

    /// Feeds the next bytes of the frame (never more than it holds).
    pub fn feed(&mut self, bytes: &[u8]) {
        let len = self.header.len() as u64;
        let body_end = len - TRAILER_LEN as u64;
        let at = self.fed;
        let bytes = &bytes[..(len - at).min(bytes.len() as u64) as usize];
        let end = at + bytes.len() as u64;
        // The CRC covers everything before the trailer.
        if at < body_end {
            let upto = (body_end.min(end) - at) as usize;
            self.crc = rewal::crc::update(self.crc, &bytes[..upto]);
        }
        // The trailer: the stored CRC.
        for (i, &byte) in bytes.iter().enumerate() {
            let pos = at + i as u64;
            if pos >= body_end {
                self.trailer[(pos - body_end) as usize] = byte;
            }
        }
        // The records region: [HEADER_LEN, body_end) of the frame.
        let region_start = HEADER_LEN as u64;
        let from = at.max(region_start);
        let to = end.min(body_end);
        if from < to {
            let slice = &bytes[(from - at) as usize..(to - at) as usize];
            self.walk_records(from - region_start, slice);
        }
        self.fed = end;
    }

    /// Steps the record cursor over the records whose headers lie in
    /// `chunk`, which holds the region's bytes from `chunk_at` on.
    fn walk_records(&mut self, chunk_at: u64, chunk: &[u8]) {
        let Some(cursor) = self.records.as_mut() else {
            return;
        };
        let chunk_end = chunk_at + chunk.len() as u64;
        while self.record_problem.is_none() {
            let Some(at) = cursor.next_at() else { return };
            // As many header bytes as the region has left (the cursor
            // calls fewer than a header's an early end).
            let need = (cursor.region_len() - at).min(RECORD_HEADER_LEN as u64) as usize;
            // Bytes [at, at + carried) are in `carry` already.
            let have_from = at + self.carried as u64;
            let need_end = at + need as u64;
            if need_end > chunk_end {
                // The header goes on in the next chunk: keep its start.
                if have_from < chunk_end && have_from >= chunk_at {
                    let part = &chunk[(have_from - chunk_at) as usize..];
                    self.carry[self.carried..self.carried + part.len()].copy_from_slice(part);
                    self.carried += part.len();
                }
                return;
            }
            let mut head = [0u8; RECORD_HEADER_LEN];
            head[..self.carried].copy_from_slice(&self.carry[..self.carried]);
            if need_end > have_from {
                let rest = &chunk[(have_from - chunk_at) as usize..(need_end - chunk_at) as usize];
                head[self.carried..need].copy_from_slice(rest);
            }
            self.carried = 0;
            if let Err(problem) = cursor.step(&head[..need]) {
                self.record_problem = Some(problem);
            }
        }
    }

    /// The verdict once the whole frame was fed: the header of a valid
    /// frame, or the first problem in the engine's order (CRC, LSNs,
    /// records).
    pub fn finish(mut self) -> Result<FrameHeader, Problem> {
        debug_assert_eq!(self.fed, self.header.len() as u64);
        // A record header said to begin at the very end of the region has
        // no bytes to arrive with: step over it now (an early end).
        if let Some(region_len) = self.records.as_ref().map(RecordCursor::region_len) {
            self.walk_records(region_len, &[]);
        }
        let stored = u32::from_le_bytes(self.trailer);
        if self.crc != stored {
            return Err(Problem::CrcMismatch {
                batch_size: self.header.batch_size,
                stored,
                computed: self.crc,
            });
        }
        if !self.header.lsns_are_possible() {
            return Err(Problem::ImpossibleLsns {
                record_count: self.header.record_count,
                first_lsn: self.header.first_lsn,
            });
        }
        if let Some(problem) = self.record_problem {
            return Err(problem);
        }
        if let Some(cursor) = &self.records {
            cursor.finish()?;
        }
        Ok(self.header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rewal::frame::check_frame;

    /// Feeds `frame` in chunks of `size` and compares with the engine.
    fn same_as_engine(frame: &[u8], size: usize) {
        let header = FrameHeader::read(frame).expect("a header");
        let mut check = StreamedCheck::new(header);
        for chunk in frame.chunks(size) {
            check.feed(chunk);
        }
        let engine = match check_frame(&mut &frame[..], 0) {
            Ok(result) => result,
            Err(never) => match never {},
        };
        assert_eq!(check.finish(), engine, "chunks of {size}");
    }

    fn frame(records: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut batch = rewal::Batch::new();
        for (payload, meta) in records {
            batch.add_with_meta(*payload, *meta);
        }
        let mut out = Vec::new();
        rewal::frame::encode_batch(&mut out, &batch, 7, None).expect("encode");
        out
    }

    /// Writes a valid CRC over a frame whose bytes were changed.
    fn reseal(frame: &mut [u8]) {
        let body = frame.len() - TRAILER_LEN;
        let crc = rewal::crc::checksum(&frame[..body]);
        frame[body..].copy_from_slice(&crc.to_le_bytes());
    }

    #[test]
    fn agrees_with_the_engine_whatever_the_chunks() {
        let good = frame(&[(b"one", b"m"), (b"", b""), (b"three three", b"")]);
        let mut bad_crc = good.clone();
        bad_crc[30] ^= 1;
        let mut overrun = good.clone();
        overrun[HEADER_LEN] = 200; // the first payload claims 200 bytes
        reseal(&mut overrun);
        let mut too_many = good.clone();
        too_many[8] = 9; // record_count 9
        reseal(&mut too_many);
        let mut too_few = good.clone();
        too_few[8] = 2;
        reseal(&mut too_few);
        let mut lsn_zero = good.clone();
        lsn_zero[12..20].copy_from_slice(&0u64.to_le_bytes());
        reseal(&mut lsn_zero);
        for frame in [&good, &bad_crc, &overrun, &too_many, &too_few, &lsn_zero] {
            for size in [1, 2, 5, 6, 7, 13, 64, 4096] {
                same_as_engine(frame, size);
            }
        }
    }
}
