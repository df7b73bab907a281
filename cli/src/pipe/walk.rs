//! Walking the frames of a stream, front to back, once: each frame held
//! just long enough to be checked (and its events printed), so that memory
//! is bounded by the largest frame held plus a chunk.

use super::streamed::StreamedCheck;
use super::window::Window;
use super::HOLD;
use rewal::frame::{check_frame, FrameHeader, Problem, HEADER_LEN};
use rewal::Lsn;
use std::io::{self, Read};

/// What is at the walk's position.
pub enum Next {
    /// A valid frame at `offset`. When `held`, its bytes are
    /// [`Walker::frame`] until the next call; a frame larger than
    /// [`HOLD`] was checked as it went by and is not held.
    Frame {
        offset: u64,
        header: FrameHeader,
        held: bool,
    },
    /// The end of the stream, right after the last valid frame.
    End,
    /// Bytes that are not a valid frame (or a valid frame whose LSNs do
    /// not follow) at `offset`; the window holds what follows from there.
    Bad { offset: u64, problem: Problem },
}

/// A walk over the frames of a stream.
pub struct Walker<R> {
    pub window: Window<R>,
    /// Where the next frame begins.
    next: u64,
    /// The last LSN of the last valid frame (0 before any).
    pub last_lsn: Lsn,
    /// The frame returned last, when it is held.
    current: Option<(u64, usize)>,
}

impl<R: Read> Walker<R> {
    /// A walk from the start of `input`.
    pub fn new(input: R) -> Walker<R> {
        Walker {
            window: Window::new(input),
            next: 0,
            last_lsn: 0,
            current: None,
        }
    }

    /// The bytes of the frame returned last, when it is held.
    pub fn frame(&self) -> Option<&[u8]> {
        let (offset, len) = self.current?;
        let at = (offset - self.window.start()) as usize;
        self.window.held().get(at..at + len)
    }

    /// Checks the frame at the walk's position and moves past it; once it
    /// has returned `End` or `Bad`, it must not be called again.
    pub fn next(&mut self) -> io::Result<Next> {
        self.current = None;
        let off = self.next;
        self.window.advance(off);
        self.window.fill(off + HEADER_LEN as u64)?;
        if self.window.held().is_empty() {
            return Ok(Next::End);
        }
        let claimed = match FrameHeader::read(self.window.held()) {
            Ok(header) => u64::from(header.batch_size),
            // The engine's check says what is wrong with the header.
            Err(_) => HEADER_LEN as u64,
        };
        let checked = if claimed <= HOLD as u64 {
            self.window.fill(off + claimed)?;
            // The window holds the whole frame, or everything to the end
            // of the stream: the checker sees the true remainder.
            match check_frame(&mut self.window.held(), 0) {
                Ok(checked) => checked.map(|header| (header, true)),
                Err(never) => match never {},
            }
        } else {
            self.check_passing(off, claimed)?
        };
        let (header, held) = match checked {
            Ok((header, held)) if header.first_lsn > self.last_lsn => (header, held),
            Ok((header, _)) => {
                let problem = Problem::LsnsOutOfOrder {
                    first_lsn: header.first_lsn,
                };
                return Ok(Next::Bad {
                    offset: off,
                    problem,
                });
            }
            Err(problem) => {
                return Ok(Next::Bad {
                    offset: off,
                    problem,
                })
            }
        };
        self.last_lsn = header.last_lsn();
        self.next = off + u64::from(header.batch_size);
        if held {
            self.current = Some((off, header.len()));
        } else if self.window.read_so_far() == self.next {
            // Passed through: hold again from the next frame on.
            self.window.restart_at(self.next);
        }
        // (Otherwise the read ahead holds it whole, and the next call
        // drops it.)
        Ok(Next::Frame {
            offset: off,
            header,
            held,
        })
    }

    /// Checks a frame that claims more than [`HOLD`] bytes: its first
    /// `HOLD` bytes are held (for what a damaged one is judged by), the
    /// rest streams through the check.
    fn check_passing(
        &mut self,
        off: u64,
        claimed: u64,
    ) -> io::Result<Result<(FrameHeader, bool), Problem>> {
        self.window.fill(off + HOLD as u64)?;
        let held = self.window.held();
        if (held.len() as u64) < claimed && self.window.at_eof() {
            // It ends before the frame does: the checker says so.
            return Ok(match check_frame(&mut &held[..], 0) {
                Ok(checked) => checked.map(|header| (header, false)),
                Err(never) => match never {},
            });
        }
        let header = match FrameHeader::read(held) {
            Ok(header) => header,
            Err(problem) => return Ok(Err(problem)),
        };
        let mut check = StreamedCheck::new(header);
        check.feed(&held[..held.len().min(claimed as usize)]);
        self.window.pass(off + claimed, |bytes| check.feed(bytes))?;
        let read = self.window.read_so_far() - off;
        if read < claimed {
            return Ok(Err(Problem::BeyondEnd {
                batch_size: header.batch_size,
                remaining: read,
            }));
        }
        Ok(check.finish().map(|header| (header, false)))
    }
}
