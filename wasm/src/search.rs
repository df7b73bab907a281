//! Searching a log's events: their payloads, their metas or both, for
//! bytes (given as text or as hex) or a regular expression, in one walk
//! over the log through its seek index. The viewer's search and its meta
//! filter are both this.

use regex::bytes::{Regex, RegexBuilder};

/// The most matches a search keeps (it goes on counting past them): enough
/// for any screen, and a bound on its memory however many events match.
pub const MAX_MATCHES: usize = 1 << 22;

/// Which bytes of an event are searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Field {
    /// The payload.
    Payload,
    /// The meta.
    Meta,
    /// Either.
    Both,
}

/// What is looked for.
#[derive(Debug, Clone)]
enum Pattern {
    Bytes(Box<memchr::memmem::Finder<'static>>),
    Regex(Regex),
}

/// A search: what is looked for, and where.
#[derive(Debug, Clone)]
pub struct Query {
    pattern: Pattern,
    field: Field,
}

/// How a search was asked for (from JavaScript: `{ text | hex | regex,
/// in }`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Asked {
    /// Bytes to find, as UTF-8 text.
    pub text: Option<String>,
    /// Bytes to find, as hex digits (spaces allowed between bytes).
    pub hex: Option<String>,
    /// A regular expression (the `regex` crate's syntax, on bytes: `.`
    /// matches any byte but `\n`; `(?i)` for ASCII case-insensitivity).
    pub regex: Option<String>,
    /// Where to look: `payload`, `meta` or `both` (the default).
    #[serde(rename = "in")]
    pub field: Option<Field>,
}

impl Query {
    /// Bytes to find in `field`.
    pub fn bytes(needle: &[u8], field: Field) -> Query {
        Query {
            pattern: Pattern::Bytes(Box::new(memchr::memmem::Finder::new(needle).into_owned())),
            field,
        }
    }

    /// The query `asked` says, or why it says none (a message for people).
    pub fn new(asked: &Asked) -> Result<Query, String> {
        let field = asked.field.unwrap_or(Field::Both);
        match (&asked.text, &asked.hex, &asked.regex) {
            (Some(text), None, None) => Ok(Query::bytes(text.as_bytes(), field)),
            (None, Some(hex), None) => Ok(Query::bytes(&parse_hex(hex)?, field)),
            (None, None, Some(pattern)) => {
                let regex = RegexBuilder::new(pattern)
                    .unicode(false)
                    .size_limit(1 << 22)
                    .build()
                    .map_err(|error| format!("not a regular expression: {error}"))?;
                Ok(Query {
                    pattern: Pattern::Regex(regex),
                    field,
                })
            }
            _ => Err("a search needs exactly one of text, hex and regex".into()),
        }
    }

    /// Whether an event with `payload` and `meta` matches.
    pub fn matches(&self, payload: &[u8], meta: Option<&[u8]>) -> bool {
        let found = |bytes: &[u8]| match &self.pattern {
            Pattern::Bytes(finder) => finder.needle().is_empty() || finder.find(bytes).is_some(),
            Pattern::Regex(regex) => regex.is_match(bytes),
        };
        match self.field {
            Field::Payload => found(payload),
            Field::Meta => meta.is_some_and(found),
            Field::Both => found(payload) || meta.is_some_and(found),
        }
    }

    /// Whether the payload is looked at (else a walk need not read it).
    pub fn reads_payload(&self) -> bool {
        self.field != Field::Meta
    }
}

/// Hex digits as bytes: pairs of digits, spaces between bytes allowed.
fn parse_hex(hex: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("{hex:?} is not hex bytes: an odd number of digits"));
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("{hex:?} is not hex bytes"))
        })
        .collect()
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// The ordinals of the matching events, in order: the first
    /// [`MAX_MATCHES`] of them.
    pub ordinals: Vec<u32>,
    /// How many events match, all counted.
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(text: Option<&str>, hex: Option<&str>, regex: Option<&str>, field: Field) -> Asked {
        Asked {
            text: text.map(Into::into),
            hex: hex.map(Into::into),
            regex: regex.map(Into::into),
            field: Some(field),
        }
    }

    #[test]
    fn text_hex_and_regex_find_bytes_where_asked() {
        let text = Query::new(&asked(Some("Zoë"), None, None, Field::Payload)).unwrap();
        assert!(text.matches("name: Zoë".as_bytes(), None));
        assert!(!text.matches(b"name: Zoe", Some("Zoë".as_bytes())));
        let hex = Query::new(&asked(None, Some("ff 00"), None, Field::Both)).unwrap();
        assert!(hex.matches(&[1, 0xff, 0, 2], None));
        assert!(hex.matches(b"", Some(&[0xff, 0])));
        assert!(!hex.matches(&[0xff, 1], None));
        let regex = Query::new(&asked(
            None,
            None,
            Some(r#"(?i)"ID":\d{3}\b"#),
            Field::Payload,
        ))
        .unwrap();
        assert!(regex.matches(br#"{"id":123}"#, None));
        assert!(!regex.matches(br#"{"id":1234}"#, None));
        // Bytes that are not UTF-8 are searched too, and non-ASCII
        // literals match their UTF-8 bytes.
        let any = Query::new(&asked(None, None, Some("a.b|é"), Field::Meta)).unwrap();
        assert!(any.matches(b"", Some(&[b'a', 0xfe, b'b'])));
        assert!(any.matches(b"", Some("café".as_bytes())));
        assert!(!any.matches(b"a-b", None));
    }

    #[test]
    fn a_query_that_cannot_be_is_refused_with_a_reason() {
        for (asked, says) in [
            (asked(None, Some("abc"), None, Field::Both), "odd number"),
            (asked(None, Some("zz"), None, Field::Both), "not hex"),
            (
                asked(None, None, Some("(unclosed"), Field::Both),
                "not a regular expression",
            ),
            (
                asked(Some("a"), Some("61"), None, Field::Both),
                "exactly one",
            ),
            (Asked::default(), "exactly one"),
        ] {
            let error = Query::new(&asked).unwrap_err();
            assert!(error.contains(says), "{error}");
        }
    }
}
