// Fake: the unified inbox. A few hundred multilingual items (Arabic, Chinese, English, French,
// German, Japanese, Spanish, Russian) over the fake accounts, with threads, notes, triage,
// keyset pages, full-text search with the core's syntax, saved views and tag counts.
import { AppError } from "../../ipc";
import type {
  BackendCommands,
  InboxFilter_Deserialize,
  InboxItem_Serialize,
  InboxView_Serialize,
  ItemKind,
  Network,
  Note,
  TriageChange_Deserialize,
  TriageStatus,
} from "../../ipc/backend";
import type { FakeContext } from "./context";
import { notFound } from "./context";
import { IDS, type FakeState } from "./state";
import type { FakeBackend } from "../fake-backend";

export type InboxCommands = Pick<
  BackendCommands,
  | "inboxPage"
  | "inboxItemsAmong"
  | "unreadCounts"
  | "itemThread"
  | "itemNotes"
  | "triageItems"
  | "addNote"
  | "inboxViews"
  | "saveInboxView"
  | "deleteInboxView"
  | "inboxTags"
>;

export interface FakeInbox {
  /** Newest first. */
  items: InboxItem_Serialize[];
  notes: Note[];
  /** Saved views per person. */
  views: Record<string, InboxView_Serialize[]>;
  /** How many items were generated so far (for unique ids). */
  serial: number;
}

/** Texts people send to embassies, per language: [text, hashtags, mentions-our-account]. */
const TEXTS: Record<string, [string, string[]][]> = {
  ar: [
    ["متى تفتح السفارة مواعيد التأشيرات هذا الأسبوع؟ #تأشيرة", ["تأشيرة"]],
    ["شكراً لكم على المساعدة السريعة في تجديد جواز السفر 🙏", []],
    ["هل هناك تحذير سفر جديد بعد أحداث اليوم؟ #سلامة", ["سلامة"]],
    ["أين يمكنني تسجيل ولادة طفلي في الخارج؟", []],
  ],
  zh: [
    ["请问大使馆下周的签证预约什么时候开放？ #签证", ["签证"]],
    ["感谢大使馆对留学生的帮助！", []],
    ["护照丢失了应该怎么办？急！", []],
    ["文化节的活动非常精彩，期待明年 #文化交流", ["文化交流"]],
  ],
  en: [
    ["Is the consulate open on Monday? I need an emergency passport. #visa", ["visa"]],
    ["Great speech by the ambassador at the climate summit today #COP31", ["COP31"]],
    ["Still waiting for a reply about my visa appointment, three weeks now.", []],
    ["Congratulations on the new trade agreement! #partnership", ["partnership"]],
  ],
  fr: [
    ["Bonjour, la section consulaire est-elle ouverte samedi ? #visa", ["visa"]],
    ["Merci pour l'accueil chaleureux lors des journées portes ouvertes #OpenDoors", ["OpenDoors"]],
  ],
  de: [["Wann bekommt man in Berlin einen Termin für den Reisepass?", []]],
  ja: [["大使館の文化イベントはとても素晴らしかったです！ #文化交流", ["文化交流"]]],
  es: [["¿Dónde puedo registrarme como ciudadano en el extranjero?", []]],
  ru: [["Подскажите, какие документы нужны для визы? #виза", ["виза"]]],
};

const AUTHORS: Record<string, [string, string][]> = {
  ar: [
    ["layla_haddad", "ليلى حداد"],
    ["omar.k", "عمر خليل"],
  ],
  zh: [
    ["wang_xm", "王小明"],
    ["li_na88", "李娜"],
  ],
  en: [
    ["janedoe", "Jane Doe"],
    ["travel_mike", "Mike Traveller"],
  ],
  fr: [["claire_m", "Claire Martin"]],
  de: [["jonas.b", "Jonas Becker"]],
  ja: [["sato_yuki", "佐藤由紀"]],
  es: [["lucia_g", "Lucía García"]],
  ru: [["ivan_p", "Иван Петров"]],
};

