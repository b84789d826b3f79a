// Fake: the outbox and crisis pauses, with the core's rules the UI relies on: a pause needs a
// reason and a future end (if any); it holds the queued posts it covers at once, and posts
// approved while it lasts are queued held; resuming reports what it held (back in the queue
// if their time is ahead, still held if it passed during the pause); a held post cannot be
// released while a pause covers it; only queued or held posts can be cancelled; resuming and
// releasing need the approver or admin role.
import { AppError } from "../../ipc";
import type {
  BackendCommands,
  HeldEntry_Serialize,
  OutboxEntry_Serialize,
  PauseScope,
  Pause_Serialize,
  Role,
} from "../../ipc/backend";
import type { FakeContext } from "./context";
import { notFound } from "./context";
import { audit, governance, holds, lineage, newId, nowIso } from "./drafts";
import type { FakeState } from "./state";

export type OutboxCommands = Pick<
  BackendCommands,
  "activePauses" | "startPause" | "resumePause" | "listOutbox" | "releaseHeld" | "cancelOutboxEntry"
>;

function topGroups(state: FakeState): string[] {
  return state.groups.map((g) => g.group.id);
}

function scopeGroups(state: FakeState, scope: PauseScope): string[] {
  switch (scope.kind) {
    case "all":
      return topGroups(state);
    case "group":
      return [scope.id];
    case "account": {
      const a = state.accounts.find((x) => x.account.id === scope.id);
      if (!a) throw notFound(`account ${scope.id}`);
      return [a.account.groupId];
    }
  }
}

function requireAuthority(ctx: FakeContext, scope: PauseScope, senior: boolean) {
  const me = ctx.me();
  const roles: Role[] = senior ? ["approver", "admin"] : ["officer", "reviewer", "approver", "admin"];
  const ok = scopeGroups(ctx.state, scope).every((g) => roles.some((r) => holds(ctx.state, me, r, g)));
  if (!ok)
    throw new AppError(
      "forbidden",
      `you need ${senior ? "the approver or admin" : "a"} role on ${scope.kind === "all" ? "every top-level group" : "the paused accounts' group"} to do this`,
    );
}

export function covers(state: FakeState, scope: PauseScope, accountId: string): boolean {
  switch (scope.kind) {
    case "all":
      return true;
    case "account":
      return scope.id === accountId;
    case "group": {
      const a = state.accounts.find((x) => x.account.id === accountId);
      return !!a && lineage(state, a.account.groupId).includes(scope.id);
    }
  }
}

function isActive(p: Pause_Serialize, now = Date.now()): boolean {
  return !p.endedAt && (!p.until || Date.parse(p.until) > now);
}

/** The pause in force over an account, if any. */
export function coveringPause(ctx: FakeContext, accountId: string): Pause_Serialize | undefined {
  return governance(ctx).pauses.find((p) => isActive(p) && covers(ctx.state, p.scope, accountId));
}

function entry(ctx: FakeContext, id: string): OutboxEntry_Serialize {
  const e = governance(ctx).outbox.find((x) => x.id === id);
  if (!e) throw notFound(`outbox entry ${id}`);
  return e;
}

