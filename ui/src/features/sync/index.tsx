// The sync dashboard: what sync is reading, how fast the networks answer, how much of each rate
// limit is used, what the X reads cost, what went wrong, and every account's state. Charts come
// first (people would rather look than read); each has its numbers in words and as a table.
// Everything reloads itself from the core's events (sync_changed, items_arrived...).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { AppError } from "../../ipc";
import type {
  AccountStatus_Serialize,
  AccountSyncState,
  ActivityReport_Serialize,
  BudgetStatus_Serialize,
  LatencyReport_Serialize,
  Network,
  NetworkTotals,
  SyncStatus_Serialize,
} from "../../ipc/backend";
import { ErrorNote } from "../../lib/error-note";
import { formatDateTime, formatRelative } from "../../lib/format";
import { useBackend } from "../../state/backend";
import { onCoreEvents } from "../../state/events";
import { navigate } from "../../state/router";
import { directoryOf, NETWORK_NAME, useDirectory, type Directory } from "../accounts/directory";
import { NetworkMark } from "../inbox/row";
import { BarChart, COLORS, LineChart, type Series } from "./charts";
import {
  activitySummary,
  bucketLabel,
  budgetFraction,
  budgetLevel,
  budgetWords,
  costWords,
  formatMs,
  latencySummary,
  meanMs,
  recentProblems,
  sortAccounts,
  sortBudgets,
  STATE_LABEL,
  STATE_ORDER,
  tallyStates,
  formatDuration,
  type RecentProblem,
} from "./model";
import { Throttle } from "./throttle";

/** Reloads of the status after events happen at most this often. */
export const STATUS_EVERY_MS = 1000;
/** The volume chart reads the cache; it reloads less often. */
export const ACTIVITY_EVERY_MS = 5000;
/** Response times are read again this often even without events. */
export const LATENCY_POLL_MS = 30_000;
/** How many per-account budgets show before "Show all". */
export const BUDGETS_SHOWN = 8;
const LATENCY_MINUTES = 60;
const PERIODS = [
  { hours: 24, label: "24 hours" },
  { hours: 48, label: "2 days" },
  { hours: 168, label: "7 days" },
];

type Loaded<T> = { data: T; error: null } | { data: T | undefined; error: AppError };

