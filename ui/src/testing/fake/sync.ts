// Fake: the sync dashboard (per-account state, budgets, cost), the charts' data (volume per
// group from the fake inbox, request times) and the audit check.
import type {
  AccountStatus_Serialize,
  ActivityReport_Serialize,
  BackendCommands,
  BudgetStatus_Serialize,
  LatencyReport_Serialize,
  LatencyStats_Serialize,
  SyncStatus_Serialize,
} from "../../ipc/backend";
import type { FakeContext } from "./context";
import { notFound } from "./context";
import { inboxOf, subtree } from "./inbox";
import type { FakeState } from "./state";

export type SyncCommands = Pick<BackendCommands, "syncStatus" | "verifyAudit" | "inboxActivity" | "syncLatency">;

interface FakeSync {
  running: boolean;
  /** Overrides of an account's dashboard state, by id. */
  states: Record<string, Partial<AccountStatus_Serialize>>;
  auditOk: boolean;
}

function syncOf(state: FakeState): FakeSync {
  let s = state.extra.sync as FakeSync | undefined;
  if (!s) {
    s = {
      running: true,
      states: {
        "a-berlin-x": { state: "needs_reauth", lastError: "X refused the refresh token: reconnect @EmbassyBerlin under Accounts", nextPoll: null },
        "a-tokyo-x": { state: "waiting", lastError: null },
      },
      auditOk: true,
    };
    state.extra.sync = s;
  }
  return s;
}

/** Make the fake's sync engine stopped or running, and set one account's state. */
export function setFakeSync(state: FakeState, change: Partial<Omit<FakeSync, "states">> & { account?: [string, Partial<AccountStatus_Serialize>] }) {
  const s = syncOf(state);
  if (change.running !== undefined) s.running = change.running;
  if (change.auditOk !== undefined) s.auditOk = change.auditOk;
  if (change.account) s.states[change.account[0]] = { ...s.states[change.account[0]], ...change.account[1] };
}

const iso = (ms: number) => new Date(ms).toISOString();

function stats(values: number[]): LatencyStats_Serialize {
  const v = [...values].sort((a, b) => a - b);
  const p = (q: number) => (v.length ? (v[Math.min(v.length, Math.max(1, Math.ceil((q / 100) * v.length))) - 1] as number) : null);
  return { count: v.length, p50: p(50), p90: p(90), p99: p(99), max: v.length ? (v[v.length - 1] as number) : null };
}

