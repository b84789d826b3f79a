// Dates in the reader's locale, and in an account's own time zone where that matters
// ("09:00 in Paris" for a post scheduled for the embassy there).

const FALLBACK_LOCALE = "en-GB";
let checkedLocale: [raw: string, usable: string] | null = null;

/**
 * The reader's locale, if Intl accepts it. WebKitGTK reports the POSIX locale as is, so under
 * `LANG=C.UTF-8` (minimal installs, containers) `navigator.language` is "c", which every Intl
 * constructor rejects with a RangeError: fall back to a real tag.
 */
export const userLocale = (): string => {
  const raw = (typeof navigator !== "undefined" && navigator.language) || "";
  if (checkedLocale?.[0] !== raw) {
    let usable = FALLBACK_LOCALE;
    try {
      if (raw && Intl.DateTimeFormat.supportedLocalesOf(raw).length > 0) usable = raw;
    } catch {
      // Not a well-formed language tag.
    }
    checkedLocale = [raw, usable];
  }
  return checkedLocale[1];
};
export const userTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "24 Nov 2026, 14:05" in the reader's locale (and the given zone, default the reader's). */
export function formatDateTime(iso: string, opts: { timeZone?: string; locale?: string } = {}): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(opts.locale ?? userLocale(), {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: opts.timeZone,
  }).format(d);
}

/** "14:05 Europe/Paris" style: the wall-clock time in an account's zone, with the zone named. */
export function formatInZone(iso: string, timeZone: string, locale = userLocale()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(d);
  const city = timeZone.split("/").pop()?.replaceAll("_", " ") ?? timeZone;
  return `${time} (${city})`;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

/** "5 minutes ago", "in 2 hours", in the reader's locale. */
export function formatRelative(iso: string, now: Date = new Date(), locale = userLocale()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const seconds = Math.round((d.getTime() - now.getTime()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(0, "second");
}

/** Compact counts for badges: 7, 999, 1.2k, 35k. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, "")}k`;
  return `${Math.round(n / 1000)}k`;
}
