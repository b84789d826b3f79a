// Fake: the account registry, token health, connecting, import and export. Import validates
// like the core (every problem with its row number; nothing imported if any row fails).
import { AppError } from "../../ipc";
import type {
  AccountHealth_Serialize,
  AccountListing,
  Account_Serialize,
  BackendCommands,
  FileFormat,
  ImportProblem,
  TokenHealth_Serialize,
} from "../../ipc/backend";
import type { FakeContext } from "./context";
import type { FakeState } from "./state";

export type AccountCommands = Pick<
  BackendCommands,
  "listAccounts" | "groupTree" | "accountHealth" | "connectAccount" | "importAccounts" | "exportAccounts"
>;

interface FakeAccounts {
  /** Token health by account id (the state's accounts start connected). */
  health: Record<string, TokenHealth_Serialize>;
}

const DAY = 24 * 3600_000;

function accountsOf(state: FakeState): FakeAccounts {
  let a = state.extra.accounts as FakeAccounts | undefined;
  if (!a) {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    a = {
      health: {
        "a-paris-x": { status: "connected", accessExpiresAt: iso(now + 40 * DAY), lastRefreshAt: iso(now - 2 * 3600_000), lastError: null },
        "a-paris-fb": { status: "connected", accessExpiresAt: null, lastRefreshAt: iso(now - 3 * DAY), lastError: null },
        "a-berlin-x": {
          status: "needs_reauth",
          accessExpiresAt: iso(now - DAY),
          lastRefreshAt: iso(now - 9 * DAY),
          lastError: "X refused the refresh token: the account must be connected again",
        },
        "a-tokyo-x": { status: "connected", accessExpiresAt: iso(now + 5 * 60_000), lastRefreshAt: iso(now - DAY), lastError: null },
      },
    };
    state.extra.accounts = a;
  }
  return a;
}

/** An account's token health as the registry holds it (the drafts' checks read it too). */
export function tokenOf(state: FakeState, listing: AccountListing): TokenHealth_Serialize {
  const own = accountsOf(state).health[listing.account.id];
  if (own) return own;
  const t = (listing.account as { token?: TokenHealth_Serialize }).token;
  return t ?? { status: "connected", accessExpiresAt: null, lastRefreshAt: null, lastError: null };
}

function serialise(state: FakeState, l: AccountListing): { account: Account_Serialize; groupPath: string[] } {
  const a = l.account as Account_Serialize;
  return {
    account: {
      ...a,
      externalId: a.externalId ?? null,
      avatarPath: a.avatarPath ?? null,
      kind: a.kind === "institutional" || a.kind === "personal" ? a.kind : "institutional",
      token: tokenOf(state, l),
      createdAt: a.createdAt ?? "2026-01-05T09:00:00Z",
      updatedAt: a.updatedAt ?? "2026-01-05T09:00:00Z",
    },
    groupPath: l.groupPath,
  };
}

const ZONES = new Set(["Europe/Paris", "Europe/Berlin", "Asia/Tokyo", "Asia/Riyadh", "Asia/Shanghai", "Africa/Cairo", "America/New_York", "UTC"]);
const LANGS = new Set(["ar", "zh", "en", "fr", "de", "ja", "es", "ru", "pt", "hi"]);
const KINDS = new Set(["institutional", "personal", "other", "embassy", "ministry", "minister", "ambassador"]);

interface Row {
  network?: string;
  handle?: string;
  display_name?: string;
  group?: string | string[];
  kind?: string;
  time_zone?: string;
  language?: string;
}

