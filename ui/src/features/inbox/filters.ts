// The inbox's filters as the screen holds them, and as the core wants them (InboxFilter).
import type { InboxFilter_Deserialize, InboxView_Serialize, Network, TriageStatus } from "../../ipc/backend";

export type TimeWindow = "any" | "1h" | "24h" | "7d" | "30d";

export const TIME_HOURS: Record<Exclude<TimeWindow, "any">, number> = { "1h": 1, "24h": 24, "7d": 7 * 24, "30d": 30 * 24 };
export const TIME_LABEL: Record<TimeWindow, string> = {
  any: "Any time",
  "1h": "Last hour",
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
};

/** `any`, `unassigned`, `me`, or a person id. */
export type AssigneeChoice = string;

export interface FilterState {
  networks: Network[];
  groupIds: string[];
  accountIds: string[];
  statuses: TriageStatus[];
  assignee: AssigneeChoice;
  tags: string[];
  languages: string[];
  time: TimeWindow;
  search: string;
}

export const EMPTY_FILTER: FilterState = {
  networks: [],
  groupIds: [],
  accountIds: [],
  statuses: [],
  assignee: "any",
  tags: [],
  languages: [],
  time: "any",
  search: "",
};

/** Languages offered in the language filter (BCP 47 primary subtags, as stored). */
export const LANGUAGES = ["ar", "zh", "en", "fr", "es", "ru", "de", "ja", "pt", "hi", "fa", "tr", "uk"];

export function languageName(code: string, locale?: string): string {
  try {
    const name = new Intl.DisplayNames(locale ? [locale] : undefined, { type: "language" }).of(code);
    return name && name !== code ? name : code;
  } catch {
    return code;
  }
}

export const STATUS_LABEL: Record<TriageStatus, string> = { new: "Unread", open: "Open", done: "Done" };

export function isFiltered(f: FilterState): boolean {
  return (
    f.networks.length > 0 ||
    f.groupIds.length > 0 ||
    f.accountIds.length > 0 ||
    f.statuses.length > 0 ||
    f.assignee !== "any" ||
    f.tags.length > 0 ||
    f.languages.length > 0 ||
    f.time !== "any" ||
    f.search.trim() !== ""
  );
}

/** The core's filter for `f`, with the time window ending `now`. */
export function toInboxFilter(f: FilterState, me: string | null, now: Date): InboxFilter_Deserialize {
  const out: InboxFilter_Deserialize = {};
  if (f.networks.length) out.networks = f.networks;
  if (f.groupIds.length) out.groupIds = f.groupIds;
  if (f.accountIds.length) out.accountIds = f.accountIds;
  if (f.statuses.length) out.statuses = f.statuses;
  if (f.tags.length) out.tags = f.tags;
  if (f.languages.length) out.languages = f.languages;
  if (f.assignee === "unassigned") out.assignee = { kind: "unassigned" };
  else if (f.assignee === "me" && me) out.assignee = { kind: "person", id: me };
  else if (f.assignee !== "any" && f.assignee !== "me") out.assignee = { kind: "person", id: f.assignee };
  if (f.time !== "any") out.since = new Date(now.getTime() - TIME_HOURS[f.time] * 3600_000).toISOString();
  if (f.search.trim()) out.search = f.search.trim();
  return out;
}

/** What to save for `f` as a view: the filter without its moving window, and the window. */
export function toView(f: FilterState, me: string | null): { filter: InboxFilter_Deserialize; sinceHours: number | null } {
  const filter = toInboxFilter({ ...f, time: "any" }, me, new Date(0));
  return { filter, sinceHours: f.time === "any" ? null : TIME_HOURS[f.time] };
}

/** The screen's filter for a saved view. */
export function fromView(v: InboxView_Serialize, me: string | null): FilterState {
  const f = v.filter;
  const time = (Object.entries(TIME_HOURS).find(([, h]) => h === v.sinceHours)?.[0] ?? "any") as TimeWindow;
  let assignee: AssigneeChoice = "any";
  if (f.assignee?.kind === "unassigned") assignee = "unassigned";
  else if (f.assignee?.kind === "person") assignee = f.assignee.id === me ? "me" : f.assignee.id;
  return {
    networks: f.networks ?? [],
    groupIds: f.groupIds ?? [],
    accountIds: f.accountIds ?? [],
    statuses: f.statuses ?? [],
    assignee,
    tags: f.tags ?? [],
    languages: f.languages ?? [],
    time,
    search: f.search ?? "",
  };
}

export function toggle<T>(list: readonly T[], v: T): T[] {
  return list.includes(v) ? list.filter((x) => x !== v) : [...list, v];
}

/** The search syntax, as hints under the search box. */
export const SEARCH_HINTS: [string, string][] = [
  ["visa passport", "every word"],
  ['"opening hours"', "the exact phrase"],
  ["consul*", "words starting with"],
  ["-spam", "leave out"],
  ["#تأشيرة", "a hashtag"],
  ["@EmbassyParis", "a handle"],
];
