// When a post goes out: as soon as it is approved; at a wall-clock time in each account's own
// time zone (09:00 in Beirut and 09:00 in Tokyo); or at one moment for every account. The
// resulting time per account comes from the core (the saved draft's resolved targets), with
// daylight-saving problems in plain words.
import type { AccountListing, Problem, ResolvedTarget, Schedule } from "../../ipc/backend";
import { formatDateTime, formatInZone, userTimeZone } from "../../lib/format";
import { accountLabel } from "./directory";
import { NetworkIcon } from "./icons";
import { defaultLocalInput, inputToInstant, inputToNaive, instantToInput, naiveToInput } from "./model";

export const SCHEDULE_PROBLEMS = new Set(["local_time_does_not_exist", "local_time_ambiguous", "unknown_time_zone", "schedule_in_past"]);

export interface ScheduleEditorProps {
  schedule: Schedule;
  onChange: (s: Schedule) => void;
  accounts: AccountListing[];
  /** The core's resolution of this schedule per account (`null` while saving). */
  resolved: ResolvedTarget[] | null;
  problems: Problem[];
  readOnly?: boolean;
}

export function ScheduleEditor(props: ScheduleEditorProps) {
  const s = props.schedule;
  const set = (kind: Schedule["kind"]) => {
    if (kind === s.kind) return;
    if (kind === "now") props.onChange({ kind: "now" });
    else if (kind === "local_time") props.onChange({ kind: "local_time", local: inputToNaive(defaultLocalInput()) });
    else props.onChange({ kind: "at", instant: inputToInstant(defaultLocalInput()) ?? new Date().toISOString() });
  };
  const general = props.problems.filter((p) => SCHEDULE_PROBLEMS.has(p.code) && !p.accountId);
  return (
    <div class="schedule-editor">
      <div role="radiogroup" aria-label="When it goes out" class="schedule-kinds">
        <label>
          <input type="radio" name="schedule" value="now" checked={s.kind === "now"} disabled={props.readOnly} onChange={() => set("now")} />
          As soon as it is approved
        </label>
        <label>
          <input
            type="radio"
            name="schedule"
            value="local_time"
            id="schedule-local"
            checked={s.kind === "local_time"}
            disabled={props.readOnly}
            onChange={() => set("local_time")}
          />
          At a local time in each account's own time zone
        </label>
        <label>
          <input type="radio" name="schedule" value="at" id="schedule-at" checked={s.kind === "at"} disabled={props.readOnly} onChange={() => set("at")} />
          At one moment for every account
        </label>
      </div>
      {s.kind === "local_time" && (
        <label class="schedule-input">
          Local time (applied in each account's zone)
          <input
            type="datetime-local"
            id="schedule-local-time"
            value={naiveToInput(s.local)}
            readOnly={props.readOnly}
            onInput={(e) => {
              const v = (e.currentTarget as HTMLInputElement).value;
              if (v) props.onChange({ kind: "local_time", local: inputToNaive(v) });
            }}
          />
        </label>
      )}
      {s.kind === "at" && (
        <label class="schedule-input">
          Time in your zone ({userTimeZone()})
          <input
            type="datetime-local"
            id="schedule-at-time"
            value={instantToInput(s.instant)}
            readOnly={props.readOnly}
            onInput={(e) => {
              const v = inputToInstant((e.currentTarget as HTMLInputElement).value);
              if (v) props.onChange({ kind: "at", instant: v });
            }}
          />
        </label>
      )}
      {general.map((p, i) => (
        <p key={i} class={`problem ${p.severity}`}>
          {p.message}
        </p>
      ))}
      {s.kind !== "now" && props.accounts.length > 0 && <ZoneTable {...props} />}
    </div>
  );
}

function ZoneTable(props: ScheduleEditorProps) {
  const byAccount = new Map((props.resolved ?? []).map((r) => [r.accountId, r]));
  // One row per zone when many accounts share it; every account is listed in its row.
  const rows = new Map<string, { zone: string; accounts: AccountListing[] }>();
  for (const a of props.accounts) {
    const key = a.account.timeZone;
    const row = rows.get(key) ?? { zone: key, accounts: [] };
    row.accounts.push(a);
    rows.set(key, row);
  }
  return (
    <table class="zone-table" id="schedule-zones">
      <caption class="sr-only">When it goes out for each account</caption>
      <thead>
        <tr>
          <th scope="col">Accounts</th>
          <th scope="col">Their local time</th>
          <th scope="col">Your time</th>
        </tr>
      </thead>
      <tbody>
        {[...rows.values()].map((row) => {
          const r = row.accounts.map((a) => byAccount.get(a.account.id)).find((x) => x);
          const problems = props.problems.filter(
            (p) => SCHEDULE_PROBLEMS.has(p.code) && row.accounts.some((a) => a.account.id === p.accountId),
          );
          const seen = new Set<string>();
          const unique = problems.filter((p) => {
            const text = p.message.replace(/^[^:]*:\s*/, "");
            if (seen.has(text)) return false;
            seen.add(text);
            return true;
          });
          return (
            <tr key={row.zone} data-zone={row.zone} class={unique.some((p) => p.severity === "error") ? "has-error" : undefined}>
              <td>
                {row.accounts.slice(0, 4).map((a) => (
                  <span key={a.account.id} class="zone-account">
                    <NetworkIcon network={a.account.network} size={11} /> {accountLabel(a.account)}
                  </span>
                ))}
                {row.accounts.length > 4 && <span class="muted small"> +{row.accounts.length - 4} more</span>}
              </td>
              <td>
                {r?.sendAt ? (
                  <span class="zone-time">{formatInZone(r.sendAt, row.zone)}</span>
                ) : r?.scheduleProblem ? (
                  <span class="problem error">Cannot be scheduled</span>
                ) : (
                  <span class="muted">{props.resolved ? "—" : "…"}</span>
                )}
                {unique.map((p, i) => (
                  <p key={i} class={`problem ${p.severity} small`}>
                    {p.message.replace(/^[^:]*:\s*/, "")}
                  </p>
                ))}
              </td>
              <td>{r?.sendAt ? formatDateTime(r.sendAt) : ""}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