const LANG_WEIGHTS: [string, number][] = [
  ["en", 30],
  ["ar", 20],
  ["zh", 15],
  ["fr", 12],
  ["de", 6],
  ["ja", 6],
  ["es", 6],
  ["ru", 5],
];
const TAGS = ["visa", "consular", "press", "crisis", "thanks"];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickWeighted(r: () => number, weights: [string, number][]): string {
  const total = weights.reduce((a, [, w]) => a + w, 0);
  let x = r() * total;
  for (const [v, w] of weights) {
    x -= w;
    if (x < 0) return v;
  }
  return weights[0]![0];
}

function uuidFrom(n: number): string {
  const hex = n.toString(16).padStart(12, "0");
  return `00000000-0000-4000-8000-${hex}`;
}

function kindsFor(network: Network): ItemKind[] {
  return network === "x" ? ["x_mention", "x_mention", "x_reply"] : ["fb_comment", "fb_comment", "fb_visitor_post", "fb_message"];
}

/** Make `n` items, newest first, the newest `newestAgoMs` before now. */
export function generateItems(state: FakeState, inbox: FakeInbox, n: number, now: number, newestAgoMs = 60_000, seed = 7): InboxItem_Serialize[] {
  const r = rng(seed + inbox.serial);
  const out: InboxItem_Serialize[] = [];
  const spacing = (7 * 24 * 3600_000) / Math.max(n, 1);
  for (let i = 0; i < n; i++) {
    const serial = ++inbox.serial;
    const acc = state.accounts[Math.floor(r() * state.accounts.length)]!.account;
    const lang = pickWeighted(r, LANG_WEIGHTS);
    const texts = TEXTS[lang]!;
    const [text, hashtags] = texts[Math.floor(r() * texts.length)]!;
    const authors = AUTHORS[lang]!;
    const [handle, name] = authors[Math.floor(r() * authors.length)]!;
    const kinds = kindsFor(acc.network);
    const kind = kinds[Math.floor(r() * kinds.length)]!;
    const createdMs = now - newestAgoMs - Math.floor(i * spacing) - Math.floor(r() * 1000);
    const age = i / Math.max(n, 1);
    const status: TriageStatus = age < 0.35 ? (r() < 0.8 ? "new" : "open") : r() < 0.7 ? "done" : r() < 0.5 ? "open" : "new";
    const mention = acc.network === "x" && kind === "x_mention";
    const fullText = mention ? `@${acc.handle} ${text}` : text;
    const tags = r() < 0.25 ? [TAGS[Math.floor(r() * TAGS.length)]!] : [];
    const assignee = r() < 0.2 ? (r() < 0.5 ? IDS.officer : IDS.lead) : null;
    const conversation = `conv-${acc.id}-${Math.floor(serial / 3)}`;
    out.push({
      id: uuidFrom(serial),
      accountId: acc.id,
      network: acc.network,
      kind,
      externalId: `ext-${serial}`,
      author: {
        externalId: `user-${handle}`,
        handle: acc.network === "x" ? handle : null,
        displayName: name,
      },
      text: fullText,
      language: lang,
      createdAt: new Date(createdMs).toISOString(),
      editedAt: null,
      conversationId: conversation,
      inReplyTo: null,
      permalink: acc.network === "x" ? `https://x.com/${handle}/status/${serial}` : null,
      entities: { mentions: mention ? [acc.handle] : [], hashtags, urls: [] },
      deleted: false,
      status,
      assigneeId: assignee,
      tags,
    });
  }
  return out;
}

export function inboxOf(state: FakeState): FakeInbox {
  let inbox = state.extra.inbox as FakeInbox | undefined;
  if (!inbox) {
    inbox = { items: [], notes: [], views: {}, serial: 0 };
    inbox.items = generateItems(state, inbox, 240, Date.now());
    state.extra.inbox = inbox;
  }
  return inbox;
}

