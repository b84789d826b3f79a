// The banner under the top bar while a crisis pause holds posts: what is paused, why, by whom,
// since when (and until when). Resuming shows everything the pause held: posts whose time is
// still ahead go back in the queue; posts whose time passed stay held until someone sends or
// cancels each, right there.
import { useEffect, useState } from "preact/hooks";
import { AppError } from "../../ipc";
import type { HeldEntry, HeldOutcome, OutboxEntry, Pause, ResumeReport } from "../../ipc/backend";
import { Dialog } from "../../lib/dialog";
import { ErrorNotice } from "../../lib/error-notice";
import { formatDateTime, formatInZone, formatRelative } from "../../lib/format";
import { useBackend } from "../../state/backend";
import { onCoreEvents } from "../../state/events";
import { session } from "../../state/session";
import { accountLabel, directory, loadDirectory, personName } from "../compose/directory";
import { NetworkIcon } from "../compose/icons";
import { PAUSE_EVENTS, describeScope, pauses, refreshPauses, resetPauses } from "./pauses";

export function PauseBanner() {
  const backend = useBackend();
  const person = session.value?.person.id;
  const [resuming, setResuming] = useState<Pause | null>(null);
  const [report, setReport] = useState<ResumeReport | null>(null);

  useEffect(() => {
    if (!person) {
      resetPauses();
      return;
    }
    void refreshPauses(backend).catch(() => {});
    void loadDirectory(backend).catch(() => {});
    const off = onCoreEvents((events) => {
      if (events.some((e) => PAUSE_EVENTS.has(e.type))) void refreshPauses(backend).catch(() => {});
    });
    return off;
  }, [backend, person]);

  // A pause with an end time ends by itself: look again when it is due.
  const list = pauses.value;
  useEffect(() => {
    const next = list
      .map((p) => (p.until ? Date.parse(p.until) : NaN))
      .filter((t) => !Number.isNaN(t))
      .sort((a, b) => a - b)[0];
    if (next === undefined) return;
    const t = setTimeout(() => void refreshPauses(backend).catch(() => {}), Math.max(1000, next - Date.now() + 1500));
    return () => clearTimeout(t);
  }, [list]);

  const dir = directory.value;
  return (
    <>
      {list.length > 0 && (
        <div class="pause-banner" id="pause-banner" role="region" aria-label="Crisis pause" aria-live="polite">
          {list.map((p) => (
            <div class="pause-line" key={p.id} data-pause={p.id}>
              <span class="pause-icon" aria-hidden="true">
                ⏸
              </span>
              <span class="pause-text">
                <strong>Posting paused for {describeScope(p.scope, dir)}.</strong> <bdi dir="auto">“{p.reason}”</bdi>{" "}
                <span class="pause-meta">
                  {personName(dir, p.startedBy)}, {formatRelative(p.startedAt)}
                  {p.until ? ` · ends by itself ${formatDateTime(p.until)}` : " · until someone resumes it"}
                </span>
              </span>
              <button type="button" class="pause-resume" onClick={() => setResuming(p)} id={`resume-${p.id}`}>
                Resume…
              </button>
            </div>
          ))}
        </div>
      )}
      {resuming && (
        <ResumeConfirm
          pause={resuming}
          onClose={() => setResuming(null)}
          onResumed={(r) => {
            setResuming(null);
            setReport(r);
            void refreshPauses(backend).catch(() => {});
          }}
        />
      )}
      {report && <ResumeReportDialog report={report} onClose={() => setReport(null)} />}
    </>
  );
}

