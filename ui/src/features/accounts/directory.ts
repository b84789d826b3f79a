// Who and what the screens name: accounts (by id, with their group path and time zone), the
// group tree, and people. Loaded once per backend and shared by the inbox, accounts and sync
// screens; reloaded when accounts are connected or imported.
import { signal, type Signal } from "@preact/signals";
import type { Backend } from "../../ipc";
import type { AccountListing_Serialize, GroupNode_Serialize, Person, PersonSummary } from "../../ipc/backend";
import { useBackend } from "../../state/backend";

export interface GroupInfo {
  id: string;
  name: string;
  kind: string;
  parentId: string | null;
  depth: number;
  /** Names from the root down to this group. */
  path: string[];
  children: string[];
}

export interface Directory {
  accounts: AccountListing_Serialize[];
  accountById: Map<string, AccountListing_Serialize>;
  tree: GroupNode_Serialize[];
  groupById: Map<string, GroupInfo>;
  /** Accounts directly in each group. */
  accountsInGroup: Map<string, string[]>;
  people: PersonSummary[];
  personById: Map<string, Person>;
}

export function buildDirectory(accounts: AccountListing_Serialize[], tree: GroupNode_Serialize[], people: PersonSummary[]): Directory {
  const groupById = new Map<string, GroupInfo>();
  const walk = (nodes: GroupNode_Serialize[], depth: number, path: string[]) => {
    for (const n of nodes) {
      const p = [...path, n.group.name];
      groupById.set(n.group.id, {
        id: n.group.id,
        name: n.group.name,
        kind: n.group.kind,
        parentId: n.group.parentId ?? null,
        depth,
        path: p,
        children: n.children.map((c) => c.group.id),
      });
      walk(n.children, depth + 1, p);
    }
  };
  walk(tree, 0, []);
  const accountsInGroup = new Map<string, string[]>();
  for (const a of accounts) {
    const list = accountsInGroup.get(a.account.groupId) ?? [];
    list.push(a.account.id);
    accountsInGroup.set(a.account.groupId, list);
  }
  return {
    accounts,
    accountById: new Map(accounts.map((a) => [a.account.id, a])),
    tree,
    groupById,
    accountsInGroup,
    people,
    personById: new Map(people.map((p) => [p.person.id, p.person])),
  };
}

const cache = new WeakMap<Backend, Signal<Directory | null>>();
const loading = new WeakMap<Backend, Promise<void>>();

/** Load (again) the accounts, groups and people. */
export function refreshDirectory(backend: Backend): Promise<void> {
  const s = directorySignal(backend, false);
  const p = Promise.all([backend.listAccounts(), backend.groupTree(), backend.listPeople()]).then(
    ([accounts, tree, people]) => {
      s.value = buildDirectory(accounts, tree, people);
    },
    () => {
      // The screens show their own errors; the directory only names things.
    },
  );
  loading.set(backend, p);
  return p;
}

function directorySignal(backend: Backend, load = true): Signal<Directory | null> {
  let s = cache.get(backend);
  if (!s) {
    s = signal<Directory | null>(null);
    cache.set(backend, s);
    if (load) void refreshDirectory(backend);
  }
  return s;
}

/** The directory for the current backend (null while it loads). */
export function useDirectory(): Directory | null {
  return directorySignal(useBackend()).value;
}

/** The directory once loaded. */
export async function directoryOf(backend: Backend): Promise<Directory | null> {
  const s = directorySignal(backend);
  if (!s.value) await loading.get(backend);
  return s.value;
}

/** "@EmbassyParis" on X, the Page name on Facebook. */
export function accountLabel(a: { network: string; handle: string; displayName?: string }): string {
  return a.network === "x" ? `@${a.handle}` : a.displayName || a.handle;
}

export const NETWORK_NAME: Record<string, string> = { x: "X", facebook: "Facebook" };
