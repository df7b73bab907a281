// @ts-check
// The events tab: a virtualized list fed page by page from the engine's
// worker, the selected event's payload and meta, jump to an LSN, the meta
// filter, search (payloads and metas, as text, hex bytes or a regular
// expression, run by the engine in the worker; matches counted, and
// stepped through), export as JSON lines (`rewal dump --format jsonl`'s,
// written by the engine), and, on a corrupted log, the events after the
// corruption, shown read-only and marked as what a cut would remove. What
// is selected, filtered and searched is kept in the URL's fragment.

import { VirtualList } from "./vlist.js";
import { fmt, hexDump, parseLsn, prettyJson, showBytes, toHex } from "./format.js";
import { guard } from "./errors.js";
import { richText } from "./text.js";
import { writeFragment } from "./state.js";
import { $, button, download, element, input, paragraph, select, span } from "./dom.js";

/** @typedef {import("./session.js").Session} Session */
/** @typedef {import("../pkg/rewal_wasm.js").LogEvent} LogEvent */
/** @typedef {import("./place.js").Places} Places */

/** Payload bytes a row of the table needs for its preview. */
const PREVIEW_BYTES = 300;

/** Payload bytes the detail panel reads: more is said, not shown. */
const DETAIL_BYTES = 4 << 20;

/** The most events copied to the clipboard at once (more are downloaded). */
const MAX_COPIED = 100_000;

/** Events written per request when a list is downloaded as JSON lines. */
const JSONL_CHUNK = 50_000;


export class EventsView {
  constructor() {
    /** @type {Session | null} the open log */
    this.session = null;
    /** @type {import("../pkg/rewal_wasm.js").EventPart} "log", or "after": the events after the corruption */
    this.part = "log";
    this.filtered = null; // Uint32Array of ordinals, or null for every event
    this.list = new VirtualList($("events"), {
      label: "Events",
      fetch: (first, count) => this.fetch(first, count),
      render: (row, event) => renderRow(row, event, this.part, this.session.places),
      onSelect: (index) => this.showDetail(index),
      placeholder: $("events-empty"),
      multiple: true,
    });
    $("jump-form").addEventListener(
      "submit",
      guard((event) => {
        event.preventDefault();
        return this.jump(input("jump-lsn").value);
      }, "Jump to LSN failed"),
    );
    $("filter-form").addEventListener(
      "submit",
      guard((event) => {
        event.preventDefault();
        return this.filter(input("filter-meta").value);
      }, "The filter failed"),
    );
    // Clearing the search box (its × button, or Escape) clears the filter.
    $("filter-meta").addEventListener(
      "search",
      guard((event) => (event.target.value === "" ? this.filter("") : undefined), "The filter failed"),
    );
    $("after-back").addEventListener(
      "click",
      guard(() => this.showLog(), "Could not show the log's events"),
    );
    $("search-form").addEventListener(
      "submit",
      guard((event) => {
        event.preventDefault();
        return this.search(input("search-text").value, select("search-as").value, select("search-in").value);
      }, "The search failed"),
    );
    $("search-text").addEventListener(
      "search",
      guard((event) => (event.target.value === "" ? this.search("") : undefined), "The search failed"),
    );
    $("search-next").addEventListener("click", guard(() => this.step(1), "Could not show the match"));
    $("search-prev").addEventListener("click", guard(() => this.step(-1), "Could not show the match"));
    $("search-only").addEventListener("change", guard((event) => this.onlyMatches(event.target.checked), "Could not show the matches"));
    $("copy-jsonl").addEventListener("click", guard(() => this.copySelected(), "Could not copy the event"));
    $("download-jsonl").addEventListener("click", guard(() => this.downloadList(), "Could not download the events"));
  }

  /** The open log's worker. */
  get log() {
    return this.session?.log ?? null;
  }

  get summary() {
    return this.session?.summary ?? null;
  }

  /**
   * Shows the events of a newly opened log.
   * @param {Session} session
   */
  show(session) {
    this.session = session;
    input("filter-meta").value = "";
    input("jump-lsn").value = "";
    this.showPart("log");
  }

