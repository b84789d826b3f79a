// Accounts: is every X account and Facebook Page still connected (token expiry, last refresh,
// needs re-authorisation), connect and reconnect them, the group tree, and bulk import/export.
import { useEffect, useMemo, useState } from "preact/hooks";
import { AppError } from "../../ipc";
import type { AccountHealth_Serialize, FileFormat, ImportReport, Network } from "../../ipc/backend";
import { ErrorNote } from "../../lib/error-note";
import { formatDateTime, formatInZone, formatRelative } from "../../lib/format";
import { useBackend } from "../../state/backend";
import { onCoreEvents } from "../../state/events";
import { session } from "../../state/session";
import { NetworkMark } from "../inbox/row";
import { accountLabel, NETWORK_NAME, refreshDirectory, useDirectory, type Directory } from "./directory";
import { ImportPanel } from "./import";

const DAY = 24 * 3600_000;
/** A Facebook token expiring within this is shown as "expires soon" (it needs a new login). */
export const SOON_MS = 7 * DAY;
/** X access tokens last two hours and the core refreshes them before they expire: only one
 *  this close to expiry (a refresh that is late) needs a person's attention. */
export const X_SOON_MS = 10 * 60_000;

export type Attention = "reconnect" | "disconnected" | "expiring" | "ok";

/** What a person should do about an account's token, most urgent first. */
export function attentionOf(h: AccountHealth_Serialize, now: number): Attention {
  if (h.needsReauth || h.status === "needs_reauth") return "reconnect";
  if (h.status === "disconnected" || !h.hasCredentials) return "disconnected";
  const soon = h.network === "x" ? X_SOON_MS : SOON_MS;
  if (h.accessExpiresAt && Date.parse(h.accessExpiresAt) - now < soon) return "expiring";
  return "ok";
}

const ATTENTION_ORDER: Record<Attention, number> = { reconnect: 0, disconnected: 1, expiring: 2, ok: 3 };
const ATTENTION_LABEL: Record<Attention, string> = {
  reconnect: "Needs reconnecting",
  disconnected: "Not connected",
  expiring: "Expires soon",
  ok: "Connected",
};

type Show = "attention" | "all" | Attention;

