//! A tiny deterministic compressor (run-length encoding) for the tests of
//! compressed frames, and the golden vector `compressed.wal`.

/// Run-length encoding as `(run length 1..=255, byte)` pairs: deterministic,
/// so rewal and rewal 0.1.0 compress identically, and trivially safe to
/// decode (output is at most 255 × input).
pub fn rle_compress(src: &[u8], dst: &mut Vec<u8>) {
    let mut i = 0;
    while i < src.len() {
        let byte = src[i];
        let mut run = 1;
        while i + run < src.len() && src[i + run] == byte && run < 255 {
            run += 1;
        }
        dst.push(run as u8);
        dst.push(byte);
        i += run;
    }
}

/// Inverse of [`rle_compress`]; `None` on malformed input.
pub fn rle_decompress(src: &[u8], dst: &mut Vec<u8>) -> Option<()> {
    if src.len() & 1 == 1 {
        return None;
    }
    for pair in src.chunks_exact(2) {
        if pair[0] == 0 {
            return None;
        }
        dst.resize(dst.len() + usize::from(pair[0]), pair[1]);
    }
    Some(())
}

/// The RLE compressor as a rewal `Compressor`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rle;

impl rewal::Compressor for Rle {
    fn compress(&self, src: &[u8], dst: &mut Vec<u8>) -> rewal::Result<()> {
        rle_compress(src, dst);
        Ok(())
    }

    fn decompress(&self, src: &[u8], dst: &mut Vec<u8>) -> rewal::Result<()> {
        rle_decompress(src, dst).ok_or(rewal::Error::InvalidRecord)
    }
}
