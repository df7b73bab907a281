// The npm package's behaviour, checked from inside a program that uses it:
// every argument check (each TypeError and RangeError), records as plain
// data, iteration (pages, frames, streams), and each RewalError code the
// API can produce. One body for the four ways in (Node 20 and 22, import
// and require): esm.mjs and cjs.cjs call it with the module they loaded.
// `fixtures` are files the test made: { corrupt, segments: [paths] }.

const assert = require("node:assert/strict");
const { readFileSync, createReadStream } = require("node:fs");
const path = require("node:path");

module.exports = async function check(rewal, fixtures) {
  const { init, WalLog, WalWriter, RewalError, readEvents, text, segmentLsn } = rewal;
  const checked = [];
  const codes = new Set();

  /** `run` must throw a RewalError with `code` (and the fields in `fields`). */
  function throwsCode(run, code, fields = {}) {
    assert.throws(run, (error) => {
      assert.ok(error instanceof RewalError, `${code}: ${error}`);
      assert.ok(error instanceof Error);
      assert.equal(error.name, "RewalError");
      assert.equal(error.code, code, error.message);
      for (const [key, value] of Object.entries(fields)) assert.deepEqual(error[key], value, key);
      codes.add(code);
      return true;
    });
  }

  /** `run` must throw a `Kind` whose message starts by naming `name`. */
  function throwsNaming(run, Kind, name) {
    assert.throws(run, (error) => {
      assert.equal(error.constructor, Kind, `${name}: ${error}`);
      assert.ok(error.message.startsWith(name + " ") || error.message.includes(` ${name} `), `${name}: ${error.message}`);
      checked.push(`${Kind.name}: ${error.message}`);
      return true;
    });
  }

  // Before init(): refused, with a code that says why.
  throwsCode(() => new WalWriter(), "uninitialized");
  throwsCode(() => WalLog.open(new Uint8Array()), "uninitialized");
  const first = init();
  assert.equal(init(), first, "init() returns the same promise");
  await first;

  // --- writing, with every kind of input
  const writer = new WalWriter();
  assert.equal(writer.lastLsn, 0n);
  assert.equal(writer.append("text payload", "type:a"), 1n);
  assert.equal(writer.append(new TextEncoder().encode("bytes"), null), 2n);
  assert.equal(writer.append(Buffer.from("a buffer")), 3n);
  assert.equal(writer.append(new TextEncoder().encode("an array buffer").buffer, new Uint8Array()), 4n);
  assert.equal(writer.appendBatch(["b1", { payload: "b2", meta: "type:b" }, { payload: new Uint8Array([0xff, 0]) }]), 7n);
  assert.equal(writer.lastLsn, 7n);
  throwsNaming(() => writer.append(12345), TypeError, "payload");
  throwsNaming(() => writer.append({ length: 3 }), TypeError, "payload");
  throwsNaming(() => writer.append([1, 2, 3]), TypeError, "payload");
  throwsNaming(() => writer.append(undefined), TypeError, "payload");
  throwsNaming(() => writer.append("ok", 5), TypeError, "meta");
  throwsNaming(() => writer.append(new Int32Array(2)), TypeError, "payload");
  throwsNaming(() => writer.appendBatch(5), TypeError, "events");
  throwsNaming(() => writer.appendBatch([{ payload: 1 }]), TypeError, "events[0].payload");
  throwsNaming(() => writer.appendBatch(["ok", { payload: "ok", meta: {} }]), TypeError, "events[1].meta");
  throwsCode(() => writer.append("x", new Uint8Array(65536)), "too-large");
  throwsCode(() => writer.appendBatch([]), "empty-batch");
  assert.equal(writer.lastLsn, 7n, "nothing was written by the refused calls");
  const bytes = writer.finish();
  throwsCode(() => writer.append("late"), "closed");
  writer.close();
  throwsCode(() => writer.bytes(), "closed");

  // --- opening
  throwsNaming(() => WalLog.open("not bytes"), TypeError, "bytes");
  throwsNaming(() => WalLog.open(12345), TypeError, "bytes");
  throwsNaming(() => WalLog.open({ length: 3 }), TypeError, "bytes");
  throwsNaming(() => WalLog.open(), TypeError, "bytes");
  throwsNaming(() => WalLog.openSource({}), TypeError, "source.size");
  throwsNaming(() => WalLog.openSource({ size: -1, readAt() {} }), RangeError, "source.size");
  throwsNaming(() => WalLog.openSource({ size: 10 }), TypeError, "source.readAt");
  throwsNaming(() => WalLog.openSource(null), TypeError, "source");
  throwsNaming(() => WalLog.openSegments("x"), TypeError, "segments");
  throwsNaming(() => WalLog.openSegments([{ name: 1, bytes }]), TypeError, "segments[0].name");
  throwsNaming(() => WalLog.openSegments([{ name: "00000000000000000001.wal", bytes: "x" }]), TypeError, "segments[0].bytes");
  throwsNaming(() => WalLog.openSegmentSources([{ name: "a", size: 1 }]), TypeError, "sources[0].readAt");
  assert.throws(() => new WalLog(), TypeError);
  assert.throws(() => new rewal.EventStream([], true), TypeError);
  throwsCode(() => WalLog.openSegments([{ name: "rewal.lock", bytes }]), "invalid-segments");
  throwsCode(() => WalLog.openSegments([]), "invalid-segments");
  throwsCode(
    () => WalLog.openSource({ size: 100, readAt() { throw new Error("the disk went away"); } }),
    "io",
  );
  assert.throws(() => WalLog.openSource({ size: 100, readAt() { throw new Error("the disk went away"); } }), /the disk went away/);

  // --- plain data out
  const log = WalLog.open(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)); // an ArrayBuffer
  const summary = log.summary();
  assert.deepEqual(
    [summary.events, summary.frames, summary.firstLsn, summary.lastLsn, summary.end, summary.endOffset],
    [7, 5, 1n, 7n, "clean", null],
  );
  const events = [...log.events()];
  assert.deepEqual(events.map((e) => e.lsn), [1n, 2n, 3n, 4n, 5n, 6n, 7n]);
  assert.deepEqual(events.map((e) => text(e)), ["text payload", "bytes", "a buffer", "an array buffer", "b1", "b2", "\ufffd\0"]);
  assert.deepEqual(events.map((e) => (e.meta === null ? null : text(e.meta))), ["type:a", null, null, null, null, "type:b", null]);
  const event = events[0];
  assert.ok(event instanceof rewal.LogEvent);
  assert.ok(summary instanceof rewal.Summary);
  assert.ok(event.payload instanceof Uint8Array);
  assert.equal(typeof event.free, "undefined", "an event holds no wasm memory");
  assert.equal(Object.keys(event).every((key) => typeof event[key] !== "function"), true);
  const clone = structuredClone(event);
  assert.deepEqual({ ...clone }, { ...event });
  assert.deepEqual(JSON.parse(JSON.stringify(event)), {
    lsn: "1", payload: "text payload", meta: "type:a", ordinal: 0, frameOffset: 0, compressed: false,
    payloadLength: 12, segment: null, segmentOffset: null,
  });
  assert.equal(JSON.parse(JSON.stringify(events[6])).utf8Lossy, true);
  assert.equal(JSON.parse(JSON.stringify(summary)).lastLsn, "7");
  assert.deepEqual(structuredClone(log.verify()), { ...log.verify() });
  assert.match(require("node:util").inspect(summary), /lastLsn: 7n/);
  assert.equal(text(null), null);
  throwsNaming(() => text(5), TypeError, "text()");

  // --- iteration: by LSN (bigint or safe number), by meta, frames
  assert.deepEqual([...log.events({ from: 3, to: 6n })].map((e) => e.lsn), [3n, 4n, 5n]);
  assert.deepEqual([...log.events({ from: 3n, to: 6 })].map((e) => e.lsn), [3n, 4n, 5n]);
  assert.deepEqual([...log.events({ meta: "type:b" })].map((e) => e.lsn), [6n]);
  assert.deepEqual([...log.events({ meta: "", from: 5 })].map((e) => e.lsn), [5n, 7n]);
  assert.deepEqual([...log.events({ from: 5003 })], []);
  assert.equal(log.event(6).lsn, 6n);
  assert.deepEqual([...log.frames()].map((f) => [f.firstLsn, f.count, f.status]), [[1n, 1, "ok"], [2n, 1, "ok"], [3n, 1, "ok"], [4n, 1, "ok"], [5n, 3, "ok"]]);
  assert.deepEqual([...log.frames({ from: 4 })].length, 1);
  throwsNaming(() => log.events({ from: -1 }), RangeError, "options.from");
  throwsNaming(() => log.events({ from: -1n }), RangeError, "options.from");
  throwsNaming(() => log.events({ from: 1.5 }), RangeError, "options.from");
  throwsNaming(() => log.events({ from: 2 ** 53 }), RangeError, "options.from");
  throwsNaming(() => log.events({ from: 2n ** 64n }), RangeError, "options.from");
  throwsNaming(() => log.events({ from: "5" }), TypeError, "options.from");
  throwsNaming(() => log.events({ to: NaN }), RangeError, "options.to");
  throwsNaming(() => log.events({ from: 5, to: 2 }), RangeError, "options.to");
  throwsNaming(() => log.events({ meta: 7 }), TypeError, "options.meta");
  throwsNaming(() => log.events({ strict: "no" }), TypeError, "options.strict");
  throwsNaming(() => log.events({ form: 1 }), TypeError, "options.form");
  throwsNaming(() => log.events(5), TypeError, "options");
  throwsNaming(() => log.frames({ from: -1 }), RangeError, "options.from");
  throwsNaming(() => log.frames({ from: "1" }), TypeError, "options.from");
  throwsNaming(() => log.event(-1), RangeError, "lsn");
  throwsNaming(() => log.event("1"), TypeError, "lsn");
  throwsCode(() => log.event(99n), "invalid-lsn", { lsn: 99n });
  throwsNaming(() => segmentLsn(5), TypeError, "name");
  assert.equal(segmentLsn("00000000000000000042.wal"), 42n);
  assert.equal(segmentLsn("rewal.lock"), null);

  // --- how a log ends, as errors with codes
  const torn = bytes.subarray(0, bytes.length - 3);
  const tornLog = WalLog.open(torn);
  const valid = tornLog.summary().validBytes;
  const seen = [];
  assert.throws(() => { for (const e of tornLog.events()) seen.push(e.lsn); }, (error) => {
    assert.equal(error.code, "torn");
    assert.equal(error.offset, valid);
    assert.equal(error.lsn, 4n);
    assert.equal(error.message, tornLog.verify().verdict);
    codes.add("torn");
    return true;
  });
  assert.deepEqual(seen, [1n, 2n, 3n, 4n]);
  assert.equal([...tornLog.events({ strict: false })].length, 4);
  assert.equal([...tornLog.events({ to: 3 })].length, 2, "a range that ends before the problem reads quietly");
  const corrupt = WalLog.open(readFileSync(fixtures.corrupt));
  throwsCode(() => [...corrupt.events()], "corrupted", { offset: corrupt.summary().endOffset });
  const statuses = [...corrupt.frames()].map((f) => f.status);
  const held = corrupt.summary().frames;
  assert.deepEqual(statuses.slice(0, held + 1), [...Array(held).fill("ok"), "invalid"]);
  assert.equal(statuses.length, held + 1 + corrupt.summary().afterFrames);
  assert.ok(statuses.slice(held + 1).every((status) => status === "after-corruption"));
  const junk = WalLog.open(Buffer.from("#!/bin/sh\necho this is not a log\n"));
  throwsCode(() => [...junk.events()], "not-a-log", { offset: 0, lsn: null });
  assert.equal(junk.verify().exitCode, 3);

  // --- segment files, and events given back by a checkpoint
  const files = fixtures.segments.map((file) => ({ name: path.basename(file), bytes: readFileSync(file) }));
  const dir = WalLog.openSegments(files.slice(1)); // the oldest one gone, as after a checkpoint
  const oldest = segmentLsn(files[1].name);
  throwsCode(() => dir.events({ from: 1 }), "checkpointed", { lsn: oldest });
  assert.equal([...dir.events({ from: oldest })][0].lsn, oldest);
  assert.equal([...dir.events()][0].lsn, oldest, "from 0: the oldest held");
  assert.equal(dir.segments().length, files.length - 1);

  // --- closed logs, and generators over them
  const pages = log.events();
  assert.equal(pages.next().value.lsn, 1n);
  log.close();
  assert.equal(log.closed, true);
  throwsCode(() => log.summary(), "closed");
  throwsCode(() => pages.next(), "closed");
  log.close(); // twice is fine

  // --- streams: a Blob, a Node stream, a torn one
  const fromBlob = readEvents(new Blob([bytes]));
  const streamed = [];
  for await (const e of fromBlob) streamed.push(e.lsn);
  assert.deepEqual(streamed, [1n, 2n, 3n, 4n, 5n, 6n, 7n]);
  assert.equal(fromBlob.verdict.ok, true);
  const fromFile = readEvents(createReadStream(fixtures.corrupt, { highWaterMark: 7 }));
  await assert.rejects(async () => { for await (const e of fromFile) void e; }, (error) => error.code === "corrupted");
  assert.equal(fromFile.verdict.exitCode, 2);
  const tornStream = readEvents([torn.subarray(0, 50), torn.subarray(50)], { strict: false });
  let n = 0;
  for await (const e of tornStream) n += e.lsn > 0n;
  assert.equal(n, 4);
  assert.equal(tornStream.verdict.end, "torn-tail");
  // A stream ends as `rewal verify` says the same bytes end, with the same
  // events as the log opened whole, for every golden vector.
  for (const name of ["plain", "meta", "compressed", "torn", "corrupt"]) {
    const file = path.join(fixtures.vectors, `${name}.wal`);
    const whole = WalLog.open(readFileSync(file));
    const stream = readEvents(createReadStream(file, { highWaterMark: 5 }), { strict: false });
    const lsns = [];
    for await (const e of stream) lsns.push(`${e.lsn}${e.compressed ? " compressed" : ""}`);
    assert.deepEqual(lsns, [...whole.events({ strict: false })].map((e) => `${e.lsn}${e.compressed ? " compressed" : ""}`), name);
    assert.deepEqual({ ...stream.verdict }, { ...whole.verify() }, name);
    whole.close();
  }
  throwsNaming(() => readEvents(123), TypeError, "input");
  throwsNaming(() => readEvents(bytes), TypeError, "input");
  throwsNaming(() => readEvents([], { strict: 1 }), TypeError, "options.strict");
  await assert.rejects(async () => { for await (const e of readEvents(["text is not a chunk"])) void e; }, TypeError);

  // --- OPFS: only in browsers; here, unsupported (after checking the input)
  const { openOpfsLog, listOpfsLogs, OpfsClient } = rewal;
  for (const run of [() => openOpfsLog("node.wal"), () => listOpfsLogs()]) {
    await assert.rejects(run, (error) => {
      assert.ok(error instanceof RewalError && error.code === "unsupported", String(error));
      codes.add("unsupported");
      return true;
    });
  }
  assert.throws(() => new OpfsClient(), (error) => error.code === "unsupported");
  await assert.rejects(() => openOpfsLog("a/b"), (error) => error instanceof RangeError && error.message.startsWith("name must be a file name"));
  checked.push("RangeError: name");

  return { codes: [...codes].sort(), checked: checked.length };
};
