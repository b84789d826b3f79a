// Fake: approvals. Lanes and steps as the core evaluates them (nearest group with a policy,
// else the workspace default of one approver at the top of the tree; one person counts once
// per lane; authors and editors are never eligible), and the state machine's rules the UI
// relies on: only the author submits or withdraws, nobody approves their own draft, approvals
// are bound to the content hash, a rejection needs a reason and a change request a comment.
import { AppError } from "../../ipc";
import type {
  ApprovalStatus_Serialize,
  BackendCommands,
  Decision_Serialize,
  DecisionKind,
  Draft_Serialize,
  LaneStatus_Serialize,
  LaneStep,
  OutboxEntry_Serialize,
  Role,
  StepStatus,
} from "../../ipc/backend";
import type { FakeContext } from "./context";
import {
  audit,
  contributors,
  governance,
  holds,
  lineage,
  newId,
  nowIso,
  record,
  summary,
  validate,
  type FakeDraftRecord,
  type FakePolicy,
} from "./drafts";
import { coveringPause } from "./outbox";
import type { FakeState } from "./state";

export type ApprovalCommands = Pick<
  BackendCommands,
  | "approvalQueue"
  | "approvalStatus"
  | "draftDecisions"
  | "draftHistory"
  | "submitDraft"
  | "resubmitDraft"
  | "withdrawDraft"
  | "approveDraft"
  | "rejectDraft"
  | "requestChanges"
>;

const WORKSPACE_DEFAULT: FakePolicy = { scope: "all", steps: [{ role: "approver", mode: "any" }] };

function groupName(state: FakeState, id: string): string {
  let name = id;
  const walk = (nodes: FakeState["groups"]) => {
    for (const n of nodes) {
      if (n.group.id === id) name = n.group.name;
      walk(n.children as FakeState["groups"]);
    }
  };
  walk(state.groups);
  return name;
}

function peopleWith(state: FakeState, role: Role, group: string): string[] {
  return state.people.filter((p) => holds(state, p.person.id, role, group)).map((p) => p.person.id).sort();
}

export function evaluateLanes(ctx: FakeContext, r: FakeDraftRecord, decisions: Decision_Serialize[], round: number): LaneStatus_Serialize[] {
  const { state } = ctx;
  const g = governance(ctx);
  const d = r.draft;
  const writers = contributors(r);
  const order: string[] = [];
  const accounts = new Map<string, string[]>();
  const defaults = new Set<string>();
  for (const t of d.targets) {
    const lin = lineage(state, t.groupId);
    const owner = lin.find((x) => g.policies.has(x));
    const lane = owner ?? lin[lin.length - 1] ?? t.groupId;
    if (!owner) defaults.add(lane);
    if (!accounts.has(lane)) order.push(lane);
    accounts.set(lane, [...(accounts.get(lane) ?? []), t.accountId]);
  }
  const approvals = decisions.filter((x) => x.kind === "approved" && x.round === round && x.contentHash === d.contentHash);
  return order.map((lane) => {
    const policy = g.policies.get(lane) ?? WORKSPACE_DEFAULT;
    const covers = policy.scope === "all" || (policy.scope === "posts" && d.kind === "post") || (policy.scope === "replies" && d.kind === "reply");
    const steps: StepStatus[] = (covers ? policy.steps : []).map((s, i) => {
      const eligible = peopleWith(state, s.role, lane).filter((p) => !writers.includes(p));
      const approvedBy = approvals
        .filter((a) => a.countedFor.some((c) => c.lane === lane && c.step === i))
        .map((a) => a.personId ?? "")
        .filter((p) => p);
      const complete = s.mode === "any" ? approvedBy.length > 0 : eligible.length > 0 && eligible.every((p) => approvedBy.includes(p));
      return { role: s.role, mode: s.mode, eligible, approvedBy, complete };
    });
    const current = steps.findIndex((s) => !s.complete);
    return {
      groupId: lane,
      groupName: groupName(state, lane),
      scope: policy.scope,
      accounts: accounts.get(lane) ?? [],
      steps,
      workspaceDefault: defaults.has(lane),
      currentStep: current < 0 ? null : current,
      complete: current < 0,
    };
  });
}

export function waitingOn(lanes: LaneStatus_Serialize[]): string[] {
  const out = new Set<string>();
  for (const l of lanes) {
    if (l.currentStep == null) continue;
    const step = l.steps[l.currentStep];
    const already = new Set(l.steps.flatMap((s) => s.approvedBy));
    for (const p of step?.eligible ?? []) if (!already.has(p)) out.add(p);
  }
  return [...out].sort();
}

function countsFor(lanes: LaneStatus_Serialize[], person: string): LaneStep[] {
  const out: LaneStep[] = [];
  for (const l of lanes) {
    if (l.currentStep == null || !l.groupId) continue;
    const already = l.steps.some((s) => s.approvedBy.includes(person));
    if (!already && l.steps[l.currentStep]?.eligible.includes(person)) out.push({ lane: l.groupId, step: l.currentStep });
  }
  return out;
}

