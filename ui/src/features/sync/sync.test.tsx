import { describe, expect, it } from "vitest";
import { act, fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { AppError } from "../../ipc";
import { renderScreen } from "../../testing/render";
import { setFakeSync } from "../../testing/fake/sync";
import { budgetFraction, costWords, recentProblems, sortAccounts, sortBudgets } from "./model";
import { Throttle } from "./throttle";

const table = () => document.getElementById("sync-accounts-table") as HTMLTableElement;
const bodyRows = () => [...table().querySelectorAll("tbody tr")] as HTMLTableRowElement[];

describe("sync dashboard", () => {
  it("puts the charts first, each with its numbers in words", async () => {
    await renderScreen("sync");
    const volume = await screen.findByRole("img", { name: /Items per group, last 24 hours/ });
    const latency = await screen.findByRole("img", { name: /How fast the networks answer/ });
    // The charts come before the tables and lists.
    await waitFor(() => expect(document.getElementById("sync-accounts")).toBeTruthy());
    const order = (a: Element, b: Element) => a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING;
    expect(order(volume, document.getElementById("sync-budgets")!)).toBeTruthy();
    expect(order(latency, document.getElementById("sync-accounts")!)).toBeTruthy();
    // Regions of the only root (Ministry) are the lines; the text alternative names them.
    expect(volume.getAttribute("aria-label")).toMatch(/Europe \d+/);
    expect(volume.getAttribute("aria-label")).toMatch(/Asia-Pacific \d+/);
    expect(latency.getAttribute("aria-label")).toMatch(/X: half the answers within \d+ ms/);
    // The numbers as a table, reachable by keyboard (a <summary>).
    const tables = screen.getAllByText("Show as a table");
    expect(tables.length).toBeGreaterThanOrEqual(2);
    expect(tables[0]!.tagName).toBe("SUMMARY");
  });

  it("lists every account, the ones needing re-authorisation first, and filters them", async () => {
    const backend = await renderScreen("sync");
    await waitFor(() => expect(bodyRows().length).toBe(backend.state.accounts.length));
    const first = bodyRows()[0]!;
    expect(first.dataset.account).toBe("a-berlin-x");
    expect(first.dataset.state).toBe("needs_reauth");
    expect(first.textContent).toContain("Needs reconnecting");
    expect(first.textContent).toContain("X refused the refresh token");
    expect(within(first).getByRole("button", { name: "Reconnect" })).toBeTruthy();
    expect(bodyRows()[1]!.dataset.state).toBe("waiting");

    fireEvent.change(document.getElementById("sync-network")!, { target: { value: "facebook" } });
    await waitFor(() => expect(bodyRows().map((r) => r.dataset.account)).toEqual(["a-paris-fb"]));
    fireEvent.change(document.getElementById("sync-network")!, { target: { value: "" } });
    fireEvent.change(document.getElementById("sync-state-filter")!, { target: { value: "attention" } });
    await waitFor(() => expect(bodyRows().map((r) => r.dataset.account)).toEqual(["a-berlin-x", "a-tokyo-x"]));
    fireEvent.change(document.getElementById("sync-state-filter")!, { target: { value: "" } });
    fireEvent.input(document.getElementById("sync-filter")!, { target: { value: "tokyo" } });
    await waitFor(() => expect(bodyRows().map((r) => r.dataset.account)).toEqual(["a-tokyo-x"]));
    expect(document.getElementById("sync-accounts-count")!.textContent).toBe("1 of 4 accounts");
    fireEvent.input(document.getElementById("sync-filter")!, { target: { value: "nowhere" } });
    await waitFor(() => expect(document.getElementById("sync-accounts-empty")).toBeTruthy());
  });

  it("shows budget use as meters, the app limits first, a used-up one as blocked", async () => {
    await renderScreen("sync");
    const budgets = await waitFor(() => {
      const el = document.getElementById("sync-budgets");
      expect(el).toBeTruthy();
      return el!;
    });
    const meters = within(budgets).getAllByRole("meter");
    expect(meters[0]!.getAttribute("aria-valuenow")).toBe("69"); // 312 of 450
    expect(meters[0]!.getAttribute("aria-valuetext")).toMatch(/312 of 450 calls/);
    expect(within(budgets).getByRole("meter", { name: "Facebook app" }).getAttribute("aria-valuenow")).toBe("37");
    const tokyo = within(budgets).getByRole("meter", { name: "X user @EmbassyTokyo" });
    expect(tokyo.getAttribute("aria-valuenow")).toBe("100");
    expect(tokyo.getAttribute("aria-valuetext")).toMatch(/Used up/);
    expect(tokyo.closest("li")!.dataset.level).toBe("blocked");
    expect(budgets.textContent).toContain("1 is used up");
  });

  it("estimates the X read cost per day in words", async () => {
    await renderScreen("sync");
    const cost = await waitFor(() => {
      const el = document.getElementById("cost-per-day");
      expect(el).toBeTruthy();
      return el!;
    });
    expect(cost.textContent).toBe("About $1,083.60 a day");
    expect(document.getElementById("sync-cost")!.textContent).toMatch(/5,230 post reads and 1,900 user reads over 1 h observed/);
    expect(document.getElementById("sync-cost")!.textContent).toMatch(/costs \$300\.00 once/);
  });

  it("updates live: a sync_changed event reloads the state and its message joins the recent problems", async () => {
    const backend = await renderScreen("sync");
    await waitFor(() => expect(bodyRows().length).toBe(4));
    const before = backend.calls.syncStatus ?? 0;
    expect(document.querySelector('#sync-tiles [data-state="error"]')!.getAttribute("data-count")).toBe("0");

    setFakeSync(backend.state, { account: ["a-paris-fb", { state: "error", lastError: "Facebook could not be reached (timeout)" }] });
    act(() => backend.emit([{ type: "sync_changed", message: "Facebook answered with a server error; retrying in 30 s" }]));

    await waitFor(() => expect(bodyRows()[1]!.dataset.account).toBe("a-paris-fb"));
    expect(backend.calls.syncStatus).toBeGreaterThan(before);
    expect(document.querySelector('#sync-tiles [data-state="error"]')!.getAttribute("data-count")).toBe("1");
    const problems = document.getElementById("sync-problems")!;
    expect(problems.textContent).toContain("Facebook answered with a server error; retrying in 30 s");
    expect(problems.textContent).toContain("Facebook could not be reached (timeout)");
    expect(document.getElementById("sync-announce")!.textContent).toMatch(/New sync problem/);
  });

  it("reloads the volume chart when items arrive, and an account losing its sign-in shows at once", async () => {
    const backend = await renderScreen("sync");
    await screen.findByRole("img", { name: /Items per group/ });
    const before = backend.calls.inboxActivity ?? 0;
    act(() =>
      backend.emit([
        { type: "items_arrived", accountId: "a-paris-x", itemIds: [] },
        { type: "account_needs_reauth", accountId: "a-paris-x", network: "x", handle: "EmbassyParis", reason: "The token was revoked on X" },
      ]),
    );
    await waitFor(() => expect(backend.calls.inboxActivity).toBeGreaterThan(before));
    const problems = document.getElementById("sync-problems")!;
    await waitFor(() => expect(problems.textContent).toContain("The token was revoked on X"));
    expect(within(problems).getAllByRole("button", { name: "Reconnect under Accounts" }).length).toBeGreaterThanOrEqual(2);
  });

  it("changes the volume chart's period and groups", async () => {
    const backend = await renderScreen("sync");
    await screen.findByRole("img", { name: /last 24 hours/ });
    fireEvent.change(document.getElementById("activity-hours")!, { target: { value: "168" } });
    await screen.findByRole("img", { name: /last 7 days/ });
    fireEvent.change(document.getElementById("activity-parent")!, { target: { value: "g-europe" } });
    await waitFor(() => expect(screen.getByRole("img", { name: /Items per group/ }).getAttribute("aria-label")).toMatch(/Embassy in Paris \d+/));
    expect(backend.calls.inboxActivity).toBeGreaterThanOrEqual(3);
  });

  it("says plainly when sync is not running, and still shows the volume", async () => {
    await renderScreen("sync", { setup: (b) => setFakeSync(b.state, { running: false }) });
    expect(await screen.findByText("Sync is not running.", { selector: "strong" })).toBeTruthy();
    expect(await screen.findByRole("img", { name: /Items per group/ })).toBeTruthy();
    expect(screen.getByText(/nothing is being asked of the networks/)).toBeTruthy();
    expect(document.getElementById("sync-accounts")).toBeNull();
  });

  it("shows a failed read with its error code and retries", async () => {
    const backend = await renderScreen("sync", { setup: (b) => b.failNext("syncStatus", new AppError("internal", "the engine's state is locked")) });
    const alert = await waitFor(() => {
      const el = document.getElementById("sync-error");
      expect(el).toBeTruthy();
      return el!;
    });
    expect(alert.dataset.code).toBe("internal");
    expect(alert.textContent).toContain("the engine's state is locked");
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(document.getElementById("sync-error")).toBeNull());
    await waitFor(() => expect(bodyRows().length).toBe(backend.state.accounts.length));
  });
});

