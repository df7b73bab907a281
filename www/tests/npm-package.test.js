// The npm package, as a JavaScript developer gets it: `wasm/npm/pack.sh`
// builds and packs it; the tarball is installed into an empty folder and
// used from Node 20 and Node 22 (npm's `node@22`, installed once into
// target/node22), each through `import` and through `require`
// (tests/npm/checks.cjs: every TypeError and RangeError, records as plain
// data, iteration, each RewalError code); its README's examples are run
// and what they print compared with what the README shows; its types are
// compiled by tsc; its results are compared with the native library's
// (golden vectors, the native writer's bytes, `rewal verify`'s words); and
// in Chromium it is imported as a module and bundled by esbuild.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile, readFile, readdir, copyFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { nativeWriter, serve, sidecar, ROOT, VECTORS, WWW } from "./harness.js";

const NODE22_DIR = path.join(ROOT, "target", "node22");
const NODE22 = path.join(NODE22_DIR, "node_modules", ".bin", "node");

let dir;
let installed;
let fixtures;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "rewal-npm-"));
  const tarball = execFileSync(path.join(ROOT, "wasm", "npm", "pack.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
    .trim()
    .split("\n")
    .at(-1);
  // An empty folder, and the tarball installed into it, as a user would
  // (no registry needed: the package has no dependencies).
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "user", private: true }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: dir, stdio: "inherit" });
  installed = path.join(dir, "node_modules", "rewal-wasm");
  if (!existsSync(NODE22)) {
    // Node 22 from the npm registry, once (the package `node` brings the binary).
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", NODE22_DIR, "node@22"], { stdio: "inherit" });
  }
  for (const file of await readdir(path.join(WWW, "tests", "npm"))) await copyFile(path.join(WWW, "tests", "npm", file), path.join(dir, file));
  const segments = path.join(dir, "orders.d");
  const names = nativeWriter(["segments", segments, "300", "4096"]).trim().split("\n");
  fixtures = { corrupt: path.join(VECTORS, "corrupt.wal"), vectors: VECTORS, segments: names.map((name) => path.join(segments, name)) };
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (node, args) => execFileSync(node, args, { cwd: dir, encoding: "utf8" });

