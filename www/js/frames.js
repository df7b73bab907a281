// The frames tab: every frame with its offset, size, LSNs, flags and
// check, virtualized like the events (a log may have a million frames).

import { VirtualList } from "./vlist.js";

/** Copies a wasm `LogFrame` into a plain object and frees the wasm one. */
function plain(frame) {
  const copy = {
    offset: frame.offset,
    size: frame.size,
    firstLsn: frame.firstLsn,
    count: frame.count,
    flags: frame.flags,
    crcOk: frame.crcOk,
    status: frame.status,
  };
  frame.free();
  return copy;
}

export class FramesView {
  /** @param {(lsn: bigint) => void} onOpenFrame called with a frame's first LSN when it is chosen */
  constructor(onOpenFrame) {
    this.log = null;
    this.list = new VirtualList(document.getElementById("frames"), {
      fetch: (first, count) => (this.log ? this.log.frames(first, count).map(plain) : []),
      render: renderRow,
      onSelect: (index) => {
        const [frame] = this.log.frames(index, 1).map(plain);
        if (frame && frame.status === "ok") onOpenFrame(frame.firstLsn);
      },
      empty: "No frames.",
    });
  }

  /** Shows the frames of a newly opened `WalLog`. */
  show(log) {
    this.log = log;
    this.list.setCount(log.frameCount);
  }
}

function renderRow(row, frame) {
  row.className = "vrow frames-grid" + (frame.status === "invalid" ? " bad" : frame.status === "ok" ? "" : " after");
  const flags = frame.flags === 0 ? "0" : `${frame.flags}${frame.flags & 1 ? " compressed" : ""}`;
  const valid = frame.status !== "invalid" || frame.count > 0;
  const cells = [
    String(frame.offset),
    String(frame.size),
    valid ? String(frame.firstLsn) : "—",
    valid ? String(frame.count) : "—",
    valid ? flags : "—",
    frame.crcOk ? "ok" : "bad",
    frame.status === "invalid" ? "invalid: the valid frames end here" : frame.status,
  ];
  row.replaceChildren();
  for (const text of cells) {
    const cell = document.createElement("span");
    cell.textContent = text;
    row.append(cell);
  }
}
