import { describe, expect, it } from "vitest";
import { act, fireEvent, waitFor, within } from "@testing-library/preact";
import { navigate } from "../../state/router";
import { renderScreen } from "../../testing/render";
import type { FakeBackend } from "../../testing/fake-backend";
import { IDS } from "../../testing/fake/state";
import type { Schedule } from "../../ipc/backend";

const byId = (id: string) => document.getElementById(id);
async function el(id: string): Promise<HTMLElement> {
  return waitFor(() => {
    const e = byId(id);
    expect(e).toBeTruthy();
    return e!;
  });
}

/** A post for @EmbassyParis, written by Olivia, reviewed by Anton, approved by Dana: queued. */
async function approvedPost(b: FakeBackend, text: string, schedule: Schedule): Promise<string> {
  const was = b.state.signedIn;
  b.state.signedIn = IDS.officer;
  const d = await b.createDraft({ text, targets: [{ kind: "account", id: "a-paris-x" }], schedule });
  await b.submitDraft(d.id);
  for (const who of [IDS.ambassador, IDS.lead]) {
    b.state.signedIn = who;
    await b.approveDraft(d.id, (await b.getDraft(d.id)).contentHash);
  }
  b.state.signedIn = was;
  return d.id;
}

async function setUp() {
  const backend = await renderScreen("outbox", { signedIn: IDS.lead });
  const later = await approvedPost(backend, "Tomorrow: the ambassador meets students.", { kind: "at", instant: new Date(Date.now() + 2 * 3600_000).toISOString() });
  const now = await approvedPost(backend, "Statement on today's events.", { kind: "now" });
  expect((await backend.listOutbox()).map((e) => e.state)).toEqual(["queued", "queued"]);
  return { backend, later, now };
}

describe("crisis pause", () => {
  it("cannot start without a reason", async () => {
    const { backend } = await setUp();
    fireEvent.click(await el("pause-button"));
    await el("pause-dialog");
    fireEvent.click(byId("pause-start")!);
    const missing = await el("pause-reason-missing");
    expect(missing.getAttribute("role")).toBe("alert");
    expect(byId("pause-reason")!.getAttribute("aria-invalid")).toBe("true");
    expect(backend.calls.startPause ?? 0).toBe(0);
    expect(byId("pause-banner")).toBeNull();
    // The core refuses an empty reason too.
    await expect(backend.startPause({ kind: "all" }, "   ", null)).rejects.toMatchObject({ code: "validation" });
  });

  it("holds queued posts, and the banner stays on every screen while it holds", async () => {
    const { backend } = await setUp();
    fireEvent.click(await el("pause-button"));
    await el("pause-dialog");
    fireEvent.input(byId("pause-reason")!, { target: { value: "Earthquake in the region: no scheduled posts" } });
    fireEvent.click(byId("pause-start")!);
    const banner = await el("pause-banner");
    expect(banner.getAttribute("role")).toBe("region");
    expect(banner.textContent).toContain("Earthquake in the region: no scheduled posts");
    expect(banner.textContent).toContain("Dana Digital Lead");
    expect((await backend.listOutbox()).map((e) => e.state)).toEqual(["held", "held"]);
    for (const screen of ["inbox", "compose", "approvals", "accounts", "sync", "outbox"] as const) {
      act(() => navigate(screen));
      await waitFor(() => expect(byId("pause-banner")?.textContent).toContain("Earthquake in the region"));
    }
  });

  it("shows a pause started elsewhere (from its event)", async () => {
    const { backend } = await setUp();
    expect(byId("pause-banner")).toBeNull();
    backend.state.signedIn = IDS.admin;
    await backend.startPause({ kind: "group", id: IDS.europe }, "Press blackout for Europe", null);
    backend.state.signedIn = IDS.lead;
    const banner = await el("pause-banner");
    expect(banner.textContent).toContain("Press blackout for Europe");
    expect(banner.textContent).toContain("Europe");
  });

  it("resuming shows what the pause held: future posts requeued, due ones still held", async () => {
    const { backend, later, now } = await setUp();
    const pause = await backend.startPause({ kind: "all" }, "Hold everything", null);
    await el("pause-banner");
    fireEvent.click(await el(`resume-${pause.id}`));
    fireEvent.click(await el("resume-confirm"));
    const report = await el("resume-report");
    expect(byId("resume-summary")!.textContent).toBe("The pause held 2 posts: 1 back in the queue, 1 still held.");
    const items = [...within(report).getByRole("list", { name: "Posts the pause held" }).querySelectorAll("li")] as HTMLElement[];
    const outbox = await backend.listOutbox();
    const outcome = (draftId: string) => items.find((li) => li.textContent?.includes(draftId === later ? "ambassador meets students" : "Statement on today"))?.dataset.outcome;
    await waitFor(() => expect(outcome(later)).toBe("requeued"));
    expect(outcome(now)).toBe("still_held_past_time");
    expect(outbox.find((e) => e.draftId === later)!.state).toBe("queued");
    expect(outbox.find((e) => e.draftId === now)!.state).toBe("held");
    await waitFor(() => expect(byId("pause-banner")).toBeNull());
    // A post whose time passed goes out only when a person decides.
    fireEvent.click(within(report).getByRole("button", { name: "Cancel it" }));
    await waitFor(() => expect(report.querySelector('[data-outcome="still_held_past_time"]')!.textContent).toContain("Cancelled"));
    expect((await backend.listOutbox()).find((e) => e.draftId === now)!.state).toBe("cancelled");
  });
});
