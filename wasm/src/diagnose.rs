//! What exactly is wrong where a scan stopped, in the words of the native
//! `rewal verify` (its `diagnose` module reads a file; this reads the bytes
//! the viewer holds). The checks run in the order a decoder makes them
//! (see DESIGN.md), so the first one that fails names the problem.

use rewal::crc;
use rewal::encoding::{
    FLAG_COMPRESSED, HEADER_LEN, MAGIC, MIN_FRAME_LEN, RECORD_HEADER_LEN, TRAILER_LEN, VERSION,
};

/// Describes the bytes at `offset` of `data` as a clause ("the frame there
/// fails its CRC-32C check ..."), worded as `rewal verify` words it.
pub fn at(data: &[u8], offset: u64) -> String {
    let offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(data.len());
    let rest = &data[offset..];
    let head = &rest[..rest.len().min(HEADER_LEN)];
    let magic_len = head.len().min(MAGIC.len());
    if head.iter().all(|&byte| byte == 0) {
        return "zero bytes where a frame should begin (space allocated, never written)".into();
    }
    if head[..magic_len] != MAGIC[..magic_len] {
        return format!(
            "no frame begins there: found {} where the magic \"EWAL\" should be",
            hex_bytes(&head[..magic_len])
        );
    }
    if head.len() < HEADER_LEN {
        return format!(
            "an incomplete frame header: only {} bytes remain, and a header takes {HEADER_LEN}",
            head.len()
        );
    }
    let version = u16::from_le_bytes([head[4], head[5]]);
    if version != VERSION {
        return format!(
            "the frame there has format version {version}, and this tool reads version {VERSION}"
        );
    }
    let flags = u16::from_le_bytes([head[6], head[7]]);
    let record_count = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    let mut lsn = [0u8; 8];
    lsn.copy_from_slice(&head[12..20]);
    let first_lsn = u64::from_le_bytes(lsn);
    let batch_size = u32::from_le_bytes([head[20], head[21], head[22], head[23]]);
    if (batch_size as usize) < MIN_FRAME_LEN {
        return format!(
            "the frame there claims a length of {batch_size} bytes, less than the smallest frame ({MIN_FRAME_LEN})"
        );
    }
    if batch_size as usize > rest.len() {
        return format!(
            "the frame there claims {batch_size} bytes, but only {} remain in the file (an unfinished write)",
            rest.len()
        );
    }
    let frame = &rest[..batch_size as usize];
    let (body, trailer) = frame.split_at(frame.len() - TRAILER_LEN);
    let stored = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let computed = crc::checksum(body);
    if computed != stored {
        return format!(
            "the frame there ({batch_size} bytes) fails its CRC-32C check (stored {stored:#010x}, computed {computed:#010x})"
        );
    }
    if record_count == 0
        || first_lsn == 0
        || first_lsn.checked_add(u64::from(record_count) - 1).is_none()
    {
        return format!(
            "the frame there has impossible LSNs ({record_count} events from LSN {first_lsn})"
        );
    }
    if flags & FLAG_COMPRESSED == 0 {
        if let Err(what) = check_records(&body[HEADER_LEN..], record_count) {
            return format!("the frame there passes its CRC but {what}");
        }
    }
    "the frame there passes its checks, but its LSNs do not come after the frames before it".into()
}

/// Describes how bytes that are not a rewal log begin.
pub fn not_a_log(data: &[u8]) -> String {
    format!(
        "it is not a rewal log: it begins with {} where a log begins with \"EWAL\"",
        hex_bytes(&data[..data.len().min(8)])
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
