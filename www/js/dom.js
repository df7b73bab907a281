// @ts-check
// The page's small DOM helpers, in one place: elements by id (typed for
// the checker), new elements, and a download.

/** The element with id `id`. @param {string} id @returns {HTMLElement} */
export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** The input with id `id`. @param {string} id @returns {HTMLInputElement} */
export const input = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

/** The select with id `id`. @param {string} id @returns {HTMLSelectElement} */
export const select = (id) => /** @type {HTMLSelectElement} */ (document.getElementById(id));

/** The button with id `id`. @param {string} id @returns {HTMLButtonElement} */
export const button = (id) => /** @type {HTMLButtonElement} */ (document.getElementById(id));

/**
 * A new `tag` element of class `className`, holding `content` (text or nodes).
 * @param {string} tag
 * @param {string} [className]
 * @param {...(string | Node)} content
 * @returns {HTMLElement}
 */
export function element(tag, className, ...content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...content);
  return node;
}

/** A span of class `className` with `text`. @param {string} text @param {string} [className] */
export const span = (text, className) => element("span", className, text);

/** A paragraph of class `className` holding `content`. @param {string} className @param {...(string | Node)} content */
export const paragraph = (className, ...content) => element("p", className, ...content);

/**
 * Offers `blob` (or bytes) as a file download named `name`.
 * @param {Blob | Uint8Array} blob
 * @param {string} name
 */
export function download(blob, name) {
  const data = blob instanceof Blob ? blob : new Blob([/** @type {BlobPart} */ (blob)], { type: "application/octet-stream" });
  const url = URL.createObjectURL(data);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke later: the download has to start reading the blob first.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
