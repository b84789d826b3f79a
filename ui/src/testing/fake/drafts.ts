// Fake: drafts (create, save with versions and `rev`, validation as you type, diffs, media),
// over a small governance world shared with ./approvals.ts and ./outbox.ts. It follows the
// core's rules where the UI relies on them: versions and optimistic concurrency, edits that
// void a submission, a weighted X count (CJK and emoji count 2; simpler than twitter-text, the
// UI renders whatever the report says), local times per account zone with daylight-saving
// gaps, lanes and steps, no self-approval, pauses that hold posts.
import { AppError } from "../../ipc";
import type {
  AccountListing,
  AuditEntry_Serialize,
  BackendCommands,
  Decision_Serialize,
  DiffSpan,
  DraftContent_Deserialize,
  DraftContent_Serialize,
  DraftKind,
  DraftState,
  DraftSummary,
  DraftVersion_Serialize,
  Draft_Serialize,
  FieldChange_Serialize,
  MediaAttachment_Serialize,
  Network,
  OutboxEntry_Serialize,
  Pause_Serialize,
  Problem_Serialize,
  ResolvedTarget_Serialize,
  Role,
  Schedule,
  StepMode,
  TargetRef,
  Utf16Span,
  ValidationReport_Serialize,
  XCount_Serialize,
} from "../../ipc/backend";
import type { FakeContext } from "./context";
import { notFound } from "./context";
import { tokenOf } from "./accounts";
import { IDS, type FakeState } from "./state";

export type DraftCommands = Pick<
  BackendCommands,
  | "validateDraft"
  | "createDraft"
  | "saveDraft"
  | "getDraft"
  | "myDrafts"
  | "draftVersions"
  | "diffDraftVersions"
  | "pickMedia"
  | "mediaThumbnail"
>;

// ---- the governance world ---------------------------------------------------------------------

export interface FakePolicy {
  scope: "none" | "posts" | "replies" | "all";
  steps: { role: Role; mode: StepMode }[];
}

export interface FakeDraftRecord {
  draft: Draft_Serialize;
  versions: DraftVersion_Serialize[];
  decisions: Decision_Serialize[];
}

export interface FakeGovernance {
  drafts: Map<string, FakeDraftRecord>;
  outbox: OutboxEntry_Serialize[];
  pauses: Pause_Serialize[];
  audit: AuditEntry_Serialize[];
  /** Policies by group id. Groups without one up their tree get the workspace default. */
  policies: Map<string, FakePolicy>;
  /** What the next `pickMedia` returns (`null`: the dialog was cancelled). */
  nextMedia: MediaAttachment_Serialize | null;
  /** Previews by SHA-256 (`mediaThumbnail`). */
  thumbnails: Map<string, string>;
  seq: number;
}

/** The shared world, created on first use: the Paris post needs a reviewer, then an approver. */
export function governance(ctx: FakeContext): FakeGovernance {
  const extra = ctx.state.extra as { governance?: FakeGovernance };
  extra.governance ??= {
    drafts: new Map(),
    outbox: [],
    pauses: [],
    audit: [],
    policies: new Map([
      [
        IDS.paris,
        {
          scope: "all",
          steps: [
            { role: "reviewer", mode: "any" },
            { role: "approver", mode: "any" },
          ],
        },
      ],
    ]),
    nextMedia: {
      path: "/home/olivia/Pictures/flag-day.png",
      sha256: "a1".repeat(32),
      mimeType: "image/png",
      sizeBytes: 245_000,
      altText: null,
    },
    thumbnails: new Map(),
    seq: 0,
  };
  return extra.governance;
}

export function newId(g: FakeGovernance, prefix: string): string {
  g.seq += 1;
  return `${prefix}-${String(g.seq).padStart(4, "0")}`;
}

export function nowIso(): string {
  return new Date().toISOString();
}

