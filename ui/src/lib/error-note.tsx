// An error from the core, shown in plain words with its code (never a raw exception), and what
// the reader can do about it.
import { AppError, type ErrorCode } from "../ipc";

/** What to do next, per error code. */
export function errorAdvice(code: ErrorCode): string {
  switch (code) {
    case "validation":
      return "Correct it and try again.";
    case "not_found":
      return "It may have been removed meanwhile; reload to see the current state.";
    case "conflict":
      return "Someone changed this meanwhile; reload and try again.";
    case "forbidden":
      return "Ask someone with the right role, or sign in as them.";
    case "needs_reauth":
      return "Reconnect the account under Accounts.";
    case "rate_limited":
      return "The network asked us to slow down; Chancery retries by itself.";
    case "rejected":
      return "The network refused it; the message says why.";
    case "network":
      return "Check the connection; Chancery keeps working from its cache.";
    case "keychain_unavailable":
      return "Unlock the system keychain, then try again.";
    case "paused":
      return "A crisis pause holds this until it is lifted.";
    case "internal":
      return "Try again; if it keeps happening, report it with the code shown.";
  }
}

export function ErrorNote(props: { error: unknown; what?: string; onRetry?: () => void; id?: string }) {
  const e = AppError.from(props.error);
  return (
    <div class="error-note" role="alert" data-code={e.code} id={props.id}>
      <p>
        {props.what && <strong>{props.what}: </strong>}
        {e.message || errorAdvice(e.code)}
      </p>
      <p class="muted small">
        {errorAdvice(e.code)} <code>{e.code}</code>
        {props.onRetry && (
          <button type="button" class="link" onClick={props.onRetry}>
            Try again
          </button>
        )}
      </p>
    </div>
  );
}