/** Replace the fake inbox with `n` generated items (e.g. 100k for the long-list tests). */
export function seedInbox(state: FakeState, n: number, now = Date.now()) {
  const inbox: FakeInbox = { items: [], notes: [], views: {}, serial: 0 };
  inbox.items = generateItems(state, inbox, n, now);
  state.extra.inbox = inbox;
  return inbox;
}

/** What sync would do: store `n` new items (newer than everything) and announce them. */
export function simulateArrival(backend: FakeBackend, n: number, accountId?: string): InboxItem_Serialize[] {
  const inbox = inboxOf(backend.state);
  const newest = inbox.items[0] ? Date.parse(inbox.items[0].createdAt) : Date.now() - 60_000;
  const fresh = generateItems(backend.state, inbox, n, Math.max(Date.now(), newest + n * 1000 + 5000), 1000, 99);
  // Newer than everything, a second apart (generateItems spreads them over a week).
  const base = Math.max(Date.now(), newest + 1000);
  fresh.forEach((it, i) => {
    it.createdAt = new Date(base + (fresh.length - 1 - i) * 1000).toISOString();
  });
  for (const it of fresh) {
    it.status = "new";
    it.assigneeId = null;
    if (accountId) {
      const acc = backend.state.accounts.find((a) => a.account.id === accountId)?.account;
      if (acc) {
        it.accountId = acc.id;
        it.network = acc.network;
        it.kind = acc.network === "x" ? "x_mention" : "fb_comment";
      }
    }
  }
  inbox.items = [...fresh, ...inbox.items];
  const byAccount = new Map<string, string[]>();
  for (const it of fresh) byAccount.set(it.accountId, [...(byAccount.get(it.accountId) ?? []), it.id]);
  backend.emit([...byAccount].map(([accountId, itemIds]) => ({ type: "items_arrived" as const, accountId, itemIds })));
  return fresh;
}

/** What sync does when it finds something old late (a comment on an older post): store one
 * new item dated between the items now at `index` and `index + 1`, and announce it. */
export function simulateLateArrival(backend: FakeBackend, index: number): InboxItem_Serialize {
  const inbox = inboxOf(backend.state);
  const [newer, older] = [inbox.items[index], inbox.items[index + 1]];
  if (!newer || !older) throw new Error(`no items at ${index} and ${index + 1}`);
  const [it] = generateItems(backend.state, inbox, 1, Date.parse(newer.createdAt), 1000, 98);
  if (!it) throw new Error("no item generated");
  const mid = (Date.parse(newer.createdAt) + Date.parse(older.createdAt)) / 2;
  Object.assign(it, { createdAt: new Date(mid).toISOString(), status: "new", assigneeId: null });
  inbox.items.splice(index + 1, 0, it);
  backend.emit([{ type: "items_arrived" as const, accountId: it.accountId, itemIds: [it.id] }]);
  return it;
}

// ----------------------------------------------------------------------------- filtering

/** Group ids of `groupId` and all its descendants. */
export function subtree(state: FakeState, groupId: string): Set<string> {
  const out = new Set<string>();
  const walk = (nodes: typeof state.groups, inside: boolean) => {
    for (const n of nodes) {
      const here = inside || n.group.id === groupId;
      if (here) out.add(n.group.id);
      walk(n.children as typeof state.groups, here);
    }
  };
  walk(state.groups, false);
  return out;
}

interface Query {
  words: string[];
  phrases: string[];
  prefixes: string[];
  excluded: string[];
  hashtags: string[];
  handles: string[];
}

