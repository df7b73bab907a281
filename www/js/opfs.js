// @ts-check
// Logs in this browser's OPFS (the npm package's API, pkg/index.js): the
// list of the logs pages of this site keep (the folder `rewal/`), each
// opened read-only in the viewer from a snapshot (`getFile()`: no lock
// taken, so a writer elsewhere goes on), and the composer's writes into
// OPFS, made by the engine in the package's worker (OpfsClient).

import { listOpfsLogs, OpfsClient } from "../pkg/index.js";
import { fmt } from "./format.js";
import { $, element } from "./dom.js";
import { guard } from "./errors.js";

/** True where this browser has OPFS (not in every private window or old browser). */
export const hasOpfs = typeof navigator.storage?.getDirectory === "function";

export class OpfsPanel {
  /** @param {(file: File) => Promise<void> | void} openFile opens a log in the viewer */
  constructor(openFile) {
    this.openFile = openFile;
    $("opfs-refresh").addEventListener("click", guard(() => this.refresh(), "Could not list the logs in this browser"));
    if (!hasOpfs) {
      $("opfs-refresh").setAttribute("disabled", "");
      this.note("This browser offers no private file system (OPFS) here.");
      return;
    }
    this.refresh();
  }

  /** Lists the logs again. */
  async refresh() {
    const logs = await listOpfsLogs();
    const list = $("opfs-list");
    list.replaceChildren(
      ...logs.map((log) => {
        const open = element("button", "button", "Open read-only");
        open.setAttribute("type", "button");
        open.setAttribute("aria-label", `Open read-only: ${log.name}`);
        open.addEventListener("click", guard(() => this.open(log.name), `Could not open ${log.name}`));
        return element("li", "", element("span", "name", log.name), element("span", "size", `${fmt(log.size)} bytes`), open);
      }),
    );
    this.note(logs.length === 0 ? "No logs yet: the composer can write one here." : `${logs.length} log${logs.length === 1 ? "" : "s"}`);
    document.body.dataset.opfsLogs = String(logs.length);
  }

  /** Opens a snapshot of the log `name` (what was written by now) in the viewer. */
  async open(name) {
    const root = await navigator.storage.getDirectory();
    const folder = await root.getDirectoryHandle("rewal");
    const file = await (await folder.getFileHandle(name)).getFile();
    await this.openFile(file);
  }

  /** @param {string} text */
  note(text) {
    $("opfs-note").textContent = text;
  }
}

/**
 * Appends `events` to the OPFS log `name` (created if missing) with the
 * engine in a worker, one by one or as one batch, durably; resolves to the
 * last LSN and the log's size.
 * @param {string} name
 * @param {{ payload: Uint8Array, meta: Uint8Array }[]} events
 * @param {boolean} batch
 */
export async function writeToOpfs(name, events, batch) {
  const client = new OpfsClient();
  try {
    const log = await client.open(name);
    try {
      let last = 0n;
      if (batch) last = await log.appendBatch(events);
      else for (const event of events) last = await log.append(event.payload, event.meta);
      await log.waitDurable(last);
      const file = await log.export();
      return { last, size: file.size };
    } finally {
      await log.close();
    }
  } finally {
    client.terminate();
  }
}
