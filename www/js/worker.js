// @ts-check
// The rewal engine in a worker, one worker per opened log. A worker can
// read a File synchronously (FileReaderSync), a slice at a time, which is
// what the engine's storage needs: the log is read through the engine's
// read buffer and never held whole, so a log larger than memory opens.
// The page asks for pages of events and frames by message (js/engine.js).
// Several segment files of one log are read the same way, one after the
// other, as one log (LogCore.openSegmentSources): never copied together.

import init, { LogCore, segmentLsn } from "../pkg/rewal_wasm.js";

let engine = null; // the wasm module's exports (for its memory size)
let log = null; // the open LogCore
let size = 0; // its size in bytes
let progress = null; // what the current request has read: { op, total, done, last, posted, readMs, reads }
const reader = new FileReaderSync();

/** How often progress is posted while a request reads the file. */
const PROGRESS_EVERY_MS = 50;

/**
 * Short-lived garbage allocated after each read (see promptCollection): an
 * element (4 bytes) for every 16 bytes read, a quarter of the read.
 */
const PROMPT_ELEMENT_PER_BYTES = 16;
let prompt = null; // kept where the optimiser cannot see it is unused

/**
 * A File as the engine's ByteSource: `readAt` copies a slice of it into
 * wasm memory. `base` is where the file begins among the log's bytes (for
 * a segment file), so that progress counts through the whole log.
 */
function fileSource(file, base = 0) {
  return {
    name: file.name,
    size: file.size,
    readAt(offset, target) {
      const started = performance.now();
      const end = Math.min(file.size, offset + target.length);
      const bytes = new Uint8Array(reader.readAsArrayBuffer(file.slice(offset, end)));
      target.set(bytes);
      promptCollection(bytes.length);
      if (progress) {
        progress.readMs += performance.now() - started;
        progress.reads += 1;
      }
      reportProgress(base + offset + bytes.length);
      return bytes.length;
    },
  };
}

/**
 * FileReaderSync cannot read into a buffer we have: each read allocates an
 * ArrayBuffer, garbage once copied into wasm memory. The engine's scan is
 * one synchronous call, so the worker never returns to its event loop
 * while it runs and V8's idle-time collections never come: scanning a
 * 2 GiB log, the read slices piled up to ~700 MB before V8 collected them
 * (measured through CDP). They are young objects, freed by any
 * young-generation collection; allocating short-lived garbage in
 * proportion to what is read makes V8 run one every few reads, and the
 * slices held stay near 100 MB (www/tests/bigfile.test.js prints them). A
 * scan that could return to the event loop between chunks would not need
 * this.
 */
function promptCollection(bytesRead) {
  prompt = new Array(Math.ceil(bytesRead / PROMPT_ELEMENT_PER_BYTES)).fill(0);
}

/** Progress of request `op`, which reads the file. */
function newProgress(op) {
  return { op, total: size, done: 0, last: 0, posted: false, readMs: 0, reads: 0 };
}

function reportProgress(at) {
  if (!progress) return;
  progress.done = Math.max(progress.done, at);
  const now = performance.now();
  if (now - progress.last < PROGRESS_EVERY_MS) return;
  progress.last = now;
  progress.posted = true;
  postMessage({ type: "progress", op: progress.op, done: progress.done, total: progress.total, wasmBytes: wasmBytes() });
}

function wasmBytes() {
  return engine ? engine.memory.buffer.byteLength : 0;
}

/** The events of a page, and the buffers to transfer rather than copy. */
function events(list, transfer) {
  // The engine hands out plain objects (each payload its own buffer).
  for (const event of list) {
    transfer.push(event.payload.buffer);
    if (event.meta) transfer.push(event.meta.buffer);
  }
  return list;
}

/**
 * Opens a log with `openLog` (which returns a LogCore), in place of the one
 * open before; resolves to what the page shows first.
 */
function opened(openLog) {
  progress = newProgress("open");
  const started = performance.now();
  log?.free();
  log = null;
  log = openLog();
  const summary = log.summary();
  const picture = log.picture();
  const segments = log.segments();
  // How the time went: reading slices, and everything else (the engine's
  // checks, the index, the picture).
  const timing = { scanMs: performance.now() - started, readMs: progress.readMs, reads: progress.reads };
  return { summary, picture, segments, frameCount: log.frameCount, wasmBytes: wasmBytes(), timing };
}

const requests = {
  async init({ module }) {
    engine = await init({ module_or_path: module });
  },

  open({ file }) {
    size = file.size;
    return opened(() => LogCore.openSource(fileSource(file)));
  },

  /** Opens segment files (File objects named as segments) as one log. */
  openSegments({ files }) {
    // The engine orders them by name too; here only so that progress
    // counts through the log from its first byte.
    const sorted = [...files].sort((a, b) => {
      const [x, y] = [segmentLsn(a.name), segmentLsn(b.name)];
      return x < y ? -1 : x > y ? 1 : 0;
    });
    let base = 0;
    const sources = sorted.map((file) => {
      const source = fileSource(file, base);
      base += file.size;
      return source;
    });
    size = base;
    return opened(() => LogCore.openSegmentSources(sources));
  },

  /** Events `first .. first + count` of a part ("log", or "after" the corruption). */
  events({ part, first, count, maxPayload }, transfer) {
    return events(log.eventsAt(part, first, count, maxPayload), transfer);
  },

  /** The log's events at the given ordinals (rows of a filtered table). */
  pick({ ordinals, maxPayload }, transfer) {
    return events(log.eventsAtOrdinals(ordinals, maxPayload), transfer);
  },

  ordinalOf({ lsn }) {
    return log.ordinalOf(lsn);
  },

  /** The events a query matches (`SearchQuery`): { ordinals, total, ms }. */
  search({ query }, transfer) {
    progress = newProgress("search");
    const started = performance.now();
    const found = log.search(query);
    transfer.push(found.ordinals.buffer);
    return { ...found, ms: performance.now() - started };
  },

  /** The log's events at `ordinals` (ascending) as JSON lines, as `rewal dump --format jsonl` prints them. */
  jsonl({ ordinals }) {
    return log.jsonl(ordinals);
  },

  frames({ start, count }) {
    return log.frames(start, count);
  },

  frameAt({ offset }) {
    return log.frameAt(offset);
  },

  memory() {
    return { wasmBytes: wasmBytes() };
  },
};

self.onmessage = async ({ data: { id, op, args } }) => {
  const transfer = [];
  try {
    const result = await requests[op](args, transfer);
    postMessage({ id, result, wasmBytes: wasmBytes() }, transfer);
  } catch (error) {
    // Engine errors are RewalErrors (a code, the engine's message); a
    // failed slice read (the file changed or vanished) carries the
    // browser's message.
    const said = error instanceof Error ? { name: error.name, message: error.message, code: /** @type {any} */ (error).code ?? null } : { name: "Error", message: String(error), code: null };
    postMessage({ id, error: said });
  } finally {
    // A request that showed progress says when it is over.
    if (progress?.posted) postMessage({ type: "progress", op: progress.op, finished: true });
    progress = null;
  }
};
