//! Checking a log that arrives as a stream (a pipe, a socket, standard
//! input): [`StreamChecker`], a frame checker that does no I/O of its own.
//! The caller feeds it the stream's bytes in chunks of any size, and it
//! hands back each valid frame, then how the log ends, in the same words
//! ([`LogEnd`], [`Problem`]) as a scan of the same bytes in a file.
//!
//! A stream cannot go back, so what the checker may look at again is held:
//! a frame up to [`STREAM_HOLD`] bytes whole (checked with [`check_frame`],
//! and handed out with its bytes); a larger one only its first
//! [`STREAM_HOLD`] bytes, the rest checked as it goes by (its CRC extended
//! chunk by chunk, its records walked with [`RecordCursor`]) and dropped.
//! Where the valid frames end, what follows is held, up to
//! [`STREAM_HOLD`] (a leading run of zeros counted rather than held), and
//! judged by [`classify_end`] from that offset, knowing the last LSN.
//! Memory is therefore about [`STREAM_HOLD`] plus the largest chunk fed,
//! whatever the stream holds: a length field claiming 4 GiB allocates
//! nothing by itself.
//!
//! What bounds memory also bounds what can be known. When what follows the
//! valid frames goes on past what is held before the question is settled
//! (garbage, or a torn write of a frame larger than what is held), the end
//! is the one a scan gives bytes too costly to search: a corruption with
//! no next valid frame named ([`StreamEnd::searched`] is false, and the
//! rest of the stream need not be read). A stream has no sync mark, so it
//! never ends in [`LogEnd::PowerCut`].
//!
//! ```
//! use rewal::frame::{encode_event, Poll, StreamChecker};
//! use rewal::inspect::LogEnd;
//!
//! let mut log = Vec::new();
//! for lsn in 1..=3 {
//!     encode_event(&mut log, b"payload", b"", lsn, None)?;
//! }
//! log.extend_from_slice(b"EWAL"); // a torn write
//!
//! let mut checker = StreamChecker::new();
//! let mut chunks = log.chunks(10); // as a pipe might deliver it
//! let mut lsns = Vec::new();
//! let end = loop {
//!     match checker.poll() {
//!         Poll::Frame(frame) => lsns.push(frame.header.first_lsn),
//!         Poll::NeedInput => match chunks.next() {
//!             Some(chunk) => checker.feed(chunk),
//!             None => checker.end_of_input(),
//!         },
//!         Poll::End(end) => break end,
//!     }
//! };
//! assert_eq!(lsns, [1, 2, 3]);
//! assert_eq!(end.end, LogEnd::TornTail { offset: checker.valid_len() });
//! # Ok::<(), rewal::Error>(())
//! ```

use super::check::{check_frame, Bytes, Problem};
use super::ending::{begins_like_a_log, classify_end, LogEnd};
use super::header::{FrameHeader, BATCH_SIZE_AT, HEADER_LEN, MAGIC, TRAILER_LEN};
use super::records::{RecordCursor, RECORD_HEADER_LEN};
use crate::Lsn;

/// The most bytes of a stream a [`StreamChecker`] holds by default: a
/// frame up to this size is held whole; what follows the valid frames is
/// held up to this size to be judged.
pub const STREAM_HOLD: usize = 32 << 20;

/// A valid frame of a stream, as [`StreamChecker::poll`] hands it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFrame<'a> {
    /// Where it begins in the stream.
    pub offset: u64,
    /// Its header.
    pub header: FrameHeader,
    /// Its CRC-32C (stored in its trailer, and matching its bytes).
    pub crc: u32,
    /// The whole frame, when it was held (a frame larger than the
    /// checker's hold is checked as it goes by, and is `None` here).
    pub bytes: Option<&'a [u8]>,
}

impl StreamFrame<'_> {
    /// The records region of a held frame (compressed, for a compressed
    /// frame); `None` when the frame was not held.
    pub fn region(&self) -> Option<&[u8]> {
        let bytes = self.bytes?;
        bytes.get(HEADER_LEN..bytes.len() - TRAILER_LEN)
    }
}

