// Performance marks for the desktop benchmarks (scripts/bench-ui reads them through WebDriver).
// Marks cost a few microseconds and nothing reads them in normal use; every call is guarded so
// that environments without the User Timing API (unit tests) are unaffected.

/** Marks the start-up benchmark reads, in the order they happen. */
export const MARK = {
  /** The UI's script started running. */
  uiScript: "chancery:ui-script",
  /** Workspace and session loaded (the signed-in frame can draw). */
  sessionLoaded: "chancery:session-loaded",
  /** The inbox asked the core for its first page. */
  firstPageRequested: "chancery:inbox-first-page-requested",
  /** The first page arrived from the core. */
  firstPageReceived: "chancery:inbox-first-page-received",
  /** The first page's rows are painted and their input handlers attached. */
  inboxInteractive: "chancery:inbox-interactive",
  /** Every first-page load (filter changes too): asked, and painted. */
  pageRequested: "chancery:inbox-page-requested",
  pagePainted: "chancery:inbox-page-painted",
} as const;

function perf(): Performance | undefined {
  return typeof performance !== "undefined" && typeof performance.mark === "function" ? performance : undefined;
}

/** Set a mark. */
export function mark(name: string): void {
  perf()?.mark(name);
}

/** Set a mark only the first time. */
export function markOnce(name: string): void {
  const p = perf();
  if (p && p.getEntriesByName(name, "mark").length === 0) p.mark(name);
}

/**
 * Run `fn` once the DOM changes made now have been painted: a timeout queued from inside a
 * requestAnimationFrame callback runs after that frame's style, layout and paint.
 */
export function afterPaint(fn: () => void): void {
  if (typeof requestAnimationFrame === "undefined") {
    setTimeout(fn, 0);
    return;
  }
  requestAnimationFrame(() => setTimeout(fn, 0));
}
