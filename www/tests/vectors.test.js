// The golden vectors (tests/vectors/) opened in the viewer: the summary,
// every event's LSN, payload and meta against the `.events` sidecars, the
// banners of the torn and corrupted logs with their offsets and the native
// `rewal verify` wording, the frame list, and the events after the
// corruption that a cut would remove.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { start, openFile, sidecar, VECTORS, ROOT } from "./harness.js";

let browser;
let page;
before(async () => {
  browser = await start();
  page = await browser.newPage();
});
after(async () => {
  assert.deepEqual(page.errors, [], "no console errors on the vector pages");
  await browser.close();
});

/** The summary panel as { field: text }. */
async function summary() {
  return page.$$eval("#summary dd", (dds) => Object.fromEntries(dds.map((dd) => [dd.dataset.field, dd.textContent])));
}

/** Resolves once the rows in view and the selected event have their data. */
const settled = () => page.evaluate(() => rewalViewer.settled());

/** The banner's sentences, and their HTML. */
async function bannerLines() {
  return page.$$eval("#banner-text p", (ps) => ps.map((p) => ({ text: p.textContent, html: p.innerHTML })));
}

/** The event rows in view as [{ lsn, frame, size, meta, payload }]. */
async function rows() {
  await settled();
  return page.$$eval("#events .vrow:not([hidden])", (rs) =>
    rs
      .map((r) => [...r.children].map((c) => c.textContent))
      .map(([lsn, frame, size, meta, payload]) => ({ lsn, frame, size, meta, payload })),
  );
}

/** The transcript of `rewal verify NAME.wal` (cli/tests/expected): its line, without "NAME: ", and exit code. */
async function cliVerifyRun(name) {
  const text = await readFile(path.join(ROOT, "cli", "tests", "expected", `${name}.txt`), "utf8");
  const command = `$ rewal verify ${name}.wal\n`;
  const [line, exit] = text.slice(text.indexOf(command) + command.length).split("\n");
  return { line: line.slice(`${name}.wal: `.length), exit: Number(exit.match(/^\[exit (\d+)\]$/)[1]) };
}

/** What `rewal verify` prints for a vector, without "NAME: ". */
async function cliVerify(name) {
  return (await cliVerifyRun(name)).line;
}

const printable = (bytes) => bytes.every((b) => b >= 0x20 && b < 0x7f && b !== 0x5c);

for (const name of ["plain", "meta", "compressed", "torn", "corrupt"]) {
  test(`${name}.wal: summary, verdict and every event as its sidecar says`, async () => {
    const expected = await sidecar(name);
    await openFile(page, path.join(VECTORS, `${name}.wal`));
    const bytes = await readFile(path.join(VECTORS, `${name}.wal`));
    const s = await summary();
    assert.match(s.size, new RegExp(`^${bytes.length} bytes`));
    assert.equal(s.events, String(expected.events.length));
    const lsns = expected.events.map((e) => e.lsn);
    assert.equal(s.LSNs, `${lsns[0]} to ${lsns.at(-1)}`);
    const end = expected.end
      .replace(/^torn-tail at/, "torn tail at offset")
      .replace(/^corrupted at (\d+), next valid frame at/, "corrupted at offset $1, next valid frame at");
    assert.equal(s.ends, end);
    assert.equal(await page.textContent("#verdict"), await cliVerify(name));

    const shown = await rows();
    assert.deepEqual(shown.map((r) => r.lsn), lsns);
    for (const [i, event] of expected.events.entries()) {
      const row = shown[i];
      if (name === "compressed") {
        // No decompressor, as in the native CLI: LSN and frame only.
        assert.equal(row.payload, "(compressed frame: no decompressor)");
        continue;
      }
      if (printable(event.payload)) assert.equal(row.payload, event.payload.toString("latin1"));
      if (event.meta === null) assert.equal(row.meta, "—");
      else if (printable(event.meta)) assert.equal(row.meta, event.meta.toString("latin1"));
      // The detail panel: every byte, through the hex view.
      await page.locator("#events .vrow").nth(i).click();
      await page.waitForSelector(`#detail[data-lsn="${event.lsn}"]`);
      const hex = await page.getAttribute('#detail [data-part="payload-hex"]', "data-hex");
      assert.equal(hex, event.payload.toString("hex"), `${name} LSN ${event.lsn} payload`);
      if (event.meta === null) {
        assert.equal(await page.locator("#detail .meta-none").count(), 1);
      } else {
        const metaHex = await page.getAttribute('#detail [data-part="meta-hex"]', "data-hex");
        assert.equal(metaHex, event.meta.toString("hex"), `${name} LSN ${event.lsn} meta`);
      }
    }
  });
}

