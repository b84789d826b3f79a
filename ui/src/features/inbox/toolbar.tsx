// Search, filters (combinable) and saved views above the inbox list.
import { useEffect, useRef, useState } from "preact/hooks";
import { AppError } from "../../ipc";
import type { InboxView_Serialize, Network, TagCount, TriageStatus } from "../../ipc/backend";
import { ErrorNote } from "../../lib/error-note";
import { useBackend } from "../../state/backend";
import { accountLabel, NETWORK_NAME, type Directory } from "../accounts/directory";
import {
  EMPTY_FILTER,
  fromView,
  isFiltered,
  languageName,
  LANGUAGES,
  SEARCH_HINTS,
  STATUS_LABEL,
  TIME_LABEL,
  toggle,
  toView,
  type FilterState,
  type TimeWindow,
} from "./filters";

export function SearchBox(props: { value: string; onChange: (v: string) => void; inputRef: { current: HTMLInputElement | null } }) {
  const [text, setText] = useState(props.value);
  const [focused, setFocused] = useState(false);
  // Search as the reader types, once they pause. The pending search is dropped as soon as the
  // search changes from elsewhere (Enter, "Clear search and filters", a saved view): a late
  // timer used to put a cleared search back.
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const cancel = () => {
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = null;
  };
  const seen = useRef(props.value);
  if (seen.current !== props.value) {
    seen.current = props.value;
    cancel();
  }
  useEffect(() => setText(props.value), [props.value]);
  useEffect(() => cancel, []);
  const onInput = (v: string) => {
    setText(v);
    cancel();
    timer.current = setTimeout(() => {
      timer.current = null;
      if (v !== seen.current) props.onChange(v);
    }, 250);
  };
  return (
    <div class="search" role="search">
      <label for="inbox-search" class="visually-hidden">
        Search the inbox
      </label>
      <input
        ref={props.inputRef}
        id="inbox-search"
        type="search"
        dir="auto"
        placeholder="Search (press /)"
        autocomplete="off"
        aria-describedby="search-hints"
        value={text}
        onInput={(e) => onInput((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            cancel();
            props.onChange(text);
          }
          if (e.key === "Escape") {
            (e.target as HTMLInputElement).blur();
          }
        }}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
      />
      {/* Shown while the box is focused and empty: once typing starts they would cover the filters. */}
      <div id="search-hints" class={focused && text === "" ? "search-hints open" : "search-hints"}>
        {SEARCH_HINTS.map(([ex, what]) => (
          <span key={ex}>
            <code dir="auto">{ex}</code> {what}
          </span>
        ))}
      </div>
    </div>
  );
}

function Toggle(props: { pressed: boolean; onClick: () => void; children: preact.ComponentChildren; id?: string }) {
  return (
    <button type="button" class="chip-toggle" aria-pressed={props.pressed} onClick={props.onClick} id={props.id}>
      {props.children}
    </button>
  );
}