/// How a stream ends after its last valid frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StreamEnd {
    /// As a scan of the same bytes in a file judges it (but see
    /// [`searched`](Self::searched)).
    pub end: LogEnd,
    /// What is wrong where the valid frames end (`None` when clean).
    pub problem: Option<Problem>,
    /// False when what follows the valid frames went on past what is held
    /// before the question was settled: `end` is then the corruption a
    /// scan gives bytes too costly to search, and the rest of the stream
    /// need not be read.
    pub searched: bool,
}

/// What [`StreamChecker::poll`] has to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll<'a> {
    /// The next valid frame (its bytes are dropped at the next poll).
    Frame(StreamFrame<'a>),
    /// Feed more bytes ([`StreamChecker::feed`]), or say there are none
    /// ([`StreamChecker::end_of_input`]).
    NeedInput,
    /// How the log ends. Asked again, it says the same; bytes fed from
    /// now on are only counted.
    End(StreamEnd),
}

/// A sans-IO frame checker over a stream: fed chunks in order, it hands out
/// each valid frame and judges how the stream ends, as a scan of the whole
/// bytes would.
///
/// Feed it only when [`poll`](Self::poll) says [`Poll::NeedInput`]: what
/// it holds is then bounded by its hold plus one chunk.
#[derive(Debug)]
pub struct StreamChecker {
    hold: usize,
    /// `buf[head..]` are the stream's bytes from `start` on.
    buf: Vec<u8>,
    head: usize,
    start: u64,
    /// Bytes fed so far.
    fed: u64,
    eof: bool,
    /// Where the next frame begins (where the valid frames end).
    next: u64,
    last_lsn: Lsn,
    /// The frame handed out last, to drop at the next poll.
    handed: u64,
    /// What followed a frame passed through, in the chunk that ended it.
    after: Vec<u8>,
    state: State,
}

#[derive(Debug)]
enum State {
    /// Checking the frame at `next`.
    Frames,
    /// A frame larger than the hold, at `next`, whose first bytes are held
    /// and whose rest goes through `check` as it arrives.
    Passing {
        claimed: u64,
        check: Box<PassingCheck>,
    },
    /// That frame, fed whole: its verdict, to hand out at the next poll.
    Passed {
        claimed: u64,
        verdict: Result<(FrameHeader, u32), Problem>,
    },
    /// The bytes at `next` are not a valid frame (`problem`); what follows
    /// is being held to be judged. `contiguous` is false when bytes were
    /// passed without being held (a large frame): what is held cannot
    /// grow. `zeros` counts the zeros skipped from `next` on, `in_zeros`
    /// while only zeros have come.
    Tail {
        problem: Problem,
        contiguous: bool,
        zeros: u64,
        in_zeros: bool,
    },
    /// Judged.
    Ended(StreamEnd),
}

/// What one step of [`StreamChecker::poll`] found.
enum Step {
    Again,
    NeedInput,
    /// A valid frame: held at `start`, or passed through (`held` false).
    Frame {
        header: FrameHeader,
        crc: u32,
        held: bool,
    },
}

impl Default for StreamChecker {
    fn default() -> Self {
        StreamChecker::new()
    }
}

impl StreamChecker {
    /// A checker at the start of a stream, holding up to [`STREAM_HOLD`].
    pub fn new() -> StreamChecker {
        StreamChecker::with_hold(STREAM_HOLD)
    }

    /// A checker holding up to `hold` bytes (at least a frame header's
    /// worth): frames larger than that are checked as they go by.
    pub fn with_hold(hold: usize) -> StreamChecker {
        StreamChecker {
            hold: hold.max(HEADER_LEN),
            buf: Vec::new(),
            head: 0,
            start: 0,
            fed: 0,
            eof: false,
            next: 0,
            last_lsn: 0,
            handed: 0,
            after: Vec::new(),
            state: State::Frames,
        }
    }

    /// Bytes fed so far.
    pub fn fed(&self) -> u64 {
        self.fed
    }

    /// Where the valid frames checked so far end.
    pub fn valid_len(&self) -> u64 {
        self.next
    }

    /// The last LSN of the valid frames checked so far (0 before any).
    pub fn last_lsn(&self) -> Lsn {
        self.last_lsn
    }

    /// Whether [`end_of_input`](Self::end_of_input) was called: every byte
    /// of the stream was fed.
    pub fn at_end_of_input(&self) -> bool {
        self.eof
    }

