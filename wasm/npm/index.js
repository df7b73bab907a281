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

import initWasm, { LogCore, OpfsCore, StreamCore, WriterCore, opfsError, segmentLsn as coreSegmentLsn, setErrorClass } from "./rewal_wasm.js";

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
/** One event of a log open for writing (OpfsLog): `lsn`, `payload`, `meta`. */
export class StoredEvent extends Record {}

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

// ------------------------------------------------------------------- OPFS

// A durable log in the browser: the engine writes an OPFS file through a
// FileSystemSyncAccessHandle, which browsers give only to dedicated
// workers. In a worker: openOpfsLog, listOpfsLogs, exportOpfsLog,
// importOpfsLog, removeOpfsLog. On a page: OpfsClient, which runs them in
// a worker of its own (opfs-worker.js, or yours with serveOpfs()).

/** The OPFS folder logs live in, unless a call says `directory`. */
const OPFS_FOLDER = "rewal";

function checkName(name) {
  if (typeof name !== "string") throw new TypeError(`name must be a string; got ${kind(name)}`);
  if (name === "" || name.startsWith(".") || /[/\\\0]/.test(name) || name.length > 200) {
    throw new RangeError(`name must be a file name (1 to 200 characters, no "/", "\\\\" or NUL, not starting with "."); got ${JSON.stringify(name)}`);
  }
  return name;
}

function needOpfs(what) {
  if (typeof navigator !== "object" || typeof navigator.storage?.getDirectory !== "function") {
    throw new RewalError(`${what} needs the Origin Private File System (navigator.storage.getDirectory), which only browsers have`, "unsupported");
  }
}

/** `promise`, its DOMException (if it rejects with one) as a RewalError. */
async function opfs(promise) {
  try {
    return await promise;
  } catch (error) {
    throw error instanceof RewalError || error instanceof TypeError || error instanceof RangeError ? error : opfsError(error);
  }
}

/** The folder of `options.directory` (a FileSystemDirectoryHandle), or OPFS's `rewal/`. */
async function folder(directory) {
  if (directory !== undefined) {
    if (typeof FileSystemDirectoryHandle !== "function" || !(directory instanceof FileSystemDirectoryHandle)) {
      throw new TypeError(`options.directory must be a FileSystemDirectoryHandle; got ${kind(directory)}`);
    }
    return directory;
  }
  const root = await opfs(navigator.storage.getDirectory());
  return opfs(root.getDirectoryHandle(OPFS_FOLDER, { create: true }));
}

/** The logs open in this worker, by folder and name: exports flush them first. */
const openHere = new Set();

function boolean(value, name) {
  if (typeof value !== "boolean") throw new TypeError(`${name} must be a boolean; got ${kind(value)}`);
  return value;
}

/**
 * Opens the log `name` in OPFS (the folder `rewal/`, or `directory`),
 * creating it unless `create` is false; in a dedicated worker only. Takes
 * the file's lock (its sync access handle): a second open anywhere in the
 * origin, this worker included, throws RewalError `locked` until close().
 * Recovers as the native library does: a torn tail is cut (`repaired`
 * says so), a file that is not a log is refused untouched (`not-a-log`),
 * a corrupted one too (`corrupted`) unless `recovery` is
 * "truncate-at-corruption".
 */
export async function openOpfsLog(name, options_) {
  needEngine();
  const { create = true, directory, recovery = "strict" } = options(options_, "options", ["create", "directory", "recovery"]);
  checkName(name);
  boolean(create, "options.create");
  if (recovery !== "strict" && recovery !== "truncate-at-corruption") {
    throw new RangeError(`options.recovery must be "strict" or "truncate-at-corruption"; got ${kind(recovery)}`);
  }
  needOpfs("openOpfsLog");
  if (typeof FileSystemSyncAccessHandle !== "function") {
    throw new RewalError("openOpfsLog runs in a dedicated worker (browsers give sync access handles to nothing else); on a page, use OpfsClient", "unsupported");
  }
  const dir = await folder(directory);
  const file = await opfs(dir.getFileHandle(name, { create }));
  const handle = await opfs(file.createSyncAccessHandle());
  // From here the engine owns the handle: it closes it if the open fails.
  const core = OpfsCore.open(handle, name, recovery === "truncate-at-corruption");
  return new OpfsLog(core, file, made);
}

