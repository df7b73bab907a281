// Accessibility, checked by axe-core (injected into the page) in every
// state of the viewer, in the light and the dark theme: empty, a clean
// log, a torn one, a corrupted one and its events after the corruption,
// a file that is not a log, the frames tab, the breakdown tab, and the
// composer with events in it, and a log of segment files with a gap (its
// banner, its lists, its segments tab). No serious or critical violation is allowed;
// the counts of every impact are printed as `a11y:` lines. And the
// contrasts axe cannot judge: the selected row against the others.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { start, openFile, axe, settled, nativeWriter, VECTORS } from "./harness.js";

let browser;
let scratch;
let segments; // the paths of a segment directory's files, one missing
before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "rewal-a11y-"));
  const dir = path.join(scratch, "log");
  nativeWriter(["segments", dir, "200", "4096"]);
  const names = (await readdir(dir)).filter((name) => name.endsWith(".wal")).sort();
  segments = names.filter((_, i) => i !== 2).map((name) => path.join(dir, name));
  browser = await start();
});
after(async () => {
  await browser.close();
  await rm(scratch, { recursive: true, force: true });
});

/** Checks `state` with axe: prints the counts, fails on serious or critical violations. */
async function check(page, state, scheme) {
  const violations = await axe(page);
  const counts = {};
  for (const v of violations) counts[v.impact] = (counts[v.impact] ?? 0) + v.nodes.length;
  console.log(`a11y: ${scheme} ${state}: ${violations.length === 0 ? "no violations" : JSON.stringify(counts)}`);
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `${scheme} ${state}`);
}

const file = (name, buffer) => ({ name, mimeType: "application/octet-stream", buffer });

for (const scheme of ["light", "dark"]) {
  test(`axe finds no serious or critical violation in any state (${scheme})`, async () => {
    const page = await browser.newPage({ colorScheme: scheme });
    await check(page, "empty", scheme);

    await openFile(page, path.join(VECTORS, "meta.wal"));
    await page.locator("#events .vrow").nth(2).click();
    await page.waitForSelector('#detail[data-lsn="3"]');
    await check(page, "clean log, an event selected", scheme);

    await openFile(page, path.join(VECTORS, "torn.wal"));
    await settled(page);
    await check(page, "torn tail", scheme);

    await openFile(page, path.join(VECTORS, "corrupt.wal"));
    await settled(page);
    await check(page, "corrupted", scheme);
    await page.click("#banner-action");
    await page.waitForSelector('#detail[data-lsn="4"]');
    await check(page, "events after the corruption", scheme);

    await page.click('[data-tab="frames"]');
    await settled(page);
    // The invalid frame: selected, it is described, and stays in the tab.
    await page.locator("#frames .vrow").nth(2).click();
    await page.waitForFunction(() => document.getElementById("frame-note").dataset.offset === "79");
    await check(page, "frames tab, the invalid frame selected", scheme);

    await page.click('[data-tab="breakdown"]');
    await check(page, "breakdown tab", scheme);

    await openFile(page, file("random.bin", Buffer.from("\x7fELF and then some bytes that are not a log")));
    await check(page, "not a log", scheme);

    await page.locator("#file-input").setInputFiles(segments);
    await page.waitForFunction((n) => document.body.dataset.opened === `${n} segment files` && document.body.dataset.openMs, segments.length);
    await settled(page);
    await check(page, "segment files with a gap", scheme);
    await page.click("#banner-action");
    await page.waitForSelector("#detail[data-lsn]");
    await check(page, "segment files, the events after the gap", scheme);
    await page.click('[data-tab="frames"]');
    await settled(page);
    await check(page, "segment files, frames tab", scheme);
    await page.click('[data-tab="segments"]');
    await check(page, "segments tab", scheme);

    await page.fill("#compose-payload", '{"id": 1}');
    await page.fill("#compose-meta", "type:a");
    await page.click('#compose-form button[type="submit"]');
    await page.fill("#compose-payload", "second");
    await page.click('#compose-form button[type="submit"]');
    await check(page, "composer with two events", scheme);

    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test(`the selection and the text contrast at least 4.5:1 (${scheme})`, async () => {
    const page = await browser.newPage({ colorScheme: scheme });
    await openFile(page, path.join(VECTORS, "meta.wal"));
    await page.locator("#events .vrow").nth(1).click();
    await page.waitForSelector('#detail[data-lsn="2"]');
    const colours = await page.evaluate(() => {
      const css = (el, prop) => getComputedStyle(el)[prop];
      const selected = document.querySelector("#events .vrow.selected");
      const plain = document.querySelector("#events .vrow:not(.selected)");
      const list = document.getElementById("events");
      const panel = css(document.querySelector(".workspace"), "backgroundColor");
      return {
        listBackground: css(list, "backgroundColor") === "rgba(0, 0, 0, 0)" ? panel : css(list, "backgroundColor"),
        selectedBackground: css(selected, "backgroundColor"),
        selectedText: css(selected, "color"),
        selectedNone: css(selected.querySelector(".none") ?? selected, "color"),
        rowText: css(plain, "color"),
        mutedText: css(plain.querySelector(".none") ?? plain, "color"),
        body: css(document.body, "backgroundColor"),
      };
    });
    const ratio = (a, b) => contrast(rgb(a), rgb(b));
    const selection = ratio(colours.selectedBackground, colours.listBackground);
    const text = ratio(colours.selectedText, colours.selectedBackground);
    console.log(
      `a11y: ${scheme}: selected row vs other rows ${selection.toFixed(2)}:1, its text ${text.toFixed(2)}:1, ` +
        `row text ${ratio(colours.rowText, colours.listBackground).toFixed(2)}:1, muted ${ratio(colours.mutedText, colours.listBackground).toFixed(2)}:1`,
    );
    assert.ok(selection >= 4.5, `selection ${selection}`);
    assert.ok(text >= 4.5, `selected text ${text}`);
    assert.ok(ratio(colours.selectedNone, colours.selectedBackground) >= 4.5);
    assert.ok(ratio(colours.rowText, colours.listBackground) >= 4.5);
    assert.ok(ratio(colours.mutedText, colours.listBackground) >= 4.5);
    // The dark theme is dark, the light one light.
    const body = luminance(rgb(colours.body));
    assert.ok(scheme === "dark" ? body < 0.05 : body > 0.8, `body luminance ${body}`);
    await page.close();
  });
}

test("screen readers hear each row with its columns named", async () => {
  const page = await browser.newPage();
  await openFile(page, path.join(VECTORS, "meta.wal"));
  await settled(page);
  const events = await page.locator("#events").ariaSnapshot();
  assert.match(events, /listbox "Events"/);
  assert.match(events, /option "LSN 2 , frame at 41 , 15 bytes , meta: type:update , payload: user 42 renamed"/);
  await page.click('[data-tab="frames"]');
  await settled(page);
  const frames = await page.locator("#frames").ariaSnapshot();
  assert.match(frames, /option "frame at 193 , 82 bytes , first LSN 5 , events: 3 , flags: 0 , CRC ok , ok"/);
  await page.close();
});

/** "rgb(r, g, b)" as [r, g, b]. */
function rgb(css) {
  const [r, g, b] = css.match(/[\d.]+/g).map(Number);
  return [r, g, b];
}

/** WCAG relative luminance. */
function luminance([r, g, b]) {
  const channel = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG contrast ratio of two colours. */
function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
