// The outbox: every approved post per account — queued, held (and why), sending, sent (with
// the network's post id), failed (with the network's reason in plain words) or cancelled —
// with release and cancel where they apply. Live: it reloads on outbox and pause events.
import { useEffect, useMemo, useState } from "preact/hooks";
import { AppError } from "../../ipc";
import type { HoldReason, OutboxEntry, OutboxState } from "../../ipc/backend";
import { ErrorNotice } from "../../lib/error-notice";
import { formatDateTime, formatInZone, formatRelative } from "../../lib/format";
import { useBackend } from "../../state/backend";
import { onCoreEvents } from "../../state/events";
import { accountLabel, directory, loadDirectory } from "../compose/directory";
import { NetworkIcon } from "../compose/icons";
import { describeScope, pauseDialogOpen, pauses } from "./pauses";

const RELOAD_ON = new Set([
  "outbox_changed",
  "post_published",
  "publish_failed",
  "post_held",
  "held_by_pause",
  "pause_started",
  "pause_ended",
  "draft_decided",
  "lagged",
]);

type Filter = "all" | OutboxState;
const FILTERS: Filter[] = ["all", "queued", "held", "sending", "sent", "failed", "cancelled"];

export function stateWords(s: OutboxState): string {
  switch (s) {
    case "queued":
      return "Queued";
    case "held":
      return "Held";
    case "sending":
      return "Sending";
    case "sent":
      return "Sent";
    case "failed":
      return "Failed";
    case "cancelled":
      return "Cancelled";
  }
}

export function holdWords(r: HoldReason | null | undefined): string {
  switch (r) {
    case "pause":
      return "held by a crisis pause";
    case "late":
      return "its time passed while it could not go out: send it now or cancel it";
    case "needs_reauth":
      return "its account must be reconnected; it goes out once it is";
    case null:
    case undefined:
      return "held";
  }
}