    /// Says that the stream has ended: no more bytes will be fed.
    pub fn end_of_input(&mut self) {
        self.eof = true;
    }

    /// Feeds the stream's next bytes.
    pub fn feed(&mut self, chunk: &[u8]) {
        let chunk_at = self.fed;
        self.fed += chunk.len() as u64;
        match &mut self.state {
            State::Frames => self.hold_more(chunk),
            State::Passing { claimed, check } => {
                let claimed = *claimed;
                let frame_end = self.next + claimed;
                let in_frame = (frame_end.saturating_sub(chunk_at) as usize).min(chunk.len());
                check.feed(&chunk[..in_frame]);
                if chunk_at + in_frame as u64 == frame_end {
                    self.after.extend_from_slice(&chunk[in_frame..]);
                    self.pass_done(claimed);
                }
            }
            State::Passed { .. } => self.after.extend_from_slice(chunk),
            State::Tail {
                contiguous: true,
                in_zeros: true,
                zeros,
                ..
            } => {
                let leading = chunk.iter().position(|&byte| byte != 0);
                *zeros += leading.unwrap_or(chunk.len()) as u64;
                if let Some(at) = leading {
                    if let State::Tail { in_zeros, .. } = &mut self.state {
                        *in_zeros = false;
                    }
                    self.start = chunk_at + at as u64;
                    self.hold_more(&chunk[at..]);
                }
            }
            State::Tail {
                contiguous: true, ..
            } => self.hold_more(chunk),
            State::Tail { .. } | State::Ended(_) => {}
        }
    }

