// Render the whole app on one screen, signed in, against a fresh fake backend.
import { render, screen, waitFor } from "@testing-library/preact";
import { expect } from "vitest";
import { App } from "../app";
import { resetEvents } from "../state/events";
import { resetDirectory } from "../features/compose/directory";
import { resetQueue } from "../features/approvals/queue";
import { resetPauses } from "../features/outbox/pauses";
import { navigate, type Screen } from "../state/router";
import { fakeBackend, type FakeBackend, type FakeOptions } from "./fake-backend";
import { IDS } from "./fake/state";

export async function renderScreen(
  where: Screen,
  opts: FakeOptions & { param?: string; setup?: (b: FakeBackend) => void } = {},
): Promise<FakeBackend> {
  // Module-level caches outlive a test; a new backend starts from nothing.
  resetEvents();
  resetDirectory();
  resetQueue();
  resetPauses();
  const backend = fakeBackend({ signedIn: IDS.officer, ...opts });
  opts.setup?.(backend);
  navigate(where, opts.param);
  render(<App backend={backend} />);
  await waitFor(() => expect(document.getElementById("main")).toBeTruthy());
  return backend;
}

export { screen };
