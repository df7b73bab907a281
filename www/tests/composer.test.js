// The composer: events typed into the page, written by the engine in wasm,
// downloaded; the file must equal, byte for byte, what the native library
// writes for the same appends (wasm/examples/native_writer.rs), and open
// in the viewer as clean.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { start, nativeWriter } from "./harness.js";

let browser;
let dir;
before(async () => {
  browser = await start();
  dir = await mkdtemp(path.join(tmpdir(), "rewal-compose-"));
});
after(async () => {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
});

const EVENTS = [
  { payload: "hello world", meta: "" },
  { payload: '{"id": 42, "name": "Zoë", "tags": ["a", "b"]}', meta: "type:update" },
  { payload: "line one\nline two\ttabbed", meta: "" },
  { payload: "", meta: "type:heartbeat" },
  { payload: "µ-events ✓ 日本", meta: "tag:café" },
];

/** Types the events into the composer, builds, and returns the downloaded bytes. */
async function compose(page, events, batch) {
  for (const event of events) {
    await page.fill("#compose-payload", event.payload);
    await page.fill("#compose-meta", event.meta);
    await page.click('#compose-form button[type="submit"]');
  }
  assert.equal(await page.locator("#compose-list li").count(), events.length);
  if (batch) await page.check("#compose-batch");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#compose-build")]);
  assert.equal(download.suggestedFilename(), "composed.wal");
  const saved = path.join(dir, `downloaded-${batch ? "batch" : "single"}.wal`);
  await download.saveAs(saved);
  return readFile(saved);
}

/** What the native library writes for the same appends. */
async function native(events, batch) {
  const hex = (text) => Buffer.from(text, "utf8").toString("hex");
  const lines = [batch ? "batch" : "single", ...events.map((e) => `${hex(e.payload)} ${e.meta === "" ? "-" : hex(e.meta)}`)];
  const out = path.join(dir, `native-${batch ? "batch" : "single"}.wal`);
  nativeWriter(["compose", out], lines.join("\n") + "\n");
  return readFile(out);
}

for (const batch of [false, true]) {
  test(`compose ${batch ? "one batch" : "single appends"} → download → the native library's bytes`, async () => {
    const page = await browser.newPage();
    const downloaded = await compose(page, EVENTS, batch);
    const expected = await native(EVENTS, batch);
    assert.ok(downloaded.length > 0);
    assert.equal(downloaded.toString("hex"), expected.toString("hex"));

    // The built log is opened in the viewer: clean, every event there.
    await page.waitForFunction(() => document.body.dataset.opened === "composed.wal");
    assert.equal(await page.isVisible("#banner"), false);
    assert.equal(await page.textContent("#summary [data-field=events]"), String(EVENTS.length));
    assert.equal(await page.textContent("#summary [data-field=frames]"), `${batch ? 1 : EVENTS.length}, 0 compressed`);
    assert.match(await page.textContent("#verdict"), /^ok: every frame checked: /);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

test("the writer's errors are RewalErrors with a code and the engine's message", async () => {
  const page = await browser.newPage();
  const messages = await page.evaluate(async () => {
    const wasm = await import("./pkg/rewal_wasm.js");
    const caught = (f) => {
      try {
        f();
        return "no error";
      } catch (error) {
        return `${error instanceof Error} ${error.name} ${error.code} ${error.message}`;
      }
    };
    const writer = new wasm.WriterCore();
    const first = writer.append(new Uint8Array([1]), new Uint8Array());
    const out = [
      caught(() => writer.append(new Uint8Array([1]), new Uint8Array(65536))),
      caught(() => writer.appendBatch()),
    ];
    writer.finish();
    out.push(caught(() => writer.append(new Uint8Array([2]), new Uint8Array())));
    out.push(String(first), String(writer.lastLsn));
    return out;
  });
  // The engine's messages, as its errors word them (lowercase, no crate
  // prefix, since the error guidelines change).
  assert.deepEqual(messages, [
    "true RewalError too-large too large for the format: meta is at most 65535 bytes, payloads and frames at most 4 GiB",
    "true RewalError empty-batch an append needs at least one event",
    "true RewalError closed the log is closed",
    "1",
    "1",
  ]);
  // The composer says so in words too, rather than failing.
  await page.click("#compose-build");
  assert.equal(await page.textContent("#compose-note"), "Add at least one event first.");
  assert.deepEqual(page.errors, []);
  await page.close();
});
