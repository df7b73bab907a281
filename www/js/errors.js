// One place for everything that goes wrong: it is shown on the page in
// words, never thrown into the console.

const banner = () => document.getElementById("banner");

/** Shows a banner: `kind` is "warn" (yellow), "bad" (red) or "info" (blue). */
export function showBanner(kind, title, text) {
  const box = banner();
  box.className = "banner" + (kind === "warn" ? "" : " " + kind);
  document.getElementById("banner-title").textContent = title;
  document.getElementById("banner-text").textContent = text;
  box.dataset.kind = kind;
  box.hidden = false;
}

/** Hides the banner. */
export function hideBanner() {
  banner().hidden = true;
}

/** Shows an unexpected error (an engine error carries the engine's message). */
export function report(error, what = "Something went wrong") {
  const message = error instanceof Error ? error.message : String(error);
  showBanner("bad", what, message);
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
