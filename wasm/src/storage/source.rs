//! `SourceStorage`: a log read from JavaScript, a slice at a time, never
//! held whole. The JavaScript side is any object with a `size` and a
//! `readAt(offset, target)` that fills `target` (a `Uint8Array` view of
//! wasm memory) from `offset` and returns how many bytes it wrote: in the
//! viewer's worker a `File` read with `FileReaderSync`, in Node a file
//! descriptor read with `fs.readSync`.
//!
//! Reads go through a few cached blocks: the engine's scan reads a window
//! ahead, and the viewer's index, built during that scan, reads the same
//! frames again to walk their records; the cache serves the second read
//! from memory instead of asking JavaScript for the same bytes twice.
//!
//! Several sources (the segment files of one log) can be read as one,
//! one after the other ([`SourceStorage::concat`]), without copying any:
//! a read is sent to the source its offset falls in. They share one cache,
//! so memory stays at a few blocks however many files there are.
//!
//! The storage holds the JavaScript objects themselves: the engine's
//! readers ask a [`ReadStorage`] for no `Send`, and these objects, like
//! everything else of the viewer, stay on the thread that made them.

use rewal::{Error, ReadStorage, Result};
use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Size of a cached block. Chromium's `FileReaderSync` reads 100 MB in
/// about 230 ms in 8 MiB slices, 470 ms in 2 MiB ones (its cost per read is
/// high), so blocks are large; three of them are still small beside any
/// page.
pub const BLOCK: usize = 8 << 20;

/// How many blocks are kept: the engine's window may straddle two, and the
/// index reads just behind it.
pub const BLOCKS: usize = 3;

#[wasm_bindgen(typescript_custom_section)]
const BYTE_SOURCE_TS: &str = r#"
/**
 * Where `LogCore.openSource` (the package's `WalLog.openSource`) reads a log from: its size, and a positional
 * read that fills `target` with the bytes at `offset` and returns how many
 * it wrote (fewer only at the end). Throwing makes the open fail with the
 * thrown message.
 */
export interface ByteSource {
  readonly size: number;
  readAt(offset: number, target: Uint8Array): number;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// A JavaScript object with `size` and `readAt(offset, target)`.
    #[wasm_bindgen(typescript_type = "ByteSource")]
    pub type ByteSource;

    #[wasm_bindgen(method, getter, catch)]
    fn size(this: &ByteSource) -> std::result::Result<f64, JsValue>;

    #[wasm_bindgen(method, catch, js_name = readAt)]
    fn read_at(
        this: &ByteSource,
        offset: f64,
        target: &mut [u8],
    ) -> std::result::Result<f64, JsValue>;

    /// `String(value)`: an exception's name and message.
    #[wasm_bindgen(js_name = String)]
    fn js_string(value: &JsValue) -> String;
}

/// A read-only storage over [`ByteSource`]s read one after the other.
/// Clones share the sources and their cache.
#[derive(Clone)]
pub struct SourceStorage(Rc<Sources>);

struct Sources {
    /// The sources, read one after the other.
    sources: Vec<ByteSource>,
    /// Where each source begins, in the concatenation.
    starts: Vec<u64>,
    size: u64,
    blocks: RefCell<Blocks>,
}

impl SourceStorage {
    /// A storage reading `source`, whose size is read once, now.
    pub fn new(source: ByteSource) -> Result<SourceStorage> {
        SourceStorage::concat(vec![source])
    }

    /// A storage reading `sources` one after the other, as one run of
    /// bytes; their sizes are read once, now.
    pub fn concat(sources: Vec<ByteSource>) -> Result<SourceStorage> {
        let mut starts = Vec::with_capacity(sources.len());
        let mut size = 0f64;
        for source in &sources {
            let n = source.size().map_err(js_error)?;
            if !(n >= 0.0 && n <= 2f64.powi(53)) {
                return Err(Error::Io(io::Error::other(format!(
                    "the source's size is not a byte count: {n}"
                ))));
            }
            starts.push(size as u64);
            size += n;
        }
        // Offsets reach JavaScript as numbers: exact up to 2^53.
        if size > 2f64.powi(53) {
            return Err(Error::Io(io::Error::other(format!(
                "the sources hold {size} bytes together, more than 2^53"
            ))));
        }
        Ok(SourceStorage(Rc::new(Sources {
            sources,
            starts,
            size: size as u64,
            blocks: RefCell::default(),
        })))
    }

    /// The size of each source, in order.
    pub fn sizes(&self) -> Vec<u64> {
        let Sources { starts, size, .. } = &*self.0;
        let ends = starts.iter().skip(1).chain([size]);
        starts
            .iter()
            .zip(ends)
            .map(|(start, end)| end - start)
            .collect()
    }
}

