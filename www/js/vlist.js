// @ts-check
// A virtualized list: whatever the number of rows (tens of millions are
// fine), only the rows in view exist in the DOM, and only their data is
// fetched, a page at a time, from the engine's worker. Drawing never waits
// for data: a row whose page has not arrived shows "…" until it does.
//
// For keyboards and screen readers it is a listbox: the list itself takes
// focus, its rows are options with aria-selected, the selected row is its
// aria-activedescendant, and the arrows, Page Up/Down, Home and End move
// the selection; Enter activates the selected row. A list made with
// `multiple` selects a range too: Shift with a click or those keys extends
// it from where it began (the listbox is then aria-multiselectable).

import { element } from "./dom.js";

/** Rows fetched per request. */
const PAGE = 100;

/** Pages kept; older ones are dropped (a list of millions stays small). */
const KEEP_PAGES = 24;

/**
 * Browsers cap an element's height (Firefox near 17.9 M px, Chromium near
 * 33.5 M px). Past this height the scroll position is scaled onto the rows
 * instead, so the last row of any list can be reached.
 */
const MAX_SPACER_PX = 8_000_000;

export class VirtualList {
  /**
   * @param {HTMLElement} container the scrolling element (class `vlist`)
   * @param {object} options
   * @param {string} options.label the list's accessible name
   * @param {(first: number, count: number) => Promise<any[]>} options.fetch
   *   the items of rows first .. first + count (fewer at the end)
   * @param {(el: HTMLElement, item: any, index: number) => void} options.render
   *   fills a row element for an item
   * @param {(index: number) => void} [options.onSelect] a row was selected
   * @param {(index: number) => void} [options.onActivate] a row was clicked, or Enter pressed on it
   * @param {boolean} [options.multiple] Shift extends the selection to a range
   * @param {HTMLElement} options.placeholder where "nothing to show" is said
   */
  constructor(container, { label, fetch, render, onSelect, onActivate, placeholder, multiple = false }) {
    this.container = container;
    this.fetchRows = fetch;
    this.render = render;
    this.onSelect = onSelect ?? (() => {});
    this.onActivate = onActivate ?? (() => {});
    this.placeholder = placeholder;
    this.count = 0;
    this.selected = -1;
    /** Where a range selection began (the selected row when there is no range). */
    this.anchor = -1;
    this.multiple = multiple;
    this.generation = 0; // bumped when the rows change: late pages are dropped
    this.pages = new Map(); // page number → items, or a Promise while loading
    this.pending = false;
    this.rowHeight = 26;
    container.setAttribute("role", "listbox");
    container.setAttribute("aria-label", label);
    if (multiple) container.setAttribute("aria-multiselectable", "true");
    container.tabIndex = 0;
    container.replaceChildren();
    this.rowsLayer = element("div", "rows");
    this.spacer = element("div", "spacer");
    this.spacer.setAttribute("aria-hidden", "true");
    container.append(this.rowsLayer, this.spacer);
    this.pool = [];
    container.addEventListener("scroll", () => this.schedule(), { passive: true });
    container.addEventListener("click", (event) => {
      const row = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (event.target).closest(".vrow"));
      if (!row || row.dataset.index === undefined) return;
      const index = Number(row.dataset.index);
      const extend = this.multiple && event.shiftKey;
      this.select(index, extend);
      if (!extend) this.onActivate(index);
    });
    container.addEventListener("keydown", (event) => this.key(event));
    new ResizeObserver(() => {
      this.measure();
      this.schedule();
    }).observe(container);
  }

  /** Sets the number of rows (forgetting every fetched page) and draws from the top. */
  setCount(count, empty = "Nothing to show.") {
    this.generation++;
    this.pages.clear();
    this.count = count;
    this.selected = -1;
    this.anchor = -1;
    this.container.removeAttribute("aria-activedescendant");
    this.measure();
    this.container.scrollTop = 0;
    this.placeholder.textContent = count === 0 ? empty : "";
    this.placeholder.hidden = count !== 0;
    this.container.hidden = count === 0;
    this.draw();
  }

  /** Redraws the rows in view (after being shown, or a change of layout). */
  refresh() {
    this.measure();
    for (const row of this.pool) delete row.dataset.key;
    this.draw();
  }

  /** Scrolls so that row `index` is in view (at the top when `top`, or when it was far). */
  scrollToIndex(index, { top = false } = {}) {
    const view = this.container.clientHeight;
    const h = this.rowHeight;
    const first = this.firstVisible();
    const visible = Math.max(1, Math.floor(view / h));
    if (!top && index >= first && index < first + visible) return;
    if (!top && index >= first + visible && index < first + 2 * visible) {
      this.container.scrollTop = this.scrollFor(index * h - view + h);
    } else {
      this.container.scrollTop = this.scrollFor(index * h);
    }
    this.draw();
  }

  /**
   * The selected rows, `[first, last]`, or null when none is.
   * @returns {[number, number] | null}
   */
  range() {
    if (this.selected < 0) return null;
    const anchor = this.anchor < 0 ? this.selected : this.anchor;
    return [Math.min(anchor, this.selected), Math.max(anchor, this.selected)];
  }

  /**
   * Marks row `index` as selected (`extend`: the rows from where the range
   * began to it) and tells the owner.
   * @param {number} index
   * @param {boolean} [extend]
   */
  select(index, extend = false) {
    if (index < 0 || index >= this.count) return;
    if (!extend || this.anchor < 0) this.anchor = index;
    this.selected = index;
    this.markSelection();
    this.onSelect(index);
  }

  /** Resolves once the rows in view have their data and are drawn (for tests and screenshots). */
  async settled() {
    for (;;) {
      const loading = [...this.pages.values()].filter((page) => !Array.isArray(page));
      if (loading.length === 0 && !this.pending) return;
      await Promise.allSettled(loading);
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
  }

  // --- internals -----------------------------------------------------------

  /** Reads the row height from the stylesheet (it changes on narrow screens). */
  measure() {
    const h = parseFloat(getComputedStyle(this.container).getPropertyValue("--row"));
    if (h > 0) this.rowHeight = h;
    this.spacer.style.height = Math.min(this.count * this.rowHeight, MAX_SPACER_PX) + "px";
  }

  /** The scale from scroll pixels to row pixels (1 unless the list is huge). */
  scale() {
    const view = this.container.clientHeight;
    const real = this.count * this.rowHeight - view;
    const shown = Math.min(this.count * this.rowHeight, MAX_SPACER_PX) - view;
    return real > 0 && shown > 0 ? real / shown : 1;
  }

  /** The scrollTop that puts row-pixel `y` at the top. */
  scrollFor(y) {
    return Math.max(0, y / this.scale());
  }

  firstVisible() {
    return Math.floor((this.container.scrollTop * this.scale()) / this.rowHeight);
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  /** The page `n`, fetched if it is not here; redraws when it arrives. */
  page(n) {
    const page = this.pages.get(n);
    if (page !== undefined) {
      // Most recently used last, so the oldest is dropped first.
      this.pages.delete(n);
      this.pages.set(n, page);
      return page;
    }
    const generation = this.generation;
    const loading = this.fetchRows(n * PAGE, Math.min(PAGE, this.count - n * PAGE)).then(
      (items) => {
        if (generation !== this.generation) return;
        this.pages.set(n, items);
        this.schedule();
      },
      (error) => {
        if (generation === this.generation) this.pages.delete(n);
        if (error?.name !== "Closed") throw error;
      },
    );
    this.pages.set(n, loading);
    while (this.pages.size > KEEP_PAGES) this.pages.delete(this.pages.keys().next().value);
    return loading;
  }

  draw() {
    const h = this.rowHeight;
    const view = this.container.clientHeight;
    const y = this.container.scrollTop * this.scale();
    const first = Math.min(Math.floor(y / h), Math.max(0, this.count - 1));
    const shift = y - first * h;
    const wanted = Math.min(Math.ceil(view / h) + 1, Math.max(0, this.count - first));
    while (this.pool.length < wanted) {
      const row = element("div", "vrow");
      row.setAttribute("role", "option");
      this.pool.push(row);
      this.rowsLayer.append(row);
    }
    for (let k = 0; k < this.pool.length; k++) {
      const row = this.pool[k];
      if (k >= wanted) {
        row.hidden = true;
        delete row.dataset.index;
        continue;
      }
      const index = first + k;
      const page = this.page(Math.floor(index / PAGE));
      const item = Array.isArray(page) ? page[index % PAGE] : undefined;
      row.hidden = false;
      row.style.transform = `translateY(${k * h - shift}px)`;
      // Rendered again when its data arrives, or the rows change.
      const key = `${this.generation}:${index}${item === undefined ? "…" : ""}`;
      if (row.dataset.key !== key) {
        row.dataset.key = key;
        row.dataset.index = String(index);
        row.id = `${this.container.id}-row-${index}`;
        row.setAttribute("aria-posinset", String(index + 1));
        row.setAttribute("aria-setsize", String(this.count));
        if (item === undefined) {
          row.className = "vrow loading";
          row.textContent = "…";
        } else {
          this.render(row, item, index);
        }
      }
    }
    this.markSelection();
  }

  /** Shows which row is selected, to eyes and to screen readers. */
  markSelection() {
    let active = null;
    const [first, last] = this.range() ?? [-1, -1];
    for (const row of this.pool) {
      const index = Number(row.dataset.index);
      const selected = !row.hidden && index >= first && index <= last;
      row.classList.toggle("selected", selected);
      row.setAttribute("aria-selected", String(selected));
      if (selected && index === this.selected) active = row.id;
    }
    if (active) this.container.setAttribute("aria-activedescendant", active);
    else this.container.removeAttribute("aria-activedescendant");
  }

  key(event) {
    if (this.count === 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "Enter") {
      if (this.selected >= 0) {
        event.preventDefault();
        this.onActivate(this.selected);
      }
      return;
    }
    const page = Math.max(1, Math.floor(this.container.clientHeight / this.rowHeight) - 1);
    const from = this.selected < 0 ? this.firstVisible() : this.selected;
    const target = {
      ArrowDown: this.selected < 0 ? from : from + 1,
      ArrowUp: this.selected < 0 ? from : from - 1,
      PageDown: from + page,
      PageUp: from - page,
      Home: 0,
      End: this.count - 1,
    }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = Math.min(this.count - 1, Math.max(0, target));
    this.scrollToIndex(next);
    this.select(next, this.multiple && event.shiftKey);
  }
}
