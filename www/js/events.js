// The events tab: a virtualized table fed page by page from wasm, the
// selected event's payload and meta, jump to an LSN, and the meta filter.

import { VirtualList } from "./vlist.js";
import { fmt, hexDump, parseLsn, prettyJson, showBytes, toHex } from "./format.js";
import { guard } from "./errors.js";

/** How many payload bytes a table cell reads for its preview. */
const PREVIEW_BYTES = 300;

/** Copies a wasm `LogEvent` into a plain object and frees the wasm one. */
function plain(event) {
  const copy = {
    lsn: event.lsn,
    ordinal: event.ordinal,
    frameOffset: event.frameOffset,
    compressed: event.compressed,
    payload: event.payload,
    meta: event.meta,
  };
  event.free();
  return copy;
}

export class EventsView {
  constructor() {
    this.log = null;
    this.total = 0;
    this.filtered = null; // Uint32Array of ordinals, or null for every event
    this.list = new VirtualList(document.getElementById("events"), {
      fetch: (first, count) => this.fetch(first, count),
      render: (row, event) => renderRow(row, event),
      onSelect: (index) => this.showDetail(index),
      empty: "No events.",
    });
    document.getElementById("jump-form").addEventListener(
      "submit",
      guard((event) => {
        event.preventDefault();
        this.jump(document.getElementById("jump-lsn").value);
      }, "Jump to LSN failed"),
    );
    const filter = document.getElementById("filter-form");
    filter.addEventListener(
      "submit",
      guard((event) => {
        event.preventDefault();
        this.filter(document.getElementById("filter-meta").value);
      }, "The filter failed"),
    );
    // Clearing the search box (its × button, or Escape) clears the filter.
    document.getElementById("filter-meta").addEventListener(
      "search",
      guard((event) => {
        if (event.target.value === "") this.filter("");
      }, "The filter failed"),
    );
  }

  /** Shows the events of a newly opened `WalLog`. */
  show(log, summary) {
    this.log = log;
    this.total = summary.events;
    this.filtered = null;
    document.getElementById("filter-meta").value = "";
    document.getElementById("jump-lsn").value = "";
    const empty = summary.end === "not-a-log" ? "Not a rewal log: no events." : "No events.";
    this.list.setCount(summary.events, empty);
    this.note(summary.events > 0 ? `${fmt(summary.events)} events` : "");
    this.clearDetail();
  }

  /** The number of rows shown (all events, or those the filter keeps). */
  rows() {
    return this.filtered ? this.filtered.length : this.total;
  }

  /** The ordinal of the event on row `index`. */
  ordinalAt(index) {
    return this.filtered ? this.filtered[index] : index;
  }

  fetch(first, count) {
    if (!this.log) return [];
    if (!this.filtered) return this.log.eventsAt(first, count).map(plain);
    const out = [];
    for (let k = first; k < first + count && k < this.filtered.length; k++) {
      const [event] = this.log.eventsAt(this.filtered[k], 1);
      if (event) out.push(plain(event));
    }
    return out;
  }

  /** Scrolls to the first event with an LSN at or above `text`, and selects it. */
  jump(text) {
    if (!this.log) return;
    const lsn = parseLsn(text);
    if (lsn === null) {
      this.note("An LSN is a whole number, such as 1200.", true);
      return;
    }
    const ordinal = this.log.ordinalOf(lsn);
    const index = this.filtered ? lowerBound(this.filtered, ordinal) : ordinal;
    if (index >= this.rows()) {
      this.note(`No event${this.filtered ? " that the filter keeps" : ""} at or after LSN ${lsn}.`, true);
      return;
    }
    this.list.scrollToIndex(index, { top: true });
    this.list.select(index);
    const [event] = this.log.eventsAt(this.ordinalAt(index), 1).map(plain);
    this.note(event.lsn === lsn ? `LSN ${lsn}: row ${fmt(index + 1)}` : `No event has LSN ${lsn}; the next one is LSN ${event.lsn}.`);
    document.getElementById("events").focus({ preventScroll: true });
  }

