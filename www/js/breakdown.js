// @ts-check
// The breakdown tab: the log's events counted by meta value (the counts
// `rewal demo` prints after its replay) and its frames counted by size,
// as tables with bars.

import { fmt } from "./format.js";
import { richText } from "./text.js";
import { $ } from "./dom.js";

/** @typedef {import("./session.js").Session} Session */
/** @typedef {import("../pkg/rewal_wasm.js").Picture} Picture */

/**
 * Fills the breakdown tab from the open log's summary and picture.
 * @param {Session} session
 * @param {Picture} picture
 */
export function renderBreakdown({ summary }, picture) {
  const metas = picture.metas.map(({ label, count }) => [label, count]);
  fill($("meta-table"), metas, summary.events, "No events.");
  const sizes = [];
  picture.sizes.forEach((count, k) => {
    if (count > 0) sizes.push([`${size(2 ** k)} to ${size(2 ** (k + 1) - 1)}`, count]);
  });
  fill($("size-table"), sizes, summary.frames, "No frames.");
  const after = summary.afterEvents > 0 ? ` The ${fmt(summary.afterEvents)} events after the corruption are not counted.` : "";
  $("breakdown-note").replaceChildren(
    ...richText(
      "Events are counted by meta value as `rewal demo` counts them; values are told apart by their first 64 bytes, " +
        `and past 256 distinct values the rest are counted together.${after}`,
    ),
  );
}

/** Fills `table`'s body with [label, count] rows and bars relative to `total`. */
function fill(table, rows, total, empty) {
  const body = table.tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = body.insertRow();
    const td = tr.insertCell();
    td.colSpan = 3;
    td.textContent = empty;
    return;
  }
  const most = Math.max(...rows.map(([, count]) => count));
  for (const [label, count] of rows) {
    const tr = body.insertRow();
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = label;
    tr.append(name);
    const number = tr.insertCell();
    number.className = "count";
    number.textContent = fmt(count);
    const share = tr.insertCell();
    share.className = "share";
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = `${Math.max(1, Math.round((count / most) * 100))}%`;
    bar.setAttribute("aria-hidden", "true");
    const percent = document.createElement("span");
    percent.textContent = total > 0 ? `${((count / total) * 100).toFixed(1)}%` : "";
    share.append(bar, percent);
  }
}

/** A power-of-two size for people: "64 B", "4 KiB", "1 MiB". */
function size(n) {
  const units = ["B", "KiB", "MiB", "GiB"];
  let unit = 0;
  let value = n;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
