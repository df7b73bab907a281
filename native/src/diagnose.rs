//! What exactly is wrong at an offset where a scan stopped: the scan says
//! *where* the valid frames end; this reads the bytes there again and says
//! *what* they are, in the order a decoder checks them (see DESIGN.md).

use rewal::encoding::{HEADER_LEN, MAGIC, MIN_FRAME_LEN, RECORD_HEADER_LEN, TRAILER_LEN, VERSION};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// Frames larger than this are CRC-checked in chunks rather than read
/// whole, so that a diagnosis needs little memory whatever the file claims.
const CHUNK: usize = 1 << 20;

/// Describes the bytes at `offset` of the file at `path`, `len` bytes long,
/// as a clause ("the frame there fails its CRC-32C check ...").
pub fn at(path: &Path, offset: u64, len: u64) -> String {
    match examine(path, offset, len) {
        Ok(what) => what,
        Err(error) => format!(
            "the bytes there could not be read again to say more ({})",
            crate::failure::describe_io(&error)
        ),
    }
}

/// Describes how a file that is not a rewal log begins.
pub fn not_a_log(path: &Path) -> String {
    let mut head = [0u8; 8];
    let shown = File::open(path).and_then(|mut file| read_up_to(&mut file, &mut head));
    match shown {
        Ok(n) => format!(
            "it is not a rewal log: it begins with {} where a log begins with \"EWAL\" (left untouched)",
            hex_bytes(&head[..n])
        ),
        Err(_) => "it is not a rewal log (left untouched)".into(),
    }
}

fn examine(path: &Path, offset: u64, len: u64) -> io::Result<String> {
    let remaining = len.saturating_sub(offset);
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut head = [0u8; HEADER_LEN];
    let n = read_up_to(&mut file, &mut head)?;
    let head = &head[..n];
    let magic_len = n.min(MAGIC.len());
    if head.iter().all(|&byte| byte == 0) {
        return Ok("zero bytes where a frame should begin (space allocated, never written)".into());
    }
    if head[..magic_len] != MAGIC[..magic_len] {
        return Ok(format!(
            "no frame begins there: found {} where the magic \"EWAL\" should be",
            hex_bytes(&head[..magic_len])
        ));
    }
    if n < HEADER_LEN {
        return Ok(format!(
            "an incomplete frame header: only {n} bytes remain, and a header takes {HEADER_LEN}"
        ));
    }
    let version = u16::from_le_bytes([head[4], head[5]]);
    if version != VERSION {
        return Ok(format!(
            "the frame there has format version {version}, and this tool reads version {VERSION}"
        ));
    }
    let record_count = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    let first_lsn = u64::from_le_bytes(head[12..20].try_into().unwrap_or_default());
    let batch_size = u32::from_le_bytes([head[20], head[21], head[22], head[23]]);
    if (batch_size as usize) < MIN_FRAME_LEN {
        return Ok(format!(
            "the frame there claims a length of {batch_size} bytes, less than the smallest frame ({MIN_FRAME_LEN})"
        ));
    }
    if u64::from(batch_size) > remaining {
        return Ok(format!(
            "the frame there claims {batch_size} bytes, but only {remaining} remain in the file (an unfinished write)"
        ));
    }
    // The header is sane and the frame fits: check its CRC, reading it in
    // chunks so a huge frame costs no more memory than a small one.
    let body_len = u64::from(batch_size) - TRAILER_LEN as u64;
    file.seek(SeekFrom::Start(offset))?;
    let mut crc = 0u32;
    let mut left = body_len;
    let mut buf = vec![0u8; CHUNK.min(body_len as usize)];
    let mut region = Vec::new();
    while left > 0 {
        let take = left.min(buf.len() as u64) as usize;
        file.read_exact(&mut buf[..take])?;
        crc = rewal::crc::update(crc, &buf[..take]);
        if batch_size as usize <= CHUNK {
            region.extend_from_slice(&buf[..take]);
        }
        left -= take as u64;
    }
    let mut trailer = [0u8; TRAILER_LEN];
    file.read_exact(&mut trailer)?;
    let stored = u32::from_le_bytes(trailer);
    if crc != stored {
        return Ok(format!(
            "the frame there ({batch_size} bytes) fails its CRC-32C check (stored {stored:#010x}, computed {crc:#010x})"
        ));
    }
    if record_count == 0
        || first_lsn == 0
        || first_lsn.checked_add(u64::from(record_count) - 1).is_none()
    {
        return Ok(format!(
            "the frame there has impossible LSNs ({record_count} events from LSN {first_lsn})"
        ));
    }
    let compressed = u16::from_le_bytes([head[6], head[7]]) & rewal::encoding::FLAG_COMPRESSED != 0;
    if !compressed && !region.is_empty() {
        if let Err(what) = check_records(&region[HEADER_LEN..], record_count) {
            return Ok(format!("the frame there passes its CRC but {what}"));
        }
    }
    Ok(
        "the frame there passes its checks, but its LSNs do not come after the frames before it"
            .into(),
    )
}

/// Says how the records region fails to hold exactly `count` records.
fn check_records(region: &[u8], count: u32) -> Result<(), String> {
    let mut at = 0usize;
    for i in 0..count {
        let Some(head) = region.get(at..at + RECORD_HEADER_LEN) else {
            return Err(format!(
                "its records region ends before record {} of {count}",
                i + 1
            ));
        };
        let payload = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let meta = usize::from(u16::from_le_bytes([head[4], head[5]]));
        let end = (at + RECORD_HEADER_LEN)
            .saturating_add(meta)
            .saturating_add(payload);
        if end > region.len() {
            return Err(format!(
                "record {} of {count} claims more bytes than its region holds",
                i + 1
            ));
        }
        at = end;
    }
    if at != region.len() {
        return Err(format!(
            "{} bytes are left over after its {count} records",
            region.len() - at
        ));
    }
    Ok(())
}

/// Reads as much of `buf` as the file has; returns how much.
fn read_up_to(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(n)
}

/// Bytes as `3f 9a c2` (or "nothing" for none).
fn hex_bytes(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing".into();
    }
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
