// A log kept as a directory of segment files (`Wal::open_dir`), written by
// the native library, opened in Chromium as one log: several files chosen
// at once in the file picker, a folder chosen with the folder picker, and
// a real directory dropped on the page (Chromium's own drag and drop,
// driven through the DevTools protocol's Input.dispatchDragEvent with the
// directory's path, so webkitGetAsEntry hands the page a real directory
// entry). Then a missing segment (a gap), a flipped byte in an older
// segment, a torn newest one, hundreds of segments, and files that are not
// segments; screenshots at 360 and 1400 px (target/www-segments-*.png).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, readFile, readdir, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { start, nativeWriter, settled, ROOT } from "./harness.js";

let browser;
let scratch;
let dir; // the log's directory: segments and rewal.lock
let names; // its segment files, oldest first
let many; // a directory of some 300 segments
before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "rewal-segments-"));
  dir = path.join(scratch, "orders");
  names = nativeWriter(["segments", dir, "300", "4096"]).trim().split("\n");
  many = path.join(scratch, "many");
  nativeWriter(["segments", many, "12000", "4096"]);
  await mkdir(path.join(ROOT, "target"), { recursive: true });
  browser = await start();
});
after(async () => {
  await browser?.close();
  await rm(scratch, { recursive: true, force: true });
});

/** The first LSN a segment's name says. */
const lsnOf = (name) => Number(name.slice(0, 20));

/** Files as the file picker hands them over: { name, mimeType, buffer }. */
async function load(list, folder = dir) {
  return Promise.all(list.map(async (name) => ({ name, mimeType: "application/octet-stream", buffer: await readFile(path.join(folder, name)) })));
}

/** Forgets what was open, does `open`, and waits for the log called `label` to be shown. */
async function opening(page, label, open) {
  await page.evaluate(() => {
    delete document.body.dataset.opened;
    delete document.body.dataset.openMs;
  });
  await open();
  await page.waitForFunction((l) => document.body.dataset.opened === l && document.body.dataset.openMs, label, { timeout: 30_000 });
  await settled(page);
}

const field = (page, name) => page.textContent(`#summary [data-field="${name}"]`);

