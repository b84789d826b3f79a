// What every fake command module shares: the in-memory world, call counting, injected failures,
// and event delivery (as the shell would send them).
import { AppError } from "../../ipc";
import type { CoreEvent } from "../../ipc";
import type { FakeState } from "./state";

export interface FakeContext {
  state: FakeState;
  /** Count a call of `command`, and throw the failure queued for it, if any. */
  enter(command: string): void;
  /** Deliver a batch of core events to subscribers. */
  emit(events: CoreEvent[]): void;
  /** The signed-in person, or a `forbidden` error (as the core would). */
  me(): string;
}

export function notFound(what: string): AppError {
  return new AppError("not_found", `${what} not found`);
}
