import { describe, expect, it, vi } from "vitest";
import { handleShortcut, isTyping, shortcutName } from "./keys";

function press(key: string, init: KeyboardEventInit = {}, target?: HTMLElement) {
  const e = new KeyboardEvent("keydown", { key, cancelable: true, ...init });
  if (target) Object.defineProperty(e, "target", { value: target });
  return e;
}

describe("shortcuts", () => {
  it("names keys with modifiers", () => {
    expect(shortcutName(press("j"))).toBe("j");
    expect(shortcutName(press("Enter", { ctrlKey: true }))).toBe("Mod+Enter");
    expect(shortcutName(press("/"))).toBe("/");
  });
  it("runs the mapped handler and prevents the default", () => {
    const j = vi.fn();
    const e = press("j");
    expect(handleShortcut({ j }, e)).toBe(true);
    expect(j).toHaveBeenCalledOnce();
    expect(e.defaultPrevented).toBe(true);
  });
  it("leaves letters alone while the reader types, but not Escape", () => {
    const input = document.createElement("input");
    const textarea = document.createElement("textarea");
    const j = vi.fn();
    const esc = vi.fn();
    expect(isTyping(input)).toBe(true);
    expect(handleShortcut({ j }, press("j", {}, textarea))).toBe(false);
    expect(handleShortcut({ Escape: esc }, press("Escape", {}, input))).toBe(true);
    expect(j).not.toHaveBeenCalled();
    expect(esc).toHaveBeenCalledOnce();
  });
});
