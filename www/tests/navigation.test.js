// Finding events: jump to an LSN, filter by a meta substring (and jump
// within the filter), scroll to the end, keyboard selection, from the frame
// list to the frame's events, from the minimap to the frame there, and the
// breakdown by meta and size. On a 20 000-event log written by the native
// library (meta cycles type:order, type:payment, type:refund, type:audit;
// LSN n has payload id n - 1).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { start, openFile, nativeWriter } from "./harness.js";

let browser;
let page;
let dir;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "rewal-nav-"));
  const log = path.join(dir, "orders.wal");
  nativeWriter(["big", log, "20000"]);
  browser = await start();
  page = await browser.newPage();
  await openFile(page, log);
});
after(async () => {
  assert.deepEqual(page.errors, []);
  await browser.close();
  await rm(dir, { recursive: true, force: true });
});

/** Resolves once the rows in view and the selected event have their data. */
const settled = () => page.evaluate(() => rewalViewer.settled());

const visibleLsns = async () => {
  await settled();
  return page.$$eval("#events .vrow:not([hidden])", (rows) =>
    rows.sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index)).map((r) => Number(r.children[0].textContent)),
  );
};
const visibleMeta = async () => {
  await settled();
  return page.$$eval("#events .vrow:not([hidden])", (rows) => rows.map((r) => r.children[3].textContent));
};
const note = () => page.textContent("#table-note");

/** Waits until the note under the toolbar says `text` (requests to the engine are asynchronous). */
const noteSays = (text) => page.waitForFunction((t) => document.getElementById("table-note").textContent === t, text);

async function jump(text) {
  await page.fill("#jump-lsn", text);
  await page.click('#jump-form button[type="submit"]');
}

async function filter(text) {
  await page.fill("#filter-meta", text);
  await page.click('#filter-form button[type="submit"]');
  await page.waitForFunction(() => !document.getElementById("table-note").textContent.startsWith("Filtering"));
}

test("jump to an LSN scrolls it to the top and selects it", async () => {
  await jump("12345");
  await page.waitForSelector('#detail[data-lsn="12345"]');
  assert.equal((await visibleLsns())[0], 12345);
  assert.equal(await note(), "LSN 12345: row 12,345");
  assert.match(await page.textContent('#detail [data-part="payload-json"]'), /"id": 12344/);
  assert.equal(await page.textContent('#detail [data-part="meta-text"]'), "type:order");
  assert.equal(await page.getAttribute("#events .vrow.selected", "data-index"), "12344");

  // The keys move the selection: arrows by one, Page Down by a screen,
  // Home and End to the ends; the selected row is the list's active
  // descendant and says so.
  await page.keyboard.press("ArrowDown");
  await page.waitForSelector('#detail[data-lsn="12346"]');
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowUp");
  await page.waitForSelector('#detail[data-lsn="12344"]');
  const perScreen = await page.$eval("#events", (list) => Math.floor(list.clientHeight / 26) - 1);
  await page.keyboard.press("PageDown");
  await page.waitForSelector(`#detail[data-lsn="${12344 + perScreen}"]`);
  await page.keyboard.press("PageUp");
  await page.waitForSelector('#detail[data-lsn="12344"]');
  await page.keyboard.press("End");
  await page.waitForSelector('#detail[data-lsn="20000"]');
  assert.equal(await page.getAttribute("#events", "aria-activedescendant"), "events-row-19999");
  assert.equal(await page.getAttribute("#events-row-19999", "aria-selected"), "true");
  assert.equal(await page.getAttribute("#events-row-19999", "aria-setsize"), "20000");
  await page.keyboard.press("Home");
  await page.waitForSelector('#detail[data-lsn="1"]');
  assert.deepEqual((await visibleLsns()).slice(0, 2), [1, 2]);
});

test("jump to an LSN no event has lands on the next one, or says there is none", async () => {
  // (The previous test ended on LSN 1: wait for the jump's own answer.)
  await jump("0");
  await noteSays("No event has LSN 0; the next one is LSN 1.");
  await page.waitForSelector('#detail[data-lsn="1"]');
  await jump("20001");
  await noteSays("No event at or after LSN 20001.");
  await jump("twelve");
  await noteSays("An LSN is a whole number, such as 1200.");
  await jump("20,000");
  await page.waitForSelector('#detail[data-lsn="20000"]');
});

