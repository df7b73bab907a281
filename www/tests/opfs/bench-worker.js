// The OPFS benchmark's worker (bench.js drives it): rewal on OPFS
// (openOpfsLog) and SQLite's wasm build on its opfs-sahpool VFS, in one
// worker, on the same origin's OPFS. Each request runs one measurement on
// fresh storage and answers { events, seconds }.

import { init, openOpfsLog, removeOpfsLog } from "../../pkg/index.js";
import sqlite3InitModule from "../../node_modules/@sqlite.org/sqlite-wasm/dist/index.mjs";

const SIZE = 128;
/** 1024 random 128-byte payloads, used in turn. */
const payloads = Array.from({ length: 1024 }, () => crypto.getRandomValues(new Uint8Array(SIZE)));

let sqlite = null;
let pool = null;
let db = null;

async function setup() {
  await init();
  sqlite = await sqlite3InitModule();
  pool = await sqlite.installOpfsSAHPoolVfs({ directory: ".rewal-bench-sahpool", clearOnInit: true });
  db = new pool.OpfsSAHPoolDb("/bench.sqlite3");
  const one = (sql) => db.selectValue(sql);
  return {
    sqlite: sqlite.version.libVersion,
    synchronous: one("PRAGMA synchronous"),
    journalMode: one("PRAGMA journal_mode"),
    pageSize: one("PRAGMA page_size"),
    vfs: "opfs-sahpool",
  };
}

/** A fresh rewal log. */
async function freshLog() {
  await removeOpfsLog("bench.wal").catch(() => {});
  return openOpfsLog("bench.wal");
}

/** A fresh SQLite table. */
function freshTable() {
  db.exec("DROP TABLE IF EXISTS events; CREATE TABLE events(id INTEGER PRIMARY KEY, payload BLOB NOT NULL)");
}

/** Runs `step()` (which returns how many events it made durable) for `seconds`. */
async function timed(seconds, step) {
  let events = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  let now = start;
  while (now < until) {
    events += await step();
    now = performance.now();
  }
  return { events, seconds: (now - start) / 1000 };
}

const workloads = {
  // One writer, one durable event at a time: rewal append + waitDurable;
  // SQLite one INSERT in its own transaction (autocommit).
  async "rewal single"({ seconds }) {
    const log = await freshLog();
    let i = 0;
    const result = await timed(seconds, async () => {
      await log.waitDurable(log.append(payloads[i++ & 1023]));
      return 1;
    });
    log.close();
    return result;
  },
  async "sqlite single"({ seconds }) {
    freshTable();
    const insert = db.prepare("INSERT INTO events(payload) VALUES (?)");
    let i = 0;
    const result = await timed(seconds, async () => {
      insert.bind(1, payloads[i++ & 1023]).stepReset();
      return 1;
    });
    insert.finalize();
    return result;
  },
  // Batches of 100: one rewal batch + waitDurable; one SQLite transaction
  // of 100 inserts.
  async "rewal batch"({ seconds }) {
    const log = await freshLog();
    let i = 0;
    const batch = () => Array.from({ length: 100 }, () => payloads[i++ & 1023]);
    const result = await timed(seconds, async () => {
      await log.waitDurable(log.appendBatch(batch()));
      return 100;
    });
    log.close();
    return result;
  },
  async "sqlite batch"({ seconds }) {
    freshTable();
    const insert = db.prepare("INSERT INTO events(payload) VALUES (?)");
    let i = 0;
    const result = await timed(seconds, async () => {
      db.exec("BEGIN");
      for (let k = 0; k < 100; k++) insert.bind(1, payloads[i++ & 1023]).stepReset();
      db.exec("COMMIT");
      return 100;
    });
    insert.finalize();
    return result;
  },
  // Replay: `count` events written once (durably, in batches of 1000),
  // then read back in order, each event's bytes in a Uint8Array.
  async "rewal replay"({ count }) {
    const log = await freshLog();
    for (let written = 0; written < count; written += 1000) {
      log.appendBatch(Array.from({ length: Math.min(1000, count - written) }, (_, k) => payloads[(written + k) & 1023]));
    }
    await log.sync();
    const start = performance.now();
    let events = 0;
    let bytes = 0;
    for (const event of log.events()) {
      events++;
      bytes += event.payload.length;
    }
    const seconds = (performance.now() - start) / 1000;
    log.close();
    if (events !== count || bytes !== count * SIZE) throw new Error(`rewal replayed ${events} events, ${bytes} bytes`);
    return { events, seconds };
  },
  async "sqlite replay"({ count }) {
    freshTable();
    const insert = db.prepare("INSERT INTO events(payload) VALUES (?)");
    db.exec("BEGIN");
    for (let k = 0; k < count; k++) insert.bind(1, payloads[k & 1023]).stepReset();
    db.exec("COMMIT");
    insert.finalize();
    const start = performance.now();
    const select = db.prepare("SELECT payload FROM events ORDER BY id");
    let events = 0;
    let bytes = 0;
    while (select.step()) {
      events++;
      bytes += select.get(0).length;
    }
    select.finalize();
    const seconds = (performance.now() - start) / 1000;
    if (events !== count || bytes !== count * SIZE) throw new Error(`sqlite replayed ${events} events, ${bytes} bytes`);
    return { events, seconds };
  },
};

onmessage = async ({ data: { id, op, workload, params } }) => {
  try {
    const result = op === "setup" ? await setup() : await workloads[workload](params);
    postMessage({ id, result });
  } catch (error) {
    postMessage({ id, error: `${error?.name}: ${error?.message ?? error}` });
  }
};
