// The npm package's OPFS logs in headless Chromium (a profile on disk):
// the worker API (openOpfsLog and OpfsLog, list, export, import, remove),
// the lock (a second open in the same worker, in another worker, in
// another tab: `locked`; free again after close and after the holder is
// terminated), recovery of a torn tail left in the file, checked input and
// error codes, the page's OpfsClient through the package's own worker, the
// README's OPFS examples (run in a worker and on a page, their output
// compared with what the README shows), and a smoke run of the benchmark.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { startOpfs, inWorker } from "./opfs/harness.js";
import { runBench } from "./opfs/bench.js";
import { ROOT } from "./harness.js";

let browser;
let page;
before(async () => {
  browser = await startOpfs();
  page = await browser.page();
});
after(async () => {
  await browser?.close();
});

/** `result` must be `{ thrown }` with RewalError code `code`. */
function threw(result, code) {
  assert.ok(result?.thrown, `expected ${code}, got ${JSON.stringify(result)}`);
  assert.equal(result.thrown.rewal, true, JSON.stringify(result.thrown));
  assert.equal(result.thrown.code, code, result.thrown.message);
}

test("a durable log: appends, batches, waitDurable, events, replay, close, reopen", async () => {
  const result = await inWorker(
    page,
    `const log = await rewal.openOpfsLog("orders.wal");
    const first = log.append('{"id":1}', "type:order");
    const last = log.appendBatch(["a", { payload: new Uint8Array([0, 255]), meta: "bin" }]);
    await log.waitDurable(last);
    const events = [...log.events()].map((e) => [String(e.lsn), [...e.payload], e.meta && rewal.text(e.meta), e instanceof rewal.StoredEvent]);
    const from2 = [...log.events({ from: 2n, to: 3n })].map((e) => String(e.lsn));
    let replayed = [];
    const n = log.replay((e) => replayed.push(String(e.lsn)), { from: 2 });
    const name = log.name;
    log.close();
    log.close(); // again: nothing
    let after;
    try { log.append("late"); } catch (e) { after = e.code; }
    const again = await rewal.openOpfsLog("orders.wal", { create: false });
    const lastLsn = String(again.lastLsn);
    const next = String(again.append("next"));
    await again.sync();
    again.close();
    return { first: String(first), last: String(last), events, from2, replayed, n, name, after, lastLsn, next };`,
  );
  assert.deepEqual(result, {
    first: "1",
    last: "3",
    events: [
      ["1", [...Buffer.from('{"id":1}')], "type:order", true],
      ["2", [...Buffer.from("a")], null, true],
      ["3", [0, 255], "bin", true],
    ],
    from2: ["2"],
    replayed: ["2", "3"],
    n: 2,
    name: "orders.wal",
    after: "closed",
    lastLsn: "3",
    next: "4",
  });
});

test("the lock: a second open is locked in the same worker, another worker and another tab, and free after close or terminate", async () => {
  const hold = `self.held = await rewal.openOpfsLog("locked.wal"); self.held.append("x"); await self.held.sync(); return String(self.held.lastLsn);`;
  const tryOpen = `try { const log = await rewal.openOpfsLog("locked.wal"); const last = String(log.lastLsn); log.close(); return { last }; } catch (e) { return { thrown: { name: e.name, message: e.message, code: e.code, rewal: e instanceof rewal.RewalError } }; }`;
  assert.equal(await inWorker(page, hold, null, "holder"), "1");
  threw(await inWorker(page, tryOpen, null, "holder"), "locked");
  threw(await inWorker(page, tryOpen, null, "other"), "locked");
  const tab = await browser.page();
  threw(await inWorker(tab, tryOpen, null, "third"), "locked");
  // The snapshot needs no lock: listed and exported while held.
  const seen = await inWorker(tab, `const list = await rewal.listOpfsLogs(); const file = await rewal.exportOpfsLog("locked.wal"); return { list: list.map((l) => l.name), size: file.size, name: file.name };`, null, "third");
  assert.ok(seen.list.includes("locked.wal"));
  assert.equal(seen.name, "locked.wal");
  assert.ok(seen.size > 0);
  threw(await inWorker(tab, `return rewal.removeOpfsLog("locked.wal").then(() => "removed?!")`, null, "third"), "locked");
  // Released by close...
  await inWorker(page, `self.held.close();`, null, "holder");
  assert.deepEqual(await inWorker(tab, tryOpen, null, "third"), { last: "1" });
  // ... and by the holder's end (worker.terminate()).
  assert.equal(await inWorker(page, `self.held = await rewal.openOpfsLog("locked.wal"); return String(self.held.lastLsn);`, null, "holder"), "1");
  threw(await inWorker(tab, tryOpen, null, "third"), "locked");
  const waited = await page.evaluate(() => {
    window.__workers.holder.terminate();
    delete window.__workers.holder;
  });
  void waited;
  const reopened = await inWorker(
    tab,
    `const start = performance.now();
    for (;;) {
      try { const log = await rewal.openOpfsLog("locked.wal"); log.close(); return { ms: performance.now() - start }; }
      catch (e) { if (e.code !== "locked" || performance.now() - start > 10000) throw e; await new Promise((r) => setTimeout(r, 5)); }
    }`,
    null,
    "third",
  );
  assert.ok(reopened.ms < 10_000, JSON.stringify(reopened));
  console.log(`opfs: lock free ${reopened.ms.toFixed(1)} ms after the holder's worker was terminated`);
  await tab.close();
});

