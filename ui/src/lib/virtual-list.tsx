// A virtualised, keyboard-navigable list for very long feeds (100k+ rows).
//
// - Windowing comes from @tanstack/virtual-core; rows have a fixed height, which keeps the
//   arithmetic exact and scrolling cheap.
// - When rows are inserted above what the reader is looking at (a sync batch arriving), the
//   scroll position is corrected so the same row stays under the reader's eyes; the parent is
//   told how many rows arrived above, to offer a "new items" pill.
// - ARIA: a focusable listbox with aria-activedescendant; rows carry aria-setsize/posinset so
//   screen readers know the true length although only a window is in the DOM.

import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from "preact/hooks";
import {
  Virtualizer,
  elementScroll,
  observeElementOffset,
  type Rect,
} from "@tanstack/virtual-core";

/**
 * The viewport's size for the virtualizer: a ResizeObserver, plus a check on the next frames.
 * In WebKitGTK the first observation can come before the window's first layout (height 0, so
 * no rows) with no resize entry following it: the list then stayed empty although it had
 * items (seen in about half the end-to-end launches). Reports only changes.
 */
function observeViewport(instance: Virtualizer<HTMLDivElement, HTMLDivElement>, cb: (rect: Rect) => void) {
  const el = instance.scrollElement;
  if (!el) return undefined;
  let width = -1;
  let height = -1;
  const report = () => {
    // The scroll container's client area is the viewport the rows are drawn in.
    const w = el.clientWidth;
    const h = el.clientHeight;
    if (w === width && h === height) return;
    width = w;
    height = h;
    cb({ width: w, height: h });
  };
  report();
  const ro = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(report);
  ro?.observe(el);
  let frames = 0;
  let raf = 0;
  const tick = () => {
    report();
    if (++frames < 60) raf = requestAnimationFrame(tick);
  };
  raf = requestAnimationFrame(tick);
  window.addEventListener("resize", report);
  return () => {
    ro?.disconnect();
    cancelAnimationFrame(raf);
    window.removeEventListener("resize", report);
  };
}

export interface VirtualListProps<T> {
  items: readonly T[];
  rowHeight: number;
  getKey: (item: T) => string;
  renderRow: (item: T, index: number, active: boolean) => ComponentChildren;
  /** Accessible name of the list. */
  label: string;
  /** Id prefix for row elements (aria-activedescendant targets). */
  idPrefix: string;
  activeIndex?: number;
  /** A row was clicked (the event tells about Shift/Ctrl for selection). */
  onActivate?: (index: number, event?: MouseEvent) => void;
  /** Called when the reader scrolls within `nearEndRows` of the end (load the next page). */
  onNearEnd?: () => void;
  nearEndRows?: number;
  /** Rows that arrived above the viewport in the last update (0 when the reader is at the top). */
  onInsertedAbove?: (count: number) => void;
  /** The reader scrolled back to the top. */
  onAtTop?: () => void;
  overscan?: number;
  /** A fixed viewport size instead of measuring the element (tests: happy-dom has no layout). */
  fixedRect?: Rect;
}

export interface AnchorCorrection {
  /** Index of the anchored row in the new list, or -1 if it is gone. */
  newIndex: number;
  /** How far to move the scroll position so the anchored row stays in place. */
  delta: number;
  /** How many rows now sit above the anchored row that were not there before. */
  insertedAbove: number;
}

/**
 * Where the row that was at the top of the viewport went after `next` replaced `prev`.
 * Pure, so it can be tested on its own.
 */
export function anchorCorrection<T>(
  prev: readonly T[],
  next: readonly T[],
  getKey: (item: T) => string,
  scrollTop: number,
  rowHeight: number,
): AnchorCorrection {
  const oldIndex = Math.floor(scrollTop / rowHeight);
  const anchor = prev[oldIndex];
  if (anchor === undefined || scrollTop <= 0) return { newIndex: oldIndex, delta: 0, insertedAbove: 0 };
  const key = getKey(anchor);
  // Sync batches land at the top, so the anchor has usually moved down by a little: look near
  // the old position first, then everywhere.
  let newIndex = -1;
  for (let i = oldIndex; i < Math.min(next.length, oldIndex + 2000); i++) {
    if (getKey(next[i] as T) === key) {
      newIndex = i;
      break;
    }
  }
  if (newIndex < 0) newIndex = next.findIndex((it) => getKey(it) === key);
  if (newIndex < 0) return { newIndex: -1, delta: 0, insertedAbove: 0 };
  return { newIndex, delta: (newIndex - oldIndex) * rowHeight, insertedAbove: Math.max(0, newIndex - oldIndex) };
}

