// @ts-check
// Where an offset is, in words. In a single file, "offset 1,234". In a
// log opened from several segment files, offsets count from the first
// byte of the oldest segment, which no other tool knows: they are shown as
// the segment's name and the offset in that file ("offset 233 of
// 00000000000000000043.wal"), what `rewal verify` and a hex editor show
// for the same bytes. A log's `Places` is part of its session.

import { fmt } from "./format.js";

/** @typedef {import("../pkg/rewal_wasm.js").LogSegment} LogSegment */

export class Places {
  /** @param {LogSegment[]} segments the log's segment files, oldest first (none for a single file) */
  constructor(segments) {
    /** @type {LogSegment[] | null} */
    this.segments = segments.length > 0 ? segments : null;
  }

  /** True when the log was opened from segment files. */
  get segmented() {
    return this.segments !== null;
  }

  /**
   * The segment holding log offset `offset` and the offset in it, or null for a single file.
   * @param {number} offset
   * @returns {{ name: string, offset: number } | null}
   */
  locate(offset) {
    const segments = this.segments;
    if (!segments) return null;
    // The last segment beginning at or before it (an empty file is passed over).
    let lo = 0;
    let hi = segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (segments[mid].start <= offset) lo = mid + 1;
      else hi = mid;
    }
    const segment = segments[Math.max(0, lo - 1)];
    return { name: segment.name, offset: Math.max(0, offset - segment.start) };
  }

  /**
   * "offset 1,234", or "offset 233 of 00000000000000000043.wal"; `number` formats the offset.
   * @param {number} offset
   * @param {(n: number) => string} [number]
   */
  place(offset, number = fmt) {
    const at = this.locate(offset);
    return at ? `offset ${number(at.offset)} of ${at.name}` : `offset ${number(offset)}`;
  }

  /**
   * An offset as a table cell (a span of class `className`): "1234", or
   * "00000000000000000043.wal:233". A segment's name is long and its
   * leading zeros say little: when the column is too narrow, the text is cut
   * on the left ("…0043.wal:233"), the whole still there for screen readers.
   * @param {number} offset
   * @param {string} className
   */
  cell(offset, className) {
    const cell = document.createElement("span");
    cell.className = className;
    const at = this.locate(offset);
    if (!at) {
      cell.textContent = String(offset);
      return cell;
    }
    cell.classList.add("cut-left");
    const text = document.createElement("span");
    text.textContent = `${at.name}:${at.offset}`;
    cell.append(text);
    return cell;
  }

  /**
   * What would remove the frames after a corruption, as the start of a
   * sentence: for one file the repair command; for segments the engine's
   * open that cuts the log there (the damaged segment cut, every newer one
   * removed), since `rewal repair DIR` refuses to cut at a corruption.
   */
  remover() {
    return this.segments
      ? "opening the log with `Recovery::TruncateAtCorruption`"
      : "`rewal repair --cut-at-corruption`";
  }
}