/**
 * A log open for writing in OPFS (openOpfsLog). Appends are written at
 * once when its buffer fills and at every flush point (flush, waitDurable,
 * sync, events, export, close); waitDurable and sync also flush the file
 * to disk (the handle's flush()). Holds the file's lock until close().
 */
export class OpfsLog {
  #core;
  #file;

  /** @internal Use openOpfsLog. */
  constructor(core, file, token) {
    if (token !== made) throw new TypeError("an OpfsLog is made by openOpfsLog()");
    this.#core = core;
    this.#file = file;
    openHere.add(this);
  }

  #open() {
    if (!this.#core) throw closed("log");
    return this.#core;
  }

  /** The log's file name. */
  get name() {
    return this.#file.name;
  }

  /** True once close() was called. */
  get closed() {
    return this.#core === null;
  }

  /** The last LSN appended, or found at open (0n for an empty log). */
  get lastLsn() {
    return this.#open().lastLsn;
  }

  /** True when the open cut a torn tail (an append a crash interrupted). */
  get repaired() {
    return this.#open().repaired > 0;
  }

  /** Appends one event (payload and meta: bytes or text); returns its LSN. Not yet durable: see waitDurable. */
  append(payload, meta) {
    const [p, m] = [bytes(payload, "payload"), meta == null ? new Uint8Array() : bytes(meta, "meta")];
    return this.#open().append(p, m);
  }

  /** Appends events (`{ payload, meta }`, or payloads) as one frame: after any crash, all of them or none. Returns the last LSN. */
  appendBatch(events) {
    const all = list(events, "events").map((event, i) => eventBytes(event, `events[${i}]`));
    const core = this.#open();
    for (const [payload, meta] of all) core.batchAdd(payload, meta);
    return core.appendBatch();
  }

  /** Writes what was appended to the file: a closed tab or a killed worker keeps it; a power cut may not. */
  flush() {
    this.#open().flush();
  }

  /** Resolves once the event `lsn` and all before it are durable: written and flushed to disk. */
  async waitDurable(lsn_) {
    const at = lsn(lsn_, "lsn");
    this.#open().waitDurable(at);
  }

  /** Resolves once everything appended is durable. */
  async sync() {
    this.#open().sync();
  }

  /** The events from `from` (default 0n: the first) up to below `to` (default: the last appended), in order. */
  *events(options_) {
    const { from = 0n, to } = options(options_, "options", ["from", "to"]);
    const first = lsn(from, "options.from");
    const last = to === undefined ? undefined : lsn(to, "options.to");
    if (last !== undefined && last < first) throw new RangeError(`options.to (${last}) is below options.from (${first})`);
    const cursor = this.#open().iterate(first);
    try {
      for (;;) {
        const page = cursor.next(PAGE);
        for (const event of page) {
          if (last !== undefined && event.lsn >= last) return;
          this.#open(); // a log closed meanwhile ends its iterators too
          yield record(StoredEvent, event);
        }
        if (page.length < PAGE) return;
      }
    } finally {
      cursor.free();
    }
  }

  /** Calls `callback(event)` for each event from `from` (default 0n) on, in order; returns how many. */
  replay(callback, options_) {
    if (typeof callback !== "function") throw new TypeError(`callback must be a function; got ${kind(callback)}`);
    let n = 0;
    for (const event of this.events(options_)) {
      callback(event);
      n++;
    }
    return n;
  }

