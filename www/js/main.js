// @ts-check
// The viewer's entry point: loads the engine, opens logs (the open button,
// or drag and drop) each in a worker of its own, with a progress bar while
// it is read, and hands them to the summary, minimap, events, frames and
// breakdown views. Several files chosen at once, or a folder (its button,
// or dropped), open as the segment files of one log. Tabs follow the ARIA
// tabs pattern (arrow keys move between them). The empty page offers
// example logs; `?url=` opens a log fetched from an address, `?example=`
// an example; the fragment returns to what was selected (js/state.js).

import * as wasm from "../pkg/rewal_wasm.js";
import { loadEngine, LogWorker } from "./engine.js";
import { renderBanner, renderSummary } from "./summary.js";
import { renderBreakdown } from "./breakdown.js";
import { EventsView } from "./events.js";
import { FramesView } from "./frames.js";
import { Minimap } from "./minimap.js";
import { Composer } from "./composer.js";
import { OpfsPanel } from "./opfs.js";
import { guard, report, showBanner } from "./errors.js";
import { fmt, fmtBytes } from "./format.js";
import { folderFiles, pickedFolder, segmentFiles } from "./gather.js";
import { Session } from "./session.js";
import { $, input, select } from "./dom.js";
import { renderSegments } from "./segments.js";
import { exampleLog } from "./example.js";
import { readFragment, readSource, writeFragment, writeSource } from "./state.js";


/** The minimap draws each frame's start when a log has at most this many frames. */
const SEPARATE_FRAMES_UP_TO = 2000;

let engine = null; // the compiled wasm module, shared with the workers
let current = null; // the open log's LogWorker
let openedStatus = ""; // what the status says of the open log
let restoring = null; // the fragment to return to once the URL's log is open
let events;
let frames;
let minimap;

/**
 * Opens `file` (a File or Blob with a name): scanned in a new worker, then
 * shown. `source` says how the URL can open it again (`{ url }`, `{
 * example }`); a file the user chose only they can open again.
 */
function openFile(file, source = {}) {
  writeSource(source);
  return openLog(file.name, file.size, [], (log) => log.open(file));
}

/** Opens the example log `kind` ("corrupted" or "torn"), built here by the engine. */
function openExample(kind) {
  return openFile(exampleLog(wasm, kind), { example: kind });
}

/** Opens the log at `url` (fetched whole, then read as a file is), as Perfetto UI's `?url=` does. */
async function openUrl(url) {
  const name = decodeURIComponent(new URL(url, location.href).pathname.split("/").pop() || "log.wal");
  $("status").textContent = `fetching ${url}…`;
  let blob;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`the server answered ${response.status} ${response.statusText}`.trim());
    blob = await response.blob();
  } catch (error) {
    hideProgress(`${url}: could not be fetched`);
    showBanner("bad", `Could not fetch ${url}`, [String(error?.message ?? error)]);
    return;
  }
  await openFile(new File([blob], name), { url });
}

/** Returns to what the fragment says was shown: the tab, the filter, the search, the selected event. */
async function applyFragment(state) {
  if (state.filter) {
    input("filter-meta").value = state.filter;
    await events.filter(state.filter);
  }
  if (state.search) {
    input("search-text").value = state.search;
    if (state.as) select("search-as").value = state.as;
    if (state.in) select("search-in").value = state.in;
    await events.search(state.search, select("search-as").value, select("search-in").value);
  }
  if (state.lsn && /^\d+$/.test(state.lsn)) {
    input("jump-lsn").value = state.lsn;
    await events.jump(state.lsn);
  }
  if (state.tab && state.tab !== "events") selectTab(state.tab, false);
}

/**
 * Opens what the user chose or dropped: one file as it is; several (or a
 * folder's, `folder` being its name) as the segment files of one log,
 * leaving out the files that are not segments with a note. `notes` says
 * what was left out before (folders inside a folder).
 */
async function openFiles(files, folder = null, notes = []) {
  if (files.length === 1 && folder === null) return openFile(files[0]);
  const chosen = segmentFiles(files);
  notes = [...notes, ...chosen.notes];
  const what = folder === null ? `None of the ${fmt(files.length)} files chosen is` : `None of the files in ${folder} is`;
  if (chosen.segments.length === 0) {
    showBanner("bad", "No segment files to open", [
      files.length === 0 ? `The folder ${folder} holds no files.` : `${what} a segment of a rewal log.`,
      "Segments are named by their first LSN, 20 digits and `.wal` (such as `00000000000000000001.wal`). To open a single log file, choose it alone.",
      ...notes,
    ]);
    $("status").textContent = `${folder ?? "the files chosen"}: no segment files`;
    return;
  }
  const n = chosen.segments.length;
  const label = folder === null ? `${fmt(n)} segment file${n === 1 ? "" : "s"}` : `${folder}/`;
  const size = chosen.segments.reduce((sum, file) => sum + file.size, 0);
  writeSource({}); // files the user chose: only they can open them again
  return openLog(label, size, notes, (log) => log.openSegments(chosen.segments));
}

