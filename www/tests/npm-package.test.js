// The npm package, as a JavaScript developer gets it: `wasm/npm/pack.sh`
// builds it and `npm pack`s it; the tarball is installed into an empty
// folder and used from Node 20 (a log opened from a Buffer, a page of
// events against the golden vector's sidecar, verify against the native
// CLI, a file larger than one read opened through a file descriptor,
// events composed and the bytes compared with the native library's) and
// from Chromium (the same module imported by a page, no init to call).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { nativeWriter, serve, sidecar, ROOT, VECTORS } from "./harness.js";

let dir;
let tarball;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "rewal-npm-"));
  tarball = execFileSync(path.join(ROOT, "wasm", "npm", "pack.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
    .trim()
    .split("\n")
    .at(-1);
  // An empty folder, and the tarball installed into it, as a user would
  // (no registry needed: the package has no dependencies).
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: dir, stdio: "inherit" });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const EVENTS = [
  { payload: "hello world", meta: "" },
  { payload: '{"id": 42, "name": "Zoë"}', meta: "type:update" },
  { payload: "", meta: "type:heartbeat" },
];

test("the package: an ES module with TypeScript types, and nothing else to build", async () => {
  const installed = path.join(dir, "node_modules", "rewal-wasm");
  const manifest = JSON.parse(await readFile(path.join(installed, "package.json"), "utf8"));
  const crate = execFileSync("cargo", ["pkgid", "--quiet", "--manifest-path", path.join(ROOT, "wasm", "Cargo.toml")], { encoding: "utf8" });
  assert.equal(manifest.version, crate.trim().replace(/.*[@#]/, ""));
  assert.equal(manifest.type, "module");
  assert.equal(manifest.exports["."].types, "./index.d.ts");
  assert.deepEqual((await readdir(installed)).sort(), [
    "README.md",
    "index.d.ts",
    "index.js",
    "package.json",
    "rewal_wasm.d.ts",
    "rewal_wasm.js",
    "rewal_wasm_bg.wasm",
    "rewal_wasm_bg.wasm.d.ts",
  ]);
  const types = await readFile(path.join(installed, "rewal_wasm.d.ts"), "utf8");
  for (const declared of [
    "export class WalLog",
    "static openSource(source: ByteSource): WalLog",
    "static openSegments(segments: Segment[]): WalLog",
    "static openSegmentSources(segments: SegmentSource[]): WalLog",
    "export interface SegmentSource extends ByteSource",
    "export function segmentLsn(name: string): bigint | undefined",
    "segments(): LogSegment[]",
    "export class WalWriter",
    "export interface ByteSource",
    "afterEventsAt(",
  ]) {
    assert.ok(types.includes(declared), declared);
  }
});

test("from Node: open a Buffer, read a page, verify, open a file descriptor, compose", async () => {
  const big = path.join(dir, "orders.wal");
  nativeWriter(["big", big, "100000"]); // ~10 MB: larger than one read of the source
  const composed = path.join(dir, "composed.wal");
  const script = path.join(dir, "use.mjs");
  await writeFile(
    script,
    `import { readFileSync, openSync, fstatSync, readSync, writeFileSync } from "node:fs";
import { WalLog, WalWriter, WalBatch } from "rewal-wasm";

const [vector, big, out, events] = process.argv.slice(2);
const text = (bytes) => Buffer.from(bytes).toString("hex");

// A log from a Buffer: its summary, a page of events, what verify says.
const log = WalLog.open(readFileSync(vector));
const summary = log.summary();
const page = log.eventsAt(0, 100).map((e) => ({ lsn: String(e.lsn), payload: text(e.payload), meta: e.meta && text(e.meta) }));
const verify = log.verify();
const fromBuffer = { events: summary.events, end: summary.end, page, verdict: verify.verdict, exitCode: verify.exitCode };

// A file through a descriptor, a slice at a time.
const fd = openSync(big, "r");
let reads = 0;
let largest = 0;
const size = fstatSync(fd).size;
const source = WalLog.openSource({
  size,
  readAt(offset, target) {
    reads++;
    largest = Math.max(largest, target.length);
    return readSync(fd, target, 0, target.length, offset);
  },
});
const s = source.summary();
const [last] = source.eventsFrom(BigInt(s.lastLsn), 1);
const fromFile = { events: s.events, frames: s.frames, end: s.end, lastLsn: String(last.lsn), lastPayload: Buffer.from(last.payload).toString(), reads, largest, size };

// Compose: singles, then the same events as one batch.
const writer = new WalWriter();
const list = JSON.parse(events);
for (const e of list) writer.appendWithMeta(Buffer.from(e.payload), Buffer.from(e.meta));
writeFileSync(out + ".single", writer.finish());
const batched = new WalWriter();
const batch = new WalBatch();
for (const e of list) batch.addWithMeta(Buffer.from(e.payload), Buffer.from(e.meta));
batched.appendBatch(batch);
writeFileSync(out + ".batch", batched.finish());

console.log(JSON.stringify({ fromBuffer, fromFile }));
`,
  );
  const output = execFileSync("node", [script, path.join(VECTORS, "meta.wal"), big, composed, JSON.stringify(EVENTS)], {
    cwd: dir,
    encoding: "utf8",
  });
  const { fromBuffer, fromFile } = JSON.parse(output);

  const expected = await sidecar("meta");
  assert.equal(fromBuffer.events, expected.events.length);
  assert.equal(fromBuffer.end, "clean");
  assert.deepEqual(
    fromBuffer.page,
    // (An event without meta has none: the key does not survive JSON.)
    expected.events.map((e) => ({ lsn: e.lsn, payload: e.payload.toString("hex"), ...(e.meta === null ? {} : { meta: e.meta.toString("hex") }) })),
  );
  const transcript = await readFile(path.join(ROOT, "native", "tests", "expected", "meta.txt"), "utf8");
  const line = transcript.slice(transcript.indexOf("$ rewal verify meta.wal\n")).split("\n")[1];
  assert.equal(fromBuffer.verdict, line.slice("meta.wal: ".length));
  assert.equal(fromBuffer.exitCode, 0);

  const { events, frames, end, lastLsn, lastPayload, reads, largest, size } = fromFile;
  assert.deepEqual({ events, frames, end, lastLsn }, { events: 100000, frames: 100000, end: "clean", lastLsn: "100000" });
  assert.match(lastPayload, /^\{"id":99999,/);
  // Read a slice at a time, never whole.
  assert.ok(reads > 1 && largest < size, `${reads} reads, the largest ${largest} of ${size} bytes`);

  for (const mode of ["single", "batch"]) {
    const hex = (text) => Buffer.from(text, "utf8").toString("hex");
    const native = path.join(dir, `native.${mode}`);
    nativeWriter(["compose", native], [mode, ...EVENTS.map((e) => `${hex(e.payload)} ${e.meta === "" ? "-" : hex(e.meta)}`)].join("\n") + "\n");
    assert.equal((await readFile(`${composed}.${mode}`)).toString("hex"), (await readFile(native)).toString("hex"), mode);
  }
});

test("from Node: segment files as one log, from Buffers and from file descriptors", async () => {
  const segments = path.join(dir, "orders.d");
  const names = nativeWriter(["segments", segments, "300", "4096"]).trim().split("\n");
  const script = path.join(dir, "segments.mjs");
  await writeFile(
    script,
    `import { readdirSync, readFileSync, openSync, fstatSync, readSync } from "node:fs";
import { WalLog, segmentLsn } from "rewal-wasm";

const [folder, missing] = process.argv.slice(2);
// The folder's segment files (not its lock file), in the order readdir gives.
const names = readdirSync(folder).filter((name) => segmentLsn(name) !== undefined && name !== missing);
const buffers = WalLog.openSegments(names.map((name) => ({ name, bytes: readFileSync(folder + "/" + name) })));
const sources = WalLog.openSegmentSources(names.map((name) => {
  const fd = openSync(folder + "/" + name, "r");
  return { name, size: fstatSync(fd).size, readAt: (offset, target) => readSync(fd, target, 0, target.length, offset) };
}));
const seen = [buffers, sources].map((log) => {
  const s = log.summary();
  const [third] = log.eventsFrom(BigInt(Number(names.sort()[2].slice(0, 20))), 1);
  return {
    events: s.events, end: s.end, segments: s.segments, verdict: log.verify().verdict,
    problemSegment: s.problemSegment ?? null, segmentProblem: s.segmentProblem ?? null,
    listed: log.segments().map((segment) => segment.name + " " + segment.standing),
    third: third ? [String(third.lsn), third.segment, third.segmentOffset] : null,
  };
});
let refused = "";
try { WalLog.openSegments([{ name: "rewal.lock", bytes: new Uint8Array() }]); } catch (error) { refused = error.message; }
console.log(JSON.stringify({ seen, refused, lock: segmentLsn("rewal.lock") ?? null }));
`,
  );
  const run = (missing = "") => JSON.parse(execFileSync("node", [script, segments, missing], { cwd: dir, encoding: "utf8" }));
  const whole = run();
  for (const seen of whole.seen) {
    assert.equal(seen.events, 300);
    assert.equal(seen.end, "clean");
    assert.equal(seen.segments, names.length);
    assert.match(seen.verdict, new RegExp(`^ok: ${names.length} segments, every frame checked: 300 frames, 300 events, LSNs 1 to 300, \\d+ bytes$`));
    assert.deepEqual(seen.listed, names.map((name) => `${name} held`));
    assert.deepEqual(seen.third, [String(Number(names[2].slice(0, 20))), names[2], 0]);
  }
  assert.match(whole.refused, /"rewal.lock" is not a segment file/);
  assert.equal(whole.lock, null);
  const gap = run(names[2]);
  for (const seen of gap.seen) {
    assert.equal(seen.end, "corrupted");
    assert.equal(seen.segmentProblem, "gap");
    assert.equal(seen.problemSegment, names[3]);
    assert.match(seen.verdict, new RegExp(`^${names[3]} should be named ${names[2]}: events \\d+ to \\d+ are missing;`));
  }
});

test("from a browser page: the same module, imported, ready", async () => {
  const server = await serve(dir);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await writeFile(path.join(dir, "index.html"), '<!doctype html><html lang="en"><link rel="icon" href="data:,"><title>rewal-wasm</title></html>');
    await page.goto(server.url);
    const bytes = [...(await readFile(path.join(VECTORS, "corrupt.wal")))];
    const seen = await page.evaluate(async (data) => {
      const { WalLog } = await import("/node_modules/rewal-wasm/index.js");
      const log = WalLog.open(new Uint8Array(data));
      const s = log.summary();
      const after = log.afterEventsAt(0, 10).map((e) => String(e.lsn));
      return { end: s.end, events: s.events, afterEvents: s.afterEvents, after };
    }, bytes);
    assert.deepEqual(seen, { end: "corrupted", events: 2, afterEvents: 2, after: ["4", "5"] });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