test("recovery in OPFS: a torn tail is cut, what is not a log is refused untouched, a corrupted log refused unless asked", async () => {
  const result = await inWorker(
    page,
    `const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle("rewal", { create: true });
    const write = async (name, bytes) => { const h = await (await dir.getFileHandle(name, { create: true })).createSyncAccessHandle(); h.truncate(0); h.write(bytes, { at: 0 }); h.flush(); h.close(); };
    const read = async (name) => new Uint8Array(await (await (await dir.getFileHandle(name)).getFile()).arrayBuffer());
    const writer = new rewal.WalWriter();
    for (const n of [1, 2, 3]) writer.append("event " + n);
    const whole = writer.finish();
    await write("torn.wal", whole.subarray(0, whole.length - 5));
    const torn = await rewal.openOpfsLog("torn.wal");
    const tornOut = { repaired: torn.repaired, last: String(torn.lastLsn), next: String(torn.append("again")) };
    torn.close();
    const junk = new TextEncoder().encode("not a log at all, only text");
    await write("junk.wal", junk);
    let junkCode; try { await rewal.openOpfsLog("junk.wal"); } catch (e) { junkCode = e.code; }
    const junkKept = (await read("junk.wal")).join() === junk.join();
    const corrupt = whole.slice(); corrupt[71] ^= 0xff; // in the second of three frames
    await write("corrupt.wal", corrupt);
    let corruptCode; try { await rewal.openOpfsLog("corrupt.wal"); } catch (e) { corruptCode = e.code; }
    const corruptKept = (await read("corrupt.wal")).join() === corrupt.join();
    const cut = await rewal.openOpfsLog("corrupt.wal", { recovery: "truncate-at-corruption" });
    const cutLast = String(cut.lastLsn); cut.close();
    let missing; try { await rewal.openOpfsLog("missing.wal", { create: false }); } catch (e) { missing = e.code; }
    return { tornOut, junkCode, junkKept, corruptCode, corruptKept, cutLast, missing };`,
  );
  assert.deepEqual(result, {
    tornOut: { repaired: true, last: "2", next: "3" },
    junkCode: "not-a-log",
    junkKept: true,
    corruptCode: "corrupted",
    corruptKept: true,
    cutLast: "1",
    missing: "not-found",
  });
});

