// The OPFS benchmark: rewal on OPFS against SQLite's wasm build
// (@sqlite.org/sqlite-wasm, opfs-sahpool VFS, at its defaults) in one
// headless Chromium run, on a profile on disk. Three workloads of 128-byte
// events, one writer: durable appends one at a time (rewal append +
// waitDurable; SQLite one INSERT per transaction), batches of 100 (one
// rewal batch + waitDurable; one SQLite transaction of 100 INSERTs), and a
// replay of 100,000 events (rewal's iteration; SQLite's SELECT of every
// row). Rounds alternate which engine goes first; it prints each round,
// the medians and the median of the paired ratios (rewal / SQLite: above
// 1, rewal is faster).
//
//   www/build.sh && node www/tests/opfs/bench.js [rounds] [seconds] [events]
//
// (defaults 5 rounds, 2 s per durable measurement, 100,000 events: about
// a minute and a half). tests/opfs.test.js runs a smoke of it.

import { fileURLToPath } from "node:url";
import { startOpfs } from "./harness.js";

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Runs the benchmark in `page` (a page of www/ in a persistent context):
 * `rounds` rounds of each workload, `seconds` per durable measurement,
 * `count` events replayed. Resolves to { setup, rows }, where each row is
 * { workload, rewal: [events/s by round], sqlite: [...], ratios: [...] }.
 */
export async function runBench(page, { rounds = 5, seconds = 2, count = 100_000, log = () => {} } = {}) {
  await page.evaluate(() => {
    window.benchWorker = new Worker("/tests/opfs/bench-worker.js", { type: "module" });
    let next = 0;
    window.bench = (op, workload, params) =>
      new Promise((resolve, reject) => {
        const id = ++next;
        const listen = ({ data }) => {
          if (data.id !== id) return;
          window.benchWorker.removeEventListener("message", listen);
          if (data.error) reject(new Error(data.error));
          else resolve(data.result);
        };
        window.benchWorker.addEventListener("message", listen);
        window.benchWorker.postMessage({ id, op, workload, params });
      });
  });
  const setup = await page.evaluate(() => window.bench("setup"));
  const rows = [];
  for (const workload of ["single", "batch", "replay"]) {
    const row = { workload, rewal: [], sqlite: [], ratios: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ["rewal", "sqlite"] : ["sqlite", "rewal"];
      const rate = {};
      for (const engine of order) {
        const { events, seconds: took } = await page.evaluate(([w, p]) => window.bench("run", w, p), [`${engine} ${workload}`, { seconds, count }]);
        rate[engine] = events / took;
        row[engine].push(rate[engine]);
      }
      row.ratios.push(rate.rewal / rate.sqlite);
      log(`${workload} round ${round + 1} (${order.join(" first, ")}): rewal ${rate.rewal.toFixed(0)}/s, sqlite ${rate.sqlite.toFixed(0)}/s, ratio ${(rate.rewal / rate.sqlite).toFixed(2)}`);
    }
    rows.push(row);
  }
  return { setup, rows };
}

/** The rows as the table docs/benchmarks.md shows. */
export function table({ rows }) {
  const rate = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k/s` : `${n.toFixed(0)}/s`);
  const names = { single: "durable appends, one at a time", batch: "durable batches of 100", replay: "replay of the events (100,000)" };
  const lines = ["| workload | rewal (OPFS) | SQLite (opfs-sahpool) | rewal / SQLite (median of paired ratios) | ratios by round |", "|---|---|---|---|---|"];
  for (const row of rows) {
    lines.push(`| ${names[row.workload]} | ${rate(median(row.rewal))} | ${rate(median(row.sqlite))} | ${median(row.ratios).toFixed(2)}× | ${row.ratios.map((r) => r.toFixed(2)).join(", ")} |`);
  }
  return lines.join("\n");
}

export { median };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [rounds = 5, seconds = 2, count = 100_000] = process.argv.slice(2).map(Number);
  const browser = await startOpfs();
  try {
    const page = await browser.page();
    const version = browser.context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
    const result = await runBench(page, { rounds, seconds, count, log: (line) => console.log(line) });
    console.log(`Chromium ${version}; SQLite ${result.setup.sqlite}, VFS ${result.setup.vfs}, PRAGMA synchronous=${result.setup.synchronous} (2: FULL), journal_mode=${result.setup.journalMode}, page_size=${result.setup.pageSize}`);
    console.log(table(result));
    if (page.errors.length) console.log("console errors:", page.errors);
  } finally {
    await browser.close();
  }
}
