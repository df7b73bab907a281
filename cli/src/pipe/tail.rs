//! How a stream ends after its last valid frame: the engine's own rules
//! (`rewal::inspect::scan_storage`), run on what the stream holds there.
//!
//! The engine decides between a clean end (zeros), a torn tail, a
//! corruption (a valid frame further on) and "not a log" by looking at the
//! bytes after the valid frames, back and forth. A pipe cannot go back, so
//! those bytes are held, up to [`HOLD`], and handed to the engine as a
//! small log of their own: one made-up valid frame that ends at the same
//! LSN as the stream's last valid frame, then the bytes (a leading run of
//! zeros is counted, not held). The engine then reasons exactly as it
//! would over the whole file, and its offsets are moved back to the
//! stream's.
//!
//! When the stream goes on past what is held, the answer is kept only
//! where the rest cannot change it: a file that does not begin like a log,
//! or a valid frame found after the damage with nothing before it that
//! could reach past the bytes held. Otherwise the stream is judged as the
//! engine judges bytes too costly to search: a corruption, with no next
//! valid frame named.

use super::window::{Window, CHUNK};
use super::HOLD;
use rewal::frame::{Problem, HEADER_LEN, MAGIC};
use rewal::inspect::{scan_storage, LogEnd};
use rewal::{Lsn, ReadStorage, Storage};
use std::io::{self, Read};
use std::sync::Arc;

/// Where a frame header keeps `batch_size`: its last four bytes (see the
/// layout in `rewal::frame`).
const BATCH_SIZE_AT: usize = HEADER_LEN - 4;

/// How the stream ends from the bad bytes the walk stopped at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ending {
    pub end: LogEnd,
    /// What is wrong where the valid frames end (`None` when clean).
    pub problem: Option<Problem>,
    /// The stream went on past what can be held before the question was
    /// settled: the verdict is the "too costly to search" corruption, and
    /// the rest of the stream is not read.
    pub cut_short: bool,
}

/// How the stream in `window` ends, given that its valid frames end at
/// `offset` (the window starts there), the last of them at `last_lsn`, and
/// that the bytes there are not a valid frame because of `problem`.
pub fn classify<R: Read>(
    window: &mut Window<R>,
    offset: u64,
    last_lsn: Lsn,
    problem: Problem,
) -> io::Result<Ending> {
    let ending = |end, cut_short| Ending {
        end,
        problem: Some(problem),
        cut_short,
    };
    if matches!(problem, Problem::LsnsOutOfOrder { .. }) {
        // A valid frame that breaks the order: nothing else to look at.
        let end = LogEnd::Corrupted {
            offset,
            next_valid: Some(offset),
        };
        return Ok(ending(end, false));
    }
    // Bytes were held and more passed by (a frame too large to hold):
    // what is held cannot grow.
    let contiguous = window.read_so_far() == window.held_end();
    if contiguous {
        if skip_zeros(window)? {
            return Ok(Ending {
                end: LogEnd::Clean,
                problem: None,
                cut_short: false,
            });
        }
        // One byte past the hold, to know whether the stream goes on.
        window.fill(window.start() + HOLD as u64 + 1)?;
    }
    let more = !contiguous || !window.at_eof();
    let zeros = window.start() - offset;
    let (bytes, head) = window.take_held();
    let tail = Tail {
        before: Arc::new(if offset > 0 {
            made_up_frame(last_lsn)
        } else {
            Vec::new()
        }),
        zeros,
        bytes: Arc::new(bytes),
        head,
    };
    let before = tail.before.len() as u64;
    let scan = scan_storage(tail.clone(), |_| {}).map_err(io::Error::other)?;
    // The engine read the made-up frame, and stopped where the stream's
    // bytes begin; anything else and its answer is not about them.
    if scan.frames != u64::from(offset > 0) || scan.valid_len != before {
        return Ok(ending(too_costly(offset), true));
    }
    let moved = |at: u64| at - before + offset;
    let end = match scan.end {
        LogEnd::TornTail { offset: at } => LogEnd::TornTail { offset: moved(at) },
        LogEnd::Corrupted {
            offset: at,
            next_valid,
        } => LogEnd::Corrupted {
            offset: moved(at),
            next_valid: next_valid.map(moved),
        },
        other => other,
    };
    // What is wrong where the frames end is what the walk found (the
    // engine, if it saw only part of a long frame, saw less); at the start
    // of something that is not a log, how it begins.
    let problem = match end {
        LogEnd::NotALog => scan.problem,
        LogEnd::Clean => None,
        _ => Some(problem),
    };
    let settled = !more
        || match end {
            LogEnd::NotALog => offset == 0 && !begins_like_a_log(&tail.head_bytes()),
            LogEnd::Corrupted {
                next_valid: Some(found),
                ..
            } => nothing_reaches_past(&tail, offset, found),
            _ => false,
        };
    if settled {
        Ok(Ending {
            end,
            problem,
            cut_short: false,
        })
    } else {
        Ok(ending(too_costly(offset), true))
    }
}

/// The engine's verdict on bytes too costly to search for a valid frame.
fn too_costly(offset: u64) -> LogEnd {
    LogEnd::Corrupted {
        offset,
        next_valid: None,
    }
}

