// Fake: the app, the workspace, sign-in.
import { AppError } from "../../ipc";
import type { BackendCommands } from "../../ipc/backend";
import type { FakeContext } from "./context";
import { notFound } from "./context";
import { sessionOf } from "./state";

export type SystemCommands = Pick<
  BackendCommands,
  "systemCheck" | "workspaceInfo" | "listPeople" | "signIn" | "signOut" | "currentSession"
>;

export function systemCommands(ctx: FakeContext, opts: { keychainOk?: boolean } = {}): SystemCommands {
  const { state } = ctx;
  return {
    async systemCheck() {
      ctx.enter("systemCheck");
      const ok = opts.keychainOk ?? true;
      return {
        version: "0.0.0-test",
        dataDir: "/tmp/chancery-test",
        keyringService: "chancery/test",
        keychain: { ok, message: ok ? "probe written, read and deleted" : "no usable credential store" },
      };
    },
    async workspaceInfo() {
      ctx.enter("workspaceInfo");
      return state.workspace;
    },
    async listPeople() {
      ctx.enter("listPeople");
      return state.people;
    },
    async signIn(personId) {
      ctx.enter("signIn");
      const p = state.people.find((x) => x.person.id === personId);
      if (!p) throw notFound("that person");
      if (!p.person.active) throw new AppError("forbidden", `${p.person.displayName} is deactivated`);
      state.signedIn = personId;
      return sessionOf(state, personId);
    },
    async signOut() {
      ctx.enter("signOut");
      state.signedIn = null;
      return null;
    },
    async currentSession() {
      ctx.enter("currentSession");
      return state.signedIn ? sessionOf(state, state.signedIn) : null;
    },
  };
}
