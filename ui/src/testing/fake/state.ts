// A small ministry for UI tests: a few groups, accounts on both networks, four people with the
// demo roles. Feature modules add their own data (items, drafts, pauses...) to this state.
import type {
  AccountListing,
  GroupNode,
  PersonSummary,
  Session,
  WorkspaceInfo,
} from "../../ipc/backend";

export interface FakeState {
  workspace: WorkspaceInfo;
  people: PersonSummary[];
  groups: GroupNode[];
  accounts: AccountListing[];
  signedIn: string | null;
  /** Extra per-feature state, keyed by feature name. */
  extra: Record<string, unknown>;
}

export const IDS = {
  officer: "p-officer",
  ambassador: "p-ambassador",
  lead: "p-lead",
  admin: "p-admin",
  europe: "g-europe",
  paris: "g-paris",
  berlin: "g-berlin",
  asia: "g-asia",
  tokyo: "g-tokyo",
  root: "g-ministry",
} as const;

export function createFakeState(): FakeState {
  const roles = (role: "officer" | "reviewer" | "approver" | "admin", groupId: string, groupName: string) => ({ role, groupId, groupName });
  const person = (id: string, displayName: string, email: string) => ({ id, displayName, email, active: true });
  const groups: GroupNode[] = [
    {
      group: { id: IDS.root, name: "Ministry", kind: "ministry", parentId: null },
      children: [
        {
          group: { id: IDS.europe, name: "Europe", kind: "region", parentId: IDS.root },
          children: [
            { group: { id: IDS.paris, name: "Embassy in Paris", kind: "post", parentId: IDS.europe }, children: [] },
            { group: { id: IDS.berlin, name: "Embassy in Berlin", kind: "post", parentId: IDS.europe }, children: [] },
          ],
        },
        {
          group: { id: IDS.asia, name: "Asia-Pacific", kind: "region", parentId: IDS.root },
          children: [{ group: { id: IDS.tokyo, name: "Embassy in Tokyo", kind: "post", parentId: IDS.asia }, children: [] }],
        },
      ],
    },
  ] as unknown as GroupNode[];
  const account = (id: string, network: "x" | "facebook", handle: string, name: string, group: string, path: string[], tz: string, lang: string) =>
    ({
      account: {
        id,
        network,
        externalId: `ext-${id}`,
        handle,
        displayName: name,
        avatarPath: null,
        timeZone: tz,
        language: lang,
        groupId: group,
        kind: "embassy",
        health: { status: "connected", accessExpiresAt: null, lastRefreshAt: null, lastError: null },
      },
      groupPath: path,
    }) as unknown as AccountListing;
  return {
    workspace: { id: "ws-test", name: "Rehearsal (test)", rehearsal: true, xApiBase: "http://127.0.0.1:1", graphApiBase: "http://127.0.0.1:1/v24.0" },
    people: [
      { person: person(IDS.officer, "Olivia Officer", "olivia@ministry.test"), roles: [roles("officer", IDS.europe, "Europe")] },
      { person: person(IDS.ambassador, "Amb. Anton Reviewer", "anton@ministry.test"), roles: [roles("reviewer", IDS.paris, "Embassy in Paris")] },
      { person: person(IDS.lead, "Dana Digital Lead", "dana@ministry.test"), roles: [roles("approver", IDS.root, "Ministry")] },
      { person: person(IDS.admin, "Adam Admin", "adam@ministry.test"), roles: [roles("admin", IDS.root, "Ministry")] },
    ],
    groups,
    accounts: [
      account("a-paris-x", "x", "EmbassyParis", "Embassy in Paris", IDS.paris, ["Ministry", "Europe", "Embassy in Paris"], "Europe/Paris", "fr"),
      account("a-paris-fb", "facebook", "Embassy in Paris", "Embassy in Paris", IDS.paris, ["Ministry", "Europe", "Embassy in Paris"], "Europe/Paris", "fr"),
      account("a-berlin-x", "x", "EmbassyBerlin", "Embassy in Berlin", IDS.berlin, ["Ministry", "Europe", "Embassy in Berlin"], "Europe/Berlin", "de"),
      account("a-tokyo-x", "x", "EmbassyTokyo", "Embassy in Tokyo", IDS.tokyo, ["Ministry", "Asia-Pacific", "Embassy in Tokyo"], "Asia/Tokyo", "ja"),
    ],
    signedIn: null,
    extra: {},
  };
}

export function sessionOf(state: FakeState, personId: string): Session {
  const p = state.people.find((x) => x.person.id === personId);
  if (!p) throw new Error(`unknown person ${personId}`);
  return {
    person: p.person,
    roles: p.roles,
    canReview: p.roles.some((r) => r.role === "reviewer" || r.role === "approver"),
    isAdmin: p.roles.some((r) => r.role === "admin"),
  };
}