/// Drops the zeros at the start of the window, reading on while there are
/// only zeros. True when the stream ends in them (the clean end of a log:
/// space preallocated and never written).
fn skip_zeros<R: Read>(window: &mut Window<R>) -> io::Result<bool> {
    loop {
        if let Some(at) = first_non_zero(window.held()) {
            window.advance(window.start() + at as u64);
            return Ok(false);
        }
        if window.at_eof() {
            return Ok(true);
        }
        let end = window.held_end();
        window.advance(end);
        window.fill(end + CHUNK as u64)?;
    }
}

/// Where the first byte that is not zero is. Compared a block at a time
/// with a block of zeros (a `memcmp`: quick even in a debug build, on a
/// preallocated tail of many megabytes).
fn first_non_zero(bytes: &[u8]) -> Option<usize> {
    const ZEROS: [u8; 4096] = [0; 4096];
    let mut at = 0;
    for block in bytes.chunks(ZEROS.len()) {
        if block != &ZEROS[..block.len()] {
            return block.iter().position(|&byte| byte != 0).map(|i| at + i);
        }
        at += block.len();
    }
    None
}

/// A valid frame holding one empty event at `lsn`: what the engine is
/// shown in place of the stream's valid frames.
fn made_up_frame(lsn: Lsn) -> Vec<u8> {
    let mut frame = Vec::new();
    // An empty event always fits a frame.
    let _ = rewal::frame::encode_event(&mut frame, b"", b"", lsn, None);
    frame
}

/// The engine's rule for the first bytes of a file: it may be a log if it
/// begins with (a prefix of) the magic up to its last non-zero byte, or
/// with only zeros; anything else is somebody else's file, whatever
/// follows. Restated here because a stream that goes on cannot be shown
/// to the engine whole; the tests compare the two on files.
fn begins_like_a_log(head: &[u8]) -> bool {
    let magic = &head[..head.len().min(MAGIC.len())];
    let written = magic
        .iter()
        .rposition(|&byte| byte != 0)
        .map_or(0, |at| at + 1);
    magic[..written] == MAGIC[..written] || head.iter().all(|&byte| byte == 0)
}

/// Whether the engine's search, which found a valid frame at `found`,
/// would have found the same one in the whole stream: no frame magic
/// between the damage and it claims bytes past what is held (the engine
/// passes over a candidate that does not fit in the bytes it has, and the
/// whole stream might hold it).
fn nothing_reaches_past(tail: &Tail, offset: u64, found: u64) -> bool {
    let held = tail.held();
    // The stream offset of held[0], and of the end of what is held.
    let start = offset + tail.zeros;
    let end = start + held.len() as u64;
    let upto = ((found.saturating_sub(start)) as usize).min(held.len());
    held[..upto]
        .windows(MAGIC.len())
        .enumerate()
        .filter(|(i, window)| *window == MAGIC && start + *i as u64 > offset)
        .all(|(i, _)| {
            let field = held.get(i + BATCH_SIZE_AT..i + HEADER_LEN);
            field.is_some_and(|field| {
                let claimed = u32::from_le_bytes([field[0], field[1], field[2], field[3]]);
                start + i as u64 + u64::from(claimed) <= end
            })
        })
}

/// What the engine is shown: `before` (the made-up frame, or nothing when
/// the stream has no valid frame), `zeros` zero bytes, then the bytes the
/// stream holds from its first non-zero byte on.
#[derive(Clone)]
struct Tail {
    before: Arc<Vec<u8>>,
    zeros: u64,
    bytes: Arc<Vec<u8>>,
    head: usize,
}

impl Tail {
    fn held(&self) -> &[u8] {
        &self.bytes[self.head..]
    }

    fn len(&self) -> u64 {
        self.before.len() as u64 + self.zeros + self.held().len() as u64
    }

    /// The first bytes of the stream's part (as many as a frame header).
    fn head_bytes(&self) -> Vec<u8> {
        let mut head = vec![0u8; HEADER_LEN];
        let at = self.before.len() as u64;
        let n = self.read(&mut head, at);
        head.truncate(n);
        head
    }

    /// Reads at `offset` into `buf`; fewer bytes only at the end.
    fn read(&self, buf: &mut [u8], offset: u64) -> usize {
        let mut done = 0;
        while done < buf.len() {
            let at = offset + done as u64;
            let before = self.before.len() as u64;
            let n = if at < before {
                let from = &self.before[at as usize..];
                let n = from.len().min(buf.len() - done);
                buf[done..done + n].copy_from_slice(&from[..n]);
                n
            } else if at < before + self.zeros {
                let n = ((before + self.zeros - at) as usize).min(buf.len() - done);
                buf[done..done + n].fill(0);
                n
            } else {
                let from = self
                    .held()
                    .get((at - before - self.zeros) as usize..)
                    .unwrap_or(&[]);
                let n = from.len().min(buf.len() - done);
                buf[done..done + n].copy_from_slice(&from[..n]);
                n
            };
            if n == 0 {
                break;
            }
            done += n;
        }
        done
    }
}

/// Read-only: the engine only scans it.
impl ReadStorage for Tail {
    fn size(&self) -> rewal::Result<u64> {
        Ok(self.len())
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> rewal::Result<usize> {
        Ok(self.read(buf, offset))
    }
}

impl Storage for Tail {
    fn write(&mut self, _buf: &[u8]) -> rewal::Result<usize> {
        Err(rewal::Error::InvalidState)
    }

    fn sync(&self) -> rewal::Result<()> {
        Ok(())
    }

    fn close(&mut self) -> rewal::Result<()> {
        Ok(())
    }

    fn truncate(&mut self, _size: u64) -> rewal::Result<()> {
        Err(rewal::Error::InvalidState)
    }
}
