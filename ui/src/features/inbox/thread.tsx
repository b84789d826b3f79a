// The thread pane: the active item in its conversation (ours and theirs), its triage state,
// notes, and the actions on it.
import { useEffect, useState } from "preact/hooks";
import { AppError } from "../../ipc";
import type { Note, Thread_Serialize } from "../../ipc/backend";
import { ErrorNote } from "../../lib/error-note";
import { formatDateTime, formatInZone } from "../../lib/format";
import { RichText } from "../../lib/rich-text";
import { useBackend } from "../../state/backend";
import { accountLabel, NETWORK_NAME, type Directory } from "../accounts/directory";
import { languageName, STATUS_LABEL } from "./filters";
import type { InboxItem } from "./model";
import { ItemTime, KIND_LABEL, NetworkMark } from "./row";

export interface ThreadActions {
  reply: () => void;
  setStatus: (status: InboxItem["status"]) => void;
  assign: () => void;
  tag: () => void;
  untag: (tag: string) => void;
}

export function ThreadPane(props: { item: InboxItem | undefined; dir: Directory | null; notesVersion: number; actions: ThreadActions }) {
  const backend = useBackend();
  const { item, dir } = props;
  const [thread, setThread] = useState<Thread_Serialize | null>(null);
  const [notes, setNotes] = useState<Note[]>([]);
  const [error, setError] = useState<AppError | null>(null);
  const [loading, setLoading] = useState(false);
  const [draft, setDraft] = useState("");
  const [saving, setSaving] = useState(false);
  const itemId = item?.id;

  // Load the conversation and notes; wait a moment so holding j/k does not flood the core.
  useEffect(() => {
    if (!itemId) return;
    let live = true;
    setLoading(true);
    setError(null);
    const t = setTimeout(() => {
      Promise.all([backend.itemThread(itemId), backend.itemNotes(itemId)]).then(
        ([th, ns]) => {
          if (!live) return;
          setThread(th);
          setNotes(ns);
          setLoading(false);
        },
        (e) => {
          if (!live) return;
          setError(AppError.from(e));
          setLoading(false);
        },
      );
    }, 80);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [backend, itemId]);

  useEffect(() => {
    if (!itemId || props.notesVersion === 0) return;
    let live = true;
    backend.itemNotes(itemId).then((ns) => live && setNotes(ns), () => {});
    return () => {
      live = false;
    };
  }, [props.notesVersion]);

  if (!item) {
    return (
      <aside class="thread-pane empty" aria-label="Conversation" id="thread-pane">
        <p class="muted">Choose an item to see its conversation, notes and actions.</p>
        <p class="muted small">
          <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>e</kbd> done · <kbd>a</kbd> assign · <kbd>r</kbd> reply · <kbd>x</kbd> select
        </p>
      </aside>
    );
  }

  const account = dir?.accountById.get(item.accountId);
  const zone = account?.account.timeZone;
  const assignee = item.assigneeId ? dir?.personById.get(item.assigneeId) : undefined;

  async function addNote(e: Event) {
    e.preventDefault();
    if (!item || !draft.trim()) return;
    setSaving(true);
    setError(null);
    try {
      const n = await backend.addNote(item.id, draft);
      setNotes((ns) => (ns.some((x) => x.id === n.id) ? ns : [...ns, n]));
      setDraft("");
    } catch (err) {
      setError(AppError.from(err));
    } finally {
      setSaving(false);
    }
  }

  const entries = thread?.entries ?? [];
  return (
    <aside class="thread-pane" aria-label="Conversation" id="thread-pane" data-item-id={item.id}>
      <header class="thread-head">
        <div class="thread-who">
          <NetworkMark network={item.network} />
          <bdi class="thread-author">{item.author.displayName || (item.author.handle ? `@${item.author.handle}` : "Someone")}</bdi>
          {item.author.handle && <span class="muted">@{item.author.handle}</span>}
        </div>
        <p class="muted small">
          {KIND_LABEL[item.kind] ?? item.kind} to {account ? accountLabel(account.account) : "an account"} on {NETWORK_NAME[item.network]}
          {account && <> · {account.groupPath.join(" › ")}</>} · <ItemTime iso={item.createdAt} zone={zone} id="thread-time" />
          {zone && <> · {formatInZone(item.createdAt, zone)}</>}
          {item.language && <> · {languageName(item.language)}</>}
        </p>
        <div class="thread-actions" role="toolbar" aria-label="Actions on this item">
          <button type="button" id="thread-reply" onClick={props.actions.reply} title="Reply (r)">
            Reply
          </button>
          {item.status === "done" ? (
            <button type="button" class="secondary" id="thread-reopen" onClick={() => props.actions.setStatus("open")}>
              Reopen
            </button>
          ) : (
            <button type="button" class="secondary" id="thread-done" onClick={() => props.actions.setStatus("done")} title="Done (e)">
              Done
            </button>
          )}
          {item.status === "new" ? (
            <button type="button" class="secondary" onClick={() => props.actions.setStatus("open")} title="Mark as read (o)">
              Mark read
            </button>
          ) : (
            <button type="button" class="secondary" onClick={() => props.actions.setStatus("new")}>
              Mark unread
            </button>
          )}
          <button type="button" class="secondary" id="thread-assign" onClick={props.actions.assign} title="Assign (a)">
            {assignee ? `Assigned: ${assignee.displayName}` : "Assign"}
          </button>
          <button type="button" class="secondary" id="thread-tag" onClick={props.actions.tag} title="Tag (t)">
            Tag
          </button>
        </div>
        <div class="thread-state">
          <span class={`status status-${item.status}`} id="thread-status">
            {STATUS_LABEL[item.status]}
          </span>
          {item.tags.map((t) => (
            <span class="tag removable" key={t}>
              #<bdi>{t}</bdi>
              <button type="button" class="link" aria-label={`Remove tag ${t}`} onClick={() => props.actions.untag(t)}>
                ×
              </button>
            </span>
          ))}
        </div>
      </header>
      {error && <ErrorNote error={error} what="Could not load or save" />}
      <section class="conversation" aria-label="The conversation" aria-busy={loading}>
        {loading && entries.length === 0 && <p class="muted">Loading the conversation…</p>}
        {!loading && entries.length === 0 && !error && <p class="muted">Nothing else of this conversation is in the cache.</p>}
        <ol class="messages">
          {entries.map((e) => {
            const acc = dir?.accountById.get(e.item.accountId);
            const current = e.item.id === item.id;
            return (
              <li key={e.item.id} class={`msg ${e.isOurs ? "ours" : "theirs"}${current ? " current" : ""}`} aria-current={current ? "true" : undefined}>
                <div class="msg-meta small">
                  <bdi>{e.isOurs ? (acc ? accountLabel(acc.account) : "Us") : e.item.author.displayName || e.item.author.handle || "Someone"}</bdi>
                  {e.isOurs && <span class="ours-mark"> (us)</span>} ·{" "}
                  <span title={formatDateTime(e.item.createdAt)}>{acc ? formatInZone(e.item.createdAt, acc.account.timeZone) : formatDateTime(e.item.createdAt)}</span>
                </div>
                <RichText text={e.item.text} lang={e.item.language} entities={e.item.entities} />
              </li>
            );
          })}
        </ol>
      </section>
      <section class="notes" aria-label="Notes">
        <h3>Notes</h3>
        {notes.length === 0 && <p class="muted small">No notes yet. Notes are for your team; the public never sees them.</p>}
        <ul class="note-list">
          {notes.map((n) => (
            <li key={n.id}>
              <p>
                <RichText text={n.text} />
              </p>
              <p class="muted small">
                {dir?.personById.get(n.authorId)?.displayName ?? "Someone"} · {formatDateTime(n.createdAt)}
              </p>
            </li>
          ))}
        </ul>
        <form onSubmit={addNote} class="note-form">
          <label for="note-text" class="visually-hidden">
            Add a note
          </label>
          <textarea
            id="note-text"
            dir="auto"
            rows={2}
            placeholder="Add a note for the team…"
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if ((e.ctrlKey || e.metaKey) && e.key === "Enter") void addNote(e);
            }}
          />
          <button type="submit" disabled={saving || !draft.trim()} id="note-add">
            {saving ? "Saving…" : "Add note"}
          </button>
        </form>
      </section>
    </aside>
  );
}