export function OutboxScreen() {
  const backend = useBackend();
  const [entries, setEntries] = useState<OutboxEntry[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [rowError, setRowError] = useState<{ id: string; error: AppError } | null>(null);
  const [filter, setFilter] = useState<Filter>("all");
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [tick, setTick] = useState(0);

  useEffect(() => {
    void loadDirectory(backend).catch(() => {});
  }, [backend]);
  useEffect(() => {
    let live = true;
    backend.listOutbox().then(
      (e) => {
        if (!live) return;
        setEntries(e);
        setError(null);
      },
      (e) => live && setError(AppError.from(e)),
    );
    return () => {
      live = false;
    };
  }, [backend, tick]);
  useEffect(() => onCoreEvents((events) => events.some((e) => RELOAD_ON.has(e.type)) && setTick((t) => t + 1)), []);

  // The text of each post (one fetch per draft).
  useEffect(() => {
    for (const id of new Set((entries ?? []).map((e) => e.draftId))) {
      if (texts[id] !== undefined) continue;
      setTexts((m) => ({ ...m, [id]: "" }));
      backend.getDraft(id).then(
        (d) => setTexts((m) => ({ ...m, [id]: d.content.text })),
        () => {},
      );
    }
  }, [entries]);

  const dir = directory.value;
  const counts = useMemo(() => {
    const c: Record<string, number> = { all: entries?.length ?? 0 };
    for (const e of entries ?? []) c[e.state] = (c[e.state] ?? 0) + 1;
    return c;
  }, [entries]);
  const shown = (entries ?? []).filter((e) => filter === "all" || e.state === filter);

  async function act(e: OutboxEntry, what: "release" | "cancel") {
    setRowError(null);
    try {
      if (what === "release") await backend.releaseHeld(e.id);
      else await backend.cancelOutboxEntry(e.id);
      setTick((t) => t + 1);
    } catch (err) {
      setRowError({ id: e.id, error: AppError.from(err) });
    }
  }

  return (
    <section class="outbox" aria-labelledby="outbox-title">
      <header class="outbox-head">
        <h2 id="outbox-title">Outbox</h2>
        <span class="spacer" />
        <button type="button" class="secondary" onClick={() => setTick((t) => t + 1)}>
          Refresh
        </button>
        <button type="button" class="danger" onClick={() => (pauseDialogOpen.value = true)}>
          Pause posting…
        </button>
      </header>
      {pauses.value.length > 0 && (
        <p class="notice warn">
          {pauses.value.length === 1 ? "A crisis pause is on" : `${pauses.value.length} crisis pauses are on`} (
          {pauses.value.map((p) => describeScope(p.scope, dir)).join("; ")}): posts it covers are held.
        </p>
      )}
      <div role="tablist" aria-label="Show" class="tabs filter-tabs">
        {FILTERS.map((f) => (
          <button
            type="button"
            role="tab"
            key={f}
            id={`outbox-filter-${f}`}
            aria-selected={filter === f}
            tabIndex={filter === f ? 0 : -1}
            onClick={() => setFilter(f)}
            onKeyDown={(e) => {
              if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
                const i = FILTERS.indexOf(filter);
                const next = FILTERS[(i + (e.key === "ArrowRight" ? 1 : FILTERS.length - 1)) % FILTERS.length] ?? "all";
                setFilter(next);
                document.getElementById(`outbox-filter-${next}`)?.focus();
              }
            }}
          >
            {f === "all" ? "All" : stateWords(f)} <span class="muted">{counts[f] ?? 0}</span>
          </button>
        ))}
      </div>
      {error && <ErrorNotice error={error} />}
      {entries === null && !error && <p class="muted">Loading…</p>}
      {entries && shown.length === 0 && <p class="muted">{entries.length === 0 ? "Nothing approved yet: approved posts appear here." : "None."}</p>}
      {shown.length > 0 && (
        <table class="outbox-table" id="outbox-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Account</th>
              <th scope="col">Post</th>
              <th scope="col">State</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => {
              const a = dir?.accountsById.get(e.accountId)?.account;
              return (
                <tr key={e.id} data-outbox={e.id} data-state={e.state} data-account={a?.handle}>
                  <td class="when">
                    {a ? formatInZone(e.scheduledAt, a.timeZone) : formatDateTime(e.scheduledAt)}
                    <span class="muted small">{formatRelative(e.scheduledAt)}</span>
                  </td>
                  <td>
                    <NetworkIcon network={e.network} size={12} /> {a ? accountLabel(a) : e.accountId}
                  </td>
                  <td class="post-text">
                    <a href={`#/approvals/${encodeURIComponent(e.draftId)}`}>
                      <bdi dir="auto">{(texts[e.draftId] ?? "").slice(0, 140) || "…"}</bdi>
                    </a>
                  </td>
                  <td class="state-cell">
                    <span class={`state-chip outbox-${e.state}`}>{stateWords(e.state)}</span>
                    <StateDetail e={e} />
                  </td>
                  <td class="actions">
                    {e.state === "held" && (
                      <button type="button" class="small" onClick={() => void act(e, "release")} title="Send it now (or at its time if that is still ahead)">
                        Send
                      </button>
                    )}
                    {(e.state === "queued" || e.state === "held") && (
                      <button type="button" class="secondary small" onClick={() => void act(e, "cancel")}>
                        Cancel
                      </button>
                    )}
                    {rowError?.id === e.id && <ErrorNotice error={rowError.error} />}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function StateDetail(props: { e: OutboxEntry }) {
  const e = props.e;
  switch (e.state) {
    case "queued":
      return <span class="small muted">{e.attempts > 0 ? `retrying (attempt ${e.attempts + 1})${e.lastError ? `: ${e.lastError}` : ""}` : "goes out at its time"}</span>;
    case "held":
      return <span class="small">{holdWords(e.holdReason)}</span>;
    case "sending":
      return <span class="small muted">attempt {e.attempts}</span>;
    case "sent":
      return (
        <span class="small">
          {e.sentAt ? formatDateTime(e.sentAt) : ""} · post id <code class="post-id">{e.externalPostId}</code>
        </span>
      );
    case "failed":
      return <span class="small problem error">{e.lastError ?? "The network refused it."}</span>;
    case "cancelled":
      return <span class="small muted">will not go out</span>;
  }
}
