// The number of drafts waiting for the signed-in person, next to "Approvals" in the navigation.
// Loaded on sign-in and reloaded on approval events.
import { useEffect } from "preact/hooks";
import { formatCount } from "../../lib/format";
import { useBackend } from "../../state/backend";
import { onCoreEvents } from "../../state/events";
import { session } from "../../state/session";
import { QUEUE_EVENTS, queue, refreshQueue, resetQueue } from "./queue";

export function ApprovalsBadge() {
  const backend = useBackend();
  const person = session.value?.person.id;
  const canReview = !!session.value?.canReview;
  useEffect(() => {
    if (!person || !canReview) {
      resetQueue();
      return;
    }
    void refreshQueue(backend).catch(() => {});
    return onCoreEvents((events) => {
      if (events.some((e) => QUEUE_EVENTS.has(e.type))) void refreshQueue(backend).catch(() => {});
    });
  }, [backend, person, canReview]);
  const n = queue.value?.length ?? 0;
  if (!canReview || n === 0) return null;
  return (
    <span class="badge count" id="approvals-badge" aria-label={`${n} waiting for you`}>
      {formatCount(n)}
    </span>
  );
}
