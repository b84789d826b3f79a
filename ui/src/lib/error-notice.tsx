// An error from the core, shown with its code and the core's message for people. Every screen
// shows failures this way, never as a raw exception.
import { AppError, describeError, type ErrorCode } from "../ipc";

/** A short heading for each error code (exhaustive: a new code fails the type check). */
export function errorTitle(code: ErrorCode): string {
  switch (code) {
    case "validation":
      return "Needs correcting";
    case "not_found":
      return "Not found";
    case "conflict":
      return "Changed meanwhile";
    case "forbidden":
      return "Not allowed";
    case "needs_reauth":
      return "Account must be reconnected";
    case "rate_limited":
      return "Slowed down by the network";
    case "rejected":
      return "Refused by the network";
    case "network":
      return "Network unreachable";
    case "keychain_unavailable":
      return "Keychain unavailable";
    case "paused":
      return "Held by a crisis pause";
    case "internal":
      return "Something went wrong";
  }
}

export function ErrorNotice(props: { error: unknown; id?: string; class?: string }) {
  const e = AppError.from(props.error);
  return (
    <div id={props.id} class={props.class ? `error-notice ${props.class}` : "error-notice"} role="alert" data-code={e.code}>
      <strong>{errorTitle(e.code)}</strong> <span class="error-code">{e.code}</span>
      <p>{e.message || describeError(e.code)}</p>
    </div>
  );
}