function status(ctx: FakeContext, r: FakeDraftRecord): ApprovalStatus_Serialize {
  const lanes = evaluateLanes(ctx, r, r.decisions, r.draft.round);
  return {
    draftId: r.draft.id,
    state: r.draft.state,
    round: r.draft.round,
    contentHash: r.draft.contentHash,
    lanes,
    approved: lanes.every((l) => l.complete),
    waitingOn: waitingOn(lanes),
  };
}

function decide(ctx: FakeContext, r: FakeDraftRecord, person: string, kind: DecisionKind, note: string | null, countedFor: LaneStep[] = []): Decision_Serialize {
  const dec: Decision_Serialize = {
    id: newId(governance(ctx), "decision"),
    draftId: r.draft.id,
    round: r.draft.round,
    personId: person,
    kind,
    contentHash: r.draft.contentHash,
    note,
    countedFor,
    at: nowIso(),
  };
  r.decisions.push(dec);
  return dec;
}

function touch(r: FakeDraftRecord, patch: Partial<Draft_Serialize>) {
  r.draft = { ...r.draft, ...patch, rev: r.draft.rev + 1, updatedAt: nowIso() };
}

/** Every lane complete: queue one outbox entry per target (held where a pause covers it). */
function enqueue(ctx: FakeContext, r: FakeDraftRecord, by: string) {
  const g = governance(ctx);
  const at = nowIso();
  touch(r, { state: "approved", approvedHash: r.draft.contentHash });
  const entries: OutboxEntry_Serialize[] = r.draft.targets.map((t) => {
    const pause = coveringPause(ctx, t.accountId);
    return {
      id: newId(g, "outbox"),
      draftId: r.draft.id,
      draftVersion: r.draft.version,
      accountId: t.accountId,
      network: t.network,
      contentHash: r.draft.contentHash,
      sendAt: t.sendAt ?? at,
      state: pause ? "held" : "queued",
      attempts: 0,
      lastError: null,
      attemptStartedAt: null,
      externalPostId: null,
      sentAt: null,
      heldBy: pause?.id ?? null,
      holdReason: pause ? "pause" : null,
      scheduledAt: t.sendAt ?? at,
      createdAt: at,
      updatedAt: at,
    };
  });
  g.outbox.push(...entries);
  audit(ctx, by, "draft.approved", "draft", r.draft.id, r.draft.contentHash, { round: r.draft.round, outboxIds: entries.map((e) => e.id) });
  ctx.emit([
    { type: "draft_decided", draftId: r.draft.id, authorId: r.draft.authorId, by, approved: true, reason: null },
    ...entries.map((e) => ({ type: "outbox_changed" as const, outboxId: e.id, draftId: e.draftId, state: e.state })),
  ]);
}