/**
 * Opens a log called `label` of `size` bytes in a new worker, with
 * `open(worker)` (which scans it there), then shows it; `notes` are shown
 * with its summary.
 */
async function openLog(label, size, notes, open) {
  const started = performance.now();
  delete document.body.dataset.opened;
  delete document.body.dataset.openMs;
  current?.close();
  const log = new LogWorker(engine, (p) => showProgress(label, p));
  openedStatus = "";
  current = log;
  showProgress(label, { op: "open", done: 0, total: size });
  let opened;
  try {
    opened = await open(log);
  } catch (error) {
    if (current !== log) return; // another file was chosen meanwhile
    hideProgress(`${label}: could not be opened`);
    report(error, `Could not open ${label}`);
    return;
  }
  if (current !== log) return;
  const { summary, picture, segments, frameCount, timing } = opened;
  const restore = restoring;
  restoring = null;
  const session = new Session(label, log, summary, segments);
  const starts =
    frameCount > 0 && frameCount <= SEPARATE_FRAMES_UP_TO ? (await log.frames(0, frameCount)).map((f) => f.offset) : null;
  if (current !== log) return;
  $("empty-state").hidden = true;
  $("viewer").hidden = false;
  renderBanner(session, () => showAfterCorruption(0));
  minimap.show(session, picture, starts);
  events.show(session);
  frames.show(session, frameCount);
  renderBreakdown(session, picture);
  renderSegments(session);
  $("tab-segments-button").hidden = segments.length === 0;
  // Offsets in segment files are longer: the lists make room for them.
  $("viewer").classList.toggle("segmented", segments.length > 0);
  selectTab("events", false);
  const openMs = performance.now() - started;
  renderSummary(session, openMs, notes);
  openedStatus = `${label}: ${fmt(summary.events)} events, opened in ${openMs.toFixed(0)} ms`;
  hideProgress(openedStatus);
  // For people and for the tests: how long from choosing the file to the
  // summary being on screen (measured at the next frame, once painted).
  document.body.dataset.scanMs = timing.scanMs.toFixed(1);
  document.body.dataset.readMs = timing.readMs.toFixed(1);
  document.body.dataset.reads = String(timing.reads);
  if (restore) await applyFragment(restore);
  else writeFragment({ lsn: null, tab: null, filter: null, search: null, as: null, in: null });
  document.body.dataset.opened = label;
  requestAnimationFrame(() => {
    document.body.dataset.openMs = (performance.now() - started).toFixed(1);
  });
}

/**
 * Shows how far a request that reads the file ("open", "search") has gone.
 * @param {string} name
 * @param {{ op: string, done?: number, total?: number, finished?: boolean }} progress
 */
function showProgress(name, { op, done = 0, total = 0, finished = false }) {
  const bar = /** @type {HTMLProgressElement} */ ($("progress"));
  if (finished) {
    // The open shows its own result; after a filter, the status is the log's again.
    if (op !== "open") hideProgress(openedStatus);
    return;
  }
  bar.hidden = false;
  bar.value = total > 0 ? done / total : 0;
  // The status is a live region: it speaks every tenth, not every update.
  const tenths = total > 0 ? Math.floor((10 * done) / total) : 0;
  const text = `${op === "search" ? "searching" : "reading"} ${name}: ${tenths * 10}% of ${fmtBytes(total)}`;
  if ($("status").textContent !== text) $("status").textContent = text;
}

function hideProgress(text) {
  $("progress").hidden = true;
  $("status").textContent = text;
}

/** Shows the events after the corruption, from the `ordinal`-th. */
async function showAfterCorruption(ordinal) {
  selectTab("events", false);
  await events.showAfter(ordinal);
}

/**
 * Opens a frame chosen in the frame list: its events, in the log or after the corruption.
 * @param {import("../pkg/rewal_wasm.js").LogFrame} frame
 */
async function openFrame(frame) {
  selectTab("events", false);
  if (frame.status === "after-corruption") await events.showAfter(frame.firstOrdinal);
  else await events.showOrdinal(frame.firstOrdinal);
}