export function outboxCommands(ctx: FakeContext): OutboxCommands {
  const { state } = ctx;
  return {
    async activePauses() {
      ctx.enter("activePauses");
      return structuredClone(governance(ctx).pauses.filter((p) => isActive(p)));
    },
    async startPause(scope, reason, until) {
      ctx.enter("startPause");
      const me = ctx.me();
      const why = reason.trim();
      if (!why) throw new AppError("validation", "a pause needs a reason (it is shown to everyone and kept in the audit trail)");
      if (until && Date.parse(until) <= Date.now()) throw new AppError("validation", "the pause's end time must be in the future");
      requireAuthority(ctx, scope, false);
      const g = governance(ctx);
      const pause: Pause_Serialize = {
        id: newId(g, "pause"),
        scope,
        reason: why,
        startedBy: me,
        startedAt: nowIso(),
        until: until ?? null,
        endedAt: null,
        endedBy: null,
      };
      g.pauses.push(pause);
      const held = g.outbox.filter((e) => e.state === "queued" && covers(state, scope, e.accountId));
      for (const e of held) {
        e.state = "held";
        e.heldBy = pause.id;
        e.holdReason = "pause";
        e.updatedAt = pause.startedAt;
      }
      audit(ctx, me, "pause.started", "pause", pause.id, null, { scope, reason: why, until });
      ctx.emit([{ type: "pause_started", pauseId: pause.id, scope, reason: why, by: me, held: held.length }]);
      return structuredClone(pause);
    },
    async resumePause(pauseId) {
      ctx.enter("resumePause");
      const me = ctx.me();
      const g = governance(ctx);
      const pause = g.pauses.find((p) => p.id === pauseId);
      if (!pause) throw notFound(`pause ${pauseId}`);
      if (pause.endedAt) throw new AppError("conflict", "this pause has already ended");
      requireAuthority(ctx, pause.scope, true);
      pause.endedAt = nowIso();
      pause.endedBy = me;
      const held: HeldEntry_Serialize[] = [];
      for (const e of g.outbox.filter((x) => x.state === "held" && x.heldBy === pauseId)) {
        const other = coveringPause(ctx, e.accountId);
        if (other) {
          e.heldBy = other.id;
          held.push({ entry: structuredClone(e), outcome: "still_paused" });
        } else if (Date.parse(e.scheduledAt) > Date.now()) {
          e.state = "queued";
          e.heldBy = null;
          e.holdReason = null;
          held.push({ entry: structuredClone(e), outcome: "requeued" });
        } else {
          e.heldBy = null;
          e.holdReason = "late";
          held.push({ entry: structuredClone(e), outcome: "still_held_past_time" });
        }
      }
      audit(ctx, me, "pause.ended", "pause", pauseId, null, { reason: pause.reason });
      const requeued = held.filter((h) => h.outcome === "requeued").length;
      ctx.emit([{ type: "pause_ended", pauseId, by: me, requeued, stillHeld: held.length - requeued }]);
      return { pause: structuredClone(pause), held };
    },
    async listOutbox() {
      ctx.enter("listOutbox");
      return structuredClone([...governance(ctx).outbox].sort((a, b) => b.sendAt.localeCompare(a.sendAt) || b.id.localeCompare(a.id)));
    },
    async releaseHeld(outboxId) {
      ctx.enter("releaseHeld");
      const e = entry(ctx, outboxId);
      const pause = coveringPause(ctx, e.accountId);
      if (pause) throw new AppError("paused", `a crisis pause still covers this account: ${pause.reason}`);
      requireAuthority(ctx, { kind: "account", id: e.accountId }, true);
      if (e.state !== "held") throw new AppError("conflict", `only a held post can be released (this one is ${e.state})`);
      e.state = "queued";
      e.holdReason = null;
      e.heldBy = null;
      e.scheduledAt = nowIso();
      e.updatedAt = e.scheduledAt;
      audit(ctx, ctx.me(), "outbox.released", "outbox", e.id, e.contentHash, {});
      ctx.emit([{ type: "outbox_changed", outboxId: e.id, draftId: e.draftId, state: e.state }]);
      return structuredClone(e);
    },
    async cancelOutboxEntry(outboxId) {
      ctx.enter("cancelOutboxEntry");
      const e = entry(ctx, outboxId);
      requireAuthority(ctx, { kind: "account", id: e.accountId }, false);
      if (e.state !== "queued" && e.state !== "held") throw new AppError("conflict", `only a queued or held post can be cancelled (this one is ${e.state})`);
      e.state = "cancelled";
      e.updatedAt = nowIso();
      audit(ctx, ctx.me(), "outbox.cancelled", "outbox", e.id, e.contentHash, {});
      ctx.emit([{ type: "outbox_changed", outboxId: e.id, draftId: e.draftId, state: e.state }]);
      return structuredClone(e);
    },
  };
}
