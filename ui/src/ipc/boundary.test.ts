// Only src/ipc/ may talk to Tauri: everything else goes through the Backend interface, so it can
// be tested against a fake.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const SRC = join(__dirname, "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

describe("IPC boundary", () => {
  it("finds source files to check", () => {
    expect(files(SRC).length).toBeGreaterThan(3);
  });

  it("no module outside src/ipc imports @tauri-apps", () => {
    const offenders = files(SRC)
      .filter((f) => !relative(SRC, f).startsWith("ipc/"))
      .filter((f) => /from\s+["']@tauri-apps\//.test(readFileSync(f, "utf8")) || /import\(["']@tauri-apps\//.test(readFileSync(f, "utf8")));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });
});