function hashString(s: string): string {
  // FNV-1a, twice with different seeds, as 64 hex characters (a stand-in for SHA-256).
  let out = "";
  for (const seed of [0x811c9dc5, 0x01000193, 0x2545f491, 0x9e3779b9, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f, 0x165667b1]) {
    let h = seed >>> 0;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, "0");
  }
  return out;
}

export function personName(state: FakeState, id: string | null): string {
  if (!id) return "system";
  return state.people.find((p) => p.person.id === id)?.person.displayName ?? id;
}

export function audit(
  ctx: FakeContext,
  actorId: string | null,
  action: string,
  subjectKind: string,
  subjectId: string,
  contentHash: string | null,
  details: Record<string, unknown>,
) {
  const g = governance(ctx);
  const prev = g.audit[g.audit.length - 1];
  const entry: AuditEntry_Serialize = {
    id: newId(g, "audit"),
    seq: g.audit.length + 1,
    at: nowIso(),
    actorId,
    actorName: personName(ctx.state, actorId),
    action,
    subjectKind,
    subjectId,
    contentHash,
    details: JSON.stringify(details),
    prevHash: prev?.entryHash ?? "0".repeat(64),
    entryHash: "",
  };
  entry.entryHash = hashString(JSON.stringify(entry));
  g.audit.push(entry);
}

// ---- groups and roles --------------------------------------------------------------------------

/** `group` and its ancestors, nearest first. */
export function lineage(state: FakeState, group: string): string[] {
  const parents = new Map<string, string | null>();
  const walk = (nodes: FakeState["groups"]) => {
    for (const n of nodes) {
      parents.set(n.group.id, n.group.parentId ?? null);
      walk(n.children as FakeState["groups"]);
    }
  };
  walk(state.groups);
  const out = [group];
  let cur = parents.get(group) ?? null;
  while (cur && out.length < 64) {
    out.push(cur);
    cur = parents.get(cur) ?? null;
  }
  return out;
}

export function holds(state: FakeState, person: string, role: Role, group: string): boolean {
  const lin = lineage(state, group);
  const p = state.people.find((x) => x.person.id === person);
  return !!p && p.person.active && p.roles.some((r) => r.role === role && lin.includes(r.groupId));
}

export function hasAnyRole(state: FakeState, person: string, group: string): boolean {
  return (["officer", "reviewer", "approver", "admin"] as Role[]).some((r) => holds(state, person, r, group));
}

export function accountsOfGroup(state: FakeState, group: string): AccountListing[] {
  return state.accounts.filter((a) => lineage(state, a.account.groupId).includes(group));
}

// ---- targets and schedules -----------------------------------------------------------------------

function resolveTargets(state: FakeState, targets: readonly TargetRef[]): { listings: AccountListing[]; missing: string[] } {
  const picked = new Map<string, AccountListing>();
  const missing: string[] = [];
  for (const t of targets) {
    if (t.kind === "account") {
      const a = state.accounts.find((x) => x.account.id === t.id);
      if (a) picked.set(a.account.id, a);
      else missing.push(`account ${t.id} is no longer in the registry`);
    } else {
      const list = accountsOfGroup(state, t.id);
      if (list.length === 0 && !lineageKnown(state, t.id)) missing.push(`group ${t.id} no longer exists`);
      for (const a of list) picked.set(a.account.id, a);
    }
  }
  const listings = [...picked.values()].sort((a, b) =>
    `${a.account.network}:${a.account.handle.toLowerCase()}`.localeCompare(`${b.account.network}:${b.account.handle.toLowerCase()}`),
  );
  return { listings, missing };
}

function lineageKnown(state: FakeState, group: string): boolean {
  let found = false;
  const walk = (nodes: FakeState["groups"]) => {
    for (const n of nodes) {
      if (n.group.id === group) found = true;
      walk(n.children as FakeState["groups"]);
    }
  };
  walk(state.groups);
  return found;
}

function offsetMs(tz: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"), get("second")) - utcMs;
}