export function approvalCommands(ctx: FakeContext): ApprovalCommands {
  const { state } = ctx;

  const submitLike = (draftId: string, kind: "submit" | "resubmit") => {
    const me = ctx.me();
    const r = record(ctx, draftId);
    const d = r.draft;
    if (me !== d.authorId) throw new AppError("forbidden", `only the draft's author can ${kind} it`);
    const ok = kind === "submit" ? d.state === "editing" : ["changes_requested", "rejected", "withdrawn", "expired"].includes(d.state);
    if (!ok) throw new AppError("conflict", `cannot ${kind} a draft that is ${d.state.replace("_", " ")}`);
    const blocking = validate(state, d.content)
      .problems.filter((p) => p.severity === "error")
      .map((p) => p.message);
    for (const t of d.targets)
      if (!["officer", "reviewer", "approver", "admin"].some((role) => holds(state, me, role as Role, t.groupId)))
        blocking.push(`@${t.handle}: the author has no role on this account's group`);
    if (blocking.length) throw new AppError("validation", `the draft cannot be submitted yet: ${blocking.join("; ")}`);
    touch(r, { state: "in_review", round: d.round + 1, stateNote: null });
    decide(ctx, r, me, kind === "submit" ? "submitted" : "resubmitted", null);
    audit(ctx, me, kind === "submit" ? "draft.submitted" : "draft.resubmitted", "draft", draftId, d.contentHash, { round: r.draft.round });
    const st = status(ctx, r);
    if (st.approved) enqueue(ctx, r, me);
    else ctx.emit([{ type: "approval_requested", draftId, authorId: d.authorId, to: st.waitingOn, excerpt: summary(r.draft).excerpt }]);
    return structuredClone(r.draft);
  };

  const reviewLike = (draftId: string, note: string, rejecting: boolean) => {
    const me = ctx.me();
    const r = record(ctx, draftId);
    if (!note.trim()) throw new AppError("validation", rejecting ? "a rejection needs a reason" : "a change request needs a comment saying what to change");
    if (contributors(r).includes(me)) throw new AppError("forbidden", "you wrote or edited this draft: withdraw or edit it instead");
    if (r.draft.state !== "in_review") throw new AppError("conflict", `cannot ${rejecting ? "reject" : "request changes to"} a draft that is ${r.draft.state.replace("_", " ")}`);
    const lanes = evaluateLanes(ctx, r, r.decisions, r.draft.round);
    if (!lanes.some((l) => !l.complete && l.steps.some((s) => s.eligible.includes(me))))
      throw new AppError("forbidden", "you cannot review this draft: it needs someone else");
    const reason = note.trim();
    touch(r, { state: rejecting ? "rejected" : "changes_requested", stateNote: reason });
    decide(ctx, r, me, rejecting ? "rejected" : "changes_requested", reason);
    audit(ctx, me, rejecting ? "draft.rejected" : "draft.changes_requested", "draft", draftId, r.draft.contentHash, { note: reason });
    ctx.emit([
      rejecting
        ? { type: "draft_decided", draftId, authorId: r.draft.authorId, by: me, approved: false, reason }
        : { type: "changes_requested", draftId, authorId: r.draft.authorId, by: me, comment: reason },
    ]);
    return structuredClone(r.draft);
  };

  return {
    async approvalQueue() {
      ctx.enter("approvalQueue");
      const me = ctx.me();
      const out = [];
      for (const r of governance(ctx).drafts.values()) {
        if (r.draft.state !== "in_review") continue;
        const st = status(ctx, r);
        if (st.waitingOn.includes(me)) out.push({ draft: summary(r.draft), authorName: state.people.find((p) => p.person.id === r.draft.authorId)?.person.displayName ?? "", status: st });
      }
      return out.sort((a, b) => a.draft.updatedAt.localeCompare(b.draft.updatedAt));
    },
    async approvalStatus(draftId) {
      ctx.enter("approvalStatus");
      return status(ctx, record(ctx, draftId));
    },
    async draftDecisions(draftId) {
      ctx.enter("draftDecisions");
      return structuredClone(record(ctx, draftId).decisions);
    },
    async draftHistory(draftId) {
      ctx.enter("draftHistory");
      record(ctx, draftId);
      return governance(ctx).audit.filter((a) => a.subjectKind === "draft" && a.subjectId === draftId);
    },
    async submitDraft(draftId) {
      ctx.enter("submitDraft");
      return submitLike(draftId, "submit");
    },
    async resubmitDraft(draftId) {
      ctx.enter("resubmitDraft");
      return submitLike(draftId, "resubmit");
    },
    async withdrawDraft(draftId) {
      ctx.enter("withdrawDraft");
      const me = ctx.me();
      const r = record(ctx, draftId);
      if (me !== r.draft.authorId) throw new AppError("forbidden", "only the draft's author can withdraw it");
      if (r.draft.state !== "in_review" && r.draft.state !== "approved")
        throw new AppError("conflict", "only a submitted draft can be withdrawn");
      const notify = waitingOn(evaluateLanes(ctx, r, r.decisions, r.draft.round));
      if (r.draft.state === "approved")
        for (const e of governance(ctx).outbox) if (e.draftId === draftId && (e.state === "queued" || e.state === "held")) e.state = "cancelled";
      touch(r, { state: "withdrawn" });
      decide(ctx, r, me, "withdrawn", null);
      audit(ctx, me, "draft.withdrawn", "draft", draftId, r.draft.contentHash, {});
      ctx.emit([{ type: "draft_withdrawn", draftId, authorId: r.draft.authorId, notify }]);
      return structuredClone(r.draft);
    },
    async approveDraft(draftId, contentHash) {
      ctx.enter("approveDraft");
      const me = ctx.me();
      const r = record(ctx, draftId);
      if (contributors(r).includes(me))
        throw new AppError("forbidden", "you cannot approve a draft you wrote or edited: someone else must approve it");
      if (r.draft.state !== "in_review")
        throw new AppError("conflict", `cannot approve a draft that is ${r.draft.state.replace("_", " ")}`);
      if (contentHash !== r.draft.contentHash)
        throw new AppError("conflict", "the draft changed since you opened it; review the new version before approving");
      const lanes = evaluateLanes(ctx, r, r.decisions, r.draft.round);
      const counts = countsFor(lanes, me);
      if (counts.length === 0) throw new AppError("forbidden", "you cannot approve this draft now: it waits for someone else");
      const before = waitingOn(lanes);
      decide(ctx, r, me, "approved", null, counts);
      audit(ctx, me, "draft.approval_recorded", "draft", draftId, r.draft.contentHash, { countedFor: counts });
      const st = status(ctx, r);
      if (st.approved) enqueue(ctx, r, me);
      else {
        touch(r, {});
        const newly = st.waitingOn.filter((p) => !before.includes(p));
        if (newly.length) ctx.emit([{ type: "approval_requested", draftId, authorId: r.draft.authorId, to: newly, excerpt: summary(r.draft).excerpt }]);
      }
      return structuredClone(r.draft);
    },
    async rejectDraft(draftId, reason) {
      ctx.enter("rejectDraft");
      return reviewLike(draftId, reason, true);
    },
    async requestChanges(draftId, comment) {
      ctx.enter("requestChanges");
      return reviewLike(draftId, comment, false);
    },
  };
}
