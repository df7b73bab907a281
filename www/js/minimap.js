// @ts-check
// The minimap: the file from its first byte to its last, left to right,
// each frame a mark coloured by what it is (valid, compressed, torn tail,
// corruption, after the corruption). A click, or Enter on the focused map,
// opens the frame at that offset. For keyboards it is a slider over the
// file's offsets: the arrows, Page Up/Down, Home and End move a cursor. A
// log of segment files is drawn as its files one after the other, with a
// line where each begins, and offsets are said in their segment.

import { fmt } from "./format.js";
import { $ } from "./dom.js";

/** @typedef {import("./session.js").Session} Session */
/** @typedef {import("../pkg/rewal_wasm.js").Picture} Picture */

/** What each colour means, in the order a pixel shows them (first wins). */
const KINDS = [
  { kind: "corrupt", label: "corruption" },
  { kind: "torn", label: "torn tail" },
  { kind: "after", label: "after the corruption (a cut removes these)" },
  { kind: "compressed", label: "compressed frame" },
  { kind: "valid", label: "valid frame" },
];

/** The legend lists them in the order they come in a log. */
const LEGEND = ["valid", "compressed", "torn", "corrupt", "after"];

/** Torn and corrupted bytes are drawn at least this wide (CSS px), however few. */
const PROBLEM_MIN_PX = 3;


