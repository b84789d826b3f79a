import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { App } from "./app";
import { AppError } from "./ipc";
import { fakeBackend } from "./testing/fake-backend";

describe("system panel", () => {
  it("runs the system check and shows the keychain status", async () => {
    const backend = fakeBackend();
    render(<App backend={backend} />);
    fireEvent.click(screen.getByRole("button", { name: "Check system" }));
    await waitFor(() => expect(screen.getByText("0.0.0-test")).toBeTruthy());
    const keychain = document.getElementById("system-keychain");
    expect(keychain?.dataset.ok).toBe("true");
    expect(keychain?.textContent).toContain("OK");
    expect(backend.calls.systemCheck).toBe(1);
  });

  it("reports an unusable keychain plainly", async () => {
    render(<App backend={fakeBackend({ keychainOk: false })} />);
    fireEvent.click(screen.getByRole("button", { name: "Check system" }));
    await waitFor(() => expect(document.getElementById("system-keychain")?.dataset.ok).toBe("false"));
    expect(document.getElementById("system-keychain")?.textContent).toContain("Unavailable");
  });

  it("shows a failed command as an alert carrying its error code", async () => {
    const backend = fakeBackend();
    backend.failNext("systemCheck", new AppError("internal", "disk on fire"));
    render(<App backend={backend} />);
    fireEvent.click(screen.getByRole("button", { name: "Check system" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("disk on fire");
    expect(alert.dataset.code).toBe("internal");
  });
});