/** The core's search syntax: words, "phrases", prefix*, -excluded, #hashtag, @handle. */
export function parseQuery(q: string): Query {
  const out: Query = { words: [], phrases: [], prefixes: [], excluded: [], hashtags: [], handles: [] };
  for (const m of q.matchAll(/"([^"]*)"|(\S+)/gu)) {
    if (m[1] !== undefined) {
      if (m[1].trim()) out.phrases.push(m[1].trim().toLowerCase());
      continue;
    }
    const t = (m[2] ?? "").toLowerCase();
    if (t.startsWith("-") && t.length > 1) out.excluded.push(t.slice(1));
    else if ((t.startsWith("#") || t.startsWith("＃")) && t.length > 1) out.hashtags.push(t.slice(1));
    else if (t.startsWith("@") && t.length > 1) out.handles.push(t.slice(1));
    else if (t.endsWith("*") && t.length > 1) out.prefixes.push(t.slice(0, -1));
    else out.words.push(t);
  }
  return out;
}

function matchesQuery(it: InboxItem_Serialize, q: Query): boolean {
  const text = `${it.text} ${it.author.displayName ?? ""} ${it.author.handle ?? ""}`.toLowerCase();
  const tokens = text.split(/[\s.,!?؟،:;()«»"'、。！？]+/u).filter(Boolean);
  if (!q.words.every((w) => text.includes(w))) return false;
  if (!q.phrases.every((p) => text.includes(p))) return false;
  if (!q.prefixes.every((p) => tokens.some((t) => t.startsWith(p) || t.startsWith(`#${p}`) || t.startsWith(`@${p}`)))) return false;
  if (q.excluded.some((w) => text.includes(w))) return false;
  const tags = it.entities.hashtags.map((h) => h.toLowerCase());
  if (!q.hashtags.every((h) => tags.includes(h) || text.includes(`#${h}`))) return false;
  const handles = [...it.entities.mentions, it.author.handle ?? ""].map((h) => h.toLowerCase());
  if (!q.handles.every((h) => handles.includes(h))) return false;
  return true;
}

export function matchesFilter(state: FakeState, it: InboxItem_Serialize, f: InboxFilter_Deserialize, me: string | null): boolean {
  if (!f.includeDeleted && it.deleted) return false;
  if (f.networks?.length && !f.networks.includes(it.network)) return false;
  if (f.accountIds?.length && !f.accountIds.includes(it.accountId)) return false;
  if (f.groupIds?.length) {
    const groups = new Set(f.groupIds.flatMap((g) => [...subtree(state, g)]));
    const acc = state.accounts.find((a) => a.account.id === it.accountId);
    if (!acc || !groups.has(acc.account.groupId)) return false;
  }
  if (f.kinds?.length && !f.kinds.includes(it.kind)) return false;
  if (f.statuses?.length && !f.statuses.includes(it.status)) return false;
  if (f.assignee) {
    if (f.assignee.kind === "unassigned" && it.assigneeId) return false;
    if (f.assignee.kind === "person" && it.assigneeId !== f.assignee.id) return false;
  }
  if (f.tags?.length && !f.tags.some((t) => it.tags.includes(t.toLowerCase()))) return false;
  if (f.languages?.length && !f.languages.includes(it.language ?? "")) return false;
  if (f.since && Date.parse(it.createdAt) < Date.parse(f.since)) return false;
  if (f.until && Date.parse(it.createdAt) >= Date.parse(f.until)) return false;
  if (f.search?.trim() && !matchesQuery(it, parseQuery(f.search))) return false;
  void me;
  return true;
}

function encodeCursor(it: InboxItem_Serialize): string {
  return `c1:${it.createdAt}|${it.id}`;
}

function after(it: InboxItem_Serialize, cursor: string): boolean {
  const m = /^c1:(.+)\|(.+)$/.exec(cursor);
  if (!m) throw new AppError("validation", "the page cursor is not valid; start from the first page");
  const [at, id] = [m[1] as string, m[2] as string];
  return it.createdAt < at || (it.createdAt === at && it.id < id);
}

function normaliseTag(t: string): string {
  const s = t.trim().replace(/^#/, "").normalize("NFC").toLowerCase();
  if (!s) throw new AppError("validation", "a tag cannot be empty");
  return s;
}

// ----------------------------------------------------------------------------- commands

export function inboxCommands(ctx: FakeContext): InboxCommands {
  const { state } = ctx;
  const find = (id: string) => inboxOf(state).items.find((it) => it.id === id);
  return {
    async inboxPage(filter, cursor, limit) {
      ctx.enter("inboxPage");
      const lim = Math.min(Math.max(limit, 1), 500);
      const out: InboxItem_Serialize[] = [];
      let more = false;
      for (const it of inboxOf(state).items) {
        if (cursor && !after(it, cursor)) continue;
        if (!matchesFilter(state, it, filter, state.signedIn)) continue;
        if (out.length === lim) {
          more = true;
          break;
        }
        out.push(structuredClone(it));
      }
      const last = out[out.length - 1];
      return { items: out, nextCursor: more && last ? encodeCursor(last) : null };
    },
    async inboxItemsAmong(filter, itemIds) {
      ctx.enter("inboxItemsAmong");
      const wanted = new Set(itemIds.slice(0, 500));
      return inboxOf(state)
        .items.filter((it) => wanted.has(it.id) && matchesFilter(state, it, filter, state.signedIn))
        .map((it) => structuredClone(it));
    },
    async unreadCounts() {
      ctx.enter("unreadCounts");
      const per = new Map<string, { unread: number; open: number }>();
      for (const a of state.accounts) per.set(a.account.id, { unread: 0, open: 0 });
      for (const it of inboxOf(state).items) {
        if (it.deleted) continue;
        const c = per.get(it.accountId);
        if (!c) continue;
        if (it.status === "new") c.unread++;
        if (it.status === "open") c.open++;
      }
      const groups: { groupId: string; unread: number; open: number }[] = [];
      const walk = (nodes: typeof state.groups) => {
        for (const n of nodes) {
          const ids = subtree(state, n.group.id);
          let unread = 0;
          let open = 0;
          for (const a of state.accounts) {
            if (!ids.has(a.account.groupId)) continue;
            const c = per.get(a.account.id);
            unread += c?.unread ?? 0;
            open += c?.open ?? 0;
          }
          groups.push({ groupId: n.group.id, unread, open });
          walk(n.children as typeof state.groups);
        }
      };
      walk(state.groups);
      return { accounts: [...per].map(([accountId, c]) => ({ accountId, ...c })), groups };
    },
    async itemThread(itemId) {
      ctx.enter("itemThread");
      const item = find(itemId);
      if (!item) throw notFound("that item");
      const acc = state.accounts.find((a) => a.account.id === item.accountId)?.account;
      const related = inboxOf(state)
        .items.filter((it) => it.conversationId === item.conversationId)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      const first = related[0] ?? item;
      const ours: InboxItem_Serialize = {
        ...structuredClone(first),
        id: `${first.id}-root`,
        externalId: `root-${first.externalId}`,
        author: { externalId: acc?.externalId ?? "us", handle: acc?.handle ?? null, displayName: acc?.displayName ?? null },
        text: "Our consular section is open Monday to Friday, 9:00–13:00. Appointments: see the link in our bio.",
        language: "en",
        createdAt: new Date(Date.parse(first.createdAt) - 3600_000).toISOString(),
        entities: { mentions: [], hashtags: [], urls: [] },
        tags: [],
        assigneeId: null,
        status: "done",
      };
      return {
        network: item.network,
        conversationId: item.conversationId,
        entries: [{ item: ours, isOurs: true }, ...related.map((it) => ({ item: structuredClone(it), isOurs: false }))],
      };
    },
    async itemNotes(itemId) {
      ctx.enter("itemNotes");
      if (!find(itemId)) throw notFound("that item");
      return inboxOf(state).notes.filter((n) => n.itemId === itemId);
    },
    async triageItems(itemIds, change: TriageChange_Deserialize) {
      ctx.enter("triageItems");
      const me = ctx.me();
      if (itemIds.length === 0) throw new AppError("validation", "choose at least one item");
      if (change.kind === "assign" && change.person_id) {
        const p = state.people.find((x) => x.person.id === change.person_id);
        if (!p) throw notFound("that person");
        if (!p.person.active) throw new AppError("validation", `${p.person.displayName} is deactivated`);
      }
      const tag = change.kind === "tag" || change.kind === "untag" ? normaliseTag(change.tag) : null;
      let changed = 0;
      const notFoundIds: string[] = [];
      for (const id of itemIds) {
        const it = find(id);
        if (!it) {
          notFoundIds.push(id);
          continue;
        }
        const before = JSON.stringify([it.status, it.assigneeId, it.tags]);
        if (change.kind === "set_status") it.status = change.status;
        else if (change.kind === "assign") it.assigneeId = change.person_id ?? null;
        else if (change.kind === "tag" && tag && !it.tags.includes(tag)) it.tags = [...it.tags, tag].sort();
        else if (change.kind === "untag" && tag) it.tags = it.tags.filter((t) => t !== tag);
        if (JSON.stringify([it.status, it.assigneeId, it.tags]) !== before) changed++;
      }
      if (changed > 0) ctx.emit([{ type: "items_triaged", itemIds, change, by: me }]);
      return { changed, notFound: notFoundIds };
    },
    async addNote(itemId, text) {
      ctx.enter("addNote");
      const me = ctx.me();
      if (!find(itemId)) throw notFound("that item");
      if (!text.trim()) throw new AppError("validation", "a note cannot be empty");
      const inbox = inboxOf(state);
      const note: Note = { id: `note-${inbox.notes.length + 1}`, itemId, authorId: me, text: text.trim(), createdAt: new Date().toISOString() };
      inbox.notes.push(note);
      ctx.emit([{ type: "note_added", itemId, by: me }]);
      return note;
    },
    async inboxViews() {
      ctx.enter("inboxViews");
      const me = ctx.me();
      return structuredClone(inboxOf(state).views[me] ?? []);
    },
    async saveInboxView(name, filter, sinceHours) {
      ctx.enter("saveInboxView");
      const me = ctx.me();
      const trimmed = name.trim();
      if (!trimmed) throw new AppError("validation", "give the view a name");
      if ([...trimmed].length > 80) throw new AppError("validation", "a view name is at most 80 characters");
      const inbox = inboxOf(state);
      const views = inbox.views[me] ?? [];
      const existing = views.find((v) => v.name.toLowerCase() === trimmed.toLowerCase());
      const view: InboxView_Serialize = {
        id: existing?.id ?? `view-${Object.values(inbox.views).flat().length + 1}`,
        name: trimmed,
        filter: {
          networks: filter.networks ?? [],
          accountIds: filter.accountIds ?? [],
          groupIds: filter.groupIds ?? [],
          kinds: filter.kinds ?? [],
          statuses: filter.statuses ?? [],
          assignee: filter.assignee ?? null,
          tags: filter.tags ?? [],
          languages: filter.languages ?? [],
          since: filter.since ?? null,
          until: filter.until ?? null,
          search: filter.search ?? null,
          includeDeleted: filter.includeDeleted ?? false,
        },
        sinceHours: sinceHours ?? null,
        updatedAt: new Date().toISOString(),
      };
      inbox.views[me] = [...views.filter((v) => v !== existing), view].sort((a, b) => a.name.localeCompare(b.name));
      return view;
    },
    async deleteInboxView(viewId) {
      ctx.enter("deleteInboxView");
      const me = ctx.me();
      const inbox = inboxOf(state);
      const views = inbox.views[me] ?? [];
      if (!views.some((v) => v.id === viewId)) throw notFound("that view");
      inbox.views[me] = views.filter((v) => v.id !== viewId);
      return null;
    },
    async inboxTags() {
      ctx.enter("inboxTags");
      const counts = new Map<string, number>();
      for (const it of inboxOf(state).items) if (!it.deleted) for (const t of it.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
      return [...counts].map(([tag, count]) => ({ tag, count })).sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
    },
  };
}