    /// What comes next: a valid frame, a request for more bytes, or how
    /// the log ends.
    pub fn poll(&mut self) -> Poll<'_> {
        // The frame handed out last is done with.
        if self.handed > self.start {
            self.drop_to(self.handed);
        }
        loop {
            let step = match &self.state {
                State::Ended(end) => return Poll::End(*end),
                State::Frames => self.step_frames(),
                State::Passing { .. } => self.step_passing(),
                State::Passed { .. } => self.step_passed(),
                State::Tail { .. } => self.step_tail(),
            };
            match step {
                Step::Again => {}
                Step::NeedInput => return Poll::NeedInput,
                Step::Frame {
                    header,
                    crc,
                    held: true,
                } => {
                    let offset = self.start;
                    self.handed = offset + u64::from(header.batch_size);
                    let bytes = &self.buf[self.head..self.head + header.len()];
                    return Poll::Frame(StreamFrame {
                        offset,
                        header,
                        crc,
                        bytes: Some(bytes),
                    });
                }
                Step::Frame { header, crc, .. } => {
                    return Poll::Frame(StreamFrame {
                        offset: self.next - u64::from(header.batch_size),
                        header,
                        crc,
                        bytes: None,
                    })
                }
            }
        }
    }

    /// The bytes held, from `start` on.
    fn held(&self) -> &[u8] {
        &self.buf[self.head..]
    }

    fn hold_more(&mut self, bytes: &[u8]) {
        if self.head > 0 && self.head >= self.buf.len() - self.head {
            // Reuse the dropped front once it is the larger part.
            self.buf.drain(..self.head);
            self.head = 0;
        }
        let want = self.buf.len() + bytes.len();
        if want > self.buf.capacity() {
            // Grow by doubling, but never past what is ever held (a Vec's
            // own doubling past the hold would reserve twice that).
            let most = (self.hold + self.hold / 8).max(want);
            let grown = (2 * self.buf.capacity()).clamp(want, most);
            self.buf.reserve_exact(grown - self.buf.len());
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Drops the bytes before stream offset `to`.
    fn drop_to(&mut self, to: u64) {
        let skip = (to.saturating_sub(self.start) as usize).min(self.held().len());
        self.head += skip;
        self.start += skip as u64;
        if self.head == self.buf.len() {
            self.empty();
        }
    }

    /// Holds nothing; gives back what a large frame made the buffer grow to.
    fn empty(&mut self) {
        self.buf.clear();
        self.head = 0;
        if self.buf.capacity() > (4 << 20) {
            self.buf = Vec::new();
        }
    }

    fn step_frames(&mut self) -> Step {
        let held = self.held();
        if held.is_empty() && self.eof {
            return self.ended(LogEnd::Clean, None, true);
        }
        if held.len() < HEADER_LEN && !self.eof {
            return Step::NeedInput;
        }
        let claimed = match FrameHeader::read(held) {
            Ok(header) => u64::from(header.batch_size),
            // The whole check says what is wrong with the header.
            Err(_) => HEADER_LEN as u64,
        };
        let have = held.len() as u64;
        let hold = self.hold as u64;
        if claimed > hold && !(self.eof && have < claimed) {
            if have < hold && !self.eof {
                return Step::NeedInput;
            }
            return self.start_passing(claimed);
        }
        if have < claimed && !self.eof {
            return Step::NeedInput;
        }
        let checked = match check_frame(&mut &held[..], 0) {
            Ok(checked) => checked,
            Err(never) => match never {},
        };
        match checked {
            Ok(header) => {
                let crc = FrameHeader::stored_crc(&held[..header.len()]);
                self.valid(header, crc, true)
            }
            Err(problem) => self.bad(problem, true),
        }
    }

    /// A valid frame at `next`: in order, or the problem that it is not.
    fn valid(&mut self, header: FrameHeader, crc: u32, held: bool) -> Step {
        if header.first_lsn <= self.last_lsn {
            let problem = Problem::LsnsOutOfOrder {
                first_lsn: header.first_lsn,
            };
            return self.bad(problem, held);
        }
        self.last_lsn = header.last_lsn();
        self.next += u64::from(header.batch_size);
        Step::Frame { header, crc, held }
    }

    /// The bytes at `next` are not a valid frame: hold what follows to
    /// judge it (`contiguous`: every byte from `next` on is held).
    fn bad(&mut self, problem: Problem, contiguous: bool) -> Step {
        self.state = State::Tail {
            problem,
            contiguous,
            zeros: 0,
            in_zeros: contiguous,
        };
        if contiguous {
            // Skip the leading zeros held.
            let leading = self.held().iter().position(|&byte| byte != 0);
            let zeros = leading.unwrap_or(self.held().len());
            self.drop_to(self.start + zeros as u64);
            if let State::Tail {
                zeros: counted,
                in_zeros,
                ..
            } = &mut self.state
            {
                *counted = zeros as u64;
                *in_zeros = leading.is_none();
            }
        }
        Step::Again
    }

    /// Starts checking a frame larger than the hold: what is held of it
    /// (its first bytes) is checked now, the rest as it arrives.
    fn start_passing(&mut self, claimed: u64) -> Step {
        let header = match FrameHeader::read(self.held()) {
            Ok(header) => header,
            Err(problem) => return self.bad(problem, true),
        };
        let mut check = Box::new(PassingCheck::new(header));
        let held = self.held();
        let in_frame = (held.len() as u64).min(claimed) as usize;
        check.feed(&held[..in_frame]);
        self.state = State::Passing { claimed, check };
        if in_frame as u64 == claimed {
            // Held whole after all: the chunk reached past it.
            self.pass_done(claimed);
        }
        Step::Again
    }

    /// The frame being passed was fed whole.
    fn pass_done(&mut self, claimed: u64) {
        if let State::Passing { check, .. } = std::mem::replace(&mut self.state, State::Frames) {
            let verdict = check.finish();
            self.state = State::Passed { claimed, verdict };
        }
    }

    fn step_passing(&mut self) -> Step {
        if !self.eof {
            return Step::NeedInput;
        }
        // The stream ended inside the frame.
        let State::Passing { claimed, check } = &self.state else {
            return Step::Again;
        };
        let problem = Problem::BeyondEnd {
            batch_size: check.header.batch_size,
            remaining: self.fed - self.next,
        };
        let whole = self.fed - self.next == self.held().len() as u64;
        debug_assert!(self.fed - self.next < *claimed);
        self.bad(problem, whole)
    }

    fn step_passed(&mut self) -> Step {
        let State::Passed { claimed, verdict } = std::mem::replace(&mut self.state, State::Frames)
        else {
            return Step::Again;
        };
        // Every byte of it held (it was not passed through after all).
        let whole = claimed <= self.held().len() as u64;
        match verdict {
            Ok((header, crc)) => match self.valid(header, crc, false) {
                Step::Frame { header, crc, .. } => {
                    // Hold again from the next frame on.
                    let after = std::mem::take(&mut self.after);
                    if whole {
                        self.drop_to(self.next);
                    } else {
                        self.empty();
                        self.start = self.next;
                    }
                    self.hold_more(&after);
                    Step::Frame {
                        header,
                        crc,
                        held: false,
                    }
                }
                other => {
                    self.after.clear();
                    other
                }
            },
            Err(problem) => {
                self.after.clear();
                self.bad(problem, whole)
            }
        }
    }

    fn step_tail(&mut self) -> Step {
        let State::Tail {
            problem,
            contiguous,
            zeros,
            in_zeros,
        } = self.state
        else {
            return Step::Again;
        };
        if problem.passed_its_crc() {
            // A sealed frame that is wrong: a corruption, whatever follows.
            return self.judge(problem, zeros, false);
        }
        if contiguous {
            if in_zeros {
                if self.eof {
                    // Zeros to the end: space written ahead, never filled.
                    return self.ended(LogEnd::Clean, None, true);
                }
                return Step::NeedInput;
            }
            // One byte past the hold, to know whether the stream goes on.
            if self.held().len() <= self.hold && !self.eof {
                return Step::NeedInput;
            }
        }
        let more = !contiguous || !self.eof;
        self.judge(problem, zeros, more)
    }

    /// Judges the held tail with the engine's rules; `more` when the
    /// stream goes on past what is held.
    fn judge(&mut self, problem: Problem, zeros: u64, more: bool) -> Step {
        let off = self.next;
        let mut tail = HeldTail {
            off,
            zeros,
            held: &self.buf[self.head..],
            scratch: Vec::new(),
        };
        let (end, problem_there) = match classify_end(&mut tail, off, self.last_lsn, problem, None)
        {
            Ok(judged) => judged,
            Err(never) => match never {},
        };
        let settled = !more
            || match end {
                LogEnd::NotALog => match begins_like_a_log(&mut tail) {
                    Ok(begins) => off == 0 && !begins,
                    Err(never) => match never {},
                },
                LogEnd::Corrupted {
                    next_valid: Some(found),
                    ..
                } => found == off || nothing_reaches_past(&tail, found),
                _ => false,
            };
        if settled {
            self.ended(end, problem_there, true)
        } else {
            let end = LogEnd::Corrupted {
                offset: off,
                next_valid: None,
            };
            self.ended(end, Some(problem), false)
        }
    }

    fn ended(&mut self, end: LogEnd, problem: Option<Problem>, searched: bool) -> Step {
        self.state = State::Ended(StreamEnd {
            end,
            problem,
            searched,
        });
        self.empty();
        self.after = Vec::new();
        Step::Again
    }
}

/// What follows the valid frames of a stream, as held: from `off`, `zeros`
/// zero bytes, then `held`. [`classify_end`] never reads below `off` when
/// `off > 0` (and from 0 there is nothing below).
struct HeldTail<'a> {
    off: u64,
    zeros: u64,
    held: &'a [u8],
    scratch: Vec<u8>,
}