/** A wall-clock time in a zone: the instant, or why there is none (a daylight-saving gap). */
export function resolveLocal(naive: string, tz: string): { instant?: string; note?: string; problem?: string } {
  const wall = Date.parse(`${naive.slice(0, 19)}Z`);
  if (Number.isNaN(wall)) return { problem: `${naive} is not a time` };
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
  } catch {
    return { problem: `"${tz}" is not a time zone Chancery knows (expected an IANA name such as Europe/Paris)` };
  }
  const hits = new Set<number>();
  for (const probe of [wall - 86_400_000, wall + 86_400_000, wall]) {
    const t = wall - offsetMs(tz, probe);
    if (t + offsetMs(tz, t) === wall) hits.add(t);
  }
  const sorted = [...hits].sort((a, b) => a - b);
  const hhmm = naive.slice(11, 16);
  if (sorted.length === 0) {
    return {
      problem: `${hhmm} on ${naive.slice(0, 10)} does not exist in ${tz}: the clocks go forward that night. Pick a later time, or an earlier one.`,
    };
  }
  const instant = new Date(sorted[0]!).toISOString();
  if (sorted.length > 1) {
    return { instant, note: `${hhmm} on ${naive.slice(0, 10)} happens twice in ${tz} (the clocks go back that night): the earlier one was chosen` };
  }
  return { instant };
}

export function applySchedule(schedule: Schedule, listings: AccountListing[]): ResolvedTarget_Serialize[] {
  return listings.map((l) => {
    const t: ResolvedTarget_Serialize = {
      accountId: l.account.id,
      network: l.account.network,
      handle: l.account.handle,
      groupId: l.account.groupId,
      timeZone: l.account.timeZone,
      sendAt: null,
      scheduleNote: null,
      scheduleProblem: null,
    };
    if (schedule.kind === "at") t.sendAt = schedule.instant;
    if (schedule.kind === "local_time") {
      const r = resolveLocal(schedule.local, l.account.timeZone);
      t.sendAt = r.instant ?? null;
      t.scheduleNote = r.note ?? null;
      t.scheduleProblem = r.problem ?? null;
    }
    return t;
  });
}

// ---- counting ----------------------------------------------------------------------------------

const X_MAX = 280;

function weight(cp: number): number {
  const wide =
    (cp >= 0x1100 && cp <= 0x11ff) ||
    (cp >= 0x2e80 && cp <= 0x9fff) ||
    (cp >= 0xac00 && cp <= 0xd7af) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xff00 && cp <= 0xffef) ||
    cp >= 0x1f000;
  return wide ? 2 : 1;
}

/** A simplified X count: 1 per character, 2 for CJK and emoji; the part over 280 marked. */
export function xCount(text: string): XCount_Serialize {
  if (!text) {
    return { weightedLength: 0, maxWeightedLength: X_MAX, permillage: 0, valid: false, displayRange: null, validRange: null, overLimit: null };
  }
  let weighted = 0;
  let unit = 0;
  let validEnd = -1;
  for (const ch of text) {
    const w = weight(ch.codePointAt(0) ?? 0);
    weighted += w;
    if (weighted <= X_MAX) validEnd = unit + ch.length - 1;
    unit += ch.length;
  }
  const display: Utf16Span = { start: 0, end: text.length - 1 };
  const overLimit = validEnd < text.length - 1 ? { start: validEnd + 1, end: text.length - 1 } : null;
  return {
    weightedLength: weighted,
    maxWeightedLength: X_MAX,
    permillage: Math.floor((weighted * 1000) / X_MAX),
    valid: weighted <= X_MAX && text.trim().length > 0,
    displayRange: display,
    validRange: { start: 0, end: Math.max(validEnd, 0) },
    overLimit,
  };
}

export function textFor(c: DraftContent_Deserialize, network: Network): string {
  return (network === "x" ? c.variants?.x : c.variants?.facebook) ?? c.text;
}

function label(l: AccountListing): string {
  return l.account.network === "x" ? `@${l.account.handle}` : `Facebook page ${l.account.displayName}`;
}

