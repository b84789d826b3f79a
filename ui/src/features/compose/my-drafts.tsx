// The signed-in person's drafts with their states, newest first; refreshed when a decision,
// an edit or a publication concerns one of them.
import { useEffect, useState } from "preact/hooks";
import { AppError } from "../../ipc";
import type { DraftSummary } from "../../ipc/backend";
import { ErrorNotice } from "../../lib/error-notice";
import { formatRelative } from "../../lib/format";
import { useBackend } from "../../state/backend";
import { onCoreEvents } from "../../state/events";
import { stateLabel } from "./model";

const REFRESH_ON = new Set([
  "draft_decided",
  "changes_requested",
  "draft_withdrawn",
  "approvals_voided",
  "draft_expired",
  "approval_requested",
  "outbox_changed",
  "post_published",
  "publish_failed",
  "lagged",
]);

export function MyDrafts(props: { currentId?: string | undefined; refreshKey?: unknown }) {
  const backend = useBackend();
  const [drafts, setDrafts] = useState<DraftSummary[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    backend.myDrafts().then(
      (d) => {
        if (live) {
          setDrafts(d);
          setError(null);
        }
      },
      (e) => live && setError(AppError.from(e)),
    );
    return () => {
      live = false;
    };
  }, [backend, tick, props.refreshKey]);

  useEffect(() => onCoreEvents((events) => events.some((e) => REFRESH_ON.has(e.type)) && setTick((t) => t + 1)), []);

  return (
    <section class="my-drafts" aria-labelledby="my-drafts-title">
      <h3 id="my-drafts-title">My drafts</h3>
      {error && <ErrorNotice error={error} />}
      {drafts && drafts.length === 0 && <p class="muted">Nothing yet. What you write is saved here as you type.</p>}
      {drafts && drafts.length > 0 && (
        <ul class="draft-list" id="my-drafts">
          {drafts.map((d) => (
            <li key={d.id} class={d.id === props.currentId ? "current" : undefined} data-draft={d.id} data-state={d.state}>
              <a
                href={`#/compose/${encodeURIComponent(d.id)}`}
                aria-current={d.id === props.currentId ? "page" : undefined}
                onClick={(e) => {
                  // The draft open in the editor: stay (reopening it would race its last save).
                  if (d.id === props.currentId) e.preventDefault();
                }}
              >
                <bdi dir="auto" class="draft-excerpt">
                  {d.excerpt || <span class="muted">(no text yet)</span>}
                </bdi>
                <span class="draft-meta small">
                  <span class={`state-chip state-${d.state}`}>{stateLabel(d.state)}</span>
                  {d.kind === "reply" ? " · reply" : ""} · {d.targetCount} account{d.targetCount === 1 ? "" : "s"} · v{d.version} ·{" "}
                  {formatRelative(d.updatedAt)}
                </span>
              </a>
              {d.state !== "editing" && (
                <a class="small status-link" href={`#/approvals/${encodeURIComponent(d.id)}`}>
                  Approval and history
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