  /** Shows the events after the corruption, from the `ordinal`-th. */
  async showAfter(ordinal = 0) {
    if (!this.log || this.summary.afterEvents === 0) return;
    if (this.part !== "after") this.showPart("after");
    await this.select(ordinal, true);
  }

  /** Back from the events after the corruption to the log's. */
  showLog() {
    if (this.part !== "log") this.showPart("log");
    $("events").focus();
  }

  /** Shows the log's event with ordinal `ordinal` (from the frame list). */
  async showOrdinal(ordinal) {
    if (this.part !== "log" || this.filtered) this.showPart("log");
    await this.select(ordinal, true);
  }

  /** @param {import("../pkg/rewal_wasm.js").EventPart} part */
  showPart(part) {
    const s = this.summary;
    this.part = part;
    this.filtered = null;
    this.clearSearch();
    input("filter-meta").value = "";
    button("download-jsonl").disabled = part === "after";
    button("copy-jsonl").disabled = true;
    $("export-note").textContent = part === "after" ? "The events after the corruption are not the log's: rewal dump never prints them." : "";
    const after = part === "after";
    $("after-strip").hidden = !after;
    if (after) {
      const places = this.session.places;
      const where = places.segmented
        ? `from ${places.place(s.afterOffset)} to ${places.place(s.afterEnd)}`
        : `offsets ${fmt(s.afterOffset)} to ${fmt(s.afterEnd)}`;
      $("after-text").replaceChildren(
        ...richText(
          `After the corruption: ${places.remover()} would remove these ${fmt(s.afterEvents)} ` +
            `event${s.afterEvents === 1 ? "" : "s"} (${fmt(s.afterFrames)} valid frame${s.afterFrames === 1 ? "" : "s"}, ` +
            `${where}), shown read-only to decide before repairing.`,
        ),
      );
    }
    const count = after ? s.afterEvents : s.events;
    const empty = s.end === "not-a-log" ? "Not a rewal log: no events." : "No events.";
    this.list.setCount(count, empty);
    this.note(count > 0 ? `${fmt(count)} events${after ? " after the corruption" : ""}` : "");
    this.clearDetail();
  }

  /** The number of rows shown. */
  rows() {
    if (this.filtered) return this.filtered.length;
    return this.part === "after" ? this.summary.afterEvents : this.summary.events;
  }

  async fetch(first, count) {
    if (!this.log) return [];
    if (this.filtered) return this.log.pick(Array.from(this.filtered.subarray(first, first + count)), PREVIEW_BYTES);
    return this.log.events(this.part, first, count, PREVIEW_BYTES);
  }

  /** Scrolls row `index` into view (to the top when `top`), selects it, and focuses the list. */
  async select(index, top) {
    if (index >= this.rows()) return;
    this.list.scrollToIndex(index, { top });
    this.list.select(index);
    $("events").focus({ preventScroll: true });
    await this.detailShown;
  }

  /** Scrolls to the first event with an LSN at or above `text`, and selects it. */
  async jump(text) {
    if (!this.log) return;
    if (this.part !== "log") this.showPart("log");
    const lsn = parseLsn(text);
    if (lsn === null) {
      this.note("An LSN is a whole number, such as 1200.", true);
      return;
    }
    const ordinal = await this.log.ordinalOf(lsn);
    const index = this.filtered ? lowerBound(this.filtered, ordinal) : ordinal;
    if (index >= this.rows()) {
      this.note(`No event${this.filtered ? " that the filter keeps" : ""} at or after LSN ${lsn}.`, true);
      return;
    }
    const [event] = this.filtered ? await this.log.pick([this.filtered[index]], 0) : await this.log.events("log", index, 1, 0);
    this.note(event.lsn === lsn ? `LSN ${lsn}: row ${fmt(index + 1)}` : `No event has LSN ${lsn}; the next one is LSN ${event.lsn}.`);
    await this.select(index, true);
  }

