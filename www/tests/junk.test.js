// Files that are not logs: random bytes, a 0-byte file, a text file. Each
// gets a readable message on the page, and the console stays free of
// errors and exceptions.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { start, openFile } from "./harness.js";

let browser;
before(async () => {
  browser = await start();
});
after(async () => {
  await browser.close();
});

const file = (name, buffer) => ({ name, mimeType: "application/octet-stream", buffer });

test("random bytes: 'Not a rewal log', with how the file begins", async () => {
  const page = await browser.newPage();
  // Not starting with (a prefix of) "EWAL" or zeros, as a random file
  // almost surely does not; fixed so the message can be checked.
  const junk = Buffer.concat([Buffer.from([0x7f, 0xd8, 0x82, 0x2a, 0x76, 0xcf, 0x2c, 0x0a]), randomBytes(4096)]);
  await openFile(page, file("random.bin", junk));
  assert.equal(await page.isVisible("#banner"), true);
  assert.equal(await page.textContent("#banner-title"), "Not a rewal log");
  const text = await page.textContent("#banner-text");
  assert.match(text, /does not begin like a rewal write-ahead log/);
  assert.match(text, /it is not a rewal log: it begins with 7f d8 82 2a 76 cf 2c 0a where a log begins with "EWAL"/);
  assert.equal(await page.textContent("#summary [data-field=ends]"), "not a rewal log");
  assert.equal(await page.textContent("#events-empty"), "Not a rewal log: no events.");
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a 0-byte file: an empty log, said in words", async () => {
  const page = await browser.newPage();
  await openFile(page, file("empty.wal", Buffer.alloc(0)));
  assert.equal(await page.getAttribute("#banner", "data-kind"), "info");
  assert.equal(await page.textContent("#banner-title"), "Empty file (0 bytes)");
  assert.match(await page.textContent("#banner-text"), /no frames, no events\. rewal verify: ok: an empty log \(0 bytes\)/);
  assert.equal(await page.textContent("#events-empty"), "No events.");
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("many random files, one after another: always a message, never an exception", async () => {
  const page = await browser.newPage();
  for (let i = 0; i < 20; i++) {
    const size = [1, 3, 23, 24, 28, 100, 5000][i % 7];
    const bytes = randomBytes(size);
    if (i % 3 === 0) bytes.write("EWAL", 0, "latin1"); // looks like a frame, is not one
    await openFile(page, file(`junk-${i}.bin`, bytes));
    assert.equal(await page.isVisible("#banner"), true, `junk ${i}`);
    assert.notEqual(await page.textContent("#banner-title"), "", `junk ${i}`);
  }
  const text = Buffer.from("# README\nthis is not a log\n");
  await openFile(page, file("README.md", text));
  assert.equal(await page.textContent("#banner-title"), "Not a rewal log");
  assert.deepEqual(page.errors, []);
  await page.close();
});
