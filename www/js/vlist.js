// A virtualized list: whatever the number of rows (a million is fine), only
// the rows in view exist in the DOM, and only their data is fetched.

/** Height of one row in pixels; must match --row in style.css. */
export const ROW_HEIGHT = 26;

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
   * @param {(first: number, count: number) => any[]} options.fetch the
   *   items of rows first .. first + count (fewer at the end)
   * @param {(el: HTMLElement, item: any, index: number) => void} options.render
   *   fills a row element for an item
   * @param {(index: number) => void} [options.onSelect] a row was chosen
   * @param {string} [options.empty] what to say when there are no rows
   */
  constructor(container, { fetch, render, onSelect, empty = "Nothing to show." }) {
    this.container = container;
    this.fetch = fetch;
    this.render = render;
    this.onSelect = onSelect ?? (() => {});
    this.emptyText = empty;
    this.count = 0;
    this.selected = -1;
    this.pending = false;
    container.replaceChildren();
    this.rowsLayer = el("div", "rows");
    this.spacer = el("div", "spacer");
    this.placeholder = el("div", "placeholder");
    container.append(this.rowsLayer, this.spacer, this.placeholder);
    this.pool = [];
    container.addEventListener("scroll", () => this.schedule(), { passive: true });
    container.addEventListener("click", (event) => {
      const row = event.target.closest(".vrow");
      if (row && row.dataset.index !== undefined) this.select(Number(row.dataset.index));
    });
    container.addEventListener("keydown", (event) => this.key(event));
    new ResizeObserver(() => this.schedule()).observe(container);
  }

  /** Sets the number of rows and draws from the top. */
  setCount(count, empty) {
    this.count = count;
    if (empty !== undefined) this.emptyText = empty;
    this.selected = -1;
    this.spacer.style.height = Math.min(count * ROW_HEIGHT, MAX_SPACER_PX) + "px";
    this.container.scrollTop = 0;
    this.placeholder.textContent = count === 0 ? this.emptyText : "";
    this.placeholder.hidden = count !== 0;
    for (const row of this.pool) delete row.dataset.index;
    this.drawn = null;
    this.draw();
  }

  /** Redraws the rows in view (their data may have changed). */
  refresh() {
    for (const row of this.pool) delete row.dataset.index;
    this.drawn = null;
    this.draw();
  }

  /** Scrolls so that row `index` is in view (at the top when it was not). */
  scrollToIndex(index, { top = false } = {}) {
    const view = this.container.clientHeight;
    const first = this.firstVisible();
    const visible = Math.floor(view / ROW_HEIGHT);
    if (!top && index >= first && index < first + visible) return;
    if (!top && index >= first + visible) {
      this.container.scrollTop = this.scrollFor(index * ROW_HEIGHT - view + ROW_HEIGHT);
    } else {
      this.container.scrollTop = this.scrollFor(index * ROW_HEIGHT);
    }
    this.draw();
  }

  /** Marks row `index` as selected and tells the owner. */
  select(index) {
    if (index < 0 || index >= this.count) return;
    this.selected = index;
    for (const row of this.pool) row.classList.toggle("selected", Number(row.dataset.index) === index);
    this.onSelect(index);
  }

  // --- internals -----------------------------------------------------------

  /** The scale from scroll pixels to row pixels (1 unless the list is huge). */
  scale() {
    const view = this.container.clientHeight;
    const real = this.count * ROW_HEIGHT - view;
    const shown = Math.min(this.count * ROW_HEIGHT, MAX_SPACER_PX) - view;
    return real > 0 && shown > 0 ? real / shown : 1;
  }

  /** The scrollTop that puts row-pixel `y` at the top. */
  scrollFor(y) {
    return Math.max(0, y / this.scale());
  }

  firstVisible() {
    return Math.floor((this.container.scrollTop * this.scale()) / ROW_HEIGHT);
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const view = this.container.clientHeight;
    const y = this.container.scrollTop * this.scale();
    const first = Math.min(Math.floor(y / ROW_HEIGHT), Math.max(0, this.count - 1));
    const shift = y - first * ROW_HEIGHT;
    const wanted = Math.min(Math.ceil(view / ROW_HEIGHT) + 1, Math.max(0, this.count - first));
    while (this.pool.length < wanted) {
      const row = el("div", "vrow");
      this.pool.push(row);
      this.rowsLayer.append(row);
    }
    // Fetch only when other rows come into view: a scroll within one row
    // just moves the same rows.
    const same = this.drawn && this.drawn.first === first && this.drawn.wanted === wanted;
    const items = same ? this.drawn.items : wanted > 0 ? this.fetch(first, wanted) : [];
    this.drawn = { first, wanted, items };
    for (let k = 0; k < this.pool.length; k++) {
      const row = this.pool[k];
      const item = items[k];
      if (k >= wanted || item === undefined) {
        row.hidden = true;
        delete row.dataset.index;
        continue;
      }
      const index = first + k;
      row.hidden = false;
      row.style.transform = `translateY(${k * ROW_HEIGHT - shift}px)`;
      if (row.dataset.index !== String(index)) {
        row.dataset.index = String(index);
        this.render(row, item, index);
      }
      row.classList.toggle("selected", index === this.selected);
    }
  }

  key(event) {
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (step === undefined || this.count === 0) return;
    event.preventDefault();
    const next = Math.min(this.count - 1, Math.max(0, (this.selected < 0 ? this.firstVisible() - step : this.selected) + step));
    this.scrollToIndex(next);
    this.select(next);
  }
}

function el(tag, className) {
  const node = document.createElement(tag);
  node.className = className;
  return node;
}
