// The composer: choose accounts by group, write one text (with optional X and Facebook
// variants), see X's count and the part over the limit as you type, preview it per network,
// attach images, schedule it in each account's own time zone, and submit it for approval.
// Everything is saved as a new version on every change.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { AppError } from "../../ipc";
import type { ApprovalStatus, Draft, Network, Problem, ReplyTo, TargetRef, ValidationReport } from "../../ipc/backend";
import { ErrorNotice } from "../../lib/error-notice";
import { useShortcuts } from "../../lib/keys";
import { RichText } from "../../lib/rich-text";
import { useBackend } from "../../state/backend";
import { navigate } from "../../state/router";
import { session } from "../../state/session";
import { pendingReply } from "../../state/reply";
import { directory, loadDirectory, personName, type Directory, type GroupEntry } from "./directory";
import { NETWORK_NAME, NetworkIcon } from "./icons";
import { MediaEditor } from "./media";
import {
  describeTargets,
  emptyContent,
  hasVariant,
  loadRecentSets,
  rememberSet,
  selectedAccountIds,
  stateLabel,
  submitAction,
  targetsFor,
  textFor,
  type Content,
  type RecentSet,
} from "./model";
import { MyDrafts } from "./my-drafts";
import { PreviewPanel, type PreviewReply } from "./preview";
import { SCHEDULE_PROBLEMS, ScheduleEditor } from "./schedule";
import { TargetPicker } from "./target-picker";
import { HighlightedTextarea } from "./text-editor";
import { useDraftEditor, type SaveState } from "./use-draft";

export function ComposeScreen(props: { draftId?: string | undefined }) {
  const backend = useBackend();
  const [dirError, setDirError] = useState<AppError | null>(null);
  useEffect(() => {
    loadDirectory(backend).catch((e) => setDirError(AppError.from(e)));
  }, [backend]);
  const dir = directory.value;
  // One editor per draft opened; a draft created in an editor keeps that editor (its address
  // is updated without a navigation).
  const [newKey, setNewKey] = useState(0);
  const key = props.draftId ?? `new-${newKey}`;
  return (
    <div class="compose-screen">
      {dirError && <ErrorNotice error={dirError} />}
      {!dir && !dirError && <p class="muted">Loading accounts…</p>}
      {dir && <Composer key={key} dir={dir} draftId={props.draftId} onNew={() => setNewKey((k) => k + 1)} />}
    </div>
  );
}

type Tab = "main" | Network;

