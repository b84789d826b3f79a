// Choosing the accounts a post goes to, by group: regions > posts > accounts, with a search,
// whole-group selection (tri-state checkboxes), select/clear all, the person's own posts and
// recently used sets one click away, network marks and counts everywhere.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { TargetRef } from "../../ipc/backend";
import type { Directory, GroupEntry } from "./directory";
import { NetworkIcon } from "./icons";
import { summarize, type RecentSet } from "./model";

export interface TargetPickerProps {
  dir: Directory;
  selected: ReadonlySet<string>;
  onChange: (ids: Set<string>) => void;
  /** Groups the signed-in person holds a role on (their posts first). */
  myGroups: GroupEntry[];
  recent: RecentSet[];
  onPickRecent: (targets: TargetRef[]) => void;
  /** Resolve a recent set to account ids (for its count). */
  resolve: (targets: TargetRef[]) => Set<string>;
  /** The accounts the person may draft for (a role on the account's group or above it); the
   * core refuses the others at submission, so they are shown but cannot be chosen. */
  allowed: ReadonlySet<string>;
}

function TriCheckbox(props: { checked: boolean; mixed: boolean; disabled?: boolean; label: string; onChange: (on: boolean) => void; id: string }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = props.mixed;
  }, [props.mixed]);
  return (
    <input
      ref={ref}
      id={props.id}
      type="checkbox"
      checked={props.checked}
      disabled={props.disabled}
      aria-label={props.label}
      aria-checked={props.mixed ? "mixed" : props.checked ? "true" : "false"}
      onChange={(e) => props.onChange((e.currentTarget as HTMLInputElement).checked)}
    />
  );
}

function NetworkCounts(props: { x: number; facebook: number }) {
  return (
    <span class="net-counts">
      {props.x > 0 && (
        <span title={`${props.x} on X`}>
          <NetworkIcon network="x" size={11} decorative />
          {props.x}
        </span>
      )}
      {props.facebook > 0 && (
        <span title={`${props.facebook} on Facebook`}>
          <NetworkIcon network="facebook" size={11} decorative />
          {props.facebook}
        </span>
      )}
      <span class="sr-only">
        {props.x} on X, {props.facebook} on Facebook
      </span>
    </span>
  );
}

