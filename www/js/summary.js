// @ts-check
// The summary panel and the banner that says how a log ends: each fact
// once, the sentences in the CLI's words (rewal-report's, which the
// native `rewal verify` prints; for segment files, `rewal verify DIR`'s).
// For a log of segment files, offsets are said as a segment and the offset
// in it, and segments that do not follow each other are named.

import { fmt, fmtBytes } from "./format.js";
import { hideBanner, showBanner } from "./errors.js";
import { sentence } from "./text.js";
import { $ } from "./dom.js";
/** @typedef {import("./session.js").Session} Session */
/** @typedef {import("./session.js").Summary} Summary */
/** @typedef {import("./place.js").Places} Places */

/**
 * Segments that do not follow each other (`segmentProblem`): the banner's
 * title and the summary's "ends", given the segment's name.
 */
const MISFITS = {
  gap: { title: (name) => `Events missing between segments, before ${name}`, ends: (name) => `a gap: events missing before ${name}` },
  overlap: { title: (name) => `Segments overlap at ${name}`, ends: (name) => `${name} overlaps the segment before it` },
  "out-of-range": { title: (name) => `A segment out of its range: ${name}`, ends: (name) => `${name} holds events below its name` },
};

/**
 * An offset where the summary says one: "offset 233", or in which segment.
 * @param {Places} places
 * @param {number} offset
 */
const at = (places, offset) => places.place(offset, String);

/**
 * Fills the summary panel for the open log; `notes` are sentences about
 * how it was opened (files left out).
 * @param {Session} session
 * @param {number} openMs
 * @param {string[]} [notes]
 */
export function renderSummary(session, openMs, notes = []) {
  const { label: name, summary: s, segments, places } = session;
  const panel = $("summary");
  const lsns = s.frames > 0 ? `${s.firstLsn} to ${s.lastLsn}` : "none";
  const files = segments.length;
  let valid;
  if (files === 0) valid = s.validBytes === s.bytes ? "every byte" : `the first ${fmt(s.validBytes)} of ${fmt(s.bytes)} bytes`;
  else if (s.end === "clean") valid = "every segment";
  else if (MISFITS[s.segmentProblem]) valid = `the segments before ${s.problemSegment}`;
  else valid = `up to ${at(places, s.validBytes)}`;
  const rows = [];
  if (files > 0) {
    rows.push(["segments", `${fmt(files)} file${files === 1 ? "" : "s"}`], ["oldest", segments[0].name]);
    if (files > 1) rows.push(["newest", segments[files - 1].name]);
  }
  rows.push(
    ["size", fmtBytes(s.bytes)],
    ["valid", valid],
    ["frames", `${fmt(s.frames)}, ${fmt(s.compressedFrames)} compressed`],
    ["largest", s.frames > 0 ? fmtBytes(s.largestFrame) : "—"],
    ["events", fmt(s.events)],
    ["LSNs", lsns],
    ["ends", endWords(s, places)],
  );
  if (s.afterFrames > 0) {
    rows.push(["after it", `${fmt(s.afterEvents)} events in ${fmt(s.afterFrames)} valid frames, LSNs ${s.afterFirstLsn} to ${s.afterLastLsn}`]);
  }
  rows.push(["opened in", `${openMs.toFixed(0)} ms`]);
  for (const note of notes) rows.push(["note", note]);
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
  // What `rewal verify FILE` (or, for segment files, `rewal verify DIR`)
  // prints after the path, word for word.
  label.textContent = "rewal verify";
  // The line exactly as the command prints it, backticks included.
  const line = document.createElement("p");
  line.id = "verdict";
  line.textContent = s.verdict;
  verdict.append(label, line);
  panel.append(title, list, verdict);
}

/**
 * How the log ends, short: "clean", "torn tail at offset 233", …
 * @param {Summary} s
 * @param {Places} places
 */
function endWords(s, places) {
  switch (s.end) {
    case "clean":
      return "clean";
    case "torn-tail":
      return `torn tail at ${at(places, s.endOffset)}`;
    case "corrupted":
      if (MISFITS[s.segmentProblem]) return MISFITS[s.segmentProblem].ends(s.problemSegment);
      return s.nextValid === null
        ? `corrupted at ${at(places, s.endOffset)}`
        : `corrupted at ${at(places, s.endOffset)}, next valid frame at ${places.segmented ? at(places, s.nextValid) : s.nextValid}`;
    default:
      return "not a rewal log";
  }
}

/**
 * Shows (or hides) the banner for how the open log ends. `showAfter`
 * opens the events after a corruption (the banner offers it).
 * @param {Session} session
 * @param {() => Promise<void>} showAfter
 */
export function renderBanner(session, showAfter) {
  const { summary: s, places } = session;
  switch (s.end) {
    case "clean":
      if (s.bytes === 0) {
        const what = places.segmented ? "Empty segment files (0 bytes)" : "Empty file (0 bytes)";
        showBanner("info", what, ["An empty log: no frames, no events. rewal verify: " + s.verdict]);
      } else {
        hideBanner();
      }
      return;
    case "torn-tail":
      showBanner("warn", `Torn tail at ${at(places, s.endOffset)}: the last ${fmt(s.bytes - s.endOffset)} bytes are an unfinished write`, [
        sentence(s.problem),
        `The ${fmt(s.events)} events before it are shown.`,
        "`rewal repair` cuts the tail, and so does opening the log with rewal.",
      ]);
      return;
    case "corrupted": {
      const next = s.nextValid === null ? "" : `, next valid frame at ${at(places, s.nextValid)}`;
      // `rewal repair DIR` leaves a corruption in a segment directory
      // alone unless asked: with --cut-at-corruption it keeps the run of
      // segments with the most events (cli/src/commands/repair.rs).
      const refusal = places.segmented
        ? "rewal refuses to open this log; `rewal repair --cut-at-corruption` keeps the segments that hold the most events and moves the rest to removed/."
        : "rewal refuses to open this log until it is repaired.";
      const lines = [sentence(s.problem), `The ${fmt(s.events)} events before it are shown; ${refusal}`];
      if (s.afterEvents > 0) {
        lines.push(
          `After it, ${fmt(s.afterFrames)} valid frame${s.afterFrames === 1 ? "" : "s"} hold ${fmt(s.afterEvents)} event${s.afterEvents === 1 ? "" : "s"} ` +
            `(LSNs ${s.afterFirstLsn} to ${s.afterLastLsn}) that ${places.remover()} would remove.`,
        );
      } else if (s.nextValid === null && !places.segmented) {
        lines.push("The rest of the file was too costly to search for valid frames, so it counts as a corruption.");
      }
      const action =
        s.afterEvents > 0 ? { label: `Show the ${fmt(s.afterEvents)} events after the corruption`, run: showAfter } : undefined;
      const misfit = MISFITS[s.segmentProblem];
      const title = misfit ? misfit.title(s.problemSegment) : `Corrupted at ${at(places, s.endOffset)}${next}`;
      showBanner("bad", title, lines, action);
      return;
    }
    default:
      showBanner("bad", "Not a rewal log", [
        `This file (${fmtBytes(s.bytes)}) does not begin like a rewal write-ahead log, so there is nothing to show: ${s.verdict}.`,
      ]);
  }
}
