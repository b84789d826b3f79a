// The sync dashboard's arithmetic, apart from how it is drawn (so it can be tested on its own):
// ordering accounts by urgency, how full a rate-limit budget is, plain-word summaries of the
// charts, and the cost estimate.
import type {
  AccountStatus_Serialize,
  AccountSyncState,
  ActivityReport_Serialize,
  BudgetStatus_Serialize,
  CostEstimate,
  LatencyReport_Serialize,
  NetworkTotals,
} from "../../ipc/backend";

/** Most urgent first: a person must act, then failures, then throttles, then the rest. */
export const STATE_ORDER: Record<AccountSyncState, number> = {
  needs_reauth: 0,
  error: 1,
  waiting: 2,
  syncing: 3,
  pending: 4,
  idle: 5,
};

export const STATE_LABEL: Record<AccountSyncState, string> = {
  needs_reauth: "Needs reconnecting",
  error: "Failed, retrying",
  waiting: "Held by a rate limit",
  syncing: "Reading now",
  pending: "Not read yet",
  idle: "Up to date",
};

export function sortAccounts(accounts: readonly AccountStatus_Serialize[]): AccountStatus_Serialize[] {
  return [...accounts].sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.handle.localeCompare(b.handle) || a.network.localeCompare(b.network));
}

export function tallyStates(accounts: readonly AccountStatus_Serialize[]): Record<AccountSyncState, number> {
  const t: Record<AccountSyncState, number> = { needs_reauth: 0, error: 0, waiting: 0, syncing: 0, pending: 0, idle: 0 };
  for (const a of accounts) t[a.state]++;
  return t;
}

