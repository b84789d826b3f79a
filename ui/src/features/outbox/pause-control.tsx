// The crisis pause: one button in the top bar (or Ctrl+Shift+P) opens a dialog that stops
// every scheduled and queued post for all accounts, a group or one account, with a required
// reason and an optional end time.
import { useEffect, useMemo, useState } from "preact/hooks";
import { AppError } from "../../ipc";
import type { PauseScope } from "../../ipc/backend";
import { Dialog } from "../../lib/dialog";
import { ErrorNotice } from "../../lib/error-notice";
import { useShortcuts } from "../../lib/keys";
import { useBackend } from "../../state/backend";
import { session } from "../../state/session";
import { directory, loadDirectory, type Directory } from "../compose/directory";
import { inputToInstant } from "../compose/model";
import { describeScope, pauseDialogOpen, pauses, refreshPauses } from "./pauses";

/** The top bar button. */
export function PauseButton() {
  // Ctrl+Shift+P: with Shift held the key arrives as "P", so the shortcut is named "Mod+P".
  useShortcuts({ "Mod+P": () => (pauseDialogOpen.value = true) });
  const active = pauses.value.length;
  return (
    <>
      <button
        type="button"
        id="pause-button"
        class="pause-button"
        aria-haspopup="dialog"
        title="Stop posts from going out (Ctrl+Shift+P)"
        onClick={() => (pauseDialogOpen.value = true)}
      >
        <span aria-hidden="true">⏸</span> {active ? "Pause more…" : "Pause posting"}
      </button>
      {pauseDialogOpen.value && <PauseDialog onClose={() => (pauseDialogOpen.value = false)} />}
    </>
  );
}

type Kind = PauseScope["kind"];

function defaultScope(dir: Directory | null): { kind: Kind; group: string; account: string } {
  const roles = session.value?.roles ?? [];
  const tops = dir?.groups.filter((g) => g.depth === 0) ?? [];
  const everywhere = tops.length > 0 && tops.every((t) => roles.some((r) => r.groupId === t.group.id));
  const mine = roles.map((r) => dir?.groupsById.get(r.groupId)).find((g) => g && g.accountIds.length > 0);
  return {
    kind: everywhere || !mine ? "all" : "group",
    group: mine?.group.id ?? dir?.groups[0]?.group.id ?? "",
    account: dir?.accounts[0]?.account.id ?? "",
  };
}

