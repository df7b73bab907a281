// rewal-wasm: the rewal write-ahead log engine for JavaScript, compiled to
// WebAssembly. This module is the package's whole API (README.md documents
// it, index.d.ts types it); ./rewal_wasm.js is wasm-bindgen's glue to the
// engine, which it wraps: every argument is checked here (a TypeError or a
// RangeError that names it), records come out as plain data, and engine
// errors as RewalError with a code.
//
// Nothing runs on import: `await init()` loads the engine, once. The same
// source is the ES module (index.js) and, bundled by esbuild in pack.sh,
// the CommonJS one (index.cjs).

import initWasm, { LogCore, StreamCore, WriterCore, segmentLsn as coreSegmentLsn, setErrorClass } from "./rewal_wasm.js";

// ---------------------------------------------------------------- errors

/**
 * An error of the engine, or of a call that cannot be served: `code` says
 * which (see README.md, "Errors"), `message` says it as the rewal CLI
 * does, `offset` and `lsn` say where when that is known (else null).
 */
export class RewalError extends Error {
  constructor(message, code, offset = null, lsn = null) {
    super(message);
    this.name = "RewalError";
    this.code = code;
    this.offset = offset;
    this.lsn = lsn;
  }
}

// ------------------------------------------------------------------ init

let loading = null;
let ready = false;

/** The wasm file shipped beside this module (Node reads it; browsers and bundlers fetch it). */
async function defaultWasm() {
  const url = new URL("./rewal_wasm_bg.wasm", import.meta.url);
  if (url.protocol === "file:" && typeof process === "object" && process.versions?.node) {
    const fs = "node:fs/promises"; // a variable: bundlers for browsers leave it alone
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ fs);
    return readFile(url);
  }
  return url;
}

/**
 * Loads the engine; resolves once it is ready. Call it (and await it) once
 * before anything else; later calls return the same promise. `wasm` says
 * where the engine is when it is not beside this module: a URL, a
 * Response, its bytes, or a compiled WebAssembly.Module.
 */
export function init(wasm) {
  loading ??= (async () => {
    await initWasm({ module_or_path: wasm ?? (await defaultWasm()) });
    setErrorClass(RewalError);
    ready = true;
  })().catch((error) => {
    loading = null; // a failed load may be tried again
    throw error;
  });
  return loading;
}

function needEngine() {
  if (!ready) throw new RewalError("rewal-wasm is not initialised: call `await init()` first", "uninitialized");
}

// ------------------------------------------------------- checked arguments

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MAX_LSN = (1n << 64n) - 1n;

/** What a value is, in a few words, for messages. */
function kind(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "no prototype"})`;
  if (typeof value === "string") return `a string (${JSON.stringify(value.length > 20 ? value.slice(0, 20) + "…" : value)})`;
  return `${typeof value === "undefined" ? "" : `a ${typeof value} `}${String(value)}`.trim();
}

/** Bytes: a Uint8Array (a Node Buffer is one), an ArrayBuffer, or (when `text`) a string, encoded as UTF-8. */
function bytes(value, name, text = true) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (text && typeof value === "string") return encoder.encode(value);
  throw new TypeError(`${name} must be a Uint8Array, a Buffer or an ArrayBuffer${text ? " or a string" : ""}; got ${kind(value)}`);
}

/** An LSN: a bigint from 0 to 2^64 - 1, or a number that is a safe integer. */
function lsn(value, name) {
  if (typeof value === "bigint") {
    if (value < 0n || value > MAX_LSN) throw new RangeError(`${name} must be an LSN, from 0 to 2^64 - 1; got ${value}`);
    return value;
  }
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`${name} must be an LSN: a whole number from 0 to 2^53 - 1, or a bigint; got ${value}`);
    }
    return BigInt(value);
  }
  throw new TypeError(`${name} must be a bigint or a number; got ${kind(value)}`);
}

/** A position or a count: a whole number from 0 (up to `max`). */
function whole(value, name, max = Number.MAX_SAFE_INTEGER) {
  if (typeof value !== "number") throw new TypeError(`${name} must be a number; got ${kind(value)}`);
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be a whole number from 0 to ${max}; got ${value}`);
  }
  return value;
}

function options(value, name, known) {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object") throw new TypeError(`${name} must be an object; got ${kind(value)}`);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new TypeError(`${name}.${key} is not an option (options: ${known.join(", ")})`);
  }
  return value;
}