/** How much of a budget is used, 0..1, or null when nothing is known. */
export function budgetFraction(b: BudgetStatus_Serialize): number | null {
  if (b.blockedUntil) return 1;
  if (b.percent !== null && b.percent !== undefined) return clamp01(b.percent / 100);
  if (b.used !== null && b.used !== undefined && b.limit) return clamp01(b.used / b.limit);
  return null;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** "312 of 450 calls", "37% of the hourly quota", "unknown". */
export function budgetWords(b: BudgetStatus_Serialize): string {
  if (b.used !== null && b.used !== undefined && b.limit) return `${b.used.toLocaleString()} of ${b.limit.toLocaleString()} calls`;
  if (b.percent !== null && b.percent !== undefined) return `${Math.round(b.percent)}% of the usage allowed`;
  return "use not reported yet";
}

export type BudgetLevel = "blocked" | "high" | "medium" | "low" | "unknown";

export function budgetLevel(b: BudgetStatus_Serialize): BudgetLevel {
  if (b.blockedUntil) return "blocked";
  const f = budgetFraction(b);
  if (f === null) return "unknown";
  return f >= 0.9 ? "high" : f >= 0.6 ? "medium" : "low";
}

/** App-wide budgets first, then the fullest. */
export function sortBudgets(budgets: readonly BudgetStatus_Serialize[]): BudgetStatus_Serialize[] {
  const app = (b: BudgetStatus_Serialize) => (b.key.kind === "x_app" || b.key.kind === "fb_app" ? 0 : 1);
  return [...budgets].sort((a, b) => app(a) - app(b) || (budgetFraction(b) ?? -1) - (budgetFraction(a) ?? -1) || a.label.localeCompare(b.label));
}

export function formatUsd(v: number): string {
  return v.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(seconds < 10 * 3600 ? 1 : 0).replace(/\.0$/, "")} h`;
  return `${(seconds / 86400).toFixed(1).replace(/\.0$/, "")} days`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

/** The cost estimate in one or two sentences. */
export function costWords(c: CostEstimate): { headline: string; detail: string } {
  if (c.usdPerDay === null || c.usdPerDay === undefined) {
    return {
      headline: "Not enough reads observed yet to estimate a daily cost.",
      detail: `${c.postReads.toLocaleString()} post reads and ${c.userReads.toLocaleString()} user reads so far.`,
    };
  }
  const observed = c.observedSeconds ? ` over ${formatDuration(c.observedSeconds)} observed` : "";
  const backfill =
    c.usdBackfill !== null && c.usdBackfill !== undefined && c.usdBackfill > 0
      ? ` Reading back to the horizon costs ${formatUsd(c.usdBackfill)} once (${c.backfillPostReads.toLocaleString()} post reads, ${c.backfillUserReads.toLocaleString()} user reads).`
      : "";
  return {
    headline: `About ${formatUsd(c.usdPerDay)} a day`,
    detail: `At X's pay-per-use prices, from ${c.postReads.toLocaleString()} post reads and ${c.userReads.toLocaleString()} user reads${observed}${
      c.usdObserved !== null && c.usdObserved !== undefined ? ` (${formatUsd(c.usdObserved)} so far)` : ""
    }.${backfill}`,
  };
}

/** Average answer time of a network's requests, or null. */
export function meanMs(t: NetworkTotals): number | null {
  return t.requests > 0 ? t.busyMs / t.requests : null;
}

/** "Over the last 24 hours, 240 items: Europe 150, Asia-Pacific 90. The busiest hour ..." */
export function activitySummary(r: ActivityReport_Serialize, hours: number): string {
  const total = r.groups.reduce((a, g) => a + g.total, 0);
  if (total === 0) return `No items arrived in the last ${hours} hours.`;
  const per = r.groups
    .filter((g) => g.total > 0)
    .map((g) => `${g.name} ${g.total}`)
    .join(", ");
  const sums = r.buckets.map((_, i) => r.groups.reduce((a, g) => a + (g.counts[i] ?? 0), 0));
  let peak = 0;
  sums.forEach((v, i) => {
    if (v > (sums[peak] ?? 0)) peak = i;
  });
  const at = r.buckets[peak];
  const when = at ? new Date(at).toLocaleString(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" }) : "";
  return `Over the last ${hours} hours, ${total} items: ${per}. The busiest period began ${when}, with ${sums[peak]} items.`;
}

/** "X: half the answers within 250 ms, 9 in 10 within 480 ms. Facebook: ..." */
export function latencySummary(r: LatencyReport_Serialize): string {
  const parts = r.networks.map((n) => {
    const name = n.network === "x" ? "X" : "Facebook";
    if (!n.overall.count || n.overall.p50 === null) return `${name}: no requests`;
    return `${name}: half the answers within ${formatMs(n.overall.p50)}, 9 in 10 within ${formatMs(n.overall.p90 ?? n.overall.p50)}${
      n.overall.max !== null ? `, slowest ${formatMs(n.overall.max)}` : ""
    }`;
  });
  return `${parts.join(". ")}.`;
}

/** An x-axis label for a bucket start: "14:00", or "Tue 14:00" over several days. */
export function bucketLabel(iso: string, spanHours: number): string {
  const d = new Date(iso);
  return spanHours > 24
    ? d.toLocaleString(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" })
    : d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** A problem worth showing in the "recent errors" list. */
export interface RecentProblem {
  key: string;
  at: string;
  message: string;
  /** The account it concerns, if known. */
  accountId?: string;
  handle?: string;
  network?: string;
  state?: AccountSyncState;
}

/** Problems from the accounts' last errors and from live messages, newest first, at most `max`. */
export function recentProblems(accounts: readonly AccountStatus_Serialize[], live: readonly RecentProblem[], max = 20): RecentProblem[] {
  const fromAccounts: RecentProblem[] = accounts
    .filter((a) => a.lastError)
    .map((a) => ({
      key: `acct-${a.accountId}`,
      at: a.lastSuccess ?? "",
      message: a.lastError as string,
      accountId: a.accountId,
      handle: a.handle,
      network: a.network,
      state: a.state,
    }));
  // Accounts that need a person come first, then the live messages, newest first.
  fromAccounts.sort((a, b) => STATE_ORDER[a.state ?? "idle"] - STATE_ORDER[b.state ?? "idle"]);
  const liveSorted = [...live].sort((a, b) => b.at.localeCompare(a.at));
  return [...fromAccounts, ...liveSorted].slice(0, max);
}