  /** Keeps only the log's events whose meta contains `needle` ("" shows all). */
  async filter(needle) {
    if (!this.log) return;
    if (this.part !== "log") this.showPart("log");
    const total = this.summary.events;
    this.clearSearch();
    writeFragment({ filter: needle });
    if (needle === "") {
      this.filtered = null;
      this.list.setCount(total, "No events.");
      this.note(`${fmt(total)} events`);
      this.clearDetail();
      return;
    }
    this.note(`Filtering ${fmt(total)} events…`);
    const found = await this.log.search({ text: needle, in: "meta" });
    this.filtered = found.ordinals;
    this.list.setCount(found.ordinals.length, `No event has meta containing “${needle}”.`);
    const listed = found.total > found.ordinals.length ? ` (the first ${fmt(found.ordinals.length)} listed)` : "";
    this.note(`${fmt(found.total)} of ${fmt(total)} events have meta containing “${needle}”${listed}`);
    this.clearDetail();
  }

  /**
   * Searches the log's events for `text` (as "text", "hex" bytes or a
   * "regex"), in their payloads, metas or "both"; "" ends the search. The
   * first match is selected; the buttons step through the rest.
   * @param {string} text
   * @param {string} [as] "text", "hex" or "regex"
   * @param {string} [field] "payload", "meta" or "both"
   */
  async search(text, as = "text", field = "both") {
    if (!this.log) return;
    if (this.part !== "log" || this.filtered) this.showPart("log");
    this.clearSearch();
    writeFragment({ search: text, as: text ? as : null, in: text ? field : null, filter: null });
    if (text === "") return;
    $("search-note").textContent = `Searching ${fmt(this.summary.events)} events…`;
    let found;
    try {
      found = await this.log.search({ [as]: text, in: /** @type {"payload" | "meta" | "both"} */ (field) });
    } catch (error) {
      // A query that cannot be (odd hex, a bad regex): said where it was typed.
      if (error?.name !== "TypeError") throw error;
      this.searchNote(error.message, true);
      return;
    }
    // Text found is marked where the selected event shows it.
    const shown = as === "text" ? showBytes(new TextEncoder().encode(text)) : null;
    this.matches = { ...found, at: -1, said: "", mark: shown ? { text: shown, field } : null };
    document.body.dataset.searchMs = found.ms.toFixed(1);
    const none = found.total === 0;
    button("search-next").disabled = none;
    button("search-prev").disabled = none;
    input("search-only").disabled = none;
    const where = { both: "payload or meta", payload: "payload", meta: "meta" }[field];
    const what = as === "regex" ? `matching /${text}/` : as === "hex" ? `containing the bytes ${text}` : `containing “${text}”`;
    this.matches.said = `${fmt(found.total)} event${found.total === 1 ? "" : "s"} with a ${where} ${what} (${found.ms.toFixed(0)} ms)`;
    this.searchNote(this.matches.said);
    if (!none) await this.step(1);
  }

  /** Forgets the search (its matches, its buttons). */
  clearSearch() {
    this.matches = null;
    button("search-next").disabled = true;
    button("search-prev").disabled = true;
    input("search-only").disabled = true;
    input("search-only").checked = false;
    $("search-note").textContent = "";
    delete document.body.dataset.matchAt;
  }

  searchNote(text, error = false) {
    const note = $("search-note");
    note.textContent = text;
    note.classList.toggle("error", error);
  }

  /** Selects the next (`step` 1) or previous (-1) match, round the list. */
  async step(step) {
    const m = this.matches;
    if (!m || m.ordinals.length === 0) return;
    m.at = (m.at + step + m.ordinals.length) % m.ordinals.length;
    const index = this.filtered ? m.at : m.ordinals[m.at];
    const kept = m.total > m.ordinals.length ? ` (the first ${fmt(m.ordinals.length)} can be stepped through)` : "";
    this.searchNote(`match ${fmt(m.at + 1)} of ${fmt(m.total)}${kept} · ${m.said}`);
    document.body.dataset.matchAt = String(m.at + 1);
    await this.select(index, true);
  }