  /** Keeps only the events whose meta contains `needle` ("" shows all). */
  filter(needle) {
    if (!this.log) return;
    const total = this.total;
    this.filtered = needle === "" ? null : this.log.filterMeta(needle);
    const rows = this.rows();
    this.list.setCount(rows, this.filtered ? `No event has meta containing “${needle}”.` : "No events.");
    this.note(this.filtered ? `${fmt(rows)} of ${fmt(total)} events have meta containing “${needle}”` : `${fmt(total)} events`);
    this.clearDetail();
  }

  note(text, error = false) {
    const note = document.getElementById("table-note");
    note.textContent = text;
    note.classList.toggle("error", error);
  }

  clearDetail() {
    const detail = document.getElementById("detail");
    detail.replaceChildren(paragraph("note", "Select an event to see its payload and meta."));
    delete detail.dataset.lsn;
  }

  /** Shows the event on row `index`: payload as text, JSON and hex; meta. */
  showDetail(index) {
    const [event] = this.log.eventsAt(this.ordinalAt(index), 1).map(plain);
    if (!event) return;
    const detail = document.getElementById("detail");
    detail.dataset.lsn = String(event.lsn);
    const title = document.createElement("h3");
    title.textContent = `LSN ${event.lsn}`;
    const facts = paragraph(
      "facts",
      event.compressed
        ? `in the compressed frame at offset ${fmt(event.frameOffset)}`
        : `${fmt(event.payload.length)} bytes of payload · frame at offset ${fmt(event.frameOffset)} · event ${fmt(event.ordinal + 1)} of the log`,
    );
    const parts = [title, facts];
    if (event.compressed) {
      parts.push(
        paragraph(
          "note",
          "This frame is compressed, and the viewer has no decompressor for it, so its payload and meta cannot be shown (the frame still passed its CRC check). The native rewal verify checks it the same way.",
        ),
      );
    } else {
      parts.push(heading("payload · text"), pre("payload-text", showBytes(event.payload, 64 << 10)));
      const json = prettyJson(event.payload);
      if (json !== null) parts.push(heading("payload · JSON"), pre("payload-json", json));
      parts.push(heading("payload · hex"), pre("payload-hex", hexDump(event.payload), toHex(event.payload.subarray(0, 1 << 20))));
      if (event.meta === undefined) {
        parts.push(heading("meta"), paragraph("note meta-none", "none"));
      } else {
        parts.push(heading("meta · text"), pre("meta-text", showBytes(event.meta)));
        parts.push(heading("meta · hex"), pre("meta-hex", hexDump(event.meta), toHex(event.meta)));
      }
    }
    detail.replaceChildren(...parts);
  }
}

/** Fills one table row. */
function renderRow(row, event) {
  row.className = "vrow events-grid";
  const cells = [
    String(event.lsn),
    String(event.frameOffset),
    event.compressed ? "?" : String(event.payload.length),
  ];
  row.replaceChildren();
  for (const text of cells) row.append(span(text));
  if (event.compressed) {
    row.append(span("compressed", "none"), span("(compressed frame: no decompressor)", "none"));
  } else {
    row.append(
      event.meta === undefined ? span("—", "none") : span(showBytes(event.meta, 200)),
      span(showBytes(event.payload, PREVIEW_BYTES)),
    );
  }
}

/** The first position in the sorted `array` whose value is >= `value`. */
function lowerBound(array, value) {
  let lo = 0;
  let hi = array.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (array[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function span(text, className) {
  const node = document.createElement("span");
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

function paragraph(className, text) {
  const node = document.createElement("p");
  node.className = className;
  node.textContent = text;
  return node;
}

function heading(text) {
  const node = document.createElement("h4");
  node.textContent = text;
  return node;
}

function pre(id, text, hex) {
  const node = document.createElement("pre");
  node.className = id.endsWith("hex") ? "hex" : "";
  node.dataset.part = id;
  node.textContent = text;
  if (hex !== undefined) node.dataset.hex = hex;
  return node;
}