export function AccountsScreen(_props: { draftId?: string | undefined }) {
  const backend = useBackend();
  const dir = useDirectory();
  const [health, setHealth] = useState<AccountHealth_Serialize[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [show, setShow] = useState<Show>("all");
  const [query, setQuery] = useState("");
  const [network, setNetwork] = useState<"" | Network>("");
  const [connecting, setConnecting] = useState<Network | null>(null);
  const [connectNote, setConnectNote] = useState("");
  const [connectError, setConnectError] = useState<AppError | null>(null);
  const [exportError, setExportError] = useState<AppError | null>(null);
  const [exported, setExported] = useState<{ format: FileFormat; text: string; url: string | null } | null>(null);
  const isAdmin = session.value?.isAdmin ?? false;

  const load = () =>
    backend.accountHealth().then(
      (h) => {
        setHealth(h);
        setError(null);
      },
      (e) => setError(AppError.from(e)),
    );

  useEffect(() => {
    void load();
    return onCoreEvents((events) => {
      if (events.some((e) => e.type === "account_connected" || e.type === "account_needs_reauth" || e.type === "accounts_imported")) {
        void load();
        void refreshDirectory(backend);
      }
    });
  }, [backend]);

  useEffect(() => () => {
    if (exported?.url) URL.revokeObjectURL?.(exported.url);
  }, [exported]);

  const now = Date.now();
  const rows = useMemo(() => {
    if (!health) return [];
    const q = query.trim().toLowerCase();
    return health
      .map((h) => ({ h, attention: attentionOf(h, now) }))
      .filter(({ h, attention }) => {
        if (network && h.network !== network) return false;
        if (show === "attention" && attention === "ok") return false;
        if (show !== "all" && show !== "attention" && attention !== show) return false;
        if (!q) return true;
        return `${h.handle} ${h.displayName} ${h.groupPath.join(" ")}`.toLowerCase().includes(q);
      })
      .sort((a, b) => ATTENTION_ORDER[a.attention] - ATTENTION_ORDER[b.attention] || a.h.handle.localeCompare(b.h.handle));
  }, [health, query, network, show]);

  const tally = useMemo(() => {
    const t: Record<Attention, number> = { reconnect: 0, disconnected: 0, expiring: 0, ok: 0 };
    for (const h of health ?? []) t[attentionOf(h, now)]++;
    return t;
  }, [health]);
  const needing = tally.reconnect + tally.disconnected + tally.expiring;

  async function connect(n: Network) {
    setConnecting(n);
    setConnectError(null);
    setConnectNote("");
    try {
      const accounts = await backend.connectAccount(n);
      setConnectNote(
        accounts.length === 0
          ? "Nothing was connected."
          : `Connected ${accounts.map((a) => accountLabel(a)).join(", ")}. Sync picks ${accounts.length === 1 ? "it" : "them"} up now.`,
      );
      void load();
      void refreshDirectory(backend);
    } catch (e) {
      setConnectError(AppError.from(e));
    } finally {
      setConnecting(null);
    }
  }

  async function doExport(format: FileFormat) {
    setExportError(null);
    try {
      const text = await backend.exportAccounts(format);
      let url: string | null = null;
      try {
        url = URL.createObjectURL(new Blob([text], { type: format === "csv" ? "text/csv" : "application/json" }));
      } catch {
        url = null;
      }
      setExported({ format, text, url });
    } catch (e) {
      setExportError(AppError.from(e));
    }
  }

  return (
    <section class="accounts" aria-labelledby="accounts-title">
      <header class="screen-head">
        <div>
          <h2 id="accounts-title">Accounts</h2>
          <p class="muted" id="accounts-summary">
            {health ? (
              <>
                {health.length} accounts ·{" "}
                {needing === 0 ? (
                  <span class="ok-text">all connected</span>
                ) : (
                  <span class="warn-text">
                    {needing} need{needing === 1 ? "s" : ""} attention
                  </span>
                )}
              </>
            ) : (
              "Reading the accounts…"
            )}
          </p>
        </div>
        <div class="connect" role="group" aria-label="Connect accounts">
          <button type="button" id="connect-x" onClick={() => void connect("x")} disabled={connecting !== null}>
            {connecting === "x" ? "Waiting for X sign-in…" : "Connect an X account"}
          </button>
          <button type="button" id="connect-facebook" onClick={() => void connect("facebook")} disabled={connecting !== null}>
            {connecting === "facebook" ? "Waiting for Facebook sign-in…" : "Connect Facebook Pages"}
          </button>
        </div>
      </header>
      {connecting && (
        <p class="hint" role="status">
          Your browser opened the {NETWORK_NAME[connecting]} sign-in page. Sign in there with the account to connect; Chancery continues by itself when
          you come back.
        </p>
      )}
      {connectNote && (
        <p class="ok-text" role="status" id="connect-result">
          {connectNote}
        </p>
      )}
      {connectError && <ErrorNote error={connectError} what="Connecting failed" />}
      {error && <ErrorNote error={error} what="Account health could not be read" onRetry={() => void load()} />}

      <div class="accounts-tools" role="group" aria-label="Show">
        <div class="filter-set" role="group" aria-label="Which accounts">
          {(
            [
              ["all", `All (${health?.length ?? 0})`],
              ["attention", `Needs attention (${needing})`],
              ["reconnect", `Reconnect (${tally.reconnect})`],
              ["expiring", `Expiring (${tally.expiring})`],
              ["disconnected", `Not connected (${tally.disconnected})`],
            ] as [Show, string][]
          ).map(([v, label]) => (
            <button type="button" key={v} class="chip-toggle" aria-pressed={show === v} onClick={() => setShow(v)} id={`health-show-${v}`}>
              {label}
            </button>
          ))}
        </div>
        <label>
          <span class="visually-hidden">Network</span>
          <select value={network} onChange={(e) => setNetwork((e.target as HTMLSelectElement).value as "" | Network)} id="health-network">
            <option value="">Both networks</option>
            <option value="x">X</option>
            <option value="facebook">Facebook</option>
          </select>
        </label>
        <label class="grow">
          <span class="visually-hidden">Find an account</span>
          <input type="search" dir="auto" placeholder="Find an account, post or region…" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} id="health-search" />
        </label>
      </div>

      <div class="table-wrap">
        <table class="data health" id="health-table" aria-busy={health === null}>
          <caption class="visually-hidden">Token health of every account, those needing attention first</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Group</th>
              <th scope="col">Sign-in</th>
              <th scope="col">Token expires</th>
              <th scope="col">Last refreshed</th>
              <th scope="col">
                <span class="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ h, attention }) => (
              <HealthRow key={h.accountId} h={h} attention={attention} dir={dir} now={now} onReconnect={() => void connect(h.network)} busy={connecting !== null} />
            ))}
          </tbody>
        </table>
        {health && rows.length === 0 && (
          <p class="muted empty-state" id="health-empty">
            {health.length === 0
              ? "No accounts yet. Connect one above, or import a list below."
              : show === "attention"
                ? "Nothing needs attention: every account's sign-in works."
                : "No account matches."}
          </p>
        )}
      </div>

      <div class="accounts-lower">
        <GroupsPanel dir={dir} health={health} />
        <section class="card" aria-labelledby="transfer-title">
          <h3 id="transfer-title">Import and export</h3>
          {isAdmin ? <ImportPanel onImported={() => void load()} /> : <p class="muted">Only an admin can import accounts.</p>}
          <div class="export" role="group" aria-label="Export">
            <span>Export every account:</span>
            <button type="button" class="secondary" id="export-csv" onClick={() => void doExport("csv")}>
              CSV
            </button>
            <button type="button" class="secondary" id="export-json" onClick={() => void doExport("json")}>
              JSON
            </button>
          </div>
          {exportError && <ErrorNote error={exportError} what="Export failed" />}
          {exported && (
            <div class="export-result">
              {exported.url && (
                <a href={exported.url} download={`chancery-accounts.${exported.format}`} id="export-download">
                  Download chancery-accounts.{exported.format}
                </a>
              )}{" "}
              <button type="button" class="link" onClick={() => void navigator.clipboard?.writeText(exported.text)}>
                Copy to clipboard
              </button>
              <textarea readOnly rows={6} class="export-text" aria-label="Exported accounts" value={exported.text} id="export-text" />
            </div>
          )}
        </section>
      </div>
    </section>
  );
}