test("export and import: a snapshot without the zeros kept ahead; a non-log, a torn log and a name taken are refused, nothing written", async () => {
  const result = await inWorker(
    page,
    `const log = await rewal.openOpfsLog("export.wal");
    for (let i = 0; i < 50; i++) await log.waitDurable(log.append("event " + i, "m"));
    const open = await log.export();
    const listed = (await rewal.listOpfsLogs()).find((l) => l.name === "export.wal").size; // with the space kept ahead
    const written = new rewal.WalWriter();
    for (let i = 0; i < 50; i++) written.append("event " + i, "m");
    const same = new Uint8Array(await open.arrayBuffer()).join() === written.finish().join();
    const snapshot = await rewal.exportOpfsLog("export.wal"); // open in this worker: flushed, then a snapshot
    log.close();
    const closed = await rewal.exportOpfsLog("export.wal");
    const summary = await rewal.importOpfsLog("imported.wal", closed);
    const imported = await rewal.openOpfsLog("imported.wal", { create: false });
    const importedLast = String(imported.lastLsn); imported.close();
    const refuse = async (name, input, options) => { try { await rewal.importOpfsLog(name, input, options); return "imported?!"; } catch (e) { return e.code; } };
    const before = (await rewal.listOpfsLogs()).map((l) => l.name).join();
    const junk = await refuse("junk-import.wal", new Blob(["hello"]));
    const bytes = new Uint8Array(await closed.arrayBuffer());
    const torn = await refuse("torn-import.wal", bytes.subarray(0, bytes.length - 3));
    const taken = await refuse("imported.wal", closed);
    const after = (await rewal.listOpfsLogs()).map((l) => l.name).join();
    const small = new rewal.WalWriter();
    small.append("only");
    const replaced = (await rewal.importOpfsLog("imported.wal", small.finish(), { replace: true })).events;
    const reopened = await rewal.openOpfsLog("imported.wal", { create: false });
    const replacedLast = String(reopened.lastLsn); reopened.close();
    await rewal.removeOpfsLog("imported.wal");
    let gone; try { await rewal.removeOpfsLog("imported.wal"); } catch (e) { gone = e.code; }
    return { openSize: open.size, listed, same, snapshot: snapshot.size, closed: closed.size, events: summary.events, importedLast, junk, torn, taken, unchanged: before === after, replaced, replacedLast, gone };`,
  );
  assert.equal(result.same, true, "the export is what the native library writes for the same appends");
  assert.ok(result.listed >= 1 << 20, `space kept ahead while open: ${result.listed} bytes`);
  assert.equal(result.snapshot, result.openSize);
  assert.equal(result.closed, result.openSize);
  assert.equal(result.events, 50);
  assert.equal(result.importedLast, "50");
  assert.deepEqual([result.junk, result.torn, result.taken, result.unchanged], ["not-a-log", "torn", "exists", true]);
  assert.equal(result.gone, "not-found");
  assert.deepEqual([result.replaced, result.replacedLast], [1, "1"]);
});

test("checked input: TypeErrors and RangeErrors that name the argument; unsupported where there is no sync access handle", async () => {
  const result = await inWorker(
    page,
    `const out = [];
    const attempt = async (run) => { try { await run(); out.push("no error"); } catch (e) { out.push(e.constructor.name + ": " + e.message.split(";")[0]); } };
    await attempt(() => rewal.openOpfsLog(12));
    await attempt(() => rewal.openOpfsLog("a/b"));
    await attempt(() => rewal.openOpfsLog(".hidden"));
    await attempt(() => rewal.openOpfsLog("x.wal", { create: "yes" }));
    await attempt(() => rewal.openOpfsLog("x.wal", { recovery: "cut" }));
    await attempt(() => rewal.openOpfsLog("x.wal", { other: 1 }));
    const log = await rewal.openOpfsLog("x.wal");
    await attempt(() => log.append(12345));
    await attempt(() => log.waitDurable(-1));
    await attempt(() => log.waitDurable(99n).then(() => {}, (e) => { throw new Error(e.code); }));
    await attempt(() => [...log.events({ from: 3n, to: 1n })]);
    log.close();
    await attempt(() => rewal.importOpfsLog("y.wal", 5));
    return out;`,
  );
  assert.deepEqual(result, [
    "TypeError: name must be a string",
    'RangeError: name must be a file name (1 to 200 characters, no "/", "\\\\" or NUL, not starting with ".")',
    'RangeError: name must be a file name (1 to 200 characters, no "/", "\\\\" or NUL, not starting with ".")',
    "TypeError: options.create must be a boolean",
    'RangeError: options.recovery must be "strict" or "truncate-at-corruption"',
    "TypeError: options.other is not an option (options: create, directory, recovery)",
    "TypeError: payload must be a Uint8Array, a Buffer or an ArrayBuffer or a string",
    "RangeError: lsn must be an LSN: a whole number from 0 to 2^53 - 1, or a bigint",
    "Error: invalid-lsn",
    "RangeError: options.to (1) is below options.from (3)",
    "TypeError: input must be a Uint8Array, a Buffer or an ArrayBuffer",
  ]);
  // On the page itself there is no sync access handle: unsupported, with the way out.
  const onPage = await page.evaluate(async () => {
    const rewal = await import("/pkg/index.js");
    await rewal.init();
    try {
      await rewal.openOpfsLog("page.wal");
      return null;
    } catch (error) {
      return { code: error.code, message: error.message };
    }
  });
  assert.equal(onPage.code, "unsupported");
  assert.match(onPage.message, /dedicated worker.*OpfsClient/);
});

