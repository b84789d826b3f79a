import { describe, expect, it, vi } from "vitest";
import { render } from "@testing-library/preact";
import { anchorCorrection, VirtualList } from "./virtual-list";

const key = (s: string) => s;
const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `item-${from + i}`);

describe("anchorCorrection", () => {
  it("does nothing when the reader is at the top", () => {
    const prev = rows(0, 100);
    const next = [...rows(100, 110), ...prev];
    expect(anchorCorrection(prev, next, key, 0, 50)).toEqual({ newIndex: 0, delta: 0, insertedAbove: 0 });
  });

  it("moves the scroll position down by the rows inserted above the anchored row", () => {
    const prev = rows(0, 1000);
    const next = [...rows(1000, 1012), ...prev];
    // reader is looking at row 40 (scrollTop 40*50 + 10)
    const c = anchorCorrection(prev, next, key, 2010, 50);
    expect(c).toEqual({ newIndex: 52, delta: 600, insertedAbove: 12 });
  });

  it("finds the anchor even if rows far away changed", () => {
    const prev = rows(0, 10_000);
    const next = [...rows(20_000, 25_000), ...prev];
    const c = anchorCorrection(prev, next, key, 100 * 64, 64);
    expect(c.newIndex).toBe(5100);
    expect(c.delta).toBe(5000 * 64);
  });

  it("gives up quietly when the anchored row disappeared", () => {
    const prev = rows(0, 100);
    const next = rows(200, 300);
    expect(anchorCorrection(prev, next, key, 500, 50).newIndex).toBe(-1);
  });
});

describe("VirtualList", () => {
  it("renders only a window of a 100k-row list, with the true size announced", () => {
    const items = rows(0, 100_000);
    const { container } = render(
      <VirtualList
        items={items}
        rowHeight={64}
        getKey={key}
        label="Inbox"
        idPrefix="row"
        renderRow={(it) => <span>{it}</span>}
        fixedRect={{ width: 800, height: 640 }}
      />,
    );
    const rendered = container.querySelectorAll('[role="option"]');
    expect(rendered.length).toBeGreaterThan(5);
    expect(rendered.length).toBeLessThan(40);
    const first = rendered[0] as HTMLElement;
    expect(first.getAttribute("aria-setsize")).toBe("100000");
    expect(first.getAttribute("aria-posinset")).toBe("1");
    const inner = container.querySelector(".vlist-inner") as HTMLElement;
    expect(inner.style.height).toBe(`${100_000 * 64}px`);
  });

  it("marks the active row for assistive technology and reports clicks", () => {
    const onActivate = vi.fn();
    const { container } = render(
      <VirtualList
        items={rows(0, 50)}
        rowHeight={40}
        getKey={key}
        label="Inbox"
        idPrefix="row"
        activeIndex={2}
        onActivate={onActivate}
        renderRow={(it) => <span>{it}</span>}
        fixedRect={{ width: 800, height: 400 }}
      />,
    );
    const list = container.querySelector('[role="listbox"]') as HTMLElement;
    expect(list.getAttribute("aria-activedescendant")).toBe("row-2");
    const active = container.querySelector("#row-2") as HTMLElement;
    expect(active.getAttribute("aria-selected")).toBe("true");
    (container.querySelector("#row-3") as HTMLElement).click();
    expect(onActivate.mock.calls[0]?.[0]).toBe(3);
  });
});
