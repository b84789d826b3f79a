// The signed-in approver's queue, shared by the navigation badge and the queue screen, and
// reloaded whenever an approval event arrives.
import { signal } from "@preact/signals";
import type { Backend, CoreEvent } from "../../ipc";
import type { QueueEntry } from "../../ipc/backend";

export const queue = signal<QueueEntry[] | null>(null);

/** Events after which the queue may have changed. */
export const QUEUE_EVENTS: ReadonlySet<CoreEvent["type"]> = new Set([
  "approval_requested",
  "draft_decided",
  "changes_requested",
  "draft_withdrawn",
  "approvals_voided",
  "draft_expired",
  "lagged",
]);

let seq = 0;

/** Reload the queue (answers that arrive out of order are dropped). */
export async function refreshQueue(backend: Backend): Promise<QueueEntry[]> {
  const mine = ++seq;
  const q = await backend.approvalQueue();
  if (mine === seq) queue.value = q;
  return q;
}

export function resetQueue() {
  seq++;
  queue.value = null;
}