test("the page's OpfsClient: the same log through the package's worker, errors with their codes", async () => {
  const result = await page.evaluate(async () => {
    const rewal = await import("/pkg/index.js");
    const client = new rewal.OpfsClient();
    const log = await client.open("client.wal");
    const lsn = await log.append("from the page", "page");
    const last = await log.appendBatch(["b1", "b2"]);
    await log.waitDurable(last);
    const events = [];
    for await (const event of log.events()) events.push([String(event.lsn), rewal.text(event), event instanceof rewal.StoredEvent]);
    let locked;
    try {
      await client.open("client.wal");
    } catch (error) {
      locked = [error instanceof rewal.RewalError, error.code];
    }
    let typeError;
    try {
      await log.append(12);
    } catch (error) {
      typeError = error.constructor.name;
    }
    const file = await log.export();
    await log.close();
    const list = (await client.list()).map((entry) => entry.name);
    const exported = await client.export("client.wal");
    const summary = await client.import("client-copy.wal", exported);
    await client.remove("client-copy.wal");
    client.terminate();
    let after;
    try {
      await client.list();
    } catch (error) {
      after = error.code;
    }
    return { lsn: String(lsn), last: String(last), events, locked, typeError, size: file.size, exported: exported.size, listed: list.includes("client.wal"), imported: summary.events, after };
  });
  assert.deepEqual(result.events, [["1", "from the page", true], ["2", "b1", true], ["3", "b2", true]]);
  assert.deepEqual(result.locked, [true, "locked"]);
  assert.equal(result.typeError, "TypeError");
  assert.equal(result.exported, result.size);
  assert.deepEqual([result.lsn, result.last, result.listed, result.imported, result.after], ["1", "3", true, 3, "closed"]);
  assert.deepEqual(page.errors, []);
});

