import { cleanup } from "@testing-library/preact";
import { afterEach } from "vitest";

// Unmount what each test rendered, so tests never see each other's DOM.
afterEach(() => cleanup());