function ResumeConfirm(props: { pause: Pause; onClose: () => void; onResumed: (r: ResumeReport) => void }) {
  const backend = useBackend();
  const [held, setHeld] = useState<OutboxEntry[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  useEffect(() => {
    backend.listOutbox().then(
      (all) => setHeld(all.filter((e) => e.state === "held" && e.heldBy === props.pause.id)),
      () => setHeld(null),
    );
  }, [backend, props.pause.id]);
  const dir = directory.value;
  async function resume() {
    setBusy(true);
    setError(null);
    try {
      props.onResumed(await backend.resumePause(props.pause.id));
    } catch (e) {
      setError(AppError.from(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Dialog title="Resume posting?" onClose={props.onClose} id="resume-dialog" role="alertdialog" initialFocus="#resume-confirm">
      <p>
        The pause for <strong>{describeScope(props.pause.scope, dir)}</strong> (“<bdi dir="auto">{props.pause.reason}</bdi>”) ends now.
      </p>
      <p class="muted">
        {held === null
          ? "Checking what it holds…"
          : held.length === 0
            ? "It holds no posts at the moment."
            : `It holds ${held.length} post${held.length === 1 ? "" : "s"}. Posts whose time is still ahead go back in the queue; posts whose time passed stay held until you send or cancel each.`}
      </p>
      {error && <ErrorNotice error={error} id="resume-error" />}
      <div class="button-row end">
        <button type="button" class="secondary" onClick={props.onClose}>
          Keep paused
        </button>
        <button type="button" class="primary" id="resume-confirm" onClick={() => void resume()} disabled={busy}>
          {busy ? "Resuming…" : "Resume posting"}
        </button>
      </div>
    </Dialog>
  );
}

export function outcomeWords(o: HeldOutcome): string {
  switch (o) {
    case "requeued":
      return "Back in the queue: it goes out at its time";
    case "still_held_past_time":
      return "Still held: its time passed during the pause. Send it now or cancel it";
    case "still_paused":
      return "Still held: another pause covers this account";
  }
}

function ResumeReportDialog(props: { report: ResumeReport; onClose: () => void }) {
  const backend = useBackend();
  const dir = directory.value;
  const [rows, setRows] = useState<HeldEntry[]>(props.report.held);
  const [error, setError] = useState<AppError | null>(null);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  useEffect(() => {
    for (const id of new Set(props.report.held.map((h) => h.entry.draftId))) {
      backend.getDraft(id).then(
        (d) => setDrafts((m) => ({ ...m, [id]: d.content.text })),
        () => {},
      );
    }
  }, [backend]);

  async function act(h: HeldEntry, what: "release" | "cancel") {
    setError(null);
    try {
      const e = what === "release" ? await backend.releaseHeld(h.entry.id) : await backend.cancelOutboxEntry(h.entry.id);
      setRows((rs) => rs.map((r) => (r.entry.id === e.id ? { ...r, entry: e } : r)));
    } catch (e) {
      setError(AppError.from(e));
    }
  }

  const requeued = rows.filter((r) => r.outcome === "requeued").length;
  return (
    <Dialog title="Posting resumed" onClose={props.onClose} id="resume-report" class="wide">
      <p id="resume-summary">
        {rows.length === 0
          ? "The pause held no posts."
          : `The pause held ${rows.length} post${rows.length === 1 ? "" : "s"}: ${requeued} back in the queue, ${rows.length - requeued} still held.`}
      </p>
      {rows.length > 0 && (
        <ul class="held-list" aria-label="Posts the pause held">
          {rows.map((h) => {
            const a = dir?.accountsById.get(h.entry.accountId)?.account;
            const decided = h.entry.state !== "held";
            return (
              <li key={h.entry.id} data-outcome={h.outcome} data-state={h.entry.state}>
                <div class="held-what">
                  {a && <NetworkIcon network={a.network} size={12} />} <strong>{a ? accountLabel(a) : h.entry.accountId}</strong>{" "}
                  <span class="muted small">
                    due {a ? formatInZone(h.entry.scheduledAt, a.timeZone) : formatDateTime(h.entry.scheduledAt)}
                  </span>
                  {drafts[h.entry.draftId] && (
                    <bdi dir="auto" class="held-excerpt">
                      {drafts[h.entry.draftId]!.slice(0, 120)}
                    </bdi>
                  )}
                  <span class={`outcome outcome-${h.outcome}`}>
                    {decided ? (h.entry.state === "cancelled" ? "Cancelled: it will not go out" : "Released: it goes out now") : outcomeWords(h.outcome)}
                  </span>
                </div>
                {h.outcome === "still_held_past_time" && !decided && (
                  <div class="button-row">
                    <button type="button" class="primary small" onClick={() => void act(h, "release")}>
                      Send now
                    </button>
                    <button type="button" class="secondary small" onClick={() => void act(h, "cancel")}>
                      Cancel it
                    </button>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {error && <ErrorNotice error={error} />}
      <div class="button-row end">
        <a href="#/outbox" class="button-link" onClick={props.onClose}>
          Open the outbox
        </a>
        <button type="button" class="secondary" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
