// Approvals: the signed-in person's queue (drafts they can move forward now), and a draft's
// review page (#/approvals/<draft id>).
import { useEffect, useState } from "preact/hooks";
import { AppError } from "../../ipc";
import { ErrorNotice } from "../../lib/error-notice";
import { formatRelative } from "../../lib/format";
import { useBackend } from "../../state/backend";
import { onCoreEvents } from "../../state/events";
import { session } from "../../state/session";
import { directory, loadDirectory } from "../compose/directory";
import { QUEUE_EVENTS, queue, refreshQueue } from "./queue";
import { ReviewPage } from "./review";

export function ApprovalsScreen(props: { draftId?: string | undefined }) {
  if (props.draftId) return <ReviewPage key={props.draftId} draftId={props.draftId} />;
  return <QueueScreen />;
}

function QueueScreen() {
  const backend = useBackend();
  const s = session.value;
  const [error, setError] = useState<AppError | null>(null);
  useEffect(() => {
    void loadDirectory(backend).catch(() => {});
    const load = () =>
      refreshQueue(backend).then(
        () => setError(null),
        (e) => setError(AppError.from(e)),
      );
    void load();
    return onCoreEvents((events) => {
      if (events.some((e) => QUEUE_EVENTS.has(e.type))) void load();
    });
  }, [backend]);
  const entries = queue.value;
  const dir = directory.value;

  return (
    <section class="approvals" aria-labelledby="approvals-title">
      <h2 id="approvals-title">Waiting for you</h2>
      {!s?.canReview && (
        <p class="hint">
          You hold no reviewer or approver role, so nothing waits for you here. Your own drafts and where their approval stands
          are under <a href="#/compose">Compose › My drafts</a>.
        </p>
      )}
      {error && <ErrorNotice error={error} />}
      {entries === null && !error && <p class="muted">Loading…</p>}
      {entries && entries.length === 0 && s?.canReview && <p class="muted" id="queue-empty">Nothing waits for your approval.</p>}
      {entries && entries.length > 0 && (
        <ul class="queue" id="approval-queue" aria-label="Drafts waiting for you">
          {entries.map((e) => {
            const lanes = e.status.lanes.filter((l) => !l.complete);
            return (
              <li key={e.draft.id} data-draft={e.draft.id}>
                <a href={`#/approvals/${encodeURIComponent(e.draft.id)}`} class="queue-item">
                  <bdi dir="auto" class="queue-excerpt">
                    {e.draft.excerpt || "(no text)"}
                  </bdi>
                  <span class="queue-meta small muted">
                    {e.draft.kind === "reply" ? "Reply" : "Post"} by {e.authorName} · {e.draft.targetCount} account
                    {e.draft.targetCount === 1 ? "" : "s"} · version {e.draft.version} · {formatRelative(e.draft.updatedAt)}
                  </span>
                  <span class="queue-steps small">
                    {lanes.map((l) => {
                      const step = l.currentStep != null ? l.steps[l.currentStep] : undefined;
                      return (
                        <span key={l.groupId ?? l.groupName} class="lane-chip">
                          {l.groupName}: step {(l.currentStep ?? 0) + 1} of {l.steps.length}
                          {step ? ` (${step.role === "reviewer" ? "review" : "approval"})` : ""}
                        </span>
                      );
                    })}
                  </span>
                </a>
              </li>
            );
          })}
        </ul>
      )}
      {dir === null && null}
    </section>
  );
}
