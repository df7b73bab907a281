//! The `.events` sidecars of the golden vectors (format in
//! `tests/vectors/README.md`): quoting, the end line, and the parser. Used
//! by `tests/vectors.rs` and by the wasm crate's tests, so that both read
//! sidecars with one parser.

use rewal::inspect::LogEnd;
use rewal::Event;

/// A parsed `.events` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sidecar {
    pub end: LogEnd,
    pub events: Vec<Event>,
}

/// A byte string in double quotes: printable ASCII as is, except `\` and
/// `"`; `\n`, `\t`; `\xNN` for every other byte.
pub fn quote(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for &byte in bytes {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out.push('"');
    out
}

/// Inverse of [`quote`]; also accepts upper-case hex digits.
pub fn unquote(text: &str) -> Result<Vec<u8>, String> {
    let inner = text
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .filter(|_| text.len() >= 2)
        .ok_or_else(|| format!("not a quoted string: {text}"))?;
    let mut out = Vec::new();
    let mut bytes = inner.bytes();
    while let Some(byte) = bytes.next() {
        match byte {
            b'\\' => match bytes.next() {
                Some(b'\\') => out.push(b'\\'),
                Some(b'"') => out.push(b'"'),
                Some(b'n') => out.push(b'\n'),
                Some(b't') => out.push(b'\t'),
                Some(b'x') => {
                    let hex = [bytes.next(), bytes.next()];
                    let digits = match hex {
                        [Some(a), Some(b)] => [a, b],
                        _ => return Err(format!("short \\x escape in {text}")),
                    };
                    let digits = std::str::from_utf8(&digits).map_err(|e| e.to_string())?;
                    let value = u8::from_str_radix(digits, 16)
                        .map_err(|_| format!("bad \\x escape in {text}"))?;
                    out.push(value);
                }
                _ => return Err(format!("unknown escape in {text}")),
            },
            b'"' => return Err(format!("unescaped quote in {text}")),
            0x20..=0x7e => out.push(byte),
            _ => return Err(format!("raw byte {byte:#04x} in {text}: escape it")),
        }
    }
    Ok(out)
}

/// The end line's text for a log that ends as `end`.
pub fn render_end(end: LogEnd) -> String {
    match end {
        LogEnd::Clean => "clean".into(),
        LogEnd::TornTail { offset } => format!("torn-tail at {offset}"),
        LogEnd::Corrupted {
            offset,
            next_valid: Some(next),
        } => format!("corrupted at {offset}, next valid frame at {next}"),
        other => panic!("a vector cannot end {other:?}"),
    }
}

/// Inverse of [`render_end`].
pub fn parse_end(text: &str) -> Result<LogEnd, String> {
    let offset = |s: &str| s.parse::<u64>().map_err(|_| format!("bad offset {s:?}"));
    if text == "clean" {
        Ok(LogEnd::Clean)
    } else if let Some(at) = text.strip_prefix("torn-tail at ") {
        Ok(LogEnd::TornTail {
            offset: offset(at)?,
        })
    } else if let Some(rest) = text.strip_prefix("corrupted at ") {
        let (at, next) = rest
            .split_once(", next valid frame at ")
            .ok_or_else(|| format!("bad corruption line {text:?}"))?;
        Ok(LogEnd::Corrupted {
            offset: offset(at)?,
            next_valid: Some(offset(next)?),
        })
    } else {
        Err(format!("unknown end {text:?}"))
    }
}

/// Parses a sidecar; the error names the line.
pub fn parse_sidecar(text: &str) -> Result<Sidecar, String> {
    let mut end = None;
    let mut events = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let fail = |e: String| format!("line {}: {e}", n + 1);
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(rest) = comment.strip_prefix(" end: ") {
                if end.replace(parse_end(rest).map_err(fail)?).is_some() {
                    return Err(fail("a second end line".into()));
                }
            } else if !events.is_empty() {
                return Err(fail("comment after the events".into()));
            }
            continue;
        }
        if end.is_none() {
            return Err(fail("an event before the end line".into()));
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [lsn, meta, payload] = fields[..] else {
            return Err(fail(format!("want 3 tab-separated fields: {line:?}")));
        };
        let lsn = lsn.parse().map_err(|_| fail(format!("bad LSN {lsn:?}")))?;
        let meta = match meta {
            "-" => None,
            quoted => Some(unquote(quoted).map_err(fail)?),
        };
        let payload = unquote(payload).map_err(fail)?;
        events.push(Event { lsn, payload, meta });
    }
    let end = end.ok_or("no `# end:` line")?;
    Ok(Sidecar { end, events })
}