export function VirtualList<T>(props: VirtualListProps<T>) {
  const { items, rowHeight, getKey, renderRow, label, idPrefix, activeIndex = -1 } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const propsRef = useRef(props);
  propsRef.current = props;

  const [virtualizer] = useState(
    () =>
      new Virtualizer<HTMLDivElement, HTMLDivElement>({
        count: items.length,
        getScrollElement: () => scrollRef.current,
        estimateSize: () => rowHeight,
        getItemKey: (i) => {
          const it = propsRef.current.items[i];
          return it === undefined ? i : getKey(it);
        },
        overscan: props.overscan ?? 8,
        observeElementRect: props.fixedRect
          ? (_instance, cb) => {
              cb(props.fixedRect as Rect);
              return () => {};
            }
          : observeViewport,
        observeElementOffset,
        scrollToFn: elementScroll,
        initialRect: props.fixedRect,
        onChange: () => rerender(0),
      }),
  );
  virtualizer.setOptions({
    ...virtualizer.options,
    count: items.length,
    estimateSize: () => rowHeight,
    onChange: () => rerender(0),
  });

  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  useLayoutEffect(() => {
    virtualizer._willUpdate();
  });

  // Keep the reader's row in place when rows arrive above it.
  const prevItems = useRef(items);
  useLayoutEffect(() => {
    const prev = prevItems.current;
    prevItems.current = items;
    const el = scrollRef.current;
    if (prev === items || !el) return;
    const c = anchorCorrection(prev, items, getKey, el.scrollTop, rowHeight);
    if (c.delta !== 0) el.scrollTop += c.delta;
    if (c.insertedAbove > 0) propsRef.current.onInsertedAbove?.(c.insertedAbove);
  }, [items]);

  // Bring the active row into view when it changes (keyboard navigation). Measured against the
  // element's real scroll position: the virtualizer's own may not have caught up with an anchor
  // correction yet, and scrolling "into view" from it would undo the correction. Keyed on the
  // active item, not its index: rows merged in above move the index of the same item, and
  // following it pulled a reader scrolled far down back to the top (scripts/bench-ui).
  const activeKey = activeIndex >= 0 && activeIndex < items.length ? getKey(items[activeIndex] as T) : undefined;
  useEffect(() => {
    const el = scrollRef.current;
    if (activeIndex < 0 || activeIndex >= items.length) return;
    if (el) {
      const top = activeIndex * rowHeight;
      if (top >= el.scrollTop && top + rowHeight <= el.scrollTop + el.clientHeight) return;
    }
    virtualizer.scrollToIndex(activeIndex, { align: "auto" });
  }, [activeKey]);

  const virtualItems = virtualizer.getVirtualItems();
  const last = virtualItems[virtualItems.length - 1];
  const nearEndRows = props.nearEndRows ?? 30;
  useEffect(() => {
    if (last && last.index >= items.length - nearEndRows) propsRef.current.onNearEnd?.();
  }, [last?.index, items.length]);

  function onScroll() {
    const el = scrollRef.current;
    if (el && el.scrollTop <= 0) propsRef.current.onAtTop?.();
  }

  return (
    <div
      ref={scrollRef}
      class="vlist"
      role="listbox"
      aria-label={label}
      tabIndex={0}
      aria-activedescendant={activeIndex >= 0 ? `${idPrefix}-${activeIndex}` : undefined}
      onScroll={onScroll}
    >
      <div class="vlist-inner" style={{ height: `${virtualizer.getTotalSize()}px` }}>
        {virtualItems.map((v) => {
          const item = items[v.index];
          if (item === undefined) return null;
          const active = v.index === activeIndex;
          return (
            <div
              key={String(v.key)}
              id={`${idPrefix}-${v.index}`}
              class={active ? "vlist-row active" : "vlist-row"}
              role="option"
              aria-selected={active}
              aria-setsize={items.length}
              aria-posinset={v.index + 1}
              data-index={v.index}
              style={{ height: `${rowHeight}px`, transform: `translateY(${v.start}px)` }}
              onClick={(e) => propsRef.current.onActivate?.(v.index, e)}
            >
              {renderRow(item, v.index, active)}
            </div>
          );
        })}
      </div>
    </div>
  );
}
