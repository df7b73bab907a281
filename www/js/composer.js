// @ts-check
// The composer: type events, let the rewal engine (wasm) write them into a
// log in memory, download it, and open it in the viewer.

import { fmt, showBytes } from "./format.js";
import { guard } from "./errors.js";
import { $, input, select, download } from "./dom.js";
import { hasOpfs, writeToOpfs } from "./opfs.js";

const encoder = new TextEncoder();

export class Composer {
  /**
   * @param {typeof import("../pkg/rewal_wasm.js")} wasm the engine's exports (WriterCore)
   * @param {(bytes: Uint8Array, name: string) => void} openBytes opens a log in the viewer
   * @param {(name: string) => Promise<void>} [openOpfs] opens an OPFS log (a snapshot) in the viewer, and lists it
   */
  constructor(wasm, openBytes, openOpfs) {
    this.wasm = wasm;
    this.openBytes = openBytes;
    this.openOpfs = openOpfs;
    const target = select("compose-target");
    if (!hasOpfs) target.disabled = true;
    target.addEventListener("change", () => {
      const opfs = target.value === "opfs";
      $("compose-name-label").hidden = !opfs;
      $("compose-build").textContent = opfs ? "Write to this browser" : "Build and download";
    });
    /** @type {{ payload: Uint8Array, meta: Uint8Array }[]} */
    this.events = [];
    $("compose-form").addEventListener(
      "submit",
      guard((event) => {
        event.preventDefault();
        this.add(input("compose-payload").value, input("compose-meta").value);
        input("compose-payload").value = "";
        input("compose-meta").value = "";
        $("compose-payload").focus();
      }, "Could not add the event"),
    );
    $("compose-build").addEventListener("click", guard(() => this.build(), "Could not build the log"));
    $("compose-clear").addEventListener(
      "click",
      guard(() => {
        this.events = [];
        this.draw();
        this.note("");
      }),
    );
  }

  /** Adds an event (meta "" means none). */
  add(payload, meta) {
    const event = { payload: encoder.encode(payload), meta: encoder.encode(meta) };
    if (event.meta.length > 65535) {
      this.note(`Meta is at most 65,535 bytes; this one has ${fmt(event.meta.length)}.`, true);
      return;
    }
    this.events.push(event);
    this.draw();
    this.note(`${this.events.length} event${this.events.length === 1 ? "" : "s"}`);
  }

  draw() {
    const list = $("compose-list");
    list.replaceChildren();
    this.events.forEach((event, i) => {
      const item = document.createElement("li");
      item.textContent = showBytes(event.payload, 200) || "(empty payload)";
      if (event.meta.length > 0) {
        const meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = "meta: " + showBytes(event.meta, 100);
        item.append(meta);
      }
      const remove = document.createElement("button");
      remove.className = "button";
      remove.type = "button";
      remove.textContent = "remove";
      remove.setAttribute("aria-label", `Remove event ${i + 1}`);
      remove.addEventListener(
        "click",
        guard(() => {
          this.events.splice(i, 1);
          this.draw();
        }),
      );
      item.append(remove);
      list.append(item);
    });
  }

  /** Writes the events with the engine, downloads the log (or writes them to OPFS) and opens it. */
  async build() {
    if (this.events.length === 0) {
      this.note("Add at least one event first.", true);
      return;
    }
    if (select("compose-target").value === "opfs") {
      const name = input("compose-name").value.trim();
      const batch = input("compose-batch").checked;
      this.note(`Writing to ${name}…`);
      const { last, size } = await writeToOpfs(name, this.events, batch);
      this.note(`Wrote ${this.events.length} event${this.events.length === 1 ? "" : "s"} to ${name} in this browser, durably: LSNs up to ${last}, ${fmt(size)} bytes.`);
      await this.openOpfs?.(name);
      return;
    }
    const writer = new this.wasm.WriterCore();
    let bytes;
    try {
      if (input("compose-batch").checked) {
        for (const event of this.events) writer.batchAdd(event.payload, event.meta);
        writer.appendBatch();
      } else {
        for (const event of this.events) writer.append(event.payload, event.meta);
      }
      bytes = writer.finish();
    } finally {
      writer.free();
    }
    download(bytes, "composed.wal");
    this.note(`Built composed.wal: ${fmt(bytes.length)} bytes, ${this.events.length} events.`);
    this.openBytes(bytes, "composed.wal");
  }

  note(text, error = false) {
    const note = $("compose-note");
    note.textContent = text;
    note.classList.toggle("error", error);
  }
}
