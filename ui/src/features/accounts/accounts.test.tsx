import { describe, expect, it } from "vitest";
import { fireEvent, waitFor, within } from "@testing-library/preact";
import { renderScreen } from "../../testing/render";
import { IDS } from "../../testing/fake/state";
import { attentionOf } from "./index";

const byId = (id: string) => document.getElementById(id);
async function el(id: string): Promise<HTMLElement> {
  return waitFor(() => {
    const e = byId(id);
    expect(e).toBeTruthy();
    return e!;
  });
}
const rows = () => [...document.querySelectorAll("#health-table tbody tr")] as HTMLTableRowElement[];

async function openAccounts(who: string = IDS.admin) {
  const backend = await renderScreen("accounts", { signedIn: who });
  await waitFor(() => expect(rows().length).toBe(backend.state.accounts.length));
  return backend;
}

describe("accounts", () => {
  it("shows every account's token health, the ones needing re-authorisation first", async () => {
    await openAccounts();
    const first = rows()[0]!;
    expect(first.dataset.accountId).toBe("a-berlin-x");
    expect(first.dataset.attention).toBe("reconnect");
    expect(first.textContent).toContain("Needs reconnecting");
    expect(first.textContent).toContain("X refused the refresh token");
    // Tokyo's X token expires in five minutes: the refresh that should have happened is late.
    const tokyo = rows().find((r) => r.dataset.accountId === "a-tokyo-x")!;
    expect(tokyo.dataset.attention).toBe("expiring");
    expect(tokyo.textContent).toMatch(/in 5 min/);
    // A Facebook Page token does not expire.
    expect(rows().find((r) => r.dataset.accountId === "a-paris-fb")!.textContent).toContain("does not expire");
    expect(rows().find((r) => r.dataset.accountId === "a-paris-x")!.dataset.attention).toBe("ok");

    fireEvent.click(byId("health-show-attention")!);
    await waitFor(() => expect(rows().map((r) => r.dataset.accountId)).toEqual(["a-berlin-x", "a-tokyo-x"]));
  });

  it("reconnects an account that needs re-authorisation", async () => {
    const backend = await openAccounts();
    fireEvent.click(within(rows()[0]!).getByRole("button", { name: "Reconnect Embassy in Berlin" }));
    await el("connect-result");
    expect(byId("connect-result")!.textContent).toContain("@EmbassyBerlin");
    await waitFor(() => expect(rows().find((r) => r.dataset.accountId === "a-berlin-x")!.dataset.attention).toBe("ok"));
    expect(backend.calls.connectAccount).toBe(1);
  });

  it("imports accounts from CSV; they arrive not connected", async () => {
    const backend = await openAccounts();
    const csv = [
      "network,handle,display_name,group,kind,time_zone,language",
      "x,EmbassyCairo,Embassy in Cairo,Africa > Embassy in Cairo,institutional,Africa/Cairo,ar",
      'facebook,EmbassyCairoFB,"Embassy in Cairo, Egypt",Africa > Embassy in Cairo,institutional,Africa/Cairo,ar',
    ].join("\n");
    fireEvent.input(byId("import-text")!, { target: { value: csv } });
    fireEvent.click(byId("import-run")!);
    const done = await el("import-done");
    expect(done.textContent).toContain("Imported 2 rows: 2 new, 0 updated");
    expect(backend.state.accounts).toHaveLength(6);
    await waitFor(() => expect(rows()).toHaveLength(6));
    const cairo = rows().find((r) => r.textContent?.includes("@EmbassyCairo"))!;
    expect(cairo.dataset.attention).toBe("disconnected");
  });

  it("imports nothing from an invalid JSON file and lists every problem by row", async () => {
    const backend = await openAccounts();
    const json = JSON.stringify({
      accounts: [
        { network: "x", handle: "EmbassyRome", display_name: "Embassy in Rome", group: ["Europe", "Embassy in Rome"], time_zone: "Europe/Rome", language: "it" },
        { network: "myspace", handle: "EmbassyOslo", display_name: "Embassy in Oslo", group: ["Europe"] },
      ],
    });
    fireEvent.input(byId("import-text")!, { target: { value: json } });
    fireEvent.click(byId("import-run")!);
    const problems = await el("import-problems");
    expect(problems.dataset.code).toBe("validation");
    expect(problems.textContent).toContain("Nothing was imported.");
    const row1 = [...problems.querySelectorAll('[data-row="1"]')].map((r) => r.textContent).join(" | ");
    expect(row1).toMatch(/time_zone.*"Europe\/Rome" is not an IANA time zone/);
    expect(problems.querySelector('[data-row="2"]')!.textContent).toMatch(/unknown network "myspace"/);
    expect(backend.state.accounts).toHaveLength(4);
    expect(backend.calls.importAccounts).toBe(1);
  });
});

describe("attentionOf", () => {
  const base = {
    accountId: "a",
    handle: "h",
    displayName: "H",
    groupPath: [] as string[],
    status: "connected",
    needsReauth: false,
    hasCredentials: true,
    lastRefreshAt: null,
    lastError: null,
  } as const;
  const now = Date.parse("2026-11-24T12:00:00Z");
  const inMs = (ms: number) => new Date(now + ms).toISOString();

  it("leaves an X token to the automatic refresh unless the refresh is late", () => {
    expect(attentionOf({ ...base, network: "x", accessExpiresAt: inMs(60 * 60_000) }, now)).toBe("ok");
    expect(attentionOf({ ...base, network: "x", accessExpiresAt: inMs(5 * 60_000) }, now)).toBe("expiring");
  });

  it("flags a Facebook token a week before it needs a new login", () => {
    expect(attentionOf({ ...base, network: "facebook", accessExpiresAt: inMs(3 * 24 * 3600_000) }, now)).toBe("expiring");
    expect(attentionOf({ ...base, network: "facebook", accessExpiresAt: null }, now)).toBe("ok");
  });
});
