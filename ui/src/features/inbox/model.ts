// The inbox's state and behaviour, apart from how it is drawn (so it can be tested on its own):
// keyset pages as the reader scrolls, live batches from sync merged at the top, triage with
// optimistic updates (undone on error), selection, and the active item.
import { batch, signal } from "@preact/signals";
import { AppError, type Backend } from "../../ipc";
import type { InboxItem_Serialize, TriageChange_Deserialize, TriageOutcome } from "../../ipc/backend";
import { mark, markOnce, MARK } from "../../lib/perf";
import { EMPTY_FILTER, toInboxFilter, type FilterState } from "./filters";

export type InboxItem = InboxItem_Serialize;

/** Rows in the first page (drawn as soon as it arrives) and in each further page. */
export const FIRST_PAGE = 60;
export const NEXT_PAGE = 200;
/** Live batches are merged at most this often. */
export const MERGE_EVERY_MS = 800;
/** Pages read to find where new items meet the list before giving up and reloading. */
const MERGE_PAGES = 5;
/** Late arrivals (older than the top) looked up per merge; more wait for the next one. */
const LATE_MAX = 500;

export function applyChange(it: InboxItem, change: TriageChange_Deserialize): InboxItem {
  switch (change.kind) {
    case "set_status":
      return { ...it, status: change.status };
    case "assign":
      return { ...it, assigneeId: change.person_id ?? null };
    case "tag": {
      const tag = change.tag.trim().replace(/^#/, "").normalize("NFC").toLowerCase();
      return it.tags.includes(tag) ? it : { ...it, tags: [...it.tags, tag].sort() };
    }
    case "untag": {
      const tag = change.tag.trim().replace(/^#/, "").normalize("NFC").toLowerCase();
      return { ...it, tags: it.tags.filter((t) => t !== tag) };
    }
  }
}

export class InboxModel {
  readonly filter = signal<FilterState>(EMPTY_FILTER);
  readonly items = signal<InboxItem[]>([]);
  /** `loading`: the first page is on its way (the list may still show the previous one). */
  readonly phase = signal<"loading" | "ready" | "error">("loading");
  readonly loadError = signal<AppError | null>(null);
  readonly loadingMore = signal(false);
  readonly hasMore = signal(false);
  readonly activeIndex = signal(-1);
  readonly selected = signal<ReadonlySet<string>>(new Set());
  /** Items that arrived above the reader while scrolled down (the "N new" pill). */
  readonly newAbove = signal(0);
  /** More arrived than could be merged: the pill offers a reload. */
  readonly gap = signal(false);
  readonly actionError = signal<AppError | null>(null);
  /** A short message for the live region ("3 items marked done"). */
  readonly notice = signal("");
  private cursor: string | null = null;
  /** The ids of `knownFor` (the list as it was when they were collected). */
  private known = new Set<string>();
  private knownFor: readonly InboxItem[] | null = null;
  private generation = 0;
  private selectAnchor = -1;
  private mergeTimer: ReturnType<typeof setTimeout> | null = null;
  private lastMerge = 0;
  private merging: Promise<void> | null = null;
  /** Ids announced by sync since the last merge. */
  private arrived = new Set<string>();

  constructor(
    private readonly backend: Backend,
    private readonly me: () => string | null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  dispose() {
    this.generation++;
    if (this.mergeTimer) clearTimeout(this.mergeTimer);
  }

  get activeItem(): InboxItem | undefined {
    return this.items.value[this.activeIndex.value];
  }

  private query() {
    return toInboxFilter(this.filter.value, this.me(), this.now());
  }

  setFilter(next: FilterState) {
    this.filter.value = next;
    void this.reload();
  }

  /** Read the first page again (a new filter, or after a lag). */
  async reload(): Promise<void> {
    const gen = ++this.generation;
    this.phase.value = "loading";
    this.loadError.value = null;
    try {
      markOnce(MARK.firstPageRequested);
      mark(MARK.pageRequested);
      const page = await this.backend.inboxPage(this.query(), null, FIRST_PAGE);
      markOnce(MARK.firstPageReceived);
      if (gen !== this.generation) return;
      const activeId = this.activeItem?.id;
      batch(() => {
        this.items.value = page.items;
        this.cursor = page.nextCursor;
        this.hasMore.value = page.nextCursor !== null;
        this.phase.value = "ready";
        this.newAbove.value = 0;
        this.gap.value = false;
        const keep = activeId ? page.items.findIndex((it) => it.id === activeId) : -1;
        this.activeIndex.value = keep >= 0 ? keep : page.items.length > 0 ? 0 : -1;
        const ids = new Set(page.items.map((it) => it.id));
        this.selected.value = new Set([...this.selected.value].filter((id) => ids.has(id)));
      });
    } catch (e) {
      if (gen !== this.generation) return;
      batch(() => {
        this.phase.value = "error";
        this.loadError.value = AppError.from(e);
      });
    }
  }

  /** The ids in the list, collected again only when the list was replaced. */
  private knownIds(): Set<string> {
    const items = this.items.value;
    if (this.knownFor !== items) {
      this.known = new Set(items.map((it) => it.id));
      this.knownFor = items;
    }
    return this.known;
  }

  /** The next (older) page, when the reader nears the end. */
  async loadMore(): Promise<void> {
    if (this.loadingMore.value || !this.cursor || this.phase.value !== "ready") return;
    const gen = this.generation;
    const cursor = this.cursor;
    this.loadingMore.value = true;
    try {
      const page = await this.backend.inboxPage(this.query(), cursor, NEXT_PAGE);
      if (gen !== this.generation) return;
      // Deep in a long list (100k rows), copying every id into a new set for each page would
      // be O(rows) per page; the set is kept across pages instead.
      const known = this.knownIds();
      const fresh = page.items.filter((it) => !known.has(it.id));
      for (const it of fresh) known.add(it.id);
      const next = this.items.value.concat(fresh);
      this.knownFor = next;
      batch(() => {
        this.items.value = next;
        this.cursor = page.nextCursor;
        this.hasMore.value = page.nextCursor !== null;
      });
    } catch (e) {
      if (gen === this.generation) this.actionError.value = AppError.from(e);
    } finally {
      if (gen === this.generation) this.loadingMore.value = false;
    }
  }

  /** Sync stored new items somewhere: merge them in, in batches. */
  itemsArrived(ids: readonly string[] = []) {
    for (const id of ids) this.arrived.add(id);
    if (this.mergeTimer) return;
    const wait = Math.max(0, this.lastMerge + MERGE_EVERY_MS - Date.now());
    this.mergeTimer = setTimeout(() => {
      this.mergeTimer = null;
      void this.mergeNew();
    }, wait);
  }

  /** Read what is newer than the top of the list and put it on top. */
  async mergeNew(): Promise<void> {
    if (this.merging) return this.merging;
    this.merging = this.doMerge().finally(() => {
      this.merging = null;
    });
    return this.merging;
  }

  private async doMerge(): Promise<void> {
    this.lastMerge = Date.now();
    const arrived = this.arrived;
    this.arrived = new Set();
    if (this.phase.value !== "ready") return;
    const top = this.items.value[0];
    if (!top) return this.reload();
    const gen = this.generation;
    const known = new Set(this.items.value.slice(0, 2000).map((it) => it.id));
    const fresh: InboxItem[] = [];
    let cursor: string | null = null;
    let met = false;
    let late: InboxItem[] = [];
    try {
      for (let page = 0; page < MERGE_PAGES && !met; page++) {
        const p = await this.backend.inboxPage(this.query(), cursor, 100);
        if (gen !== this.generation) return;
        for (const it of p.items) {
          if (known.has(it.id) || it.createdAt < top.createdAt) {
            met = true;
            break;
          }
          fresh.push(it);
        }
        if (!p.nextCursor) met = true;
        cursor = p.nextCursor;
      }
      // Items sync stored late (older than the top: a comment found on an older post, a
      // backfill) belong inside the list, not on top: ask which of them match the filter.
      const all = this.knownIds();
      for (const it of fresh) arrived.delete(it.id);
      const unseen = [...arrived].filter((id) => !all.has(id));
      const rest = unseen.slice(0, LATE_MAX);
      if (unseen.length > LATE_MAX) {
        for (const id of unseen.slice(LATE_MAX)) this.arrived.add(id);
        this.itemsArrived();
      }
      if (met && rest.length > 0) {
        late = await this.backend.inboxItemsAmong(this.query(), rest);
        if (gen !== this.generation) return;
      }
    } catch {
      // A failed live merge is retried with the next batch; nothing to tell the reader yet.
      for (const id of arrived) this.arrived.add(id);
      return;
    }
    if (fresh.length === 0 && late.length === 0) return;
    batch(() => {
      if (fresh.length > 0) {
        this.items.value = [...fresh, ...this.items.value];
        if (this.activeIndex.value >= 0) this.activeIndex.value += fresh.length;
        if (this.selectAnchor >= 0) this.selectAnchor += fresh.length;
        if (!met) this.gap.value = true;
      }
      if (late.length > 0) this.insertLate(late);
    });
  }

  /** Put items into the list at their place in its order (newest first); ones older than
   * the last loaded row are left to the next page, which will bring them. */
  private insertLate(late: readonly InboxItem[]) {
    const list = this.items.value;
    const known = this.knownIds();
    const last = list[list.length - 1];
    const before = (a: InboxItem, b: InboxItem) =>
      a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id);
    const take = late
      .filter((it) => !known.has(it.id) && (!this.hasMore.value || !last || before(it, last)))
      .sort((a, b) => (before(a, b) ? -1 : 1));
    if (take.length === 0) return;
    const next: InboxItem[] = [];
    let i = 0;
    let shiftActive = 0;
    let shiftAnchor = 0;
    for (const it of take) {
      while (i < list.length && before(list[i] as InboxItem, it)) next.push(list[i++] as InboxItem);
      if (i <= this.activeIndex.value) shiftActive++;
      if (i <= this.selectAnchor) shiftAnchor++;
      next.push(it);
    }
    while (i < list.length) next.push(list[i++] as InboxItem);
    this.items.value = next;
    if (this.activeIndex.value >= 0) this.activeIndex.value += shiftActive;
    if (this.selectAnchor >= 0) this.selectAnchor += shiftAnchor;
  }

  /** The list reports rows inserted above the reader (it kept them in place). */
  insertedAbove(count: number) {
    this.newAbove.value += count;
  }

  atTop() {
    this.newAbove.value = 0;
    if (this.gap.value) void this.reload();
  }

  /** Someone (maybe us, in another window) changed items: show it. */
  triaged(ids: readonly string[], change: TriageChange_Deserialize) {
    const set = new Set(ids);
    let touched = false;
    const next = this.items.value.map((it) => {
      if (!set.has(it.id)) return it;
      touched = true;
      return applyChange(it, change);
    });
    if (!touched) return;
    // Same ids, new objects: the set of ids still holds.
    if (this.knownFor === this.items.value) this.knownFor = next;
    this.items.value = next;
  }

  /** The items an action applies to: the selection, else the active item. */
  targets(): string[] {
    if (this.selected.value.size > 0) return [...this.selected.value];
    const a = this.activeItem;
    return a ? [a.id] : [];
  }

  /** Apply a triage change now, and undo it if the core refuses. */
  async triage(ids: string[], change: TriageChange_Deserialize, done: string): Promise<TriageOutcome | null> {
    if (ids.length === 0) return null;
    const set = new Set(ids);
    const before = new Map(this.items.value.filter((it) => set.has(it.id)).map((it) => [it.id, it]));
    this.actionError.value = null;
    this.triaged(ids, change);
    try {
      const outcome = await this.backend.triageItems(ids, change);
      this.notice.value = `${done}: ${ids.length === 1 ? "1 item" : `${ids.length} items`}`;
      return outcome;
    } catch (e) {
      this.items.value = this.items.value.map((it) => before.get(it.id) ?? it);
      this.actionError.value = AppError.from(e);
      return null;
    }
  }

  // ------------------------------------------------------------------ moving and selecting

  move(delta: number) {
    const n = this.items.value.length;
    if (n === 0) return;
    const next = Math.min(n - 1, Math.max(0, (this.activeIndex.value < 0 ? -1 : this.activeIndex.value) + delta));
    this.activeIndex.value = next;
    if (next >= n - 20) void this.loadMore();
  }

  activate(index: number, e?: { shiftKey?: boolean; ctrlKey?: boolean; metaKey?: boolean }) {
    if (index < 0 || index >= this.items.value.length) return;
    if (e?.shiftKey && this.selectAnchor >= 0) {
      this.selectRange(this.selectAnchor, index);
    } else if (e?.ctrlKey || e?.metaKey) {
      this.toggleSelected(index);
    }
    this.activeIndex.value = index;
  }

  toggleSelected(index: number) {
    const it = this.items.value[index];
    if (!it) return;
    const next = new Set(this.selected.value);
    if (next.has(it.id)) next.delete(it.id);
    else next.add(it.id);
    this.selected.value = next;
    this.selectAnchor = index;
  }

  selectRange(from: number, to: number) {
    const [a, b] = from <= to ? [from, to] : [to, from];
    const next = new Set(this.selected.value);
    for (const it of this.items.value.slice(a, b + 1)) next.add(it.id);
    this.selected.value = next;
  }

  /** Select every loaded item (or clear, when all are selected). */
  toggleAllLoaded() {
    const all = this.items.value;
    this.selected.value = this.selected.value.size >= all.length && all.length > 0 ? new Set() : new Set(all.map((it) => it.id));
  }

  clearSelection() {
    this.selected.value = new Set();
    this.selectAnchor = -1;
  }
}
