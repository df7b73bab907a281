// The viewer's first look, search, and sharing: the example logs the
// empty page offers (built in the page by the engine); search in payloads
// and metas, as text, hex bytes and a regular expression, its counts
// checked against the events `rewal dump --format jsonl` prints for the
// same file; the URL's fragment and `?url=` returning to what was shown,
// after a reload too; and the JSON lines the viewer exports, compared
// with the CLI's byte for byte. Screenshots: target/www-empty-{light,dark}.png
// and target/www-search-{light,dark}.png.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, readFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { start, serve, nativeWriter, settled, axe, ROOT } from "./harness.js";

const EVENTS = 20_000;
let browser;
let dir;
let logs; // the server of `dir`, for ?url=
let dump; // the CLI's JSON lines of orders.wal
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "rewal-features-"));
  nativeWriter(["big", path.join(dir, "orders.wal"), String(EVENTS)]);
  execFileSync("cargo", ["build", "--quiet", "--manifest-path", path.join(ROOT, "Cargo.toml"), "-p", "rewal-cli"], { stdio: ["ignore", "inherit", "inherit"] });
  const rewal = path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, "target"), "debug", "rewal");
  dump = execFileSync(rewal, ["dump", path.join(dir, "orders.wal"), "--format", "jsonl"], { encoding: "utf8", maxBuffer: 1 << 30 })
    .split("\n")
    .filter(Boolean);
  logs = await serve(dir);
  browser = await start();
});
after(async () => {
  await browser.close();
  await logs.close();
  await rm(dir, { recursive: true, force: true });
});

const opened = (page) => page.waitForFunction(() => document.body.dataset.opened && document.body.dataset.openMs, null, { timeout: 60_000 });

