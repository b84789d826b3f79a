// The backend every screen talks to, provided once at the top of the tree.
import { createContext, type ComponentChildren } from "preact";
import { useContext } from "preact/hooks";
import type { Backend } from "../ipc";

const BackendContext = createContext<Backend | null>(null);

export function BackendProvider({ backend, children }: { backend: Backend; children: ComponentChildren }) {
  return <BackendContext.Provider value={backend}>{children}</BackendContext.Provider>;
}

export function useBackend(): Backend {
  const b = useContext(BackendContext);
  if (!b) throw new Error("useBackend outside BackendProvider");
  return b;
}