/// The source that offset `at` falls in, given where each begins (the
/// last one beginning at or before it: empty sources are passed over).
fn locate(starts: &[u64], at: u64) -> usize {
    starts
        .partition_point(|&start| start <= at)
        .saturating_sub(1)
}

impl ReadStorage for SourceStorage {
    fn size(&self) -> Result<u64> {
        Ok(self.0.size)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let Sources {
            sources,
            starts,
            size,
            blocks,
        } = &*self.0;
        // The cache is borrowed while JavaScript reads: a `readAt` must not
        // read this log itself.
        blocks.borrow_mut().read(*size, buf, offset, |at, target| {
            // A block may straddle two sources: this reads up to the end of
            // the one `at` is in, and the block asks again.
            let i = locate(starts, at);
            let source_end = starts.get(i + 1).copied().unwrap_or(*size);
            let want = (source_end - at).min(target.len() as u64) as usize;
            let target = &mut target[..want];
            let source = sources.get(i).ok_or(Error::Closed)?;
            let n = source
                .read_at((at - starts[i]) as f64, target)
                .map_err(js_error)?;
            if n >= 0.0 && n <= target.len() as f64 {
                Ok(n as usize)
            } else {
                Err(Error::Io(io::Error::other(format!(
                    "readAt returned {n} for a {}-byte target",
                    target.len()
                ))))
            }
        })
    }
}

/// A JavaScript exception as the engine's I/O error, with its message.
fn js_error(value: JsValue) -> Error {
    Error::Io(io::Error::other(js_string(&value)))
}

/// The last few blocks read, `BLOCK`-aligned.
#[derive(Default)]
struct Blocks {
    blocks: Vec<Block>,
    /// Counts reads; a block's `used` says when it last served one.
    clock: u64,
}

struct Block {
    start: u64,
    bytes: Vec<u8>,
    used: u64,
}

impl Blocks {
    /// Reads `[offset, offset + buf.len())` of a source of `size` bytes into
    /// `buf`, loading missing blocks with `fetch(at, target)`; returns the
    /// bytes read (fewer only at the end).
    fn read(
        &mut self,
        size: u64,
        buf: &mut [u8],
        offset: u64,
        mut fetch: impl FnMut(u64, &mut [u8]) -> Result<usize>,
    ) -> Result<usize> {
        let mut done = 0;
        while done < buf.len() {
            let at = offset.saturating_add(done as u64);
            if at >= size {
                break;
            }
            let start = at - at % BLOCK as u64;
            let block = self.load(size, start, &mut fetch)?;
            let skip = (at - start) as usize;
            let n = (buf.len() - done).min(block.len().saturating_sub(skip));
            if n == 0 {
                break; // the source ended early
            }
            buf[done..done + n].copy_from_slice(&block[skip..skip + n]);
            done += n;
        }
        Ok(done)
    }

