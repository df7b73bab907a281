// Speed, measured in the browser and printed: a ~100 MB log of 1 000 000
// events (written by the native library) from file chosen to summary
// shown (read a slice at a time by the engine in its worker), scrolling
// its events table (frame times, long frames), paging at its far end, and
// the meta filter over all of it. Also writes the screenshot
// target/www-screenshot.png with that log loaded.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, stat, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { start, openFile, nativeWriter, ROOT } from "./harness.js";

const EVENTS = 1_000_000;
/** The target from the issue: file chosen → summary shown. */
const OPEN_TARGET_MS = 1000;

let browser;
let page;
let dir;
let log;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "rewal-perf-"));
  log = path.join(dir, "orders-1m.wal");
  nativeWriter(["big", log, String(EVENTS)]);
  browser = await start();
  page = await browser.newPage();
});
after(async () => {
  assert.deepEqual(page.errors, []);
  await browser.close();
  await rm(dir, { recursive: true, force: true });
});

const report = (line) => console.log(`perf: ${line}`);
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

test("a ~100 MB, 1 M-event log: file chosen to summary shown", async () => {
  const size = (await stat(log)).size;
  const times = [];
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    await openFile(page, log);
    const outside = performance.now() - t0;
    const { openMs, scanMs, readMs, reads } = await page.evaluate(() => document.body.dataset);
    const inside = Number(openMs);
    times.push(inside);
    report(
      `open ${(size / 1e6).toFixed(1)} MB, ${EVENTS.toLocaleString("en-US")} events, run ${run + 1}: ${inside.toFixed(0)} ms in the page ` +
        `(file chosen → summary painted; in the worker ${Number(scanMs).toFixed(0)} ms, of which ${Number(readMs).toFixed(0)} ms in ${reads} slice reads), ` +
        `${outside.toFixed(0)} ms seen by the test driver`,
    );
  }
  assert.equal(await page.textContent("#summary [data-field=events]"), "1,000,000");
  assert.equal(await page.textContent("#summary [data-field=LSNs]"), "1 to 1000000");
  assert.equal(await page.isVisible("#banner"), false);
  const best = Math.min(...times);
  report(`open: best ${best.toFixed(0)} ms, median ${times.sort((a, b) => a - b)[1].toFixed(0)} ms (target < ${OPEN_TARGET_MS} ms)`);
  assert.ok(best < OPEN_TARGET_MS, `opening took ${best} ms`);
});

