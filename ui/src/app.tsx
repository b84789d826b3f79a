// The app: load the workspace and session, then either the sign-in screen or the signed-in frame.
import { useEffect, useState } from "preact/hooks";
import { AppError, describeError, type Backend } from "./ipc";
import { BackendProvider } from "./state/backend";
import { startEvents } from "./state/events";
import { route } from "./state/router";
import { loadSession, session } from "./state/session";
import { Layout } from "./shell/layout";
import { SignIn } from "./shell/sign-in";
import { InboxScreen } from "./features/inbox";
import { ComposeScreen } from "./features/compose";
import { ApprovalsScreen } from "./features/approvals";
import { OutboxScreen } from "./features/outbox";
import { AccountsScreen } from "./features/accounts";
import { SyncScreen } from "./features/sync";
import { SystemPanel } from "./features/system/system-panel";

export function App({ backend }: { backend: Backend }) {
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  useEffect(() => {
    void startEvents(backend);
    loadSession(backend).then(
      () => setLoaded(true),
      (e) => setError(AppError.from(e)),
    );
  }, [backend]);

  return (
    <BackendProvider backend={backend}>
      {error ? (
        <main class="sign-in" role="main">
          <h1>Chancery could not start</h1>
          <p class="error" role="alert" data-code={error.code}>
            {error.message || describeError(error.code)}
          </p>
        </main>
      ) : !loaded ? (
        <main class="sign-in" role="main" aria-busy="true">
          <p class="muted">Opening the workspace…</p>
        </main>
      ) : session.value ? (
        <Layout>
          <CurrentScreen />
        </Layout>
      ) : (
        <SignIn />
      )}
    </BackendProvider>
  );
}

function CurrentScreen() {
  switch (route.value.screen) {
    case "inbox":
      return <InboxScreen />;
    case "compose":
      return <ComposeScreen draftId={route.value.param} />;
    case "approvals":
      return <ApprovalsScreen draftId={route.value.param} />;
    case "outbox":
      return <OutboxScreen />;
    case "accounts":
      return <AccountsScreen />;
    case "sync":
      return <SyncScreen />;
    case "system":
      return <SystemPanel />;
  }
}
