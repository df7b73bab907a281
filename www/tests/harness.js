// What every browser test needs: www/ served on a free localhost port,
// Debian's Chromium driven by playwright-core (headless, no network, a
// fresh profile), a page that records console errors, and the native
// library's writer (wasm/examples/native_writer.rs) for expected bytes.

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const WWW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = path.resolve(WWW, "..");
export const VECTORS = path.join(ROOT, "tests", "vectors");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".ts": "text/plain; charset=utf-8",
};

/** Serves `root` (www/ unless told) on 127.0.0.1 at a free port; resolves to { url, close }. */
export async function serve(root = WWW) {
  const server = createServer(async (req, res) => {
    const name = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = path.join(root, name.endsWith("/") ? name + "index.html" : name);
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      // Any origin may fetch (the viewer's `?url=` from another port, as
      // from another site).
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "access-control-allow-origin": "*" });
      res.end(body);
    } catch {
      res.writeHead(404, { "access-control-allow-origin": "*" }).end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

/** Chromium flags: headless, and no call to any outside service. */
export const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/**
 * Starts the browser (a fresh profile each time) and the server; resolves
 * to { url, browser, context, newPage, close }. `newPage(options)` opens
 * the viewer (options: `viewport` { width, height }, `colorScheme` "light"
 * or "dark") and waits until its wasm is loaded; the page's `errors` array
 * collects console errors (the worker's included) and uncaught exceptions.
 */
export async function start() {
  const server = await serve();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ARGS,
  });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url.slice(0, -1) });
  const newPage = async ({ viewport, colorScheme = "light", at = "" } = {}) => {
    const page = await context.newPage();
    if (viewport) await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme });
    page.errors = [];
    page.on("console", (message) => {
      if (message.type() === "error") page.errors.push(message.text());
    });
    page.on("pageerror", (error) => page.errors.push(String(error)));
    await page.goto(server.url + at);
    await page.waitForSelector("body[data-ready=true]", { timeout: 20_000 });
    return page;
  };
  const close = async () => {
    await context.close();
    await browser.close();
    await server.close();
  };
  return { url: server.url, browser, context, newPage, close };
}

/** Opens a file in the viewer through its file picker; waits (up to `timeout` ms) for the summary. */
export async function openFile(page, file, timeout = 60_000) {
  const input = page.locator("#file-input");
  const name = typeof file === "string" ? path.basename(file) : file.name;
  await page.evaluate(() => {
    delete document.body.dataset.opened;
    delete document.body.dataset.openMs;
  });
  await input.setInputFiles(file);
  await page.waitForFunction((n) => document.body.dataset.opened === n && document.body.dataset.openMs, name, {
    timeout,
    polling: 100,
  });
}

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/**
 * Runs axe-core on the whole page (injected once); resolves to its
 * violations as [{ id, impact, nodes }] (nodes as CSS selectors).
 */
export async function axe(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ["violations"] });
    return results.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
}

/** Resolves once the viewer's lists and selected event have their data and are drawn. */
export function settled(page) {
  return page.evaluate(() => rewalViewer.settled());
}

/** Runs the native writer example (built for the host, release) with `args`; returns what it prints. */
export function nativeWriter(args, input = "") {
  return execFileSync(
    "cargo",
    ["run", "--quiet", "--release", "--manifest-path", path.join(ROOT, "wasm", "Cargo.toml"), "--example", "native_writer", "--", ...args],
    { input, stdio: ["pipe", "pipe", "inherit"], encoding: "utf8" },
  );
}

/** Parses a golden vector's `.events` sidecar (see tests/vectors/README.md). */
export async function sidecar(name) {
  const text = await readFile(path.join(VECTORS, `${name}.events`), "utf8");
  let end = null;
  const events = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      const m = line.match(/^#\s*end: (.*)$/);
      if (m) end = m[1];
      continue;
    }
    const [lsn, meta, payload] = line.split("\t");
    events.push({ lsn, meta: meta === "-" ? null : unquote(meta), payload: unquote(payload) });
  }
  return { end, events };
}

/** A sidecar's quoted byte string, as bytes (Buffer). */
function unquote(quoted) {
  const s = quoted.slice(1, -1);
  const out = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== "\\") {
      out.push(s.charCodeAt(i));
      continue;
    }
    const c = s[++i];
    if (c === "n") out.push(10);
    else if (c === "t") out.push(9);
    else if (c === "x") {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c.charCodeAt(0));
  }
  return Buffer.from(out);
}
