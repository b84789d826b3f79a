import { describe, expect, it } from "vitest";
import { AppError, describeError, unwrap } from "./backend";
import type { ErrorCode } from "./bindings";

describe("unwrap", () => {
  it("returns data on ok", () => {
    expect(unwrap({ status: "ok", data: 42 })).toBe(42);
  });
  it("throws an AppError carrying the code on error", () => {
    try {
      unwrap({ status: "error", error: { code: "needs_reauth", message: "token revoked" } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe("needs_reauth");
      expect((e as AppError).message).toBe("token revoked");
    }
  });
  it("turns unknown rejections into internal errors", () => {
    expect(AppError.from(new Error("boom")).code).toBe("internal");
    expect(AppError.from({ code: "paused", message: "held" }).code).toBe("paused");
  });
});

describe("describeError", () => {
  it("has words for every code", () => {
    const codes: ErrorCode[] = ["validation", "not_found", "conflict", "forbidden", "needs_reauth", "rate_limited", "rejected", "network", "keychain_unavailable", "paused", "internal"];
    for (const c of codes) expect(describeError(c).length).toBeGreaterThan(5);
  });
});
