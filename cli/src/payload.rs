//! How payloads and metas (bytes) are written out and read in: as text, hex
//! or base64.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use std::borrow::Cow;

/// The `--payload` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Encoding {
    /// Text.
    Utf8,
    /// Lower-case hexadecimal (input: either case).
    Hex,
    /// Standard base64 with padding.
    Base64,
}

impl Encoding {
    /// Decodes one input line into the bytes of a payload.
    pub fn decode(self, line: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            Encoding::Utf8 => match std::str::from_utf8(line) {
                Ok(text) => Ok(text.as_bytes().to_vec()),
                Err(error) => Err(format!(
                    "it is not valid UTF-8 (byte {}); use --payload hex or base64 for binary payloads",
                    error.valid_up_to() + 1
                )),
            },
            Encoding::Hex => hex::decode(line).map_err(|error| format!("it is not valid hex ({error})")),
            Encoding::Base64 => BASE64
                .decode(line)
                .map_err(|error| format!("it is not valid base64 ({error})")),
        }
    }

    /// Appends `bytes` as a field of the text format. Text is quoted, and
    /// every byte other than printable ASCII is escaped (`\n`, `\t`, `\\`,
    /// `\"`, `\xNN`), as in the golden vectors' sidecars: exact, one line
    /// per event, and safe to print on a terminal whatever the log holds.
    pub fn write_text(self, bytes: &[u8], out: &mut Vec<u8>) {
        match self {
            Encoding::Utf8 => {
                out.push(b'"');
                for &byte in bytes {
                    match byte {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'"' => out.extend_from_slice(b"\\\""),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        0x20..=0x7e => out.push(byte),
                        _ => {
                            const DIGITS: &[u8; 16] = b"0123456789abcdef";
                            out.extend_from_slice(&[
                                b'\\',
                                b'x',
                                DIGITS[usize::from(byte >> 4)],
                                DIGITS[usize::from(byte & 15)],
                            ]);
                        }
                    }
                }
                out.push(b'"');
            }
            Encoding::Hex => out.extend_from_slice(hex::encode(bytes).as_bytes()),
            Encoding::Base64 => out.extend_from_slice(BASE64.encode(bytes).as_bytes()),
        }
    }

    /// `bytes` as a JSON string's content, and whether bytes that are not
    /// valid UTF-8 had to be replaced (utf8 only).
    pub fn json_text(self, bytes: &[u8]) -> (Cow<'_, str>, bool) {
        match self {
            Encoding::Utf8 => {
                let text = String::from_utf8_lossy(bytes);
                let lossy = matches!(text, Cow::Owned(_));
                (text, lossy)
            }
            Encoding::Hex => (Cow::Owned(hex::encode(bytes)), false),
            Encoding::Base64 => (Cow::Owned(BASE64.encode(bytes)), false),
        }
    }
}