export function TargetPicker(props: TargetPickerProps) {
  const { dir, selected } = props;
  const [query, setQuery] = useState("");
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set(props.myGroups.flatMap((g) => [g.group.id, ...ancestors(dir, g)])));

  const counts = useMemo(() => {
    const m = new Map<string, { x: number; facebook: number }>();
    for (const g of dir.groups) {
      let x = 0;
      let facebook = 0;
      for (const id of g.accountIds) {
        if (dir.accountsById.get(id)?.account.network === "x") x++;
        else facebook++;
      }
      m.set(g.group.id, { x, facebook });
    }
    return m;
  }, [dir]);

  const { allowed } = props;
  const mine = (ids: readonly string[]) => ids.filter((id) => allowed.has(id));
  // Choosing only ever adds accounts the person may draft for; clearing removes any.
  const setMany = (ids: readonly string[], on: boolean) => {
    const next = new Set(selected);
    for (const id of ids) {
      if (on && allowed.has(id)) next.add(id);
      else if (!on) next.delete(id);
    }
    props.onChange(next);
  };

  const q = query.trim().toLowerCase();
  const matches = useMemo(() => {
    if (!q) return null;
    const accounts = dir.accounts.filter(
      (a) =>
        a.account.handle.toLowerCase().includes(q) ||
        a.account.displayName.toLowerCase().includes(q) ||
        a.groupPath.some((p) => p.toLowerCase().includes(q)),
    );
    const groups = dir.groups.filter((g) => g.group.name.toLowerCase().includes(q) && g.accountIds.length > 0);
    return { accounts: accounts.slice(0, 200), groups: groups.slice(0, 30), more: Math.max(0, accounts.length - 200) };
  }, [q, dir]);

  const all = mine(dir.accounts.map((a) => a.account.id));
  const outside = dir.accounts.length - all.length;
  const total = summarize(selected, dir);

  const groupRow = (g: GroupEntry, showPath: boolean) => {
    const choosable = mine(g.accountIds);
    const chosen = g.accountIds.filter((id) => selected.has(id)).length;
    const c = counts.get(g.group.id) ?? { x: 0, facebook: 0 };
    const open = expanded.has(g.group.id);
    const hasChildren = g.children.length > 0 || g.accountIds.length > 0;
    return (
      <div class="tp-row tp-group" style={{ paddingInlineStart: `${showPath ? 4 : 4 + g.depth * 18}px` }} data-group={g.group.name}>
        {!showPath && hasChildren ? (
          <button
            type="button"
            class="tp-toggle"
            aria-expanded={open}
            aria-label={`${open ? "Collapse" : "Expand"} ${g.group.name}`}
            onClick={() => {
              const next = new Set(expanded);
              if (open) next.delete(g.group.id);
              else next.add(g.group.id);
              setExpanded(next);
            }}
          >
            {open ? "▾" : "▸"}
          </button>
        ) : (
          <span class="tp-toggle-space" />
        )}
        <TriCheckbox
          id={`tp-group-${g.group.id}`}
          checked={chosen > 0 && chosen >= choosable.length}
          mixed={chosen > 0 && chosen < choosable.length}
          disabled={choosable.length === 0 && chosen === 0}
          label={
            choosable.length === g.accountIds.length
              ? `All of ${g.group.name} (${g.accountIds.length} accounts)`
              : `All of ${g.group.name} you may post to (${choosable.length} of ${g.accountIds.length} accounts)`
          }
          onChange={(on) => setMany(g.accountIds, on)}
        />
        <label for={`tp-group-${g.group.id}`} class="tp-name">
          {showPath ? g.path.join(" › ") : g.group.name}
        </label>
        <span class="tp-count muted">
          {chosen > 0 ? `${chosen}/${g.accountIds.length}` : g.accountIds.length}
        </span>
        <NetworkCounts x={c.x} facebook={c.facebook} />
      </div>
    );
  };

  const accountRow = (id: string, depth: number, showPath: boolean) => {
    const l = dir.accountsById.get(id);
    if (!l) return null;
    const a = l.account;
    const status = a.token?.status ?? "connected";
    const mayPost = allowed.has(id);
    return (
      <div
        class={mayPost ? "tp-row tp-account" : "tp-row tp-account tp-not-mine"}
        style={{ paddingInlineStart: `${4 + depth * 18}px` }}
        data-account={a.handle}
      >
        <span class="tp-toggle-space" />
        <input
          id={`tp-acc-${id}`}
          type="checkbox"
          checked={selected.has(id)}
          disabled={!mayPost && !selected.has(id)}
          aria-describedby={mayPost ? undefined : `tp-norole-${id}`}
          onChange={(e) => setMany([id], (e.currentTarget as HTMLInputElement).checked)}
        />
        <label for={`tp-acc-${id}`} class="tp-name">
          <NetworkIcon network={a.network} size={12} />
          <span class="tp-handle">{a.network === "x" ? `@${a.handle}` : a.displayName}</span>
          {a.network === "x" && (
            <bdi class="muted tp-display" dir="auto">
              {a.displayName}
            </bdi>
          )}
          {showPath && <span class="muted small"> · {l.groupPath.join(" › ")}</span>}
        </label>
        <span class="muted small tp-zone">{a.timeZone.split("/").pop()?.replaceAll("_", " ")}</span>
        {!mayPost && (
          <span class="chip small tp-norole" id={`tp-norole-${id}`} title="You hold no role on this account's group: ask an admin to add you to it">
            not your group
          </span>
        )}
        {status !== "connected" && (
          <span class="chip warn small" title={a.token?.lastError ?? undefined}>
            {status === "needs_reauth" ? "needs re-authorisation" : "not connected"}
          </span>
        )}
      </div>
    );
  };

  const tree: preact.JSX.Element[] = [];
  const walk = (g: GroupEntry) => {
    if (g.accountIds.length === 0) return;
    tree.push(<li key={g.group.id}>{groupRow(g, false)}</li>);
    if (!expanded.has(g.group.id)) return;
    for (const childId of g.children) {
      const child = dir.groupsById.get(childId);
      if (child) walk(child);
    }
    for (const l of dir.accounts) {
      if (l.account.groupId === g.group.id) tree.push(<li key={l.account.id}>{accountRow(l.account.id, g.depth + 1, false)}</li>);
    }
  };
  if (!matches) for (const g of dir.groups) if (g.depth === 0) walk(g);

  return (
    <div class="target-picker">
      <div class="tp-tools">
        <input
          type="search"
          id="tp-search"
          placeholder="Find an account, post or region"
          aria-label="Find accounts"
          value={query}
          onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)}
        />
        <button type="button" class="secondary" id="tp-all" onClick={() => setMany(all, true)} disabled={all.length === 0}>
          {outside > 0 ? `Select all mine (${all.length})` : `Select all (${all.length})`}
        </button>
        <button type="button" class="secondary" id="tp-none" onClick={() => props.onChange(new Set())} disabled={selected.size === 0}>
          Clear
        </button>
      </div>
      {(props.myGroups.length > 0 || props.recent.length > 0) && (
        <div class="tp-quick" role="group" aria-label="Quick choices">
          {props.myGroups.map((g) => {
            const on = g.accountIds.length > 0 && g.accountIds.every((id) => selected.has(id));
            return (
              <button
                type="button"
                key={g.group.id}
                class={on ? "chip-button on" : "chip-button"}
                aria-pressed={on}
                data-quick-group={g.group.name}
                onClick={() => setMany(g.accountIds, !on)}
                title="Your post: every account in it"
              >
                {g.group.name} <span class="muted">{g.accountIds.length}</span>
              </button>
            );
          })}
          {props.recent.map((s, i) => (
            <button
              type="button"
              key={`r${i}`}
              class="chip-button recent"
              onClick={() => props.onPickRecent(s.targets)}
              title="A set you used recently"
            >
              <span aria-hidden="true">↺</span> {s.label} <span class="muted">{props.resolve(s.targets).size}</span>
            </button>
          ))}
        </div>
      )}
      <p class="tp-summary" id="tp-summary" aria-live="polite">
        {total.total === 0 ? (
          "No accounts chosen yet."
        ) : (
          <>
            <strong>
              {total.total} account{total.total === 1 ? "" : "s"}
            </strong>{" "}
            chosen: <NetworkIcon network="x" size={11} /> {total.x} · <NetworkIcon network="facebook" size={11} /> {total.facebook}
            {total.zones.length > 1 ? ` · ${total.zones.length} time zones` : total.zones[0] ? ` · ${total.zones[0]}` : ""}
          </>
        )}
      </p>
      {outside > 0 && (
        <p class="muted small tp-scope" id="tp-scope">
          {all.length === 0
            ? "You hold no role on any account's group, so you cannot post yet: ask an admin to add you to a post or region."
            : `You may post to the ${all.length} accounts of your groups; the other ${outside} are shown greyed out.`}
        </p>
      )}
      <div class="tp-list">
        {matches ? (
          <ul aria-label="Matching groups and accounts">
            {matches.groups.map((g) => (
              <li key={`g${g.group.id}`}>{groupRow(g, true)}</li>
            ))}
            {matches.accounts.map((l) => (
              <li key={l.account.id}>{accountRow(l.account.id, 0, true)}</li>
            ))}
            {matches.groups.length + matches.accounts.length === 0 && <li class="muted tp-empty">Nothing matches “{query}”.</li>}
            {matches.more > 0 && <li class="muted tp-empty">and {matches.more} more: refine the search</li>}
          </ul>
        ) : (
          <ul aria-label="Groups and accounts">{tree}</ul>
        )}
      </div>
    </div>
  );
}

function ancestors(dir: Directory, g: GroupEntry): string[] {
  const out: string[] = [];
  let cur = g.group.parentId ?? null;
  for (let i = 0; cur && i < 64; i++) {
    out.push(cur);
    cur = dir.groupsById.get(cur)?.group.parentId ?? null;
  }
  return out;
}
