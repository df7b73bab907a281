// @ts-check
// The segments tab, for a log opened from several segment files: each
// file with its size, events, LSNs, how it ends (as `rewal info DIR` lists
// it; rewal scans no further than the problem, so a file after it says
// how it ends on its own), and how it stands in the log (its events held,
// where the log's events stop, or after that and not replayed).

import { fmt, fmtBytes } from "./format.js";
import { $ } from "./dom.js";

/** @typedef {import("./session.js").Session} Session */

/** Rows drawn; a folder of thousands of segments says how many more there are. */
const MAX_ROWS = 1000;

const STANDING = {
  held: "held",
  problem: "the log's events stop here",
  after: "after the problem: not replayed",
};

const ENDS = { clean: "clean", "torn-tail": "torn tail", corrupted: "corrupted", "not-a-log": "not a rewal log" };

/**
 * Fills the segments tab with the open log's segment files (none for a single file).
 * @param {Session} session
 */
export function renderSegments({ segments }) {
  const body = /** @type {HTMLTableElement} */ ($("segment-table")).tBodies[0];
  body.replaceChildren();
  for (const segment of segments.slice(0, MAX_ROWS)) {
    const row = body.insertRow();
    row.className = segment.standing === "held" ? "" : segment.standing;
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = segment.name;
    name.title = segment.verdict; // what `rewal verify` says of the file alone
    row.append(name);
    const lsns = segment.frames > 0 ? `${segment.firstLsn} to ${segment.lastLsn}` : "none";
    const ends = segment.ending ?? ENDS[segment.end];
    for (const text of [fmtBytes(segment.size), fmt(segment.events), lsns, ends, STANDING[segment.standing]]) {
      row.insertCell().textContent = text;
    }
  }
  const more = segments.length - MAX_ROWS;
  $("segments-note").textContent = more > 0 ? `and ${fmt(more)} more segments, not listed` : "";
}
