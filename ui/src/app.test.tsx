import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { App } from "./app";
import { AppError } from "./ipc";
import { navigate } from "./state/router";
import { resetEvents } from "./state/events";
import { fakeBackend } from "./testing/fake-backend";
import { IDS } from "./testing/fake/state";

describe("sign-in", () => {
  it("lists the workspace's people and signs in as the one chosen", async () => {
    resetEvents();
    const backend = fakeBackend();
    render(<App backend={backend} />);
    const who = await screen.findByRole("button", { name: /Dana Digital Lead/ });
    expect(screen.getByText(/rehearsal workspace/)).toBeTruthy();
    fireEvent.click(who);
    await waitFor(() => expect(document.getElementById("signed-in-person")?.textContent).toContain("Dana Digital Lead"));
    expect(backend.state.signedIn).toBe(IDS.lead);
    expect(screen.getByText("Rehearsal")).toBeTruthy();
  });

  it("says plainly when the workspace cannot be opened", async () => {
    resetEvents();
    const backend = fakeBackend();
    backend.failNext("workspaceInfo", new AppError("keychain_unavailable", "no usable credential store"));
    render(<App backend={backend} />);
    const alert = await screen.findByRole("alert");
    expect(alert.dataset.code).toBe("keychain_unavailable");
  });
});

describe("system panel", () => {
  it("runs the system check and shows the keychain status", async () => {
    resetEvents();
    const backend = fakeBackend({ signedIn: IDS.officer });
    navigate("system");
    render(<App backend={backend} />);
    fireEvent.click(await screen.findByRole("button", { name: "Check system" }));
    await waitFor(() => expect(screen.getByText("0.0.0-test")).toBeTruthy());
    expect(document.getElementById("system-keychain")?.dataset.ok).toBe("true");
    expect(backend.calls.systemCheck).toBe(1);
  });

  it("shows a failed command as an alert carrying its error code", async () => {
    resetEvents();
    const backend = fakeBackend({ signedIn: IDS.officer });
    backend.failNext("systemCheck", new AppError("internal", "disk on fire"));
    navigate("system");
    render(<App backend={backend} />);
    fireEvent.click(await screen.findByRole("button", { name: "Check system" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("disk on fire");
    expect(alert.dataset.code).toBe("internal");
  });
});
