import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { act, fireEvent, screen, waitFor, within } from "@testing-library/preact";
import type { InboxItem_Serialize } from "../../ipc/backend";
import { pendingReply } from "../../state/reply";
import { route } from "../../state/router";
import { renderScreen } from "../../testing/render";
import type { FakeBackend } from "../../testing/fake-backend";
import { inboxOf, simulateArrival, simulateLateArrival } from "../../testing/fake/inbox";
import { IDS } from "../../testing/fake/state";
import { FIRST_PAGE } from "./model";
import { ROW_HEIGHT } from "./index";

// happy-dom lays nothing out: give the list a viewport so the virtual list draws rows.
const VIEWPORT = 10 * ROW_HEIGHT;
let restore: (() => void) | null = null;
beforeAll(() => {
  const proto = HTMLElement.prototype;
  const h = Object.getOwnPropertyDescriptor(Element.prototype, "clientHeight");
  const w = Object.getOwnPropertyDescriptor(Element.prototype, "clientWidth");
  Object.defineProperty(proto, "clientHeight", { configurable: true, get() { return this.classList.contains("vlist") ? VIEWPORT : 0; } });
  Object.defineProperty(proto, "clientWidth", { configurable: true, get() { return this.classList.contains("vlist") ? 600 : 0; } });
  const sh = Object.getOwnPropertyDescriptor(Element.prototype, "scrollHeight");
  Object.defineProperty(proto, "scrollHeight", {
    configurable: true,
    get() {
      return this.classList.contains("vlist") ? parseFloat((this.firstElementChild as HTMLElement | null)?.style.height ?? "0") || 0 : 0;
    },
  });
  restore = () => {
    delete (proto as unknown as Record<string, unknown>).clientHeight;
    delete (proto as unknown as Record<string, unknown>).clientWidth;
    delete (proto as unknown as Record<string, unknown>).scrollHeight;
    if (sh) Object.defineProperty(Element.prototype, "scrollHeight", sh);
    if (h) Object.defineProperty(Element.prototype, "clientHeight", h);
    if (w) Object.defineProperty(Element.prototype, "clientWidth", w);
  };
});
afterAll(() => restore?.());

const list = () => document.querySelector(".vlist") as HTMLElement;
const rowIds = () => [...document.querySelectorAll(".vlist [data-item-id]")].map((r) => (r as HTMLElement).dataset.itemId as string);
const fakeItem = (b: FakeBackend, id: string) => inboxOf(b.state).items.find((it) => it.id === id) as InboxItem_Serialize;
const shown = (b: FakeBackend) => rowIds().map((id) => fakeItem(b, id));
const threadId = () => document.getElementById("thread-pane")?.dataset.itemId;
const key = (k: string, init: KeyboardEventInit = {}) => fireEvent.keyDown(document.body, { key: k, ...init });
const accountOf = (b: FakeBackend, id: string) => b.state.accounts.find((a) => a.account.id === id)!.account;

async function openInbox(opts: Parameters<typeof renderScreen>[1] = {}) {
  const backend = await renderScreen("inbox", opts);
  await waitFor(() => expect(rowIds().length).toBeGreaterThan(0));
  return backend;
}

/** Wait for the list to show items again after a filter change, and for them to satisfy `ok`. */
async function rowsSatisfy(b: FakeBackend, ok: (it: InboxItem_Serialize) => boolean) {
  await waitFor(() => {
    const items = shown(b);
    expect(items.length).toBeGreaterThan(0);
    expect(items.every(ok)).toBe(true);
  });
}

describe("inbox: loading and reading", () => {
  it("loads the first page, newest first, with more below", async () => {
    const backend = await openInbox();
    expect(list().getAttribute("aria-label")).toBe(`Inbox, ${FIRST_PAGE} items loaded, more below`);
    const all = inboxOf(backend.state).items;
    expect(rowIds().slice(0, 5)).toEqual(all.slice(0, 5).map((it) => it.id));
    expect(backend.calls.inboxPage).toBe(1);
    // The first item is active, its conversation is on the right.
    expect(threadId()).toBe(all[0]!.id);
  });

  it("shows the conversation and notes of the chosen item, and adds a note", async () => {
    const backend = await openInbox();
    const second = rowIds()[1]!;
    fireEvent.click(document.querySelector(`.vlist [data-item-id="${second}"]`)!);
    await waitFor(() => expect(threadId()).toBe(second));
    const pane = document.getElementById("thread-pane")!;
    await waitFor(() => expect(within(pane).getByText(/Our consular section is open/)).toBeTruthy());
    expect(pane.querySelector('[aria-current="true"]')).toBeTruthy();
    fireEvent.input(within(pane).getByLabelText("Add a note"), { target: { value: "Called them back; passport sorted." } });
    fireEvent.click(within(pane).getByRole("button", { name: "Add note" }));
    await waitFor(() => expect(within(pane).getByText("Called them back; passport sorted.")).toBeTruthy());
    expect(inboxOf(backend.state).notes.map((n) => [n.itemId, n.authorId])).toEqual([[second, IDS.officer]]);
  });
});