export function FilterBar(props: {
  filter: FilterState;
  dir: Directory | null;
  me: string | null;
  tags: TagCount[];
  onChange: (f: FilterState) => void;
}) {
  const { filter: f, dir } = props;
  const set = (patch: Partial<FilterState>) => props.onChange({ ...f, ...patch });
  const people = dir?.people.filter((p) => p.person.active) ?? [];
  return (
    <div class="filter-bar" role="group" aria-label="Filters">
      <div class="filter-set" role="group" aria-label="Network">
        {(["x", "facebook"] as Network[]).map((n) => (
          <Toggle key={n} pressed={f.networks.includes(n)} onClick={() => set({ networks: toggle(f.networks, n) })} id={`filter-network-${n}`}>
            {NETWORK_NAME[n]}
          </Toggle>
        ))}
      </div>
      <div class="filter-set" role="group" aria-label="Status">
        {(["new", "open", "done"] as TriageStatus[]).map((s) => (
          <Toggle key={s} pressed={f.statuses.includes(s)} onClick={() => set({ statuses: toggle(f.statuses, s) })} id={`filter-status-${s}`}>
            {STATUS_LABEL[s]}
          </Toggle>
        ))}
      </div>
      <label class="filter-select">
        <span class="visually-hidden">Assignee</span>
        <select id="filter-assignee" value={f.assignee} onChange={(e) => set({ assignee: (e.target as HTMLSelectElement).value })}>
          <option value="any">Anyone's</option>
          <option value="me">Assigned to me</option>
          <option value="unassigned">Unassigned</option>
          {people
            .filter((p) => p.person.id !== props.me)
            .map((p) => (
              <option key={p.person.id} value={p.person.id}>
                {p.person.displayName}
              </option>
            ))}
        </select>
      </label>
      <label class="filter-select">
        <span class="visually-hidden">Language</span>
        <select
          id="filter-language"
          value={f.languages[0] ?? ""}
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            set({ languages: v ? [v] : [] });
          }}
        >
          <option value="">Any language</option>
          {LANGUAGES.map((l) => (
            <option key={l} value={l}>
              {languageName(l)} ({l})
            </option>
          ))}
        </select>
      </label>
      <label class="filter-select">
        <span class="visually-hidden">Tag</span>
        <select
          id="filter-tag"
          value={f.tags[0] ?? ""}
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            set({ tags: v ? [v] : [] });
          }}
        >
          <option value="">Any tag</option>
          {[...new Set([...f.tags, ...props.tags.map((t) => t.tag)])].map((t) => (
            <option key={t} value={t}>
              #{t}
              {props.tags.find((x) => x.tag === t) ? ` (${props.tags.find((x) => x.tag === t)?.count})` : ""}
            </option>
          ))}
        </select>
      </label>
      <label class="filter-select">
        <span class="visually-hidden">Time</span>
        <select id="filter-time" value={f.time} onChange={(e) => set({ time: (e.target as HTMLSelectElement).value as TimeWindow })}>
          {(Object.keys(TIME_LABEL) as TimeWindow[]).map((t) => (
            <option key={t} value={t}>
              {TIME_LABEL[t]}
            </option>
          ))}
        </select>
      </label>
      {(f.groupIds.length > 0 || f.accountIds.length > 0) && (
        <span class="filter-chips">
          {f.groupIds.map((g) => (
            <span class="chip" key={g}>
              <bdi>{dir?.groupById.get(g)?.name ?? "a group"}</bdi>
              <button type="button" class="link" aria-label={`Remove group filter ${dir?.groupById.get(g)?.name ?? ""}`} onClick={() => set({ groupIds: f.groupIds.filter((x) => x !== g) })}>
                ×
              </button>
            </span>
          ))}
          {f.accountIds.map((a) => {
            const acc = dir?.accountById.get(a);
            const label = acc ? accountLabel(acc.account) : "an account";
            return (
              <span class="chip" key={a}>
                <bdi>{label}</bdi>
                <button type="button" class="link" aria-label={`Remove account filter ${label}`} onClick={() => set({ accountIds: f.accountIds.filter((x) => x !== a) })}>
                  ×
                </button>
              </span>
            );
          })}
        </span>
      )}
      {isFiltered(f) && (
        <button type="button" class="link" id="filter-clear" onClick={() => props.onChange(EMPTY_FILTER)}>
          Clear filters
        </button>
      )}
    </div>
  );
}

export function ViewsMenu(props: { filter: FilterState; me: string | null; onOpen: (f: FilterState) => void }) {
  const backend = useBackend();
  const [views, setViews] = useState<InboxView_Serialize[]>([]);
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    backend.inboxViews().then(setViews, (e) => setError(AppError.from(e)));
  }, [backend]);
  useEffect(() => {
    if (naming) input.current?.focus();
  }, [naming]);

  async function save(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      const { filter, sinceHours } = toView(props.filter, props.me);
      const v = await backend.saveInboxView(name, filter, sinceHours);
      setViews((vs) => [...vs.filter((x) => x.id !== v.id), v].sort((a, b) => a.name.localeCompare(b.name)));
      setNaming(false);
      setName("");
    } catch (err) {
      setError(AppError.from(err));
    }
  }

  async function remove(id: string) {
    setError(null);
    try {
      await backend.deleteInboxView(id);
      setViews((vs) => vs.filter((v) => v.id !== id));
    } catch (err) {
      setError(AppError.from(err));
    }
  }

  return (
    <div class="views" role="group" aria-label="Saved views">
      {views.length > 0 && (
        <label>
          <span class="visually-hidden">Open a saved view</span>
          <select
            id="views-open"
            value=""
            onChange={(e) => {
              const v = views.find((x) => x.id === (e.target as HTMLSelectElement).value);
              if (v) props.onOpen(fromView(v, props.me));
              (e.target as HTMLSelectElement).value = "";
            }}
          >
            <option value="">Saved views ({views.length})</option>
            {views.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {naming ? (
        <form onSubmit={save} class="view-form">
          <label for="view-name" class="visually-hidden">
            Name of the view
          </label>
          <input
            ref={input}
            id="view-name"
            dir="auto"
            placeholder="Name this view"
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") setNaming(false);
            }}
          />
          <button type="submit" id="view-save" disabled={!name.trim()}>
            Save
          </button>
          <button type="button" class="link" onClick={() => setNaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <button type="button" class="secondary" id="view-new" onClick={() => setNaming(true)} disabled={!isFiltered(props.filter)} title={isFiltered(props.filter) ? "Save these filters as a view" : "Choose some filters first"}>
          Save view
        </button>
      )}
      {views.length > 0 && (
        <details class="views-manage">
          <summary>Manage</summary>
          <ul>
            {views.map((v) => (
              <li key={v.id}>
                <bdi>{v.name}</bdi>{" "}
                <button type="button" class="link" onClick={() => void remove(v.id)} aria-label={`Delete view ${v.name}`}>
                  Delete
                </button>
              </li>
            ))}
          </ul>
        </details>
      )}
      {error && <ErrorNote error={error} what="Saved views" />}
    </div>
  );
}