test("the package: ES module, CommonJS, types, and nothing else", async () => {
  const manifest = JSON.parse(await readFile(path.join(installed, "package.json"), "utf8"));
  const crate = execFileSync("cargo", ["pkgid", "--quiet", "--manifest-path", path.join(ROOT, "wasm", "Cargo.toml")], { encoding: "utf8" });
  assert.equal(manifest.version, crate.trim().replace(/.*[@#]/, ""));
  assert.equal(manifest.type, "module");
  assert.equal(manifest.exports["."].import.default, "./index.js");
  assert.equal(manifest.exports["."].require.default, "./index.cjs");
  // The worker OpfsClient starts runs on load; nothing else does.
  assert.deepEqual(manifest.sideEffects, ["./opfs-worker.js"]);
  assert.deepEqual((await readdir(installed)).sort(), [
    "README.md", "index.cjs", "index.d.cts", "index.d.ts", "index.js", "opfs-worker.js", "package.json", "rewal_wasm.d.ts", "rewal_wasm.js", "rewal_wasm_bg.wasm",
  ]);
  // The viewer's internals are not the package's: its entry exports the library only.
  const exported = run("node", ["--input-type=module", "-e", 'console.log(Object.keys(await import("rewal-wasm")).sort().join(" "))']).trim();
  assert.equal(
    exported,
    "EventStream LogEvent LogFrame LogSegment OpfsClient OpfsLog RemoteOpfsLog RewalError StoredEvent Summary Verdict WalLog WalWriter exportOpfsLog importOpfsLog init listOpfsLogs openOpfsLog readEvents removeOpfsLog segmentLsn serveOpfs text",
  );
  const required = run("node", ["-e", 'console.log(Object.keys(require("rewal-wasm")).sort().join(" "))']).trim();
  assert.equal(required, exported);
  for (const internal of ["LogCore", "picture", "minimap", "afterEventsAt", "blemishes", "LogPicture"]) {
    assert.ok(!exported.includes(internal), internal);
  }
  assert.throws(() => run("node", ["--input-type=module", "-e", 'await import("rewal-wasm/rewal_wasm.js")']), /ERR_PACKAGE_PATH_NOT_EXPORTED/);
});

test("TypeScript: the package's types compile for import and for require", async () => {
  await writeFile(
    path.join(dir, "use.mts"),
    `import { init, WalLog, WalWriter, RewalError, Summary, text, type LogEvent } from "rewal-wasm";
type LogEventFields = Omit<LogEvent, "toJSON">;
await init();
const writer = new WalWriter();
const lsn: bigint = writer.append("x", null);
const log = WalLog.open(writer.finish());
for (const event of log.events({ from: lsn })) { const e: LogEvent = event; console.log(e.lsn + 1n, text(e)?.length); }
try { log.event(5); } catch (error) { if (error instanceof RewalError && error.code === "invalid-lsn") console.log(error.lsn); }
const summary = log.summary();
if (summary instanceof Summary) console.log(summary.lastLsn > 0n, JSON.stringify(summary.toJSON()));
const cloned: LogEventFields = structuredClone([...log.events()][0]);
console.log(cloned.payload.length);
`,
  );
  await writeFile(
    path.join(dir, "use.cts"),
    `import rewal = require("rewal-wasm");
rewal.init().then(() => { const s: rewal.Summary = rewal.WalLog.open(new rewal.WalWriter().finish()).summary(); console.log(s.lastLsn); });
`,
  );
  const tsc = path.join(WWW, "node_modules", ".bin", "tsc");
  const flags = ["--noEmit", "--strict", "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "--lib", "es2022,dom,esnext.disposable", "--types", "node"];
  // @types/node is not needed for these files: no node: imports.
  flags.splice(flags.indexOf("--types"), 2);
  execFileSync(tsc, [...flags, "use.mts", "use.cts"], { cwd: dir, stdio: "inherit" });
  // And a mistake is caught: a payload of the wrong type.
  await writeFile(path.join(dir, "wrong.mts"), 'import { WalWriter } from "rewal-wasm";\nnew WalWriter().append(12345);\n');
  assert.throws(
    () => execFileSync(tsc, [...flags, "wrong.mts"], { cwd: dir, encoding: "utf8" }),
    (error) => /not assignable to parameter of type 'BytesLike'/.test(error.stdout),
  );
});

for (const [label, node] of [["Node 20", "node"], ["Node 22", NODE22]]) {
  for (const [how, script] of [["import", "esm.mjs"], ["require", "cjs.cjs"]]) {
    test(`${label}, ${how}: checked input, plain data, iteration, every error code`, async () => {
      const result = JSON.parse(run(node, [script, JSON.stringify(fixtures)]).trim().split("\n").at(-1));
      assert.match(result.version, label === "Node 20" ? /^v20\./ : /^v22\./);
      // Every code the types declare was met, but `internal` (a bug) and
      // those only OPFS can give (opfs.test.js meets them in Chromium).
      const declared = (await readFile(path.join(installed, "index.d.ts"), "utf8"))
        .match(/export type RewalErrorCode =([^;]*);/)[1]
        .match(/"([a-z-]+)"/g)
        .map((code) => code.slice(1, -1))
        .filter((code) => !["internal", "locked", "exists", "not-found"].includes(code))
        .sort();
      assert.deepEqual(result.codes, declared);
      assert.ok(result.checked >= 40, `${result.checked} TypeError and RangeError checks`);
    });
  }
}

test("the README's examples run on Node 20 and 22, and print what it shows", async () => {
  const readme = await readFile(path.join(installed, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```(js|cjs|text)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] }));
  let examples = 0;
  for (let i = 0; i < blocks.length; i++) {
    const { lang, code } = blocks[i];
    if (lang === "text") continue;
    const file = `readme-${i}.${lang === "cjs" ? "cjs" : "mjs"}`;
    await writeFile(path.join(dir, file), code);
    const shown = blocks[i + 1]?.lang === "text" ? blocks[i + 1].code : null;
    assert.ok(shown !== null, `example ${i} shows what it prints`);
    for (const node of ["node", NODE22]) assert.equal(run(node, [file]), shown, `README example ${i}, ${node}`);
    examples++;
  }
  assert.ok(examples >= 7, `${examples} examples`);
  // And the repository README's, in its browser section.
  const top = await readFile(path.join(ROOT, "README.md"), "utf8");
  const section = top.slice(top.indexOf("## WASI and the browser"));
  const [, code] = section.match(/```js\n([\s\S]*?)```/);
  await writeFile(path.join(dir, "top-readme.mjs"), code);
  const printed = run("node", ["top-readme.mjs"]);
  assert.match(printed, /^1n \{"id":1\}\nok: every frame checked: 1 frame, 1 event, LSNs 1 to 1, \d+ bytes\n1n\n$/);
});

const EVENTS = [
  { payload: "hello world", meta: "" },
  { payload: '{"id": 42, "name": "Zoë"}', meta: "type:update" },
  { payload: "", meta: "type:heartbeat" },
];

test("the same results as the native library: vectors, verify's words, written bytes, a file read in slices", async () => {
  const big = path.join(dir, "orders.wal");
  nativeWriter(["big", big, "100000"]); // ~10 MB: larger than one read of the source
  const composed = path.join(dir, "composed");
  await writeFile(
    path.join(dir, "native.mjs"),
    `import { readFileSync, openSync, fstatSync, readSync, writeFileSync } from "node:fs";
import { init, WalLog, WalWriter } from "rewal-wasm";
await init();
const [vector, big, out, events] = process.argv.slice(2);
const hex = (bytes) => Buffer.from(bytes).toString("hex");
const log = WalLog.open(readFileSync(vector));
const page = [...log.events()].map((e) => ({ lsn: String(e.lsn), payload: hex(e.payload), meta: e.meta && hex(e.meta) }));
const fromBuffer = { events: log.summary().events, page, verdict: log.verify().verdict, exitCode: log.verify().exitCode };
const fd = openSync(big, "r");
let reads = 0;
const size = fstatSync(fd).size;
const sliced = WalLog.openSource({ size, readAt(offset, target) { reads++; return readSync(fd, target, 0, target.length, offset); } });
const [last] = sliced.events({ from: sliced.summary().lastLsn });
const fromFile = { events: sliced.summary().events, lastLsn: String(last.lsn), lastPayload: Buffer.from(last.payload).toString(), reads, size };
const list = JSON.parse(events);
const single = new WalWriter();
for (const e of list) single.append(e.payload, e.meta);
writeFileSync(out + ".single", single.finish());
const batched = new WalWriter();
batched.appendBatch(list);
writeFileSync(out + ".batch", batched.finish());
console.log(JSON.stringify({ fromBuffer, fromFile }));
`,
  );
  const { fromBuffer, fromFile } = JSON.parse(run("node", ["native.mjs", path.join(VECTORS, "meta.wal"), big, composed, JSON.stringify(EVENTS)]));
  const expected = await sidecar("meta");
  assert.equal(fromBuffer.events, expected.events.length);
  assert.deepEqual(
    fromBuffer.page,
    expected.events.map((e) => ({ lsn: e.lsn, payload: e.payload.toString("hex"), meta: e.meta === null ? null : e.meta.toString("hex") })),
  );
  const transcript = await readFile(path.join(ROOT, "cli", "tests", "expected", "meta.txt"), "utf8");
  const line = transcript.slice(transcript.indexOf("$ rewal verify meta.wal\n")).split("\n")[1];
  assert.equal(fromBuffer.verdict, line.slice("meta.wal: ".length));
  assert.equal(fromBuffer.exitCode, 0);
  assert.deepEqual([fromFile.events, fromFile.lastLsn], [100000, "100000"]);
  assert.match(fromFile.lastPayload, /^\{"id":99999,/);
  assert.ok(fromFile.reads > 1, `read in ${fromFile.reads} slices`);
  for (const mode of ["single", "batch"]) {
    const hex = (text) => Buffer.from(text, "utf8").toString("hex");
    const native = path.join(dir, `native.${mode}`);
    nativeWriter(["compose", native], [mode, ...EVENTS.map((e) => `${hex(e.payload)} ${e.meta === "" ? "-" : hex(e.meta)}`)].join("\n") + "\n");
    assert.equal((await readFile(`${composed}.${mode}`)).toString("hex"), (await readFile(native)).toString("hex"), mode);
  }
});

test("in Chromium: imported as a module, and bundled by esbuild", async () => {
  // The page's own code, bundled with the package by esbuild into one
  // file for the browser; the engine's wasm copied beside it, as the
  // README says to do with esbuild.
  const site = path.join(dir, "site");
  await mkdir(site, { recursive: true });
  await writeFile(
    path.join(dir, "app.js"),
    `import { init, WalWriter, WalLog, readEvents, text, RewalError } from "rewal-wasm";
window.run = async (corrupt) => {
  await init();
  const writer = new WalWriter();
  writer.append("bundled", "type:a");
  writer.appendBatch(["two", "three"]);
  const log = WalLog.open(writer.finish());
  const read = [...log.events()].map((e) => [String(e.lsn), text(e)]);
  const streamed = [];
  const stream = readEvents(new File([corrupt], "corrupt.wal"));
  let code = null;
  try { for await (const e of stream) streamed.push(String(e.lsn)); } catch (error) { code = error instanceof RewalError ? error.code : String(error); }
  const posted = await new Promise((resolve) => { const channel = new MessageChannel(); channel.port2.onmessage = (m) => resolve(String(m.data.lsn)); channel.port1.postMessage(log.event(2)); });
  return { read, streamed, code, posted, exit: stream.verdict.exitCode };
};
`,
  );
  execFileSync(path.join(WWW, "node_modules", ".bin", "esbuild"), ["app.js", "--bundle", "--format=esm", "--platform=browser", "--outfile=site/app.js", "--log-level=warning"], { cwd: dir, stdio: "inherit" });
  await copyFile(path.join(installed, "rewal_wasm_bg.wasm"), path.join(site, "rewal_wasm_bg.wasm"));
  const page = '<!doctype html><html lang="en"><link rel="icon" href="data:,"><title>rewal-wasm</title>';
  await writeFile(path.join(site, "index.html"), page + '<script type="module" src="app.js"></script></html>');
  await writeFile(path.join(dir, "index.html"), page + "</html>");
  const server = await serve(dir);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const corrupt = [...(await readFile(path.join(VECTORS, "corrupt.wal")))];
    const errors = [];
    const page = await browser.newPage();
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(server.url + "site/");
    await page.waitForFunction(() => typeof window.run === "function");
    const held = (await sidecar("corrupt")).events.map((e) => e.lsn);
    const bundled = await page.evaluate((bytes) => window.run(new Uint8Array(bytes)), corrupt);
    assert.deepEqual(bundled, { read: [["1", "bundled"], ["2", "two"], ["3", "three"]], streamed: held, code: "corrupted", posted: "2", exit: 2 });

    await page.goto(server.url);
    const imported = await page.evaluate(async (bytes) => {
      const { init, WalLog } = await import("/node_modules/rewal-wasm/index.js");
      await init();
      const log = WalLog.open(new Uint8Array(bytes));
      const s = log.summary();
      const frames = [...log.frames()].map((f) => f.status);
      return { end: s.end, events: s.events, afterEvents: s.afterEvents, frames };
    }, corrupt);
    // As the vector's sidecar says: its events, then the invalid frame, then valid frames after it.
    assert.equal(imported.end, "corrupted");
    assert.equal(imported.events, held.length);
    assert.ok(imported.afterEvents > 0);
    assert.deepEqual(imported.frames.slice(0, held.length + 1), [...held.map(() => "ok"), "invalid"]);
    assert.ok(imported.frames.slice(held.length + 1).every((status) => status === "after-corruption"));
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
