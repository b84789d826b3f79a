// The workspace and the signed-in person, shared by every screen.
import { signal } from "@preact/signals";
import type { Backend } from "../ipc";
import { mark, MARK } from "../lib/perf";
import type { Session, WorkspaceInfo } from "../ipc/backend";

export const workspace = signal<WorkspaceInfo | null>(null);
export const session = signal<Session | null>(null);

export async function loadSession(backend: Backend) {
  const [ws, s] = await Promise.all([backend.workspaceInfo(), backend.currentSession()]);
  workspace.value = ws;
  session.value = s;
  mark(MARK.sessionLoaded);
}

export async function signIn(backend: Backend, personId: string) {
  session.value = await backend.signIn(personId);
}

export async function signOut(backend: Backend) {
  await backend.signOut();
  session.value = null;
}

/** Does the signed-in person hold `role` anywhere? */
export function hasRole(s: Session | null, role: Session["roles"][number]["role"]): boolean {
  return !!s?.roles.some((r) => r.role === role);
}
