// @ts-check
// The open log as the page knows it: one object, made when a log has
// opened and handed to every view (summary, banner, minimap, lists,
// breakdown, segments), rather than state each view keeps or reads from
// a module's globals.

import { Places } from "./place.js";

/** @typedef {import("../pkg/rewal_wasm.js").Summary} Summary */
/** @typedef {import("../pkg/rewal_wasm.js").LogSegment} LogSegment */
/** @typedef {import("./engine.js").LogWorker} LogWorker */

export class Session {
  /**
   * @param {string} label what the log is called (a file's name, a folder's)
   * @param {LogWorker} log the worker that holds it
   * @param {Summary} summary
   * @param {LogSegment[]} segments its segment files (none for a single file)
   */
  constructor(label, log, summary, segments) {
    this.label = label;
    this.log = log;
    this.summary = summary;
    this.segments = segments;
    /** Where offsets are, in words. */
    this.places = new Places(segments);
  }
}
