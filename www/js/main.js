// The viewer's entry point: loads the wasm engine, opens logs (picker or
// drag and drop), and hands them to the summary, events and frames views.

import init, * as wasm from "../pkg/rewal_wasm.js";
import { renderBanner, renderSummary } from "./summary.js";
import { EventsView } from "./events.js";
import { FramesView } from "./frames.js";
import { Composer } from "./composer.js";
import { guard, report, showBanner } from "./errors.js";
import { fmt } from "./format.js";

const $ = (id) => document.getElementById(id);

let current = null; // the open WalLog
let events;
let frames;

/** Opens `bytes` (a log file's contents) as log `name`; `started` is when the user chose it. */
function openBytes(bytes, name, started = performance.now()) {
  if (current) {
    current.free();
    current = null;
  }
  const log = wasm.WalLog.open(bytes);
  current = log;
  const summary = log.summary();
  const plain = {
    bytes: summary.bytes,
    validBytes: summary.validBytes,
    frames: summary.frames,
    events: summary.events,
    compressedFrames: summary.compressedFrames,
    largestFrame: summary.largestFrame,
    firstLsn: summary.firstLsn,
    lastLsn: summary.lastLsn,
    end: summary.end,
    endOffset: summary.endOffset,
    nextValid: summary.nextValid,
    verdict: summary.verdict,
  };
  summary.free();
  $("empty-state").hidden = true;
  $("viewer").hidden = false;
  renderBanner(plain);
  events.show(log, plain);
  frames.show(log);
  const openMs = performance.now() - started;
  renderSummary(name, plain, openMs);
  $("status").textContent = `${name}: ${fmt(plain.events)} events, opened in ${openMs.toFixed(0)} ms`;
  // For people and for the tests: how long from choosing the file to the
  // summary being on screen (measured at the next frame, once painted).
  document.body.dataset.opened = name;
  requestAnimationFrame(() => {
    document.body.dataset.openMs = (performance.now() - started).toFixed(1);
  });
}

/** Reads a chosen or dropped file and opens it. */
async function openFile(file) {
  const started = performance.now();
  delete document.body.dataset.openMs;
  $("status").textContent = `reading ${file.name}…`;
  let bytes;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (error) {
    report(error, `Could not read ${file.name}`);
    return;
  }
  try {
    openBytes(bytes, file.name, started);
  } catch (error) {
    // The engine opens any bytes; what can fail here is memory (a file too
    // large for the browser to hold).
    report(error, `Could not open ${file.name}`);
  }
}

function wireOpening() {
  $("file-input").addEventListener(
    "change",
    guard(async (event) => {
      const [file] = event.target.files;
      if (file) await openFile(file);
      event.target.value = ""; // choosing the same file again reopens it
    }, "Could not open the file"),
  );
  let depth = 0; // dragenter/dragleave fire for every child element
  const overlay = $("drop-overlay");
  window.addEventListener("dragenter", (event) => {
    if (!event.dataTransfer?.types.includes("Files")) return;
    depth++;
    overlay.hidden = false;
  });
  window.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) overlay.hidden = true;
  });
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener(
    "drop",
    guard(async (event) => {
      event.preventDefault();
      depth = 0;
      overlay.hidden = true;
      const [file] = event.dataTransfer?.files ?? [];
      if (file) await openFile(file);
    }, "Could not open the dropped file"),
  );
}

function wireTabs() {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener(
      "click",
      guard(() => selectTab(tab.dataset.tab)),
    );
  }
}

function selectTab(name) {
  for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.tab === name);
  $("tab-events").hidden = name !== "events";
  $("tab-frames").hidden = name !== "frames";
  // A list measured while hidden has no height: draw it now it shows.
  (name === "events" ? events.list : frames.list).refresh();
}

async function main() {
  // Anything that escapes a handler still ends up on the page, in words.
  window.addEventListener("error", (event) => {
    event.preventDefault();
    report(event.error ?? event.message);
  });
  window.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    report(event.reason);
  });
  try {
    await init();
  } catch (error) {
    showBanner(
      "bad",
      "The rewal engine (WebAssembly) did not load",
      `Build it with www/build.sh and serve www/ over http (not file://). ${error?.message ?? error}`,
    );
    return;
  }
  events = new EventsView();
  frames = new FramesView((lsn) => {
    selectTab("events");
    events.jump(String(lsn));
  });
  new Composer(wasm, (bytes, name) => openBytes(bytes, name));
  wireOpening();
  wireTabs();
  document.body.dataset.ready = "true";
}

main();
