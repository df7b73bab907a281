// @ts-check
// Which files make a log. One file opens as it is. Several files, or a
// folder, are the segment files of one log kept as a directory
// (`Wal::open_dir`): the files named as segments (their first LSN, 20
// digits and `.wal`, the engine's own rule: segmentLsn) are kept, and the
// rest (the lock file `rewal.lock`, anything else) are left out with a
// note saying so.

import { segmentLsn } from "../pkg/rewal_wasm.js";
import { fmt } from "./format.js";

/** The most files read from a dropped folder: the engine opens at most this many segments as one log. */
export const MAX_FILES = 65_536;

/** Names listed in a note; the rest are counted. */
const NAMES_SHOWN = 5;

/**
 * Splits `files` (File objects) into the segment files and the rest;
 * returns { segments, notes }, `notes` being sentences about what was left
 * out or looks wrong.
 */
export function segmentFiles(files) {
  const segments = [];
  const others = [];
  for (const file of files) (segmentLsn(file.name) === undefined ? others : segments).push(file);
  const notes = [];
  if (others.length > 0) {
    const names = others.map((file) => (file.name === "rewal.lock" ? "rewal.lock (the log's lock file)" : file.name));
    notes.push(`Left out ${others.length === 1 ? "1 file that is" : `${fmt(others.length)} files that are`} not a segment: ${list(names)}.`);
  }
  for (const file of segments) {
    if (segmentLsn(file.name) === 0n) {
      notes.push(`${file.name}: rewal never names a segment after LSN 0 (LSNs start at 1).`);
    }
  }
  return { segments, notes };
}

/** "a, b, c", or the first few names and how many more. */
function list(names) {
  if (names.length <= NAMES_SHOWN) return names.join(", ");
  return `${names.slice(0, NAMES_SHOWN).join(", ")} and ${fmt(names.length - NAMES_SHOWN)} more`;
}

/**
 * The files directly in a dropped folder (a FileSystemDirectoryEntry, from
 * DataTransferItem.webkitGetAsEntry, which Chromium, Firefox and Safari
 * all have): at most MAX_FILES + 1 of them, so that a folder of millions is
 * refused rather than read. Folders inside are not read (a segment
 * directory has none); resolves to { files, notes }.
 */
export async function folderFiles(folder) {
  const reader = folder.createReader();
  const entries = [];
  // readEntries answers a batch at a time (100 in Chromium) until empty.
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0 || entries.length > MAX_FILES) break;
    entries.push(...batch);
  }
  const folders = entries.filter((entry) => entry.isDirectory);
  const fileEntries = entries.filter((entry) => entry.isFile).slice(0, MAX_FILES + 1);
  const files = await Promise.all(fileEntries.map((entry) => new Promise((resolve, reject) => entry.file(resolve, reject))));
  const notes = [];
  if (folders.length > 0) {
    notes.push(`Folders inside ${folder.name} were not read: ${list(folders.map((entry) => entry.name))}.`);
  }
  return { files, notes };
}

/**
 * The files of a folder chosen with a folder picker (`webkitdirectory`,
 * whose files carry their path from the chosen folder): only those directly
 * in it. Resolves to { name (the folder's), files, notes }.
 */
export function pickedFolder(files) {
  // An empty folder hands over no file, and so no name.
  const name = files[0]?.webkitRelativePath.split("/")[0] ?? "chosen";
  const direct = files.filter((file) => file.webkitRelativePath.split("/").length === 2);
  const nested = files.length - direct.length;
  const notes = nested > 0 ? [`${fmt(nested)} files in folders inside ${name} were not read.`] : [];
  return { name, files: direct, notes };
}