function Composer(props: { dir: Directory; draftId: string | undefined; onNew: () => void }) {
  const backend = useBackend();
  const { dir } = props;
  const me = session.value?.person.id ?? "";
  const [reply] = useState<PreviewReply | null>(() => {
    const p = !props.draftId ? pendingReply.value : null;
    return p ? { authorHandle: p.authorHandle, text: p.text } : null;
  });
  const ed = useDraftEditor(backend, props.draftId, () => {
    const p = pendingReply.value;
    if (!p) return emptyContent();
    pendingReply.value = null;
    const replyTo: ReplyTo = { itemId: p.itemId, accountId: p.accountId, network: p.network, externalId: p.externalId };
    return { ...emptyContent(), replyTo, targets: [{ kind: "account", id: p.accountId }] };
  });
  const { content, draft, report } = ed;

  const [replyContext, setReplyContext] = useState<PreviewReply | null>(reply);
  useEffect(() => {
    // A reply opened later: show what it answers (from the local cache of the inbox).
    const r = content.replyTo;
    if (!r || replyContext) return;
    backend.itemThread(r.itemId).then(
      (t) => {
        const item = t.entries.find((e) => e.item.id === r.itemId)?.item;
        if (item) setReplyContext({ authorHandle: item.author.handle ?? item.author.displayName ?? null, text: item.text });
      },
      () => {},
    );
  }, [content.replyTo?.itemId]);

  const [tab, setTab] = useState<Tab>("main");
  const [editAnyway, setEditAnyway] = useState(false);
  const [pickerOpen, setPickerOpen] = useState(!props.draftId && !content.replyTo);
  const [recent, setRecent] = useState<RecentSet[]>(() => (me ? loadRecentSets(me) : []));
  const [action, setAction] = useState<{ busy: boolean; error: AppError | null; done: string | null }>({ busy: false, error: null, done: null });
  const [waiting, setWaiting] = useState<ApprovalStatus | null>(null);
  const mainRef = useRef<HTMLTextAreaElement | null>(null);
  const xRef = useRef<HTMLTextAreaElement | null>(null);
  const fbRef = useRef<HTMLTextAreaElement | null>(null);

  const selected = useMemo(() => selectedAccountIds(content.targets ?? [], dir), [content.targets, dir]);
  const selectedAccounts = useMemo(() => dir.accounts.filter((a) => selected.has(a.account.id)), [selected, dir]);
  const networks = new Set(selectedAccounts.map((a) => a.account.network));
  const targetsNetwork = (n: Network) => networks.size === 0 || networks.has(n);
  const myGroups = useMemo(() => myPostGroups(dir, session.value?.roles ?? []), [dir]);
  const allowed = useMemo(() => accountsInRoleGroups(dir, session.value?.roles ?? []), [dir]);

  const state = draft?.state ?? "editing";
  const isReply = !!content.replyTo;
  const notMine = !!draft && draft.authorId !== me;
  const locked = (state === "in_review" || state === "approved") && !editAnyway;
  const readOnly = ed.loading || !!ed.loadError || locked;

  const problems = report?.problems ?? [];
  const errors = problems.filter((p) => p.severity === "error");
  const textProblems = problems.filter((p) => !SCHEDULE_PROBLEMS.has(p.code));
  const scheduleProblems = problems.filter((p) => SCHEDULE_PROBLEMS.has(p.code));

  const setTargets = (ids: Set<string>) => ed.edit((c) => ({ ...c, targets: targetsFor(ids, dir) }));
  const setText = (network: Tab, value: string) =>
    ed.edit((c) =>
      network === "main" ? { ...c, text: value } : { ...c, variants: { ...emptyVariants(c), [network]: value } },
    );

  async function submit() {
    if (action.busy || readOnly) return;
    setAction({ busy: true, error: null, done: null });
    setWaiting(null);
    try {
      const d = await ed.flush();
      if (!d) throw new AppError("conflict", "the draft could not be saved; see the message above the editor");
      const kind = submitAction(d.state);
      if (!kind) throw new AppError("conflict", `it is already ${stateLabel(d.state).toLowerCase()}`);
      const after = kind === "submit" ? await backend.submitDraft(d.id) : await backend.resubmitDraft(d.id);
      ed.adopt(after);
      setEditAnyway(false);
      if (me && !isReply) setRecent(rememberSet(me, { label: describeTargets(after.content.targets ?? [], dir), targets: after.content.targets ?? [] }));
      if (after.state === "approved") {
        setAction({ busy: false, error: null, done: "Approved: no approval was needed here. It is queued in the outbox." });
      } else {
        setAction({ busy: false, error: null, done: "Submitted for approval." });
        backend.approvalStatus(after.id).then(setWaiting, () => {});
      }
    } catch (e) {
      setAction({ busy: false, error: AppError.from(e), done: null });
    }
  }

  async function withdraw() {
    if (!draft) return;
    setAction({ busy: true, error: null, done: null });
    try {
      ed.adopt(await backend.withdrawDraft(draft.id));
      setAction({ busy: false, error: null, done: "Withdrawn: it no longer waits for approval. Edit it and resubmit when ready." });
    } catch (e) {
      setAction({ busy: false, error: AppError.from(e), done: null });
    }
  }

  useShortcuts({
    "Mod+Enter": () => void submit(),
    "Mod+s": () => void ed.flush(),
  });

  if (ed.loadError) {
    return (
      <section class="card">
        <h2>Draft</h2>
        <ErrorNotice error={ed.loadError} />
        <button type="button" onClick={() => navigate("compose")}>
          Start a new draft
        </button>
      </section>
    );
  }

  const xCount = report?.x ?? null;
  const fbCount = report?.facebook ?? null;
  const mainHighlight =
    !hasVariant(content, "x") && targetsNetwork("x") && xCount?.overLimit
      ? xCount.overLimit
      : !hasVariant(content, "facebook") && targetsNetwork("facebook")
        ? (fbCount?.overLimit ?? null)
        : null;
  const counters = (which: Network[]) => (
    <div class="counters" id={`counters-${which.join("-") || "none"}`}>
      {which.includes("x") && xCount && (
        <Counter network="x" used={xCount.weightedLength} max={xCount.maxWeightedLength} permille={xCount.permillage} id="x-counter" />
      )}
      {which.includes("facebook") && fbCount && (
        <Counter network="facebook" used={fbCount.length} max={fbCount.maxLength} permille={(fbCount.length * 1000) / fbCount.maxLength} id="fb-counter" />
      )}
    </div>
  );
  const mainNetworks = (["x", "facebook"] as Network[]).filter((n) => !hasVariant(content, n) && targetsNetwork(n));
  const lang = selectedAccounts[0]?.account.language;

  const selectRange = (p: Problem) => {
    if (!p.range) return;
    const net = p.accountId ? dir.accountsById.get(p.accountId)?.account.network : undefined;
    const el = net && hasVariant(content, net) ? (net === "x" ? xRef.current : fbRef.current) : mainRef.current;
    if (net && hasVariant(content, net)) setTab(net);
    else setTab("main");
    setTimeout(() => {
      el?.focus();
      el?.setSelectionRange(p.range!.start, p.range!.end + 1);
    }, 0);
  };

  return (
    <section class="composer" aria-labelledby="compose-title" data-state={state}>
      <header class="composer-head">
        <h2 id="compose-title">
          {isReply ? `Reply${replyContext?.authorHandle ? ` to @${replyContext.authorHandle}` : ""}` : draft ? "Post" : "New post"}
          {draft && <span class={`state-chip state-${state}`}>{stateLabel(state)}</span>}
        </h2>
        <SaveIndicator save={ed.save} />
        <span class="spacer" />
        <button
          type="button"
          class="secondary"
          id="new-draft"
          onClick={async () => {
            await ed.flush();
            history.replaceState(null, "", "#/compose");
            navigate("compose");
            props.onNew();
          }}
        >
          New draft
        </button>
      </header>

      {ed.save.kind === "conflict" && (
        <div class="notice warn" role="alert" id="save-conflict" data-code="conflict">
          <p>
            <strong>This draft was changed somewhere else</strong> (in another window, or by a reviewer) since you opened it. Your
            last change is not saved.
          </p>
          <p class="muted small">{ed.save.error.message}</p>
          <div class="button-row">
            <button type="button" onClick={() => void ed.reloadLatest()}>
              Load their version
            </button>
            <button type="button" class="secondary" onClick={() => void ed.overwrite()}>
              Save mine over it
            </button>
          </div>
        </div>
      )}
      {ed.save.kind === "error" && <ErrorNotice error={ed.save.error} id="save-error" />}

      {notMine && draft && (
        <p class="notice" role="note">
          You are editing a draft written by {personName(directory.value, draft.authorId)}. Saving a change makes you one of its
          authors, so you will not be able to approve it.
        </p>
      )}
      {draft && (state === "changes_requested" || state === "rejected") && draft.stateNote && (
        <div class={`notice ${state === "rejected" ? "danger" : "warn"}`} role="status" id="state-note">
          <strong>{state === "rejected" ? "Rejected:" : "Changes requested:"}</strong> <bdi dir="auto">{draft.stateNote}</bdi>
          <p class="small muted">Edit it and resubmit when ready.</p>
        </div>
      )}
      {draft && state === "expired" && (
        <p class="notice warn" role="status">
          It was not approved by its scheduled time, so it did not go out. Choose a new time and resubmit it.
        </p>
      )}
      {locked && draft && (
        <div class="notice" role="status" id="locked-note">
          <p>
            {state === "in_review"
              ? "This draft is waiting for approval, so it is locked. "
              : "This draft is approved and queued to go out. "}
            Changing it takes it back to editing: the approvals given so far no longer count
            {state === "approved" ? " and its queued posts are cancelled" : ""}.
          </p>
          <div class="button-row">
            <a href={`#/approvals/${encodeURIComponent(draft.id)}`} class="button-link">
              See who it waits for
            </a>
            {draft.authorId === me && (
              <button type="button" class="secondary" id="withdraw" onClick={withdraw} disabled={action.busy}>
                Withdraw
              </button>
            )}
            <button type="button" class="secondary" onClick={() => setEditAnyway(true)}>
              Edit anyway
            </button>
          </div>
        </div>
      )}

      <div class="composer-grid">
        <div class="composer-main">
          {isReply ? (
            <section class="compose-section" aria-labelledby="reply-title">
              <h3 id="reply-title">Replying to {replyContext?.authorHandle ? `@${replyContext.authorHandle}` : "a message"}</h3>
              {replyContext && (
                <blockquote class="reply-quote">
                  <RichText text={replyContext.text} />
                </blockquote>
              )}
              <p class="muted small">
                From{" "}
                {selectedAccounts.map((a) => (
                  <span key={a.account.id}>
                    <NetworkIcon network={a.account.network} size={11} /> {a.account.network === "x" ? `@${a.account.handle}` : a.account.displayName}
                  </span>
                ))}{" "}
                (a reply goes out from the account the message arrived on).
              </p>
            </section>
          ) : (
            <section class="compose-section" aria-labelledby="targets-title">
              <div class="section-head">
                <h3 id="targets-title">Accounts</h3>
                <span class="muted" id="targets-summary">
                  {selected.size === 0 ? "none chosen" : `${describeTargets(content.targets ?? [], dir)} · ${selected.size} account${selected.size === 1 ? "" : "s"}`}
                </span>
                <span class="spacer" />
                {!readOnly && (
                  <button type="button" class="secondary small" aria-expanded={pickerOpen} aria-controls="target-picker" id="toggle-picker" onClick={() => setPickerOpen(!pickerOpen)}>
                    {pickerOpen ? "Done choosing" : "Choose accounts"}
                  </button>
                )}
              </div>
              {pickerOpen && !readOnly ? (
                <div id="target-picker">
                  <TargetPicker
                    dir={dir}
                    selected={selected}
                    onChange={setTargets}
                    myGroups={myGroups}
                    recent={recent}
                    resolve={(t) => selectedAccountIds(t, dir)}
                    allowed={allowed}
                    onPickRecent={(t: TargetRef[]) => ed.edit((c) => ({ ...c, targets: t }))}
                  />
                </div>
              ) : (
                selectedAccounts.length > 0 && (
                  <ul class="chosen-accounts" aria-label="Chosen accounts">
                    {selectedAccounts.slice(0, 12).map((a) => (
                      <li key={a.account.id}>
                        <NetworkIcon network={a.account.network} size={11} /> {a.account.network === "x" ? `@${a.account.handle}` : a.account.displayName}
                      </li>
                    ))}
                    {selectedAccounts.length > 12 && <li class="muted">+{selectedAccounts.length - 12} more</li>}
                  </ul>
                )
              )}
            </section>
          )}

          <section class="compose-section" aria-labelledby="text-title">
            <div class="section-head">
              <h3 id="text-title">Text</h3>
              <div role="tablist" aria-label="Text for" class="tabs" id="variant-tabs">
                {(["main", "x", "facebook"] as Tab[]).map((t) => (
                  <button
                    type="button"
                    role="tab"
                    key={t}
                    id={`tab-${t}`}
                    aria-selected={tab === t}
                    aria-controls={`panel-${t}`}
                    tabIndex={tab === t ? 0 : -1}
                    onClick={() => setTab(t)}
                    onKeyDown={(e) => {
                      const order: Tab[] = ["main", "x", "facebook"];
                      if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
                        e.preventDefault();
                        const i = order.indexOf(tab);
                        const next = order[(i + (e.key === "ArrowRight" ? 1 : 2)) % 3] as Tab;
                        setTab(next);
                        document.getElementById(`tab-${next}`)?.focus();
                      }
                    }}
                  >
                    {t === "main" ? (
                      "All networks"
                    ) : (
                      <>
                        <NetworkIcon network={t} decorative /> {NETWORK_NAME[t]}
                        {hasVariant(content, t) ? <span class="dot" aria-label="(own text)" /> : null}
                      </>
                    )}
                  </button>
                ))}
              </div>
            </div>

            <div role="tabpanel" id="panel-main" aria-labelledby="tab-main" hidden={tab !== "main"}>
              <HighlightedTextarea
                id="compose-text"
                inputRef={mainRef}
                value={content.text}
                onInput={(v) => setText("main", v)}
                highlight={mainHighlight}
                highlightLabel="Over the limit"
                label="Text of the post"
                describedBy="counters-main problems"
                placeholder={isReply ? "Write the reply…" : "Write the post. It is saved as you type."}
                readOnly={readOnly}
                lang={lang}
              />
              <div id="counters-main">{counters(mainNetworks)}</div>
              {mainNetworks.length < (networks.size || 2) && (
                <p class="muted small">
                  {(["x", "facebook"] as Network[])
                    .filter((n) => hasVariant(content, n) && targetsNetwork(n))
                    .map((n) => `${NETWORK_NAME[n]} gets its own text (see its tab).`)
                    .join(" ")}
                </p>
              )}
            </div>
            {(["x", "facebook"] as Network[]).map((n) => (
              <div role="tabpanel" id={`panel-${n}`} aria-labelledby={`tab-${n}`} hidden={tab !== n} key={n}>
                {hasVariant(content, n) ? (
                  <>
                    <HighlightedTextarea
                      id={`compose-text-${n}`}
                      inputRef={n === "x" ? xRef : fbRef}
                      value={textFor(content, n)}
                      onInput={(v) => setText(n, v)}
                      highlight={n === "x" ? xCount?.overLimit : fbCount?.overLimit}
                      highlightLabel="Over the limit"
                      label={`Text for ${NETWORK_NAME[n]}`}
                      describedBy={`counters-${n} problems`}
                      readOnly={readOnly}
                      lang={lang}
                    />
                    <div id={`counters-${n}`}>{counters([n])}</div>
                    {!readOnly && (
                      <button
                        type="button"
                        class="secondary small"
                        onClick={() => ed.edit((c) => ({ ...c, variants: { ...emptyVariants(c), [n]: null } }))}
                      >
                        Use the main text on {NETWORK_NAME[n]} instead
                      </button>
                    )}
                  </>
                ) : (
                  <div class="variant-empty">
                    <p class="muted">{NETWORK_NAME[n]} gets the main text. Write a separate text if it should read differently there.</p>
                    {!readOnly && (
                      <button
                        type="button"
                        class="secondary"
                        id={`make-variant-${n}`}
                        onClick={() => {
                          ed.edit((c) => ({ ...c, variants: { ...emptyVariants(c), [n]: c.text } }));
                          setTimeout(() => document.getElementById(`compose-text-${n}`)?.focus(), 0);
                        }}
                      >
                        Write a separate text for {NETWORK_NAME[n]}
                      </button>
                    )}
                  </div>
                )}
              </div>
            ))}
            <ProblemList problems={textProblems} dir={dir} onSelectRange={selectRange} report={report} />
          </section>

          <section class="compose-section" aria-labelledby="media-title">
            <h3 id="media-title">Images</h3>
            <MediaEditor media={content.media ?? []} onChange={(media) => ed.edit((c) => ({ ...c, media }))} readOnly={readOnly} />
          </section>

          <section class="compose-section" aria-labelledby="schedule-title">
            <h3 id="schedule-title">When</h3>
            <ScheduleEditor
              schedule={content.schedule}
              onChange={(schedule) => ed.edit((c) => ({ ...c, schedule }))}
              accounts={selectedAccounts}
              resolved={draft && JSON.stringify(draft.content.schedule) === JSON.stringify(content.schedule) && ed.save.kind === "saved" ? draft.targets : null}
              problems={scheduleProblems}
              readOnly={readOnly}
            />
          </section>

          <div class="submit-bar">
            {!locked && (
              <button
                type="button"
                id="submit-draft"
                class="primary"
                onClick={() => void submit()}
                disabled={action.busy || readOnly || errors.length > 0 || !submitAction(state)}
                aria-describedby="submit-hint"
                title="Submit for approval (Ctrl+Enter)"
              >
                {action.busy ? "Submitting…" : submitAction(state) === "resubmit" ? "Resubmit for approval" : "Submit for approval"}
              </button>
            )}
            <span id="submit-hint" class="muted small">
              {errors.length > 0
                ? `${errors.length} thing${errors.length === 1 ? "" : "s"} to fix before it can be submitted`
                : locked
                  ? ""
                  : "Ctrl+Enter submits. Nothing goes out until it is approved."}
            </span>
          </div>
          {action.error && <ErrorNotice error={action.error} id="submit-error" />}
          {action.done && (
            <div class="notice ok" role="status" id="submit-result">
              <p>{action.done}</p>
              {waiting && <WaitingFor status={waiting} />}
              {draft && (
                <a href={`#/approvals/${encodeURIComponent(draft.id)}`} class="small">
                  Follow its approval
                </a>
              )}
            </div>
          )}
        </div>

        <aside class="composer-side" aria-label="Preview and drafts">
          <section class="compose-section" aria-labelledby="preview-title">
            <h3 id="preview-title">Preview</h3>
            <PreviewPanel textFor={(n) => textFor(content, n)} media={content.media ?? []} accounts={selectedAccounts} reply={replyContext} />
          </section>
          <MyDrafts currentId={draft?.id} refreshKey={`${draft?.id}:${draft?.version}:${draft?.state}`} />
        </aside>
      </div>
    </section>
  );
}

