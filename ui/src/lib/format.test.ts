import { describe, expect, it } from "vitest";
import { formatCount, formatDateTime, formatInZone, formatRelative } from "./format";

describe("format", () => {
  it("shows an instant as wall-clock time in an account's zone, across DST", () => {
    // 2026-03-29 01:30 UTC is after Paris switched to summer time (UTC+2)
    expect(formatInZone("2026-03-29T01:30:00Z", "Europe/Paris", "en-GB")).toContain("03:30");
    expect(formatInZone("2026-03-29T00:30:00Z", "Europe/Paris", "en-GB")).toContain("01:30");
    expect(formatInZone("2026-03-29T00:30:00Z", "Asia/Kolkata", "en-GB")).toContain("06:00");
    expect(formatInZone("2026-03-29T00:30:00Z", "America/Argentina/Buenos_Aires", "en-GB")).toContain("Buenos Aires");
  });
  it("uses the reader's locale", () => {
    expect(formatDateTime("2026-11-24T14:05:00Z", { timeZone: "UTC", locale: "en-GB" })).toBe("24 Nov 2026, 14:05");
    expect(formatDateTime("2026-11-24T14:05:00Z", { timeZone: "UTC", locale: "fr-FR" })).toContain("14:05");
    expect(formatDateTime("not a date")).toBe("not a date");
  });
  it("says how long ago", () => {
    const now = new Date("2026-11-24T12:00:00Z");
    expect(formatRelative("2026-11-24T11:55:00Z", now, "en")).toBe("5 minutes ago");
    expect(formatRelative("2026-11-24T14:00:00Z", now, "en")).toBe("in 2 hours");
    expect(formatRelative("2026-11-23T12:00:00Z", now, "en")).toBe("yesterday");
  });
  it("compacts counts", () => {
    expect(formatCount(7)).toBe("7");
    expect(formatCount(1234)).toBe("1.2k");
    expect(formatCount(2000)).toBe("2k");
    expect(formatCount(35_400)).toBe("35k");
  });
});