test("a JSON payload is pretty-printed; a non-UTF-8 one is escaped, byte for byte", async () => {
  await openFile(page, path.join(VECTORS, "meta.wal"));
  await page.locator("#events .vrow").nth(3).click();
  assert.equal(await page.textContent('#detail [data-part="payload-text"]'), '\\x00\\xff\\x80\\x7f\\n\\t\\\\"\\xc3(');
  assert.equal(await page.locator('#detail [data-part="payload-json"]').count(), 0);
  await page.locator("#events .vrow").nth(6).click();
  assert.equal(await page.textContent('#detail [data-part="meta-text"]'), "tag:café");

  // A payload that is JSON, written by the composer path's engine.
  await page.evaluate(async () => {
    const wasm = await import("./pkg/rewal_wasm.js");
    const writer = new wasm.WriterCore();
    writer.append(new TextEncoder().encode('{"id":7,"tags":["a","b"]}'), new Uint8Array());
    window.__json = writer.finish();
  });
  const bytes = Buffer.from(await page.evaluate(() => Array.from(window.__json)));
  await openFile(page, { name: "json.wal", mimeType: "application/octet-stream", buffer: bytes });
  await page.locator("#events .vrow").first().click();
  assert.equal(
    await page.textContent('#detail [data-part="payload-json"]'),
    JSON.stringify({ id: 7, tags: ["a", "b"] }, null, 2),
  );
});

test("torn.wal: a warning banner names the offset and says what is wrong, each sentence once", async () => {
  await openFile(page, path.join(VECTORS, "torn.wal"));
  assert.equal(await page.isVisible("#banner"), true);
  assert.equal(await page.getAttribute("#banner", "data-kind"), "warn");
  assert.equal(
    await page.textContent("#banner-title"),
    "Torn tail at offset 233: the last 17 bytes are an unfinished write",
  );
  const verify = await cliVerify("torn");
  const lines = await bannerLines();
  // The engine's diagnosis, as a sentence: the clause of `rewal verify`
  // after "torn tail at offset 233: ".
  const problem = verify.match(/^torn tail at offset 233: ([^;]*);/)[1];
  assert.equal(lines[0].text, problem[0].toUpperCase() + problem.slice(1) + ".");
  assert.equal(lines[1].text, "The 5 events before it are shown.");
  assert.equal(lines[2].html, "<code>rewal repair</code> cuts the tail, and so does opening the log with rewal.");
  assert.equal(lines.length, 3);
  // Nothing is said twice, and no backtick is left for the eye.
  const text = await page.textContent("#banner");
  assert.equal(text.split("torn tail at offset").length + text.split("Torn tail at offset").length, 3, text);
  assert.equal(text.split("cuts the tail").length, 2, text);
  assert.ok(!text.includes("`"), text);
  // The whole verify line is in the summary, verbatim.
  assert.equal(await page.textContent("#verdict"), verify);

  await page.click('.tab[data-tab="frames"]');
  await settled();
  const frames = await page.$$eval("#frames .vrow:not([hidden])", (rs) => rs.map((r) => r.children[0].textContent + " " + r.children[6].textContent));
  assert.deepEqual(frames, ["0 ok", "45 ok", "86 ok", "136 ok", "192 ok", "233 invalid: the valid frames end here"]);
  await page.click('.tab[data-tab="events"]');
});

test("corrupt.wal: an error banner names both offsets and says what is wrong, each sentence once", async () => {
  await openFile(page, path.join(VECTORS, "corrupt.wal"));
  assert.equal(await page.getAttribute("#banner", "data-kind"), "bad");
  assert.equal(await page.textContent("#banner-title"), "Corrupted at offset 79, next valid frame at offset 127");
  const lines = await bannerLines();
  assert.match(lines[0].text, /^The frame there \(48 bytes\) fails its CRC-32C check \(stored 0x[0-9a-f]+, computed 0x[0-9a-f]+\)\.$/);
  assert.ok((await cliVerify("corrupt")).includes(lines[0].text.slice(1, -1)));
  assert.equal(lines[1].text, "The 2 events before it are shown; rewal refuses to open this log until it is repaired.");
  assert.equal(
    lines[2].html,
    "After it, 2 valid frames hold 2 events (LSNs 4 to 5) that <code>rewal repair --cut-at-corruption</code> would remove.",
  );
  assert.equal(await page.textContent("#banner-action"), "Show the 2 events after the corruption");
  assert.ok(!(await page.textContent("#banner")).includes("`"));

  await page.click('.tab[data-tab="frames"]');
  await settled();
  const frames = await page.$$eval("#frames .vrow:not([hidden])", (rs) =>
    rs.map((r) => [r.children[0].textContent, r.children[2].textContent, r.children[5].textContent, r.children[6].textContent]),
  );
  assert.deepEqual(frames.slice(0, 4), [
    ["0", "1", "ok", "ok"],
    ["39", "2", "ok", "ok"],
    ["79", "3", "bad", "invalid: the valid frames end here"],
    ["127", "4", "ok", "after corruption"],
  ]);
  await page.click('.tab[data-tab="events"]');
});

