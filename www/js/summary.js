// The summary panel and the banner that says how a log ends: each fact
// once, in the engine's words (the same as the native `rewal verify`).

import { fmt, fmtBytes } from "./format.js";
import { hideBanner, showBanner } from "./errors.js";
import { sentence } from "./text.js";

/** Fills the summary panel for log `name` from its summary. */
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
  ];
  if (s.afterFrames > 0) {
    rows.push(["after it", `${fmt(s.afterEvents)} events in ${fmt(s.afterFrames)} valid frames, LSNs ${s.afterFirstLsn} to ${s.afterLastLsn}`]);
  }
  rows.push(["opened in", `${openMs.toFixed(0)} ms`]);
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
  const label = document.createElement("h3");
  label.textContent = "rewal verify";
  // The line exactly as the command prints it, backticks included.
  const line = document.createElement("p");
  line.id = "verdict";
  line.textContent = s.verdict;
  verdict.append(label, line);
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

/**
 * Shows (or hides) the banner for how the log ends. `showAfter` opens the
 * events after a corruption (the banner offers it).
 */
export function renderBanner(s, showAfter) {
  switch (s.end) {
    case "clean":
      if (s.bytes === 0) {
        showBanner("info", "Empty file (0 bytes)", ["An empty log: no frames, no events. rewal verify: " + s.verdict]);
      } else {
        hideBanner();
      }
      return;
    case "torn-tail":
      showBanner("warn", `Torn tail at offset ${s.endOffset}: the last ${fmt(s.bytes - s.endOffset)} bytes are an unfinished write`, [
        sentence(s.problem),
        `The ${fmt(s.events)} events before it are shown.`,
        "`rewal repair` cuts the tail, and so does opening the log with rewal.",
      ]);
      return;
    case "corrupted": {
      const next = s.nextValid === undefined ? "" : `, next valid frame at offset ${s.nextValid}`;
      const lines = [
        sentence(s.problem),
        `The ${fmt(s.events)} events before it are shown; rewal refuses to open this log until it is repaired.`,
      ];
      if (s.afterEvents > 0) {
        lines.push(
          `After it, ${fmt(s.afterFrames)} valid frame${s.afterFrames === 1 ? "" : "s"} hold ${fmt(s.afterEvents)} event${s.afterEvents === 1 ? "" : "s"} ` +
            `(LSNs ${s.afterFirstLsn} to ${s.afterLastLsn}) that \`rewal repair --cut-at-corruption\` would remove.`,
        );
      } else if (s.nextValid === undefined) {
        lines.push("The rest of the file was too costly to search for valid frames, so it counts as a corruption.");
      }
      const action =
        s.afterEvents > 0 ? { label: `Show the ${fmt(s.afterEvents)} events after the corruption`, run: showAfter } : undefined;
      showBanner("bad", `Corrupted at offset ${s.endOffset}${next}`, lines, action);
      return;
    }
    default:
      showBanner("bad", "Not a rewal log", [
        `This file (${fmtBytes(s.bytes)}) does not begin like a rewal write-ahead log, so there is nothing to show: ${s.verdict}.`,
      ]);
  }
}