describe("sync dashboard arithmetic", () => {
  const budget = (over: object) => ({ key: { kind: "x_app" as const }, label: "b", used: null, limit: null, resetsAt: null, percent: null, blockedUntil: null, calls: 0, throttled: 0, ...over });

  it("measures budgets from counts, from Graph percentages, and as full when blocked", () => {
    expect(budgetFraction(budget({ used: 45, limit: 450 }))).toBeCloseTo(0.1);
    expect(budgetFraction(budget({ percent: 120 }))).toBe(1);
    expect(budgetFraction(budget({ blockedUntil: "2030-01-01T00:00:00Z" }))).toBe(1);
    expect(budgetFraction(budget({}))).toBeNull();
    const sorted = sortBudgets([
      budget({ key: { kind: "x_user", accountId: "a" }, label: "a", used: 10, limit: 100 }),
      budget({ key: { kind: "x_user", accountId: "b" }, label: "b", used: 90, limit: 100 }),
      budget({ key: { kind: "fb_app" }, label: "app", percent: 1 }),
    ]);
    expect(sorted.map((b) => b.label)).toEqual(["app", "b", "a"]);
  });

  it("orders accounts by urgency and lists their problems before live ones", () => {
    const acct = (accountId: string, state: "idle" | "error" | "needs_reauth", lastError: string | null = null) => ({
      accountId,
      network: "x" as const,
      handle: accountId,
      state,
      lastSuccess: null,
      nextPoll: null,
      lastError,
      itemsToday: 0,
      backfilling: false,
    });
    const accounts = [acct("a", "idle"), acct("b", "error", "boom"), acct("c", "needs_reauth", "reconnect")];
    expect(sortAccounts(accounts).map((a) => a.accountId)).toEqual(["c", "b", "a"]);
    const p = recentProblems(accounts, [{ key: "l1", at: "2026-01-01T00:00:00Z", message: "old" }, { key: "l2", at: "2026-01-02T00:00:00Z", message: "new" }]);
    expect(p.map((x) => x.message)).toEqual(["reconnect", "boom", "new", "old"]);
  });

  it("has nothing to estimate before any read was observed", () => {
    const w = costWords({ postReads: 0, userReads: 0, backfillPostReads: 0, backfillUserReads: 0, observedSeconds: null, usdObserved: null, usdPerDay: null, usdBackfill: null });
    expect(w.headline).toMatch(/Not enough reads/);
  });

  it("folds a burst of reloads into one now and one at the end", async () => {
    let runs = 0;
    const t = new Throttle(() => runs++, 30);
    t.call();
    t.call();
    t.call();
    expect(runs).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toBe(2);
    t.dispose();
  });
});
