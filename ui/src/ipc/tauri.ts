// The Tauri implementation of the backend. Together with the generated ./bindings.ts, this is
// the only code that talks to Tauri (a test enforces it).

import { commands, events } from "./bindings";
import { unwrap, type Backend, type BackendCommands } from "./backend";

function unwrapAll(): BackendCommands {
  const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(commands)) {
    const call = fn as (...args: unknown[]) => Promise<Parameters<typeof unwrap>[0]>;
    out[name] = async (...args: unknown[]) => unwrap(await call(...args));
  }
  return out as unknown as BackendCommands;
}

export function tauriBackend(): Backend {
  return {
    ...unwrapAll(),
    async onEvents(handler) {
      return events.coreEvents.listen((e) => handler(e.payload));
    },
  };
}