function SaveIndicator(props: { save: SaveState }) {
  const s = props.save;
  const text =
    s.kind === "new"
      ? "Not saved yet: start writing"
      : s.kind === "dirty"
        ? "Unsaved changes…"
        : s.kind === "saving"
          ? "Saving…"
          : s.kind === "saved"
            ? `Saved · version ${s.version}`
            : s.kind === "conflict"
              ? "Not saved: changed elsewhere"
              : "Not saved";
  return (
    <span class={`save-state save-${s.kind}`} id="save-state" data-state={s.kind} role="status" aria-live="polite">
      {text}
    </span>
  );
}

function emptyVariants(c: Content) {
  return { x: c.variants?.x ?? null, facebook: c.variants?.facebook ?? null };
}

/** The accounts the person may draft for: a role on a group covers every account in it and in
 * the groups below it (the core's rule at submission). */
export function accountsInRoleGroups(dir: Directory, roles: { groupId: string }[]): Set<string> {
  const out = new Set<string>();
  for (const r of roles) for (const id of dir.groupsById.get(r.groupId)?.accountIds ?? []) out.add(id);
  return out;
}

/** The posts (and other groups) the person holds a role on, nearest first. */
function myPostGroups(dir: Directory, roles: { groupId: string }[]): GroupEntry[] {
  const seen = new Set<string>();
  const out: GroupEntry[] = [];
  for (const r of roles) {
    const g = dir.groupsById.get(r.groupId);
    if (g && !seen.has(g.group.id) && g.accountIds.length > 0) {
      seen.add(g.group.id);
      out.push(g);
    }
  }
  return out.sort((a, b) => b.depth - a.depth).slice(0, 4);
}