export class Minimap {
  /** @param {(offset: number) => void} onPick called with the file offset chosen */
  constructor(onPick) {
    this.canvas = /** @type {HTMLCanvasElement} */ ($("minimap"));
    this.onPick = onPick;
    this.summary = null;
    this.buckets = null;
    this.starts = null; // frame offsets, for small logs
    this.blemishes = []; // [from, to, kind] of the bytes that are not valid frames
    this.segmentStarts = []; // where each segment file but the first begins
    this.cursor = 0;
    this.canvas.addEventListener("click", (event) => this.onPick(this.offsetAt(event.offsetX)));
    this.canvas.addEventListener("mousemove", (event) => {
      this.canvas.title = this.describe(this.offsetAt(event.offsetX));
    });
    this.canvas.addEventListener("keydown", (event) => this.key(event));
    this.canvas.addEventListener("focus", () => this.draw());
    this.canvas.addEventListener("blur", () => this.draw());
    new ResizeObserver(() => this.draw()).observe(this.canvas);
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => this.draw());
  }

  /**
   * Shows a newly opened log: `picture.minimap` counts frames of each kind
   * per bucket; `starts`, for small logs, the frames' offsets (each start
   * is drawn as a gap, where there are pixels enough).
   * @param {Session} session
   * @param {Picture} picture
   * @param {number[] | null} starts
   */
  show(session, picture, starts) {
    const { summary, segments } = session;
    this.session = session;
    this.summary = summary;
    this.buckets = picture.minimap;
    this.starts = starts;
    // The engine says which bytes are torn or corrupted.
    this.blemishes = picture.blemishes.map(({ from, to, kind }) => [from, to, kind]);
    this.segmentStarts = segments.slice(1).map((segment) => segment.start);
    this.cursor = 0;
    this.canvas.setAttribute("aria-valuemax", String(Math.max(0, summary.bytes - 1)));
    this.setCursor(0);
    this.legend();
    this.draw();
  }

  /** The file offset under x (CSS pixels from the canvas's left edge). */
  offsetAt(x) {
    const width = this.canvas.clientWidth || 1;
    const bytes = this.summary?.bytes ?? 0;
    return Math.min(Math.max(0, bytes - 1), Math.max(0, Math.floor((x / width) * bytes)));
  }

  /** What is at file offset `offset`, in words. */
  describe(offset) {
    const s = this.summary;
    if (!s || s.bytes === 0) return "empty";
    const kinds = this.kindsIn(offset, offset + 1);
    const what = KINDS.find((k) => kinds.has(k.kind))?.label ?? "no frame";
    const places = this.session.places;
    return places.segmented ? `${places.place(offset)}: ${what}` : `offset ${fmt(offset)} of ${fmt(s.bytes)}: ${what}`;
  }

  /** The byte ranges that are not valid frames, as [from, to, kind]. */
  problems() {
    return this.blemishes;
  }

  /** The kinds of bytes in [from, to). */
  kindsIn(from, to) {
    const s = this.summary;
    const kinds = new Set();
    for (const [a, b, kind] of this.problems()) if (a < to && b > from) kinds.add(kind);
    const n = this.buckets.length / 3;
    const first = Math.min(n - 1, Math.floor((from * n) / s.bytes));
    const last = Math.min(n - 1, Math.max(first, Math.ceil((to * n) / s.bytes) - 1));
    for (let b = first; b <= last; b++) {
      if (this.buckets[3 * b]) kinds.add("valid");
      if (this.buckets[3 * b + 1]) kinds.add("compressed");
      if (this.buckets[3 * b + 2]) kinds.add("after");
    }
    return kinds;
  }

  draw() {
    const canvas = this.canvas;
    const width = Math.max(1, Math.round(canvas.clientWidth * devicePixelRatio));
    const height = Math.max(1, Math.round(canvas.clientHeight * devicePixelRatio));
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    const g = canvas.getContext("2d");
    const colours = palette();
    g.fillStyle = colours.empty;
    g.fillRect(0, 0, width, height);
    const s = this.summary;
    if (!s || s.bytes === 0) return;
    for (let x = 0; x < width; x++) {
      const from = Math.floor((x * s.bytes) / width);
      const to = Math.max(from + 1, Math.floor(((x + 1) * s.bytes) / width));
      const kinds = this.kindsIn(from, to);
      const kind = KINDS.find((k) => kinds.has(k.kind))?.kind;
      if (!kind) continue;
      g.fillStyle = colours[kind];
      g.fillRect(x, 0, 1, height);
      if (kind === "after") {
        // Hatched: these frames are valid, but a cut removes them.
        g.fillStyle = colours.empty;
        for (let y = (x % 6) - 6; y < height; y += 6) g.fillRect(x, y, 1, 2);
      }
    }
    // However small, a problem is seen.
    for (const [from, to, kind] of this.problems()) {
      const x = Math.floor((from * width) / s.bytes);
      const w = Math.max(Math.ceil(((to - from) * width) / s.bytes), PROBLEM_MIN_PX * devicePixelRatio);
      g.fillStyle = colours[kind];
      g.fillRect(Math.min(x, width - w), 0, w, height);
    }
    // Where each segment file begins: a line across the map.
    if (this.segmentStarts.length * 3 <= width) {
      g.fillStyle = colours.segment;
      for (const offset of this.segmentStarts) {
        const x = Math.floor((offset * width) / s.bytes);
        g.fillRect(x, 0, Math.max(1, devicePixelRatio), height);
      }
    }
    if (this.starts && this.starts.length * 3 <= width) {
      g.fillStyle = colours.empty;
      for (const offset of this.starts) {
        const x = Math.floor((offset * width) / s.bytes);
        if (x > 0) g.fillRect(x, 0, Math.max(1, devicePixelRatio), height);
      }
    }
    if (document.activeElement === canvas) {
      const x = Math.floor((this.cursor * width) / s.bytes);
      g.fillStyle = colours.cursor;
      g.fillRect(Math.max(0, x - devicePixelRatio), 0, 2 * devicePixelRatio, height);
    }
  }

  legend() {
    const present = new Set();
    if (this.summary.bytes > 0) {
      for (const k of this.kindsIn(0, this.summary.bytes)) present.add(k);
    }
    const list = $("minimap-legend");
    list.replaceChildren();
    for (const kind of LEGEND) {
      if (!present.has(kind)) continue;
      const { label } = KINDS.find((k) => k.kind === kind);
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = `swatch swatch-${kind}`;
      swatch.setAttribute("aria-hidden", "true");
      item.append(swatch, label);
      list.append(item);
    }
  }

  setCursor(offset) {
    this.cursor = offset;
    this.canvas.setAttribute("aria-valuenow", String(offset));
    this.canvas.setAttribute("aria-valuetext", this.describe(offset));
    this.draw();
  }

  key(event) {
    const s = this.summary;
    if (!s || s.bytes === 0) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      this.onPick(this.cursor);
      return;
    }
    const step = Math.max(1, Math.floor(s.bytes / 100));
    const to = {
      ArrowRight: this.cursor + step,
      ArrowUp: this.cursor + step,
      ArrowLeft: this.cursor - step,
      ArrowDown: this.cursor - step,
      PageUp: this.cursor + 10 * step,
      PageDown: this.cursor - 10 * step,
      Home: 0,
      End: s.bytes - 1,
    }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    this.setCursor(Math.min(s.bytes - 1, Math.max(0, to)));
  }
}

/** The map's colours, from the stylesheet (they follow the colour scheme). */
function palette() {
  const style = getComputedStyle(document.documentElement);
  const get = (name) => style.getPropertyValue(name).trim();
  return {
    empty: get("--map-empty"),
    valid: get("--map-valid"),
    compressed: get("--map-compressed"),
    torn: get("--map-torn"),
    corrupt: get("--map-corrupt"),
    after: get("--map-after"),
    cursor: get("--ink"),
    segment: get("--muted"),
  };
}
