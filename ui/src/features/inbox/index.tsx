// The unified inbox: every X account's mentions and every Facebook Page's comments, posts and
// messages in one virtualised list (100k+ rows), with the group tree and unread counts on the
// left, search and filters above, the conversation on the right, and live batches from sync.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { TagCount, TriageChange_Deserialize } from "../../ipc/backend";
import { ErrorNote } from "../../lib/error-note";
import { useShortcuts } from "../../lib/keys";
import { afterPaint, mark, markOnce, MARK } from "../../lib/perf";
import { VirtualList } from "../../lib/virtual-list";
import { useBackend } from "../../state/backend";
import { onCoreEvents } from "../../state/events";
import { startReply } from "../../state/reply";
import { navigate } from "../../state/router";
import { session } from "../../state/session";
import { refreshDirectory, useDirectory } from "../accounts/directory";
import { useUnreadCounts } from "./counts";
import { EMPTY_FILTER, isFiltered, type FilterState } from "./filters";
import { GroupTree } from "./groups";
import { InboxModel } from "./model";
import { Picker } from "./picker";
import { InboxRow, startClock } from "./row";
import { ThreadPane } from "./thread";
import { FilterBar, SearchBox, ViewsMenu } from "./toolbar";

/** Height of one row, in pixels (fixed: keeps scrolling arithmetic exact and cheap). */
export const ROW_HEIGHT = 92;

type Picking = null | "assign" | "tag";

