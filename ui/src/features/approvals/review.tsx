// A draft's review page: the content exactly as it will go out on each network, what changed
// since the last version the reviewers saw, where its approval stands (lanes, steps, who it
// waits for), and the actions: approve the hash on screen, request changes with a comment,
// reject with a reason. Authors see the same page without the approval actions.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { AppError } from "../../ipc";
import type {
  ApprovalStatus,
  AuditEntry,
  Decision,
  Draft,
  DraftVersion,
  LaneStatus,
  VersionDiff,
} from "../../ipc/backend";
import { Dialog } from "../../lib/dialog";
import { ErrorNotice } from "../../lib/error-notice";
import { formatDateTime, formatInZone, formatRelative } from "../../lib/format";
import { useShortcuts } from "../../lib/keys";
import { RichText } from "../../lib/rich-text";
import { useBackend } from "../../state/backend";
import { onCoreEvents } from "../../state/events";
import { session } from "../../state/session";
import { accountLabel, directory, loadDirectory, personName, type Directory } from "../compose/directory";
import { NetworkIcon } from "../compose/icons";
import { stateLabel, textFor } from "../compose/model";
import { PreviewPanel, type PreviewReply } from "../compose/preview";
import { History } from "./history";
import { refreshQueue } from "./queue";
import { WordDiff } from "./word-diff";

interface Loaded {
  draft: Draft;
  status: ApprovalStatus;
  versions: DraftVersion[];
  decisions: Decision[];
  audit: AuditEntry[];
}

const RELOAD_ON = new Set(["draft_decided", "changes_requested", "draft_withdrawn", "approvals_voided", "draft_expired", "approval_requested", "lagged"]);