export function syncCommands(ctx: FakeContext): SyncCommands {
  const { state } = ctx;
  return {
    async syncStatus() {
      ctx.enter("syncStatus");
      const s = syncOf(state);
      if (!s.running) return null;
      const now = Date.now();
      const items = inboxOf(state).items;
      const accounts: AccountStatus_Serialize[] = state.accounts.map((l, i) => ({
        accountId: l.account.id,
        network: l.account.network,
        handle: l.account.handle,
        state: "idle",
        lastSuccess: iso(now - (i + 1) * 45_000),
        nextPoll: iso(now + (i + 1) * 30_000),
        lastError: null,
        itemsToday: items.filter((it) => it.accountId === l.account.id && now - Date.parse(it.createdAt) < 24 * 3600_000).length,
        backfilling: i === 0,
        ...s.states[l.account.id],
      }));
      const budgets: BudgetStatus_Serialize[] = [
        { key: { kind: "x_app" }, label: "X mentions, app", used: 312, limit: 450, resetsAt: iso(now + 9 * 60_000), percent: null, blockedUntil: null, calls: 1840, throttled: 0 },
        { key: { kind: "fb_app" }, label: "Facebook app", used: null, limit: null, resetsAt: null, percent: 37, blockedUntil: null, calls: 960, throttled: 0 },
        ...state.accounts
          .filter((l) => l.account.network === "x")
          .map((l, i): BudgetStatus_Serialize => ({
            key: { kind: "x_user", accountId: l.account.id },
            label: `X user @${l.account.handle}`,
            used: i === 2 ? 180 : 20 + i * 35,
            limit: 180,
            resetsAt: iso(now + (5 + i) * 60_000),
            percent: null,
            blockedUntil: i === 2 ? iso(now + 5 * 60_000) : null,
            calls: 100 + i,
            throttled: i === 2 ? 3 : 0,
          })),
        ...state.accounts
          .filter((l) => l.account.network === "facebook")
          .map((l): BudgetStatus_Serialize => ({
            key: { kind: "fb_page", accountId: l.account.id },
            label: `Facebook Page ${l.account.handle}`,
            used: null,
            limit: null,
            resetsAt: null,
            percent: 12,
            blockedUntil: null,
            calls: 240,
            throttled: 0,
          })),
      ];
      const status: SyncStatus_Serialize = {
        at: iso(now),
        running: true,
        accounts,
        budgets,
        totals: {
          x: { requests: 1840, items: 5230, errors: 4, throttled: 3, quarantined: 1, busyMs: 1840 * 180 },
          facebook: { requests: 960, items: 2110, errors: 1, throttled: 0, quarantined: 0, busyMs: 960 * 240 },
          cost: {
            postReads: 5230,
            userReads: 1900,
            backfillPostReads: 42_000,
            backfillUserReads: 9_000,
            observedSeconds: 3600,
            usdObserved: 45.15,
            usdPerDay: 1083.6,
            usdBackfill: 300,
          },
        },
      };
      return status;
    },
    async verifyAudit() {
      ctx.enter("verifyAudit");
      const s = syncOf(state);
      return s.auditOk
        ? { ok: true, entriesChecked: 1287, headHash: "9f2c4e0b7a1d3e5f", firstBad: null }
        : { ok: false, entriesChecked: 412, headHash: null, firstBad: { seq: 412, problem: "its hash does not match its content" } };
    },
    async inboxActivity(hours, parentGroupId) {
      ctx.enter("inboxActivity");
      const bucketMinutes = hours <= 48 ? 60 : 360;
      const bucketMs = bucketMinutes * 60_000;
      const until = Math.floor(Date.now() / bucketMs) * bucketMs + bucketMs;
      const n = Math.max(1, Math.floor((hours * 60) / bucketMinutes));
      const since = until - n * bucketMs;
      const parentNodes = (() => {
        if (!parentGroupId) return state.groups;
        const find = (nodes: typeof state.groups): typeof state.groups | null => {
          for (const g of nodes) {
            if (g.group.id === parentGroupId) return g.children as typeof state.groups;
            const r = find(g.children as typeof state.groups);
            if (r) return r;
          }
          return null;
        };
        const r = find(state.groups);
        if (!r) throw notFound("that group");
        return r;
      })();
      const items = inboxOf(state).items.filter((it) => !it.deleted && Date.parse(it.createdAt) >= since && Date.parse(it.createdAt) < until);
      const groups = parentNodes.map((node) => {
        const ids = subtree(state, node.group.id);
        const accs = new Set(state.accounts.filter((a) => ids.has(a.account.groupId)).map((a) => a.account.id));
        const mine = items.filter((it) => accs.has(it.accountId));
        const counts = Array.from({ length: n }, () => 0);
        for (const it of mine) {
          const b = Math.floor((Date.parse(it.createdAt) - since) / bucketMs);
          counts[b] = (counts[b] ?? 0) + 1;
        }
        const handled = mine.filter((it) => it.status === "done");
        const times = handled.map((_, i) => 600 + i * 300).sort((a, b) => a - b);
        const pct = (q: number) => (times.length ? (times[Math.max(1, Math.ceil((q / 100) * times.length)) - 1] as number) : null);
        return {
          groupId: node.group.id,
          name: node.group.name,
          counts,
          total: mine.length,
          handled: handled.length,
          waiting: mine.length - handled.length,
          medianHandleSeconds: pct(50),
          p90HandleSeconds: pct(90),
        };
      });
      groups.sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
      const report: ActivityReport_Serialize = {
        since: iso(since),
        until: iso(until),
        bucketMinutes,
        buckets: Array.from({ length: n }, (_, i) => iso(since + i * bucketMs)),
        parent: parentGroupId ?? null,
        groups,
      };
      return report;
    },
    async syncLatency(minutes) {
      ctx.enter("syncLatency");
      if (!syncOf(state).running) return null;
      const m = Math.min(Math.max(minutes, 5), 120);
      const bucketSeconds = m <= 60 ? 60 : 300;
      const n = Math.floor((m * 60) / bucketSeconds);
      const now = Date.now();
      const start = now - n * bucketSeconds * 1000;
      const series = (base: number) =>
        Array.from({ length: n }, (_, i) => stats(i % 7 === 3 ? [] : Array.from({ length: 12 }, (_, j) => base + ((i * 37 + j * 53) % 300) + (j === 11 ? 900 : 0))));
      const x = series(140);
      const fb = series(220);
      const all = (s: LatencyStats_Serialize[]) => stats(s.flatMap((b) => (b.count ? [b.p50 ?? 0, b.p90 ?? 0, b.p99 ?? 0] : [])));
      const report: LatencyReport_Serialize = {
        at: iso(now),
        bucketSeconds,
        buckets: Array.from({ length: n }, (_, i) => iso(start + i * bucketSeconds * 1000)),
        networks: [
          { network: "x", overall: all(x), series: x },
          { network: "facebook", overall: all(fb), series: fb },
        ],
      };
      return report;
    },
  };
}