    /// The block starting at `start`, loaded if it is not cached (into the
    /// least recently used block's memory once all are in use).
    fn load(
        &mut self,
        size: u64,
        start: u64,
        fetch: &mut impl FnMut(u64, &mut [u8]) -> Result<usize>,
    ) -> Result<&[u8]> {
        self.clock += 1;
        let i = match self.blocks.iter().position(|b| b.start == start) {
            Some(i) => i,
            None => {
                let i = if self.blocks.len() < BLOCKS {
                    self.blocks.push(Block {
                        start,
                        bytes: Vec::new(),
                        used: 0,
                    });
                    self.blocks.len() - 1
                } else {
                    (0..self.blocks.len())
                        .min_by_key(|&i| self.blocks[i].used)
                        .unwrap_or(0)
                };
                let block = &mut self.blocks[i];
                // Marked empty first: a failed fetch leaves nothing stale.
                block.start = u64::MAX;
                let want = (size - start).min(BLOCK as u64) as usize;
                block.bytes.resize(want, 0);
                let mut got = 0;
                while got < want {
                    match fetch(start + got as u64, &mut block.bytes[got..])? {
                        0 => break,
                        n => got += n,
                    }
                }
                block.bytes.truncate(got);
                block.start = start;
                i
            }
        };
        let block = &mut self.blocks[i];
        block.used = self.clock;
        Ok(&block.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source of `size` bytes where byte `i` is `i % 251`, counting the
    /// fetches and the largest one.
    fn fetcher(
        size: u64,
        log: &mut Vec<(u64, usize)>,
    ) -> impl FnMut(u64, &mut [u8]) -> Result<usize> + '_ {
        move |at, target| {
            let n = target.len().min((size - at) as usize);
            for (k, byte) in target[..n].iter_mut().enumerate() {
                *byte = ((at + k as u64) % 251) as u8;
            }
            log.push((at, n));
            Ok(n)
        }
    }

    fn expected(offset: u64, len: usize) -> Vec<u8> {
        (offset..offset + len as u64)
            .map(|i| (i % 251) as u8)
            .collect()
    }

    #[test]
    fn reads_across_blocks_and_stops_at_the_end() {
        let size = 3 * BLOCK as u64 + 1000;
        let mut blocks = Blocks::default();
        let mut log = Vec::new();
        for (offset, len) in [
            (0, 10),
            (BLOCK as u64 - 5, 10),
            (size - 100, 300),
            (2 * BLOCK as u64 + 7, BLOCK),
        ] {
            let mut buf = vec![0; len];
            let n = blocks
                .read(size, &mut buf, offset, fetcher(size, &mut log))
                .unwrap();
            let n_want = len.min((size - offset) as usize);
            assert_eq!(n, n_want);
            assert_eq!(buf[..n], expected(offset, n)[..]);
        }
        assert!(log.iter().all(|&(_, n)| n <= BLOCK));
    }

    #[test]
    fn a_second_read_of_the_same_bytes_is_served_from_the_cache() {
        let size = 10 * BLOCK as u64;
        let mut blocks = Blocks::default();
        let mut log = Vec::new();
        let mut buf = vec![0; 1 << 20];
        blocks
            .read(size, &mut buf, 123, fetcher(size, &mut log))
            .unwrap();
        let fetched = log.len();
        blocks
            .read(size, &mut buf[..1000], 5000, fetcher(size, &mut log))
            .unwrap();
        assert_eq!(log.len(), fetched);
        assert_eq!(buf[..1000], expected(5000, 1000)[..]);
    }

    #[test]
    fn memory_stays_at_a_few_blocks_over_a_long_sequential_read() {
        let size = 40 * BLOCK as u64;
        let mut blocks = Blocks::default();
        let mut log = Vec::new();
        let mut buf = vec![0; 1 << 20];
        let mut at = 0;
        while at < size {
            let n = blocks
                .read(size, &mut buf, at, fetcher(size, &mut log))
                .unwrap();
            at += n as u64;
        }
        assert_eq!(blocks.blocks.len(), BLOCKS);
        // Every byte fetched once.
        assert_eq!(log.iter().map(|&(_, n)| n as u64).sum::<u64>(), size);
    }

    #[test]
    fn an_offset_is_sent_to_the_source_it_falls_in() {
        // Sources of 10, 0, 5 and 0 bytes, then 7.
        let starts = [0, 10, 10, 15, 15];
        let found: Vec<usize> = [0, 9, 10, 14, 15, 21].map(|at| locate(&starts, at)).into();
        assert_eq!(found, [0, 0, 2, 2, 4, 4]);
        assert_eq!(locate(&[0], 0), 0);
        assert_eq!(locate(&[], 3), 0);
    }

    #[test]
    fn a_block_that_straddles_two_sources_is_read_from_both() {
        // Two sources of 100 and 50 bytes, byte `i` of the whole being
        // `i % 251`, read through a fetch that stops at a source's end as
        // `SourceStorage` does.
        let starts = [0u64, 100];
        let size = 150;
        let mut blocks = Blocks::default();
        let mut asked = Vec::new();
        let mut buf = vec![0; 80];
        let n = blocks
            .read(size, &mut buf, 60, |at, target| {
                let i = locate(&starts, at);
                let end = starts.get(i + 1).copied().unwrap_or(size);
                let n = (end - at).min(target.len() as u64) as usize;
                for (k, byte) in target[..n].iter_mut().enumerate() {
                    *byte = ((at + k as u64) % 251) as u8;
                }
                asked.push((i, at));
                Ok(n)
            })
            .unwrap();
        assert_eq!(n, 80);
        assert_eq!(buf, expected(60, 80));
        assert_eq!(asked, [(0, 0), (1, 100)]);
    }

    #[test]
    fn a_failing_fetch_is_reported_and_leaves_no_stale_block() {
        let size = 4 * BLOCK as u64;
        let mut blocks = Blocks::default();
        let mut buf = vec![0; 16];
        let failed = blocks.read(size, &mut buf, 0, |_, _| {
            Err(Error::Io(io::Error::other("gone")))
        });
        assert!(matches!(failed, Err(Error::Io(_))));
        let mut log = Vec::new();
        blocks
            .read(size, &mut buf, 0, fetcher(size, &mut log))
            .unwrap();
        assert_eq!(buf, expected(0, 16));
    }
}