  /** Lists only the matches of the search (`only`), or every event. */
  async onlyMatches(only) {
    const m = this.matches;
    if (!m) return;
    const at = m.at;
    this.filtered = only ? m.ordinals : null;
    this.list.setCount(only ? m.ordinals.length : this.summary.events, "No matches.");
    this.clearDetail();
    m.at = at - 1;
    await this.step(1);
  }

  /** The ordinals of the selected events among the log's (ascending), or null. */
  selectedOrdinals() {
    const range = this.list.range();
    if (!range || this.part !== "log") return null;
    const [first, last] = range;
    if (this.filtered) return this.filtered.slice(first, last + 1);
    return Uint32Array.from({ length: last - first + 1 }, (_, k) => first + k);
  }

  /** Copies the selected events (Shift extends the selection) as JSON lines, as `rewal dump --format jsonl` prints them. */
  async copySelected() {
    const ordinals = this.selectedOrdinals();
    if (!ordinals) return;
    if (ordinals.length > MAX_COPIED) {
      $("export-note").textContent = `${fmt(ordinals.length)} events are selected: copy at most ${fmt(MAX_COPIED)}, or download the list.`;
      return;
    }
    const lines = await this.log.jsonl(ordinals);
    const n = ordinals.length;
    try {
      await navigator.clipboard.writeText(lines);
      $("export-note").textContent = `Copied ${n === 1 ? "the selected event as a JSON line" : `${fmt(n)} events as JSON lines`}.`;
    } catch {
      $("export-note").textContent = "The browser did not allow copying to the clipboard.";
    }
  }

  /** Downloads the list as shown (the filtered events, or all of the log's) as JSON lines. */
  async downloadList() {
    if (!this.log || this.part !== "log") return;
    const count = this.rows();
    const parts = [];
    for (let first = 0; first < count; first += JSONL_CHUNK) {
      const n = Math.min(JSONL_CHUNK, count - first);
      const ordinals = this.filtered ? this.filtered.slice(first, first + n) : Uint32Array.from({ length: n }, (_, k) => first + k);
      $("export-note").textContent = `Writing ${fmt(first + n)} of ${fmt(count)} events…`;
      parts.push(await this.log.jsonl(ordinals));
    }
    const base = this.session.label.replace(/\.wal$|\/$/, "");
    const name = `${base}${this.filtered ? "-filtered" : ""}.jsonl`;
    download(new Blob(parts, { type: "application/x-ndjson" }), name);
    $("export-note").textContent = `Downloaded ${name}: ${fmt(count)} events.`;
  }

  note(text, error = false) {
    const note = $("table-note");
    note.textContent = text;
    note.classList.toggle("error", error);
  }

  clearDetail() {
    const detail = $("detail");
    detail.replaceChildren(paragraph("note", "Select an event to see its payload and meta."));
    delete detail.dataset.lsn;
    button("copy-jsonl").disabled = true;
  }

  /** Shows the event on row `index`: payload as text, JSON and hex; meta. */
  showDetail(index) {
    const part = this.part;
    const request = this.filtered
      ? this.log.pick([this.filtered[index]], DETAIL_BYTES)
      : this.log.events(part, index, 1, DETAIL_BYTES);
    this.detailShown = request.then(([event]) => {
      if (!event || this.list.selected !== index || this.part !== part) return;
      renderDetail(event, part === "after", this.session.places, part === "log" ? this.matches?.mark : null);
      button("copy-jsonl").disabled = part !== "log" || event.compressed;
      if (part === "log") writeFragment({ lsn: event.lsn });
    });
    this.detailShown.catch(() => {}); // reported where it is awaited, or by the page
    return this.detailShown;
  }
}

/**
 * Fills the detail panel with `event`; `mark` says which searched text to
 * mark, in its payload, meta or both.
 * @param {LogEvent} event
 * @param {boolean} after an event after the corruption
 * @param {Places} places
 * @param {{ text: string, field: string } | null} [mark]
 */
