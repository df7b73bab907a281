// The reliability campaign's hostile files (testkit/src/corpus.rs: other
// people's files, what a torn first write leaves, damaged logs) opened in
// the viewer: each gets a readable summary and, unless it is a clean log,
// a banner; the console stays free of errors; and the verdict and exit
// code of the page's engine are those of the native `rewal verify`.
//
// The corpus is written by the engine's test (`corpus_dump` in
// tests/campaign_notalog.rs); the native CLI is built once. Self-contained:
// it uses only harness.js.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { start, openFile, ROOT } from "./harness.js";

let browser;
let corpus;
let rewal;
before(async () => {
  corpus = await mkdtemp(path.join(tmpdir(), "rewal-hostile-"));
  execFileSync("cargo", ["test", "--quiet", "--manifest-path", path.join(ROOT, "Cargo.toml"), "--test", "campaign_notalog", "--", "--exact", "corpus_dump"], {
    env: { ...process.env, REWAL_CORPUS_DIR: corpus },
    stdio: ["ignore", "ignore", "inherit"],
  });
  execFileSync("cargo", ["build", "--quiet", "--manifest-path", path.join(ROOT, "Cargo.toml"), "-p", "rewal-cli"], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, "target");
  rewal = path.join(targetDir, "debug", "rewal");
  browser = await start();
});
after(async () => {
  await browser?.close();
  await rm(corpus, { recursive: true, force: true });
});

/** `rewal verify FILE` natively: exit code, and its sentence without the file's name. */
function cliVerify(file) {
  const run = spawnSync(rewal, ["verify", file], { encoding: "utf8" });
  const name = path.basename(file);
  const said = run.status === 3 ? run.stderr.replace(`rewal: ${file}: `, "") : run.stdout.replace(`${file}: `, "");
  return { exit: run.status, said: said.trim(), name };
}

test("every hostile file: a summary, a banner unless clean, the native verdict, no console error", async () => {
  const list = (await readFile(path.join(corpus, "corpus.tsv"), "utf8")).trim().split("\n");
  assert.ok(list.length > 50, `a corpus of ${list.length} files`);
  assert.equal((await readdir(corpus)).length, list.length + 1);
  const page = await browser.newPage();
  for (const line of list) {
    const [name] = line.split("\t");
    const file = path.join(corpus, name);
    const bytes = await readFile(file);
    await openFile(page, { name, mimeType: "application/octet-stream", buffer: bytes });
    const cli = cliVerify(file);
    const report = await page.evaluate(async (data) => {
      const wasm = await import("./pkg/rewal_wasm.js");
      const log = wasm.LogCore.open(new Uint8Array(data));
      const r = log.verify();
      const out = { exitCode: r.exitCode, verdict: r.verdict };
      log.free();
      return out;
    }, [...bytes]);
    assert.equal(report.exitCode, cli.exit, `${name}: exit code`);
    // (F5 was this check failing for files that begin with zeros or "EWAL".)
    assert.ok(cli.said.startsWith(report.verdict), `${name}: the page says ${JSON.stringify(report.verdict)}, rewal verify ${JSON.stringify(cli.said)}`);
    assert.notEqual(await page.textContent("#summary [data-field=ends]"), "", name);
    const clean = cli.exit === 0 && bytes.length > 0;
    assert.equal(await page.isVisible("#banner"), !clean, `${name}: the banner`);
    if (!clean) assert.notEqual((await page.textContent("#banner-title")).trim(), "", name);
    assert.deepEqual(page.errors, [], `${name}: console errors`);
  }
  console.log(`campaign viewer: files=${list.length}`);
  await page.close();
});