export function PauseDialog(props: { onClose: () => void }) {
  const backend = useBackend();
  const [dirError, setDirError] = useState<AppError | null>(null);
  useEffect(() => {
    loadDirectory(backend).catch((e) => setDirError(AppError.from(e)));
  }, [backend]);
  const dir = directory.value;
  const initial = useMemo(() => defaultScope(dir), [dir]);
  const [kind, setKind] = useState<Kind | null>(null);
  const [group, setGroup] = useState<string | null>(null);
  const [account, setAccount] = useState<string | null>(null);
  const [filter, setFilter] = useState("");
  const [reason, setReason] = useState("");
  const [ends, setEnds] = useState<"resume" | "at">("resume");
  const [until, setUntil] = useState("");
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  const k = kind ?? initial.kind;
  const g = group ?? initial.group;
  const a = account ?? initial.account;
  const scope: PauseScope = k === "all" ? { kind: "all" } : k === "group" ? { kind: "group", id: g } : { kind: "account", id: a };
  const accounts = (dir?.accounts ?? []).filter((l) => {
    const q = filter.trim().toLowerCase();
    return !q || l.account.handle.toLowerCase().includes(q) || l.account.displayName.toLowerCase().includes(q) || l.groupPath.join(" ").toLowerCase().includes(q);
  });

  async function start() {
    if (!reason.trim()) {
      setMissing(true);
      document.getElementById("pause-reason")?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const end = ends === "at" ? inputToInstant(until) : null;
      if (ends === "at" && !end) throw new AppError("validation", "choose when the pause ends, or let it last until someone resumes it");
      await backend.startPause(scope, reason.trim(), end);
      await refreshPauses(backend).catch(() => {});
      props.onClose();
    } catch (e) {
      setError(AppError.from(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title="Pause posting" onClose={props.onClose} id="pause-dialog" role="alertdialog" class="wide" initialFocus="#pause-reason">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            e.stopPropagation();
            void start();
          }
        }}
      >
        <p class="muted">
          Nothing covered leaves while the pause is on: scheduled and queued posts are held, and posts approved meanwhile wait too.
          Everyone sees the banner and the reason.
        </p>
        {dirError && <ErrorNotice error={dirError} />}
        <fieldset class="pause-scope">
          <legend>What to pause</legend>
          <label>
            <input type="radio" name="pause-scope" value="all" checked={k === "all"} onChange={() => setKind("all")} /> Every account
            <span class="muted small"> ({dir?.accounts.length ?? "…"})</span>
          </label>
          <label>
            <input type="radio" name="pause-scope" value="group" id="pause-scope-group" checked={k === "group"} onChange={() => setKind("group")} /> A
            group (region or post)
          </label>
          {k === "group" && (
            <select id="pause-group" aria-label="Group to pause" value={g} onChange={(e) => setGroup((e.currentTarget as HTMLSelectElement).value)}>
              {(dir?.groups ?? [])
                .filter((x) => x.accountIds.length > 0)
                .map((x) => (
                  <option key={x.group.id} value={x.group.id}>
                    {"\u00a0\u00a0".repeat(x.depth)}
                    {x.group.name} ({x.accountIds.length})
                  </option>
                ))}
            </select>
          )}
          <label>
            <input type="radio" name="pause-scope" value="account" id="pause-scope-account" checked={k === "account"} onChange={() => setKind("account")} />{" "}
            One account
          </label>
          {k === "account" && (
            <div class="pause-account">
              <input type="search" placeholder="Find the account" aria-label="Find the account" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} />
              <select id="pause-account" aria-label="Account to pause" size={6} value={a} onChange={(e) => setAccount((e.currentTarget as HTMLSelectElement).value)}>
                {accounts.map((l) => (
                  <option key={l.account.id} value={l.account.id}>
                    {l.account.network === "x" ? `X @${l.account.handle}` : `Facebook ${l.account.displayName}`} · {l.groupPath.join(" › ")}
                  </option>
                ))}
              </select>
            </div>
          )}
        </fieldset>
        <label for="pause-reason">Reason (required; shown to everyone and kept in the audit trail)</label>
        <textarea
          id="pause-reason"
          dir="auto"
          rows={3}
          value={reason}
          placeholder="e.g. Breaking news in the region: hold everything until the minister's statement"
          aria-invalid={missing ? "true" : undefined}
          aria-describedby={missing ? "pause-reason-missing" : undefined}
          onInput={(e) => {
            setReason((e.currentTarget as HTMLTextAreaElement).value);
            setMissing(false);
          }}
        />
        {missing && (
          <p class="error" role="alert" id="pause-reason-missing">
            A pause needs a reason.
          </p>
        )}
        <fieldset class="pause-ends">
          <legend>Ends</legend>
          <label>
            <input type="radio" name="pause-ends" checked={ends === "resume"} onChange={() => setEnds("resume")} /> When someone resumes it
          </label>
          <label>
            <input type="radio" name="pause-ends" id="pause-ends-at" checked={ends === "at"} onChange={() => setEnds("at")} /> By itself at
          </label>
          {ends === "at" && (
            <input type="datetime-local" id="pause-until" aria-label="Pause ends at (your time)" value={until} onInput={(e) => setUntil((e.currentTarget as HTMLInputElement).value)} />
          )}
        </fieldset>
        {error && <ErrorNotice error={error} id="pause-error" />}
        <div class="button-row end">
          <button type="button" class="secondary" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="danger" id="pause-start" disabled={busy}>
            {busy ? "Pausing…" : `Pause ${describeScope(scope, dir)}`}
          </button>
        </div>
        <p class="muted small">Ctrl+Enter pauses, Escape cancels. {pauses.value.length > 0 ? `${pauses.value.length} pause(s) already on.` : ""}</p>
      </form>
    </Dialog>
  );
}