function Counter(props: { network: Network; used: number; max: number; permille: number; id: string }) {
  const over = props.used - props.max;
  const pct = Math.min(100, props.permille / 10);
  return (
    <div class={over > 0 ? "counter over" : props.permille >= 900 ? "counter near" : "counter"} id={props.id} data-used={props.used} data-max={props.max}>
      <NetworkIcon network={props.network} size={12} />
      <span class="counter-figures">
        {props.used.toLocaleString()} / {props.max.toLocaleString()}
      </span>
      <span class="meter" aria-hidden="true">
        <span class="meter-fill" style={{ width: `${pct}%` }} />
      </span>
      {over > 0 && <strong class="counter-over">{over.toLocaleString()} over</strong>}
      <span class="sr-only" aria-live="polite">
        {over > 0 ? `${NETWORK_NAME[props.network]}: ${over} over the limit` : ""}
      </span>
    </div>
  );
}

function ProblemList(props: {
  problems: Problem[];
  dir: Directory;
  report: ValidationReport | null;
  onSelectRange: (p: Problem) => void;
}) {
  const sorted = [...props.problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
  if (!props.report) return <div id="problems" />;
  if (sorted.length === 0) {
    return (
      <p id="problems" class="checks-ok small" role="status">
        ✓ Fits every chosen account.
      </p>
    );
  }
  return (
    <ul id="problems" class="problems" aria-label="What to fix">
      {sorted.map((p, i) => {
        const a = p.accountId ? props.dir.accountsById.get(p.accountId)?.account : undefined;
        return (
          <li key={i} class={`problem ${p.severity}`} data-code={p.code}>
            <span class="problem-icon" aria-hidden="true">
              {p.severity === "error" ? "✕" : "!"}
            </span>
            {a && <NetworkIcon network={a.network} size={11} />}
            <span class="problem-text">{p.message}</span>
            {p.range && (
              <button type="button" class="link small" onClick={() => props.onSelectRange(p)}>
                Show
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function WaitingFor(props: { status: ApprovalStatus }) {
  const d = directory.value;
  const names = props.status.waitingOn.map((id) => personName(d, id));
  const lane = props.status.lanes.find((l) => !l.complete);
  const step = lane && lane.currentStep != null ? lane.steps[lane.currentStep] : undefined;
  return (
    <p class="small" id="waiting-for">
      It now waits for {names.length ? names.join(", ") : "nobody yet"}
      {lane && step ? ` (step ${(lane.currentStep ?? 0) + 1} of ${lane.steps.length} on ${lane.groupName}: ${step.role})` : ""}.
    </p>
  );
}

export type { Draft, SaveState };