export function validate(state: FakeState, content: DraftContent_Deserialize, now = Date.now()): ValidationReport_Serialize {
  const { listings, missing } = resolveTargets(state, content.targets ?? []);
  const isReply = !!content.replyTo;
  const problems: Problem_Serialize[] = [];
  const has = (n: Network) => listings.some((l) => l.account.network === n);
  const none = listings.length === 0;
  const x = none || has("x") ? xCount(textFor(content, "x")) : null;
  const fbMax = isReply ? 8000 : 63206;
  const fbText = textFor(content, "facebook");
  const fbLen = fbText.length;
  const facebook =
    none || has("facebook")
      ? { length: fbLen, maxLength: fbMax, overLimit: fbLen > fbMax ? { start: fbMax, end: fbLen - 1 } : null }
      : null;
  const p = (severity: "error" | "warning", code: Problem_Serialize["code"], accountId: string | null, message: string, range: Utf16Span | null = null) =>
    problems.push({ severity, code, accountId, message, range });
  if ((content.targets ?? []).length === 0) p("error", "no_targets", null, "choose at least one account or group to post to");
  for (const m of missing) p("error", "target_missing", null, m);
  const resolved = applySchedule(content.schedule, listings);
  listings.forEach((l, i) => {
    const lbl = label(l);
    const token = tokenOf(state, l).status;
    if (token === "needs_reauth") p("error", "needs_reauth", l.account.id, `${lbl}: account needs re-authorisation before anything can be posted from it`);
    if (token === "disconnected") p("error", "not_connected", l.account.id, `${lbl}: account is not connected`);
    const text = textFor(content, l.account.network);
    if (!text.trim() && (content.media ?? []).length === 0) p("error", "text_empty", l.account.id, `${lbl}: the text is empty`);
    else if (l.account.network === "x" && x && x.weightedLength > X_MAX) p("error", "text_too_long", l.account.id, `${lbl}: ${x.weightedLength}/${X_MAX}`, x.overLimit);
    else if (l.account.network === "facebook" && facebook?.overLimit)
      p("error", "text_too_long", l.account.id, `${lbl}: ${fbLen}/${fbMax} characters`, facebook.overLimit);
    if (l.account.network === "x" && (content.media ?? []).length > 4) p("error", "too_many_images", l.account.id, `${lbl}: ${(content.media ?? []).length} images attached; at most 4 can go with this post`);
    const r = resolved[i]!;
    if (r.scheduleProblem) p("error", r.scheduleProblem.includes("time zone") ? "unknown_time_zone" : "local_time_does_not_exist", l.account.id, `${lbl}: ${r.scheduleProblem}`);
    if (r.scheduleNote) p("warning", "local_time_ambiguous", l.account.id, `${lbl}: ${r.scheduleNote}`);
    if (r.sendAt && Date.parse(r.sendAt) <= now) p("error", "schedule_in_past", l.account.id, `${lbl}: the scheduled time ${r.sendAt} has already passed`);
  });
  if (content.replyTo && !none) {
    const ok = listings.length === 1 && listings[0]!.account.id === content.replyTo.accountId;
    if (!ok) p("error", "reply_target_mismatch", null, "a reply goes out from the account the message arrived on, and only from it");
  }
  return { x, facebook, problems };
}

// ---- drafts --------------------------------------------------------------------------------------

export function normalize(c: DraftContent_Deserialize): DraftContent_Serialize {
  return {
    text: c.text,
    variants: { x: c.variants?.x ?? null, facebook: c.variants?.facebook ?? null },
    media: (c.media ?? []).map((m) => ({ ...m, altText: m.altText ?? null })),
    targets: c.targets ?? [],
    schedule: c.schedule,
    replyTo: c.replyTo ?? null,
  };
}

export function contentHash(content: DraftContent_Serialize, targets: ResolvedTarget_Serialize[]): string {
  return hashString(JSON.stringify({ content, targets }));
}

