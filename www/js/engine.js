// @ts-check
// The page's side of the engine: the wasm module, compiled once and shared
// by the page (the composer writes logs here) and by one worker per opened
// log (js/worker.js), which reads the file in slices and answers requests
// for pages of events and frames.

import init from "../pkg/rewal_wasm.js";

/** @typedef {import("../pkg/rewal_wasm.js").LogEvent} LogEvent */
/** @typedef {import("../pkg/rewal_wasm.js").LogFrame} LogFrame */
/** @typedef {import("../pkg/rewal_wasm.js").SearchQuery} SearchQuery */
/** @typedef {import("../pkg/rewal_wasm.js").SearchResult} SearchResult */
/**
 * What the worker says of a log it opened.
 * @typedef {{
 *   summary: import("../pkg/rewal_wasm.js").Summary,
 *   picture: import("../pkg/rewal_wasm.js").Picture,
 *   segments: import("../pkg/rewal_wasm.js").LogSegment[],
 *   frameCount: number,
 *   wasmBytes: number,
 *   timing: { scanMs: number, readMs: number, reads: number },
 * }} Opened
 */

const WASM_URL = new URL("../pkg/rewal_wasm_bg.wasm", import.meta.url);

/** Compiles the engine once and instantiates it in the page; resolves to the compiled module. */
export async function loadEngine() {
  let module;
  try {
    module = await WebAssembly.compileStreaming(fetch(WASM_URL));
  } catch {
    // A server that does not send application/wasm: compile from bytes.
    const response = await fetch(WASM_URL);
    if (!response.ok) throw new Error(`${WASM_URL.pathname}: HTTP ${response.status}`);
    module = await WebAssembly.compile(await response.arrayBuffer());
  }
  await init({ module_or_path: module });
  return module;
}

/** Raised for the requests of a log that was closed meanwhile (another log was opened). */
export class Closed extends Error {
  constructor() {
    super("the log was closed");
    this.name = "Closed";
  }
}

/** One opened log, in its own worker. */
export class LogWorker {
  /**
   * @param {WebAssembly.Module} module the engine, from loadEngine()
   * @param {(progress: {op: string, done: number, total: number, finished?: boolean}) => void} onProgress
   *   called while a request ("open", "filter") reads the file, and with
   *   `finished` when it is over
   */
  constructor(module, onProgress) {
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.pending = new Map();
    this.nextId = 1;
    this.onProgress = onProgress;
    /** The largest wasm memory the worker has reported (it only grows). */
    this.wasmBytes = 0;
    this.worker.onmessage = ({ data }) => this.receive(data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.fail(new Error(`the engine's worker failed: ${event.message || "it could not start"}`));
    };
    this.ready = this.call("init", { module });
  }

  receive(data) {
    if (data.wasmBytes) this.wasmBytes = Math.max(this.wasmBytes, data.wasmBytes);
    if (data.type === "progress") {
      this.onProgress(data);
      return;
    }
    const request = this.pending.get(data.id);
    if (!request) return;
    this.pending.delete(data.id);
    if ("error" in data) request.reject(Object.assign(new Error(data.error.message), data.error));
    else request.resolve(data.result);
  }

  call(op, args = {}) {
    if (!this.worker) return Promise.reject(new Closed());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  fail(error) {
    for (const request of this.pending.values()) request.reject(error);
    this.pending.clear();
  }

  /** Scans `file`. @param {File} file @returns {Promise<Opened>} */
  async open(file) {
    await this.ready;
    return this.call("open", { file });
  }

  /** Scans segment files as one log. @param {File[]} files @returns {Promise<Opened>} */
  async openSegments(files) {
    await this.ready;
    return this.call("openSegments", { files });
  }

  /**
   * Events `first .. first + count` of `part` ("log", or "after" the corruption), payloads cut to `maxPayload` bytes.
   * @param {import("../pkg/rewal_wasm.js").EventPart} part
   * @param {number} first
   * @param {number} count
   * @param {number} maxPayload
   * @returns {Promise<LogEvent[]>}
   */
  events(part, first, count, maxPayload) {
    return this.call("events", { part, first, count, maxPayload });
  }

  /**
   * The log's events at `ordinals` (ascending).
   * @param {number[] | Uint32Array} ordinals
   * @param {number} maxPayload
   * @returns {Promise<LogEvent[]>}
   */
  pick(ordinals, maxPayload) {
    return this.call("pick", { ordinals, maxPayload });
  }

  /** @param {bigint} lsn @returns {Promise<number>} */
  ordinalOf(lsn) {
    return this.call("ordinalOf", { lsn });
  }

  /** The events `query` matches. @param {SearchQuery} query @returns {Promise<SearchResult & { ms: number }>} */
  search(query) {
    return this.call("search", { query });
  }

  /** The log's events at `ordinals` as JSON lines (`rewal dump --format jsonl`'s). @param {number[] | Uint32Array} ordinals @returns {Promise<string>} */
  jsonl(ordinals) {
    return this.call("jsonl", { ordinals });
  }

  /** @param {number} start @param {number} count @returns {Promise<LogFrame[]>} */
  frames(start, count) {
    return this.call("frames", { start, count });
  }

  /** The frame-list position of the frame at file offset `offset`. @param {number} offset @returns {Promise<number | undefined>} */
  frameAt(offset) {
    return this.call("frameAt", { offset });
  }

  /** The worker's wasm memory, in bytes. */
  async memory() {
    const { wasmBytes } = await this.call("memory");
    return wasmBytes;
  }

  /** Ends the worker (and frees all it holds); pending requests reject with Closed. */
  close() {
    this.worker?.terminate();
    this.worker = null;
    this.fail(new Closed());
  }
}
