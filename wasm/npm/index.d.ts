// rewal-wasm's API: what index.js (ES module) and index.cjs (CommonJS)
// export. The records' fields are declared by the engine's bindings
// (rewal_wasm.d.ts, generated from wasm/src/bindings/records.rs) and
// documented in README.md.

import type {
  StoredEvent as StoredEventFields,
  LogEvent as LogEventFields,
  LogFrame as LogFrameFields,
  LogSegment as LogSegmentFields,
  Summary as SummaryFields,
  Verdict as VerdictFields,
  LogEndKind,
  FrameStatus,
} from "./rewal_wasm.js";

export type { LogEndKind, FrameStatus };

/** Where the engine's wasm is, for init(): a URL, a Response, its bytes, or a compiled module. */
export type WasmInput = string | URL | Request | Response | Promise<Response> | BufferSource | WebAssembly.Module;

/** Loads the engine; call it (and await it) once before anything else. Later calls return the same promise. */
export function init(wasm?: WasmInput): Promise<void>;

/** Bytes, or text (written as UTF-8). */
export type BytesLike = Uint8Array | ArrayBuffer | string;

/** An LSN: a bigint, or a number that is a safe integer. */
export type LsnLike = bigint | number;

/** What a RewalError is about. */
export type RewalErrorCode =
  | "torn"
  | "corrupted"
  | "not-a-log"
  | "closed"
  | "checkpointed"
  | "invalid-lsn"
  | "invalid-segments"
  | "too-large"
  | "empty-batch"
  | "locked"
  | "exists"
  | "not-found"
  | "unsupported"
  | "io"
  | "uninitialized"
  | "internal";

/** An error of the engine: `message` in the rewal CLI's words. */
export class RewalError extends Error {
  readonly name: "RewalError";
  readonly code: RewalErrorCode;
  /** The offset it is about (for torn and corrupted: where the invalid bytes begin), else null. */
  readonly offset: number | null;
  /** The LSN it is about (the last valid one, the one asked for), else null. */
  readonly lsn: bigint | null;
  constructor(message: string, code: RewalErrorCode, offset?: number | null, lsn?: bigint | null);
}

// Records: classes of plain data fields (declared by the interfaces they
// merge with), whose only method is toJSON() for JSON.stringify (bigints
// as strings, bytes as UTF-8 text). A clone is a plain object of the same
// fields: the field interfaces describe it.

/** One event. */
export interface LogEvent extends LogEventFields {}
export class LogEvent {
  private constructor();
  toJSON(): Record<string, unknown>;
}
/** One frame. */
export interface LogFrame extends LogFrameFields {}
export class LogFrame {
  private constructor();
  toJSON(): Record<string, unknown>;
}
/** What a log holds and how it ends. */
export interface Summary extends SummaryFields {}
export class Summary {
  private constructor();
  toJSON(): Record<string, unknown>;
}
/** What `rewal verify` says of a log. */
export interface Verdict extends VerdictFields {}
export class Verdict {
  private constructor();
  toJSON(): Record<string, unknown>;
}
/** One segment file of a log kept as a directory. */
export interface LogSegment extends LogSegmentFields {}
export class LogSegment {
  private constructor();
  toJSON(): Record<string, unknown>;
}

/** A log read a slice at a time: its size, and a positional read into `target` that returns how many bytes it wrote. */
export interface ByteSource {
  readonly size: number;
  readAt(offset: number, target: Uint8Array): number;
}

/** A segment file in memory. */
export interface Segment {
  readonly name: string;
  readonly bytes: Uint8Array | ArrayBuffer;
}

/** A segment file read a slice at a time. */
export interface SegmentSource extends ByteSource {
  readonly name: string;
}

export interface EventsOptions {
  /** The first LSN (default 0n: from the first event). */
  from?: LsnLike;
  /** Stop before this LSN (default: at the end). */
  to?: LsnLike;
  /** Only the events whose meta is exactly this ("" or empty bytes: those without meta). */
  meta?: BytesLike;
  /** Throw the log's RewalError at the end of a log that does not end cleanly (default true). */
  strict?: boolean;
}

/** A log opened for reading. */
export class WalLog implements Disposable {
  private constructor();
  static open(bytes: Uint8Array | ArrayBuffer): WalLog;
  static openSource(source: ByteSource): WalLog;
  static openSegments(segments: Iterable<Segment>): WalLog;
  static openSegmentSources(sources: Iterable<SegmentSource>): WalLog;
  readonly closed: boolean;
  summary(): Summary;
  verify(): Verdict;
  segments(): LogSegment[];
  event(lsn: LsnLike): LogEvent;
  events(options?: EventsOptions): Generator<LogEvent, void, undefined>;
  frames(options?: { from?: number }): Generator<LogFrame, void, undefined>;
  close(): void;
  [Symbol.dispose](): void;
}

/** An event to append: its payload, and its meta if any. */
export type NewEvent = BytesLike | { payload: BytesLike; meta?: BytesLike | null };

/** A log written in memory. */
export class WalWriter implements Disposable {
  constructor();
  append(payload: BytesLike, meta?: BytesLike | null): bigint;
  appendBatch(events: Iterable<NewEvent>): bigint;
  readonly lastLsn: bigint;
  bytes(): Uint8Array;
  finish(): Uint8Array;
  close(): void;
  [Symbol.dispose](): void;
}

