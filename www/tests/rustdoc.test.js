// The crate's root page, as `cargo doc` renders it (the test command builds
// it before this runs): the guide comes first (an example, durability,
// segments, the live reader, the targets), and the codec functions of
// rewal 0.1.0 are not among the root's items. Kept as a screenshot in
// target/, as the viewer's are.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, start } from "./harness.js";

const PAGE = path.join(ROOT, "target", "doc", "rewal", "index.html");
let browser;
before(async () => {
  browser = await start();
});
after(async () => {
  await browser.close();
});

test("the crate's root page is a guide", { skip: !existsSync(PAGE) && "no target/doc (run cargo doc first)" }, async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  await page.goto(pathToFileURL(PAGE).href);
  const headings = await page.$$eval(".docblock h2, .docblock h3", (all) => all.map((h) => h.textContent.replace("§", "").trim()));
  for (const wanted of ["An example", "Durability", "Recovery", "Segments and checkpoints", "A live reader", "Targets"]) {
    assert.ok(headings.includes(wanted), `the root page has no "${wanted}" section: ${headings.join(", ")}`);
  }
  const example = await page.$eval(".docblock pre", (pre) => pre.textContent);
  assert.match(example, /let path = /, "the first example defines its path where the reader sees it");
  const items = await page.$$eval("a", (all) => all.map((a) => a.textContent.trim()));
  for (const codec of ["decode_all_batches", "decode_batch_frame_borrowed", "scan_batch_header"]) {
    assert.ok(!items.includes(codec), `${codec} is listed at the crate root`);
  }
  await page.screenshot({ path: path.join(ROOT, "target", "rustdoc-root.png") });
  await page.close();
});
