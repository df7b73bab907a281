// The crash campaign's worker: opens the log (retrying while the killed
// writer's lock is still held), reports every event it holds, then appends
// durable events until it is killed. Each event says what it belongs to:
// its payload is `cycle batch index/count` and random hex (sometimes
// kilobytes of it), its meta the cycle; an acknowledgement is posted only
// once waitDurable has resolved, with the events' LSNs and exact text.

import { init, openOpfsLog, RewalError, text } from "../../pkg/index.js";

const hex = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");
const pick = (n) => Math.floor(Math.random() * n);

onmessage = async ({ data: config }) => {
  await init();
  const started = performance.now();
  let log;
  let lockedTries = 0;
  for (;;) {
    try {
      log = await openOpfsLog(config.log);
      break;
    } catch (error) {
      if (!(error instanceof RewalError && error.code === "locked") || performance.now() - started > 20_000) throw error;
      lockedTries++;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  const events = [];
  for (const event of log.events()) events.push([String(event.lsn), text(event), text(event.meta)]);
  postMessage({ type: "recovered", events, repaired: log.repaired, lockedTries, openMs: performance.now() - started });
  if (config.mode === "verify") {
    log.close();
    postMessage({ type: "closed" });
    return;
  }
  for (let batch = 0; ; batch++) {
    // One event, a batch (one frame), or several appends in flight at once.
    const shape = pick(3);
    const count = shape === 0 ? 1 : 2 + pick(shape === 1 ? 60 : 8);
    const made = [];
    const list = [];
    for (let i = 0; i < count; i++) {
      const size = pick(10) === 0 ? 1000 + pick(8000) : 8 + pick(120);
      const payload = `${config.cycle} ${batch} ${i}/${count} ${shape === 1 ? "batch" : "single"} ${hex(size)}`;
      list.push({ payload, meta: `cycle ${config.cycle}` });
    }
    let last;
    if (shape === 1) last = log.appendBatch(list);
    else for (const event of list) last = log.append(event.payload, event.meta);
    const first = last - BigInt(count) + 1n;
    list.forEach((event, i) => made.push([String(first + BigInt(i)), event.payload, event.meta]));
    postMessage({ type: "appending", lsn: String(last) });
    await log.waitDurable(last);
    postMessage({ type: "ack", events: made });
    // A breath between acknowledgements (about a millisecond), so that the
    // log grows by hundreds of events a cycle, not tens of thousands.
    if (pick(2) === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
};