/** A click on the minimap: the frame at `offset`, selected in the frame list. */
async function pickOffset(offset) {
  if (!current) return;
  const index = await current.frameAt(offset);
  if (index === undefined) return;
  selectTab("frames", false);
  frames.reveal(index);
}

function wireOpening() {
  $("open-button").addEventListener("click", () => input("file-input").click());
  $("open-folder-button").addEventListener("click", () => input("folder-input").click());
  $("file-input").addEventListener(
    "change",
    guard(async (event) => {
      const files = [...event.target.files];
      event.target.value = ""; // choosing the same file again reopens it
      if (files.length > 0) await openFiles(files);
    }, "Could not open the files"),
  );
  $("folder-input").addEventListener(
    "change",
    guard(async (event) => {
      const { name, files, notes } = pickedFolder([...event.target.files]);
      event.target.value = "";
      await openFiles(files, name, notes);
    }, "Could not open the folder"),
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
      await openDropped(event.dataTransfer);
    }, "Could not open what was dropped"),
  );
}

/**
 * Opens what was dropped: a folder as a log's segment files, one file as
 * it is, several as segment files. The entries must be taken before the
 * drop handler first awaits (the browser empties the DataTransfer then).
 */
async function openDropped(transfer) {
  if (!transfer) return;
  const items = [...(transfer.items ?? [])].filter((item) => item.kind === "file");
  const entries = items.map((item) => item.webkitGetAsEntry?.() ?? null);
  const files = [...transfer.files];
  const folders = entries.filter((entry) => entry?.isDirectory);
  if (folders.length > 0) {
    const [folder] = folders;
    const read = await folderFiles(folder);
    const notes = folders.length > 1 || files.length > folders.length ? [`Only the folder ${folder.name} was opened (one log at a time).`] : [];
    await openFiles(read.files, folder.name, [...notes, ...read.notes]);
  } else if (files.length > 0) {
    await openFiles(files);
  }
}

/** @returns {HTMLElement[]} */
const allTabs = () => [...document.querySelectorAll('[role="tab"]')].map((tab) => /** @type {HTMLElement} */ (tab));

/** The tabs shown (the segments tab only for a log of segment files). */
const tabs = () => allTabs().filter((tab) => !tab.hidden);

function wireTabs() {
  for (const tab of allTabs()) {
    tab.addEventListener("click", guard(() => selectTab(tab.dataset.tab, true)));
    tab.addEventListener("keydown", (event) => {
      const all = tabs();
      const i = all.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: all.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      selectTab(all[(next + all.length) % all.length].dataset.tab, true);
    });
  }
}

/** Shows tab `name`; `focus` moves the keyboard focus to it too. */
function selectTab(name, focus) {
  for (const tab of allTabs()) {
    const on = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
    if (on && focus) tab.focus();
  }
  writeFragment({ tab: name === "events" ? null : name });
  // A list measured while hidden has no height: draw it now it shows.
  if (name === "events") events.list.refresh();
  if (name === "frames") frames.list.refresh();
}

/** What the tests read: the worker's wasm memory (now, and the most it reported). */
function testHooks() {
  /** @type {any} */ (window).rewalViewer = {
    wasmBytes: async () => (current ? current.memory() : 0),
    peakWasmBytes: () => current?.wasmBytes ?? 0,
    settled: async () => {
      await events.list.settled();
      await frames.list.settled();
      await events.detailShown;
    },
  };
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
    engine = await loadEngine();
  } catch (error) {
    showBanner("bad", "The rewal engine (WebAssembly) did not load", [
      `Build it with www/build.sh and serve www/ over http (not file://). ${error?.message ?? error}`,
    ]);
    return;
  }
  events = new EventsView();
  frames = new FramesView((frame) => openFrame(frame));
  minimap = new Minimap((offset) => guard(() => pickOffset(offset), "Could not open that frame")());
  const opfs = new OpfsPanel((file) => openFile(file));
  new Composer(
    wasm,
    (bytes, name) => openFile(new File([/** @type {BlobPart} */ (bytes)], name)),
    async (name) => {
      await opfs.refresh();
      await opfs.open(name);
    },
  );
  wireOpening();
  wireTabs();
  testHooks();
  for (const button of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-example]"))) {
    button.addEventListener("click", guard(() => openExample(button.dataset.example), "Could not open the example"));
  }
  document.body.dataset.ready = "true";
  const source = readSource();
  if (source) {
    restoring = readFragment();
    await guard(() => (source.url ? openUrl(source.url) : openExample(source.example)), "Could not open the log the address names")();
  }
}

main();
