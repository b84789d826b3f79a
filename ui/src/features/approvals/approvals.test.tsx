import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { renderScreen } from "../../testing/render";
import type { FakeBackend } from "../../testing/fake-backend";
import { IDS } from "../../testing/fake/state";
import type { DraftContent_Deserialize } from "../../ipc/backend";

const byId = (id: string) => document.getElementById(id);
async function el(id: string): Promise<HTMLElement> {
  return waitFor(() => {
    const e = byId(id);
    expect(e).toBeTruthy();
    return e!;
  });
}

const content = (text: string): DraftContent_Deserialize => ({ text, targets: [{ kind: "account", id: "a-paris-x" }], schedule: { kind: "now" } });

/**
 * Olivia writes a draft for @EmbassyParis in two versions and submits it. Paris's policy: a
 * review by the ambassador (Anton), then an approval by the digital lead (Dana).
 */
async function submittedDraft(b: FakeBackend): Promise<string> {
  const was = b.state.signedIn;
  b.state.signedIn = IDS.officer;
  const d1 = await b.createDraft(content("The embassy will be closed on Friday for the national holiday."));
  await b.saveDraft(d1.id, d1.rev, content("The embassy will be closed on Monday for the national holiday."));
  await b.submitDraft(d1.id);
  b.state.signedIn = was;
  return d1.id;
}

async function openAsApprover(who: string = IDS.ambassador) {
  const backend = await renderScreen("approvals", { signedIn: who });
  const id = await submittedDraft(backend);
  return { backend, id };
}

describe("approvals", () => {
  it("lists the signed-in approver's queue, and nothing for someone it does not wait for", async () => {
    const { backend, id } = await openAsApprover();
    // The draft was submitted after the screen opened: the approval_requested event brings it in.
    const queue = await el("approval-queue");
    await waitFor(() => expect(queue.querySelector(`[data-draft="${id}"]`)).toBeTruthy());
    expect(queue.textContent).toContain("closed on Monday");
    expect(queue.textContent).toContain("by Olivia Officer");
    expect(await backend.approvalQueue()).toHaveLength(1);
    // Dana's turn comes after Anton's review.
    backend.state.signedIn = IDS.lead;
    expect(await backend.approvalQueue()).toHaveLength(0);
  });

  it("shows what changed between versions", async () => {
    const { id } = await openAsApprover();
    window.location.hash = `#/approvals/${id}`;
    const diff = await el("version-diff");
    await waitFor(() => expect(diff.querySelector("ins")?.textContent).toContain("Monday"));
    expect(diff.querySelector("del")?.textContent).toContain("Friday");
  });

  it("approves the version shown, step by step; then it is queued in the outbox", async () => {
    const { backend, id } = await openAsApprover();
    window.location.hash = `#/approvals/${id}`;
    fireEvent.click(await el("approve"));
    expect((await el("review-done")).textContent).toMatch(/goes to the next step/);
    expect((await backend.getDraft(id)).state).toBe("in_review");
    // Dana approves the last step.
    backend.state.signedIn = IDS.lead;
    const hash = (await backend.getDraft(id)).contentHash;
    expect((await backend.approveDraft(id, hash)).state).toBe("approved");
    const done = await el("review-done");
    void done;
    expect((await backend.getDraft(id)).state).toBe("approved");
    await waitFor(() => expect(byId("review-state")!.textContent).toMatch(/approved/i));
    await waitFor(() => expect(byId("decisions")!.querySelectorAll('[data-kind="approved"]')).toHaveLength(2));
    const outbox = await backend.listOutbox();
    expect(outbox.filter((e) => e.draftId === id)).toHaveLength(1);
  });

  it("rejects only with a reason, and the reason is in the history", async () => {
    const { backend, id } = await openAsApprover();
    window.location.hash = `#/approvals/${id}`;
    fireEvent.click(await el("reject"));
    const dialog = await el("reject-dialog");
    fireEvent.click(within(dialog).getByRole("button", { name: /Reject/ }));
    expect((await el("decision-note-missing")).textContent).toBeTruthy();
    expect(backend.calls.rejectDraft ?? 0).toBe(0);
    fireEvent.input(byId("decision-note")!, { target: { value: "The holiday is on Tuesday this year." } });
    fireEvent.click(byId("decision-submit")!);
    await el("review-done");
    expect((await backend.getDraft(id)).state).toBe("rejected");
    await waitFor(() => expect(byId("decisions")!.querySelector('[data-kind="rejected"]')!.textContent).toContain("The holiday is on Tuesday this year."));
    expect(byId("decisions")!.querySelector('[data-kind="submitted"]')).toBeTruthy();
    await waitFor(() => expect(byId("audit-trail")!.textContent).toContain("Amb. Anton Reviewer"));
  });

  it("requests changes with a comment", async () => {
    const { backend, id } = await openAsApprover();
    window.location.hash = `#/approvals/${id}`;
    fireEvent.click(await el("request-changes"));
    await el("changes-dialog");
    fireEvent.input(byId("decision-note")!, { target: { value: "Add the consular emergency number." } });
    fireEvent.click(byId("decision-submit")!);
    expect((await el("review-done")).textContent).toMatch(/Changes requested/);
    const d = await backend.getDraft(id);
    expect(d.state).toBe("changes_requested");
    expect(d.stateNote).toBe("Add the consular emergency number.");
  });

  it("never lets anyone approve their own draft: no button, and the core refuses with `forbidden`", async () => {
    const { backend, id } = await openAsApprover();
    // Anton edits Olivia's draft (in another window): he is now one of its writers.
    window.location.hash = `#/approvals/${id}`;
    const approve = await el("approve");
    const d = await backend.getDraft(id);
    await backend.saveDraft(id, d.rev, content("The embassy will be closed on Monday 3 March for the national holiday."));
    // The screen had not caught up yet: the click reaches the core, which refuses.
    fireEvent.click(approve);
    const err = await el("review-error");
    expect(err.dataset.code).toBe("forbidden");
    expect(err.textContent).toContain("forbidden");
    expect(err.textContent).toMatch(/cannot approve a draft you wrote or edited/);
    expect((await backend.getDraft(id)).state).not.toBe("approved");
    // Once it has caught up, the screen offers no approval and says why.
    await waitFor(() => expect(byId("approve")).toBeNull());
    expect((await el("no-actions")).textContent).toBeTruthy();

    // The author cannot approve either.
    backend.state.signedIn = IDS.officer;
    await expect(backend.approveDraft(id, (await backend.getDraft(id)).contentHash)).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("approvals: author's view", () => {
  it("shows the author their draft without approval actions", async () => {
    const backend = await renderScreen("approvals", { signedIn: IDS.officer });
    const id = await submittedDraft(backend);
    window.location.hash = `#/approvals/${id}`;
    const why = await el("no-actions");
    expect(why.textContent).toBeTruthy();
    expect(byId("approve")).toBeNull();
    expect(screen.getByRole("button", { name: "Withdraw" })).toBeTruthy();
  });
});