describe("inbox: filters and search", () => {
  it("filters by network and by status, combined", async () => {
    const backend = await openInbox();
    fireEvent.click(document.getElementById("filter-network-facebook")!);
    await rowsSatisfy(backend, (it) => it.network === "facebook");
    expect(document.getElementById("filter-network-facebook")!.getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(document.getElementById("filter-status-done")!);
    await rowsSatisfy(backend, (it) => it.network === "facebook" && it.status === "done");
  });

  it("filters by group and by account from the tree", async () => {
    const backend = await openInbox();
    const tree = await waitFor(() => {
      const el = document.getElementById("group-tree");
      expect(el?.querySelector(`[data-group-id="${IDS.asia}"]`)).toBeTruthy();
      return el!;
    });
    fireEvent.click(tree.querySelector(`[data-group-id="${IDS.asia}"]`)!);
    await rowsSatisfy(backend, (it) => it.accountId === "a-tokyo-x");
    // Expand Europe and choose one account.
    fireEvent.click(within(tree).getByRole("button", { name: "Expand Europe" }));
    fireEvent.click(within(tree).getByRole("button", { name: "Expand Embassy in Paris" }));
    fireEvent.click(await waitFor(() => tree.querySelector('[data-account-id="a-paris-fb"]')!));
    await rowsSatisfy(backend, (it) => it.accountId === "a-paris-fb");
    fireEvent.click(document.getElementById("tree-all")!);
    await waitFor(() => expect(new Set(shown(backend).map((it) => it.accountId)).size).toBeGreaterThan(1));
  });

  it("filters by language", async () => {
    const backend = await openInbox();
    fireEvent.change(document.getElementById("filter-language")!, { target: { value: "ar" } });
    await rowsSatisfy(backend, (it) => it.language === "ar");
  });

  it("searches the full text as the reader types, and says when nothing matches", async () => {
    const backend = await openInbox();
    const search = screen.getByLabelText("Search the inbox");
    fireEvent.input(search, { target: { value: "passport" } });
    await rowsSatisfy(backend, (it) => it.text.toLowerCase().includes("passport"));
    fireEvent.input(search, { target: { value: "#visa -consulate" } });
    await rowsSatisfy(backend, (it) => it.entities.hashtags.map((h) => h.toLowerCase()).includes("visa") && !it.text.toLowerCase().includes("consulate"));
    fireEvent.input(search, { target: { value: "zzzznothing" } });
    const empty = await waitFor(() => {
      const el = document.getElementById("inbox-empty");
      expect(el).toBeTruthy();
      return el!;
    });
    expect(empty.dataset.reason).toBe("search");
    fireEvent.click(within(empty).getByRole("button", { name: "Clear search and filters" }));
    await waitFor(() => expect(rowIds().length).toBeGreaterThan(0));
    expect((search as HTMLInputElement).value).toBe("");
  });
});

describe("inbox: triage", () => {
  it("marks done from the thread pane and the core has it", async () => {
    const backend = await openInbox();
    const id = threadId()!;
    fireEvent.click(document.getElementById("thread-done")!);
    await waitFor(() => expect(fakeItem(backend, id).status).toBe("done"));
    await waitFor(() => expect(document.querySelector(`.vlist [data-item-id="${id}"]`)!.getAttribute("data-status")).toBe("done"));
  });

  it("assigns with the picker and tags, creating a new tag", async () => {
    const backend = await openInbox();
    const id = threadId()!;
    fireEvent.click(document.getElementById("thread-assign")!);
    const picker = await screen.findByRole("dialog", { name: /Assign the item to/ });
    fireEvent.input(within(picker).getByRole("combobox"), { target: { value: "Dana" } });
    fireEvent.keyDown(within(picker).getByRole("combobox"), { key: "Enter" });
    await waitFor(() => expect(fakeItem(backend, id).assigneeId).toBe(IDS.lead));

    fireEvent.click(document.getElementById("thread-tag")!);
    const tagPicker = await screen.findByRole("dialog", { name: /Tag the item/ });
    fireEvent.input(within(tagPicker).getByRole("combobox"), { target: { value: "#Embargo" } });
    fireEvent.mouseDown(within(tagPicker).getByRole("option", { name: /Create #Embargo/ }));
    await waitFor(() => expect(fakeItem(backend, id).tags).toContain("embargo"));
    const pane = document.getElementById("thread-pane")!;
    await waitFor(() => expect(within(pane).getByRole("button", { name: "Remove tag embargo" })).toBeTruthy());
  });

  it("applies bulk actions to the selection", async () => {
    const backend = await openInbox();
    const [a, b, c] = rowIds();
    for (const id of [a, b, c]) fireEvent.click(document.querySelector(`.vlist [data-item-id="${id}"] .row-check`)!);
    await waitFor(() => expect(document.getElementById("selection-count")!.textContent).toBe("3 selected"));
    fireEvent.click(document.getElementById("bulk-done")!);
    await waitFor(() => expect([a, b, c].map((id) => fakeItem(backend, id!).status)).toEqual(["done", "done", "done"]));
    fireEvent.click(document.getElementById("bulk-tag")!);
    const tagPicker = await screen.findByRole("dialog", { name: /Tag 3 items/ });
    fireEvent.input(within(tagPicker).getByRole("combobox"), { target: { value: "press" } });
    fireEvent.keyDown(within(tagPicker).getByRole("combobox"), { key: "Enter" });
    await waitFor(() => expect([a, b, c].every((id) => fakeItem(backend, id!).tags.includes("press"))).toBe(true));
  });

  it("undoes an optimistic change the core refuses, showing the error code", async () => {
    const backend = await openInbox();
    const id = threadId()!;
    const before = fakeItem(backend, id).status;
    const { AppError } = await import("../../ipc");
    backend.failNext("triageItems", new AppError("forbidden", "you may not triage items of this account"));
    fireEvent.click(document.getElementById("thread-done")!);
    const alert = await screen.findByRole("alert");
    expect(alert.dataset.code).toBe("forbidden");
    await waitFor(() => expect(document.querySelector(`.vlist [data-item-id="${id}"]`)!.getAttribute("data-status")).toBe(before));
  });
});

describe("inbox: keyboard", () => {
  it("moves with j/k, marks done with e (and moves on), assigns with a, replies with r", async () => {
    const backend = await openInbox();
    const ids = rowIds();
    key("j");
    await waitFor(() => expect(threadId()).toBe(ids[1]));
    key("j");
    key("k");
    await waitFor(() => expect(threadId()).toBe(ids[1]));
    expect(list().getAttribute("aria-activedescendant")).toBe("inbox-row-1");

    key("e");
    await waitFor(() => expect(fakeItem(backend, ids[1]!).status).toBe("done"));
    await waitFor(() => expect(threadId()).toBe(ids[2]));

    key("a");
    const picker = await screen.findByRole("dialog", { name: /Assign the item to/ });
    fireEvent.keyDown(within(picker).getByRole("combobox"), { key: "Enter" }); // "Me" is first
    await waitFor(() => expect(fakeItem(backend, ids[2]!).assigneeId).toBe(IDS.officer));

    key("r");
    await waitFor(() => expect(route.value.screen).toBe("compose"));
    expect(pendingReply.value === null || pendingReply.value.itemId === ids[2]).toBe(true);
  });

  it("scrolls the active row into view when j walks past the bottom", async () => {
    await openInbox();
    for (let i = 0; i < 12; i++) key("j");
    await waitFor(() => expect(list().getAttribute("aria-activedescendant")).toBe("inbox-row-12"));
    await waitFor(() => expect(list().scrollTop).toBe(13 * ROW_HEIGHT - VIEWPORT));
  });

  it("focuses the search with '/', and ignores shortcuts while typing", async () => {
    const backend = await openInbox();
    key("/");
    const search = screen.getByLabelText("Search the inbox");
    expect(document.activeElement).toBe(search);
    const id = threadId()!;
    const before = fakeItem(backend, id).status;
    fireEvent.keyDown(search, { key: "e" });
    await new Promise((r) => setTimeout(r, 20));
    expect(fakeItem(backend, id).status).toBe(before);
    expect(backend.calls.triageItems ?? 0).toBe(0);
  });
});

describe("inbox: unread counts", () => {
  it("shows the unread count in the sidebar and the tree, and lowers it when an item is read", async () => {
    const backend = await openInbox();
    const unread = () => inboxOf(backend.state).items.filter((it) => it.status === "new").length;
    const badge = await waitFor(() => {
      const el = document.getElementById("inbox-unread-badge");
      expect(el).toBeTruthy();
      return el!;
    });
    const n = unread();
    expect(badge.getAttribute("aria-label")).toBe(`${n} unread`);
    const asia = await waitFor(() => {
      const el = document.querySelector(`#group-tree [data-group-id="${IDS.asia}"]`);
      expect(el).toBeTruthy();
      return el!;
    });
    const tokyoUnread = inboxOf(backend.state).items.filter((it) => it.status === "new" && it.accountId === "a-tokyo-x").length;
    expect(asia.textContent).toContain(String(tokyoUnread));

    // Make sure the active item is unread, then mark it done.
    const id = threadId()!;
    if (fakeItem(backend, id).status !== "new") {
      fireEvent.click(document.getElementById("thread-reopen") ?? document.getElementById("thread-done")!);
    }
    const target = inboxOf(backend.state).items.find((it) => it.status === "new" && rowIds().includes(it.id))!;
    fireEvent.click(document.querySelector(`.vlist [data-item-id="${target.id}"]`)!);
    await waitFor(() => expect(threadId()).toBe(target.id));
    const expected = unread() - 1;
    fireEvent.click(document.getElementById("thread-done")!);
    await waitFor(() => expect(document.getElementById("inbox-unread-badge")!.getAttribute("aria-label")).toBe(`${expected} unread`), { timeout: 3000 });
  });
});

describe("inbox: live items", () => {
  it("merges a burst of arrivals in one batch, keeping the reader on the same row", async () => {
    const backend = await openInbox();
    key("j");
    key("j");
    key("j");
    const reading = rowIds()[3]!;
    await waitFor(() => expect(threadId()).toBe(reading));
    // The reader has scrolled down a little.
    list().scrollTop = 2 * ROW_HEIGHT;
    fireEvent.scroll(list());
    const pagesBefore = backend.calls.inboxPage ?? 0;
    let fresh: InboxItem_Serialize[] = [];
    act(() => {
      fresh = [...simulateArrival(backend, 2, "a-paris-x"), ...simulateArrival(backend, 1, "a-tokyo-x")];
    });
    await waitFor(() => expect(list().getAttribute("aria-label")).toBe(`Inbox, ${FIRST_PAGE + 3} items loaded, more below`));
    // One read for the whole burst.
    expect(backend.calls.inboxPage).toBe(pagesBefore + 1);
    // The reader is still on the same item; its row moved down by the three new ones, and so did
    // the scroll position, so it stays under their eyes.
    expect(threadId()).toBe(reading);
    expect(list().getAttribute("aria-activedescendant")).toBe("inbox-row-6");
    expect(list().scrollTop).toBe(5 * ROW_HEIGHT);
    const pill = await waitFor(() => {
      const el = document.getElementById("new-pill");
      expect(el).toBeTruthy();
      return el!;
    });
    expect(pill.textContent).toContain("3 new");
    // The pill takes the reader to the newest.
    fireEvent.click(pill);
    await waitFor(() => expect(document.getElementById("new-pill")).toBeNull());
    expect(new Set(fresh.map((it) => it.id))).toEqual(new Set(rowIds().slice(0, 3)));
  });

  it("puts an item that arrives late (older than the top) at its place in the list", async () => {
    const backend = await openInbox();
    key("j");
    key("j");
    key("j");
    key("j");
    key("j");
    const reading = rowIds()[5]!;
    await waitFor(() => expect(threadId()).toBe(reading));
    const before = rowIds();
    // Sync finds an item dated between the 3rd and 4th rows (index 2 and 3 of the fake's list,
    // which the unfiltered inbox shows in the same order).
    let late: InboxItem_Serialize | undefined;
    act(() => {
      late = simulateLateArrival(backend, 2);
    });
    await waitFor(() => expect(list().getAttribute("aria-label")).toBe(`Inbox, ${FIRST_PAGE + 1} items loaded, more below`));
    expect(backend.calls.inboxItemsAmong).toBe(1);
    expect(rowIds().slice(0, 6)).toEqual([...before.slice(0, 3), late!.id, ...before.slice(3, 5)]);
    // The reader stays on the item they were reading, one row further down.
    expect(threadId()).toBe(reading);
    expect(list().getAttribute("aria-activedescendant")).toBe("inbox-row-6");
  });
});