test("the meta filter keeps exactly the matching events", async () => {
  await filter("type:refund");
  assert.equal(await note(), "5,000 of 20,000 events have meta containing “type:refund”");
  const lsns = await visibleLsns();
  assert.deepEqual(lsns.slice(0, 4), [3, 7, 11, 15]);
  assert.ok((await visibleMeta()).every((m) => m === "type:refund"));

  // Jumping inside the filter: the first kept event at or after the LSN.
  await jump("100");
  await page.waitForSelector('#detail[data-lsn="103"]');
  assert.equal((await visibleLsns())[0], 103);

  // Scrolled to the very end: the last kept event.
  await page.$eval("#events", (list) => (list.scrollTop = list.scrollHeight));
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll("#events .vrow:not([hidden])")];
    return rows.some((r) => r.children[0]?.textContent === "19999");
  });

  await filter("no such meta");
  assert.equal(await note(), "0 of 20,000 events have meta containing “no such meta”");
  assert.equal(await page.textContent("#events-empty"), "No event has meta containing “no such meta”.");

  await filter("");
  assert.equal(await note(), "20,000 events");
  assert.deepEqual((await visibleLsns()).slice(0, 3), [1, 2, 3]);
});

test("choosing a frame in the frame list shows its events", async () => {
  await page.click('.tab[data-tab="frames"]');
  await settled();
  const row = page.locator("#frames .vrow").nth(5);
  const offset = await row.locator("span").first().textContent();
  assert.equal(await row.locator("span").nth(2).textContent(), "6");
  await row.click();
  await page.waitForSelector('#detail[data-lsn="6"]');
  assert.equal(await page.isVisible("#tab-events"), true);
  assert.equal(await page.getAttribute('[data-tab="events"]', "aria-selected"), "true");
  assert.match(await page.textContent("#detail .facts"), new RegExp(`frame at offset ${Number(offset).toLocaleString("en-US")}`));
});

test("a click on the minimap selects the frame at that offset", async () => {
  const size = Number((await page.textContent("#summary [data-field=size]")).match(/\(([\d,]+) bytes\)/)[1].replaceAll(",", ""));
  await page.evaluate(() => delete document.getElementById("frame-note").dataset.offset);
  const box = await page.locator("#minimap").boundingBox();
  // Three quarters along the file: the frame list selects the frame
  // holding that offset, whose first LSN is about three quarters of 20,000.
  await page.mouse.click(box.x + box.width * 0.75, box.y + box.height / 2);
  await page.waitForFunction(() => document.getElementById("frame-note").dataset.offset !== undefined);
  assert.equal(await page.isVisible("#tab-frames"), true);
  const offset = Number(await page.getAttribute("#frame-note", "data-offset"));
  // The frame holding the offset clicked (frames here are about 100
  // bytes; a pixel of the map is about 2,000).
  const clicked = size * 0.75;
  const pixel = size / box.width;
  assert.ok(Math.abs(offset - clicked) < 2 * pixel + 200, `frame at ${offset} for a click near ${clicked}`);
  await settled();
  const selected = await page.$eval("#frames .vrow.selected", (row) => Number(row.children[0].textContent));
  assert.equal(selected, offset);
  const lsn = Number(await page.$eval("#frames .vrow.selected", (row) => row.children[2].textContent));
  assert.ok(Math.abs(lsn - 15000) < 100, `LSN ${lsn}`);
  // Enter opens it.
  await page.keyboard.press("Enter");
  await page.waitForSelector(`#detail[data-lsn="${lsn}"]`);
});

test("the breakdown counts events by meta, as rewal demo does, and frames by size", async () => {
  await page.click('.tab[data-tab="breakdown"]');
  const metas = await page.$$eval("#meta-table tbody tr", (rows) => rows.map((r) => [r.cells[0].textContent, r.cells[1].textContent]));
  assert.deepEqual(metas, [
    ["type:audit", "5,000"],
    ["type:order", "5,000"],
    ["type:payment", "5,000"],
    ["type:refund", "5,000"],
  ]);
  // Every frame is one event of 95 to 127 bytes.
  const sizes = await page.$$eval("#size-table tbody tr", (rows) => rows.map((r) => [r.cells[0].textContent, r.cells[1].textContent]));
  const total = sizes.reduce((sum, [, n]) => sum + Number(n.replaceAll(",", "")), 0);
  assert.equal(total, 20000);
  assert.ok(sizes.every(([label]) => /^(64 B to 127 B|128 B to 255 B)$/.test(label)), JSON.stringify(sizes));
  await page.click('.tab[data-tab="events"]');
});
