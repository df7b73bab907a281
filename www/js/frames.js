// @ts-check
// The frames tab: every frame with its offset, size, LSNs, flags and
// check, virtualized like the events (a log may have millions of frames).
// Selecting a frame (click, or the arrow keys) says what it is; opening it
// (click, or Enter) shows its events: the log's, or, after a corruption,
// the read-only events a cut would remove.

import { VirtualList } from "./vlist.js";
import { fmt } from "./format.js";
import { richText, sentence } from "./text.js";
import { $ } from "./dom.js";

/** @typedef {import("./session.js").Session} Session */
/** @typedef {import("../pkg/rewal_wasm.js").LogFrame} LogFrame */

export class FramesView {
  /** @param {(frame: LogFrame) => void} onOpenFrame called with a frame that is opened */
  constructor(onOpenFrame) {
    /** @type {Session | null} */
    this.session = null;
    this.list = new VirtualList($("frames"), {
      label: "Frames",
      fetch: (first, count) => this.session.log.frames(first, count),
      render: (row, frame) => renderRow(row, frame, this.session),
      onSelect: (index) => this.describe(index),
      onActivate: async (index) => {
        const frame = await this.frameAt(index);
        if (frame && frame.status !== "invalid") onOpenFrame(frame);
      },
      placeholder: $("frames-empty"),
    });
  }

  /**
   * Shows the frames of a newly opened log.
   * @param {Session} session
   * @param {number} frameCount
   */
  show(session, frameCount) {
    this.session = session;
    this.list.setCount(frameCount, session.summary.end === "not-a-log" ? "Not a rewal log: no frames." : "No frames.");
    $("frame-note").replaceChildren("Select a frame to see what it is; click it or press Enter to see its events.");
  }

  /** Scrolls to frame-list entry `index`, selects it and focuses the list (a click on the minimap). */
  reveal(index) {
    this.list.scrollToIndex(index, { top: true });
    this.list.select(index);
    $("frames").focus({ preventScroll: true });
  }

  /** @param {number} index @returns {Promise<LogFrame | undefined>} */
  async frameAt(index) {
    const [frame] = await this.session.log.frames(index, 1);
    return frame;
  }

  /** Says what the selected frame is, and what opening it shows. */
  async describe(index) {
    const frame = await this.frameAt(index);
    if (!frame || this.list.selected !== index) return;
    const { summary: s, places } = this.session;
    const note = $("frame-note");
    note.dataset.offset = String(frame.offset);
    const where = `Frame at ${places.place(frame.offset)}, ${fmt(frame.size)} bytes`;
    if (frame.status === "invalid") {
      const at = places.place(frame.offset);
      note.replaceChildren(
        ...richText(`${at[0].toUpperCase()}${at.slice(1)}: where the valid frames end. ${sentence(s.problem ?? "")}`),
      );
      return;
    }
    const lsns = frame.count === 1 ? `LSN ${frame.firstLsn}` : `LSNs ${frame.firstLsn} to ${frame.firstLsn + BigInt(frame.count - 1)}`;
    const kind = frame.flags & 1 ? "compressed, " : "";
    const after =
      frame.status === "after-corruption" ? ` After the corruption: ${places.remover()} would remove it.` : "";
    note.replaceChildren(
      ...richText(`${where}: ${fmt(frame.count)} event${frame.count === 1 ? "" : "s"}, ${lsns}, ${kind}checks out.${after} Enter shows its events.`),
    );
  }
}

/** What the status column says. */
const STATUS = { ok: "ok", invalid: "invalid: the valid frames end here", "after-corruption": "after corruption" };

/**
 * Fills one row of the list.
 * @param {HTMLElement} row
 * @param {LogFrame} frame
 * @param {Session} session
 */
function renderRow(row, frame, session) {
  row.className = "vrow frames-grid" + (frame.status === "invalid" ? " bad" : frame.status === "ok" ? "" : " after");
  const flags = frame.flags === 0 ? "0" : `${frame.flags}${frame.flags & 1 ? " compressed" : ""}`;
  const valid = frame.status !== "invalid" || frame.count > 0;
  const cells = [
    ["offset", null],
    ["size", String(frame.size)],
    ["lsn", valid ? String(frame.firstLsn) : "—"],
    ["count", valid ? String(frame.count) : "—"],
    ["flags", valid ? flags : "—"],
    ["crc", frame.crcOk ? "ok" : "bad"],
    ["status", STATUS[frame.status]],
  ];
  row.replaceChildren();
  for (const [name, text] of cells) {
    if (text === null) {
      row.append(session.places.cell(frame.offset, name));
      continue;
    }
    const cell = document.createElement("span");
    cell.className = name;
    cell.textContent = text;
    row.append(cell);
  }
}
