// The composer's live state: the content being edited, saved on every change (the first save
// creates the draft, later ones make new versions guarded by the draft's `rev`), checked by
// the core on every keystroke (lightly debounced; stale answers are dropped), and the save
// state the screen shows ("Saving…", "Saved, version 3", a conflict in plain words).
import { useEffect, useRef, useState } from "preact/hooks";
import { AppError, type Backend } from "../../ipc";
import type { Draft, ValidationReport } from "../../ipc/backend";
import { emptyContent, normalizeContent, sameContent, type Content } from "./model";

export const SAVE_DELAY_MS = 600;
export const VALIDATE_DELAY_MS = 120;

export type SaveState =
  | { kind: "new" } // nothing written yet
  | { kind: "dirty" }
  | { kind: "saving" }
  | { kind: "saved"; version: number }
  | { kind: "conflict"; error: AppError }
  | { kind: "error"; error: AppError };

export interface DraftEditor {
  loading: boolean;
  loadError: AppError | null;
  content: Content;
  draft: Draft | null;
  report: ValidationReport | null;
  save: SaveState;
  /** Change the content (saved and checked shortly after). */
  edit: (update: (c: Content) => Content) => void;
  /** Save now if anything is unsaved; resolves with the saved draft (or null if it failed). */
  flush: () => Promise<Draft | null>;
  /** Replace the draft after a workflow action (submit, withdraw...). */
  adopt: (d: Draft) => void;
  /** Conflict: take the latest saved version, dropping the local change. */
  reloadLatest: () => Promise<void>;
  /** Conflict: save the local change over the latest version. */
  overwrite: () => Promise<void>;
}

export function useDraftEditor(backend: Backend, draftId: string | undefined, initial?: () => Content): DraftEditor {
  const [content, setContent] = useState<Content>(() => (draftId ? emptyContent() : (initial?.() ?? emptyContent())));
  const [draft, setDraft] = useState<Draft | null>(null);
  const [report, setReport] = useState<ValidationReport | null>(null);
  const [save, setSave] = useState<SaveState>({ kind: "new" });
  const [loading, setLoading] = useState(!!draftId);
  const [loadError, setLoadError] = useState<AppError | null>(null);

  // The truth for async code (state setters are for rendering).
  const live = useRef({
    content,
    draft: null as Draft | null,
    dirty: false,
    inflight: null as Promise<void> | null,
    saveTimer: 0 as ReturnType<typeof setTimeout> | 0,
    validateTimer: 0 as ReturnType<typeof setTimeout> | 0,
    validateSeq: 0,
    blocked: false, // a conflict or error waits for the person
    mounted: true,
  });

  const validate = (c: Content, delay = VALIDATE_DELAY_MS) => {
    const l = live.current;
    if (l.validateTimer) clearTimeout(l.validateTimer);
    const seq = ++l.validateSeq;
    l.validateTimer = setTimeout(() => {
      backend.validateDraft(normalizeContent(c)).then(
        (r) => {
          if (l.mounted && seq === l.validateSeq) setReport(r);
        },
        () => {
          // Validation is advisory while typing; submission checks again and says why.
        },
      );
    }, delay);
  };

  const adopt = (d: Draft) => {
    live.current.draft = d;
    setDraft(d);
  };

  const doSave = async (): Promise<void> => {
    const l = live.current;
    if (!l.dirty || l.blocked) return;
    l.dirty = false;
    const snapshot = normalizeContent(l.content);
    setSave({ kind: "saving" });
    try {
      const d = l.draft ? await backend.saveDraft(l.draft.id, l.draft.rev, snapshot) : await backend.createDraft(snapshot);
      if (!l.draft && typeof history !== "undefined" && typeof location !== "undefined") {
        // Keep the address current (a reload reopens this draft) without remounting the editor.
        history.replaceState(null, "", `#/compose/${encodeURIComponent(d.id)}`);
      }
      l.draft = d;
      if (!l.mounted) return;
      setDraft(d);
      setSave(l.dirty ? { kind: "dirty" } : { kind: "saved", version: d.version });
    } catch (e) {
      const err = AppError.from(e);
      l.dirty = true;
      l.blocked = true;
      if (l.mounted) setSave(err.code === "conflict" ? { kind: "conflict", error: err } : { kind: "error", error: err });
    }
  };

  const runSave = async (): Promise<void> => {
    const l = live.current;
    if (l.saveTimer) {
      clearTimeout(l.saveTimer);
      l.saveTimer = 0;
    }
    while (l.inflight) await l.inflight;
    if (!l.dirty || l.blocked) return;
    l.inflight = doSave();
    try {
      await l.inflight;
    } finally {
      l.inflight = null;
    }
    if (l.dirty && !l.blocked) scheduleSave();
  };

  const scheduleSave = () => {
    const l = live.current;
    if (l.saveTimer) clearTimeout(l.saveTimer);
    l.saveTimer = setTimeout(() => {
      l.saveTimer = 0;
      void runSave();
    }, SAVE_DELAY_MS);
  };

  const edit = (update: (c: Content) => Content) => {
    const l = live.current;
    const next = update(l.content);
    if (sameContent(next, l.content)) return;
    l.content = next;
    l.dirty = true;
    setContent(next);
    if (!l.blocked) setSave({ kind: "dirty" });
    validate(next);
    if (!l.blocked) scheduleSave();
  };

  const flush = async (): Promise<Draft | null> => {
    await runSave();
    const l = live.current;
    return l.blocked ? null : l.draft;
  };

  const reloadLatest = async () => {
    const l = live.current;
    if (!l.draft) return;
    try {
      const d = await backend.getDraft(l.draft.id);
      l.draft = d;
      l.content = normalizeContent(d.content);
      l.dirty = false;
      l.blocked = false;
      setDraft(d);
      setContent(l.content);
      setSave({ kind: "saved", version: d.version });
      validate(l.content, 0);
    } catch (e) {
      setSave({ kind: "error", error: AppError.from(e) });
    }
  };

  const overwrite = async () => {
    const l = live.current;
    if (!l.draft) return;
    try {
      const latest = await backend.getDraft(l.draft.id);
      l.draft = latest;
      l.blocked = false;
      l.dirty = true;
      await runSave();
    } catch (e) {
      setSave({ kind: "error", error: AppError.from(e) });
    }
  };

  // Load an existing draft (or start from the initial content).
  useEffect(() => {
    const l = live.current;
    l.mounted = true;
    if (!draftId) {
      validate(l.content, 0);
      return;
    }
    if (l.draft?.id === draftId) return;
    setLoading(true);
    backend.getDraft(draftId).then(
      (d) => {
        if (!l.mounted) return;
        l.draft = d;
        l.content = normalizeContent(d.content);
        l.dirty = false;
        setDraft(d);
        setContent(l.content);
        setSave({ kind: "saved", version: d.version });
        setLoading(false);
        validate(l.content, 0);
      },
      (e) => {
        if (!l.mounted) return;
        setLoadError(AppError.from(e));
        setLoading(false);
      },
    );
  }, [backend, draftId]);

  // Leaving the screen saves what is unsaved.
  useEffect(
    () => () => {
      const l = live.current;
      l.mounted = false;
      if (l.validateTimer) clearTimeout(l.validateTimer);
      if (l.dirty && !l.blocked) void runSave();
    },
    [],
  );

  return { loading, loadError, content, draft, report, save, edit, flush, adopt, reloadLatest, overwrite };
}
