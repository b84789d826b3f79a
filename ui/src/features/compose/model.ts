// The composer's pure parts: draft content, target selection by group, schedules, state names,
// entities for previews, and the recently used target sets.
import type {
  DraftContent_Deserialize,
  DraftState,
  Network,
  Schedule,
  TargetRef,
  Utf16Span,
} from "../../ipc/backend";
import type { TextEntities } from "../../lib/rich-text";
import type { Directory } from "./directory";

export type Content = DraftContent_Deserialize;

export function emptyContent(): Content {
  return { text: "", variants: { x: null, facebook: null }, media: [], targets: [], schedule: { kind: "now" }, replyTo: null };
}

/** A copy in the shape the commands take (fields always present). */
export function normalizeContent(c: Content): Content {
  return {
    text: c.text,
    variants: { x: c.variants?.x ?? null, facebook: c.variants?.facebook ?? null },
    media: c.media ?? [],
    targets: c.targets ?? [],
    schedule: c.schedule,
    replyTo: c.replyTo ?? null,
  };
}

/** The text that goes to `network`: its variant if there is one, else the main text. */
export function textFor(c: Content, network: Network): string {
  const v = network === "x" ? c.variants?.x : c.variants?.facebook;
  return v ?? c.text;
}

export function hasVariant(c: Content, network: Network): boolean {
  return (network === "x" ? c.variants?.x : c.variants?.facebook) != null;
}

export function sameContent(a: Content, b: Content): boolean {
  return JSON.stringify(normalizeContent(a)) === JSON.stringify(normalizeContent(b));
}

// ---- targets ---------------------------------------------------------------------------------

/** The accounts a set of targets means now. */
export function selectedAccountIds(targets: readonly TargetRef[], dir: Directory): Set<string> {
  const out = new Set<string>();
  for (const t of targets) {
    if (t.kind === "account") {
      if (dir.accountsById.has(t.id)) out.add(t.id);
    } else {
      for (const id of dir.groupsById.get(t.id)?.accountIds ?? []) out.add(id);
    }
  }
  return out;
}

/**
 * The targets for a set of accounts: a group wherever every account of a group is chosen (so
 * "all of Europe" stays all of Europe if an account is added there), single accounts elsewhere.
 */
export function targetsFor(ids: ReadonlySet<string>, dir: Directory): TargetRef[] {
  const out: TargetRef[] = [];
  const covered = new Set<string>();
  for (const g of dir.groups) {
    if (g.accountIds.length === 0 || g.accountIds.every((id) => covered.has(id))) continue;
    if (g.accountIds.every((id) => ids.has(id))) {
      out.push({ kind: "group", id: g.group.id });
      for (const id of g.accountIds) covered.add(id);
    }
  }
  for (const a of dir.accounts) {
    if (ids.has(a.account.id) && !covered.has(a.account.id)) out.push({ kind: "account", id: a.account.id });
  }
  return out;
}

export interface SelectionSummary {
  total: number;
  x: number;
  facebook: number;
  zones: string[];
}

export function summarize(ids: ReadonlySet<string>, dir: Directory): SelectionSummary {
  let x = 0;
  let facebook = 0;
  const zones = new Set<string>();
  for (const id of ids) {
    const a = dir.accountsById.get(id)?.account;
    if (!a) continue;
    if (a.network === "x") x++;
    else facebook++;
    zones.add(a.timeZone);
  }
  return { total: x + facebook, x, facebook, zones: [...zones].sort() };
}

/** A short name for a set of targets: "Embassy in Beirut", "Europe + 2 accounts". */
export function describeTargets(targets: readonly TargetRef[], dir: Directory): string {
  const groups = targets.filter((t) => t.kind === "group").map((t) => dir.groupsById.get(t.id)?.group.name ?? "a group");
  const accounts = targets.filter((t) => t.kind === "account");
  const parts = [...groups];
  if (accounts.length === 1 && groups.length === 0) {
    const a = dir.accountsById.get(accounts[0]!.id)?.account;
    parts.push(a ? (a.network === "x" ? `@${a.handle}` : a.displayName) : "1 account");
  } else if (accounts.length > 0) {
    parts.push(`${accounts.length} account${accounts.length === 1 ? "" : "s"}`);
  }
  return parts.join(" + ") || "no accounts";
}

