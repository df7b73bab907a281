//! Events as JSON lines, in the shape `rewal dump --format jsonl` prints
//! them (cli/README.md, "Output"): `{"lsn":…,"meta":…|null,
//! "payload":…,"frame_offset":…}`, then `"segment"` for a log of segment
//! files (`frame_offset` being the offset in that file), then
//! `"utf8_lossy":true` when the meta or the payload is not valid UTF-8 and
//! was written with replacement characters. Keys in that order, strings
//! escaped by serde_json as the CLI's are, one event a line.

use rewal::Lsn;
use std::borrow::Cow;
use std::fmt::Write as _;

/// Appends the JSON line of one event to `out`.
pub fn line(
    out: &mut String,
    lsn: Lsn,
    meta: Option<&[u8]>,
    payload: &[u8],
    frame_offset: u64,
    segment: Option<&str>,
) {
    let mut lossy = false;
    let _ = write!(out, "{{\"lsn\":{lsn},\"meta\":");
    match meta {
        Some(meta) => lossy |= string(out, meta),
        None => out.push_str("null"),
    }
    out.push_str(",\"payload\":");
    lossy |= string(out, payload);
    let _ = write!(out, ",\"frame_offset\":{frame_offset}");
    if let Some(segment) = segment {
        out.push_str(",\"segment\":");
        string(out, segment.as_bytes());
    }
    if lossy {
        out.push_str(",\"utf8_lossy\":true");
    }
    out.push_str("}\n");
}

/// Appends `bytes` as a JSON string (invalid UTF-8 replaced); true when
/// something was replaced.
fn string(out: &mut String, bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let lossy = matches!(text, Cow::Owned(_));
    // A string always serializes.
    out.push_str(&serde_json::to_string(&text).unwrap_or_default());
    lossy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_the_clis_keys_in_its_order() {
        let mut out = String::new();
        line(&mut out, 7, Some(b"type:a"), b"{\"x\":\"\n\"}", 41, None);
        line(
            &mut out,
            8,
            None,
            &[b'a', 0xff],
            90,
            Some("00000000000000000008.wal"),
        );
        assert_eq!(
            out,
            "{\"lsn\":7,\"meta\":\"type:a\",\"payload\":\"{\\\"x\\\":\\\"\\n\\\"}\",\"frame_offset\":41}\n\
             {\"lsn\":8,\"meta\":null,\"payload\":\"a\u{fffd}\",\"frame_offset\":90,\
             \"segment\":\"00000000000000000008.wal\",\"utf8_lossy\":true}\n"
        );
    }
}