test("scrolling the 1 M-event table: frame times", async () => {
  const result = await page.evaluate(async () => {
    const list = document.getElementById("events");
    const long = [];
    const observer = new PerformanceObserver((entries) => long.push(...entries.getEntries().map((e) => e.duration)));
    observer.observe({ type: "longtask" });
    const max = list.scrollHeight - list.clientHeight;
    const frames = [];
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    await new Promise((resolve) => {
      let n = 0;
      let last = null;
      const step = (now) => {
        if (last !== null) frames.push(now - last);
        last = now;
        n++;
        // 300 frames of a steady fling (40 rows a frame), then 120 jumps to
        // random places anywhere in the million rows.
        if (n <= 300) list.scrollTop += 40 * 26;
        else list.scrollTop = random() * max;
        if (n < 420) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    await new Promise((r) => setTimeout(r, 100));
    observer.disconnect();
    return { frames, long };
  });
  const sorted = [...result.frames].sort((a, b) => a - b);
  const mean = result.frames.reduce((a, b) => a + b, 0) / result.frames.length;
  const over = (ms) => result.frames.filter((f) => f > ms).length;
  report(
    `scroll: ${result.frames.length} frames, mean ${mean.toFixed(1)} ms, p50 ${percentile(sorted, 50).toFixed(1)} ms, ` +
      `p95 ${percentile(sorted, 95).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms; ` +
      `frames over 33 ms: ${over(33.4)}, over 50 ms: ${over(50)}; long tasks (> 50 ms): ${result.long.length}` +
      (result.long.length ? ` (${result.long.map((d) => d.toFixed(0)).join(", ")} ms)` : ""),
  );
  // Smooth: the 95th percentile within two frames at 60 Hz, and no more
  // than a stray long task (a garbage collection on a busy 2-core CI
  // machine), over 420 frames of flinging and jumping.
  assert.ok(percentile(sorted, 95) < 34, "p95 frame time");
  assert.ok(result.long.length <= 1, "long tasks while scrolling");

  // What is drawn matches where the list is scrolled, once its pages
  // have come from the worker.
  const check = await page.$eval("#events", async (list) => {
    list.scrollTop = list.scrollHeight;
    await new Promise((resolve) => requestAnimationFrame(resolve));
    await rewalViewer.settled();
    const rows = [...list.querySelectorAll(".vrow:not([hidden])")];
    return rows.map((r) => Number(r.children[0].textContent)).sort((a, b) => a - b).at(-1);
  });
  assert.equal(check, EVENTS);
});

test("paging at the far end and the meta filter over 1 M events", async () => {
  const t0 = performance.now();
  await page.fill("#jump-lsn", "999990");
  await page.click('#jump-form button[type="submit"]');
  await page.waitForSelector('#detail[data-lsn="999990"]');
  report(`jump to LSN 999990: ${(performance.now() - t0).toFixed(0)} ms (driver round trip included)`);

  const t1 = performance.now();
  await page.fill("#filter-meta", "type:audit");
  await page.click('#filter-form button[type="submit"]');
  await page.waitForFunction(() => document.getElementById("table-note").textContent.startsWith("250,000 of"));
  report(`filter meta "type:audit" over 1,000,000 events: ${(performance.now() - t1).toFixed(0)} ms → 250,000 matches`);
  // The filter read the file again, with progress shown; it is over now.
  await page.waitForFunction(() => document.getElementById("progress").hidden);
  assert.match(await page.textContent("#status"), /^orders-1m\.wal: 1,000,000 events, opened in \d+ ms$/);
  await page.fill("#filter-meta", "");
  await page.click('#filter-form button[type="submit"]');
});

/** The search target from the issue: 1 M events searched in under a second. */
const SEARCH_TARGET_MS = 1000;

test("search over 1 M events: text, hex and regex, in the worker", async () => {
  const figures = [];
  for (const [text, as, field, matches] of [
    ["n424242", "text", "payload", 1],
    ["type:refund", "text", "meta", 250_000],
    ["6e 34 32 34 32 34 32", "hex", "both", 1],
    [String.raw`"amount":4242\d,`, "regex", "payload", null],
  ]) {
    await page.evaluate(() => delete document.body.dataset.searchMs);
    const t0 = performance.now();
    await page.fill("#search-text", text);
    await page.selectOption("#search-as", as);
    await page.selectOption("#search-in", field);
    await page.click('#search-form button[type="submit"]');
    await page.waitForFunction(() => document.body.dataset.searchMs, null, { timeout: 30_000 });
    const driver = performance.now() - t0;
    const ms = Number(await page.evaluate(() => document.body.dataset.searchMs));
    const note = await page.textContent("#search-note");
    const found = Number(note.match(/([\d,]+) events? with/)[1].replaceAll(",", ""));
    if (matches !== null) assert.equal(found, matches, text);
    else assert.ok(found > 0, text);
    figures.push(ms);
    report(`search ${as} ${JSON.stringify(text)} in ${field} over 1,000,000 events: ${ms.toFixed(0)} ms in the worker (file read again in slices), ${driver.toFixed(0)} ms seen by the test driver → ${found.toLocaleString("en-US")} matches`);
  }
  await page.fill("#search-text", "");
  await page.click('#search-form button[type="submit"]');
  const best = Math.min(...figures);
  report(`search: fastest ${best.toFixed(0)} ms, slowest ${Math.max(...figures).toFixed(0)} ms (target < ${SEARCH_TARGET_MS} ms)`);
  // Each search reads the 106 MB file again; on a loaded 2-core machine
  // that alone may take half the budget, so the target is held for each.
  for (const ms of figures) assert.ok(ms < SEARCH_TARGET_MS, `a search took ${ms} ms`);
});

test("screenshot with the log loaded: target/www-screenshot.png", async () => {
  await page.fill("#jump-lsn", "424242");
  await page.click('#jump-form button[type="submit"]');
  await page.waitForSelector('#detail[data-lsn="424242"]');
  await page.evaluate(() => rewalViewer.settled());
  await mkdir(path.join(ROOT, "target"), { recursive: true });
  const file = path.join(ROOT, "target", "www-screenshot.png");
  await page.screenshot({ path: file, fullPage: true });
  report(`screenshot: ${file}`);
  assert.ok((await stat(file)).size > 10_000);
});
