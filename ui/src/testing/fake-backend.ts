// An in-memory backend for UI tests: the same interface as the Tauri one, no Tauri anywhere.
// Each feature's commands live in ./fake/<feature>.ts over one shared state.
import { AppError, type Backend, type CoreEvent } from "../ipc";
import type { FakeContext } from "./fake/context";
import { createFakeState, type FakeState } from "./fake/state";
import { systemCommands } from "./fake/system";
import { inboxCommands } from "./fake/inbox";
import { accountCommands } from "./fake/accounts";
import { syncCommands } from "./fake/sync";
import { draftCommands } from "./fake/drafts";
import { approvalCommands } from "./fake/approvals";
import { outboxCommands } from "./fake/outbox";

export interface FakeBackend extends Backend {
  state: FakeState;
  /** Deliver a batch of events to every subscriber, as the shell would. */
  emit(events: CoreEvent[]): void;
  /** Make the next call of `command` fail with this error. */
  failNext(command: string, error: AppError): void;
  /** How many times each command was called. */
  calls: Record<string, number>;
}

export interface FakeOptions {
  keychainOk?: boolean;
  /** Start signed in as this person id. */
  signedIn?: string;
}

export function fakeBackend(opts: FakeOptions = {}): FakeBackend {
  const state = createFakeState();
  state.signedIn = opts.signedIn ?? null;
  const handlers = new Set<(events: CoreEvent[]) => void>();
  const failures = new Map<string, AppError>();
  const calls: Record<string, number> = {};
  const emit = (events: CoreEvent[]) => {
    for (const h of handlers) h(events);
  };
  const ctx: FakeContext = {
    state,
    emit,
    enter(command) {
      calls[command] = (calls[command] ?? 0) + 1;
      const failure = failures.get(command);
      if (failure) {
        failures.delete(command);
        throw failure;
      }
    },
    me() {
      if (!state.signedIn) throw new AppError("forbidden", "sign in first: choose who you are");
      return state.signedIn;
    },
  };
  return {
    state,
    calls,
    emit,
    failNext(command, error) {
      failures.set(command, error);
    },
    async onEvents(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    ...systemCommands(ctx, opts),
    ...inboxCommands(ctx),
    ...accountCommands(ctx),
    ...syncCommands(ctx),
    ...draftCommands(ctx),
    ...approvalCommands(ctx),
    ...outboxCommands(ctx),
  };
}
