// Who and what the governance screens name: accounts (with their groups), the group tree and
// people. Loaded once per backend and shared by the composer, approvals and the outbox; reload
// after accounts change.
import { signal } from "@preact/signals";
import type { Backend } from "../../ipc";
import type { Account, AccountListing, Group, GroupNode, PersonSummary } from "../../ipc/backend";

export interface GroupEntry {
  group: Group;
  depth: number;
  /** Names from the top of the tree down to this group. */
  path: string[];
  /** Every account in this group and its descendants. */
  accountIds: string[];
  children: string[];
}

export interface Directory {
  accounts: AccountListing[];
  accountsById: Map<string, AccountListing>;
  /** Groups in tree order (depth first). */
  groups: GroupEntry[];
  groupsById: Map<string, GroupEntry>;
  people: PersonSummary[];
  peopleById: Map<string, PersonSummary>;
}

export const directory = signal<Directory | null>(null);
let loading: { backend: Backend; promise: Promise<Directory> } | null = null;

export function buildDirectory(accounts: AccountListing[], tree: GroupNode[], people: PersonSummary[]): Directory {
  const accountsById = new Map(accounts.map((a) => [a.account.id, a]));
  const direct = new Map<string, string[]>();
  for (const a of accounts) {
    const list = direct.get(a.account.groupId) ?? [];
    list.push(a.account.id);
    direct.set(a.account.groupId, list);
  }
  const groups: GroupEntry[] = [];
  const walk = (node: GroupNode, depth: number, path: string[]): string[] => {
    const entry: GroupEntry = {
      group: node.group as Group,
      depth,
      path: [...path, node.group.name],
      accountIds: [],
      children: node.children.map((c) => c.group.id),
    };
    groups.push(entry);
    const ids = [...(direct.get(node.group.id) ?? [])];
    for (const c of node.children) ids.push(...walk(c as GroupNode, depth + 1, entry.path));
    entry.accountIds = ids;
    return ids;
  };
  for (const root of tree) walk(root as GroupNode, 0, []);
  return {
    accounts,
    accountsById,
    groups,
    groupsById: new Map(groups.map((g) => [g.group.id, g])),
    people,
    peopleById: new Map(people.map((p) => [p.person.id, p])),
  };
}

/** Load (once per backend) the accounts, the group tree and the people. */
export function loadDirectory(backend: Backend, force = false): Promise<Directory> {
  if (!force && loading && loading.backend === backend) return loading.promise;
  const promise = Promise.all([backend.listAccounts(), backend.groupTree(), backend.listPeople()]).then(
    ([accounts, tree, people]) => {
      const d = buildDirectory(accounts as AccountListing[], tree as GroupNode[], people);
      directory.value = d;
      return d;
    },
  );
  loading = { backend, promise };
  promise.catch(() => {
    if (loading?.promise === promise) loading = null;
  });
  return promise;
}

/** For tests: forget what was loaded. */
export function resetDirectory() {
  loading = null;
  directory.value = null;
}

export function personName(d: Directory | null, id: string | null | undefined): string {
  if (!id) return "the system";
  return d?.peopleById.get(id)?.person.displayName ?? "someone";
}

/** "@EmbassyParis" on X, the Page's name on Facebook. */
export function accountLabel(a: Pick<Account, "network" | "handle" | "displayName">): string {
  return a.network === "x" ? `@${a.handle}` : a.displayName;
}

/** Initials for an avatar placeholder: "Embassy in Paris" -> "EP". */
export function initials(name: string): string {
  const words = name
    .replace(/[@_]/g, " ")
    .split(/\s+/)
    .filter((w) => w && !["in", "of", "the", "to", "and", "de", "du", "la", "le"].includes(w.toLowerCase()));
  const letters = words.slice(0, 2).map((w) => [...w][0] ?? "");
  return letters.join("").toUpperCase() || "?";
}
