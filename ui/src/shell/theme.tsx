// Light, dark, or as the system says (prefers-color-scheme). The choice is kept in localStorage
// and applied as <html data-theme="...">; styles.css defines both palettes.
import { signal } from "@preact/signals";

export type ThemeChoice = "system" | "light" | "dark";
const KEY = "chancery.theme";
const ORDER: ThemeChoice[] = ["system", "light", "dark"];

function stored(): ThemeChoice {
  try {
    const v = globalThis.localStorage?.getItem(KEY);
    return v === "light" || v === "dark" ? v : "system";
  } catch {
    return "system";
  }
}

export const theme = signal<ThemeChoice>(stored());

export function applyTheme(choice: ThemeChoice) {
  theme.value = choice;
  try {
    if (choice === "system") globalThis.localStorage?.removeItem(KEY);
    else globalThis.localStorage?.setItem(KEY, choice);
  } catch {
    // Storage may be unavailable; the choice still applies to this window.
  }
  if (typeof document === "undefined") return;
  if (choice === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

applyTheme(theme.value);

const LABEL: Record<ThemeChoice, string> = { system: "System theme", light: "Light theme", dark: "Dark theme" };
const ICON: Record<ThemeChoice, string> = { system: "◐", light: "☀", dark: "☾" };

export function ThemeToggle() {
  const current = theme.value;
  const next = ORDER[(ORDER.indexOf(current) + 1) % ORDER.length] as ThemeChoice;
  return (
    <button
      type="button"
      class="theme-toggle"
      id="theme-toggle"
      data-theme-choice={current}
      title={`${LABEL[current]} (click for ${LABEL[next].toLowerCase()})`}
      aria-label={`${LABEL[current]}; switch to ${LABEL[next].toLowerCase()}`}
      onClick={() => applyTheme(next)}
    >
      <span aria-hidden="true">{ICON[current]}</span> {current === "system" ? "Auto" : current === "light" ? "Light" : "Dark"}
    </button>
  );
}
