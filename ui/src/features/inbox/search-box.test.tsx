import { afterEach, describe, expect, it, vi } from "vitest";
import { act, fireEvent, render } from "@testing-library/preact";
import { SearchBox } from "./toolbar";

describe("SearchBox", () => {
  afterEach(() => vi.useRealTimers());

  it("searches once the reader pauses, and a search cleared meanwhile stays cleared", () => {
    vi.useFakeTimers();
    const changes: string[] = [];
    const ref = { current: null as HTMLInputElement | null };
    const view = render(<SearchBox value="" onChange={(v) => changes.push(v)} inputRef={ref} />);
    const input = view.container.querySelector("#inbox-search") as HTMLInputElement;

    fireEvent.input(input, { target: { value: "consul" } });
    act(() => void vi.advanceTimersByTime(300));
    expect(changes).toEqual(["consul"]);

    // Typed, then cleared from elsewhere (the empty state's button) before the pause is over.
    view.rerender(<SearchBox value="consul" onChange={(v) => changes.push(v)} inputRef={ref} />);
    fireEvent.input(input, { target: { value: "qqzz" } });
    view.rerender(<SearchBox value="" onChange={(v) => changes.push(v)} inputRef={ref} />);
    act(() => void vi.advanceTimersByTime(1000));
    expect(changes).toEqual(["consul"]);
    expect(input.value).toBe("");
  });

  it("shows its hints while focused and empty, and moves them out of the way once typing starts", () => {
    const ref = { current: null as HTMLInputElement | null };
    const view = render(<SearchBox value="" onChange={() => {}} inputRef={ref} />);
    const input = view.container.querySelector("#inbox-search") as HTMLInputElement;
    const hints = view.container.querySelector("#search-hints") as HTMLElement;
    expect(hints.classList.contains("open")).toBe(false);
    fireEvent.focus(input);
    expect(hints.classList.contains("open")).toBe(true);
    fireEvent.input(input, { target: { value: "vis" } });
    expect(hints.classList.contains("open")).toBe(false);
    fireEvent.input(input, { target: { value: "" } });
    expect(hints.classList.contains("open")).toBe(true);
    fireEvent.blur(input);
    expect(hints.classList.contains("open")).toBe(false);
  });
});
