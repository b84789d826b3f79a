// The backend interface the UI is written against. The Tauri implementation is in ./tauri.ts;
// tests use a fake (src/testing/fake-backend.ts). Nothing here imports Tauri.
//
// Commands are derived from the generated bindings: every Rust command `foo_bar` appears here as
// `fooBar(...)`, returning its data or throwing an `AppError` whose `code` the UI switches on.

import type { commands, CoreEvent, ErrorCode, IpcError } from "./bindings";

export type { CoreEvent, ErrorCode, IpcError } from "./bindings";
export type * from "./bindings";

/** The status-tagged result every generated command resolves with. */
export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

type Commands = typeof commands;
type Unwrapped<F> = F extends (...args: infer A) => Promise<Result<infer T, IpcError>>
  ? (...args: A) => Promise<T>
  : never;

/** Every IPC command, unwrapped: resolves with the data or rejects with an {@link AppError}. */
export type BackendCommands = { [K in keyof Commands]: Unwrapped<Commands[K]> };

export interface Backend extends BackendCommands {
  /** Subscribe to the core's events (delivered in batches). Returns an unsubscribe function. */
  onEvents(handler: (events: CoreEvent[]) => void): Promise<() => void>;
}

/** An error from the core: a closed `code` to switch on and a message for people. */
export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "AppError";
    this.code = code;
  }
  static from(e: unknown): AppError {
    if (e instanceof AppError) return e;
    if (isIpcError(e)) return new AppError(e.code, e.message);
    return new AppError("internal", e instanceof Error ? e.message : String(e));
  }
}

function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** Unwrap a tauri-specta result, throwing an {@link AppError} on failure. */
export function unwrap<T>(r: Result<T, IpcError>): T {
  if (r.status === "ok") return r.data;
  throw new AppError(r.error.code, r.error.message);
}

/** What each error code means to a person, for places that have nothing more specific to say. */
export function describeError(code: ErrorCode): string {
  switch (code) {
    case "validation":
      return "Something needs correcting.";
    case "not_found":
      return "It no longer exists.";
    case "conflict":
      return "Someone changed this meanwhile.";
    case "forbidden":
      return "You are not allowed to do this.";
    case "needs_reauth":
      return "The account needs to be reconnected.";
    case "rate_limited":
      return "The network asked us to slow down; this will be retried.";
    case "rejected":
      return "The network refused this.";
    case "network":
      return "The network could not be reached.";
    case "keychain_unavailable":
      return "The system keychain is not available.";
    case "paused":
      return "A crisis pause is holding this.";
    case "internal":
      return "Something went wrong inside Chancery.";
  }
}
