// Finding events: jump to an LSN, filter by a meta substring (and jump
// within the filter), scroll to the end, keyboard selection, and from the
// frame list to the frame's events. On a 20 000-event log written by the
// native library (meta cycles type:order, type:payment, type:refund,
// type:audit; LSN n has payload id n - 1).

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

const visibleLsns = () =>
  page.$$eval("#events .vrow:not([hidden])", (rows) =>
    rows.sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index)).map((r) => Number(r.children[0].textContent)),
  );
const visibleMeta = () => page.$$eval("#events .vrow:not([hidden])", (rows) => rows.map((r) => r.children[3].textContent));
const note = () => page.textContent("#table-note");

async function jump(text) {
  await page.fill("#jump-lsn", text);
  await page.click('#jump-form button[type="submit"]');
}

async function filter(text) {
  await page.fill("#filter-meta", text);
  await page.click('#filter-form button[type="submit"]');
}

test("jump to an LSN scrolls it to the top and selects it", async () => {
  await jump("12345");
  await page.waitForSelector('#detail[data-lsn="12345"]');
  assert.equal((await visibleLsns())[0], 12345);
  assert.equal(await note(), "LSN 12345: row 12,345");
  assert.match(await page.textContent('#detail [data-part="payload-json"]'), /"id": 12344/);
  assert.equal(await page.textContent('#detail [data-part="meta-text"]'), "type:order");
  assert.equal(await page.getAttribute("#events .vrow.selected", "data-index"), "12344");

  // Arrow keys move the selection.
  await page.keyboard.press("ArrowDown");
  await page.waitForSelector('#detail[data-lsn="12346"]');
});

test("jump to an LSN no event has lands on the next one, or says there is none", async () => {
  await jump("0");
  await page.waitForSelector('#detail[data-lsn="1"]');
  assert.equal(await note(), "No event has LSN 0; the next one is LSN 1.");
  await jump("20001");
  assert.equal(await note(), "No event at or after LSN 20001.");
  await jump("twelve");
  assert.equal(await note(), "An LSN is a whole number, such as 1200.");
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
    return rows.some((r) => r.children[0].textContent === "19999");
  });

  await filter("no such meta");
  assert.equal(await note(), "0 of 20,000 events have meta containing “no such meta”");
  assert.equal(await page.textContent("#events .placeholder"), "No event has meta containing “no such meta”.");

  await filter("");
  assert.equal(await note(), "20,000 events");
  assert.deepEqual((await visibleLsns()).slice(0, 3), [1, 2, 3]);
});

test("choosing a frame in the frame list shows its events", async () => {
  await page.click('.tab[data-tab="frames"]');
  const row = page.locator("#frames .vrow").nth(5);
  const offset = await row.locator("span").first().textContent();
  assert.equal(await row.locator("span").nth(2).textContent(), "6");
  await row.click();
  await page.waitForSelector('#detail[data-lsn="6"]');
  assert.equal(await page.isVisible("#tab-events"), true);
  assert.match(await page.textContent("#detail .facts"), new RegExp(`frame at offset ${Number(offset).toLocaleString("en-US")}`));
});