  /** The log's bytes as a File (everything appended is written first): a copy to download or to open. */
  async export() {
    const end = this.#open().dataEnd();
    const snapshot = await opfs(this.#file.getFile());
    return new File([snapshot.slice(0, end)], this.name, { type: "application/octet-stream" });
  }

  /** Writes and syncs everything appended, then releases the file (the engine's shutdown). Later calls throw `closed`; closing again does nothing. */
  close() {
    if (!this.#core) return;
    const core = this.#core;
    this.#core = null;
    openHere.delete(this);
    try {
      core.close();
    } finally {
      core.free();
    }
  }

  [Symbol.dispose]() {
    this.close();
  }

  /** @internal The open log of that file in this worker, if any. */
  static async openFor(file) {
    for (const log of openHere) if (await log.#file.isSameEntry(file)) return log;
    return null;
  }
}

/** The logs in OPFS (the folder `rewal/`, or `directory`): `{ name, size, lastModified }` each, by name. Needs no lock: open logs are listed too. */
export async function listOpfsLogs(options_) {
  const { directory } = options(options_, "options", ["directory"]);
  needOpfs("listOpfsLogs");
  const dir = await folder(directory);
  const found = [];
  for await (const [name, entry] of dir.entries()) {
    if (entry.kind !== "file" || name.startsWith(".")) continue;
    const file = await opfs(entry.getFile());
    found.push({ name, size: file.size, lastModified: file.lastModified });
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The log `name` as a File, to download or to open elsewhere, without
 * taking its lock: a snapshot of what was written by now (a log open in
 * this worker is flushed first), without the zeros kept ahead of a log
 * that was not closed.
 */
export async function exportOpfsLog(name, options_) {
  needEngine();
  const { directory } = options(options_, "options", ["directory"]);
  checkName(name);
  needOpfs("exportOpfsLog");
  const dir = await folder(directory);
  const file = await opfs(dir.getFileHandle(name));
  const open = await OpfsLog.openFor(file);
  if (open) return open.export();
  const snapshot = await opfs(file.getFile());
  // Zeros after the last frame (space kept ahead by a log that was not
  // closed) are the log's clean end; the copy goes without them.
  const log = LogCore.open(new Uint8Array(await snapshot.arrayBuffer()));
  try {
    const summary = log.summary();
    const end = summary.end === "clean" ? summary.validBytes : snapshot.size;
    return new File([snapshot.slice(0, end)], name, { type: "application/octet-stream" });
  } finally {
    log.free();
  }
}

/**
 * Copies a log (a Blob or File, or bytes) into OPFS as `name`, after the
 * engine has checked every frame: what is not a log is refused
 * (`not-a-log`), and so is a log that does not end cleanly (`torn`,
 * `corrupted`: repair it first), with nothing written. An existing log of
 * that name is kept (`exists`) unless `replace` is true; a log open
 * anywhere is `locked`. Resolves to the log's Summary.
 */
export async function importOpfsLog(name, input, options_) {
  needEngine();
  const { directory, replace = false } = options(options_, "options", ["directory", "replace"]);
  checkName(name);
  boolean(replace, "options.replace");
  const isBlob = typeof Blob === "function" && input instanceof Blob;
  const data = isBlob ? new Uint8Array(await input.arrayBuffer()) : bytes(input, "input", false);
  needOpfs("importOpfsLog");
  if (typeof FileSystemSyncAccessHandle !== "function") {
    throw new RewalError("importOpfsLog runs in a dedicated worker; on a page, use OpfsClient", "unsupported");
  }
  const log = LogCore.open(data);
  let summary;
  try {
    summary = record(Summary, log.summary());
    const problem = log.endError();
    if (problem) throw problem;
  } finally {
    log.free();
  }
  const dir = await folder(directory);
  let exists = true;
  try {
    await dir.getFileHandle(name);
  } catch (error) {
    if (error?.name !== "NotFoundError") throw opfsError(error);
    exists = false;
  }
  if (exists && !replace) throw new RewalError(`a log named ${JSON.stringify(name)} is already in OPFS: pass { replace: true } to replace it`, "exists");
  // Written beside it, then moved over it: a crash leaves the old log or
  // the new one, never half of one.
  const temporary = `.${name}.importing`;
  const file = await opfs(dir.getFileHandle(temporary, { create: true }));
  try {
    const handle = await opfs(file.createSyncAccessHandle());
    try {
      handle.truncate(0);
      let at = 0;
      while (at < summary.validBytes) at += handle.write(data.subarray(at, summary.validBytes), { at });
      handle.flush();
    } finally {
      handle.close();
    }
    await opfs(file.move(dir, name));
  } catch (error) {
    await dir.removeEntry(temporary).catch(() => {});
    throw error instanceof RewalError ? error : opfsError(error);
  }
  return summary;
}

/** Removes the log `name` from OPFS; `locked` while it is open anywhere, `not-found` when there is none. */
export async function removeOpfsLog(name, options_) {
  const { directory } = options(options_, "options", ["directory"]);
  checkName(name);
  needOpfs("removeOpfsLog");
  const dir = await folder(directory);
  await opfs(dir.getFileHandle(name)); // a missing log is not-found, a folder of that name refused
  await opfs(dir.removeEntry(name));
}

// ------------------------------------------------- OPFS, from the page

/** An error as it crosses from the worker: its class, message and fields. */
function errorOut(error) {
  const known = error instanceof RewalError ? "RewalError" : error instanceof RangeError ? "RangeError" : error instanceof TypeError ? "TypeError" : "Error";
  return { known, message: String(error?.message ?? error), code: error?.code ?? null, offset: error?.offset ?? null, lsn: error?.lsn ?? null };
}

function errorIn({ known, message, code, offset, lsn }) {
  if (known === "RewalError") return new RewalError(message, code, offset, lsn);
  if (known === "RangeError") return new RangeError(message);
  if (known === "TypeError") return new TypeError(message);
  return new Error(message);
}

/**
 * Serves OpfsClient's requests in this worker (opfs-worker.js calls it;
 * call it from a worker of your own to host it there). `wasm` is passed
 * to init().
 */
export function serveOpfs(scope = globalThis, wasm) {
  const logs = new Map();
  const cursors = new Map();
  let next = 1;
  const ops = {
    async open(name, options_) {
      const log = await openOpfsLog(name, options_);
      const id = next++;
      logs.set(id, log);
      return { id, name: log.name, lastLsn: log.lastLsn, repaired: log.repaired };
    },
    async call(id, method, args) {
      const log = logs.get(id);
      if (!log) throw closed("log");
      switch (method) {
        case "append":
        case "appendBatch":
        case "flush":
        case "waitDurable":
        case "sync":
        case "export":
          return log[method](...args);
        case "lastLsn":
          return log.lastLsn;
        case "close":
          logs.delete(id);
          return log.close();
        case "events": {
          const cursor = log.events(args[0]);
          const key = next++;
          cursors.set(key, cursor);
          return key;
        }
        default:
          throw new TypeError(`no method ${method}`);
      }
    },
    page(key, limit) {
      const cursor = cursors.get(key);
      if (!cursor) return { events: [], done: true };
      const events = [];
      for (let i = 0; i < limit; i++) {
        const { value, done } = cursor.next();
        if (done) {
          cursors.delete(key);
          return { events, done: true };
        }
        events.push({ ...value });
      }
      return { events, done: false };
    },
    end(key) {
      cursors.get(key)?.return();
      cursors.delete(key);
    },
    list: (options_) => listOpfsLogs(options_),
    export: (name, options_) => exportOpfsLog(name, options_),
    import: (name, input, options_) => importOpfsLog(name, input, options_),
    remove: (name, options_) => removeOpfsLog(name, options_),
  };
  scope.addEventListener("message", async (message) => {
    const { id, op, args } = message.data ?? {};
    if (typeof id !== "number" || !Object.hasOwn(ops, op)) return;
    try {
      await init(wasm);
      const result = await ops[op](...args);
      scope.postMessage({ id, result: result instanceof Record ? { ...result } : result });
    } catch (error) {
      scope.postMessage({ id, error: errorOut(error) });
    }
  });
}

/**
 * OPFS logs from a page: each call is run in a worker (the package's
 * opfs-worker.js, or `options.worker`, one that called serveOpfs()) and
 * answered by a promise. The logs' methods are those of OpfsLog, async.
 */
export class OpfsClient {
  #worker;
  #calls = new Map();
  #next = 1;
  #gone = null;

  constructor(options_) {
    const { worker } = options(options_, "options", ["worker"]);
    if (worker !== undefined && (typeof Worker !== "function" || !(worker instanceof Worker))) {
      throw new TypeError(`options.worker must be a Worker; got ${kind(worker)}`);
    }
    if (worker === undefined && typeof Worker !== "function") throw new RewalError("OpfsClient needs Web Workers (a browser page)", "unsupported");
    this.#worker = worker ?? new Worker(new URL("./opfs-worker.js", import.meta.url), { type: "module" });
    this.#worker.addEventListener("message", (message) => {
      const { id, result, error } = message.data ?? {};
      const call = this.#calls.get(id);
      if (!call) return;
      this.#calls.delete(id);
      if (error) call.reject(errorIn(error));
      else call.resolve(result);
    });
    this.#worker.addEventListener("error", (event) => {
      event.preventDefault?.();
      this.#end(new RewalError(`the OPFS worker failed: ${event.message ?? "it could not be loaded"}`, "io"));
    });
  }

  #end(error) {
    this.#gone ??= error;
    for (const call of this.#calls.values()) call.reject(error);
    this.#calls.clear();
  }

  /** @internal */
  call(op, ...args) {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { resolve, reject });
      this.#worker.postMessage({ id, op, args });
    });
  }

  /** openOpfsLog in the worker: resolves to a RemoteOpfsLog. */
  async open(name, options_) {
    const opened = await this.call("open", name, options_);
    return new RemoteOpfsLog(this, opened, made);
  }

  /** listOpfsLogs in the worker. */
  list(options_) {
    return this.call("list", options_);
  }

  /** exportOpfsLog in the worker: resolves to a File. */
  export(name, options_) {
    return this.call("export", name, options_);
  }

  /** importOpfsLog in the worker: resolves to the log's Summary (as plain data). */
  import(name, input, options_) {
    return this.call("import", name, input, options_);
  }

  /** removeOpfsLog in the worker. */
  remove(name, options_) {
    return this.call("remove", name, options_);
  }

  /** Ends the worker at once (its logs are not closed: what was not written is lost, as in a crash); later calls reject with `closed`. */
  terminate() {
    this.#worker.terminate();
    this.#end(new RewalError("the OPFS client was terminated", "closed"));
  }
}