/** The events of a log read as it streams in. */
export class EventStream implements AsyncIterable<LogEvent> {
  private constructor();
  /** What `rewal verify` says of the bytes read, once the iteration is over; null before. */
  readonly verdict: Verdict | null;
  [Symbol.asyncIterator](): AsyncGenerator<LogEvent, void, undefined>;
}

/** Reads a log from a Blob, a ReadableStream or an async iterable of bytes, a chunk at a time. */
export function readEvents(
  input: Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options?: { strict?: boolean },
): EventStream;

/** An event's payload (or any bytes) as UTF-8 text; null for null. */
export function text(value: LogEventFields | Uint8Array | null): string | null;

/** The LSN a segment file's name says, or null when it is not a segment's name. */
export function segmentLsn(name: string): bigint | null;

// ------------------------------------------------------------------ OPFS

/** One event of a log open for writing: lsn, payload, meta. */
export interface StoredEvent extends StoredEventFields {}
export class StoredEvent {
  private constructor();
  toJSON(): Record<string, unknown>;
}

export interface OpfsOptions {
  /** The OPFS folder the log lives in (default: the folder `rewal/` at OPFS's root). */
  directory?: FileSystemDirectoryHandle;
}

export interface OpenOpfsOptions extends OpfsOptions {
  /** Create the log if it does not exist (default true); else a missing log throws `not-found`. */
  create?: boolean;
  /** What to do with a corruption found at open (default "strict": refuse with `corrupted`, the file untouched). */
  recovery?: "strict" | "truncate-at-corruption";
}

export interface StoredEventsOptions {
  /** The first LSN (default 0n: from the first event). */
  from?: LsnLike;
  /** Stop before this LSN (default: at the last event appended). */
  to?: LsnLike;
}

/** A log in OPFS, as listOpfsLogs lists it. */
export interface OpfsLogEntry {
  name: string;
  size: number;
  lastModified: number;
}

/** Opens (or creates) the log `name` in OPFS; in a dedicated worker only. Throws `locked` while it is open anywhere in the origin. */
export function openOpfsLog(name: string, options?: OpenOpfsOptions): Promise<OpfsLog>;

/** A log open for writing in OPFS; holds the file's lock until close(). */
export class OpfsLog implements Disposable {
  private constructor();
  readonly name: string;
  readonly closed: boolean;
  readonly lastLsn: bigint;
  /** True when the open cut a torn tail. */
  readonly repaired: boolean;
  append(payload: BytesLike, meta?: BytesLike | null): bigint;
  appendBatch(events: Iterable<NewEvent>): bigint;
  flush(): void;
  waitDurable(lsn: LsnLike): Promise<void>;
  sync(): Promise<void>;
  events(options?: StoredEventsOptions): Generator<StoredEvent, void, undefined>;
  replay(callback: (event: StoredEvent) => void, options?: StoredEventsOptions): number;
  export(): Promise<File>;
  close(): void;
  [Symbol.dispose](): void;
}

/** The logs in OPFS, by name. */
export function listOpfsLogs(options?: OpfsOptions): Promise<OpfsLogEntry[]>;
/** A snapshot of the log `name` as a File, without its lock. */
export function exportOpfsLog(name: string, options?: OpfsOptions): Promise<File>;
/** Copies a checked log into OPFS as `name`; resolves to its Summary. */
export function importOpfsLog(name: string, input: Blob | Uint8Array | ArrayBuffer, options?: OpfsOptions & { replace?: boolean }): Promise<Summary>;
/** Removes the log `name` from OPFS. */
export function removeOpfsLog(name: string, options?: OpfsOptions): Promise<void>;
/** Serves OpfsClient's calls in this worker. */
export function serveOpfs(scope?: { addEventListener(type: "message", listener: (message: MessageEvent) => void): void; postMessage(message: unknown): void }, wasm?: WasmInput): void;

/** OPFS logs from a page, through a worker. */
export class OpfsClient {
  constructor(options?: { worker?: Worker });
  open(name: string, options?: OpenOpfsOptions): Promise<RemoteOpfsLog>;
  list(options?: OpfsOptions): Promise<OpfsLogEntry[]>;
  export(name: string, options?: OpfsOptions): Promise<File>;
  import(name: string, input: Blob | Uint8Array | ArrayBuffer, options?: OpfsOptions & { replace?: boolean }): Promise<SummaryFields>;
  remove(name: string, options?: OpfsOptions): Promise<void>;
  terminate(): void;
}

/** An OpfsLog in an OpfsClient's worker: the same methods, each a promise. */
export class RemoteOpfsLog {
  private constructor();
  readonly name: string;
  readonly repaired: boolean;
  append(payload: BytesLike, meta?: BytesLike | null): Promise<bigint>;
  appendBatch(events: Iterable<NewEvent>): Promise<bigint>;
  flush(): Promise<void>;
  waitDurable(lsn: LsnLike): Promise<void>;
  sync(): Promise<void>;
  lastLsn(): Promise<bigint>;
  events(options?: StoredEventsOptions): AsyncGenerator<StoredEvent, void, undefined>;
  export(): Promise<File>;
  close(): Promise<void>;
}
