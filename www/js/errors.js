// @ts-check
// One place for everything that goes wrong: it is shown on the page in
// words, never thrown into the console.

import { richText } from "./text.js";
import { $ } from "./dom.js";

/**
 * Shows the banner: `kind` is "warn" (yellow), "bad" (red) or "info"
 * (blue); `lines` are sentences, each shown once (`code` in backticks
 * becomes <code>); `action`, if given, is a button { label, run }.
 */
export function showBanner(kind, title, lines, action) {
  const box = $("banner");
  box.className = "banner" + (kind === "warn" ? "" : " " + kind);
  $("banner-title").textContent = title;
  const text = $("banner-text");
  text.replaceChildren();
  for (const line of [].concat(lines)) {
    if (!line) continue;
    const p = document.createElement("p");
    p.append(...richText(line));
    text.append(p);
  }
  if (action) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.id = "banner-action";
    button.textContent = action.label;
    button.addEventListener("click", guard(action.run, action.label));
    text.append(button);
  }
  box.dataset.kind = kind;
  box.hidden = false;
}

/** Hides the banner. */
export function hideBanner() {
  $("banner").hidden = true;
}

/** Shows an unexpected error (an engine error carries the engine's message). */
export function report(error, what = "Something went wrong") {
  if (error?.name === "Closed") return; // a request of a log since replaced: nothing went wrong
  const message = error instanceof Error ? error.message : String(error);
  showBanner("bad", what, [message]);
}

/**
 * Wraps an event handler (sync or async) so that an error it throws is
 * reported on the page instead of escaping to the console.
 */
export function guard(handler, what) {
  return (...args) => {
    try {
      const result = handler(...args);
      if (result && typeof result.catch === "function") result.catch((error) => report(error, what));
    } catch (error) {
      report(error, what);
    }
  };
}