export function record(ctx: FakeContext, id: string): FakeDraftRecord {
  const r = governance(ctx).drafts.get(id);
  if (!r) throw notFound(`draft ${id}`);
  return r;
}

export function summary(d: Draft_Serialize): DraftSummary {
  const line = d.content.text.split("\n")[0] ?? "";
  return {
    id: d.id,
    kind: d.kind,
    authorId: d.authorId,
    state: d.state,
    version: d.version,
    excerpt: [...line].length > 80 ? `${[...line].slice(0, 80).join("")}…` : line,
    targetCount: d.targets.length,
    updatedAt: d.updatedAt,
  };
}

/** Everyone who wrote a version of the draft (never eligible to approve it). */
export function contributors(r: FakeDraftRecord): string[] {
  return [...new Set([r.draft.authorId, ...r.versions.map((v) => v.savedBy)])];
}

/** What saving does to the workflow: (state, approvals voided, cancel queued posts). */
function afterEdit(s: DraftState): [DraftState, boolean, boolean] {
  switch (s) {
    case "editing":
      return ["editing", false, false];
    case "in_review":
      return ["editing", true, false];
    case "approved":
      return ["editing", true, true];
    default:
      return [s, false, false];
  }
}

function diffWords(before: string, after: string): DiffSpan[] {
  const a = before.split(/(\s+)/).filter((t) => t !== "");
  const b = after.split(/(\s+)/).filter((t) => t !== "");
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffSpan[] = [];
  const push = (op: DiffSpan["op"], text: string) => {
    const last = out[out.length - 1];
    if (last && last.op === op) last.text += text;
    else out.push({ op, text });
  };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      push("same", a[i]!);
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) push("removed", a[i++]!);
    else push("added", b[j++]!);
  }
  while (i < n) push("removed", a[i++]!);
  while (j < m) push("added", b[j++]!);
  return out;
}

function describeTargets(v: DraftVersion_Serialize): string {
  return v.targets
    .map((t) => `${t.network}:@${t.handle}`)
    .sort()
    .join(", ");
}

export function diffVersions(a: DraftVersion_Serialize, b: DraftVersion_Serialize): FieldChange_Serialize[] {
  const changes: FieldChange_Serialize[] = [];
  const text = (field: string, x: string | null, y: string | null) => {
    if (x !== y) changes.push({ field, before: x, after: y, spans: diffWords(x ?? "", y ?? "") });
  };
  const plain = (field: string, x: string, y: string) => {
    if (x !== y) changes.push({ field, before: x, after: y, spans: [] });
  };
  text("text", a.content.text, b.content.text);
  text("variants.x", a.content.variants.x, b.content.variants.x);
  text("variants.facebook", a.content.variants.facebook, b.content.variants.facebook);
  plain("media", a.content.media.map((m) => m.path).join("; "), b.content.media.map((m) => m.path).join("; "));
  plain("targets", describeTargets(a), describeTargets(b));
  plain("schedule", JSON.stringify(a.content.schedule), JSON.stringify(b.content.schedule));
  return changes;
}