/** Minimal CSV (quoted fields with commas and doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) {
      rows.push([]);
      continue;
    }
    const cells: string[] = [];
    let cur = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ",") {
        cells.push(cur);
        cur = "";
      } else cur += ch;
    }
    cells.push(cur);
    rows.push(cells);
  }
  return rows;
}

function rowsOf(text: string, format: FileFormat): { rows: [number, Row][]; problems: ImportProblem[] } {
  if (format === "json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return { rows: [], problems: [{ row: 0, field: "file", message: `not valid JSON: ${(e as Error).message}` }] };
    }
    const list = (parsed as { accounts?: unknown }).accounts;
    if (!Array.isArray(list)) return { rows: [], problems: [{ row: 0, field: "file", message: "expected {\"accounts\": [...]}" }] };
    return { rows: list.map((r, i) => [i + 1, r as Row]), problems: [] };
  }
  const lines = parseCsv(text);
  const header = (lines[0] ?? []).map((h) => h.trim());
  const required = ["network", "handle", "display_name", "group", "kind", "time_zone", "language"];
  const missing = required.filter((h) => !header.includes(h));
  if (missing.length) return { rows: [], problems: missing.map((m) => ({ row: 1, field: m, message: "missing column" })) };
  const rows: [number, Row][] = [];
  lines.slice(1).forEach((cells, i) => {
    if (cells.length === 0) return;
    const r: Record<string, string> = {};
    header.forEach((h, j) => (r[h] = (cells[j] ?? "").trim()));
    rows.push([i + 2, r as Row]);
  });
  return { rows, problems: [] };
}

export function accountCommands(ctx: FakeContext): AccountCommands {
  const { state } = ctx;
  return {
    async listAccounts() {
      ctx.enter("listAccounts");
      return state.accounts.map((l) => serialise(state, l));
    },
    async groupTree() {
      ctx.enter("groupTree");
      return structuredClone(state.groups) as Awaited<ReturnType<BackendCommands["groupTree"]>>;
    },
    async accountHealth() {
      ctx.enter("accountHealth");
      return state.accounts.map((l): AccountHealth_Serialize => {
        const t = tokenOf(state, l);
        return {
          accountId: l.account.id,
          network: l.account.network,
          handle: l.account.handle,
          displayName: l.account.displayName,
          groupPath: l.groupPath,
          status: t.status,
          accessExpiresAt: t.accessExpiresAt ?? null,
          lastRefreshAt: t.lastRefreshAt ?? null,
          needsReauth: t.status === "needs_reauth",
          lastError: t.lastError ?? null,
          hasCredentials: t.status !== "disconnected",
        };
      });
    },
    async connectAccount(network) {
      ctx.enter("connectAccount");
      ctx.me();
      // Reconnect the first account of that network that needs it (as the sandbox's sign-in would).
      const l = state.accounts.find((x) => x.account.network === network && tokenOf(state, x).status !== "connected") ?? state.accounts.find((x) => x.account.network === network);
      if (!l) throw new AppError("not_found", "no account of that network signed in");
      accountsOf(state).health[l.account.id] = {
        status: "connected",
        accessExpiresAt: new Date(Date.now() + 60 * DAY).toISOString(),
        lastRefreshAt: new Date().toISOString(),
        lastError: null,
      };
      ctx.emit([{ type: "account_connected", accountId: l.account.id, network, handle: l.account.handle }]);
      return [serialise(state, l).account];
    },
    async importAccounts(text, format) {
      ctx.enter("importAccounts");
      ctx.me();
      const { rows, problems } = rowsOf(text, format);
      const handles = new Set<string>();
      for (const [n, r] of rows) {
        const need = (field: keyof Row, label: string) => {
          const v = r[field];
          if (v === undefined || (typeof v === "string" && !v.trim()) || (Array.isArray(v) && v.length === 0))
            problems.push({ row: n, field, message: `${label} is missing` });
        };
        need("handle", "the handle");
        need("display_name", "the display name");
        need("group", "the group");
        if (r.network !== "x" && r.network !== "facebook") problems.push({ row: n, field: "network", message: `unknown network "${r.network ?? ""}" (x or facebook)` });
        if (r.time_zone && !ZONES.has(r.time_zone)) problems.push({ row: n, field: "time_zone", message: `"${r.time_zone}" is not an IANA time zone` });
        if (r.language && !LANGS.has(r.language.split("-")[0] ?? "")) problems.push({ row: n, field: "language", message: `"${r.language}" is not a known language` });
        if (r.kind && !KINDS.has(r.kind)) problems.push({ row: n, field: "kind", message: `unknown kind "${r.kind}"` });
        const key = `${r.network}/${(r.handle ?? "").toLowerCase()}`;
        if (r.handle && handles.has(key)) problems.push({ row: n, field: "handle", message: `@${r.handle} appears twice in the file` });
        handles.add(key);
      }
      if (rows.length === 0 && problems.length === 0) problems.push({ row: 0, field: "file", message: "the file has no accounts" });
      if (problems.length) {
        return { applied: false, rows: rows.length, created: 0, updated: 0, groupsCreated: 0, avatarsCached: 0, problems, avatarProblems: [] };
      }
      let created = 0;
      let updated = 0;
      for (const [, r] of rows) {
        const existing = state.accounts.find((l) => l.account.network === r.network && l.account.handle.toLowerCase() === (r.handle ?? "").toLowerCase());
        if (existing) {
          updated++;
          continue;
        }
        created++;
        const path = Array.isArray(r.group) ? r.group : (r.group ?? "").split(" > ");
        state.accounts.push({
          account: {
            id: `a-imported-${state.accounts.length + 1}`,
            network: r.network as "x" | "facebook",
            externalId: null,
            handle: r.handle ?? "",
            displayName: r.display_name ?? "",
            avatarPath: null,
            timeZone: r.time_zone ?? "UTC",
            language: r.language ?? "en",
            groupId: state.groups[0]?.group.id ?? "",
            kind: "institutional",
            token: { status: "disconnected", accessExpiresAt: null, lastRefreshAt: null, lastError: null },
            createdAt: new Date().toISOString(),
            updatedAt: new Date().toISOString(),
          },
          groupPath: path,
        } as AccountListing);
      }
      ctx.emit([{ type: "accounts_imported", created, updated }]);
      return { applied: true, rows: rows.length, created, updated, groupsCreated: 0, avatarsCached: 0, problems: [], avatarProblems: [] };
    },
    async exportAccounts(format) {
      ctx.enter("exportAccounts");
      const rows = state.accounts.map((l) => ({
        network: l.account.network,
        handle: l.account.handle,
        display_name: l.account.displayName,
        group: l.groupPath,
        kind: "institutional",
        time_zone: l.account.timeZone,
        language: l.account.language,
      }));
      if (format === "json") return JSON.stringify({ version: 1, accounts: rows }, null, 2);
      const q = (s: string) => (/[",]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
      return [
        "network,handle,display_name,group,kind,time_zone,language",
        ...rows.map((r) => [r.network, r.handle, r.display_name, r.group.join(" > "), r.kind, r.time_zone, r.language].map(q).join(",")),
      ].join("\n");
    },
  };
}
