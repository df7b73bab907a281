// What the OPFS tests share: Chromium with a profile on disk (a persistent
// context: Playwright's other contexts are off the record, where OPFS lives
// in memory and flush() never reaches a disk), www/ served on localhost,
// and code run in a dedicated worker of a page (run-worker.js), where sync
// access handles exist.

import { chromium } from "playwright-core";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ARGS, serve } from "../harness.js";

/**
 * Starts Chromium on a fresh profile in a temporary folder (removed by
 * close) and the server; resolves to { url, context, profile, page(), close }.
 * `page(at)` opens `at` (default the tests' blank page) and collects its
 * console errors in `page.errors`.
 */
export async function startOpfs() {
  const server = await serve();
  const profile = await mkdtemp(path.join(tmpdir(), "rewal-opfs-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ARGS,
    acceptDownloads: true,
    viewport: { width: 1400, height: 1000 },
  });
  const page = async (at = "tests/opfs/page.html") => {
    const opened = await context.newPage();
    opened.errors = [];
    opened.on("console", (message) => message.type() === "error" && opened.errors.push(message.text()));
    opened.on("pageerror", (error) => opened.errors.push(String(error)));
    await opened.goto(server.url + at);
    return opened;
  };
  const close = async () => {
    await context.close();
    await server.close();
    await rm(profile, { recursive: true, force: true });
  };
  return { url: server.url, context, profile, page, close };
}

/**
 * Runs `code` (an async function's body, with `rewal` the package's API,
 * `arg` the argument and `post(value)` to report progress) in the dedicated
 * worker `name` of `page` (started on first use); resolves to what it
 * returns, or to `{ thrown: { name, message, code, rewal } }`.
 */
export function inWorker(page, code, arg = null, name = "main") {
  return page.evaluate(
    ({ code, arg, name }) => {
      const workers = (window.__workers ??= {});
      const worker = (workers[name] ??= new Worker("/tests/opfs/run-worker.js", { type: "module" }));
      const id = (window.__calls = (window.__calls ?? 0) + 1);
      return new Promise((resolve) => {
        const listen = ({ data }) => {
          if (data.id !== id || "progress" in data) return;
          worker.removeEventListener("message", listen);
          resolve("error" in data ? { thrown: data.error } : data.result);
        };
        worker.addEventListener("message", listen);
        worker.postMessage({ id, code, arg });
      });
    },
    { code, arg, name },
  );
}