test("corrupt.wal: the events after the corruption open read-only, marked as what a cut removes", async () => {
  await openFile(page, path.join(VECTORS, "corrupt.wal"));
  // What they are: the engine's decode of the bytes from the next valid
  // frame on, opened as a log of their own (through the JavaScript API).
  const bytes = await readFile(path.join(VECTORS, "corrupt.wal"));
  const expected = await page.evaluate(async (tail) => {
    const wasm = await import("./pkg/rewal_wasm.js");
    const log = wasm.LogCore.open(new Uint8Array(tail));
    const events = log.eventsAt("log", 0, 100).map((e) => ({ lsn: String(e.lsn), payload: Array.from(e.payload) }));
    log.free();
    return events;
  }, [...bytes.subarray(127)]);
  assert.deepEqual(expected.map((e) => e.lsn), ["4", "5"]);

  // From the banner's button.
  await page.click("#banner-action");
  await page.waitForSelector('#detail[data-lsn="4"]');
  assert.equal(await page.isVisible("#after-strip"), true);
  assert.match(
    await page.textContent("#after-strip"),
    /After the corruption: rewal repair --cut-at-corruption would remove these 2 events \(2 valid frames, offsets 127 to 206\)/,
  );
  assert.equal(await page.textContent("#after-text code"), "rewal repair --cut-at-corruption");
  const shown = await rows();
  assert.deepEqual(shown.map((r) => r.lsn), ["4", "5"]);
  assert.ok(await page.$$eval("#events .vrow:not([hidden])", (rs) => rs.every((r) => r.classList.contains("after"))));
  assert.match(await page.textContent("#detail .after-note"), /would remove this event/);
  assert.equal(
    await page.getAttribute('#detail [data-part="payload-hex"]', "data-hex"),
    Buffer.from(expected[0].payload).toString("hex"),
  );
  // Back to the log's events.
  await page.click("#after-back");
  assert.equal(await page.isVisible("#after-strip"), false);
  assert.deepEqual((await rows()).map((r) => r.lsn), ["1", "2"]);

  // From the frame list: the second frame after the corruption.
  await page.click('.tab[data-tab="frames"]');
  await settled();
  await page.locator("#frames .vrow").nth(4).click();
  await page.waitForSelector('#detail[data-lsn="5"]');
  assert.equal(await page.isVisible("#after-strip"), true);
  assert.equal(await page.getAttribute("#events .vrow.selected", "data-index"), "1");
  await page.click("#after-back");
});

test("a clean log shows no banner", async () => {
  await openFile(page, path.join(VECTORS, "plain.wal"));
  assert.equal(await page.isVisible("#banner"), false);
});

test("the JavaScript API's verify report: the CLI's verdict and exit code for every vector", async () => {
  for (const name of ["plain", "meta", "compressed", "torn", "corrupt"]) {
    const bytes = [...(await readFile(path.join(VECTORS, `${name}.wal`)))];
    const report = await page.evaluate(async (data) => {
      const wasm = await import("./pkg/rewal_wasm.js");
      const log = wasm.LogCore.open(new Uint8Array(data));
      const r = log.verify();
      const out = { ok: r.ok, exitCode: r.exitCode, end: r.end, endOffset: r.endOffset, nextValid: r.nextValid, verdict: r.verdict };
      log.free();
      return out;
    }, bytes);
    const cli = await cliVerifyRun(name);
    assert.equal(report.verdict, cli.line, name);
    assert.equal(report.exitCode, cli.exit, name);
    assert.equal(report.ok, cli.exit === 0, name);
  }
});

test("a file dropped on the page opens like a chosen one", async () => {
  const bytes = [...(await readFile(path.join(VECTORS, "meta.wal")))];
  await page.evaluate(() => delete document.body.dataset.opened);
  const transfer = await page.evaluateHandle((data) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(data)], "dropped.wal"));
    return dt;
  }, bytes);
  await page.dispatchEvent("body", "dragenter", { dataTransfer: transfer });
  assert.equal(await page.isVisible("#drop-overlay"), true);
  await page.dispatchEvent("body", "drop", { dataTransfer: transfer });
  await page.waitForFunction(() => document.body.dataset.opened === "dropped.wal");
  assert.equal(await page.isVisible("#drop-overlay"), false);
  assert.equal(await page.textContent("#summary [data-field=events]"), "8");
  assert.deepEqual((await rows()).map((r) => r.lsn), ["1", "2", "3", "4", "5", "6", "7", "8"]);
});