function HealthRow(props: { h: AccountHealth_Serialize; attention: Attention; dir: Directory | null; now: number; onReconnect: () => void; busy: boolean }) {
  const { h, attention } = props;
  const zone = props.dir?.accountById.get(h.accountId)?.account.timeZone;
  const when = (iso: string | null) =>
    iso ? (
      <time dateTime={iso} title={zone ? `${formatInZone(iso, zone)}\nYour time: ${formatDateTime(iso)}` : formatDateTime(iso)}>
        {formatRelative(iso, new Date(props.now))}
      </time>
    ) : (
      <span class="muted">—</span>
    );
  return (
    <tr data-attention={attention} data-account-id={h.accountId}>
      <td>
        <span class="acct">
          <NetworkMark network={h.network} />
          <span>
            <bdi class="acct-name">{h.displayName}</bdi>
            <span class="muted small"> {accountLabel({ network: h.network, handle: h.handle })}</span>
          </span>
        </span>
      </td>
      <td class="small">
        <bdi>{h.groupPath.join(" › ")}</bdi>
      </td>
      <td>
        <span class={`health-badge health-${attention}`}>{ATTENTION_LABEL[attention]}</span>
        {h.lastError && (
          <div class="small problem" title={h.lastError}>
            {h.lastError}
          </div>
        )}
      </td>
      <td>{h.network === "facebook" && !h.accessExpiresAt ? <span class="muted">does not expire</span> : when(h.accessExpiresAt)}</td>
      <td>{when(h.lastRefreshAt)}</td>
      <td>
        {attention !== "ok" && (
          <button type="button" class={attention === "expiring" ? "secondary" : undefined} onClick={props.onReconnect} disabled={props.busy} aria-label={`Reconnect ${h.displayName}`}>
            Reconnect
          </button>
        )}
      </td>
    </tr>
  );
}

function GroupsPanel(props: { dir: Directory | null; health: AccountHealth_Serialize[] | null }) {
  const { dir } = props;
  if (!dir) return <section class="card" aria-busy="true" />;
  const attentionBy = new Set((props.health ?? []).filter((h) => attentionOf(h, Date.now()) !== "ok").map((h) => h.accountId));
  const countUnder = (id: string): [number, number] => {
    const g = dir.groupById.get(id);
    let n = 0;
    let bad = 0;
    for (const a of dir.accountsInGroup.get(id) ?? []) {
      n++;
      if (attentionBy.has(a)) bad++;
    }
    for (const c of g?.children ?? []) {
      const [cn, cb] = countUnder(c);
      n += cn;
      bad += cb;
    }
    return [n, bad];
  };
  const render = (id: string) => {
    const g = dir.groupById.get(id);
    if (!g) return null;
    const [n, bad] = countUnder(id);
    return (
      <li key={id}>
        <details open={g.depth === 0}>
          <summary>
            <bdi>{g.name}</bdi> <span class="muted small">{g.kind}</span> <span class="muted small">· {n} accounts</span>
            {bad > 0 && <span class="warn-text small"> · {bad} need attention</span>}
          </summary>
          <ul>
            {g.children.map(render)}
            {(dir.accountsInGroup.get(id) ?? []).map((aid) => {
              const a = dir.accountById.get(aid);
              return a ? (
                <li key={aid} class="small">
                  <NetworkMark network={a.account.network} /> <bdi>{accountLabel(a.account)}</bdi> <span class="muted">{a.account.timeZone}</span>
                </li>
              ) : null;
            })}
          </ul>
        </details>
      </li>
    );
  };
  return (
    <section class="card groups-panel" aria-labelledby="groups-title">
      <h3 id="groups-title">Groups</h3>
      <p class="muted small">Approval policies and crisis pauses apply to a group and everything under it.</p>
      <ul class="group-list" id="groups-tree">
        {dir.tree.map((n) => render(n.group.id))}
      </ul>
    </section>
  );
}

export type { ImportReport };
