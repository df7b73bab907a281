// The summary panel and the banner that says how a log ends, in the words
// of the native `rewal verify`.

import { fmt, fmtBytes } from "./format.js";
import { hideBanner, showBanner } from "./errors.js";

/** Fills the summary panel for log `name` from its wasm `Summary`. */
export function renderSummary(name, s, openMs) {
  const panel = document.getElementById("summary");
  const lsns = s.frames > 0 ? `${s.firstLsn} to ${s.lastLsn}` : "none";
  const rows = [
    ["size", fmtBytes(s.bytes)],
    ["valid", s.validBytes === s.bytes ? "every byte" : `the first ${fmt(s.validBytes)} of ${fmt(s.bytes)} bytes`],
    ["frames", `${fmt(s.frames)}, ${fmt(s.compressedFrames)} compressed`],
    ["largest", s.frames > 0 ? fmtBytes(s.largestFrame) : "—"],
    ["events", fmt(s.events)],
    ["LSNs", lsns],
    ["ends", endWords(s)],
    ["opened in", `${openMs.toFixed(0)} ms`],
  ];
  panel.replaceChildren();
  const title = document.createElement("h2");
  title.textContent = name;
  const list = document.createElement("dl");
  for (const [key, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = key;
    const dd = document.createElement("dd");
    dd.textContent = value;
    dd.dataset.field = key;
    if (key === "ends") dd.className = "end-" + s.end;
    list.append(dt, dd);
  }
  const verdict = document.createElement("div");
  verdict.className = "verdict";
  verdict.innerHTML = "<strong>rewal verify</strong>";
  const line = document.createElement("p");
  line.id = "verdict";
  line.textContent = s.verdict;
  verdict.append(line);
  panel.append(title, list, verdict);
}

/** How the log ends, short: "clean", "torn tail at offset 233", … */
function endWords(s) {
  switch (s.end) {
    case "clean":
      return "clean";
    case "torn-tail":
      return `torn tail at offset ${s.endOffset}`;
    case "corrupted":
      return s.nextValid === undefined
        ? `corrupted at offset ${s.endOffset}`
        : `corrupted at offset ${s.endOffset}, next valid frame at ${s.nextValid}`;
    default:
      return "not a rewal log";
  }
}

/** Shows (or hides) the banner for how the log ends. */
export function renderBanner(s) {
  switch (s.end) {
    case "clean":
      if (s.bytes === 0) {
        showBanner("info", "Empty file (0 bytes)", "An empty log: no frames, no events. rewal verify: " + s.verdict);
      } else {
        hideBanner();
      }
      return;
    case "torn-tail":
      showBanner(
        "warn",
        `Torn tail at offset ${s.endOffset}: the last ${fmt(s.bytes - s.endOffset)} bytes are an unfinished write`,
        `rewal verify: ${s.verdict}. The ${fmt(s.events)} events before it are shown; opening this log with rewal cuts the tail.`,
      );
      return;
    case "corrupted": {
      const next = s.nextValid === undefined ? "" : `, next valid frame at offset ${s.nextValid}`;
      showBanner(
        "bad",
        `Corrupted at offset ${s.endOffset}${next}`,
        `rewal verify: ${s.verdict}. Only the ${fmt(s.events)} events before the corruption are shown; rewal refuses to open this log until it is repaired.`,
      );
      return;
    }
    default:
      showBanner(
        "bad",
        "Not a rewal log",
        `This file (${fmtBytes(s.bytes)}) does not begin like a rewal write-ahead log, so there is nothing to show. rewal verify: ${s.verdict}.`,
      );
  }
}
