//! A forward-only window over a stream: the bytes from some offset on,
//! read as they are needed and dropped once passed. A pipe cannot seek, so
//! whatever a reader may look at again has to be held here; everything
//! else is read into a scratch chunk and forgotten.

use super::HOLD;
use std::io::{self, Read};

/// How much is read from the stream at once.
pub const CHUNK: usize = 256 << 10;

/// The bytes `[start, start + held().len())` of a stream, and the stream
/// itself positioned at `read` (past them when bytes were passed through
/// without being held: see [`Window::pass`]).
pub struct Window<R> {
    input: R,
    /// `bytes[head..end]` are held; the bytes before `head` were dropped
    /// and are reused when the buffer is compacted, those after `end` are
    /// room to read into (zeroed once, when the buffer grew).
    bytes: Vec<u8>,
    head: usize,
    end: usize,
    start: u64,
    /// Bytes read from the stream so far.
    read: u64,
    eof: bool,
}

impl<R: Read> Window<R> {
    /// A window at offset 0 of `input`, holding nothing yet.
    pub fn new(input: R) -> Window<R> {
        Window {
            input,
            bytes: Vec::new(),
            head: 0,
            end: 0,
            start: 0,
            read: 0,
            eof: false,
        }
    }

    /// The offset of the first byte held.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The bytes held, from [`start`](Self::start) on.
    pub fn held(&self) -> &[u8] {
        &self.bytes[self.head..self.end]
    }

    /// The offset just past the bytes held.
    pub fn held_end(&self) -> u64 {
        self.start + self.held().len() as u64
    }

    /// Bytes read from the stream so far (more than `held_end` once bytes
    /// were passed through).
    pub fn read_so_far(&self) -> u64 {
        self.read
    }

    /// Whether the stream has ended (and `read_so_far` is its length).
    pub fn at_eof(&self) -> bool {
        self.eof
    }

    /// Whether every byte read is held (nothing was passed through since
    /// `start`), so that more can be appended to what is held.
    fn contiguous(&self) -> bool {
        self.read == self.held_end()
    }

    /// Reads until the bytes held reach offset `end` or the stream ends.
    /// It may read a chunk ahead; the caller bounds `end`, and so what is
    /// held.
    pub fn fill(&mut self, end: u64) -> io::Result<()> {
        debug_assert!(self.contiguous(), "fill after bytes were passed");
        while self.held_end() < end && !self.eof {
            self.compact();
            self.make_room();
            let room = &mut self.bytes[self.end..self.end + CHUNK];
            let n = read_some(&mut self.input, room)?;
            self.end += n;
            self.note_read(n);
        }
        Ok(())
    }

    /// Drops the bytes before offset `to` (at most `held_end`).
    pub fn advance(&mut self, to: u64) {
        let skip = (to.saturating_sub(self.start) as usize).min(self.held().len());
        self.head += skip;
        self.start += skip as u64;
        if self.head == self.end {
            self.empty();
        }
    }

    /// Feeds the bytes `[held_end, to)` to `each`, a chunk at a time,
    /// without holding them (stopping early at the end of the stream).
    /// What is held stays as it is; it can no longer grow.
    pub fn pass(&mut self, to: u64, mut each: impl FnMut(&[u8])) -> io::Result<()> {
        let mut chunk = vec![0u8; CHUNK];
        while self.read < to && !self.eof {
            let want = (to - self.read).min(CHUNK as u64) as usize;
            let n = read_some(&mut self.input, &mut chunk[..want])?;
            self.note_read(n);
            each(&chunk[..n]);
        }
        Ok(())
    }

    /// Drops everything held and starts holding again at offset `at`,
    /// which must be where the stream is (after [`pass`](Self::pass)).
    pub fn restart_at(&mut self, at: u64) {
        debug_assert_eq!(at, self.read);
        self.empty();
        self.start = at;
    }

    /// Holds nothing: reads start over at the front of the buffer, which
    /// gives back what a large frame made it grow to.
    fn empty(&mut self) {
        self.head = 0;
        self.end = 0;
        if self.bytes.len() > 4 * CHUNK {
            self.bytes.truncate(2 * CHUNK);
            self.bytes.shrink_to_fit();
        }
    }

    /// Hands over the bytes held (a buffer, and where in it they begin),
    /// leaving the window empty at the stream's position.
    pub fn take_held(&mut self) -> (Vec<u8>, usize) {
        let mut bytes = std::mem::take(&mut self.bytes);
        bytes.truncate(self.end);
        let taken = (bytes, self.head);
        self.head = 0;
        self.end = 0;
        self.start = self.read;
        taken
    }

    /// Reads the rest of the stream without holding it; returns its length.
    pub fn drain(&mut self) -> io::Result<u64> {
        self.pass(u64::MAX, |_| {})?;
        Ok(self.read)
    }

    /// Makes the buffer hold room for a chunk after what is held. It grows
    /// by doubling, as a `Vec` does, but never past what the window is
    /// ever asked to hold (a Vec's own doubling past [`HOLD`] would reserve
    /// twice that).
    fn make_room(&mut self) {
        let want = self.end + CHUNK;
        if self.bytes.len() >= want {
            return;
        }
        let most = (HOLD + 4 * CHUNK).max(want);
        let grown = (2 * self.bytes.len()).clamp(want, most);
        self.bytes.reserve_exact(grown - self.bytes.len());
        self.bytes.resize(grown, 0);
    }

    fn note_read(&mut self, n: usize) {
        if n == 0 {
            self.eof = true;
        }
        self.read += n as u64;
    }

    /// Moves what is held to the front of the buffer once the dropped part
    /// is the larger one, so that the buffer does not grow with the stream.
    fn compact(&mut self) {
        if self.head > 0 && self.head >= self.end - self.head {
            self.bytes.copy_within(self.head..self.end, 0);
            self.end -= self.head;
            self.head = 0;
        }
    }
}

/// One read, retried when interrupted by a signal.
fn read_some(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns at most 7 bytes a call, as a pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(7).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn fills_advances_passes_and_drains() {
        let data: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let mut window = Window::new(Trickle(&data));
        window.fill(10).unwrap();
        assert!(window.held().len() >= 10);
        assert_eq!(window.held()[..10], data[..10]);
        window.advance(4);
        assert_eq!(window.start(), 4);
        assert_eq!(window.held()[0], 4);
        window.fill(500).unwrap();
        assert_eq!(window.held(), &data[4..window.held_end() as usize]);
        let held_end = window.held_end();
        let mut passed = Vec::new();
        window
            .pass(900, |bytes| passed.extend_from_slice(bytes))
            .unwrap();
        assert_eq!(passed, &data[held_end as usize..900]);
        assert_eq!(window.read_so_far(), 900);
        assert_eq!(window.drain().unwrap(), 1000);
        assert!(window.at_eof());
    }
}