test("the README's OPFS examples run (in a worker, on a page) and print what it shows", async () => {
  const readme = await readFile(path.join(ROOT, "wasm", "npm", "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```(js worker|js page|text)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] }));
  let examples = 0;
  for (let i = 0; i < blocks.length; i++) {
    const { lang, code } = blocks[i];
    if (lang === "text") continue;
    const shown = blocks[i + 1]?.lang === "text" ? blocks[i + 1].code : null;
    assert.ok(shown !== null, `OPFS example ${i} shows what it prints`);
    // The example as a module: "rewal-wasm" is the package (pkg/index.js
    // here), console.log is captured.
    const printed = await page.evaluate(
      async ({ code, where }) => {
        const source = code.replace(/from "rewal-wasm"/g, `from "${location.origin}/pkg/index.js"`);
        const capture = `const __lines = []; const console = { log: (...a) => __lines.push(a.map((v) => typeof v === "string" ? v : typeof v === "bigint" ? v + "n" : JSON.stringify(v)).join(" ")) };\n`;
        const body = capture + source + "\nexport const lines = __lines;\n";
        const url = URL.createObjectURL(new Blob([body], { type: "text/javascript" }));
        if (where === "page") return (await import(url)).lines.join("\n") + "\n";
        const worker = new Worker(URL.createObjectURL(new Blob([`import("${url}").then((m) => postMessage({ lines: m.lines }), (e) => postMessage({ error: String(e) }));`], { type: "text/javascript" })), { type: "module" });
        const { lines, error } = await new Promise((resolve) => (worker.onmessage = ({ data }) => resolve(data)));
        worker.terminate();
        if (error) throw new Error(error);
        return lines.join("\n") + "\n";
      },
      { code, where: lang === "js page" ? "page" : "worker" },
    );
    assert.equal(printed, shown, `README OPFS example ${i} (${lang})`);
    examples++;
  }
  assert.ok(examples >= 3, `${examples} OPFS examples`);
});

test("the benchmark, a smoke run: both engines, each workload, one short round", async () => {
  const tab = await browser.page();
  const { setup, rows } = await runBench(tab, { rounds: 1, seconds: 0.2, count: 2000 });
  assert.equal(setup.synchronous, 2, "SQLite at PRAGMA synchronous=FULL, its default");
  assert.deepEqual(rows.map((row) => row.workload), ["single", "batch", "replay"]);
  for (const row of rows) assert.ok(row.rewal[0] > 0 && row.sqlite[0] > 0, JSON.stringify(row));
  assert.deepEqual(tab.errors, []);
  await tab.close();
});

test("the viewer: the composer writes to OPFS, the list shows the logs, one opens read-only from a snapshot while a writer holds it; axe light and dark", async () => {
  const { axe } = await import("./harness.js");
  const viewer = await browser.page("");
  await viewer.waitForSelector("body[data-ready=true]");
  await viewer.waitForFunction(() => document.body.dataset.opfsLogs !== undefined);
  // The composer, writing to OPFS as one batch.
  for (const [payload, meta] of [['{"id":1}', "type:order"], ['{"id":2}', "type:order"], ["note", ""]]) {
    await viewer.fill("#compose-payload", payload);
    await viewer.fill("#compose-meta", meta);
    await viewer.click("#compose-form button[type=submit]");
  }
  await viewer.check("#compose-batch");
  await viewer.selectOption("#compose-target", "opfs");
  await viewer.fill("#compose-name", "composed-in-opfs.wal");
  await viewer.click("#compose-build");
  await viewer.waitForFunction(() => document.body.dataset.opened === "composed-in-opfs.wal", null, { timeout: 30_000 });
  assert.match(await viewer.textContent("#compose-note"), /Wrote 3 events to composed-in-opfs\.wal .*LSNs up to 3/);
  assert.match(await viewer.textContent("#summary"), /3/);
  const listed = await viewer.$$eval("#opfs-list li .name", (names) => names.map((n) => n.textContent));
  assert.ok(listed.includes("composed-in-opfs.wal") && listed.includes("orders.wal"), listed.join(" "));
  // A log held by a writer in a worker opens read-only: a snapshot, no lock.
  await inWorker(viewer, `self.held = await rewal.openOpfsLog("held.wal"); for (let i = 1; i <= 20; i++) self.held.append("held " + i, "k"); await self.held.sync(); return 1;`, null, "writer");
  await viewer.click("#opfs-refresh");
  await viewer.waitForFunction(() => [...document.querySelectorAll("#opfs-list .name")].some((n) => n.textContent === "held.wal"));
  await viewer.click('#opfs-list button[aria-label="Open read-only: held.wal"]');
  await viewer.waitForFunction(() => document.body.dataset.opened === "held.wal", null, { timeout: 30_000 });
  const summary = await viewer.textContent("#summary");
  assert.match(summary, /20/);
  // The writer still holds its lock, and goes on.
  assert.equal(await inWorker(viewer, `return String(self.held.append("after"));`, null, "writer"), "21");
  for (const scheme of ["light", "dark"]) {
    await viewer.emulateMedia({ colorScheme: scheme });
    const violations = await axe(viewer);
    console.log(`a11y: OPFS viewer, ${scheme}: ${violations.length} violations`);
    assert.deepEqual(violations, [], scheme);
    await viewer.locator("#opfs").scrollIntoViewIfNeeded();
    await viewer.screenshot({ path: path.join(ROOT, "target", `www-opfs-${scheme}.png`), fullPage: true });
  }
  await inWorker(viewer, `self.held.close(); return 1;`, null, "writer");
  assert.deepEqual(viewer.errors, []);
  await viewer.close();
});
