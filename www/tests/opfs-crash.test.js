// The OPFS crash campaign, in a real browser: in headless Chromium (a
// profile on disk), a worker appends events and acknowledges each only
// after `waitDurable` resolved (tests/opfs/crash-worker.js); the test kills
// it at random moments, in three ways: `worker.terminate()` (from the page,
// sometimes as soon as the worker says it has appends in flight), a reload
// of the page, and closing the tab. After every kill the log is opened
// again and checked: every acknowledged event is there, byte for byte;
// the LSNs run 1, 2, 3... without a gap; every batch is whole (one frame:
// never a prefix of it), and every event is one the worker made. A log
// holds ten kills, then the next begins (and the old one is checked once
// more, opened and closed).
//
// Short form (in www/test.sh): 120 kills. Long form:
//   REWAL_OPFS_CRASH_KILLS=2000 node --test www/tests/opfs-crash.test.js
// (after www/build.sh; about 20 minutes on the 2-core VM).

import { test } from "node:test";
import assert from "node:assert/strict";
import { startOpfs } from "./opfs/harness.js";

const KILLS = Number(process.env.REWAL_OPFS_CRASH_KILLS ?? 120);
const PER_LOG = 10;
const KINDS = ["terminate", "terminate-in-flight", "reload", "close-tab"];

test(`OPFS: ${KILLS} kills of a durable writer, every acknowledged event kept`, { timeout: Math.max(600_000, KILLS * 3_000) }, async () => {
  const browser = await startOpfs();
  const figures = { kills: Object.fromEntries(KINDS.map((kind) => [kind, 0])), inFlight: 0, acknowledged: 0, checks: 0, checked: 0, lost: 0, repaired: 0, lockWaits: 0, maxOpenMs: 0, logs: 0 };
  /** Every acknowledged event of the current log: LSN → [payload, meta]. */
  let acked = new Map();
  let config = null;
  let inbox = [];
  let wake = null;
  await browser.context.exposeBinding("rewalCrashConfig", () => config);
  await browser.context.exposeBinding("rewalCrashReport", (_, messages) => {
    for (const message of messages) {
      if (message.type === "ack" && message.cycle === config?.cycle) {
        for (const [lsn, payload, meta] of message.events) acked.set(lsn, [payload, meta]);
        figures.acknowledged += message.events.length;
      }
      inbox.push(message);
    }
    wake?.();
  });
  /** Resolves to the first message of `type` from cycle `cycle` (within 30 s). */
  const next = async (type, cycle) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const at = inbox.findIndex((m) => m.cycle === cycle && (m.type === type || m.type === "error"));
      if (at >= 0) {
        const [message] = inbox.splice(at, 1);
        if (message.type === "error") throw new Error(`cycle ${cycle}: the worker failed: ${message.message}`);
        return message;
      }
      if (Date.now() > deadline) throw new Error(`cycle ${cycle}: no ${type} message in 30 s`);
      await new Promise((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  };
  /** Checks what the log holds against what was acknowledged. */
  const check = (recovered, cycle) => {
    figures.checks++;
    figures.repaired += recovered.repaired ? 1 : 0;
    figures.lockWaits += recovered.lockedTries > 0 ? 1 : 0;
    figures.maxOpenMs = Math.max(figures.maxOpenMs, recovered.openMs);
    const held = new Map();
    recovered.events.forEach(([lsn, payload, meta], i) => {
      assert.equal(lsn, String(i + 1), `cycle ${cycle}: LSNs run from 1 without a gap`);
      held.set(lsn, [payload, meta]);
    });
    for (const [lsn, want] of acked) {
      figures.checked++;
      const got = held.get(lsn);
      if (!got) figures.lost++;
      assert.deepEqual(got, want, `cycle ${cycle}: acknowledged event ${lsn} is there, byte for byte`);
    }
    // Every event is one the worker made, and batches (one frame) are whole.
    const batches = new Map();
    for (const [lsn, [payload, meta]] of held) {
      const m = payload.match(/^(\d+) (\d+) (\d+)\/(\d+) (batch|single) [0-9a-f]+$/);
      assert.ok(m && meta === `cycle ${m[1]}`, `cycle ${cycle}: event ${lsn} is one the worker made: ${payload.slice(0, 60)}`);
      if (m[5] !== "batch") continue;
      const key = `${m[1]} ${m[2]}`;
      const seen = batches.get(key) ?? { count: Number(m[4]), indexes: [] };
      seen.indexes.push(Number(m[3]));
      batches.set(key, seen);
    }
    for (const [key, { count, indexes }] of batches) {
      assert.deepEqual(indexes, [...Array(count).keys()], `cycle ${cycle}: batch ${key} is whole, in order`);
    }
  };

  let page = await browser.page("about:blank");
  let loaded = false;
  /** Starts the worker of the cycle `config` says: in the page, or in a page loaded anew. */
  const begin = async () => {
    if (loaded && !page.isClosed()) {
      await page.waitForFunction(() => "restart" in window);
      return page.evaluate(() => window.restart());
    }
    if (page.isClosed()) page = await browser.context.newPage();
    await page.goto(browser.url + "tests/opfs/crash.html");
    loaded = true;
  };
  try {
    let cycle = 0;
    let log = null;
    for (let kill = 0; kill < KILLS; kill++) {
      const name = `crash-${Math.floor(kill / PER_LOG)}.wal`;
      if (log !== null && name !== log) {
        // The old log once more, opened and closed, then the next one.
        config = { log, cycle: ++cycle, mode: "verify" };
        await begin();
        check(await next("recovered", cycle), cycle);
        await next("closed", cycle);
        acked = new Map();
      }
      if (name !== log) figures.logs++;
      log = name;
      const kind = KINDS[kill % KINDS.length];
      config = { log, cycle: ++cycle, mode: "write", killOn: kind === "terminate-in-flight" ? 1 + Math.floor(Math.random() * 40) : 0 };
      await begin();
      check(await next("recovered", cycle), cycle);
      // Killed at a random moment of its appends.
      if (kind === "terminate-in-flight") {
        await next("killed", cycle);
        figures.inFlight++;
      } else {
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 150));
        const appending = inbox.filter((m) => m.cycle === cycle && m.type === "appending").at(-1);
        if (kind === "terminate") await page.evaluate(() => window.kill());
        else {
          config = { idle: true };
          if (kind === "reload") await page.reload({ waitUntil: "commit" });
          else await page.close();
        }
        if (appending && !acked.has(appending.lsn)) figures.inFlight++;
      }
      figures.kills[kind]++;
      inbox = inbox.filter((m) => m.cycle > cycle);
    }
    // The last log, checked once more.
    config = { log, cycle: ++cycle, mode: "verify" };
    await begin();
    check(await next("recovered", cycle), cycle);
    await next("closed", cycle);
    console.log(`opfs-crash: ${JSON.stringify(figures)}`);
    assert.equal(figures.lost, 0);
    assert.ok(figures.acknowledged > KILLS * 10, `${figures.acknowledged} events acknowledged`);
    assert.ok(figures.inFlight >= KILLS / 4, `${figures.inFlight} kills with appends in flight`);
  } finally {
    await browser.close();
  }
});