/** An OpfsLog in an OpfsClient's worker: the same methods, each a promise. */
export class RemoteOpfsLog {
  #client;
  #id;

  /** @internal Use OpfsClient.open. */
  constructor(client, opened, token) {
    if (token !== made) throw new TypeError("a RemoteOpfsLog is made by OpfsClient.open()");
    this.#client = client;
    this.#id = opened.id;
    this.name = opened.name;
    /** True when the open cut a torn tail. */
    this.repaired = opened.repaired;
  }

  #call(method, ...args) {
    return this.#client.call("call", this.#id, method, args);
  }

  append(payload, meta) {
    return this.#call("append", payload, meta);
  }
  appendBatch(events) {
    return this.#call("appendBatch", events);
  }
  flush() {
    return this.#call("flush");
  }
  waitDurable(lsn_) {
    return this.#call("waitDurable", lsn_);
  }
  sync() {
    return this.#call("sync");
  }
  lastLsn() {
    return this.#call("lastLsn");
  }
  export() {
    return this.#call("export");
  }
  close() {
    return this.#call("close");
  }

  /** The events (an async iterable), fetched from the worker a page at a time. */
  async *events(options_) {
    const key = await this.#call("events", options_);
    let done = false;
    try {
      while (!done) {
        const page = await this.#client.call("page", key, PAGE);
        done = page.done;
        for (const event of page.events) yield record(StoredEvent, event);
      }
    } finally {
      if (!done) await this.#client.call("end", key).catch(() => {});
    }
  }
}