export function ReviewPage(props: { draftId: string }) {
  const backend = useBackend();
  const me = session.value?.person.id ?? "";
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [tick, setTick] = useState(0);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<AppError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [dialog, setDialog] = useState<"reject" | "changes" | null>(null);
  const [replyContext, setReplyContext] = useState<PreviewReply | null>(null);
  const [changedUnderneath, setChangedUnderneath] = useState(false);
  const lastHash = useRef<string | null>(null);

  useEffect(() => {
    void loadDirectory(backend).catch(() => {});
  }, [backend]);
  const dir = directory.value;

  useEffect(() => {
    let live = true;
    Promise.all([
      backend.getDraft(props.draftId),
      backend.approvalStatus(props.draftId),
      backend.draftVersions(props.draftId),
      backend.draftDecisions(props.draftId),
      backend.draftHistory(props.draftId),
    ]).then(
      ([draft, status, versions, decisions, audit]) => {
        if (!live) return;
        if (lastHash.current && lastHash.current !== draft.contentHash) setChangedUnderneath(true);
        lastHash.current = draft.contentHash;
        setData({ draft, status, versions, decisions, audit });
        setError(null);
      },
      (e) => live && setError(AppError.from(e)),
    );
    return () => {
      live = false;
    };
  }, [backend, props.draftId, tick]);

  useEffect(
    () =>
      onCoreEvents((events) => {
        if (events.some((e) => RELOAD_ON.has(e.type) && "draftId" in e && e.draftId === props.draftId)) setTick((t) => t + 1);
      }),
    [props.draftId],
  );

  useEffect(() => {
    const r = data?.draft.content.replyTo;
    if (!r) return;
    backend.itemThread(r.itemId).then(
      (t) => {
        const item = t.entries.find((e) => e.item.id === r.itemId)?.item;
        if (item) setReplyContext({ authorHandle: item.author.handle ?? item.author.displayName ?? null, text: item.text });
      },
      () => {},
    );
  }, [data?.draft.content.replyTo?.itemId]);

  const draft = data?.draft;
  const status = data?.status;
  const wrote = !!data && (data.draft.authorId === me || data.versions.some((v) => v.savedBy === me));
  const canAct = !!status && !!draft && draft.state === "in_review" && !wrote && status.waitingOn.includes(me);

  async function act(what: "approve" | "reject" | "changes", note?: string) {
    if (!draft) return;
    setBusy(true);
    setActionError(null);
    setDone(null);
    try {
      let after: Draft;
      if (what === "approve") after = await backend.approveDraft(draft.id, draft.contentHash);
      else if (what === "reject") after = await backend.rejectDraft(draft.id, note ?? "");
      else after = await backend.requestChanges(draft.id, note ?? "");
      setDialog(null);
      setDone(
        what === "approve"
          ? after.state === "approved"
            ? "Approved. Every step is complete: it is queued in the outbox."
            : "Your approval is recorded. It now goes to the next step."
          : what === "reject"
            ? "Rejected. The author has been told why."
            : "Changes requested. The author has been told what to change.",
      );
      setTick((t) => t + 1);
      void refreshQueue(backend).catch(() => {});
    } catch (e) {
      setActionError(AppError.from(e));
      if (AppError.from(e).code === "conflict") setTick((t) => t + 1);
    } finally {
      setBusy(false);
    }
  }

  async function withdraw() {
    if (!draft) return;
    setBusy(true);
    setActionError(null);
    try {
      await backend.withdrawDraft(draft.id);
      setDone("Withdrawn: it no longer waits for approval.");
      setTick((t) => t + 1);
    } catch (e) {
      setActionError(AppError.from(e));
    } finally {
      setBusy(false);
    }
  }

  useShortcuts({ "Mod+Enter": () => canAct && !busy && !dialog && void act("approve") }, canAct);

  if (error) {
    return (
      <section class="card">
        <a href="#/approvals">← Back to the queue</a>
        <ErrorNotice error={error} />
      </section>
    );
  }
  if (!data || !draft || !status) return <p class="muted">Loading the draft…</p>;

  const accounts = draft.targets
    .map((t) => dir?.accountsById.get(t.accountId))
    .filter((a): a is NonNullable<typeof a> => !!a);

  return (
    <section class="review" aria-labelledby="review-title" data-state={draft.state}>
      <header class="review-head">
        <a href="#/approvals" class="small">
          ← Approval queue
        </a>
        <h2 id="review-title">
          <bdi dir="auto">{draft.content.text.split("\n")[0]?.slice(0, 80) || "(no text)"}</bdi>
          <span class={`state-chip state-${draft.state}`} id="review-state">
            {stateLabel(draft.state)}
          </span>
        </h2>
        <p class="muted">
          {draft.kind === "reply" ? "Reply" : "Post"} by <strong>{personName(dir, draft.authorId)}</strong> · version {draft.version} · round{" "}
          {draft.round} · updated {formatRelative(draft.updatedAt)} · {draft.targets.length} account{draft.targets.length === 1 ? "" : "s"}
        </p>
      </header>
      {changedUnderneath && (
        <p class="notice warn" role="alert">
          The draft changed while you were looking at it. What is shown now is the new version; check it before approving.
        </p>
      )}
      {draft.stateNote && (draft.state === "rejected" || draft.state === "changes_requested" || draft.state === "expired") && (
        <p class={`notice ${draft.state === "rejected" ? "danger" : "warn"}`}>
          <strong>{stateLabel(draft.state)}:</strong> <bdi dir="auto">{draft.stateNote}</bdi>
        </p>
      )}

      <div class="review-grid">
        <div class="review-main">
          <section class="compose-section" aria-labelledby="goes-out-title">
            <h3 id="goes-out-title">Exactly what goes out</h3>
            {replyContext && (
              <blockquote class="reply-quote">
                <span class="muted small">In reply to {replyContext.authorHandle ? `@${replyContext.authorHandle}` : "a message"}:</span>
                <RichText text={replyContext.text} />
              </blockquote>
            )}
            <PreviewPanel
              stacked
              textFor={(n) => textFor(draft.content, n)}
              media={draft.content.media ?? []}
              accounts={accounts}
              reply={replyContext}
              idPrefix="review-preview"
            />
            <TargetTable draft={draft} dir={dir} />
          </section>

          <section class="compose-section" aria-labelledby="changes-title">
            <h3 id="changes-title">What changed</h3>
            <Changes data={data} me={me} />
          </section>

          <section class="compose-section" aria-labelledby="history-title">
            <h3 id="history-title">History</h3>
            <History decisions={data.decisions} audit={data.audit} dir={dir} />
          </section>
        </div>

        <aside class="review-side" aria-labelledby="approval-title">
          <section class="compose-section">
            <h3 id="approval-title">Approval</h3>
            <Lanes status={status} dir={dir} me={me} />
            <div class="review-actions" id="review-actions">
              {canAct ? (
                <>
                  <button type="button" class="primary" id="approve" onClick={() => void act("approve")} disabled={busy} title="Approve (Ctrl+Enter)">
                    Approve this version
                  </button>
                  <button type="button" class="secondary" id="request-changes" onClick={() => setDialog("changes")} disabled={busy}>
                    Request changes…
                  </button>
                  <button type="button" class="danger" id="reject" onClick={() => setDialog("reject")} disabled={busy}>
                    Reject…
                  </button>
                  <p class="muted small">
                    You approve exactly the version shown (content {draft.contentHash.slice(0, 8)}). If it changes meanwhile, your approval is
                    refused and you see the new version. Ctrl+Enter approves.
                  </p>
                </>
              ) : (
                <p class="muted" id="no-actions">
                  {whyNoActions(draft, status, wrote, me)}
                </p>
              )}
              {draft.authorId === me && (draft.state === "in_review" || draft.state === "approved") && (
                <button type="button" class="secondary" id="withdraw" onClick={() => void withdraw()} disabled={busy}>
                  Withdraw
                </button>
              )}
              {draft.authorId === me && (
                <a class="small" href={`#/compose/${encodeURIComponent(draft.id)}`}>
                  Open in the composer
                </a>
              )}
            </div>
            {actionError && <ErrorNotice error={actionError} id="review-error" />}
            {done && (
              <p class="notice ok" role="status" id="review-done">
                {done}
              </p>
            )}
          </section>
        </aside>
      </div>

      {dialog && (
        <NoteDialog
          kind={dialog}
          busy={busy}
          error={actionError}
          onCancel={() => {
            setDialog(null);
            setActionError(null);
          }}
          onSubmit={(note) => void act(dialog === "reject" ? "reject" : "changes", note)}
        />
      )}
    </section>
  );
}