export function InboxScreen(_props: { draftId?: string | undefined }) {
  const backend = useBackend();
  const dir = useDirectory();
  const counts = useUnreadCounts();
  const me = session.value?.person.id ?? null;
  const [model] = useState(() => new InboxModel(backend, () => session.value?.person.id ?? null));
  const [picking, setPicking] = useState<Picking>(null);
  const [tags, setTags] = useState<TagCount[]>([]);
  const [notesVersion, setNotesVersion] = useState(0);
  const searchRef = useRef<HTMLInputElement | null>(null);
  const listBox = useRef<HTMLDivElement>(null);
  const activeIdRef = useRef<string | undefined>(undefined);

  useEffect(() => {
    startClock();
    void model.reload();
    backend.inboxTags().then(setTags, () => {});
    const off = onCoreEvents((events) => {
      for (const e of events) {
        switch (e.type) {
          case "items_arrived":
            model.itemsArrived(e.itemIds);
            break;
          case "items_triaged":
            model.triaged(e.itemIds, e.change);
            if (e.change.kind === "tag") backend.inboxTags().then(setTags, () => {});
            break;
          case "note_added":
            if (e.itemId === activeIdRef.current) setNotesVersion((v) => v + 1);
            break;
          case "lagged":
            void model.reload();
            break;
          case "account_connected":
          case "accounts_imported":
            void refreshDirectory(backend);
            break;
          default:
            break;
        }
      }
    });
    return () => {
      off();
      model.dispose();
    };
  }, [model]);

  const items = model.items.value;
  const activeIndex = model.activeIndex.value;
  const active = items[activeIndex];
  activeIdRef.current = active?.id;
  const selected = model.selected.value;
  const filter = model.filter.value;
  const phase = model.phase.value;

  // Mark each first page once it is painted, for the benchmarks (scripts/bench-ui). A layout
  // effect runs right after the DOM update, so the next frame is the one that paints it; the
  // rows' handlers are attached by then.
  useLayoutEffect(() => {
    if (phase !== "ready") return;
    afterPaint(() => {
      mark(MARK.pagePainted);
      markOnce(MARK.inboxInteractive);
    });
  }, [phase]);

  const setFilter = (f: FilterState) => model.setFilter(f);

  const triage = (change: TriageChange_Deserialize, done: string, ids = model.targets()) => {
    const single = model.selected.value.size === 0;
    void model.triage(ids, change, done);
    // Triage of the one item in view moves on to the next, as in a mail reader.
    if (single && change.kind === "set_status" && change.status === "done") model.move(1);
  };

  const reply = () => {
    const it = model.activeItem;
    if (!it) return;
    startReply({
      itemId: it.id,
      accountId: it.accountId,
      network: it.network,
      externalId: it.externalId,
      authorHandle: it.author.handle ?? it.author.displayName ?? null,
      text: it.text,
    });
  };

  const focusList = () => (listBox.current?.querySelector(".vlist") as HTMLElement | null)?.focus();

  const jumpToTop = () => {
    const el = listBox.current?.querySelector(".vlist") as HTMLElement | null;
    if (el) el.scrollTop = 0;
    model.activeIndex.value = 0;
    model.atTop();
  };

  useShortcuts(
    {
      j: () => model.move(1),
      k: () => model.move(-1),
      ArrowDown: () => model.move(1),
      ArrowUp: () => model.move(-1),
      e: () => triage({ kind: "set_status", status: "done" }, "Marked done"),
      o: () => triage({ kind: "set_status", status: "open" }, "Marked read"),
      u: () => triage({ kind: "set_status", status: "new" }, "Marked unread"),
      a: () => model.targets().length > 0 && setPicking("assign"),
      t: () => model.targets().length > 0 && setPicking("tag"),
      r: reply,
      x: () => activeIndex >= 0 && model.toggleSelected(activeIndex),
      X: () => model.toggleAllLoaded(),
      "/": () => searchRef.current?.focus(),
      Escape: (e) => {
        if (picking) {
          setPicking(null);
          focusList();
        } else if (document.activeElement === searchRef.current) {
          searchRef.current?.blur();
          focusList();
        } else if (model.selected.value.size > 0) model.clearSelection();
        void e;
      },
    },
    picking === null,
  );

  const people = (dir?.people ?? []).filter((p) => p.person.active);
  const targetCount = model.targets().length;

  return (
    <section class="inbox" aria-labelledby="inbox-title">
      <h2 id="inbox-title" class="visually-hidden">
        Inbox
      </h2>
      <GroupTree
        dir={dir}
        counts={counts}
        groupIds={filter.groupIds}
        accountIds={filter.accountIds}
        onAll={() => setFilter({ ...filter, groupIds: [], accountIds: [] })}
        onGroup={(id) => setFilter({ ...filter, groupIds: [id], accountIds: [] })}
        onAccount={(id) => setFilter({ ...filter, accountIds: [id], groupIds: [] })}
      />
      <div class="inbox-main">
        <div class="inbox-toolbar">
          <SearchBox value={filter.search} onChange={(search) => setFilter({ ...filter, search })} inputRef={searchRef} />
          <ViewsMenu filter={filter} me={me} onOpen={setFilter} />
        </div>
        <FilterBar filter={filter} dir={dir} me={me} tags={tags} onChange={setFilter} />
        <div class="bulk-bar" role="toolbar" aria-label="Actions on the selection">
          <label class="select-all">
            <input
              type="checkbox"
              id="select-all"
              checked={items.length > 0 && selected.size >= items.length}
              ref={(el) => {
                if (el) el.indeterminate = selected.size > 0 && selected.size < items.length;
              }}
              onChange={() => model.toggleAllLoaded()}
              disabled={items.length === 0}
            />
            {selected.size > 0 ? <span id="selection-count">{selected.size} selected</span> : <span class="muted">Select all loaded ({items.length.toLocaleString()})</span>}
          </label>
          {selected.size > 0 && (
            <>
              <button type="button" id="bulk-done" onClick={() => triage({ kind: "set_status", status: "done" }, "Marked done")}>
                Done
              </button>
              <button type="button" class="secondary" id="bulk-read" onClick={() => triage({ kind: "set_status", status: "open" }, "Marked read")}>
                Mark read
              </button>
              <button type="button" class="secondary" id="bulk-assign" onClick={() => setPicking("assign")}>
                Assign…
              </button>
              <button type="button" class="secondary" id="bulk-tag" onClick={() => setPicking("tag")}>
                Tag…
              </button>
              <button type="button" class="link" onClick={() => model.clearSelection()}>
                Clear selection
              </button>
            </>
          )}
          <span class="spacer" />
          {model.loadingMore.value && <span class="muted small">Loading more…</span>}
        </div>
        {picking && (
          <div class="picker-anchor">
            {picking === "assign" ? (
              <Picker
                id="assign-picker"
                label={`Assign ${targetCount === 1 ? "the item" : `${targetCount} items`} to`}
                placeholder="Type a name…"
                options={[
                  ...(me ? [{ value: me, label: "Me", hint: session.value?.person.displayName }] : []),
                  ...people.filter((p) => p.person.id !== me).map((p) => ({ value: p.person.id, label: p.person.displayName, hint: p.person.email })),
                  { value: "", label: "Nobody (unassign)" },
                ]}
                onPick={(v) => {
                  setPicking(null);
                  const name = v ? (v === me ? "you" : (dir?.personById.get(v)?.displayName ?? "them")) : "nobody";
                  triage({ kind: "assign", person_id: v || null }, `Assigned to ${name}`);
                  focusList();
                }}
                onClose={() => {
                  setPicking(null);
                  focusList();
                }}
              />
            ) : (
              <Picker
                id="tag-picker"
                label={`Tag ${targetCount === 1 ? "the item" : `${targetCount} items`}`}
                placeholder="Type a tag…"
                options={tags.map((t) => ({ value: t.tag, label: `#${t.tag}`, hint: `${t.count}` }))}
                allowNew={(text) => ({ value: text.replace(/^#/, ""), label: `Create #${text.replace(/^#/, "")}` })}
                onPick={(v) => {
                  setPicking(null);
                  triage({ kind: "tag", tag: v }, `Tagged #${v}`);
                  focusList();
                }}
                onClose={() => {
                  setPicking(null);
                  focusList();
                }}
              />
            )}
          </div>
        )}
        {model.actionError.value && <ErrorNote error={model.actionError.value} what="That did not work" />}
        <div class="inbox-list" ref={listBox} aria-busy={phase === "loading"}>
          {(model.newAbove.value > 0 || model.gap.value) && (
            <button type="button" class="new-pill" id="new-pill" onClick={jumpToTop}>
              ↑ {model.gap.value ? "Many new items: show the newest" : `${model.newAbove.value} new`}
            </button>
          )}
          {phase === "error" && model.loadError.value ? (
            <ErrorNote error={model.loadError.value} what="The inbox could not be read" onRetry={() => void model.reload()} />
          ) : phase === "loading" && items.length === 0 ? (
            <p class="muted empty-state" role="status">
              Loading the inbox…
            </p>
          ) : items.length === 0 ? (
            <EmptyInbox filtered={isFiltered(filter)} search={filter.search} onClear={() => setFilter(EMPTY_FILTER)} />
          ) : (
            <VirtualList
              items={items}
              rowHeight={ROW_HEIGHT}
              getKey={(it) => it.id}
              label={`Inbox, ${items.length.toLocaleString()} items loaded${model.hasMore.value ? ", more below" : ""}`}
              idPrefix="inbox-row"
              activeIndex={activeIndex}
              onActivate={(i, e) => model.activate(i, e)}
              onNearEnd={() => void model.loadMore()}
              onInsertedAbove={(n) => model.insertedAbove(n)}
              onAtTop={() => model.atTop()}
              renderRow={(it, i) => (
                <InboxRow
                  item={it}
                  index={i}
                  account={dir?.accountById.get(it.accountId)}
                  assignee={it.assigneeId ? dir?.personById.get(it.assigneeId) : undefined}
                  selected={selected.has(it.id)}
                  onToggle={(index, shift) => (shift ? model.activate(index, { shiftKey: true }) : model.toggleSelected(index))}
                />
              )}
            />
          )}
        </div>
        <p class="shortcut-hints muted small" aria-hidden="true">
          <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>x</kbd> select · <kbd>e</kbd> done · <kbd>a</kbd> assign · <kbd>t</kbd> tag · <kbd>r</kbd> reply · <kbd>/</kbd> search · <kbd>Esc</kbd> clear
        </p>
        <p class="visually-hidden" role="status" aria-live="polite">
          {model.notice.value}
        </p>
      </div>
      <ThreadPane
        item={active}
        dir={dir}
        notesVersion={notesVersion}
        actions={{
          reply,
          setStatus: (status) =>
            active && triage({ kind: "set_status", status }, status === "done" ? "Marked done" : status === "open" ? "Marked read" : "Marked unread", [active.id]),
          assign: () => active && setPicking("assign"),
          tag: () => active && setPicking("tag"),
          untag: (tag) => active && triage({ kind: "untag", tag }, `Removed #${tag}`, [active.id]),
        }}
      />
    </section>
  );
}

function EmptyInbox(props: { filtered: boolean; search: string; onClear: () => void }) {
  if (props.search.trim()) {
    return (
      <div class="empty-state" id="inbox-empty" data-reason="search">
        <h3>Nothing matches “<bdi>{props.search}</bdi>”</h3>
        <p class="muted">
          Try fewer words, a prefix such as <code>consul*</code>, or remove a filter. Every word must match; <code>"quotes"</code> match a phrase.
        </p>
        <button type="button" class="secondary" onClick={props.onClear}>
          Clear search and filters
        </button>
      </div>
    );
  }
  if (props.filtered) {
    return (
      <div class="empty-state" id="inbox-empty" data-reason="filters">
        <h3>No items match these filters</h3>
        <p class="muted">Remove a filter above, or choose “All accounts” on the left.</p>
        <button type="button" class="secondary" onClick={props.onClear}>
          Clear filters
        </button>
      </div>
    );
  }
  return (
    <div class="empty-state" id="inbox-empty" data-reason="empty">
      <h3>The inbox is empty so far</h3>
      <p class="muted">
        Chancery fills it as sync reads your accounts: mentions on X, comments, visitor posts and messages on Facebook. New items appear here by
        themselves. If it stays empty, see what sync is doing.
      </p>
      <button type="button" class="secondary" onClick={() => navigate("sync")}>
        Open the sync dashboard
      </button>
    </div>
  );
}