async function screenshot(page, name) {
  await mkdir(path.join(ROOT, "target"), { recursive: true });
  const file = path.join(ROOT, "target", `www-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

for (const scheme of ["light", "dark"]) {
  test(`a first look without a file: the example logs (${scheme})`, async () => {
    const page = await browser.newPage({ colorScheme: scheme });
    assert.equal(await page.isVisible("#example-corrupted"), true);
    assert.deepEqual(await axe(page), [], "the empty state");
    await screenshot(page, `empty-${scheme}`);

    await page.click("#example-corrupted");
    await opened(page);
    assert.match(page.url(), /\?example=corrupted$/);
    assert.match(await page.textContent("#banner-title"), /^Corrupted at offset \d+, next valid frame at offset \d+$/);
    assert.match(await page.textContent("#verdict"), /^corrupted at offset \d+: the frame there \(\d+ bytes\) fails its CRC-32C check/);
    const after = await page.textContent("#summary [data-field='after it']");
    assert.match(after, /^\d+ events in \d+ valid frames/);
    assert.deepEqual(await axe(page), [], "the corrupted example");

    // Back to the empty page, which offers the other example.
    await page.goto(new URL(page.url()).origin + "/");
    await page.waitForSelector("body[data-ready=true]");
    await page.click("#example-torn");
    await opened(page);
    assert.match(page.url(), /\?example=torn$/);
    assert.match(await page.textContent("#banner-title"), /^Torn tail at offset \d+: the last \d+ bytes are an unfinished write$/);
    assert.match(await page.textContent("#verdict"), /^torn tail at offset \d+: .*`rewal repair` cuts the tail$/);
    // A reload builds the same example again.
    const verdict = await page.textContent("#verdict");
    await page.reload();
    await opened(page);
    assert.equal(await page.textContent("#verdict"), verdict);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

/** The CLI's lines whose event matches `keep(payload, meta)`. */
const cli = (keep) => dump.filter((line) => {
  const { payload, meta } = JSON.parse(line);
  return keep(payload, meta);
});

async function search(page, text, as = "text", field = "both") {
  await page.evaluate(() => delete document.body.dataset.searchMs);
  await page.fill("#search-text", text);
  await page.selectOption("#search-as", as);
  await page.selectOption("#search-in", field);
  await page.click('#search-form button[type="submit"]');
  await page.waitForFunction(() => document.body.dataset.searchMs || document.getElementById("search-note").classList.contains("error"));
  return page.textContent("#search-note");
}

const count = (note) => Number(note.match(/([\d,]+) events? with/)?.[1].replaceAll(",", "") ?? NaN);

for (const scheme of ["light", "dark"]) {
  test(`search: text, hex and regex, in payloads and metas, counted and stepped through (${scheme})`, async () => {
    const page = await browser.newPage({ colorScheme: scheme, at: `?url=${encodeURIComponent(logs.url + "orders.wal")}` });
    await opened(page);

    // Text in payloads: as many as the CLI's events whose payload holds it.
    let note = await search(page, "n0001", "text", "payload");
    const n = cli((payload) => payload.includes("n0001")).length;
    assert.ok(n > 3);
    assert.match(note, new RegExp(`^match 1 of ${n} · ${n} events with a payload containing “n0001” \\(\\d+ ms\\)$`));
    const firsts = [];
    for (let i = 0; i < 3; i++) {
      firsts.push(await page.getAttribute("#detail", "data-lsn"));
      await page.click("#search-next");
      await page.waitForFunction((n) => document.body.dataset.matchAt === String(n), i + 2);
      await page.waitForFunction((lsn) => document.getElementById("detail").dataset.lsn !== lsn, firsts.at(-1));
    }
    const expected = cli((payload) => payload.includes("n0001")).map((line) => String(JSON.parse(line).lsn));
    assert.deepEqual(firsts, expected.slice(0, 3));
    await page.click("#search-prev");
    await page.waitForFunction(() => document.body.dataset.matchAt === "3");
    assert.equal(await page.getAttribute("#detail", "data-lsn"), expected[2]);
    // Only the matches listed.
    await page.check("#search-only");
    await settled(page);
    assert.equal(await page.getAttribute("#events", "aria-label"), "Events");
    assert.equal(await page.locator("#events .vrow:not([hidden])").first().getAttribute("aria-setsize"), String(n));
    assert.equal(await page.getAttribute("#detail", "data-lsn"), expected[2]);

    // The text found is marked in the selected event, where it was looked for.
    assert.deepEqual(await page.$$eval('#detail [data-part="payload-text"] mark.hit', (marks) => marks.map((m) => m.textContent)), ["n0001"]);
    // Metas, text: a quarter of the events.
    note = await search(page, "refund", "text", "meta");
    assert.equal(count(note), cli((_, meta) => meta.includes("refund")).length);
    await page.waitForSelector('#detail [data-part="meta-text"] mark.hit');
    assert.equal(await page.locator('#detail [data-part="payload-text"] mark').count(), 0);
    assert.deepEqual(await axe(page), [], "a search with its text marked");
    // Hex bytes: `"EUR"` in hex, in payload or meta.
    note = await search(page, "22 45 55 52 22", "hex", "both");
    assert.equal(count(note), EVENTS);
    // A regular expression, as the regex crate reads it.
    note = await search(page, String.raw`"amount":9\d{4},`, "regex", "payload");
    assert.equal(count(note), cli((payload) => /"amount":9\d{4},/.test(payload)).length);
    assert.ok(count(note) > 100);
    await screenshot(page, `search-${scheme}`);
    assert.deepEqual(await axe(page), [], "a search with matches");
    // A query that cannot be is said where it was typed.
    note = await search(page, "(unclosed", "regex");
    assert.match(note, /^not a regular expression/);
    note = await search(page, "abc", "hex");
    assert.match(note, /odd number of digits/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

test("the URL returns to what was shown: ?url=, the fragment, a reload", async () => {
  const address = `?url=${encodeURIComponent(logs.url + "orders.wal")}`;
  const page = await browser.newPage({ at: `${address}#lsn=12345&tab=frames` });
  await opened(page);
  assert.equal(await page.textContent("#summary h2"), "orders.wal");
  assert.equal(await page.getAttribute("#tab-frames-button", "aria-selected"), "true");
  await page.click('[data-tab="events"]');
  await page.waitForSelector('#detail[data-lsn="12345"]');

  // Filter, select, search: all in the fragment.
  await page.fill("#filter-meta", "type:audit");
  await page.click('#filter-form button[type="submit"]');
  await page.waitForFunction(() => document.getElementById("table-note").textContent.startsWith("5,000 of 20,000"));
  await page.locator("#events .vrow").nth(3).click();
  await page.waitForSelector('#detail[data-lsn="16"]');
  assert.deepEqual(Object.fromEntries(new URLSearchParams(new URL(page.url()).hash.slice(1))), { filter: "type:audit", lsn: "16" });
  await page.reload();
  await opened(page);
  await page.waitForSelector('#detail[data-lsn="16"]');
  assert.equal(await page.inputValue("#filter-meta"), "type:audit");
  assert.equal(await page.locator("#events .vrow:not([hidden])").first().getAttribute("aria-setsize"), "5000");

  await search(page, "n0001", "text", "payload");
  const hash = new URL(page.url()).hash;
  assert.match(hash, /search=n0001&as=text&in=payload/);
  await page.reload();
  await opened(page);
  await page.waitForFunction(() => document.body.dataset.matchAt === "1");
  assert.equal(await page.inputValue("#search-text"), "n0001");
  assert.equal(await page.inputValue("#search-in"), "payload");

  // A log that cannot be fetched is said so.
  const missing = await browser.newPage({ at: `?url=${encodeURIComponent(logs.url + "missing.wal")}` });
  await missing.waitForFunction(() => !document.getElementById("banner").hidden);
  assert.match(await missing.textContent("#banner-title"), /^Could not fetch /);
  assert.match(await missing.textContent("#banner-text"), /404/);
  assert.deepEqual(page.errors, []);
  await page.close();
  await missing.close();
});