export function draftCommands(ctx: FakeContext): DraftCommands {
  const { state } = ctx;
  return {
    async validateDraft(content) {
      ctx.enter("validateDraft");
      return validate(state, content);
    },
    async createDraft(input) {
      ctx.enter("createDraft");
      const me = ctx.me();
      const g = governance(ctx);
      const content = normalize(input);
      if (content.replyTo && content.targets.length === 0) content.targets.push({ kind: "account", id: content.replyTo.accountId });
      const targets = applySchedule(content.schedule, resolveTargets(state, content.targets).listings);
      const hash = contentHash(content, targets);
      const at = nowIso();
      const kind: DraftKind = content.replyTo ? "reply" : "post";
      const draft: Draft_Serialize = {
        id: newId(g, "draft"),
        kind,
        authorId: me,
        state: "editing",
        version: 1,
        round: 0,
        content,
        targets,
        contentHash: hash,
        approvedHash: null,
        stateNote: null,
        createdAt: at,
        updatedAt: at,
        rev: 1,
      };
      g.drafts.set(draft.id, {
        draft,
        versions: [{ draftId: draft.id, version: 1, content, targets, contentHash: hash, savedBy: me, savedAt: at }],
        decisions: [],
      });
      audit(ctx, me, "draft.created", "draft", draft.id, hash, { version: 1, kind });
      return structuredClone(draft);
    },
    async saveDraft(draftId, expectedRev, input) {
      ctx.enter("saveDraft");
      const me = ctx.me();
      const r = record(ctx, draftId);
      const old = r.draft;
      if (expectedRev != null && expectedRev !== old.rev)
        throw new AppError("conflict", "the draft was changed meanwhile (in another window or by someone else); reload it and try again");
      const content = normalize(input);
      if ((content.replyTo ? "reply" : "post") !== old.kind)
        throw new AppError("validation", "a post cannot become a reply (or a reply a post): start a new draft");
      if (me !== old.authorId && !old.targets.every((t) => hasAnyRole(state, me, t.groupId)))
        throw new AppError("forbidden", "only the author, or someone with a role on every target account, may edit this draft");
      const targets = applySchedule(content.schedule, resolveTargets(state, content.targets).listings);
      const hash = contentHash(content, targets);
      if (hash === old.contentHash) return structuredClone(old);
      const [next, voided, cancel] = afterEdit(old.state);
      const at = nowIso();
      const draft: Draft_Serialize = {
        ...old,
        state: next,
        version: old.version + 1,
        content,
        targets,
        contentHash: hash,
        approvedHash: voided ? null : old.approvedHash,
        updatedAt: at,
        rev: old.rev + 1,
      };
      r.draft = draft;
      r.versions.push({ draftId, version: draft.version, content, targets, contentHash: hash, savedBy: me, savedAt: at });
      if (cancel) {
        for (const e of governance(ctx).outbox)
          if (e.draftId === draftId && (e.state === "queued" || e.state === "held")) {
            e.state = "cancelled";
            e.updatedAt = at;
          }
      }
      audit(ctx, me, "draft.edited", "draft", draftId, hash, { version: draft.version, state: next });
      if (voided) {
        audit(ctx, me, "draft.approvals_voided", "draft", draftId, old.contentHash, { round: old.round });
        ctx.emit([{ type: "approvals_voided", draftId, authorId: old.authorId, editedBy: me, notify: [] }]);
      }
      return structuredClone(draft);
    },
    async getDraft(draftId) {
      ctx.enter("getDraft");
      return structuredClone(record(ctx, draftId).draft);
    },
    async myDrafts() {
      ctx.enter("myDrafts");
      const me = ctx.me();
      return [...governance(ctx).drafts.values()]
        .map((r) => r.draft)
        .filter((d) => d.authorId === me)
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id))
        .map(summary);
    },
    async draftVersions(draftId) {
      ctx.enter("draftVersions");
      return structuredClone(record(ctx, draftId).versions);
    },
    async diffDraftVersions(draftId, from, to) {
      ctx.enter("diffDraftVersions");
      const r = record(ctx, draftId);
      const a = r.versions.find((v) => v.version === from);
      const b = r.versions.find((v) => v.version === to);
      if (!a) throw notFound(`version ${from} of draft ${draftId}`);
      if (!b) throw notFound(`version ${to} of draft ${draftId}`);
      return { draftId, from, to, changes: diffVersions(a, b) };
    },
    async pickMedia() {
      ctx.enter("pickMedia");
      const m = governance(ctx).nextMedia;
      return m ? structuredClone(m) : null;
    },
    async mediaThumbnail(_path, sha256) {
      ctx.enter("mediaThumbnail");
      return governance(ctx).thumbnails.get(sha256) ?? null;
    },
  };
}
