// Import accounts from CSV or JSON: paste the text or choose a file (read here, in the window),
// check it, and see every problem with its row number. Nothing is imported if any row fails.
import { useState } from "preact/hooks";
import { AppError } from "../../ipc";
import type { FileFormat, ImportReport } from "../../ipc/backend";
import { ErrorNote } from "../../lib/error-note";
import { useBackend } from "../../state/backend";

/** CSV or JSON, from the file name if there is one, else from the text. */
export function guessFormat(text: string, fileName?: string): FileFormat {
  const ext = fileName?.split(".").pop()?.toLowerCase();
  if (ext === "json") return "json";
  if (ext === "csv") return "csv";
  return text.trimStart().startsWith("{") || text.trimStart().startsWith("[") ? "json" : "csv";
}

/** Most bytes a chosen file may have (the whole ministry is well under 1 MB). */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

export function readFileText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result ?? ""));
    r.onerror = () => reject(new AppError("validation", `${file.name} could not be read`));
    r.readAsText(file, "utf-8");
  });
}

const SAMPLE = `network,handle,display_name,group,kind,time_zone,language
x,EmbassyCairo,Embassy in Cairo,Middle East > Embassy in Cairo,institutional,Africa/Cairo,ar
facebook,EmbassyBeijing,Embassy in Beijing,Asia-Pacific > Embassy in Beijing,institutional,Asia/Shanghai,zh`;

export function ImportPanel(props: { onImported: () => void }) {
  const backend = useBackend();
  const [text, setText] = useState("");
  const [fileName, setFileName] = useState<string | undefined>(undefined);
  const [format, setFormat] = useState<FileFormat | "auto">("auto");
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const effective = format === "auto" ? guessFormat(text, fileName) : format;

  async function choose(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setError(null);
    setReport(null);
    if (file.size > MAX_IMPORT_BYTES) {
      setError(new AppError("validation", `${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB; an account list is at most 5 MB`));
      return;
    }
    try {
      setText(await readFileText(file));
      setFileName(file.name);
    } catch (err) {
      setError(AppError.from(err));
    }
  }

  async function run(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      const r = await backend.importAccounts(text, effective);
      setReport(r);
      if (r.applied) props.onImported();
    } catch (err) {
      setError(AppError.from(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="import" onSubmit={run} aria-labelledby="import-title">
      <h4 id="import-title">Import accounts</h4>
      <p class="muted small">
        One row per account: <code>network, handle, display_name, group, kind, time_zone, language</code> (group as <code>Region &gt; Post</code>). Rows
        whose handle exists already update that account. If any row has a problem, nothing is imported.
      </p>
      <div class="import-source">
        <label class="file-choose">
          <span>Choose a CSV or JSON file</span>
          <input type="file" accept=".csv,.json,text/csv,application/json" id="import-file" onChange={choose} />
        </label>
        {fileName && <span class="muted small">{fileName}</span>}
        <label>
          <span class="visually-hidden">Format</span>
          <select id="import-format" value={format} onChange={(e) => setFormat((e.target as HTMLSelectElement).value as FileFormat | "auto")}>
            <option value="auto">Format: {guessFormat(text, fileName).toUpperCase()} (detected)</option>
            <option value="csv">CSV</option>
            <option value="json">JSON</option>
          </select>
        </label>
        <button type="button" class="link" onClick={() => setText(SAMPLE)}>
          Paste an example
        </button>
      </div>
      <label for="import-text" class="visually-hidden">
        Or paste the accounts here
      </label>
      <textarea
        id="import-text"
        rows={5}
        dir="auto"
        spellcheck={false}
        placeholder="…or paste CSV or JSON here"
        value={text}
        onInput={(e) => {
          setText((e.target as HTMLTextAreaElement).value);
          setFileName(undefined);
          setReport(null);
        }}
      />
      <button type="submit" id="import-run" disabled={busy || !text.trim()}>
        {busy ? "Checking…" : "Check and import"}
      </button>
      {error && <ErrorNote error={error} what="Import failed" />}
      {report && <ImportResult report={report} />}
    </form>
  );
}

export function ImportResult(props: { report: ImportReport }) {
  const r = props.report;
  if (!r.applied) {
    return (
      <div class="import-result failed" role="alert" id="import-problems" data-code="validation">
        <p>
          <strong>Nothing was imported.</strong> {r.problems.length === 1 ? "One problem" : `${r.problems.length} problems`} in {r.rows}{" "}
          {r.rows === 1 ? "row" : "rows"}; correct {r.problems.length === 1 ? "it" : "them"} and import again.
        </p>
        <table class="data problems">
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Field</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {r.problems.map((p, i) => (
              <tr key={i} data-row={p.row}>
                <td>{p.row === 0 ? "file" : p.row}</td>
                <td>
                  <code>{p.field}</code>
                </td>
                <td>
                  <bdi>{p.message}</bdi>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <div class="import-result ok" role="status" id="import-done">
      <p>
        Imported {r.rows} {r.rows === 1 ? "row" : "rows"}: {r.created} new, {r.updated} updated
        {r.groupsCreated > 0 && `, ${r.groupsCreated} new groups`}. New accounts still need connecting (use “Reconnect” above).
      </p>
      {r.avatarProblems.length > 0 && (
        <ul class="small warn-text">
          {r.avatarProblems.map((p, i) => (
            <li key={i}>
              Row {p.row}: picture not fetched: {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