function renderDetail(event, after, places, mark = null) {
  const marked = (field) => (mark && (mark.field === "both" || mark.field === field) ? mark.text : null);
  const detail = $("detail");
  detail.dataset.lsn = String(event.lsn);
  const title = document.createElement("h3");
  title.textContent = `LSN ${event.lsn}`;
  /** @type {HTMLElement[]} */
  const parts = [title];
  if (after) {
    parts.push(
      paragraph("after-note", ...richText(`After the corruption: ${places.remover()} would remove this event.`)),
    );
  }
  const where = `frame at ${places.place(event.frameOffset)} · event ${fmt(event.ordinal + 1)} ${after ? "after the corruption" : "of the log"}`;
  parts.push(
    paragraph(
      "facts",
      event.compressed ? `in the compressed ${where}` : `${fmt(event.payloadLength)} bytes of payload · ${where}`,
    ),
  );
  if (event.compressed) {
    parts.push(
      paragraph(
        "note",
        "This frame is compressed, and the viewer has no decompressor for it, so its payload and meta cannot be shown (the frame still passed its CRC check). The native rewal verify checks it the same way.",
      ),
    );
  } else {
    if (event.payloadLength > event.payload.length) {
      parts.push(paragraph("note", `A large payload: the first ${fmt(event.payload.length)} of its ${fmt(event.payloadLength)} bytes are shown.`));
    }
    parts.push(heading("payload · text"), pre("payload-text", showBytes(event.payload, 64 << 10), undefined, marked("payload")));
    const json = event.payloadLength === event.payload.length ? prettyJson(event.payload) : null;
    if (json !== null) parts.push(heading("payload · JSON"), pre("payload-json", json));
    parts.push(heading("payload · hex"), pre("payload-hex", hexDump(event.payload), toHex(event.payload.subarray(0, 1 << 20))));
    if (event.meta === null) {
      parts.push(heading("meta"), paragraph("note meta-none", "none"));
    } else {
      parts.push(heading("meta · text"), pre("meta-text", showBytes(event.meta), undefined, marked("meta")));
      parts.push(heading("meta · hex"), pre("meta-hex", hexDump(event.meta), toHex(event.meta)));
    }
  }
  detail.replaceChildren(...parts);
}

/**
 * Fills one row of the list.
 * @param {HTMLElement} row
 * @param {LogEvent} event
 * @param {string} part
 * @param {Places} places
 */
function renderRow(row, event, part, places) {
  row.className = "vrow events-grid" + (part === "after" ? " after" : "");
  row.replaceChildren(
    span(String(event.lsn), "lsn"),
    places.cell(event.frameOffset, "frame"),
    span(event.compressed ? "?" : String(event.payloadLength), "size"),
  );
  if (event.compressed) {
    row.append(span("compressed", "meta none"), span("(compressed frame: no decompressor)", "payload none"));
  } else {
    const meta = event.meta === null ? null : showBytes(event.meta, 200);
    const payload = showBytes(event.payload, PREVIEW_BYTES);
    row.append(meta === null ? span("—", "meta none") : span(meta, "meta"), span(payload, "payload"));
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

function heading(text) {
  const node = document.createElement("h4");
  node.textContent = text;
  return node;
}

/**
 * A scrollable block of text, its part named by `id`; `hex`, the bytes as
 * plain hex (for copying); every occurrence of `marked` in `text` marked.
 * @param {string} id
 * @param {string} text
 * @param {string} [hex]
 * @param {string | null} [marked]
 */
function pre(id, text, hex, marked = null) {
  const node = document.createElement("pre");
  node.className = id.endsWith("hex") ? "hex" : "";
  node.dataset.part = id;
  if (marked) {
    const pieces = text.split(marked);
    pieces.forEach((piece, i) => {
      if (i > 0) node.append(element("mark", "hit", marked));
      node.append(piece);
    });
  } else {
    node.textContent = text;
  }
  // Scrollable regions must be reachable by keyboard.
  node.tabIndex = 0;
  if (hex !== undefined) node.dataset.hex = hex;
  return node;
}