// --------------------------------------------------------------- records

/**
 * Bigints as decimal strings and bytes as UTF-8 text (invalid sequences
 * replaced, and `utf8Lossy: true` added, as `rewal dump --format jsonl`
 * does): what JSON.stringify writes for a record.
 */
function jsonOf(record) {
  const out = {};
  let lossy = false;
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === "bigint") out[key] = String(value);
    else if (value instanceof Uint8Array) {
      out[key] = decoder.decode(value);
      lossy ||= !isUtf8(value);
    } else out[key] = value;
  }
  if (lossy) out.utf8Lossy = true;
  return out;
}

const strict = new TextDecoder("utf-8", { fatal: true });
function isUtf8(value) {
  try {
    strict.decode(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The records' common prototype: their data are own, enumerable fields
 * (so structuredClone and postMessage copy them, as plain objects), and
 * JSON.stringify writes them through toJSON (bigints as strings).
 */
class Record {
  toJSON() {
    return jsonOf(this);
  }
}

/** One event: `lsn`, `payload`, `meta` and where it is (README.md, "Records"). */
export class LogEvent extends Record {}
/** One frame of the log. */
export class LogFrame extends Record {}
/** What a log holds and how it ends. */
export class Summary extends Record {}
/** What `rewal verify` says of a log. */
export class Verdict extends Record {}
/** One segment file of a log kept as a directory. */
export class LogSegment extends Record {}

/** `fields` (a plain object from the engine) as a `Class` record. */
function record(Class, fields) {
  return Object.assign(new Class(), fields);
}

/**
 * The payload of an event as text (UTF-8, invalid sequences replaced), or
 * the text of any bytes (`text(event.meta)`); null for null. Events are
 * plain data, so this is a function rather than a method: it works as
 * well on an event that was cloned or posted from a worker.
 */
export function text(value) {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return decoder.decode(value);
  if (typeof value === "object" && value.payload instanceof Uint8Array) return decoder.decode(value.payload);
  throw new TypeError(`text() takes an event or a Uint8Array; got ${kind(value)}`);
}

/** The LSN a segment file's name says (20 digits and `.wal`), or null when `name` is not a segment's. */
export function segmentLsn(name) {
  needEngine();
  if (typeof name !== "string") throw new TypeError(`name must be a string; got ${kind(name)}`);
  return coreSegmentLsn(name) ?? null;
}

// ------------------------------------------------------------------- logs

const PAGE = 1024;
const made = Symbol("made by a WalLog.open function");

function closed(what) {
  return new RewalError(`the ${what} is closed`, "closed");
}

function checkSource(source, name) {
  if (source === null || typeof source !== "object") throw new TypeError(`${name} must be an object with size and readAt; got ${kind(source)}`);
  whole(source.size, `${name}.size`);
  if (typeof source.readAt !== "function") throw new TypeError(`${name}.readAt must be a function; got ${kind(source.readAt)}`);
}

function list(value, name) {
  if (value === null || typeof value !== "object" || typeof value[Symbol.iterator] !== "function") {
    throw new TypeError(`${name} must be an array (or another iterable); got ${kind(value)}`);
  }
  return [...value];
}

/**
 * A log opened for reading: every frame checked by the engine on open,
 * then read through a seek index. Holds wasm memory until close() (or
 * until it is garbage-collected).
 */
export class WalLog {
  #core;

  /** @internal Use WalLog.open, openSource, openSegments or openSegmentSources. */
  constructor(core, token) {
    if (token !== made) throw new TypeError("a WalLog is made by WalLog.open, openSource, openSegments or openSegmentSources");
    this.#core = core;
  }

  /** Opens the log held in `bytes` (a Uint8Array, a Buffer or an ArrayBuffer; copied once). */
  static open(bytes_) {
    needEngine();
    return new WalLog(LogCore.open(bytes(bytes_, "bytes", false)), made);
  }

  /**
   * Opens the log that `source` reads a slice at a time: `{ size,
   * readAt(offset, target) }`, where readAt fills the Uint8Array `target`
   * from `offset` and returns how many bytes it wrote. The log is never
   * held whole, so it may be larger than memory; `source` must stay
   * readable while the log is open.
   */
  static openSource(source) {
    needEngine();
    checkSource(source, "source");
    return new WalLog(LogCore.openSource(source), made);
  }

  /** Opens segment files held in memory (`{ name, bytes }`, in any order) as one log. */
  static openSegments(segments) {
    needEngine();
    const files = list(segments, "segments").map((segment, i) => {
      if (segment === null || typeof segment !== "object") throw new TypeError(`segments[${i}] must be { name, bytes }; got ${kind(segment)}`);
      if (typeof segment.name !== "string") throw new TypeError(`segments[${i}].name must be a string; got ${kind(segment.name)}`);
      return { name: segment.name, bytes: bytes(segment.bytes, `segments[${i}].bytes`, false) };
    });
    return new WalLog(LogCore.openSegments(files), made);
  }

  /** Opens segment files read a slice at a time (`{ name, size, readAt }`, in any order) as one log. */
  static openSegmentSources(sources) {
    needEngine();
    const files = list(sources, "sources");
    files.forEach((source, i) => {
      checkSource(source, `sources[${i}]`);
      if (typeof source.name !== "string") throw new TypeError(`sources[${i}].name must be a string; got ${kind(source.name)}`);
    });
    return new WalLog(LogCore.openSegmentSources(files), made);
  }

  #open() {
    if (!this.#core) throw closed("log");
    return this.#core;
  }

  /** True once close() was called. */
  get closed() {
    return this.#core === null;
  }

  /** What the log holds and how it ends. */
  summary() {
    return record(Summary, this.#open().summary());
  }

  /** What `rewal verify` says of the log, and its exit code. */
  verify() {
    return record(Verdict, this.#open().verify());
  }

  /** The segment files, oldest first (empty for a single file). */
  segments() {
    return this.#open().segments().map((segment) => record(LogSegment, segment));
  }

  /** The event with LSN `lsn`; throws RewalError `invalid-lsn` when the log has none. */
  event(lsn_) {
    const at = lsn(lsn_, "lsn");
    return record(LogEvent, this.#open().event(at));
  }

  /**
   * The log's events in LSN order, read a page at a time: from the first
   * at or above `from` (default 0n) to the last below `to` (default: the
   * end), only those whose meta is exactly `meta` if given ("" or an
   * empty array: without meta). Reaching the end of a log that does not
   * end cleanly throws its RewalError (`torn`, `corrupted`, `not-a-log`),
   * as `rewal dump` fails there, unless `strict` is false.
   */
  events(options_) {
    const { from = 0n, to, meta, strict = true } = options(options_, "options", ["from", "to", "meta", "strict"]);
    const first = lsn(from, "options.from");
    const last = to === undefined ? undefined : lsn(to, "options.to");
    if (last !== undefined && last < first) throw new RangeError(`options.to (${last}) is below options.from (${first})`);
    const wanted = meta === undefined ? undefined : bytes(meta, "options.meta");
    if (typeof strict !== "boolean") throw new TypeError(`options.strict must be a boolean; got ${kind(strict)}`);
    // Where to start is found now: a `from` the log cannot serve throws here.
    let ordinal = this.#open().ordinalOf(first);
    const log = this;
    return (function* events() {
      for (;;) {
        const page = log.#open().page(ordinal, PAGE, last, wanted);
        for (const event of page.events) {
          log.#open(); // a log closed meanwhile ends its iterators too
          yield record(LogEvent, event);
        }
        if (page.next === null) break;
        ordinal = page.next;
      }
      if (strict && (last === undefined || last > log.#open().summary().lastLsn)) {
        const problem = log.#open().endError();
        if (problem) throw problem;
      }
    })();
  }

  /**
   * The frame list from its `from`-th entry (default 0): the valid frames,
   * then, for a log that does not end cleanly, the invalid bytes where
   * they end (status "invalid") and any valid frames after a corruption
   * (status "after-corruption").
   */
  frames(options_) {
    const { from = 0 } = options(options_, "options", ["from"]);
    let start = whole(from, "options.from");
    this.#open();
    const log = this;
    return (function* frames() {
      for (;;) {
        const page = log.#open().frames(start, PAGE);
        for (const frame of page) {
          log.#open();
          yield record(LogFrame, frame);
        }
        if (page.length < PAGE) return;
        start += page.length;
      }
    })();
  }

  /** Frees the log's wasm memory; later calls throw RewalError `closed`. */
  close() {
    this.#core?.free();
    this.#core = null;
  }

  [Symbol.dispose]() {
    this.close();
  }
}

// ----------------------------------------------------------------- writing

/** The fields of an event to append: `{ payload, meta }`, or the payload alone. */
function eventBytes(event, name) {
  if (event !== null && typeof event === "object" && !(event instanceof Uint8Array) && !(event instanceof ArrayBuffer)) {
    return [bytes(event.payload, `${name}.payload`), event.meta == null ? new Uint8Array() : bytes(event.meta, `${name}.meta`)];
  }
  return [bytes(event, name), new Uint8Array()];
}

/**
 * A log written in memory by the engine: its bytes are what the native
 * library writes for the same appends. Holds wasm memory until finish()
 * or close().
 */
export class WalWriter {
  #core;

  constructor() {
    needEngine();
    this.#core = new WriterCore();
  }

  #open() {
    if (!this.#core) throw closed("writer");
    return this.#core;
  }

  /** Appends one event (payload and meta: bytes or text; no meta, or an empty one, means none); returns its LSN. */
  append(payload, meta) {
    const [p, m] = [bytes(payload, "payload"), meta == null ? new Uint8Array() : bytes(meta, "meta")];
    return this.#open().append(p, m);
  }

  /** Appends events (`{ payload, meta }`, or payloads) as one frame; returns the last one's LSN. */
  appendBatch(events) {
    const all = list(events, "events").map((event, i) => eventBytes(event, `events[${i}]`));
    const core = this.#open();
    for (const [payload, meta] of all) core.batchAdd(payload, meta);
    return core.appendBatch();
  }

  /** The LSN of the last event appended (0n before the first). */
  get lastLsn() {
    return this.#open().lastLsn;
  }

  /** The log's bytes so far. */
  bytes() {
    return this.#open().bytes();
  }

  /** Finishes the log and returns its bytes; later appends throw RewalError `closed`. */
  finish() {
    return this.#open().finish();
  }

  /** Frees the writer's wasm memory; later calls throw RewalError `closed`. */
  close() {
    this.#core?.free();
    this.#core = null;
  }

  [Symbol.dispose]() {
    this.close();
  }
}

// --------------------------------------------------------------- streaming

/** The chunks of a Blob, a ReadableStream, or an (async) iterable of bytes. */
async function* chunksOf(input) {
  if (typeof Blob === "function" && input instanceof Blob) input = input.stream();
  if (typeof input.getReader === "function") {
    const reader = input.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  yield* input;
}

/**
 * The events of a log read as it streams in, checked frame by frame (an
 * async iterable): `for await (const event of readEvents(file))`. Once the
 * iteration is over, `verdict` says what `rewal verify` says of the bytes
 * read; a stream that does not end cleanly throws its RewalError at the
 * end unless `strict` is false.
 */
export class EventStream {
  #input;
  #strict;
  /** What `rewal verify` says of the stream's bytes, once it has ended (else null). */
  verdict = null;

  /** @internal Use readEvents(). */
  constructor(input, strict, token) {
    if (token !== made) throw new TypeError("an EventStream is made by readEvents()");
    this.#input = input;
    this.#strict = strict;
  }

  async *[Symbol.asyncIterator]() {
    needEngine();
    const core = new StreamCore();
    try {
      let i = 0;
      for await (const chunk of chunksOf(this.#input)) {
        for (const event of core.push(bytes(chunk, `chunk ${i++} of the stream`, false))) yield record(LogEvent, event);
      }
      this.verdict = record(Verdict, core.finish());
      const problem = core.endError();
      if (problem && this.#strict) throw problem;
    } finally {
      core.free();
    }
  }
}

/**
 * Reads a log from a Blob (a File), a ReadableStream (a fetch body) or an
 * async iterable of bytes (a Node stream) a chunk at a time, never whole.
 */
export function readEvents(input, options_) {
  const { strict = true } = options(options_, "options", ["strict"]);
  if (typeof strict !== "boolean") throw new TypeError(`options.strict must be a boolean; got ${kind(strict)}`);
  const readable =
    input !== null &&
    typeof input === "object" &&
    ((typeof Blob === "function" && input instanceof Blob) ||
      typeof input.getReader === "function" ||
      typeof input[Symbol.asyncIterator] === "function" ||
      typeof input[Symbol.iterator] === "function");
  if (!readable || input instanceof Uint8Array) {
    throw new TypeError(`input must be a Blob, a ReadableStream or an (async) iterable of Uint8Array chunks; got ${kind(input)}`);
  }
  return new EventStream(input, strict, made);
}