export function SyncScreen(_props: { draftId?: string | undefined }) {
  const backend = useBackend();
  const dir = useDirectory();
  // `undefined` until the first answer; `null` when sync is not running.
  const [status, setStatus] = useState<Loaded<SyncStatus_Serialize | null> | undefined>(undefined);
  const [latency, setLatency] = useState<Loaded<LatencyReport_Serialize | null> | undefined>(undefined);
  const [activity, setActivity] = useState<Loaded<ActivityReport_Serialize> | undefined>(undefined);
  const [hours, setHours] = useState(24);
  // `undefined`: the top of the tree, or its only root's children when there is one root.
  const [parent, setParent] = useState<string | null | undefined>(undefined);
  const [live, setLive] = useState<RecentProblem[]>([]);
  const [announce, setAnnounce] = useState("");
  const activityArgs = useRef({ hours, parent });
  activityArgs.current = { hours, parent };

  const loaders = useMemo(() => {
    let gen = 0;
    const loadStatus = () =>
      backend.syncStatus().then(
        (data) => setStatus({ data, error: null }),
        (e) => setStatus((prev) => ({ data: prev?.data ?? undefined, error: AppError.from(e) })),
      );
    const loadLatency = () =>
      backend.syncLatency(LATENCY_MINUTES).then(
        (data) => setLatency({ data, error: null }),
        (e) => setLatency((prev) => ({ data: prev?.data ?? undefined, error: AppError.from(e) })),
      );
    const loadActivity = async () => {
      const mine = ++gen;
      const { hours: h, parent: p } = activityArgs.current;
      try {
        const resolved = p !== undefined ? p : autoParent(await directoryOf(backend));
        const data = await backend.inboxActivity(h, resolved);
        if (mine === gen) setActivity({ data, error: null });
      } catch (e) {
        if (mine === gen) setActivity((prev) => ({ data: prev?.data, error: AppError.from(e) }));
      }
    };
    return {
      loadStatus,
      loadLatency,
      loadActivity,
      status: new Throttle(() => void loadStatus(), STATUS_EVERY_MS),
      latency: new Throttle(() => void loadLatency(), STATUS_EVERY_MS),
      activity: new Throttle(() => void loadActivity(), ACTIVITY_EVERY_MS),
    };
  }, [backend]);

  useEffect(() => {
    void loaders.loadStatus();
    void loaders.loadLatency();
    const poll = setInterval(() => loaders.latency.call(), LATENCY_POLL_MS);
    const off = onCoreEvents((events) => {
      const fresh: RecentProblem[] = [];
      const at = new Date().toISOString();
      for (const e of events) {
        switch (e.type) {
          case "sync_changed":
            loaders.status.call();
            loaders.latency.call();
            if (e.message) fresh.push({ key: `live-${at}-${fresh.length}-${Math.random()}`, at, message: e.message });
            break;
          case "items_arrived":
            loaders.status.call();
            loaders.activity.call();
            break;
          case "account_needs_reauth":
            loaders.status.call();
            fresh.push({
              key: `live-${at}-${fresh.length}-${e.accountId}`,
              at,
              message: e.reason,
              accountId: e.accountId,
              handle: e.handle,
              network: e.network,
              state: "needs_reauth",
            });
            break;
          case "account_connected":
          case "accounts_imported":
            loaders.status.call();
            break;
          case "lagged":
            void loaders.loadStatus();
            void loaders.loadLatency();
            void loaders.loadActivity();
            break;
          default:
            break;
        }
      }
      if (fresh.length > 0) {
        setLive((prev) => [...fresh, ...prev].slice(0, 50));
        setAnnounce(fresh.length === 1 ? `New sync problem: ${fresh[0]?.message}` : `${fresh.length} new sync problems`);
      }
    });
    return () => {
      off();
      clearInterval(poll);
      loaders.status.dispose();
      loaders.latency.dispose();
      loaders.activity.dispose();
    };
  }, [loaders]);

  // The volume chart follows its controls.
  useEffect(() => {
    void loaders.loadActivity();
  }, [loaders, hours, parent]);

  const st = status?.data ?? null;
  const running = !!st?.running;

  return (
    <section class="sync" aria-labelledby="sync-title">
      <header class="screen-head">
        <div>
          <h2 id="sync-title">Sync</h2>
          <p class="muted small" id="sync-state" data-running={status === undefined ? undefined : String(running)}>
            {status === undefined
              ? "Reading sync's state…"
              : running && st
                ? `Running · updated ${formatDateTime(st.at)}`
                : status.error
                  ? "The state of sync could not be read."
                  : "Sync is not running."}
          </p>
        </div>
        <button
          type="button"
          class="secondary"
          id="sync-refresh"
          onClick={() => {
            void loaders.loadStatus();
            void loaders.loadLatency();
            void loaders.loadActivity();
          }}
        >
          Refresh
        </button>
      </header>
      <p class="visually-hidden" role="status" aria-live="polite" id="sync-announce">
        {announce}
      </p>
      {status?.error && <ErrorNote error={status.error} what="The state of sync could not be read" onRetry={() => void loaders.loadStatus()} id="sync-error" />}
      {status !== undefined && !status.error && !running && (
        <div class="notice" id="sync-not-running" role="note">
          <strong>Sync is not running.</strong> Chancery reads the accounts only while it runs; the charts below show what is already in the inbox.
        </div>
      )}

      <div class="sync-charts" role="region" aria-label="Charts">
        <ActivityPanel
          dir={dir}
          report={activity}
          hours={hours}
          parent={parent}
          onHours={setHours}
          onParent={setParent}
          onRetry={() => void loaders.loadActivity()}
        />
        <LatencyPanel report={latency} onRetry={() => void loaders.loadLatency()} />
      </div>

      {st && (
        <>
          <Overview status={st} />
          <div class="sync-grid">
            <BudgetsPanel budgets={st.budgets} />
            <div class="sync-col">
              <CostPanel status={st} />
              <ProblemsPanel accounts={st.accounts} live={live} />
            </div>
          </div>
          <AccountsPanel accounts={st.accounts} dir={dir} />
        </>
      )}
      {!st && live.length > 0 && <ProblemsPanel accounts={[]} live={live} />}
    </section>
  );
}

