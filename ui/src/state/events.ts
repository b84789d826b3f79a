// One subscription to the core's event batches, fanned out to whichever screens listen.
import type { Backend, CoreEvent } from "../ipc";

type Handler = (events: CoreEvent[]) => void;
const handlers = new Set<Handler>();
let started: Promise<() => void> | null = null;

export function startEvents(backend: Backend): Promise<() => void> {
  started ??= backend.onEvents((events) => {
    for (const h of handlers) h(events);
  });
  return started;
}

/** Listen to event batches; returns an unsubscribe function (use it in an effect cleanup). */
export function onCoreEvents(handler: Handler): () => void {
  handlers.add(handler);
  return () => handlers.delete(handler);
}

/** For tests: forget the subscription so a new backend can be wired. */
export function resetEvents() {
  started = null;
  handlers.clear();
}
