// An in-memory backend for UI tests: same interface as the Tauri one, no Tauri anywhere.

import { AppError, type Backend, type CoreEvent } from "../ipc";
import type { SystemCheck } from "../ipc/backend";

export interface FakeBackend extends Backend {
  /** Deliver a batch of events to every subscriber, as the shell would. */
  emit(events: CoreEvent[]): void;
  /** Make the next call of `command` fail with this error. */
  failNext(command: string, error: AppError): void;
  /** How many times each command was called. */
  calls: Record<string, number>;
}

export function fakeBackend(overrides: Partial<{ keychainOk: boolean }> = {}): FakeBackend {
  const handlers = new Set<(events: CoreEvent[]) => void>();
  const failures = new Map<string, AppError>();
  const calls: Record<string, number> = {};

  function enter(command: string) {
    calls[command] = (calls[command] ?? 0) + 1;
    const failure = failures.get(command);
    if (failure) {
      failures.delete(command);
      throw failure;
    }
  }

  return {
    calls,
    emit(events) {
      for (const h of handlers) h(events);
    },
    failNext(command, error) {
      failures.set(command, error);
    },
    async onEvents(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async systemCheck(): Promise<SystemCheck> {
      enter("systemCheck");
      const ok = overrides.keychainOk ?? true;
      return {
        version: "0.0.0-test",
        dataDir: "/tmp/chancery-test",
        keyringService: "chancery/test",
        keychain: { ok, message: ok ? "probe written, read and deleted" : "no usable credential store" },
      };
    },
  };
}