impl Bytes for HeldTail<'_> {
    type Error = std::convert::Infallible;

    fn limit(&self) -> u64 {
        self.off + self.zeros + self.held.len() as u64
    }

    fn get(&mut self, at: u64, len: usize) -> Result<&[u8], Self::Error> {
        let held_at = self.off + self.zeros;
        if at >= held_at {
            let from = (at - held_at) as usize;
            return Ok(&self.held[from..from + len]);
        }
        // Some zeros first (or bytes below `off`, never asked for: zeros).
        self.scratch.clear();
        self.scratch.resize(len, 0);
        let end = at + len as u64;
        if end > held_at {
            let n = (end - held_at) as usize;
            self.scratch[len - n..].copy_from_slice(&self.held[..n]);
        }
        Ok(&self.scratch)
    }
}

/// Whether a scan of the whole stream, which found a valid frame at
/// `found` in what is held, would have found the same one: no frame magic
/// between the damage and it claims bytes past what is held (a scan passes
/// over a candidate that does not fit in the bytes it has, and the whole
/// stream might hold it).
fn nothing_reaches_past(tail: &HeldTail<'_>, found: u64) -> bool {
    let start = tail.off + tail.zeros;
    let end = tail.limit();
    let upto = (found.saturating_sub(start) as usize).min(tail.held.len());
    tail.held[..upto]
        .windows(MAGIC.len())
        .enumerate()
        .filter(|(i, window)| *window == MAGIC && start + *i as u64 > tail.off)
        .all(|(i, _)| {
            let field = tail.held.get(i + BATCH_SIZE_AT..i + HEADER_LEN);
            field.is_some_and(|field| {
                let claimed = u32::from_le_bytes([field[0], field[1], field[2], field[3]]);
                start + i as u64 + u64::from(claimed) <= end
            })
        })
}