test("several segment files chosen at once open as one log", async () => {
  const page = await browser.newPage();
  const files = await load([...names, "rewal.lock"]);
  await opening(page, `${names.length} segment files`, () => page.locator("#file-input").setInputFiles(files));
  assert.ok(names.length >= 5, `${names.length} segments`);
  assert.equal(await field(page, "events"), "300");
  assert.equal(await field(page, "LSNs"), "1 to 300");
  assert.equal(await field(page, "ends"), "clean");
  assert.equal(await field(page, "segments"), `${names.length} files`);
  assert.equal(await field(page, "oldest"), names[0]);
  assert.equal(await field(page, "newest"), names.at(-1));
  assert.equal(await field(page, "note"), "Left out 1 file that is not a segment: rewal.lock (the log's lock file).");
  // What `rewal verify DIR` prints after the path, word for word.
  assert.equal(await page.textContent("#summary .verdict h3"), "rewal verify");
  assert.match(await page.textContent("#verdict"), new RegExp(`^ok: every frame checked: ${names.length} segments, 300 frames, 300 events, LSNs 1 to 300, \\d+ bytes$`));
  assert.equal(await page.isVisible("#banner"), false);

  // The first event of the third segment: found by LSN, and said to be at
  // the start of its own file, in the list and in the detail.
  const third = names[2];
  await page.fill("#jump-lsn", String(lsnOf(third)));
  await page.press("#jump-lsn", "Enter");
  await page.waitForSelector(`#detail[data-lsn="${lsnOf(third)}"]`);
  assert.match(await page.textContent("#detail .facts"), new RegExp(`frame at offset 0 of ${third} · event ${lsnOf(third)} of the log`));
  assert.equal(await page.textContent("#events .vrow.selected .frame"), `${third}:0`);
  // The event before it is the last of the second segment.
  await page.keyboard.press("ArrowUp");
  await page.waitForSelector(`#detail[data-lsn="${lsnOf(third) - 1}"]`);
  assert.match(await page.textContent("#detail .facts"), new RegExp(`frame at offset [\\d,]+ of ${names[1]} ·`));

  // The filter walks every segment: a quarter of the events are orders.
  await page.fill("#filter-meta", "type:order");
  await page.press("#filter-meta", "Enter");
  await page.waitForFunction(() => /75 of 300 events/.test(document.getElementById("table-note").textContent));

  // The frames: 300, the last in the newest file; the minimap's end too.
  await page.click('[data-tab="frames"]');
  await settled(page);
  await page.focus("#frames");
  await page.keyboard.press("End");
  await page.waitForFunction((n) => new RegExp(`^Frame at offset [\\d,]+ of ${n}, `).test(document.getElementById("frame-note").textContent), names.at(-1));
  await page.focus("#minimap");
  await page.keyboard.press("End");
  assert.match(await page.getAttribute("#minimap", "aria-valuetext"), new RegExp(`^offset [\\d,]+ of ${names.at(-1)}: valid frame$`));

  // The segments tab lists every file, each holding its events.
  await page.click('[data-tab="segments"]');
  const rows = await page.$$eval("#segment-table tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.deepEqual(rows.map((r) => r[0]), names);
  assert.ok(rows.every((r) => r[5] === "held"));
  assert.equal(rows[0][3], `1 to ${lsnOf(names[1]) - 1}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a folder opens as one log: chosen with the folder picker, and dropped on the page", async () => {
  const page = await browser.newPage();
  const label = `${path.basename(dir)}/`;
  // The folder picker (a webkitdirectory input), given the real folder.
  await opening(page, label, () => page.locator("#folder-input").setInputFiles(dir));
  assert.equal(await field(page, "events"), "300");
  assert.equal(await field(page, "note"), "Left out 1 file that is not a segment: rewal.lock (the log's lock file).");

  // A real directory dropped: the browser's own drag and drop of a path.
  await page.goto(page.url());
  await page.waitForSelector("body[data-ready=true]");
  const cdp = await page.context().newCDPSession(page);
  await opening(page, label, async () => {
    const data = { items: [], files: [dir], dragOperationsMask: 1 };
    for (const type of ["dragEnter", "dragOver", "drop"]) await cdp.send("Input.dispatchDragEvent", { type, x: 400, y: 400, data });
  });
  assert.equal(await field(page, "events"), "300");
  assert.equal(await field(page, "LSNs"), "1 to 300");
  assert.equal(await field(page, "segments"), `${names.length} files`);
  assert.match(await page.textContent("#status"), new RegExp(`^${label}: 300 events, opened in \\d+ ms$`));

  // A folder without segments, dropped: said, with what was left out.
  const junk = path.join(scratch, "junk");
  await mkdir(junk);
  await writeFile(path.join(junk, "rewal.lock"), "");
  await writeFile(path.join(junk, "notes.txt"), "hello");
  const data = { items: [], files: [junk], dragOperationsMask: 1 };
  for (const type of ["dragEnter", "dragOver", "drop"]) await cdp.send("Input.dispatchDragEvent", { type, x: 400, y: 400, data });
  await page.waitForFunction(() => document.getElementById("banner-title").textContent === "No segment files to open");
  const text = await page.textContent("#banner-text");
  assert.match(text, /^None of the files in junk is a segment of a rewal log\./);
  assert.match(text, /Left out 2 files that are not a segment: (rewal\.lock \(the log's lock file\), notes\.txt|notes\.txt, rewal\.lock \(the log's lock file\))\./);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a missing segment is a gap, named in the banner, the verdict and the segments tab", async () => {
  const page = await browser.newPage();
  const gone = names[2];
  const kept = names.filter((name) => name !== gone);
  await opening(page, `${kept.length} segment files`, async () => page.locator("#file-input").setInputFiles(await load(kept)));
  const next = names[3];
  const [first, last] = [lsnOf(gone), lsnOf(next) - 1];
  assert.equal(await page.getAttribute("#banner", "data-kind"), "bad");
  assert.equal(await page.textContent("#banner-title"), `Events missing between segments, before ${next}`);
  // rewal verify DIR's words: the segment, the name it should have, the
  // events missing; then the segments before it.
  const misfit = `segment ${next} should be named ${gone}: the events ${first} to ${last} are missing`;
  const banner = await page.textContent("#banner-text");
  assert.match(banner, new RegExp(`^S${misfit.slice(1)}\\.The ${first - 1} events before it are shown`));
  assert.match(banner, /--cut-at-corruption\W*keeps the segments that hold the most events/);
  assert.equal(
    await page.textContent("#verdict"),
    `corrupted: ${misfit}; the 2 segments before it are clean (${first - 1} frames, ${first - 1} events, LSNs 1 to ${first - 1})`,
  );
  assert.equal(await field(page, "ends"), `a gap: events missing before ${next}`);
  assert.equal(await field(page, "events"), String(first - 1));
  // The events after the gap are shown apart, read-only.
  await page.click("#banner-action");
  await page.waitForSelector(`#detail[data-lsn="${lsnOf(next)}"]`);
  // rewal repair refuses a directory's corruption: the engine's open is the remedy named.
  assert.match(
    await page.textContent("#after-text"),
    new RegExp(`^After the corruption: opening the log with Recovery::TruncateAtCorruption would remove these ${300 - last} events .*from offset 0 of ${next} to`),
  );
  await page.click('[data-tab="segments"]');
  const rows = await page.$$eval("#segment-table tbody tr", (trs) => trs.map((tr) => [tr.cells[4].textContent, tr.cells[5].textContent]));
  assert.deepEqual(rows.map((r) => r[1]), kept.map((name, i) => (i < 2 ? "held" : i === 2 ? "the log's events stop here" : "after the problem: not replayed")));
  // How each ends, as `rewal info DIR` lists it; rewal scans no further, so
  // the files after the gap say how they end on their own.
  assert.deepEqual(rows.map((r) => r[0]), kept.map((name, i) => (i < 2 ? "clean" : i === 2 ? `corrupted: ${misfit}` : "clean")));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a flipped byte in an older segment is a corruption there; a torn newest segment is a torn tail", async () => {
  const page = await browser.newPage();
  const files = await load(names);
  files[1].buffer = Buffer.from(files[1].buffer);
  files[1].buffer[150] ^= 0x55; // in its second frame
  await opening(page, `${names.length} segment files`, () => page.locator("#file-input").setInputFiles(files));
  const older = names[1];
  const title = await page.textContent("#banner-title");
  assert.match(title, new RegExp(`^Corrupted at offset (\\d+) of ${older}, next valid frame at offset (\\d+) of ${older}$`));
  assert.match(
    await page.textContent("#verdict"),
    new RegExp(`^corrupted in ${older} at offset \\d+: the frame there \\(\\d+ bytes\\) fails its CRC-32C check .*; the segment before it is clean \\(${lsnOf(older) - 1} frames, ${lsnOf(older) - 1} events, LSNs 1 to ${lsnOf(older) - 1}\\)$`),
  );
  const events = Number(await field(page, "events"));
  const after = await page.textContent('#summary [data-field="after it"]');
  assert.equal(events + Number(after.match(/^(\d+) events/)[1]), 299, "one event lost in the broken frame");
  // The invalid frame in the frame list says where it is.
  await page.click('[data-tab="frames"]');
  await settled(page);
  await page.focus("#frames");
  for (let i = 0; i <= events; i++) await page.keyboard.press("ArrowDown"); // one frame an event
  assert.equal(await page.textContent("#frames .vrow.selected .status"), "invalid: the valid frames end here");
  await page.waitForFunction((n) => new RegExp(`^Offset \\d+ of ${n}: where the valid frames end`).test(document.getElementById("frame-note").textContent), older);

  const torn = await load(names);
  torn.at(-1).buffer = torn.at(-1).buffer.subarray(0, torn.at(-1).buffer.length - 3);
  await opening(page, `${names.length} segment files`, () => page.locator("#file-input").setInputFiles(torn));
  assert.equal(await page.getAttribute("#banner", "data-kind"), "warn");
  assert.match(await page.textContent("#banner-title"), new RegExp(`^Torn tail at offset \\d+ of ${names.at(-1)}: the last \\d+ bytes are an unfinished write$`));
  assert.equal(await field(page, "events"), "299");
  assert.match(await page.textContent("#verdict"), new RegExp(`^torn tail in ${names.at(-1)} at offset \\d+: .*\`rewal repair\` cuts the tail$`));
  // `rewal repair DIR` cuts a torn newest segment: the banner says so.
  assert.match(await page.textContent("#banner-text"), /rewal repair cuts the tail, and so does opening the log with rewal\.$/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("hundreds of segments; files that are not segments; empty and strange names", async () => {
  const page = await browser.newPage();
  const list = (await readdir(many)).filter((name) => name.endsWith(".wal"));
  assert.ok(list.length >= 250, `${list.length} segments`);
  await opening(page, `${list.length} segment files`, async () => page.locator("#file-input").setInputFiles(await load(list, many)));
  assert.equal(await field(page, "events"), "12,000");
  assert.match(await page.textContent("#verdict"), new RegExp(`^ok: every frame checked: ${list.length} segments, `));
  await page.fill("#jump-lsn", "11999");
  await page.press("#jump-lsn", "Enter");
  await page.waitForSelector('#detail[data-lsn="11999"]');

  // Nothing that is a segment: said, and nothing opened.
  const junk = [
    { name: "a.wal", mimeType: "text/plain", buffer: Buffer.from("not a segment name") },
    { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") },
  ];
  await page.locator("#file-input").setInputFiles(junk);
  await page.waitForFunction(() => document.getElementById("banner-title").textContent === "No segment files to open");
  assert.match(await page.textContent("#banner-text"), /None of the 2 files chosen is a segment of a rewal log/);

  // Empty files and a segment named after LSN 0: an answer, no exception.
  const empties = ["00000000000000000000.wal", "00000000000000000001.wal", "00000000000000000002.wal"].map((name) => ({
    name,
    mimeType: "application/octet-stream",
    buffer: Buffer.alloc(0),
  }));
  await opening(page, "3 segment files", () => page.locator("#file-input").setInputFiles(empties));
  assert.equal(await page.textContent("#banner-title"), "Events missing between segments, before 00000000000000000002.wal");
  assert.equal(
    await page.textContent("#verdict"),
    "corrupted: segment 00000000000000000002.wal should be named 00000000000000000001.wal: the event 1 is missing; the 2 segments before it are clean (no frames)",
  );
  assert.match(await page.textContent("#summary"), /rewal never names a segment after LSN 0/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a 200 MB log in 4 MiB segments is read in slices, never copied whole", async () => {
  const big = path.join(scratch, "big");
  const list = nativeWriter(["segments", big, "2000000", String(4 << 20)]).trim().split("\n");
  const page = await browser.newPage();
  const started = Date.now();
  await opening(page, "big/", () => page.locator("#folder-input").setInputFiles(big));
  const openMs = Date.now() - started;
  const bytes = Number((await field(page, "size")).match(/\(([\d,]+) bytes\)/)[1].replaceAll(",", ""));
  assert.match(await page.textContent("#verdict"), new RegExp(`^ok: every frame checked: ${list.length} segments, 2000000 frames, 2000000 events`));
  // The files are read through the engine's small cache: the worker's
  // wasm memory stays far below the log's size (a copy would exceed it).
  const wasm = await page.evaluate(() => rewalViewer.peakWasmBytes());
  console.log(`perf: ${list.length} segments, ${(bytes / 1e6).toFixed(1)} MB: opened in ${openMs} ms, worker wasm memory at most ${(wasm / 1e6).toFixed(1)} MB`);
  assert.ok(wasm < bytes / 3, `wasm memory ${wasm} for a ${bytes}-byte log`);
  await page.fill("#jump-lsn", "1999999");
  await page.press("#jump-lsn", "Enter");
  await page.waitForSelector('#detail[data-lsn="1999999"]');
  assert.match(await page.textContent("#detail .facts"), new RegExp(`frame at offset [\\d,]+ of ${list.at(-1)} · event 1,999,999 of the log`));
  assert.deepEqual(page.errors, []);
  await page.close();
  await rm(big, { recursive: true, force: true });
});

test("screenshots at 360 and 1400 px: nothing scrolls sideways", async () => {
  const files = await load(names.filter((name) => name !== names[3]));
  for (const [width, height] of [
    [360, 800],
    [1400, 1000],
  ]) {
    for (const scheme of ["light", "dark"]) {
      const page = await browser.newPage({ viewport: { width, height }, colorScheme: scheme });
      await opening(page, `${files.length} segment files`, () => page.locator("#file-input").setInputFiles(files));
      await page.click('[data-tab="frames"]');
      await settled(page);
      await page.locator("#frames .vrow").nth(5).click();
      const shot = path.join(ROOT, "target", `www-segments-${width}-${scheme}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scrollWidth <= width, `${width} px ${scheme}: the page is ${scrollWidth} px wide`);
      assert.deepEqual(page.errors, []);
      await page.close();
    }
  }
});