test("JSON lines: the selected events and the list, as `rewal dump --format jsonl` prints them", async () => {
  const page = await browser.newPage({ at: `?url=${encodeURIComponent(logs.url + "orders.wal")}` });
  await opened(page);
  // The whole log.
  const [whole] = await Promise.all([page.waitForEvent("download"), page.click("#download-jsonl")]);
  assert.equal(whole.suggestedFilename(), "orders.jsonl");
  const saved = path.join(dir, "whole.jsonl");
  await whole.saveAs(saved);
  assert.equal(await readFile(saved, "utf8"), dump.join("\n") + "\n");
  // A filtered list.
  await page.fill("#filter-meta", "type:payment");
  await page.click('#filter-form button[type="submit"]');
  await page.waitForFunction(() => document.getElementById("table-note").textContent.startsWith("5,000 of"));
  const [filtered] = await Promise.all([page.waitForEvent("download"), page.click("#download-jsonl")]);
  assert.equal(filtered.suggestedFilename(), "orders-filtered.jsonl");
  await filtered.saveAs(saved);
  assert.equal(await readFile(saved, "utf8"), cli((_, meta) => meta === "type:payment").join("\n") + "\n");
  // The selected event, to the clipboard.
  const payments = cli((_, meta) => meta === "type:payment");
  const copy = async () => {
    await page.evaluate(() => (document.getElementById("export-note").textContent = ""));
    await page.click("#copy-jsonl");
    await page.waitForFunction(() => document.getElementById("export-note").textContent.startsWith("Copied"));
    return page.evaluate(() => navigator.clipboard.readText());
  };
  await page.locator("#events .vrow").nth(2).click();
  await page.waitForSelector('#detail[data-lsn="10"]');
  assert.equal(await copy(), dump[9] + "\n");
  assert.equal(payments[2], dump[9]);
  // Several: Shift with a click, then Shift with the arrow keys.
  await page.locator("#events .vrow").nth(5).click({ modifiers: ["Shift"] });
  assert.equal(await page.locator('#events .vrow[aria-selected="true"]').count(), 4);
  assert.equal(await page.getAttribute("#events", "aria-multiselectable"), "true");
  assert.equal(await copy(), payments.slice(2, 6).join("\n") + "\n");
  assert.equal(await page.textContent("#export-note"), "Copied 4 events as JSON lines.");
  await page.focus("#events");
  await page.keyboard.press("Shift+ArrowDown");
  await page.keyboard.press("Shift+ArrowDown");
  assert.equal(await copy(), payments.slice(2, 8).join("\n") + "\n");
  // A plain click selects one again.
  await page.locator("#events .vrow").nth(4).click();
  assert.equal(await page.locator('#events .vrow[aria-selected="true"]').count(), 1);
  assert.equal(await copy(), payments[4] + "\n");
  assert.deepEqual(page.errors, []);
  await page.close();
});
