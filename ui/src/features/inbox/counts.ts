// Unread and open counts per account and group, shared by the navigation badge and the inbox's
// group tree. Reloaded (at most once a second) when items arrive or are triaged anywhere.
import { signal, type Signal } from "@preact/signals";
import type { Backend, CoreEvent } from "../../ipc";
import type { UnreadCounts } from "../../ipc/backend";
import { onCoreEvents } from "../../state/events";
import { useBackend } from "../../state/backend";

export interface CountsView {
  raw: UnreadCounts;
  account: Map<string, { unread: number; open: number }>;
  group: Map<string, { unread: number; open: number }>;
  totalUnread: number;
}

const THROTTLE_MS = 1000;
const cache = new WeakMap<Backend, Signal<CountsView | null>>();

function view(raw: UnreadCounts): CountsView {
  return {
    raw,
    account: new Map(raw.accounts.map((a) => [a.accountId, { unread: a.unread, open: a.open }])),
    group: new Map(raw.groups.map((g) => [g.groupId, { unread: g.unread, open: g.open }])),
    totalUnread: raw.accounts.reduce((n, a) => n + a.unread, 0),
  };
}

const RELOAD_ON = new Set<CoreEvent["type"]>(["items_arrived", "items_triaged", "lagged", "accounts_imported", "account_connected"]);

export function countsSignal(backend: Backend): Signal<CountsView | null> {
  let s = cache.get(backend);
  if (s) return s;
  const sig = signal<CountsView | null>(null);
  s = sig;
  cache.set(backend, sig);
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const load = () => {
    last = Date.now();
    timer = null;
    backend.unreadCounts().then(
      (raw) => (sig.value = view(raw)),
      () => {
        // Counts are a convenience; the inbox shows errors itself.
      },
    );
  };
  const schedule = () => {
    if (timer) return;
    const wait = Math.max(0, last + THROTTLE_MS - Date.now());
    timer = setTimeout(load, wait);
  };
  onCoreEvents((events) => {
    if (events.some((e) => RELOAD_ON.has(e.type))) schedule();
  });
  load();
  return sig;
}

export function useUnreadCounts(): CountsView | null {
  return countsSignal(useBackend()).value;
}
