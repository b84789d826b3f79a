// Choose who you are. In a rehearsal workspace these are the demo people: an officer drafts,
// an ambassador reviews, a digital lead approves, an admin runs accounts and policies.
import { useEffect, useState } from "preact/hooks";
import { AppError, describeError } from "../ipc";
import type { PersonSummary } from "../ipc/backend";
import { useBackend } from "../state/backend";
import { signIn, workspace } from "../state/session";

const ROLE_WORDS: Record<string, string> = {
  officer: "drafts posts and replies",
  reviewer: "reviews drafts (ambassador)",
  approver: "approves drafts",
  admin: "manages accounts and policies",
};

export function SignIn() {
  const backend = useBackend();
  const [people, setPeople] = useState<PersonSummary[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  useEffect(() => {
    backend.listPeople().then(setPeople, (e) => setError(AppError.from(e)));
  }, [backend]);

  return (
    <main class="sign-in" role="main">
      <h1>Who are you?</h1>
      {workspace.value?.rehearsal && (
        <p class="hint">
          This is a rehearsal workspace on the built-in sandbox: 240 accounts with live traffic, and nothing you do reaches
          the real networks. Sign in as one of its people to try the workflow.
        </p>
      )}
      {error && (
        <p class="error" role="alert" data-code={error.code}>
          {error.message || describeError(error.code)}
        </p>
      )}
      <ul class="people" aria-label="People">
        {people?.map((p) => {
          const roles = [...new Set(p.roles.map((r) => r.role))];
          return (
            <li key={p.person.id}>
              <button
                type="button"
                class="person-card"
                data-person={p.person.displayName}
                disabled={!p.person.active}
                onClick={() => signIn(backend, p.person.id).catch((e) => setError(AppError.from(e)))}
              >
                <strong>{p.person.displayName}</strong>
                <span class="muted">{roles.map((r) => ROLE_WORDS[r] ?? r).join(", ") || "no role yet"}</span>
                <span class="muted small">{[...new Set(p.roles.map((r) => r.groupName))].join(", ")}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </main>
  );
}
