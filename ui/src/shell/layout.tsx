// The frame around every screen: top bar (workspace, rehearsal badge, crisis pause banner,
// signed-in person), navigation with live badges, and the screen itself.
import type { ComponentChildren } from "preact";
import { route, navigate, type Screen } from "../state/router";
import { session, workspace, signOut } from "../state/session";
import { useBackend } from "../state/backend";
import { useShortcuts } from "../lib/keys";
import { InboxBadge } from "../features/inbox/badge";
import { ApprovalsBadge } from "../features/approvals/badge";
import { PauseBanner } from "../features/outbox/pause-banner";
import { PauseButton } from "../features/outbox/pause-control";
import { ThemeToggle } from "./theme";

const NAV: { screen: Screen; label: string; key: string; badge?: () => ComponentChildren }[] = [
  { screen: "inbox", label: "Inbox", key: "1", badge: () => <InboxBadge /> },
  { screen: "compose", label: "Compose", key: "2" },
  { screen: "approvals", label: "Approvals", key: "3", badge: () => <ApprovalsBadge /> },
  { screen: "outbox", label: "Outbox", key: "4" },
  { screen: "accounts", label: "Accounts", key: "5" },
  { screen: "sync", label: "Sync", key: "6" },
  { screen: "system", label: "System", key: "7" },
];

export function Layout({ children }: { children: ComponentChildren }) {
  const backend = useBackend();
  const ws = workspace.value;
  const s = session.value;
  useShortcuts(Object.fromEntries(NAV.map((n) => [`Alt+${n.key}`, () => navigate(n.screen)])));
  return (
    <div class="shell">
      <header class="topbar" role="banner">
        <span class="brand">Chancery</span>
        {ws && <span class="workspace-name">{ws.name}</span>}
        {ws?.rehearsal && (
          <span class="badge rehearsal" title="A rehearsal workspace on the built-in sandbox: nothing reaches the real networks.">
            Rehearsal
          </span>
        )}
        <span class="spacer" />
        {s && <PauseButton />}
        <ThemeToggle />
        {s && (
          <span class="person" id="signed-in-person">
            {s.person.displayName}
            <button type="button" class="link" onClick={() => void signOut(backend)}>
              Switch person
            </button>
          </span>
        )}
      </header>
      <PauseBanner />
      <div class="body">
        <nav class="sidebar" aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.screen}>
                <a
                  href={`#/${n.screen}`}
                  id={`nav-${n.screen}`}
                  aria-current={route.value.screen === n.screen ? "page" : undefined}
                  title={`${n.label} (Alt+${n.key})`}
                >
                  <span>{n.label}</span>
                  {n.badge?.()}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main class="content" role="main" id="main">
          {children}
        </main>
      </div>
    </div>
  );
}
