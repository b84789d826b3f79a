import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { renderScreen } from "../../testing/render";
import type { FakeBackend } from "../../testing/fake-backend";
import { IDS } from "../../testing/fake/state";

const byId = (id: string) => document.getElementById(id);
async function el(id: string): Promise<HTMLElement> {
  return waitFor(() => {
    const e = byId(id);
    expect(e).toBeTruthy();
    return e!;
  });
}

async function openComposer(opts: Parameters<typeof renderScreen>[1] = {}) {
  const backend = await renderScreen("compose", opts);
  await el("compose-text");
  return backend;
}

/** Choose accounts in the target picker by finding them. */
async function choose(handle: string, id: string) {
  const search = await el("tp-search");
  fireEvent.input(search, { target: { value: handle } });
  const box = await el(`tp-acc-${id}`);
  fireEvent.click(box);
  await waitFor(() => expect((byId(`tp-acc-${id}`) as HTMLInputElement).checked).toBe(true));
  fireEvent.input(search, { target: { value: "" } });
}

const type = (text: string) => fireEvent.input(byId("compose-text")!, { target: { value: text } });

describe("compose", () => {
  it("counts X's weighted length live and marks the part over the limit", async () => {
    await openComposer();
    await choose("EmbassyParis", "a-paris-x");
    type("Hello");
    await waitFor(() => expect(byId("x-counter")!.dataset.used).toBe("5"));
    expect(byId("x-counter")!.dataset.max).toBe("280");
    expect(byId("x-counter")!.classList.contains("over")).toBe(false);
    // CJK counts double on X: 150 characters weigh 300, 20 over.
    type("文".repeat(150));
    await waitFor(() => expect(byId("x-counter")!.dataset.used).toBe("300"));
    expect(byId("x-counter")!.classList.contains("over")).toBe(true);
    expect(byId("x-counter")!.textContent).toContain("20 over");
    const mark = await screen.findByTestId("over-limit");
    expect(mark.textContent).toBe("文".repeat(10));
    expect(byId("compose-text")!.getAttribute("aria-invalid")).toBe("true");
    // The problem names the account, and submitting is not possible.
    const problems = await el("problems");
    await waitFor(() => expect(within(byId("problems")!).getByText(/@EmbassyParis: 300\/280/)).toBeTruthy());
    void problems;
    expect((byId("submit-draft") as HTMLButtonElement).disabled).toBe(true);
  });

  it("offers only the accounts of the officer's own groups; the others are greyed out and cannot be chosen", async () => {
    await openComposer();
    // Olivia is an officer for Europe: Tokyo is outside her groups.
    fireEvent.input(await el("tp-search"), { target: { value: "Tokyo" } });
    const tokyo = (await el("tp-acc-a-tokyo-x")) as HTMLInputElement;
    expect(tokyo.disabled).toBe(true);
    expect(byId("tp-norole-a-tokyo-x")!.textContent).toContain("not your group");
    fireEvent.click(tokyo);
    expect(tokyo.checked).toBe(false);
    fireEvent.input(byId("tp-search")!, { target: { value: "" } });
    // "Select all" takes only hers, and says how many are outside.
    expect(byId("tp-scope")!.textContent).toMatch(/the other \d+ are shown greyed out/);
    fireEvent.click(byId("tp-all")!);
    await waitFor(() => expect(byId("tp-summary")!.textContent).toMatch(/\d+ accounts? chosen/));
    fireEvent.input(byId("tp-search")!, { target: { value: "Tokyo" } });
    expect(((await el("tp-acc-a-tokyo-x")) as HTMLInputElement).checked).toBe(false);
    fireEvent.input(byId("tp-search")!, { target: { value: "Paris" } });
    expect(((await el("tp-acc-a-paris-x")) as HTMLInputElement).checked).toBe(true);
  });

  it("shows every target's problems before submitting (an account that needs re-authorisation)", async () => {
    await openComposer();
    await choose("EmbassyBerlin", "a-berlin-x");
    await choose("EmbassyParis", "a-paris-x");
    type("Consular hours change on Monday.");
    // (#problems is replaced as the checks come back: look it up each time.)
    await waitFor(() => expect(byId("problems")!.querySelector('[data-code="needs_reauth"]')).toBeTruthy());
    const problems = byId("problems")!;
    expect(problems.querySelector('[data-code="needs_reauth"]')!.textContent).toMatch(/EmbassyBerlin.*re-authorisation/);
    expect(problems.querySelectorAll('[data-code="needs_reauth"]').length).toBe(1);
    expect((byId("submit-draft") as HTMLButtonElement).disabled).toBe(true);
    expect(byId("submit-hint")!.textContent).toMatch(/1 thing to fix/);
  });

  it("schedules at a local time in each target's own zone", async () => {
    // The digital lead holds a role on the whole ministry: Paris and Tokyo are both hers.
    const backend = await openComposer({ signedIn: IDS.lead });
    await choose("EmbassyParis", "a-paris-x");
    await choose("EmbassyTokyo", "a-tokyo-x");
    type("Happy national day!");
    fireEvent.click(byId("schedule-local")!);
    const input = (await el("schedule-local-time")) as HTMLInputElement;
    fireEvent.input(input, { target: { value: "2030-07-14T09:00" } });
    const zones = await el("schedule-zones");
    await waitFor(() => {
      const paris = zones.querySelector('[data-zone="Europe/Paris"]')!;
      const tokyo = zones.querySelector('[data-zone="Asia/Tokyo"]')!;
      expect(paris.textContent).toMatch(/9:00|09:00/);
      expect(paris.textContent).toContain("(Paris)");
      expect(tokyo.textContent).toMatch(/9:00|09:00/);
      expect(tokyo.textContent).toContain("(Tokyo)");
    });
    // Saved with the resolved instants: 09:00 in Paris (UTC+2 in July) and in Tokyo (UTC+9).
    const draft = await savedDraft(backend);
    expect(draft.content.schedule).toEqual({ kind: "local_time", local: "2030-07-14T09:00:00" });
    const at = Object.fromEntries(draft.targets.map((t) => [t.accountId, t.sendAt]));
    expect(at["a-paris-x"]).toBe("2030-07-14T07:00:00.000Z");
    expect(at["a-tokyo-x"]).toBe("2030-07-14T00:00:00.000Z");
  });

  it("submits for approval and says who it waits for", async () => {
    const backend = await openComposer();
    await choose("EmbassyParis", "a-paris-x");
    type("The embassy is open on Saturday for passport renewals.");
    await waitFor(() => expect((byId("submit-draft") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(byId("submit-draft")!);
    await el("submit-result");
    const draft = await savedDraft(backend);
    expect(draft.state).toBe("in_review");
    expect(draft.content.text).toBe("The embassy is open on Saturday for passport renewals.");
    expect(byId("submit-result")!.textContent).toContain("Submitted for approval.");
    await waitFor(() => expect(byId("waiting-for")!.textContent).toMatch(/It now waits for .*(Anton|Dana)/));
  });
});

/** The one draft the fake holds (the composer saves as the author types). */
async function savedDraft(backend: FakeBackend) {
  return waitFor(async () => {
    const mine = await backend.myDrafts();
    expect(mine.length).toBe(1);
    return backend.getDraft(mine[0]!.id);
  });
}
