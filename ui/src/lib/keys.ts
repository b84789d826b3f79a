// Single-key shortcuts (j/k/e/a/r, "/", "?") for the whole window, ignored while typing.

import { useEffect, useRef } from "preact/hooks";

export type ShortcutMap = Record<string, (e: KeyboardEvent) => void>;

/** True when the key press belongs to a text field rather than to the app. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = (target as HTMLInputElement).type;
    return !["checkbox", "radio", "button", "submit"].includes(type);
  }
  return false;
}

/** The shortcut name of a key event: "j", "Shift+A", "Mod+Enter", "Escape"... */
export function shortcutName(e: KeyboardEvent): string {
  const parts: string[] = [];
  if (e.ctrlKey || e.metaKey) parts.push("Mod");
  if (e.altKey) parts.push("Alt");
  const key = e.key.length === 1 ? e.key : e.key;
  if (e.shiftKey && key.length > 1) parts.push("Shift");
  parts.push(key);
  return parts.join("+");
}

/** Dispatch key presses to `map`. Escape and Mod+ shortcuts work even inside text fields. */
export function handleShortcut(map: ShortcutMap, e: KeyboardEvent): boolean {
  const name = shortcutName(e);
  const handler = map[name];
  if (!handler) return false;
  if (isTyping(e.target) && !(name === "Escape" || name.startsWith("Mod+"))) return false;
  e.preventDefault();
  handler(e);
  return true;
}

export function useShortcuts(map: ShortcutMap, enabled = true) {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      handleShortcut(ref.current, e);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [enabled]);
}