// ---- recent target sets ------------------------------------------------------------------------

export interface RecentSet {
  label: string;
  targets: TargetRef[];
}

const RECENT_MAX = 5;
const recentKey = (personId: string) => `chancery.recentTargets.${personId}`;

export function loadRecentSets(personId: string): RecentSet[] {
  try {
    const raw = localStorage.getItem(recentKey(personId));
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? (parsed as RecentSet[]).filter((s) => Array.isArray(s.targets)) : [];
  } catch {
    return [];
  }
}

/** Remember a target set (most recent first, no duplicates, at most five). */
export function rememberSet(personId: string, set: RecentSet): RecentSet[] {
  const key = (t: TargetRef[]) => JSON.stringify([...t].map((x) => `${x.kind}:${x.id}`).sort());
  const next = [set, ...loadRecentSets(personId).filter((s) => key(s.targets) !== key(set.targets))].slice(0, RECENT_MAX);
  try {
    localStorage.setItem(recentKey(personId), JSON.stringify(next));
  } catch {
    // Storage full or unavailable: recent sets are a convenience.
  }
  return next;
}

// ---- schedule ------------------------------------------------------------------------------------

/** `<input type="datetime-local">` value ("2026-03-29T09:00") from a naive local time. */
export function naiveToInput(naive: string): string {
  return naive.slice(0, 16);
}

/** The core's naive local time ("2026-03-29T09:00:00") from an input value. */
export function inputToNaive(value: string): string {
  return value.length === 16 ? `${value}:00` : value;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An input value in the reader's own zone for an instant. */
export function instantToInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The instant an input value means in the reader's own zone. */
export function inputToInstant(value: string): string | null {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Tomorrow at 09:00 (the reader's clock), as an input value: a sensible first pick. */
export function defaultLocalInput(now = new Date()): string {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T09:00`;
}

export function describeSchedule(s: Schedule): string {
  switch (s.kind) {
    case "now":
      return "as soon as it is approved";
    case "local_time":
      return `at ${naiveToInput(s.local).replace("T", " ")} in each account's own time zone`;
    case "at":
      return `at ${new Date(s.instant).toLocaleString()}`;
  }
}

// ---- states ----------------------------------------------------------------------------------------

export function stateLabel(s: DraftState): string {
  switch (s) {
    case "editing":
      return "Draft";
    case "in_review":
      return "Waiting for approval";
    case "changes_requested":
      return "Changes requested";
    case "rejected":
      return "Rejected";
    case "withdrawn":
      return "Withdrawn";
    case "approved":
      return "Approved";
    case "expired":
      return "Expired";
  }
}

/** May the author submit it now (`submit`), resubmit it (`resubmit`), or neither? */
export function submitAction(s: DraftState): "submit" | "resubmit" | null {
  switch (s) {
    case "editing":
      return "submit";
    case "changes_requested":
    case "rejected":
    case "withdrawn":
    case "expired":
      return "resubmit";
    case "in_review":
    case "approved":
      return null;
  }
}

// ---- text ------------------------------------------------------------------------------------------

/** Mentions, hashtags and links in a draft's text, for previews. */
export function extractEntities(text: string): TextEntities {
  const mentions = [...text.matchAll(/(?<![\p{L}\p{N}_@])@([A-Za-z0-9_]{1,15})/gu)].map((m) => m[1] ?? "");
  const hashtags = [...text.matchAll(/(?<![\p{L}\p{N}_&])[#＃]([\p{L}\p{M}\p{N}_]*\p{L}[\p{L}\p{M}\p{N}_]*)/gu)].map((m) => m[1] ?? "");
  const urls = [...text.matchAll(/https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'"]/gu)].map((m) => m[0]);
  return { mentions, hashtags, urls };
}

/** Split a text around an inclusive UTF-16 span (clamped to the text). */
export function splitAt(text: string, span: Utf16Span | null | undefined): [string, string, string] {
  if (!span || span.start >= text.length || span.end < span.start) return [text, "", ""];
  const end = Math.min(span.end + 1, text.length);
  return [text.slice(0, span.start), text.slice(span.start, end), text.slice(end)];
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(0)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}
