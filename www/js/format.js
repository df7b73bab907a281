// @ts-check
// Turning bytes and numbers into text for the page: readable strings that
// never hide a byte, hex dumps, JSON when a payload is JSON.

const utf8 = new TextDecoder("utf-8", { fatal: false });
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

const ESCAPES = { 0x0a: "\\n", 0x09: "\\t", 0x0d: "\\r", 0x5c: "\\\\" };

/**
 * Bytes as one line of text: valid UTF-8 shown as itself, except control
 * characters and a backslash, which are escaped (\n, \t, \r, \\, \xNN), and
 * every byte that is not valid UTF-8 shown as \xNN. Nothing is dropped, so
 * two different payloads never look the same. `limit` caps the bytes read
 * (a preview of a huge payload costs no more than a short one).
 */
export function showBytes(bytes, limit = Infinity) {
  const cut = bytes.length > limit;
  const view = cut ? bytes.subarray(0, limit) : bytes;
  let text = "";
  let i = 0;
  while (i < view.length) {
    const b = view[i];
    if (b >= 0x20 && b < 0x7f && b !== 0x5c) {
      // Runs of printable ASCII, the common case, a few thousand at a time
      // (fromCharCode.apply takes its bytes as arguments).
      let j = i + 1;
      const stop = Math.min(view.length, i + 4096);
      while (j < stop && view[j] >= 0x20 && view[j] < 0x7f && view[j] !== 0x5c) j++;
      text += String.fromCharCode.apply(null, view.subarray(i, j));
      i = j;
    } else if (b < 0x80) {
      text += ESCAPES[b] ?? "\\x" + hex2(b);
      i += 1;
    } else {
      const n = utf8Length(view, i);
      if (n > 0) {
        text += utf8.decode(view.subarray(i, i + n));
        i += n;
      } else {
        text += "\\x" + hex2(b);
        i += 1;
      }
    }
  }
  return cut ? text + "…" : text;
}

/** The length of the valid UTF-8 sequence starting at `bytes[i]`, or 0. */
function utf8Length(bytes, i) {
  const b = bytes[i];
  const n = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b <= 0xdf ? 2 : 0;
  if (n === 0 || i + n > bytes.length) return 0;
  try {
    utf8Strict.decode(bytes.subarray(i, i + n));
    return n;
  } catch {
    return 0;
  }
}

/** A byte as two lower-case hex digits. */
export function hex2(b) {
  return (b < 16 ? "0" : "") + b.toString(16);
}

/** Bytes as plain hex, e.g. "68656c6c6f". */
export function toHex(bytes) {
  let out = "";
  for (const b of bytes) out += hex2(b);
  return out;
}

/**
 * A classic hex dump: offset, 16 bytes in hex, the same bytes as ASCII.
 * Only the first `limit` bytes are dumped (a note says how many are left).
 */
export function hexDump(bytes, limit = 4096) {
  const lines = [];
  const end = Math.min(bytes.length, limit);
  for (let at = 0; at < end; at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, end));
    let hex = "";
    let ascii = "";
    for (let k = 0; k < 16; k++) {
      if (k < row.length) {
        hex += hex2(row[k]) + (k === 7 ? "  " : " ");
        ascii += row[k] >= 0x20 && row[k] < 0x7f ? String.fromCharCode(row[k]) : ".";
      } else {
        hex += k === 7 ? "    " : "   ";
      }
    }
    lines.push(at.toString(16).padStart(8, "0") + "  " + hex + " |" + ascii + "|");
  }
  if (bytes.length > end) lines.push(`… ${fmt(bytes.length - end)} more bytes`);
  return lines.join("\n");
}

/** The payload pretty-printed when it is valid UTF-8 JSON (an object or an array), else null. */
export function prettyJson(bytes) {
  if (bytes.length === 0 || bytes.length > 4 << 20) return null;
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first !== 0x7b && first !== 0x5b) return null; // only { … } and [ … ]
  try {
    return JSON.stringify(JSON.parse(utf8Strict.decode(bytes)), null, 2);
  } catch {
    return null;
  }
}

/** A count with thousands separators: 1 000 000 reads as "1,000,000". */
export function fmt(n) {
  return Number(n).toLocaleString("en-US");
}

/** A byte size for people: "233 bytes", "101.6 MB". */
export function fmtBytes(n) {
  if (n < 1000) return `${n} ${n === 1 ? "byte" : "bytes"}`;
  const units = ["kB", "MB", "GB"];
  let value = n;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]} (${fmt(n)} bytes)`;
}

/** Parses an LSN typed by a person: a whole number, as a BigInt, or null. */
export function parseLsn(text) {
  const t = text.trim().replace(/[,_\s]/g, "");
  if (!/^\d{1,20}$/.test(t)) return null;
  const value = BigInt(t);
  return value <= 0xffffffffffffffffn ? value : null;
}