/// A frame too large to hold, checked as its bytes go by: [`check_frame`]'s
/// checks in its order of priority, fed a chunk at a time. The CRC is
/// extended chunk by chunk, and the records are walked with
/// [`RecordCursor`], whose record headers may straddle two chunks.
#[derive(Debug)]
struct PassingCheck {
    header: FrameHeader,
    /// Bytes of the frame fed so far.
    fed: u64,
    crc: u32,
    trailer: [u8; TRAILER_LEN],
    /// The walk over the records (`None` for a compressed region).
    records: Option<RecordCursor>,
    /// The first record that failed its check.
    record_problem: Option<Problem>,
    /// The start of a record header that the last chunk ended inside.
    carry: [u8; RECORD_HEADER_LEN],
    carried: usize,
}

impl PassingCheck {
    fn new(header: FrameHeader) -> PassingCheck {
        let region = (header.len() - HEADER_LEN - TRAILER_LEN) as u64;
        PassingCheck {
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
    fn feed(&mut self, bytes: &[u8]) {
        let len = self.header.len() as u64;
        let body_end = len - TRAILER_LEN as u64;
        let at = self.fed;
        let bytes = &bytes[..(len - at).min(bytes.len() as u64) as usize];
        let end = at + bytes.len() as u64;
        // The CRC covers everything before the trailer.
        if at < body_end {
            let upto = (body_end.min(end) - at) as usize;
            self.crc = crate::crc::update(self.crc, &bytes[..upto]);
        }
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

    /// The verdict once the whole frame was fed: its header and CRC, or
    /// the first problem in [`check_frame`]'s order (CRC, LSNs, records).
    fn finish(mut self) -> Result<(FrameHeader, u32), Problem> {
        debug_assert_eq!(self.fed, self.header.len() as u64);
        // A record header said to begin at the very end of the region has
        // no bytes to arrive with: step over it now (an early end).
        if let Some(region_len) = self.records.as_ref().map(RecordCursor::region_len) {
            self.walk_records(region_len, &[]);
        }
        let stored = FrameHeader::stored_crc(&self.trailer);
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
        Ok((self.header, self.crc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::encode_batch;
    use crate::inspect::scan_bytes;
    use crate::Batch;

    /// What a checker says of `log` fed in `chunks`: the valid frames
    /// (offset, header, crc, whether held, held bytes equal to the log's),
    /// and the end.
    fn checked(log: &[u8], cuts: &[usize], hold: usize) -> (Vec<(u64, FrameHeader)>, StreamEnd) {
        let mut checker = StreamChecker::with_hold(hold);
        let mut frames = Vec::new();
        let mut bounds = cuts.to_vec();
        bounds.push(log.len());
        let mut at = 0;
        let mut next = bounds.into_iter();
        loop {
            match checker.poll() {
                Poll::Frame(frame) => {
                    let len = frame.header.len();
                    let start = frame.offset as usize;
                    let whole = &log[start..start + len];
                    if let Some(bytes) = frame.bytes {
                        assert_eq!(bytes, whole, "held bytes of the frame at {start}");
                    } else {
                        assert!(len > hold, "a frame that fits was not held");
                    }
                    assert_eq!(frame.crc, FrameHeader::stored_crc(whole));
                    frames.push((frame.offset, frame.header));
                }
                Poll::NeedInput => match next.next() {
                    Some(to) => {
                        checker.feed(&log[at..to.max(at)]);
                        at = to.max(at);
                    }
                    None => checker.end_of_input(),
                },
                Poll::End(end) => return (frames, end),
            }
        }
    }

    /// What the engine's scan says of `log`.
    fn scanned(log: &[u8]) -> (Vec<(u64, FrameHeader)>, StreamEnd) {
        let mut frames = Vec::new();
        let scan = scan_bytes(log, |frame| frames.push((frame.offset, frame.header)))
            .expect("a scan of bytes");
        let end = StreamEnd {
            end: scan.end,
            problem: scan.problem,
            searched: true,
        };
        (frames, end)
    }

    fn frame(first_lsn: Lsn, records: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut batch = Batch::new();
        for (payload, meta) in records {
            batch.add_with_meta(*payload, *meta);
        }
        let mut out = Vec::new();
        encode_batch(&mut out, &batch, first_lsn, None).expect("encode");
        out
    }

    /// Writes a valid CRC over a frame whose bytes were changed.
    fn reseal(frame: &mut [u8]) {
        let body = frame.len() - TRAILER_LEN;
        let crc = crate::crc::checksum(&frame[..body]);
        frame[body..].copy_from_slice(&crc.to_le_bytes());
    }

    /// A clean log of frames of several sizes, with and without metas.
    fn clean() -> Vec<u8> {
        let big = vec![b'x'; 300];
        let mut log = frame(1, &[(b"one", b"m")]);
        log.extend(frame(2, &[(b"two", b""), (b"", b"meta"), (&big, b"k")]));
        log.extend(frame(5, &[(b"five", b"")]));
        log.extend(frame(6, &[(&big, b""), (b"seven", b"s")]));
        log
    }

    /// The logs every chunking is tried on: each kind of end.
    fn logs() -> Vec<(&'static str, Vec<u8>)> {
        let clean = clean();
        let first = frame(1, &[(b"one", b"m")]).len();
        let mut logs = vec![("empty", Vec::new()), ("clean", clean.clone())];
        logs.push(("zeros", vec![0; 700]));
        let mut zero_tail = clean.clone();
        zero_tail.extend([0; 333]);
        logs.push(("zero tail", zero_tail));
        let mut torn = clean.clone();
        torn.extend(&frame(8, &[(b"eight", b"")])[..20]);
        logs.push(("torn", torn));
        let mut torn_big = clean.clone();
        torn_big.extend(&frame(8, &[(&[7; 500], b"")])[..300]);
        logs.push(("torn big", torn_big));
        let mut flipped = clean.clone();
        flipped[first + 40] ^= 0xff;
        logs.push(("corrupted", flipped));
        let mut gap = clean.clone();
        gap.extend([0; 50]);
        gap.extend(frame(8, &[(b"eight", b"")]));
        logs.push(("zeros then a frame", gap));
        let mut out_of_order = clean.clone();
        out_of_order.extend(frame(3, &[(b"again", b"")]));
        logs.push(("out of order", out_of_order));
        let mut overrun = frame(8, &[(b"eight", b"")]);
        overrun[HEADER_LEN] = 200;
        reseal(&mut overrun);
        let mut sealed = clean.clone();
        sealed.extend(overrun);
        logs.push(("sealed but wrong", sealed));
        logs.push(("not a log", b"GIF89a, and not a log at all".to_vec()));
        let mut garbage = clean;
        garbage.extend((0..200u32).map(|i| (i * 7 + 3) as u8));
        logs.push(("garbage", garbage));
        logs
    }

    #[test]
    fn every_split_in_two_gives_the_scan_s_frames_and_end() {
        for (name, log) in logs() {
            let expected = scanned(&log);
            for cut in 0..=log.len() {
                assert_eq!(
                    checked(&log, &[cut], STREAM_HOLD),
                    expected,
                    "{name}, cut at {cut}"
                );
            }
        }
    }

    #[test]
    fn every_chunk_size_and_random_chunkings_give_the_scan_s_frames_and_end() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut random = move |below: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % below as u64) as usize
        };
        for (name, log) in logs() {
            let expected = scanned(&log);
            for size in 1..=64 {
                let cuts: Vec<usize> = (size..log.len()).step_by(size).collect();
                assert_eq!(
                    checked(&log, &cuts, STREAM_HOLD),
                    expected,
                    "{name}, chunks of {size}"
                );
            }
            for _ in 0..50 {
                let mut cuts: Vec<usize> = (0..random(12)).map(|_| random(log.len() + 1)).collect();
                cuts.sort_unstable();
                assert_eq!(
                    checked(&log, &cuts, STREAM_HOLD),
                    expected,
                    "{name}, cuts {cuts:?}"
                );
            }
        }
    }

    /// With a hold smaller than some frames, those are checked as they go
    /// by: a clean log still gives every frame; a damaged one gives the
    /// scan's end, or, where what follows the valid frames goes on past
    /// the hold, the corruption of bytes too costly to search.
    #[test]
    fn frames_larger_than_the_hold_are_checked_as_they_pass() {
        for hold in [24, 40, 64, 100, 400] {
            for (name, log) in logs() {
                let (frames, end) = scanned(&log);
                for size in [1, 3, 7, 50, 1000] {
                    let cuts: Vec<usize> = (size..log.len()).step_by(size).collect();
                    let (got_frames, got_end) = checked(&log, &cuts, hold);
                    assert_eq!(got_frames, frames, "{name}, hold {hold}, chunks of {size}");
                    if got_end.searched {
                        assert_eq!(got_end, end, "{name}, hold {hold}, chunks of {size}");
                    } else {
                        let off = end.end.offset().expect("damage");
                        let too_costly = LogEnd::Corrupted {
                            offset: off,
                            next_valid: None,
                        };
                        assert_eq!(got_end.end, too_costly, "{name}, hold {hold}");
                    }
                }
            }
        }
    }

    /// A frame checked as it passes gets the verdict of the whole check,
    /// whatever is wrong with it and however it is cut.
    #[test]
    fn a_passing_frame_fails_as_the_whole_check_does() {
        let good = frame(7, &[(b"one", b"m"), (b"", b""), (b"three three", b"")]);
        let mut bad_crc = good.clone();
        bad_crc[30] ^= 1;
        let mut overrun = good.clone();
        overrun[HEADER_LEN] = 200;
        reseal(&mut overrun);
        let mut too_many = good.clone();
        too_many[8] = 9;
        reseal(&mut too_many);
        let mut too_few = good.clone();
        too_few[8] = 2;
        reseal(&mut too_few);
        let mut lsn_zero = good.clone();
        lsn_zero[12..20].copy_from_slice(&0u64.to_le_bytes());
        reseal(&mut lsn_zero);
        for bytes in [&good, &bad_crc, &overrun, &too_many, &too_few, &lsn_zero] {
            let whole = match check_frame(&mut &bytes[..], 0) {
                Ok(checked) => checked,
                Err(never) => match never {},
            };
            for size in [1, 2, 5, 6, 7, 13, 64, 4096] {
                let header = FrameHeader::read(bytes).expect("a header");
                let mut check = PassingCheck::new(header);
                for chunk in bytes.chunks(size) {
                    check.feed(chunk);
                }
                let got = check.finish().map(|(header, _)| header);
                assert_eq!(got, whole, "chunks of {size}");
            }
        }
    }

    /// A length field claiming 4 GiB allocates nothing by itself (the
    /// frame is checked as it passes), and endless garbage after the valid
    /// frames is held no further than the hold.
    #[test]
    fn memory_stays_within_the_hold() {
        let hold = 4096;
        let garbage = [0xabu8; 1000];
        let mut huge = frame(1, &[(b"x", b"")]);
        huge[BATCH_SIZE_AT..HEADER_LEN].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut clean = clean();
        clean.extend(&garbage);
        for (log, ends) in [(huge, false), (clean, true)] {
            let mut checker = StreamChecker::with_hold(hold);
            checker.feed(&log);
            let mut fed = 0;
            let end = loop {
                match checker.poll() {
                    Poll::NeedInput if fed > 10 << 20 => break None,
                    Poll::NeedInput => {
                        checker.feed(&garbage);
                        fed += garbage.len();
                        assert!(checker.buf.capacity() <= 2 * hold + log.len());
                    }
                    Poll::End(end) => break Some(end),
                    Poll::Frame(_) => {}
                }
            };
            assert_eq!(end.is_some(), ends);
            assert!(end.map_or(true, |end| !end.searched));
        }
    }
}
