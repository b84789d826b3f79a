// The crisis pauses in force, shared by the top bar's pause control, the banner and the outbox.
// Reloaded on pause events and when a pause's own end time passes.
import { signal } from "@preact/signals";
import type { Backend, CoreEvent } from "../../ipc";
import type { Pause, PauseScope } from "../../ipc/backend";
import type { Directory } from "../compose/directory";

export const pauses = signal<Pause[]>([]);
/** Set to open the pause dialog from anywhere (the top bar button, a shortcut, the outbox). */
export const pauseDialogOpen = signal(false);

export const PAUSE_EVENTS: ReadonlySet<CoreEvent["type"]> = new Set(["pause_started", "pause_ended", "lagged", "ready"]);

let seq = 0;

export async function refreshPauses(backend: Backend): Promise<Pause[]> {
  const mine = ++seq;
  const p = await backend.activePauses();
  if (mine === seq) pauses.value = p;
  return p;
}

export function resetPauses() {
  seq++;
  pauses.value = [];
  pauseDialogOpen.value = false;
}

/** "every account", "Europe (12 accounts)", "@EmbassyParis". */
export function describeScope(scope: PauseScope, dir: Directory | null): string {
  switch (scope.kind) {
    case "all":
      return "every account";
    case "group": {
      const g = dir?.groupsById.get(scope.id);
      return g ? `${g.group.name} (${g.accountIds.length} account${g.accountIds.length === 1 ? "" : "s"})` : "a group";
    }
    case "account": {
      const a = dir?.accountsById.get(scope.id)?.account;
      return a ? (a.network === "x" ? `@${a.handle}` : `${a.displayName} (Facebook)`) : "one account";
    }
  }
}
