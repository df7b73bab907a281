// The viewer without a mouse: the open button comes first, then the
// minimap, the tabs, the toolbar, the list and the detail; every stop
// shows where the focus is; a file is opened, an LSN jumped to, the meta
// filtered, events selected with the arrows, Page Up/Down, Home and End,
// the tabs switched with the arrows, a frame opened from the frame list and
// from the minimap: all from the keyboard. On a 20 000-event log written
// by the native library (meta cycles type:order, type:payment,
// type:refund, type:audit).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { start, nativeWriter } from "./harness.js";

let browser;
let page;
let dir;
let log;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "rewal-keys-"));
  log = path.join(dir, "orders.wal");
  nativeWriter(["big", log, "20000"]);
  browser = await start();
  page = await browser.newPage();
});
after(async () => {
  assert.deepEqual(page.errors, []);
  await browser.close();
  await rm(dir, { recursive: true, force: true });
});

/** The focused element: an id (or tag) to name it, and whether its focus ring shows. */
function focused() {
  return page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    const name = el.id || (el.closest("form")?.id ? `${el.closest("form").id} ${el.tagName.toLowerCase()}` : el.tagName.toLowerCase());
    return { name, ring, inDetail: Boolean(el.closest("#detail")) };
  });
}

/** Presses Tab (Shift+Tab when `back`) and returns the focused element, checking its focus shows. */
async function tab(back = false) {
  await page.keyboard.press(back ? "Shift+Tab" : "Tab");
  const now = await focused();
  assert.ok(now.ring, `no visible focus on ${now.name}`);
  return now;
}

/** Tabs (forward, or back) until `name` has the focus. */
async function tabTo(name, back) {
  for (let i = 0; i < 40; i++) {
    if ((await focused()).name === name) return;
    await tab(back);
  }
  assert.fail(`${name} was not reached`);
}

const detailLsn = (lsn) => page.waitForSelector(`#detail[data-lsn="${lsn}"]`);

test("Tab reaches the open button first; Enter opens the file chooser", async () => {
  assert.equal((await tab()).name, "open-button");
  // Playwright intercepts file choosers once a listener exists, which it
  // sets up asynchronously: one round trip to the page makes sure.
  const choosing = page.waitForEvent("filechooser");
  await page.evaluate(() => 0);
  await page.keyboard.press("Enter");
  const chooser = await choosing;
  await chooser.setFiles(log);
  await page.waitForFunction(() => document.body.dataset.opened === "orders.wal" && document.body.dataset.openMs);
  // The focus stays where it was: on the open button.
  assert.equal((await focused()).name, "open-button");
});

test("then the minimap, the tabs, the toolbar, the list and the detail, in that order", async () => {
  const order = [];
  for (let i = 0; i < 14; i++) order.push((await tab()).name);
  assert.deepEqual(order, [
    "open-folder-button",
    "minimap",
    "tab-events-button",
    "jump-lsn",
    "jump-form button",
    "filter-meta",
    "filter-form button",
    "search-text",
    "search-as",
    "search-in",
    "search-form button",
    "download-jsonl", // the match buttons and "copy" wait for a search and a selection
    "events",
    "compose-payload", // no event selected yet: the detail has nothing to focus
  ]);
});

test("jump to an LSN, then move the selection with the keys", async () => {
  await tabTo("jump-lsn", true);
  await page.keyboard.type("12345");
  await page.keyboard.press("Enter");
  await detailLsn(12345);
  // The jump hands the focus to the list, where the keys move the selection.
  assert.equal((await focused()).name, "events");
  await page.keyboard.press("ArrowDown");
  await detailLsn(12346);
  await page.keyboard.press("PageDown");
  const perScreen = await page.$eval("#events", (list) => Math.floor(list.clientHeight / 26) - 1);
  await detailLsn(12346 + perScreen);
  await page.keyboard.press("PageUp");
  await detailLsn(12346);
  await page.keyboard.press("End");
  await detailLsn(20000);
  await page.keyboard.press("Home");
  await detailLsn(1);
  // With an event shown, Tab goes on into its detail.
  const next = await tab();
  assert.ok(next.inDetail, next.name);
});

test("filter by meta from the keyboard, then select among the matches", async () => {
  await tabTo("filter-meta", true);
  await page.keyboard.type("type:audit");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("table-note").textContent.startsWith("5,000 of 20,000"));
  await tabTo("events");
  await page.keyboard.press("Home");
  await detailLsn(4);
  await page.keyboard.press("ArrowDown");
  await detailLsn(8);
  await page.keyboard.press("End");
  await detailLsn(20000);
  assert.equal(await page.textContent('#detail [data-part="meta-text"]'), "type:audit");
});

test("the tabs switch with the arrow keys; Enter on a frame shows its events", async () => {
  await tabTo("tab-events-button", true);
  await page.keyboard.press("ArrowRight");
  assert.equal((await focused()).name, "tab-frames-button");
  assert.equal(await page.getAttribute("#tab-frames-button", "aria-selected"), "true");
  assert.equal(await page.isVisible("#tab-frames"), true);
  assert.equal(await page.isVisible("#tab-events"), false);
  assert.equal((await tab()).name, "frames");
  await page.keyboard.press("ArrowDown"); // the first frame
  await page.keyboard.press("ArrowDown");
  await page.waitForFunction(() => document.getElementById("frame-note").textContent.includes("LSN 2,"));
  await page.keyboard.press("Enter");
  await detailLsn(2);
  assert.equal(await page.getAttribute("#tab-events-button", "aria-selected"), "true");
  assert.equal((await focused()).name, "events");
});

test("the minimap: End, then Enter selects the last frame", async () => {
  await tabTo("minimap", true);
  await page.keyboard.press("End");
  assert.match(await page.getAttribute("#minimap", "aria-valuetext"), /: valid frame$/);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("frame-note").textContent.includes("LSN 20000,"));
  assert.equal((await focused()).name, "frames");
  await page.keyboard.press("Enter");
  await detailLsn(20000);
});