/** With a single root (the ministry), its children (the regions) are the interesting lines. */
function autoParent(dir: Directory | null): string | null {
  const tree = dir?.tree ?? [];
  const only = tree.length === 1 ? tree[0] : undefined;
  return only && only.children.length > 0 ? only.group.id : null;
}

// ---------------------------------------------------------------------------------- charts

function ActivityPanel(props: {
  dir: Directory | null;
  report: Loaded<ActivityReport_Serialize> | undefined;
  hours: number;
  parent: string | null | undefined;
  onHours: (h: number) => void;
  onParent: (p: string | null | undefined) => void;
  onRetry: () => void;
}) {
  const { dir, report, hours } = props;
  const r = report?.data;
  const labels = r ? r.buckets.map((b) => bucketLabel(b, hours)) : [];
  const series: Series[] = r ? r.groups.map((g, i) => ({ name: g.name, values: g.counts, color: COLORS[i % COLORS.length] as string })) : [];
  const parents = useMemo(() => {
    if (!dir) return [];
    return [...dir.groupById.values()].filter((g) => g.children.length > 0).sort((a, b) => a.path.join("/").localeCompare(b.path.join("/")));
  }, [dir]);
  const shownParent = props.parent !== undefined ? props.parent : autoParent(dir);
  const handle = r
    ? r.groups
        .filter((g) => g.total > 0)
        .map((g) => ({
          label: g.name,
          value: g.medianHandleSeconds ?? null,
          whisker: g.p90HandleSeconds ?? null,
          note: `${g.handled} of ${g.total} done, ${g.waiting} waiting`,
        }))
    : [];
  return (
    <div class="card chart-card" id="sync-activity">
      <div class="chart-controls" role="group" aria-label="Volume chart settings">
        <label>
          Period{" "}
          <select id="activity-hours" value={String(hours)} onChange={(e) => props.onHours(Number((e.target as HTMLSelectElement).value))}>
            {PERIODS.map((p) => (
              <option key={p.hours} value={String(p.hours)}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Groups{" "}
          <select
            id="activity-parent"
            value={shownParent ?? ""}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              props.onParent(v === "" ? null : v);
            }}
          >
            <option value="">Top level</option>
            {parents.map((g) => (
              <option key={g.id} value={g.id}>
                {`${"  ".repeat(g.depth)}Inside ${g.name}`}
              </option>
            ))}
          </select>
        </label>
      </div>
      {report?.error && <ErrorNote error={report.error} what="The volume chart could not be read" onRetry={props.onRetry} />}
      {!r && !report?.error ? (
        <p class="muted" role="status">
          Reading the volume…
        </p>
      ) : r ? (
        <>
          <LineChart
            id="chart-volume"
            title={`Items per group, last ${PERIODS.find((p) => p.hours === hours)?.label ?? `${hours} hours`}`}
            summary={activitySummary(r, hours)}
            labels={labels}
            series={series}
            stacked
            format={(v) => Math.round(v).toLocaleString()}
            empty={<p class="muted">No items arrived in this period.</p>}
          />
          <p class="chart-words muted small" id="chart-volume-words">
            {activitySummary(r, hours)}
          </p>
          <BarChart
            id="chart-handling"
            title="Time to handle (median, with 90th percentile)"
            summary={handle.length ? handle.map((h) => `${h.label}: ${h.value === null ? "none handled" : formatDuration(h.value)}`).join("; ") : "Nothing handled yet."}
            rows={handle}
            format={formatDuration}
            valueName="median"
            whiskerName="90%"
            empty={<p class="muted small">Nothing in this period was marked done yet.</p>}
          />
        </>
      ) : null}
    </div>
  );
}

function LatencyPanel(props: { report: Loaded<LatencyReport_Serialize | null> | undefined; onRetry: () => void }) {
  const { report } = props;
  const r = report?.data;
  const labels = r ? r.buckets.map((b) => bucketLabel(b, 1)) : [];
  const series: Series[] = r
    ? r.networks.flatMap((n, i) => {
        const name = n.network === "x" ? "X" : "Facebook";
        const color = COLORS[i % COLORS.length] as string;
        return [
          { name: `${name}, median`, values: n.series.map((s) => (s.count ? (s.p50 ?? null) : null)), color },
          { name: `${name}, 90th percentile`, values: n.series.map((s) => (s.count ? (s.p90 ?? null) : null)), color, dashed: true },
        ];
      })
    : [];
  return (
    <div class="card chart-card" id="sync-latency">
      {report?.error && <ErrorNote error={report.error} what="Response times could not be read" onRetry={props.onRetry} />}
      {report === undefined ? (
        <p class="muted" role="status">
          Reading response times…
        </p>
      ) : r ? (
        <>
          <LineChart
            id="chart-latency"
            title={`How fast the networks answer, last ${LATENCY_MINUTES} minutes`}
            summary={latencySummary(r)}
            labels={labels}
            series={series}
            format={formatMs}
            empty={<p class="muted">No requests in this period.</p>}
          />
          <p class="chart-words muted small" id="chart-latency-words">
            {latencySummary(r)}
          </p>
        </>
      ) : (
        !report.error && (
          <figure class="chart" id="chart-latency">
            <figcaption class="chart-title">How fast the networks answer</figcaption>
            <p class="muted">Sync is not running, so nothing is being asked of the networks.</p>
          </figure>
        )
      )}
    </div>
  );
}

// ---------------------------------------------------------------------------------- overview

const TILE_STATES: AccountSyncState[] = ["needs_reauth", "error", "waiting", "syncing", "idle"];

function Overview({ status }: { status: SyncStatus_Serialize }) {
  const t = tallyStates(status.accounts);
  return (
    <ul class="sync-tiles" aria-label="Accounts by state" id="sync-tiles">
      {TILE_STATES.map((s) => (
        <li key={s} class={`tile tile-${s}`} data-state={s} data-count={t[s]}>
          <span class="tile-count">{t[s].toLocaleString()}</span>
          <span class="tile-label">{STATE_LABEL[s]}</span>
        </li>
      ))}
      <Totals name="X" t={status.totals.x} />
      <Totals name="Facebook" t={status.totals.facebook} />
    </ul>
  );
}

function Totals({ name, t }: { name: string; t: NetworkTotals }) {
  const mean = meanMs(t);
  return (
    <li class="tile tile-totals" data-network={name}>
      <span class="tile-label">
        <strong>{name}</strong> since start
      </span>
      <span class="small">
        {t.requests.toLocaleString()} requests · {t.items.toLocaleString()} items · {t.errors.toLocaleString()} errors · {t.throttled.toLocaleString()} throttled
        {t.quarantined > 0 ? ` · ${t.quarantined} set aside` : ""}
        {mean !== null ? ` · ${formatMs(mean)} per answer` : ""}
      </span>
    </li>
  );
}

// ---------------------------------------------------------------------------------- budgets

function BudgetsPanel({ budgets }: { budgets: BudgetStatus_Serialize[] }) {
  const [all, setAll] = useState(false);
  const sorted = sortBudgets(budgets);
  const app = sorted.filter((b) => b.key.kind === "x_app" || b.key.kind === "fb_app");
  const rest = sorted.filter((b) => !(b.key.kind === "x_app" || b.key.kind === "fb_app"));
  const shown = all ? rest : rest.slice(0, BUDGETS_SHOWN);
  const blocked = budgets.filter((b) => b.blockedUntil).length;
  return (
    <section class="card sync-budgets" aria-labelledby="budgets-title" id="sync-budgets">
      <h3 id="budgets-title">Rate limits</h3>
      <p class="muted small">
        How much of each limit the networks allow is used in the current window
        {blocked > 0 ? `; ${blocked} ${blocked === 1 ? "is" : "are"} used up and waiting to reset` : ""}.
      </p>
      <ul class="budget-list">
        {[...app, ...shown].map((b) => (
          <BudgetBar key={budgetKey(b)} b={b} />
        ))}
      </ul>
      {rest.length > BUDGETS_SHOWN && (
        <button type="button" class="link" id="budgets-toggle" aria-expanded={all} onClick={() => setAll(!all)}>
          {all ? "Show the fullest only" : `Show all ${rest.length} account limits`}
        </button>
      )}
    </section>
  );
}

function budgetKey(b: BudgetStatus_Serialize): string {
  return "accountId" in b.key ? `${b.key.kind}:${b.key.accountId}` : b.key.kind;
}

function BudgetBar({ b }: { b: BudgetStatus_Serialize }) {
  const f = budgetFraction(b);
  const level = budgetLevel(b);
  const id = `budget-${budgetKey(b).replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  const words = b.blockedUntil
    ? `Used up; waiting until ${formatRelative(b.blockedUntil)}`
    : `${budgetWords(b)}${b.resetsAt ? `, resets ${formatRelative(b.resetsAt)}` : ""}`;
  return (
    <li class="budget" data-level={level} id={id}>
      <span class="budget-label" id={`${id}-label`}>
        <bdi>{b.label}</bdi>
      </span>
      <span
        class="budget-track"
        role="meter"
        aria-labelledby={`${id}-label`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={f === null ? undefined : Math.round(f * 100)}
        aria-valuetext={words}
      >
        {f !== null && <span class="budget-fill" style={{ width: `${(f * 100).toFixed(1)}%` }} />}
      </span>
      <span class="budget-words small">
        {words}
        {b.throttled > 0 ? ` · throttled ${b.throttled}×` : ""}
      </span>
    </li>
  );
}

// ---------------------------------------------------------------------------------- cost

function CostPanel({ status }: { status: SyncStatus_Serialize }) {
  const w = costWords(status.totals.cost);
  return (
    <section class="card sync-cost" aria-labelledby="cost-title" id="sync-cost">
      <h3 id="cost-title">X read cost, estimated</h3>
      <p class="cost-headline" id="cost-per-day">
        {w.headline}
      </p>
      <p class="muted small">{w.detail}</p>
    </section>
  );
}

// ---------------------------------------------------------------------------------- problems

function ProblemsPanel({ accounts, live }: { accounts: AccountStatus_Serialize[]; live: RecentProblem[] }) {
  const problems = recentProblems(accounts, live);
  return (
    <section class="card sync-problems" aria-labelledby="problems-title" id="sync-problems">
      <h3 id="problems-title">Recent problems</h3>
      {problems.length === 0 ? (
        <p class="ok-text" id="no-problems">
          Nothing has gone wrong recently.
        </p>
      ) : (
        <ul class="problem-list">
          {problems.map((p) => (
            <li key={p.key} data-state={p.state} data-account={p.accountId}>
              <p>
                {p.handle && (
                  <strong>
                    <bdi>{p.network === "x" ? `@${p.handle}` : p.handle}</bdi>
                    {p.network ? ` (${NETWORK_NAME[p.network] ?? p.network})` : ""}:{" "}
                  </strong>
                )}
                {p.message}
              </p>
              <p class="muted small">
                {p.state ? STATE_LABEL[p.state] : "Reported"}
                {p.at ? ` · ${p.key.startsWith("live-") ? formatRelative(p.at) : `last good read ${formatRelative(p.at)}`}` : ""}
                {p.state === "needs_reauth" && (
                  <>
                    {" · "}
                    <button type="button" class="link" onClick={() => navigate("accounts")}>
                      Reconnect under Accounts
                    </button>
                  </>
                )}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------- accounts

type StateFilter = "" | "attention" | AccountSyncState;

function AccountsPanel({ accounts, dir }: { accounts: AccountStatus_Serialize[]; dir: Directory | null }) {
  const [query, setQuery] = useState("");
  const [network, setNetwork] = useState<"" | Network>("");
  const [state, setState] = useState<StateFilter>("");
  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    return sortAccounts(accounts).filter((a) => {
      if (network && a.network !== network) return false;
      if (state === "attention" && STATE_ORDER[a.state] > STATE_ORDER.waiting) return false;
      if (state && state !== "attention" && a.state !== state) return false;
      if (!q) return true;
      const listing = dir?.accountById.get(a.accountId);
      return `${a.handle} ${listing?.account.displayName ?? ""} ${listing?.groupPath.join(" ") ?? ""}`.toLowerCase().includes(q);
    });
  }, [accounts, dir, query, network, state]);
  const now = new Date();
  return (
    <section class="card sync-accounts" aria-labelledby="sync-accounts-title" id="sync-accounts">
      <h3 id="sync-accounts-title">Accounts</h3>
      <div class="accounts-tools" role="search" aria-label="Filter accounts">
        <label class="grow">
          <span class="visually-hidden">Find an account</span>
          <input type="search" id="sync-filter" placeholder="Find an account, a post, a region…" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          <span class="visually-hidden">Network</span>
          <select id="sync-network" value={network} onChange={(e) => setNetwork((e.target as HTMLSelectElement).value as "" | Network)}>
            <option value="">Both networks</option>
            <option value="x">X</option>
            <option value="facebook">Facebook</option>
          </select>
        </label>
        <label>
          <span class="visually-hidden">State</span>
          <select id="sync-state-filter" value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value as StateFilter)}>
            <option value="">Every state</option>
            <option value="attention">Needing attention</option>
            {(Object.keys(STATE_LABEL) as AccountSyncState[]).map((s) => (
              <option key={s} value={s}>
                {STATE_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <span class="muted small" id="sync-accounts-count" aria-live="polite">
          {rows.length === accounts.length ? `${accounts.length} accounts` : `${rows.length} of ${accounts.length} accounts`}
        </span>
      </div>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Accounts and their sync state">
        <table class="data" id="sync-accounts-table">
          <caption class="visually-hidden">Every account's sync state, accounts needing a person first</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">State</th>
              <th scope="col">Last complete read</th>
              <th scope="col">Next read</th>
              <th scope="col">Items today</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => {
              const listing = dir?.accountById.get(a.accountId);
              return (
                <tr key={`${a.accountId}`} data-account={a.accountId} data-state={a.state}>
                  <th scope="row" class="acct-cell">
                    <span class="acct">
                      <NetworkMark network={a.network} />
                      <span>
                        <span class="acct-name">
                          <bdi>{a.network === "x" ? `@${a.handle}` : a.handle}</bdi>
                        </span>
                        {listing && (
                          <span class="muted small acct-path">
                            <bdi>{listing.groupPath.join(" › ")}</bdi>
                          </span>
                        )}
                      </span>
                    </span>
                  </th>
                  <td>
                    <span class={`state-badge state-${a.state}`}>{STATE_LABEL[a.state]}</span>
                    {a.backfilling && <span class="muted small"> · reading back</span>}
                  </td>
                  <td>{a.lastSuccess ? <time dateTime={a.lastSuccess} title={formatDateTime(a.lastSuccess)}>{formatRelative(a.lastSuccess, now)}</time> : <span class="muted">never</span>}</td>
                  <td>{a.nextPoll ? <time dateTime={a.nextPoll} title={formatDateTime(a.nextPoll)}>{formatRelative(a.nextPoll, now)}</time> : <span class="muted">—</span>}</td>
                  <td class="num">{a.itemsToday.toLocaleString()}</td>
                  <td>
                    {a.lastError ? <span class="problem">{a.lastError}</span> : <span class="muted">—</span>}
                    {a.state === "needs_reauth" && (
                      <div>
                        <button type="button" class="link" onClick={() => navigate("accounts")}>
                          Reconnect
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {rows.length === 0 && (
          <p class="muted empty-state" id="sync-accounts-empty">
            No account matches these filters.
          </p>
        )}
      </div>
    </section>
  );
}