function whyNoActions(draft: Draft, status: ApprovalStatus, wrote: boolean, me: string): string {
  if (draft.authorId === me) return "You wrote this draft, so someone else must approve it.";
  if (wrote) return "You edited this draft, so you count as one of its authors: someone else must approve it.";
  if (draft.state === "approved") return "It is approved.";
  if (draft.state !== "in_review") return `It is not waiting for approval (${stateLabel(draft.state).toLowerCase()}).`;
  if (status.lanes.some((l) => l.steps.some((s) => s.approvedBy.includes(me)))) return "You have approved it; the remaining steps need someone else.";
  return "It does not wait for you at this step.";
}

function TargetTable(props: { draft: Draft; dir: Directory | null }) {
  return (
    <table class="zone-table" id="review-targets">
      <caption class="sr-only">Accounts and when it goes out on each</caption>
      <thead>
        <tr>
          <th scope="col">Account</th>
          <th scope="col">Goes out (their time)</th>
          <th scope="col">Your time</th>
        </tr>
      </thead>
      <tbody>
        {props.draft.targets.map((t) => {
          const a = props.dir?.accountsById.get(t.accountId)?.account;
          return (
            <tr key={t.accountId}>
              <td>
                <NetworkIcon network={t.network} size={11} /> {a ? accountLabel(a) : `@${t.handle}`}
              </td>
              <td>
                {t.sendAt ? formatInZone(t.sendAt, t.timeZone) : t.scheduleProblem ? <span class="problem error">{t.scheduleProblem}</span> : "As soon as approved"}
                {t.scheduleNote && <p class="problem warning small">{t.scheduleNote}</p>}
              </td>
              <td>{t.sendAt ? formatDateTime(t.sendAt) : ""}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Lanes(props: { status: ApprovalStatus; dir: Directory | null; me: string }) {
  const { status, dir } = props;
  const names = (ids: string[]) => ids.map((id) => (id === props.me ? "you" : personName(dir, id))).join(", ") || "nobody";
  return (
    <div class="lanes" id="lanes">
      {status.approved ? (
        <p class="checks-ok">✓ Every step is approved.</p>
      ) : status.waitingOn.length > 0 ? (
        <p id="waiting-on">
          Waiting for <strong>{names(status.waitingOn)}</strong>
        </p>
      ) : null}
      {status.lanes.map((l: LaneStatus, li) => (
        <div class="lane" key={l.groupId ?? li} data-lane={l.groupName}>
          <h4>
            {l.groupName}
            <span class="muted small">
              {" "}
              · {l.accounts.length} account{l.accounts.length === 1 ? "" : "s"}
              {l.workspaceDefault ? " · workspace default" : ""}
            </span>
          </h4>
          {l.steps.length === 0 ? (
            <p class="muted small">No approval needed here.</p>
          ) : (
            <ol class="steps">
              {l.steps.map((s, i) => (
                <li
                  key={i}
                  class={s.complete ? "step done" : l.currentStep === i ? "step current" : "step"}
                  aria-current={l.currentStep === i ? "step" : undefined}
                >
                  <span class="step-mark" aria-hidden="true">
                    {s.complete ? "✓" : i + 1}
                  </span>
                  <span>
                    <strong>{s.role === "reviewer" ? "Review" : s.role === "approver" ? "Approval" : s.role}</strong>{" "}
                    <span class="muted small">
                      ({s.mode === "all" ? "everyone" : "any one"} of: {names(s.eligible)})
                    </span>
                    {s.approvedBy.length > 0 && <span class="small"> · approved by {names(s.approvedBy)}</span>}
                  </span>
                </li>
              ))}
            </ol>
          )}
        </div>
      ))}
    </div>
  );
}

function Changes(props: { data: Loaded; me: string }) {
  const backend = useBackend();
  const { draft, versions, decisions } = props.data;
  const baseline = useMemo(() => {
    // The version the reviewers last decided on in an earlier round (mine first), else the previous one.
    const earlier = decisions.filter((d) => d.round < draft.round || d.kind === "changes_requested" || d.kind === "rejected");
    const mine = [...earlier].reverse().find((d) => d.personId === props.me && d.kind !== "submitted");
    const any = [...earlier].reverse().find((d) => d.contentHash !== draft.contentHash);
    const hash = (mine ?? any)?.contentHash;
    const v = hash ? [...versions].reverse().find((x) => x.contentHash === hash && x.version < draft.version) : undefined;
    return v?.version ?? Math.max(1, draft.version - 1);
  }, [draft.version, draft.round, versions.length, decisions.length]);
  const [from, setFrom] = useState(baseline);
  const [to, setTo] = useState(draft.version);
  const [diff, setDiff] = useState<VersionDiff | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  useEffect(() => {
    setFrom(baseline);
    setTo(draft.version);
  }, [baseline, draft.version]);
  useEffect(() => {
    if (from === to || draft.version < 2) {
      setDiff(null);
      return;
    }
    let live = true;
    backend.diffDraftVersions(draft.id, Math.min(from, to), Math.max(from, to)).then(
      (d) => live && (setDiff(d), setError(null)),
      (e) => live && setError(AppError.from(e)),
    );
    return () => {
      live = false;
    };
  }, [backend, draft.id, from, to]);

  if (draft.version < 2) return <p class="muted">This is the first version: nothing to compare yet.</p>;
  const option = (v: DraftVersion) => (
    <option key={v.version} value={v.version}>
      Version {v.version} · {formatRelative(v.savedAt)}
    </option>
  );
  return (
    <div>
      <div class="diff-pick">
        <label>
          From{" "}
          <select id="diff-from" value={from} onChange={(e) => setFrom(Number((e.currentTarget as HTMLSelectElement).value))}>
            {versions.map(option)}
          </select>
        </label>
        <label>
          to{" "}
          <select id="diff-to" value={to} onChange={(e) => setTo(Number((e.currentTarget as HTMLSelectElement).value))}>
            {versions.map(option)}
          </select>
        </label>
        <span class="muted small">
          {from === baseline && to === draft.version && baseline !== draft.version - 1 ? "since the version last reviewed" : ""}
        </span>
      </div>
      {error && <ErrorNotice error={error} />}
      {from === to ? <p class="muted">Pick two different versions.</p> : diff && <WordDiff diff={diff} />}
    </div>
  );
}

function NoteDialog(props: {
  kind: "reject" | "changes";
  busy: boolean;
  error: AppError | null;
  onCancel: () => void;
  onSubmit: (note: string) => void;
}) {
  const [note, setNote] = useState("");
  const [missing, setMissing] = useState(false);
  const rejecting = props.kind === "reject";
  const submit = () => {
    if (!note.trim()) {
      setMissing(true);
      return;
    }
    props.onSubmit(note.trim());
  };
  return (
    <Dialog title={rejecting ? "Reject this draft" : "Request changes"} onClose={props.onCancel} id={rejecting ? "reject-dialog" : "changes-dialog"}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label for="decision-note">
          {rejecting ? "Reason (required; the author sees it)" : "What should change? (required; the author sees it)"}
        </label>
        <textarea
          id="decision-note"
          dir="auto"
          rows={4}
          value={note}
          aria-invalid={missing ? "true" : undefined}
          aria-describedby={missing ? "decision-note-missing" : undefined}
          onInput={(e) => {
            setNote((e.currentTarget as HTMLTextAreaElement).value);
            setMissing(false);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              e.stopPropagation();
              submit();
            }
          }}
        />
        {missing && (
          <p class="error" id="decision-note-missing" role="alert">
            {rejecting ? "A rejection needs a reason." : "Say what should change."}
          </p>
        )}
        {props.error && <ErrorNotice error={props.error} />}
        <div class="button-row end">
          <button type="button" class="secondary" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" class={rejecting ? "danger" : "primary"} id="decision-submit" disabled={props.busy}>
            {rejecting ? "Reject" : "Send back for changes"}
          </button>
        </div>
        <p class="muted small">Ctrl+Enter sends, Escape cancels.</p>
      </form>
    </Dialog>
  );
}
