// Which screen is showing. Hash-based (#/inbox), so reloads and the back button work.
import { signal } from "@preact/signals";

export type Screen = "inbox" | "compose" | "approvals" | "outbox" | "accounts" | "sync" | "system";
export const SCREENS: Screen[] = ["inbox", "compose", "approvals", "outbox", "accounts", "sync", "system"];

export interface Route {
  screen: Screen;
  /** Screen-specific parameter, e.g. a draft id: #/compose/<id>. */
  param?: string;
}

export function parseHash(hash: string): Route {
  const [screen, param] = hash.replace(/^#\/?/, "").split("/");
  const s = SCREENS.find((x) => x === screen) ?? "inbox";
  return param ? { screen: s, param: decodeURIComponent(param) } : { screen: s };
}

export const route = signal<Route>(parseHash(typeof location === "undefined" ? "" : location.hash));

export function navigate(screen: Screen, param?: string) {
  const hash = `#/${screen}${param ? `/${encodeURIComponent(param)}` : ""}`;
  if (typeof location !== "undefined" && location.hash !== hash) location.hash = hash;
  route.value = param ? { screen, param } : { screen };
}

if (typeof window !== "undefined") {
  window.addEventListener("hashchange", () => {
    route.value = parseHash(location.hash);
  });
}
