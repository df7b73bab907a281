// A log larger than a browser would hold in memory: 2 GiB (8.6 M frames,
// 16.7 M events), written by the engine's encoder natively
// (wasm/examples/native_writer.rs), opened in the viewer, which reads it a
// slice at a time in its worker. The summary is right, the first and the
// last events show, and the page's memory stays under 300 MB: its JS heap,
// the worker's JS heap and ArrayBuffer stores (read slices not yet
// collected; all through CDP) and the worker's wasm memory, sampled while
// the log opens. Printed as `perf:` lines, with the renderer process's peak
// resident memory beside them. The log is removed afterwards.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { start, openFile, nativeWriter, settled } from "./harness.js";

const SIZE = 2 ** 31;
const LIMIT = 300e6;
const MB = (n) => `${(n / 1e6).toFixed(1)} MB`;

let browser;
let page;
let dir;
let log;
let written;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "rewal-2gib-"));
  log = path.join(dir, "huge.wal");
  const t0 = performance.now();
  written = JSON.parse(nativeWriter(["huge", log, String(SIZE)]));
  console.log(`perf: wrote a ${MB(written.bytes)} log (${written.frames} frames, ${written.events} events) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  browser = await start();
  page = await browser.newPage();
});
after(async () => {
  assert.deepEqual(page.errors, []);
  await browser.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Samples the page's memory every `every` ms until stopped: the page's JS
 * heap (Performance.getMetrics), the worker's (Runtime.getHeapUsage, over
 * a browser-level CDP session attached to the worker), and the wasm memory
 * the worker reports. Resolves `stop()` to the peaks.
 */
function sampleMemory(every = 100) {
  const peak = { pageHeap: 0, workerHeap: 0, workerStores: 0, wasm: 0, total: 0, samples: 0, workerSamples: 0 };
  let running = true;
  const run = (async () => {
    const pageCdp = await page.context().newCDPSession(page);
    await pageCdp.send("Performance.enable");
    const browserCdp = await browser.browser.newBrowserCDPSession();
    let worker = null; // { sessionId, pending: Map }
    let nextId = 1;
    const replies = new Map();
    browserCdp.on("Target.receivedMessageFromTarget", ({ message }) => {
      const reply = JSON.parse(message);
      replies.get(reply.id)?.(reply);
      replies.delete(reply.id);
    });
    const askWorker = (method) =>
      new Promise((resolve) => {
        const id = nextId++;
        replies.set(id, resolve);
        browserCdp.send("Target.sendMessageToTarget", { sessionId: worker.sessionId, message: JSON.stringify({ id, method }) });
        setTimeout(() => {
          replies.delete(id);
          resolve(null); // the worker is busy in wasm: no answer this time
        }, every * 5);
      });
    while (running) {
      const { metrics } = await pageCdp.send("Performance.getMetrics");
      const pageHeap = metrics.find((m) => m.name === "JSHeapUsedSize").value;
      if (!worker) {
        const { targetInfos } = await browserCdp.send("Target.getTargets");
        const target = targetInfos.find((t) => t.type === "worker" && t.url.endsWith("/js/worker.js"));
        if (target) {
          const { sessionId } = await browserCdp.send("Target.attachToTarget", { targetId: target.targetId, flatten: false });
          worker = { sessionId };
        }
      }
      let workerHeap = peak.workerHeap;
      let workerStores = peak.workerStores;
      if (worker) {
        const reply = await askWorker("Runtime.getHeapUsage");
        if (reply?.result) {
          workerHeap = reply.result.usedSize;
          // ArrayBuffer stores, the wasm memory among them.
          workerStores = reply.result.backingStorageSize;
          peak.workerSamples++;
        }
      }
      const wasm = await page.evaluate(() => rewalViewer.peakWasmBytes());
      const slices = Math.max(0, workerStores - wasm);
      peak.pageHeap = Math.max(peak.pageHeap, pageHeap);
      peak.workerHeap = Math.max(peak.workerHeap, workerHeap);
      peak.workerStores = Math.max(peak.workerStores, slices);
      peak.wasm = Math.max(peak.wasm, wasm);
      peak.total = Math.max(peak.total, pageHeap + workerHeap + slices + wasm);
      peak.samples++;
      await new Promise((r) => setTimeout(r, every));
    }
    await pageCdp.detach();
    await browserCdp.detach();
  })();
  return {
    async stop() {
      running = false;
      await run;
      return peak;
    },
  };
}

/** The renderer processes' peak resident memory (VmHWM, Linux), in bytes. */
async function rendererPeakRss() {
  const cdp = await browser.browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send("SystemInfo.getProcessInfo");
  await cdp.detach();
  let most = 0;
  for (const { type, id } of processInfo) {
    if (type !== "renderer") continue;
    const status = await readFile(`/proc/${id}/status`, "utf8").catch(() => "");
    const kb = Number(status.match(/VmHWM:\s+(\d+) kB/)?.[1] ?? 0);
    most = Math.max(most, kb * 1024);
  }
  return most;
}

test("a 2 GiB log: summary, first and last events, memory under 300 MB", async () => {
  const sampler = sampleMemory();
  const t0 = performance.now();
  await openFile(page, log, 300_000);
  const openSeconds = (performance.now() - t0) / 1000;
  const { openMs, scanMs, readMs, reads } = await page.evaluate(() => document.body.dataset);

  // The summary is the writer's.
  const field = (name) => page.textContent(`#summary [data-field="${name}"]`);
  assert.equal(await field("size"), `2.1 GB (${written.bytes.toLocaleString("en-US")} bytes)`);
  assert.equal(await field("frames"), `${written.frames.toLocaleString("en-US")}, 0 compressed`);
  assert.equal(await field("events"), written.events.toLocaleString("en-US"));
  assert.equal(await field("LSNs"), `1 to ${written.events}`);
  assert.equal(await field("ends"), "clean");
  assert.equal(await page.isVisible("#banner"), false);

  // The first event, and the last (End in the list).
  await page.locator("#events .vrow").first().click();
  await page.waitForSelector('#detail[data-lsn="1"]');
  assert.equal(await page.textContent('#detail [data-part="payload-text"]'), written.firstPayload);
  assert.equal(await page.textContent('#detail [data-part="meta-text"]'), written.firstMeta);
  await page.keyboard.press("End");
  await page.waitForSelector(`#detail[data-lsn="${written.events}"]`, { timeout: 30_000 });
  assert.equal(await page.textContent('#detail [data-part="payload-text"]'), written.lastPayload);
  assert.equal(await page.textContent('#detail [data-part="meta-text"]'), written.lastMeta);
  await settled(page);
  const rows = await page.$$eval("#events .vrow:not([hidden])", (rs) => rs.map((r) => Number(r.children[0].textContent)));
  assert.equal(Math.max(...rows), written.events);

  // The breakdown counted every event.
  const metaRows = await page.$$eval("#meta-table tbody tr", (trs) => trs.map((tr) => Number(tr.cells[1].textContent.replaceAll(",", ""))));
  assert.equal(metaRows.reduce((a, b) => a + b, 0), written.events);

  const peak = await sampler.stop();
  const wasmNow = await page.evaluate(() => rewalViewer.wasmBytes());
  const rss = await rendererPeakRss();
  console.log(
    `perf: open ${MB(written.bytes)} (${written.frames.toLocaleString("en-US")} frames, ${written.events.toLocaleString("en-US")} events): ` +
      `${(Number(openMs) / 1000).toFixed(1)} s in the page (in the worker ${(Number(scanMs) / 1000).toFixed(1)} s, of which ` +
      `${(Number(readMs) / 1000).toFixed(1)} s in ${reads} slice reads), ${openSeconds.toFixed(1)} s seen by the test driver`,
  );
  console.log(
    `perf: memory at peak (${peak.samples} samples, ${peak.workerSamples} answered by the busy worker): page JS heap ${MB(peak.pageHeap)}, ` +
      `worker JS heap ${MB(peak.workerHeap)}, read slices awaiting collection ${MB(peak.workerStores)}, wasm memory ${MB(peak.wasm)} (now ${MB(wasmNow)}); ` +
      `sum of the peaks ${MB(peak.pageHeap + peak.workerHeap + peak.workerStores + peak.wasm)}, largest sum at one time ${MB(peak.total)} (limit ${MB(LIMIT)}); ` +
      `renderer peak resident memory (VmHWM, everything the page's process held: code, DOM, heaps, buffers) ${MB(rss)}`,
  );
  assert.ok(peak.workerSamples > 10, "the worker's heap was measured while it scanned");
  assert.ok(peak.pageHeap + peak.workerHeap + peak.workerStores + peak.wasm < LIMIT, "memory");
});
