// The page at 360 px (a phone) and 1400 px, light and dark, on a log with
// a corruption in it: screenshots under target/ (www-360-light.png,
// www-360-dark.png, www-1400-light.png, www-1400-dark.png), and what they
// should show: nothing scrolls sideways, at 360 px each row's columns fold
// into two lines, the lists are as tall as the window allows, the minimap
// paints the valid frames, the corruption and the frames after it where
// they are, and axe finds no serious or critical violation at 360 px.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, readFile, writeFile, mkdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { start, openFile, nativeWriter, axe, settled, ROOT } from "./harness.js";

let browser;
let dir;
let log;
let size;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "rewal-layout-"));
  const clean = path.join(dir, "clean.wal");
  nativeWriter(["big", clean, "20000"]);
  // One flipped byte 60% into the file: that frame fails its CRC, and the
  // frames after it are what a cut would remove.
  const bytes = await readFile(clean);
  size = bytes.length;
  bytes[Math.floor(size * 0.6)] ^= 0x5a;
  log = path.join(dir, "orders-corrupted.wal");
  await writeFile(log, bytes);
  await mkdir(path.join(ROOT, "target"), { recursive: true });
  browser = await start();
});
after(async () => {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
});

/** Where things are on the page. */
function measure(page) {
  return page.evaluate(() => {
    const row = document.querySelector("#events .vrow:not([hidden])");
    const top = (sel) => row.querySelector(sel).getBoundingClientRect().top;
    return {
      scrollWidth: document.documentElement.scrollWidth,
      rowHeight: row.getBoundingClientRect().height,
      lsnTop: top(".lsn"),
      payloadTop: top(".payload"),
      listHeight: document.getElementById("events").clientHeight,
      endOffset: Number(document.querySelector("#summary [data-field=ends]").textContent.match(/offset (\d+)/)[1]),
    };
  });
}

/**
 * The minimap's colours in the pixel column of file offset `offset` (the
 * frames after a corruption are hatched: two colours), and the colours the
 * stylesheet gives each kind.
 */
function minimapAt(page, offset, bytes) {
  return page.evaluate(
    ([offset, bytes]) => {
      const canvas = document.getElementById("minimap");
      const x = Math.min(canvas.width - 1, Math.floor((offset * canvas.width) / bytes));
      const column = canvas.getContext("2d").getImageData(x, 0, 1, canvas.height).data;
      const pixels = new Set();
      for (let y = 0; y < canvas.height; y++) {
        pixels.add(`rgb(${column[4 * y]}, ${column[4 * y + 1]}, ${column[4 * y + 2]})`);
      }
      const probe = document.createElement("div");
      document.body.append(probe);
      const colour = (name) => {
        probe.style.color = `var(${name})`;
        return getComputedStyle(probe).color;
      };
      const kinds = {
        valid: colour("--map-valid"),
        corrupt: colour("--map-corrupt"),
        after: colour("--map-after"),
        empty: colour("--map-empty"),
      };
      probe.remove();
      return { pixels: [...pixels].sort(), kinds };
    },
    [offset, bytes],
  );
}

for (const width of [1400, 360]) {
  for (const scheme of ["light", "dark"]) {
    test(`${width} px, ${scheme}: target/www-${width}-${scheme}.png`, async () => {
      const height = width === 360 ? 800 : 1000;
      const page = await browser.newPage({ viewport: { width, height }, colorScheme: scheme });
      await openFile(page, log);
      await page.fill("#jump-lsn", "42");
      await page.press("#jump-lsn", "Enter");
      await page.waitForSelector('#detail[data-lsn="42"]');
      await settled(page);
      const m = await measure(page);
      assert.ok(m.scrollWidth <= width, `the page is ${m.scrollWidth} px wide`);
      if (width === 360) {
        // Columns fold into rows: the payload under the LSN.
        assert.equal(m.rowHeight, 44);
        assert.ok(m.payloadTop >= m.lsnTop + 15, JSON.stringify(m));
      } else {
        assert.equal(m.rowHeight, 26);
        assert.equal(m.payloadTop, m.lsnTop);
      }
      // The list is as tall as the window allows, and follows it.
      const expected = (h) => (width === 360 ? Math.max(240, 0.6 * h) : Math.max(260, h - 300));
      assert.ok(Math.abs(m.listHeight - expected(height)) <= 1, `list ${m.listHeight} px in a ${height} px window`);
      await page.setViewportSize({ width, height: height - 200 });
      const shorter = await page.$eval("#events", (list) => list.clientHeight);
      assert.ok(Math.abs(shorter - expected(height - 200)) <= 1, `list ${shorter} px in a ${height - 200} px window`);
      await page.setViewportSize({ width, height });

      // The minimap: valid frames at the start, the corruption where the
      // summary says, the frames after it at the end.
      const first = await minimapAt(page, 0, size);
      assert.deepEqual(first.pixels, [first.kinds.valid]);
      const hole = await minimapAt(page, m.endOffset, size);
      assert.deepEqual(hole.pixels, [hole.kinds.corrupt]);
      const tail = await minimapAt(page, size - 1, size);
      assert.deepEqual(tail.pixels, [tail.kinds.after, tail.kinds.empty].sort());

      if (width === 360) {
        const violations = await axe(page);
        console.log(`a11y: ${scheme} ${width} px, corrupted log: ${violations.length === 0 ? "no violations" : JSON.stringify(violations)}`);
        const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
        assert.deepEqual(bad, [], `axe at ${width} px ${scheme}`);
      }
      const file = path.join(ROOT, "target", `www-${width}-${scheme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      assert.ok((await stat(file)).size > 10_000);
      console.log(`screenshot: ${file}`);
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  }
}
